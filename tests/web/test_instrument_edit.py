"""Correcting an instrument (page and PATCH API) and the instrument's own page.

The story: a class II balance registered with e = 0.01 kg instead of 0.01 g cannot be worked
(n = Max/e = 320); the admin corrects it. Once an approved record or a certificate refers to an
instrument, what its results were judged against is frozen; location and status stay editable.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lims.models import AuditEvent, Instrument, Record
from lims.services import catalog
from lims.services.policy import SYSTEM


def _events(db):
    return db.scalar(select(func.count()).select_from(AuditEvent))


@pytest.fixture
def balance(db, lab):
    """The mistyped balance: class II, Max 3.2 kg, d = e = 0.01 kg (n = 320)."""
    inst = catalog.create_instrument(db, SYSTEM, catalog.NewInstrument(
        owner_id=lab.business.id, type_id=lab.types["scale"].id, serial_number="GX-3200", range_max=3.2,
        range_unit="kg", resolution=0.01, scale_interval=0.01, accuracy_class="II", location="Kho A"))
    db.commit()
    return inst


@pytest.fixture
def admin(make_user, token_for):
    user = make_user("boss", "admin")
    return token_for(user)


def _snapshot(db, inst_id):
    db.expire_all()
    inst = db.get(Instrument, inst_id)
    return (inst.range_max, inst.range_unit, inst.resolution, inst.scale_interval, inst.location, inst.status,
            inst.version_id)


# ---------------------------------------------------------------- API


def test_patch_corrects_the_balance_and_audits_before_and_after(client, db, admin, balance):
    resp = client.patch(f"/api/v1/instruments/{balance.id}", headers=admin, json={
        "version_id": balance.version_id, "range_max": 3200, "range_unit": "g", "resolution": 0.01,
        "scale_interval": 0.1})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert (body["range_max"], body["range_unit"], body["resolution"], body["scale_interval"]) == (3200, "g", 0.01, 0.1)
    assert body["version_id"] == balance.version_id + 1
    assert body["location"] == "Kho A"  # what was not sent stays
    ev = db.scalars(select(AuditEvent).where(AuditEvent.action == "instrument.update")).one()
    assert ev.entity_id == str(balance.id) and ev.actor == "boss"
    assert ev.before == {"range_max": 3.2, "range_unit": "kg", "scale_interval": 0.01}
    assert ev.after == {"range_max": 3200.0, "range_unit": "g", "scale_interval": 0.1}


def test_a_stale_version_is_409_and_changes_nothing(client, db, admin, balance):
    before, events = _snapshot(db, balance.id), _events(db)
    resp = client.patch(f"/api/v1/instruments/{balance.id}", headers=admin,
                        json={"version_id": balance.version_id - 1, "location": "Kho B"})
    assert resp.status_code == 409
    assert "sau khi bạn mở" in resp.get_json()["error"]  # the stale-save message (Vietnamese by default)
    assert _snapshot(db, balance.id) == before and _events(db) == events


@pytest.mark.parametrize("change,field", [
    ({"range_unit": "bar"}, "range_unit"),  # not a mass unit
    ({"range_max": -1}, "range_max"),
    ({"resolution": 0.02, "scale_interval": 0.01}, "resolution"),  # d > e
    ({"serial_number": ""}, "serial_number"),
    ({"status": "lost"}, "status"),
    ({"owner_id": 99999}, "owner_id"),
])
def test_a_wrong_field_is_named_and_changes_nothing(client, db, admin, balance, change, field):
    before, events = _snapshot(db, balance.id), _events(db)
    resp = client.patch(f"/api/v1/instruments/{balance.id}", headers=admin,
                        json={"version_id": balance.version_id, **change})
    assert resp.status_code == 422, resp.get_json()
    assert field in resp.get_json()["detail"]["fields"]
    assert _snapshot(db, balance.id) == before and _events(db) == events


def test_the_serial_of_another_instrument_of_the_owner_is_refused(client, db, admin, balance, lab):
    resp = client.patch(f"/api/v1/instruments/{balance.id}", headers=admin,
                        json={"version_id": balance.version_id, "serial_number": "SC-60"})
    assert resp.status_code == 422
    assert "SC-60" in resp.get_json()["detail"]["fields"]["serial_number"]


def test_a_version_id_is_required(client, db, admin, balance):
    resp = client.patch(f"/api/v1/instruments/{balance.id}", headers=admin, json={"location": "Kho B"})
    assert resp.status_code == 422
    assert "version_id" in resp.get_json()["detail"]["fields"]


@pytest.mark.parametrize("who", ["reviewer", "biz", "otherbiz"])
def test_only_admins_and_technicians_correct_instruments(client, db, lab, balance, token_for, who):
    before = _snapshot(db, balance.id)
    resp = client.patch(f"/api/v1/instruments/{balance.id}", headers=token_for(lab.users[who]),
                        json={"version_id": balance.version_id, "location": "Kho B"})
    assert resp.status_code == 403
    assert _snapshot(db, balance.id) == before


def test_a_technician_moves_an_instrument(client, db, lab, balance, token_for):
    resp = client.patch(f"/api/v1/instruments/{balance.id}", headers=token_for(lab.tech),
                        json={"version_id": balance.version_id, "location": "Kho B"})
    assert resp.status_code == 200 and resp.get_json()["location"] == "Kho B"


# ---------------------------------------------------------------- frozen once certified


def test_with_a_certificate_the_class_and_e_are_refused_but_location_and_status_change(
        client, db, issued, token_for, make_user):
    admin = token_for(make_user("boss", "admin"))
    scale = issued.scale
    before, events = _snapshot(db, scale.id), _events(db)
    resp = client.patch(f"/api/v1/instruments/{scale.id}", headers=admin, json={
        "version_id": scale.version_id, "accuracy_class": "II", "scale_interval": 0.02, "location": "Kho C"})
    assert resp.status_code == 422
    fields = resp.get_json()["detail"]["fields"]
    assert set(fields) == {"accuracy_class", "scale_interval"}
    assert "đăng ký một phương tiện đo mới" in fields["accuracy_class"]  # the way out, named
    assert _snapshot(db, scale.id) == before and _events(db) == events
    resp = client.patch(f"/api/v1/instruments/{scale.id}", headers=admin, json={
        "version_id": scale.version_id, "location": "Kho C", "status": "scrapped", "serial_number": "SN-FIXED"})
    assert resp.status_code == 200  # a wrong serial number is corrected, then the certificate amended
    body = resp.get_json()
    assert (body["location"], body["status"], body["serial_number"]) == ("Kho C", "scrapped", "SN-FIXED")


def test_the_amend_page_links_the_instrument_correction(client, db, issued, login):
    login("reviewer1")
    html = client.get(f"/certificates/{issued.cert.id}/amend").get_data(as_text=True)
    assert f'href="/admin/instruments/{issued.scale.id}/edit"' in html


# ---------------------------------------------------------------- pages


def test_the_edit_page_corrects_the_balance(client, db, login, make_user, balance):
    make_user("boss", "admin")
    login("boss")
    page = client.get(f"/admin/instruments/{balance.id}/edit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'name="version_id" value="{balance.version_id}"' in html
    assert 'value="0,01"' in html  # the stored e, with the Vietnamese decimal mark
    form = {"version_id": balance.version_id, "owner_id": balance.owner_id, "type_id": balance.type_id,
            "serial_number": "GX-3200", "range_min": "0", "range_max": "3200", "range_unit": "g",
            "resolution": "0,01", "scale_interval": "0,1", "accuracy_class": "II", "location": "Kho A",
            "status": "in_service"}
    resp = client.post(f"/admin/instruments/{balance.id}/edit", data=form)
    assert resp.status_code == 302 and resp.location.endswith(f"/admin/instruments/{balance.id}")
    assert _snapshot(db, balance.id)[:4] == (3200.0, "g", 0.01, 0.1)
    again = client.post(f"/admin/instruments/{balance.id}/edit", data={**form, "location": "Kho B"})
    assert again.status_code == 409  # the version read before the first save is stale now
    assert "Kho B" in again.get_data(as_text=True)  # what was typed is kept
    assert _snapshot(db, balance.id)[4] == "Kho A"


def test_the_edit_page_names_a_wrong_field_and_changes_nothing(client, db, login, make_user, balance):
    make_user("boss", "admin")
    login("boss")
    before = _snapshot(db, balance.id)
    resp = client.post(f"/admin/instruments/{balance.id}/edit",
                       data={"version_id": balance.version_id, "range_unit": "bar"})
    assert resp.status_code == 422
    assert 'class="field invalid"' in resp.get_data(as_text=True)
    assert _snapshot(db, balance.id) == before


@pytest.mark.parametrize("who", ["reviewer", "biz"])
def test_the_edit_page_is_refused_to_others(client, db, login, lab, balance, who):
    login(who)
    assert client.get(f"/admin/instruments/{balance.id}/edit").status_code == 403
    before = _snapshot(db, balance.id)
    assert client.post(f"/admin/instruments/{balance.id}/edit",
                       data={"version_id": balance.version_id, "location": "X"}).status_code in (400, 403)
    assert _snapshot(db, balance.id) == before


def test_the_instrument_page_for_staff_shows_records_certificates_and_history(client, db, issued, login):
    login("tech1")
    scale = issued.scale
    html = client.get(f"/admin/instruments/{scale.id}").get_data(as_text=True)
    assert scale.serial_number in html
    assert issued.cert.number in html
    record = db.scalars(select(Record).where(Record.instrument_id == scale.id)).one()
    assert record.number in html
    assert 'id="instrument-history"' in html
    history = html.split('id="instrument-history"')[1]
    assert f"Giấy chứng nhận {issued.cert.number} được cấp" in history  # its events, in words


def test_the_owner_sees_its_instrument_without_the_audit_history(client, db, lab, balance, login):
    login("biz")
    resp = client.get(f"/admin/instruments/{balance.id}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "GX-3200" in html and 'id="instrument-history"' not in html and "edit-instrument" not in html


def test_another_business_gets_404(client, db, lab, balance, login):
    login("otherbiz")
    assert client.get(f"/admin/instruments/{balance.id}").status_code == 404


def test_the_instruments_list_links_each_instrument_page(client, db, lab, balance, login):
    login("tech")
    html = client.get("/admin/instruments").get_data(as_text=True)
    assert f'href="/admin/instruments/{balance.id}"' in html


def test_a_withdrawn_instrument_is_not_offered_in_new_requests_and_keeps_its_certificates(
        client, db, issued, token_for, make_user, login):
    admin = token_for(make_user("boss", "admin"))
    scale = issued.scale
    make_user("owner", "business", organisation_id=scale.owner_id)
    login("owner")
    assert f'name="instrument_ids" value="{scale.id}"' in client.get("/requests/new").get_data(as_text=True)
    api = client.application.test_client()  # no session cookie: the API with the admin's token
    resp = api.patch(f"/api/v1/instruments/{scale.id}", headers=admin,
                     json={"version_id": scale.version_id, "status": "scrapped"})
    assert resp.status_code == 200
    assert f'name="instrument_ids" value="{scale.id}"' not in client.get("/requests/new").get_data(as_text=True)
    page = client.get(f"/admin/instruments/{scale.id}").get_data(as_text=True)
    assert issued.cert.number in page and 'data-status="scrapped"' in page


def test_a_correction_that_changes_nothing_writes_nothing(client, db, admin, balance):
    before, events = _snapshot(db, balance.id), _events(db)
    resp = client.patch(f"/api/v1/instruments/{balance.id}", headers=admin,
                        json={"version_id": balance.version_id, "location": "Kho A"})
    assert resp.status_code == 200
    assert _snapshot(db, balance.id) == before and _events(db) == events
