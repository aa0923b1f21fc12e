"""The pages of one organisation, instrument type, reference standard and user, and their correction.

Each page shows what refers to the entry and its history in sentences; the edit form comes filled
with the version read; a save goes to the page, a stale one is 409 keeping what was typed, a
wrong field is 422; withdraw and reinstate buttons post with the version; lists link each entry
and badge the withdrawn ones; the amend page links both correction pages.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lims.models import InstrumentType, Organisation, ReferenceStandard, User


@pytest.fixture
def boss(make_user, login):
    user = make_user("boss", "admin")
    login("boss")
    return user


def _fresh(db, model, ident):
    db.expire_all()
    return db.get(model, ident)


def test_the_organisation_page_shows_its_instruments_users_and_history(client, db, lab, boss):
    biz = lab.business
    html = client.get(f"/admin/organisations/{biz.id}").get_data(as_text=True)
    assert "Công ty Cân Việt" in html and "0101234567" in html
    assert f'href="/admin/instruments/{lab.instruments["scale"].id}"' in html  # SC-60
    assert f'href="/admin/users/{lab.biz.id}"' in html
    assert 'id="edit-organisation"' in html and 'id="withdraw"' in html
    assert "thêm tổ chức" in html.split('id="history"')[1]  # "… added the organisation", in Vietnamese


def test_the_organisation_form_corrects_and_a_stale_save_is_409(client, db, lab, boss):
    biz = lab.business
    page = client.get(f"/admin/organisations/{biz.id}/edit")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f'name="version_id" value="{biz.version_id}"' in html
    assert 'value="Công ty Cân Việt"' in html
    form = {"version_id": biz.version_id, "name": "Công ty TNHH Cân Việt", "kind": "business",
            "tax_code": "0101234567", "address": "", "phone": "", "email": ""}
    resp = client.post(f"/admin/organisations/{biz.id}/edit", data=form)
    assert resp.status_code == 302 and resp.location.endswith(f"/admin/organisations/{biz.id}")
    assert _fresh(db, Organisation, biz.id).name == "Công ty TNHH Cân Việt"
    again = client.post(f"/admin/organisations/{biz.id}/edit", data={**form, "phone": "0243 999 999"})
    assert again.status_code == 409 and "0243 999 999" in again.get_data(as_text=True)
    assert _fresh(db, Organisation, biz.id).phone == ""
    current = _fresh(db, Organisation, biz.id).version_id
    bad = client.post(f"/admin/organisations/{biz.id}/edit",
                      data={**form, "version_id": current, "tax_code": "0107654321"})
    assert bad.status_code == 422 and 'class="field invalid"' in bad.get_data(as_text=True)


def test_withdraw_and_reinstate_buttons(client, db, lab, boss):
    other = lab.other_business
    resp = client.post(f"/admin/organisations/{other.id}/active", data={"version_id": other.version_id, "active": "0"})
    assert resp.status_code == 302
    assert _fresh(db, Organisation, other.id).active is False
    listing = client.get("/admin/organisations").get_data(as_text=True)
    row = listing.split("HTX Rau sạch")[1].split("</tr>")[0]
    assert 'data-withdrawn="yes"' in row  # badged in the list
    assert f'href="/admin/organisations/{other.id}"' in listing
    page = client.get(f"/admin/organisations/{other.id}").get_data(as_text=True)
    assert 'data-active="no"' in page and 'id="reinstate"' in page
    org = _fresh(db, Organisation, other.id)
    client.post(f"/admin/organisations/{other.id}/active", data={"version_id": org.version_id, "active": "1"})
    assert _fresh(db, Organisation, other.id).active is True


def test_the_lab_has_no_withdraw_button_and_a_stale_button_changes_nothing(client, db, lab, boss):
    assert 'id="withdraw"' not in client.get(f"/admin/organisations/{lab.lab.id}").get_data(as_text=True)
    other = lab.other_business
    resp = client.post(f"/admin/organisations/{other.id}/active",
                       data={"version_id": other.version_id - 1, "active": "0"}, follow_redirects=True)
    assert "sau khi bạn mở" in resp.get_data(as_text=True)  # the stale-save message, flashed
    assert _fresh(db, Organisation, other.id).active is True


def test_the_type_page_and_its_form_with_quantity_and_unit_fixed(client, db, lab, boss):
    scale = lab.types["scale"]
    html = client.get(f"/admin/instrument-types/{scale.id}").get_data(as_text=True)
    assert "CAN-KTD" in html and "SC-60" in html and "SC-OTHER" in html
    assert "QTKĐ-CKTĐ-R76" in html  # its procedure
    form_html = client.get(f"/admin/instrument-types/{scale.id}/edit").get_data(as_text=True)
    unit_field = form_html.split('id="f-unit"')[0].rsplit('<div class="field', 1)[1]
    assert 'data-frozen="yes"' in unit_field
    resp = client.post(f"/admin/instrument-types/{scale.id}/edit", data={
        "version_id": scale.version_id, "code": "CAN-KTD", "name_vi": "Cân không tự động (cấp III, IIII)",
        "name_en": "Non-automatic weighing instrument", "requires_verification": "1",
        "verification_interval_months": "12"})
    assert resp.status_code == 302
    t = _fresh(db, InstrumentType, scale.id)
    assert (t.name_vi, t.quantity, t.unit) == ("Cân không tự động (cấp III, IIII)", "mass", "kg")


def test_a_withdrawn_type_is_not_offered_for_a_new_instrument_but_kept_on_its_own(client, db, lab, boss):
    scale = lab.types["scale"]
    client.post(f"/admin/instrument-types/{scale.id}/active", data={"version_id": scale.version_id, "active": "0"})
    assert _fresh(db, InstrumentType, scale.id).active is False
    new_form = client.get("/admin/instruments/new").get_data(as_text=True)
    assert f'<option value="{scale.id}"' not in new_form.split('id="f-type_id"')[1].split("</select>")[0]
    inst = lab.instruments["scale"]
    edit = client.get(f"/admin/instruments/{inst.id}/edit").get_data(as_text=True).split('id="f-type_id"')[1]
    assert f'<option value="{scale.id}" selected' in edit  # its own type stays chosen, marked withdrawn
    assert "(đã ngừng sử dụng)" in edit


def test_the_standard_page_lists_records_and_retires(client, db, lab, boss):
    from tests.services.workflow_factory import complete_scale_record, open_scale_record
    rec = complete_scale_record(db, lab, open_scale_record(db, lab))
    m1 = lab.standards["M1"]
    html = client.get(f"/admin/standards/{m1.id}").get_data(as_text=True)
    assert rec.number in html.split('id="standard-records"')[1]
    assert 'id="retire"' in html and 'id="edit-standard"' in html
    resp = client.post(f"/admin/standards/{m1.id}/status", data={"version_id": m1.version_id, "status": "retired"})
    assert resp.status_code == 302
    assert _fresh(db, ReferenceStandard, m1.id).status == "retired"
    assert 'data-withdrawn="yes"' in client.get("/admin/standards").get_data(as_text=True)
    form_html = client.get(f"/admin/standards/{m1.id}/edit").get_data(as_text=True)
    unit_field = form_html.split('id="f-range_unit"')[0].rsplit('<div class="field', 1)[1]
    assert 'data-frozen="yes"' in unit_field  # a record used it


def test_the_user_page_corrects_roles_and_reactivates(client, db, lab, boss):
    tech = lab.tech
    html = client.get(f"/admin/users/{tech.id}").get_data(as_text=True)
    assert 'id="edit-user"' in html and 'id="user-data"' in html
    form = client.get(f"/admin/users/{tech.id}/edit").get_data(as_text=True)
    assert f'name="version_id" value="{tech.version_id}"' in form and 'name="password"' not in form
    resp = client.post(f"/admin/users/{tech.id}/edit", data={
        "version_id": tech.version_id, "full_name": "Nguyễn Thị Lan", "job_title": "Kiểm định viên",
        "email": "lan@tdc.gov.vn", "language": "vi", "roles": ["technician", "reviewer"],
        "organisation_id": str(lab.lab.id)})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    user = _fresh(db, User, tech.id)
    assert user.roles == {"technician", "reviewer"} and user.full_name == "Nguyễn Thị Lan"
    client.post(f"/admin/users/{tech.id}/deactivate", data={"confirm": "1"})
    assert 'id="reactivate"' in client.get(f"/admin/users/{tech.id}").get_data(as_text=True)
    client.post(f"/admin/users/{tech.id}/reactivate", data={"reason": "đi làm lại"})
    assert _fresh(db, User, tech.id).active is True


def test_an_admin_de_admining_themself_is_refused_on_the_page(client, db, lab, boss, make_user):
    make_user("boss2", "admin")
    resp = client.post(f"/admin/users/{boss.id}/edit", data={
        "version_id": _fresh(db, User, boss.id).version_id, "roles": ["technician"]})
    assert resp.status_code == 422
    assert "admin" in _fresh(db, User, boss.id).roles


@pytest.mark.parametrize("who", ["tech", "reviewer"])
def test_edit_pages_are_refused_to_non_admins(client, db, lab, login, who):
    login(who)
    for url in (f"/admin/organisations/{lab.business.id}/edit", f"/admin/instrument-types/{lab.types['scale'].id}/edit",
                f"/admin/standards/{lab.standards['P'].id}/edit", f"/admin/users/{lab.tech.id}/edit"):
        assert client.get(url).status_code == 403, url
    page = client.get(f"/admin/organisations/{lab.business.id}").get_data(as_text=True)
    assert 'id="edit-organisation"' not in page and 'id="withdraw"' not in page


def test_a_business_user_sees_no_organisation_page(client, db, lab, login):
    login("biz")
    assert client.get(f"/admin/organisations/{lab.business.id}").status_code == 403


def test_the_request_form_does_not_offer_an_instrument_of_a_withdrawn_type(client, db, lab, boss, login):
    scale = lab.types["scale"]
    client.post(f"/admin/instrument-types/{scale.id}/active", data={"version_id": scale.version_id, "active": "0"})
    login("biz")
    html = client.get("/requests/new").get_data(as_text=True)
    assert f'name="instrument_ids" value="{lab.instruments["scale"].id}"' not in html
    assert 'id="withdrawn-type"' in html and "SC-60" in html.split('id="withdrawn-type"')[1]


def test_the_amend_page_links_the_customer_and_instrument_corrections(client, db, issued, login):
    login("reviewer1")
    html = client.get(f"/certificates/{issued.cert.id}/amend").get_data(as_text=True)
    assert f'href="/admin/organisations/{issued.cert.customer_id}/edit"' in html
    assert f'href="/admin/instruments/{issued.scale.id}/edit"' in html
    assert "Hãy sửa thông tin khách hàng hoặc phương tiện đo trong danh mục trước" in html


def test_lists_link_each_entry_page(client, db, lab, boss):
    assert f'href="/admin/instrument-types/{lab.types["gauge"].id}"' in client.get("/admin/instrument-types").get_data(
        as_text=True)
    assert f'href="/admin/standards/{lab.standards["P"].id}"' in client.get("/admin/standards").get_data(as_text=True)
    assert db.scalar(select(Organisation).where(Organisation.kind == "lab")) is not None


def test_the_instrument_page_links_its_owner_and_type_for_staff_only(client, db, lab, login):
    inst = lab.instruments["scale"]
    login("tech")
    html = client.get(f"/admin/instruments/{inst.id}").get_data(as_text=True)
    assert f'href="/admin/organisations/{lab.business.id}"' in html
    assert f'href="/admin/instrument-types/{lab.types["scale"].id}"' in html
    client.post("/logout")
    login("biz")
    html = client.get(f"/admin/instruments/{inst.id}").get_data(as_text=True)
    assert "/admin/organisations/" not in html and "/admin/instrument-types/" not in html


def test_the_history_names_fields_and_values_as_people_say_them(client, db, lab, boss):
    """A withdrawal and a change of roles in the history: the field's label and the values' words
    (before: "active: có → không", "roles: technician → …", the internal names)."""
    scale = lab.types["scale"]
    client.post(f"/admin/instrument-types/{scale.id}/active", data={"version_id": scale.version_id, "active": "0"})
    history = client.get(f"/admin/instrument-types/{scale.id}").get_data(as_text=True).split('id="history"')[1]
    assert "Hoạt động: có → không" in history and "active:" not in history
    tech = lab.tech
    client.post(f"/admin/users/{tech.id}/edit", data={"version_id": tech.version_id, "full_name": "Tech",
                                                      "roles": ["technician", "reviewer"]})
    history = client.get(f"/admin/users/{tech.id}").get_data(as_text=True).split('id="history"')[1]
    assert "Vai trò: kiểm định viên → người soát xét, kiểm định viên" in history


def test_a_technician_sees_an_organisation_without_its_users(client, db, lab, login):
    """The users' list is the admin's: the organisation's page shows its users to an admin only."""
    login("tech")
    html = client.get(f"/admin/organisations/{lab.business.id}").get_data(as_text=True)
    assert "SC-60" in html and 'id="organisation-users"' not in html and "/admin/users/" not in html


