"""The API takes JSON's types as they are: a number for a name, text for a number, a number for
true or false, one value for a list ... is refused (422 naming the field) and writes nothing —
never converted. Forms and the command line send text, which is still read as before."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lims.errors import ValidationError
from lims.field_labels import field_label
from lims.i18n import use_language
from lims.models import AuditEvent, Instrument, InstrumentType, Organisation, ServiceRequest
from lims.services import catalog
from lims.services.inputs import parse
from lims.services.validation import Checker, typed


@pytest.fixture
def admin(make_user, token_for):
    return token_for(make_user("boss", "admin"))


def _count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("body, field", [
    ({"name": 123}, "name"),
    ({"name": True}, "name"),
    ({"name": ["A"]}, "name"),
    ({"name": "A", "tax_code": 101234567}, "tax_code"),
    ({"name": "A", "kind": 1}, "kind"),
    ({"name": {"vi": "A"}}, "name"),
])
def test_an_organisation_with_a_value_of_another_type_is_refused(client, db, admin, body, field):
    before = _count(db, AuditEvent)
    resp = client.post("/api/v1/organisations", json=body, headers={**admin, "Accept-Language": "en"})
    assert resp.status_code == 422, resp.get_json()
    answer = resp.get_json()
    with use_language("en"):  # the message names the field as the form labels it, detail.fields by its path
        assert field in answer["detail"]["fields"] and answer["error"].startswith(f"{field_label(field)}: ")
    assert _count(db, Organisation) == 0 and _count(db, AuditEvent) == before


@pytest.mark.parametrize("override, field, message", [
    ({"requires_verification": "yes"}, "requires_verification", "Must be true or false, not string."),
    ({"requires_verification": 1}, "requires_verification", "Must be true or false, not number."),
    ({"verification_interval_months": "12"}, "verification_interval_months", "Must be a whole number, not string."),
    ({"verification_interval_months": True}, "verification_interval_months", "Must be a whole number, not boolean."),
    ({"code": 7}, "code", "Must be text, not number."),
])
def test_an_instrument_type_with_a_value_of_another_type_is_refused(client, db, admin, override, field, message):
    body = {"code": "CAN", "name_vi": "Cân", "quantity": "mass", "unit": "kg", "requires_verification": True,
            "verification_interval_months": 12, **override}
    resp = client.post("/api/v1/instrument-types", json=body, headers={**admin, "Accept-Language": "en"})
    assert resp.status_code == 422
    assert resp.get_json()["detail"]["fields"][field] == message
    assert _count(db, InstrumentType) == 0


def test_an_instrument_with_text_for_a_number_or_a_number_for_a_date_is_refused(client, db, admin):
    org = client.post("/api/v1/organisations", json={"name": "A"}, headers=admin).get_json()
    itype = client.post("/api/v1/instrument-types", headers=admin, json={
        "code": "CAN", "name_vi": "Cân", "quantity": "mass", "unit": "kg", "verification_interval_months": 12,
        "requires_verification": True}).get_json()
    good = {"owner_id": org["id"], "type_id": itype["id"], "serial_number": "SN-1", "range_max": 60,
            "range_unit": "kg"}
    for override, field in [({"range_max": "60"}, "range_max"), ({"owner_id": str(org["id"])}, "owner_id"),
                            ({"next_due": 20270101}, "next_due"), ({"next_due": "20270101"}, "next_due"),
                            ({"serial_number": 12345}, "serial_number"), ({"range_max": False}, "range_max")]:
        resp = client.post("/api/v1/instruments", json={**good, **override}, headers=admin)
        assert resp.status_code == 422 and field in resp.get_json()["detail"]["fields"], (override, resp.get_json())
    assert _count(db, Instrument) == 0
    assert client.post("/api/v1/instruments", json=good, headers=admin).status_code == 201


def test_a_list_of_ids_must_be_a_list_of_numbers_within_the_database_range(client, db, make_user, token_for,
                                                                           admin):
    org = client.post("/api/v1/organisations", json={"name": "A"}, headers=admin).get_json()
    itype = client.post("/api/v1/instrument-types", headers=admin, json={
        "code": "CAN", "name_vi": "Cân", "quantity": "mass", "unit": "kg", "verification_interval_months": 12,
        "requires_verification": True}).get_json()
    inst = client.post("/api/v1/instruments", headers=admin, json={
        "owner_id": org["id"], "type_id": itype["id"], "serial_number": "SN-1", "range_max": 60,
        "range_unit": "kg"}).get_json()
    tech = token_for(make_user("tech", "technician"))
    # The lab has a calibration procedure for the type (a request for any other type is refused).
    from lims.models import Procedure

    db.add(Procedure(code="QT-CAN", title_vi="Quy trình hiệu chuẩn cân", kind="calibration",
                     instrument_type_id=itype["id"],
                     spec={"quantity": "mass", "tests": [{"test": "calibration", "readings": 1, "values": [60]}]}))
    db.commit()

    def request(ids):
        return client.post("/api/v1/service-requests", headers=tech,
                           json={"customer_id": org["id"], "kind": "calibration", "instrument_ids": ids})

    for ids in (str(inst["id"]), inst["id"], [str(inst["id"])], [True], [inst["id"], 40939409421036432]):
        resp = request(ids)
        assert resp.status_code == 422 and "instrument_ids" in resp.get_json()["detail"]["fields"], ids
    assert _count(db, ServiceRequest) == 0
    assert request([inst["id"]]).status_code == 201


def test_a_user_with_a_text_for_roles_is_refused(client, db, admin):
    resp = client.post("/api/v1/users", headers=admin,
                       json={"username": "x", "password": "correct horse battery", "roles": "admin"})
    assert resp.status_code == 422 and "roles" in resp.get_json()["detail"]["fields"]


def test_forms_and_the_command_line_still_send_text():
    """Without typed input (a form, options) text is read into the field's type, as before."""
    got = parse(catalog.NewInstrumentType, {"code": "CAN", "name_vi": "Cân", "quantity": "mass", "unit": "kg",
                                            "requires_verification": "on", "verification_interval_months": "12"})
    assert got.requires_verification is True and got.verification_interval_months == 12
    with typed(), pytest.raises(ValidationError) as refused:
        parse(catalog.NewInstrumentType, {"code": "CAN", "name_vi": "Cân", "quantity": "mass", "unit": "kg",
                                          "requires_verification": "on", "verification_interval_months": "12"})
    assert set(refused.value.errors) == {"requires_verification", "verification_interval_months"}
    assert Checker().strict is False


def test_a_bool_is_never_a_number_even_in_a_form():
    c = Checker()
    assert c.integer({"n": True}, "n") is None and c.number({"x": False}, "x") is None
    assert set(c.errors) == {"n", "x"}
