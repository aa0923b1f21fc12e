"""Admin pages in a real browser: create an instrument, see a field error, switch language, phone layout."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def catalog_data(db, make_user):
    from lims.services import catalog
    from lims.services.policy import SYSTEM

    org = catalog.create_organisation(db, SYSTEM, catalog.NewOrganisation(name="Công ty TNHH Hữu Nghị",
                                                                          tax_code="4900234567"))
    catalog.create_instrument_type(db, SYSTEM, catalog.NewInstrumentType(
        code="CAN-KTD", name_vi="Cân không tự động", name_en="Non-automatic weighing instrument",
        quantity="mass", unit="kg", requires_verification=True, verification_interval_months=12))
    db.commit()
    make_user("boss", "admin")
    return org


def test_admin_registers_an_instrument_after_fixing_a_wrong_unit(page, sign_in, catalog_data):
    sign_in(page, "boss")
    page.click("nav >> text=Phương tiện đo")
    page.click("text=Thêm")
    page.select_option("select[name=owner_id]", label="Công ty TNHH Hữu Nghị")
    page.fill("input[name=serial_number]", "MT-8823911")
    page.fill("input[name=range_max]", "60")
    page.fill("input[name=range_unit]", "bar")
    page.fill("input[name=resolution]", "0,01")
    page.click("button:has-text('Lưu')")
    error = page.locator(".field.invalid .field-error")
    assert "không dùng để đo" in error.inner_text()
    assert page.input_value("input[name=serial_number]") == "MT-8823911"  # nothing typed is lost
    page.fill("input[name=range_unit]", "kg")
    page.click("button:has-text('Lưu')")
    page.wait_for_url("**/admin/instruments")
    row = page.locator("table.data tbody tr", has_text="MT-8823911")
    assert "0 … 60\u00a0kg" in row.inner_text()
    page.click("text=EN")
    assert "Instruments" in page.locator("h1").inner_text()
    assert "Non-automatic weighing instrument" in page.locator("table.data").inner_text()


def test_pages_fit_a_phone(browser, live_server, sign_in, catalog_data, tmp_path):
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, "boss")
        page.goto("/admin/organisations")
        # no horizontal scrolling on a phone: the table folds into labelled rows
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        assert page.locator(".main-nav").is_hidden()
        page.click(".menu-toggle")
        assert page.locator(".main-nav").is_visible()
        page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
    finally:
        context.close()
