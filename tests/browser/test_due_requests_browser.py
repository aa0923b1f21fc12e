"""The demo's business on its dashboard ticks two overdue instruments and files one request
holding both (a real browser, at 390 px: nothing scrolls sideways, no console error)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lims.models import ServiceRequest

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "demo-password-1"


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


def test_the_business_requests_two_overdue_instruments_at_once(browser, live_server, sign_in, demo, db, tmp_path):
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844}, locale="vi-VN",
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        sign_in(page, "dn.huunghi", DEMO_PASSWORD)
        panel = page.locator("#due-instruments")
        assert "Phương tiện đo đến hạn và quá hạn kiểm định" in panel.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # The two market scales (12 and 30 days overdue, in no request yet).
        for serial in ("NH-60-71402", "CAS-150-2291"):
            row = panel.locator("tbody tr", has_text=serial)
            assert "ngày" in row.inner_text()
            row.locator("input[type=checkbox]").check()
        page.screenshot(path=str(tmp_path / "due-390.png"), full_page=True)
        panel.locator("#request-due").click()
        page.wait_for_url("**/requests/new?*")
        assert page.locator("input[name=instrument_ids]:checked").count() == 2
        before = {r.id for r in db.scalars(select(ServiceRequest))}
        page.click("section.card form[method=post] button.primary")
        page.wait_for_url("**/requests/*")
        assert "/requests/new" not in page.url
        db.expire_all()
        new = [r for r in db.scalars(select(ServiceRequest)) if r.id not in before]
        assert len(new) == 1 and new[0].kind == "verification"
        assert sorted(i.instrument.serial_number for i in new[0].items) == ["CAS-150-2291", "NH-60-71402"]
        # Back on the dashboard the two now link to that request instead of a checkbox.
        page.goto("/dashboard")
        assert panel.locator("tbody tr", has_text="NH-60-71402").locator("input[type=checkbox]").count() == 0
        assert new[0].number in panel.inner_text()
        assert errors == []
    finally:
        context.close()
