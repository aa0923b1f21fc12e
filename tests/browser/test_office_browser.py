"""The office dashboard in a real browser on a 390 px phone: charts scale, tables fold, nothing scrolls sideways."""
from __future__ import annotations

import pytest

from tests.services.office_data import make_office_data

pytestmark = pytest.mark.browser


@pytest.fixture
def office_data(db, make_user):
    make_user("soat", "reviewer")
    return make_office_data(db, make_user)


def test_the_office_page_on_a_phone(browser, live_server, sign_in, office_data, tmp_path):
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844}, locale="vi-VN",
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, "soat")
        page.click(".menu-toggle")
        page.click("nav >> text=Văn phòng")
        page.wait_for_url("**/office")
        page.fill("#f-from", "2026-02-01")
        page.fill("#f-to", "2026-03-15")
        page.click("#office-filters button[type=submit]")
        page.wait_for_url("**/office?*")
        assert page.locator("svg.office-chart").count() == 5
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        chart = page.locator("#panel-weekly svg.office-chart").bounding_box()
        assert chart is not None and chart["width"] <= 390
        # the table folds into labelled rows: each number keeps its column's name and unit
        cell = page.locator("#table-pass_rate tbody tr").first.locator("td").nth(3)
        assert cell.get_attribute("data-label") == "Tỷ lệ đạt (%)" and cell.inner_text() == "50"
        page.screenshot(path=str(tmp_path / "office-390.png"), full_page=True)
    finally:
        context.close()
