"""A mistyped instrument corrected in a real browser: the class II balance registered with
e = 0.01 kg instead of 0.01 g cannot be worked (n = Max/e = 320); the admin corrects it from
the request, through the instrument's page and its edit form; the technician then opens the record."""
from __future__ import annotations

import pytest

from lims.services.policy import SYSTEM

pytestmark = pytest.mark.browser


@pytest.fixture
def mistyped(lab, db, make_user):
    """The balance as mistyped (Max 3.2 kg, d = e = 0.01 kg, class II) in a request of its owner."""
    from lims.services import catalog, workflow

    balance = catalog.create_instrument(db, SYSTEM, catalog.NewInstrument(
        owner_id=lab.business.id, type_id=lab.types["scale"].id, manufacturer="A&D", model="GX-3202",
        serial_number="GX-3200", range_max=3.2, range_unit="kg", resolution=0.01, scale_interval=0.01,
        accuracy_class="II", location="Phòng thí nghiệm"))
    req = workflow.create_service_request(db, lab.biz, workflow.NewServiceRequest(
        kind="verification", verification_type="periodic", instrument_ids=[balance.id]))
    req = workflow.accept_service_request(db, lab.tech, req.id, workflow.AcceptRequest(version_id=req.version_id))
    db.commit()
    make_user("boss", "admin")
    return balance, req


def test_the_admin_corrects_the_mistyped_balance_then_the_technician_opens_the_record(page, sign_in, mistyped):
    balance, req = mistyped
    # The technician is refused the record, with the reason.
    sign_in(page, "tech")
    page.goto(f"/requests/{req.id}")
    page.click("button:has-text('Lập biên bản')")
    refusal = page.locator(".flash.error, .error[role=alert]").first.inner_text()
    assert "320" in refusal
    page.click("text=Đăng xuất")

    # The admin follows the serial number from the request to the instrument's page and corrects it.
    sign_in(page, "boss")
    page.goto(f"/requests/{req.id}")
    page.click("a:has-text('GX-3200')")
    page.wait_for_url(f"**/admin/instruments/{balance.id}")
    page.click("#edit-instrument")
    assert page.input_value("input[name=scale_interval]") == "0,01"
    page.fill("input[name=range_max]", "3200")
    page.fill("input[name=range_unit]", "g")
    page.fill("input[name=resolution]", "0,01")
    page.fill("input[name=scale_interval]", "0,1")
    page.click("button:has-text('Lưu')")
    page.wait_for_url(f"**/admin/instruments/{balance.id}")
    assert page.inner_text("#instrument-resolution") == "0,01\u00a0g"  # a no-break space keeps the unit with its number
    history = page.inner_text("#instrument-history")
    assert "Thông tin phương tiện đo được sửa" in history and "3,2 → 3.200" in history  # in the page's number format
    page.click("text=Đăng xuất")

    # The technician now opens the record.
    sign_in(page, "tech")
    page.goto(f"/requests/{req.id}")
    page.click("button:has-text('Lập biên bản')")
    page.wait_for_selector("#record-form")
    assert page.inner_text("#record-status") == "bản nháp"
