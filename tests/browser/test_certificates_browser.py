"""A reviewer revokes a certificate in the browser; a phone scanning its QR code sees it revoked."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from lims.services import certificates as certs
from lims.services.demo_certificates import sample_lab
from lims.web.public_certificates import certificate_context

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def two_certificates(live_app, db, make_user):
    reviewer = make_user("reviewer1", "reviewer")
    lab = sample_lab(db, reviewer=reviewer)
    ctx = certificate_context(live_app)
    scale = certs.issue_for_record(db, reviewer, lab.scale_record(db), context=ctx)
    gauge = certs.issue_for_record(db, reviewer, lab.gauge_record(db), context=ctx)
    db.commit()
    certs.write_pending(db)
    return scale, gauge


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_revoke_in_the_browser_then_check_on_a_phone(page, browser, live_server, sign_in, two_certificates):
    scale, gauge = two_certificates
    sign_in(page, "reviewer1")
    page.goto("/certificates")
    page.click(f"text={scale.number}")
    assert page.locator(".badge[data-status=valid]").first.inner_text() == "còn hiệu lực"
    page.fill("#reason", "Quả cân chuẩn vượt dung sai sau khi kiểm định")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#revoke-form button[type=submit]")
    page.wait_for_selector(".badge[data-status=revoked]")
    assert "Quả cân chuẩn vượt dung sai sau khi kiểm định" in page.inner_text("main")

    phone = browser.new_context(base_url=live_server, viewport=PHONE, is_mobile=True, locale="vi-VN")
    try:
        public = phone.new_page()
        public.goto(urlsplit(certs.verify_url(scale)).path)
        banner = public.locator(".verdict-banner")
        assert banner.get_attribute("data-status") == "revoked" and banner.inner_text().startswith("Đã thu hồi")
        assert scale.number in public.inner_text("main") and _fits_the_screen(public)
        public.goto(urlsplit(certs.verify_url(gauge)).path + "?lang=en")
        assert public.locator(".verdict-banner").inner_text().startswith("Valid")
        assert gauge.pdf_sha256 in public.inner_text("main") and _fits_the_screen(public)
        public.goto("/v/AQ8xYkB8forged")
        assert "Not a genuine certificate" in public.inner_text("main")
    finally:
        phone.close()


def test_amend_in_the_browser_links_old_and_new(page, sign_in, two_certificates):
    scale, _ = two_certificates
    sign_in(page, "reviewer1")
    page.goto(f"/certificates/{scale.id}/amend")
    page.fill("#reason", "Sửa địa chỉ khách hàng")
    page.click("main button[type=submit]")
    flash = page.wait_for_selector(".flash").inner_text()
    assert f"thay thế {scale.number}" in flash and scale.number not in page.inner_text("h1")
    assert page.locator(".badge[data-status=valid]").count() == 1
    page.click(f"main dd a:text('{scale.number}')")
    assert page.locator(".badge[data-status=superseded]").count() == 1
