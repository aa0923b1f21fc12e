"""The public batch page a package's QR code opens, read in a real browser on a 390 px phone (and at
1366 px): product, lot, dates, the timeline and the inspection result, without sideways scrolling.
Screenshots of the batch and product pages at both widths go to the test's tmp folder."""
from __future__ import annotations

import pytest

from tests.services.trace_public_factory import ANISE_GTIN, LOT, make_trace

pytestmark = pytest.mark.browser


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("width", [390, 1366])
def test_a_phone_reads_the_batch_page_the_digital_link_opens(browser, live_server, db, tmp_path, width):
    world = make_trace(db)
    context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 844},
                                  is_mobile=width < 500, locale="vi-VN")
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(world.path)  # the QR's GS1 Digital Link: the resolver redirects to the batch page
        assert page.url.endswith(f"/trace/01/{ANISE_GTIN}/10/{LOT}")
        assert page.inner_text("h1") == "Hoa hồi khô Văn Quan"
        assert page.inner_text("[data-field=lot]") == LOT
        assert page.inner_text("[data-field=production-date]") == "01/10/2025"
        assert page.inner_text("[data-field=expiry-date]") == "30/09/2027"
        steps = page.locator(".timeline li strong").all_inner_texts()
        assert steps == ["Sản xuất", "Kiểm tra", "Xuất hàng", "Nhận hàng"]
        assert "04/10/2025 16:45" in page.inner_text(".timeline li[data-step=receiving]")  # the corrected event
        assert page.inner_text("#inspections .badge") == "Đạt"
        assert "02/10/2025 09:15" in page.inner_text("#inspections")
        assert _fits_the_screen(page) and errors == []
        page.screenshot(path=str(tmp_path / f"trace-batch-{width}.png"), full_page=True)
        page.click(f"a[href='/trace/01/{ANISE_GTIN}']")
        page.wait_for_selector(f"a[data-lot='{LOT}']")
        assert _fits_the_screen(page)
        page.screenshot(path=str(tmp_path / f"trace-product-{width}.png"), full_page=True)
        page.goto(f"/01/{ANISE_GTIN}/10/NOPE?lang=en")
        assert "has no lot NOPE registered here" in page.inner_text(".banner")
        page.screenshot(path=str(tmp_path / f"trace-missing-{width}.png"), full_page=True)
    finally:
        context.close()
