"""Issue "Daily use", Done when: a business finds its instruments by typing without diacritics and
requests verification of two overdue instruments (a real browser, the demo's business, at 390 px
and at 1366 px; nothing scrolls sideways, no console error).

The demo's Hữu Nghị keeps two market scales at "Quầy Hữu Nghị, chợ Kỳ Lừa", 12 and 30 days
overdue and in no request. Typed as a phone keyboard without Vietnamese input gives it —
"cho ky lua", "nhon hoa" — the search of the instruments list finds them (and only the business's
own instruments), the "overdue" filter keeps them, and ticking both files one request for the two.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lims.models import Instrument, Organisation, ServiceRequest
from lims.text_search import fold

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "demo-password-1"
OVERDUE = ["CAS-150-2291", "NH-60-71402"]


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


@pytest.mark.parametrize("width", [390, 1366])
def test_the_business_finds_its_instruments_without_diacritics_and_requests_two_overdue(
        browser, live_server, sign_in, demo, db, tmp_path, width):
    owner = db.scalar(select(Organisation).where(Organisation.name == "Công ty TNHH Thương mại Hữu Nghị"))
    owned = list(db.scalars(select(Instrument).where(Instrument.owner_id == owner.id)))
    at_market = sorted(i.serial_number for i in owned if "cho ky lua" in fold(i.location))
    by_nhon_hoa = sorted(i.serial_number for i in owned if fold(i.manufacturer) == "nhon hoa")
    assert "NH-60-71402" in by_nhon_hoa
    assert OVERDUE == [s for s in at_market if s in OVERDUE]  # the demo as the docstring says
    context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 844}, locale="vi-VN",
                                  is_mobile=width < 600, has_touch=width < 600)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        sign_in(page, "dn.huunghi", DEMO_PASSWORD)
        page.goto("/admin/instruments")
        page.fill("#q", "cho ky lua")
        page.press("#q", "Enter")
        page.wait_for_url("**/admin/instruments?*q=cho+ky+lua*")
        rows = page.locator("table.data tbody tr")
        assert rows.count() == len(at_market)
        assert all(s in page.inner_text("table.data") for s in at_market)
        assert page.evaluate("document.documentElement.scrollWidth") <= width

        page.fill("#q", "NHON HOA")  # a manufacturer, in capitals, without its diacritics
        page.press("#q", "Enter")
        page.wait_for_url("**q=NHON+HOA*")
        assert rows.count() == len(by_nhon_hoa)
        assert all(s in page.inner_text("table.data") for s in by_nhon_hoa)

        # Overdue only, at the market: the two scales, each with a checkbox.
        page.fill("#q", "cho ky lua")
        page.select_option("#f-due", "overdue")
        page.click(".list-buttons button[type=submit]")
        page.wait_for_url("**due=overdue*")
        assert rows.count() == 2
        for serial in OVERDUE:
            rows.filter(has_text=serial).locator("input[name=instrument_ids]").check()
        page.screenshot(path=str(tmp_path / f"business-search-{width}.png"), full_page=True)
        page.click("#request-selected")
        page.wait_for_url("**/requests/new?*")
        assert page.locator("input[name=instrument_ids]:checked").count() == 2
        before = {r.id for r in db.scalars(select(ServiceRequest))}
        page.click("section.card form[method=post] button.primary")
        page.wait_for_url("**/requests/*")
        assert "/requests/new" not in page.url
        db.expire_all()
        new = [r for r in db.scalars(select(ServiceRequest)) if r.id not in before]
        assert len(new) == 1 and new[0].kind == "verification" and new[0].customer_id == owner.id
        assert sorted(i.instrument.serial_number for i in new[0].items) == OVERDUE
        assert errors == []
    finally:
        context.close()
