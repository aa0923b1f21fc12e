"""The public check page in a real browser: the holder downloads the PDF, and the page checks a PDF
in the browser (Web Crypto), accepting the genuine file and rejecting a changed one; the stamp's
status-only page offers neither. Screenshots at 390 and 1366 px go to the test's tmp folder."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from lims.services import certificates as certs
from lims.services.demo_certificates import sample_lab
from lims.web.public_certificates import certificate_context

pytestmark = pytest.mark.browser


@pytest.fixture
def scale_certificate(live_app, db, make_user):
    reviewer = make_user("reviewer1", "reviewer")
    lab = sample_lab(db, reviewer=reviewer)
    ctx = certificate_context(live_app)
    cert = certs.issue_for_record(db, reviewer, lab.scale_record(db), context=ctx)
    db.commit()
    certs.write_pending(db)
    return cert, ctx


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("width", [390, 1366])
def test_the_page_accepts_the_genuine_pdf_and_rejects_a_changed_one(browser, live_server, scale_certificate,
                                                                     tmp_path, width):
    cert, ctx = scale_certificate
    context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 900},
                                  is_mobile=width < 500, locale="vi-VN", accept_downloads=True)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(urlsplit(certs.verify_url(cert)).path)
        with page.expect_download() as download:
            page.click("a[data-action=pdf]")
        genuine = tmp_path / "genuine.pdf"
        download.value.save_as(genuine)
        changed = tmp_path / "changed.pdf"
        changed.write_bytes(genuine.read_bytes() + b"\n% one more line\n")

        page.set_input_files("#pdf-file", str(genuine))
        page.wait_for_selector("#pdf-check[data-result=genuine]")
        assert page.inner_text(".check-result").startswith("Đúng tệp gốc") and cert.number in page.inner_text(
            ".check-result")
        page.set_input_files("#pdf-file", str(changed))
        page.wait_for_selector("#pdf-check[data-result=changed]")
        assert page.inner_text(".check-result").startswith("Không phải tệp gốc")
        assert cert.pdf_sha256 in page.inner_text("main")  # still visible for experts
        assert _fits_the_screen(page) and errors == []  # no CSP refusal, no script error
        page.screenshot(path=str(tmp_path / f"check-{width}.png"), full_page=True)

        page.goto(urlsplit(certs.status_url(cert, ctx)).path + "?lang=en")
        assert page.locator(".verdict-banner").inner_text().startswith("Valid")
        assert page.locator("a[data-action=pdf]").count() == 0 and page.locator("#pdf-file").count() == 0
        assert _fits_the_screen(page)
        page.screenshot(path=str(tmp_path / f"stamp-{width}.png"), full_page=True)
    finally:
        context.close()


def test_the_lookup_form_finds_the_certificate_on_a_phone(browser, live_server, scale_certificate):
    cert, _ctx = scale_certificate
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844}, is_mobile=True,
                                  locale="vi-VN")
    try:
        page = context.new_page()
        page.goto("/v/not-a-genuine-token")
        assert page.locator(".verdict-banner").get_attribute("data-status") == "not-genuine"
        page.fill("#lookup-number", cert.number)
        page.fill("#lookup-stamp", "T00-0000000")
        page.click("form.lookup button[type=submit]")
        assert page.locator(".verdict-banner").get_attribute("data-status") == "not-found"
        page.fill("#lookup-stamp", cert.stamp_number)
        page.click("form.lookup button[type=submit]")
        assert page.locator(".verdict-banner").get_attribute("data-status") == "valid"
        assert cert.number in page.inner_text("main") and _fits_the_screen(page)
    finally:
        context.close()
