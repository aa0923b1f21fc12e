"""Creating organisations, instrument types, instruments and standards through the API,
and bad input that names the field and writes nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lims.models import AuditEvent, Instrument


@pytest.fixture
def admin_headers(make_user, token_for):
    return token_for(make_user("boss", "admin"))


@pytest.fixture
def setup(client, admin_headers):
    org = client.post("/api/v1/organisations", json={"name": "Công ty A", "tax_code": "0101234567"},
                      headers=admin_headers).get_json()
    itype = client.post("/api/v1/instrument-types", headers=admin_headers, json={
        "code": "CAN", "name_vi": "Cân", "name_en": "Scale", "quantity": "mass", "unit": "kg",
        "requires_verification": True, "verification_interval_months": 12}).get_json()
    return org, itype


def _instrument(org, itype, **over):
    data = {"owner_id": org["id"], "type_id": itype["id"], "serial_number": "SN-1", "range_min": 0,
            "range_max": 60, "range_unit": "kg", "resolution": 0.02, "accuracy_class": "III"}
    data.update(over)
    return data


def _count(db, model):
    return db.scalar(select(func.count()).select_from(model))


def test_create_and_read_an_instrument(client, admin_headers, setup):
    org, itype = setup
    resp = client.post("/api/v1/instruments", json=_instrument(org, itype), headers=admin_headers)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["range_max"] == 60 and body["range_unit"] == "kg"
    got = client.get(f"/api/v1/instruments/{body['id']}", headers=admin_headers).get_json()
    assert got["serial_number"] == "SN-1"


@pytest.mark.parametrize("override,field", [
    ({"range_unit": "L"}, "range_unit"),  # a volume unit for a mass instrument
    ({"range_unit": "kilofoo"}, "range_unit"),  # no such unit
    ({"range_max": -5}, "range_max"),  # negative range
    ({"range_min": 10, "range_max": 5}, "range_max"),  # upper below lower
    ({"serial_number": ""}, "serial_number"),  # missing field
    ({"resolution": "abc"}, "resolution"),
    ({"owner_id": 99999}, "owner_id"),
])
def test_bad_instrument_input_names_the_field_and_writes_nothing(client, db, admin_headers, setup, override, field):
    org, itype = setup
    before_events = _count(db, AuditEvent)
    resp = client.post("/api/v1/instruments", json=_instrument(org, itype, **override), headers=admin_headers)
    assert resp.status_code == 422
    body = resp.get_json()
    assert field in body["detail"]["fields"], body
    assert body["error"]
    assert _count(db, Instrument) == 0
    assert _count(db, AuditEvent) == before_events


def test_duplicate_serial_number_for_the_same_owner_is_refused(client, db, admin_headers, setup):
    org, itype = setup
    assert client.post("/api/v1/instruments", json=_instrument(org, itype), headers=admin_headers).status_code == 201
    resp = client.post("/api/v1/instruments", json=_instrument(org, itype), headers=admin_headers)
    assert resp.status_code == 422
    assert "serial_number" in resp.get_json()["detail"]["fields"]
    assert _count(db, Instrument) == 1


def test_error_messages_follow_the_language(client, admin_headers, setup):
    org, itype = setup
    bad = _instrument(org, itype, range_unit="L")
    vi = client.post("/api/v1/instruments", json=bad, headers={**admin_headers, "Accept-Language": "vi"})
    en = client.post("/api/v1/instruments", json=bad, headers={**admin_headers, "Accept-Language": "en"})
    assert "không dùng để đo" in vi.get_json()["detail"]["fields"]["range_unit"]
    assert "does not measure" in en.get_json()["detail"]["fields"]["range_unit"]


PRESSURE_UNITS = "Pa, kPa, MPa, bar, mbar, mmHg"


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/v1/instrument-types", {"code": "AP", "name_vi": "Áp kế", "quantity": "pressure", "unit": "psi"}, "unit"),
    ("/api/v1/reference-standards", {"code": "AK-1", "name": "Áp kế chuẩn", "quantity": "pressure",
                                     "range_max": 100, "range_unit": "psi"}, "range_unit"),
])
def test_a_unit_no_certificate_can_print_is_refused_at_registration(client, db, admin_headers, path, body, field):
    """psi is a pressure pint knows, but certificates cannot print it (no D-SI spelling): it is refused
    when the type or standard is registered, naming the field and the accepted units, in either language."""
    before_events = _count(db, AuditEvent)
    vi = client.post(path, json=body, headers={**admin_headers, "Accept-Language": "vi"})
    en = client.post(path, json=body, headers={**admin_headers, "Accept-Language": "en"})
    assert vi.status_code == en.status_code == 422
    assert vi.get_json()["detail"]["fields"][field] == (
        f"Đơn vị 'psi' không in được trên giấy chứng nhận. Hãy dùng một trong các đơn vị: {PRESSURE_UNITS}.")
    assert en.get_json()["detail"]["fields"][field] == (
        f"The unit 'psi' cannot be printed on a certificate. Use one of: {PRESSURE_UNITS}.")
    label = {"unit": "Unit", "range_unit": "Unit of the range"}[field]  # the field as the form labels it
    assert en.get_json()["error"].startswith(f"{label}: The unit 'psi'")
    assert _count(db, AuditEvent) == before_events


def test_an_instrument_in_psi_is_refused_at_registration(client, db, admin_headers):
    org = client.post("/api/v1/organisations", json={"name": "Công ty B"}, headers=admin_headers).get_json()
    itype = client.post("/api/v1/instrument-types", headers=admin_headers, json={
        "code": "AP", "name_vi": "Áp kế", "quantity": "pressure", "unit": "bar"}).get_json()
    resp = client.post("/api/v1/instruments", json=_instrument(org, itype, range_unit="psi"),
                       headers={**admin_headers, "Accept-Language": "en"})
    assert resp.status_code == 422
    assert PRESSURE_UNITS in resp.get_json()["detail"]["fields"]["range_unit"]
    assert _count(db, Instrument) == 0


def test_every_quantity_an_instrument_type_may_measure_has_printable_units():
    from lims.metrology.units import UNIT_TABLE, reportable_unit, ureg
    from lims.services.validation import QUANTITY_UNITS

    for quantity, ref in QUANTITY_UNITS.items():
        assert reportable_unit(ref) is not None, quantity
        assert any(ureg.Unit(row.pint).is_compatible_with(ureg.Unit(ref)) for row in UNIT_TABLE), quantity


def test_instrument_type_needs_an_interval_when_under_legal_control(client, admin_headers):
    resp = client.post("/api/v1/instrument-types", headers=admin_headers, json={
        "code": "AP", "name_vi": "Áp kế", "quantity": "pressure", "unit": "bar", "requires_verification": True})
    assert resp.status_code == 422
    assert "verification_interval_months" in resp.get_json()["detail"]["fields"]


def test_non_json_body_is_a_clear_error(client, admin_headers):
    resp = client.post("/api/v1/organisations", data="name=x", headers=admin_headers)
    assert resp.status_code == 422 and "JSON" in resp.get_json()["error"]


def test_a_technician_cannot_create_organisations(client, make_user, token_for):
    headers = token_for(make_user("tech", "technician"))
    resp = client.post("/api/v1/organisations", json={"name": "X"}, headers=headers)
    assert resp.status_code == 403


def test_business_user_sees_only_its_own_instruments(client, db, admin_headers, setup, make_user, token_for):
    org, itype = setup
    other = client.post("/api/v1/organisations", json={"name": "B"}, headers=admin_headers).get_json()
    client.post("/api/v1/instruments", json=_instrument(org, itype), headers=admin_headers)
    client.post("/api/v1/instruments", json=_instrument(other, itype, serial_number="SN-2"), headers=admin_headers)
    biz = token_for(make_user("biz", "business", organisation_id=org["id"]))
    rows = client.get("/api/v1/instruments", headers=biz).get_json()
    assert [r["serial_number"] for r in rows] == ["SN-1"]
    theirs = client.get("/api/v1/instruments", headers=admin_headers).get_json()
    other_id = next(r["id"] for r in theirs if r["serial_number"] == "SN-2")
    assert client.get(f"/api/v1/instruments/{other_id}", headers=biz).status_code == 404


def test_standard_calibration_is_recorded_with_its_uncertainty(client, admin_headers):
    std = client.post("/api/v1/reference-standards", headers=admin_headers, json={
        "code": "QC-1", "name": "Quả cân F1", "quantity": "mass", "range_max": 20, "range_unit": "kg"}).get_json()
    vmi = client.post("/api/v1/organisations", headers=admin_headers, json={
        "name": "VMI", "kind": "calibration_lab", "national_institute": True}).get_json()
    resp = client.post(f"/api/v1/reference-standards/{std['id']}/calibrations", headers=admin_headers, json={
        "certificate_number": "VMI-1", "lab_id": vmi["id"], "calibration_date": "2026-01-10",
        "due_date": "2027-01-10", "expanded_uncertainty": 0.33, "uncertainty_unit": "mg", "coverage_factor": 2})
    assert resp.status_code == 201, resp.get_json()
    bad = client.post(f"/api/v1/reference-standards/{std['id']}/calibrations", headers=admin_headers, json={
        "certificate_number": "VMI-2", "lab_id": vmi["id"], "calibration_date": "2026-01-10",
        "due_date": "2027-01-10", "expanded_uncertainty": 0.33, "uncertainty_unit": "bar"})
    assert bad.status_code == 422 and "uncertainty_unit" in bad.get_json()["detail"]["fields"]
    listed = client.get("/api/v1/reference-standards", headers=admin_headers).get_json()
    assert listed[0]["calibrations"][0]["expanded_uncertainty"] == 0.33
    assert listed[0]["calibrations"][0]["calibrated_by"] == "VMI"
