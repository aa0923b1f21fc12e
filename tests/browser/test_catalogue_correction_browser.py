"""Correcting the catalogue in a real browser: the admin corrects a business's name from the
organisations list, through its page and edit form, then withdraws the instrument type of
spring dial scales from its page; the business's new request no longer offers its dial scale,
and says why."""
from __future__ import annotations

import pytest

from lims.services.policy import SYSTEM

pytestmark = pytest.mark.browser


@pytest.fixture
def dial_scale(lab, db, make_user):
    """A spring dial scale of the business, which the lab verifies (a procedure of its type)."""
    from lims.services import catalog

    dial = catalog.create_instrument(db, SYSTEM, catalog.NewInstrument(
        owner_id=lab.business.id, type_id=lab.types["dial"].id, manufacturer="Nhơn Hòa", model="CĐH-30",
        serial_number="NH-30-0042", range_max=30, range_unit="kg", resolution=0.1, accuracy_class="IIII"))
    catalog.create_procedure(db, SYSTEM, catalog.NewProcedure(
        code="ĐLVN 30:2019", title_vi="Cân đồng hồ lò xo - Quy trình kiểm định", kind="verification",
        instrument_type_id=lab.types["dial"].id))
    db.commit()
    make_user("boss", "admin")
    return dial


def test_the_admin_renames_a_business_and_withdraws_a_type_and_the_request_form_follows(page, sign_in, lab,
                                                                                         dial_scale):
    # Before: the business may ask for its dial scale.
    sign_in(page, "biz")
    page.goto("/requests/new")
    assert page.locator(f"input[name=instrument_ids][value='{dial_scale.id}']").count() == 1
    page.click("text=Đăng xuất")

    sign_in(page, "boss")
    page.goto("/admin/organisations")
    page.click("a:has-text('Công ty Cân Việt')")
    page.wait_for_url(f"**/admin/organisations/{lab.business.id}")
    assert "NH-30-0042" in page.inner_text("#organisation-instruments")
    page.click("#edit-organisation")
    assert page.input_value("input[name=name]") == "Công ty Cân Việt"
    page.fill("input[name=name]", "Công ty TNHH Cân Việt")
    page.click("button:has-text('Lưu')")
    page.wait_for_url(f"**/admin/organisations/{lab.business.id}")
    assert page.inner_text("h1") == "Công ty TNHH Cân Việt"
    history = page.inner_text("#history")
    assert "sửa thông tin tổ chức" in history and "Công ty Cân Việt → Công ty TNHH Cân Việt" in history

    # The type of spring dial scales, withdrawn from its page.
    page.goto("/admin/instrument-types")
    page.click("a:has-text('CAN-DHLX')")
    page.wait_for_url(f"**/admin/instrument-types/{lab.types['dial'].id}")
    page.click("#withdraw")
    page.wait_for_url(f"**/admin/instrument-types/{lab.types['dial'].id}")
    assert page.inner_text("#type-status") == "đã ngừng sử dụng"
    page.goto("/admin/instrument-types")
    assert page.locator("tr:has-text('CAN-DHLX') [data-withdrawn=yes]").count() == 1
    page.click("text=Đăng xuất")

    # After: the business's request form no longer offers the dial scale, and says why.
    sign_in(page, "biz")
    page.goto("/requests/new")
    assert page.locator(f"input[name=instrument_ids][value='{dial_scale.id}']").count() == 0
    assert page.locator(f"input[name=instrument_ids][value='{lab.instruments['scale'].id}']").count() == 1
    assert "NH-30-0042" in page.inner_text("#withdrawn-type")
