"""Issue 13, part 1, done when: the chain page of a demo certificate reaches the SI through every
link, and the broken one is flagged — seen in a real browser on a 390 px phone (the SVG drawn by the
server fills the width, nothing scrolls sideways) and capped on a wide screen; the customer sees its
own certificate's chain in the portal."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from lims.models import Certificate, RecordStandard, ReferenceStandard

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1366, "height": 900}
DEMO_PASSWORD = "demo-password-1"
#: Where the screenshots go, to be looked at (LIMS_SCREENSHOTS), else the test's folder.
SHOTS = os.environ.get("LIMS_SCREENSHOTS")


@pytest.fixture
def demo(db, tmp_path):
    from certificates.keystore import KeyStore
    from lims.services import certificates as certs
    from lims.services.demo import seed_demo

    ctx = certs.CertificateContext(instance_path=tmp_path, base_url="http://127.0.0.1:5000",
                                   keystore=KeyStore.in_directory(tmp_path / "keys"))
    with certs.use_context(ctx):
        seed_demo(db, DEMO_PASSWORD)
    db.commit()


def _shot(page, tmp_path: Path, name: str) -> None:
    folder = Path(SHOTS) if SHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _certificate_with_working_weights(db) -> Certificate:
    """An issued scale certificate whose record used the internally calibrated working weights."""
    used = select(RecordStandard.record_id).join(ReferenceStandard).where(ReferenceStandard.code == "QC-CT-01")
    return db.scalar(select(Certificate).where(Certificate.record_id.in_(used), Certificate.status == "valid")
                     .order_by(Certificate.id))


def test_the_chain_of_a_demo_certificate_reaches_the_si_and_the_broken_standard_is_flagged(
        browser, live_server, sign_in, demo, db, tmp_path):
    cert = _certificate_with_working_weights(db)
    broken = db.scalar(select(ReferenceStandard.id).where(ReferenceStandard.code == "NK-CHUAN-03"))
    for name, viewport in (("390", PHONE), ("1366", WIDE)):
        context = browser.new_context(base_url=live_server, viewport=viewport, locale="vi-VN",
                                      is_mobile=viewport is PHONE, has_touch=viewport is PHONE)
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            sign_in(page, "admin", DEMO_PASSWORD)
            page.goto(f"/certificates/{cert.id}?lang=en")
            page.click("#traceability-link")
            page.wait_for_url(f"**/certificates/{cert.id}/traceability")
            assert page.get_attribute("#chain-status", "data-reaches-si") == "yes"
            svg = page.locator("svg.traceability-chain")
            assert "Traced to the SI without a break." in svg.text_content()
            box = svg.bounding_box()
            assert box is not None and box["width"] <= min(viewport["width"], 480) + 0.5
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
            nodes = page.eval_on_selector_all("svg.traceability-chain g.node", "gs => gs.map(g => g.dataset.node)")
            assert nodes[0] == "si" and any(n.startswith("standard:QC-CT-01@") for n in nodes)
            assert any(n.startswith("national:") for n in nodes)
            assert page.locator("svg.traceability-chain g.broken").count() == 0
            _shot(page, tmp_path, f"chain-certificate-{name}")

            page.goto(f"/admin/standards/{broken}?lang=en")
            assert page.get_attribute("#chain-status", "data-reaches-si") == "no"
            assert "names no upstream standard" in page.inner_text("#chain-status")
            assert page.locator("svg.traceability-chain g.node.broken").count() >= 1
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
            _shot(page, tmp_path, f"chain-broken-standard-{name}")
        finally:
            context.close()


def test_the_customer_sees_its_certificates_chain_in_the_portal(browser, live_server, sign_in, demo, db, tmp_path):
    cert = _certificate_with_working_weights(db)
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="vi-VN", is_mobile=True,
                                  has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, "dn.huunghi" if cert.customer.name.endswith("Hữu Nghị") else "dn.mauson", DEMO_PASSWORD)
        page.goto(f"/certificates/{cert.id}/traceability")
        assert page.get_attribute("#chain-status", "data-reaches-si") == "yes"
        assert "Liên kết chuẩn liền mạch đến hệ đơn vị SI." in page.locator("svg.traceability-chain").text_content()
        _shot(page, tmp_path, "chain-portal-390")
    finally:
        context.close()