def test_a_withdrawn_business_is_not_offered_as_customer_owner_or_organisation(client, db, lab, boss):
    other = lab.other_business
    client.post(f"/admin/organisations/{other.id}/active", data={"version_id": other.version_id, "active": "0"})

    def options(url, select_id):
        html = client.get(url).get_data(as_text=True)
        return html.split(f'id="{select_id}"')[1].split("</select>")[0]

    assert f'value="{other.id}"' not in options("/requests/new", "f-customer")
    assert f'value="{lab.business.id}"' in options("/requests/new", "f-customer")
    assert f'value="{other.id}"' not in options("/admin/instruments/new", "f-owner_id")
    assert f'value="{other.id}"' not in options("/admin/users/new", "f-organisation_id")
    # Its own instrument's form keeps it, marked withdrawn.
    owned = options(f"/admin/instruments/{lab.instruments['other_scale'].id}/edit", "f-owner_id")
    assert f'value="{other.id}" selected' in owned and "HTX Rau sạch (đã ngừng sử dụng)" in owned


def test_the_certificate_page_links_its_customer_for_staff_only(client, db, issued, login, make_user):
    """A certificate's customer opens the customer's page for the lab's staff (to correct it before
    an amendment); the business itself, which may not see organisation pages, gets the name only."""
    from lims.models import Role

    cert = issued.cert
    login("reviewer1")
    html = client.get(f"/certificates/{cert.id}").get_data(as_text=True)
    assert f'href="/admin/organisations/{cert.customer_id}"' in html
    client.post("/logout")
    make_user("owner1", Role.business.value, organisation_id=cert.customer_id)
    login("owner1")
    resp = client.get(f"/certificates/{cert.id}")
    assert resp.status_code == 200 and "/admin/organisations/" not in resp.get_data(as_text=True)
