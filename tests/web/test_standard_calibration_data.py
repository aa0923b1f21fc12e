"""A standard's calibration data through the API and the admin pages: errors named per field,
nothing written, and the values shown on the standard's page with units and a decimal comma."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from lims.models import StandardCalibration

PIECES = {"use": "corrections", "class": "F1", "pieces": [
    {"id": "20kg", "nominal": "20 kg", "correction": "12 mg", "U": "30 mg", "k": 2},
    {"id": "500mg", "nominal": "500 mg", "correction": "0.004 mg", "U": "0.025 mg", "k": 2}]}


@pytest.fixture
def admin_headers(make_user, token_for):
    return token_for(make_user("boss", "admin"))


@pytest.fixture
def standard(client, admin_headers):
    """A standard, with the id of the lab that calibrates it (``lab_id``)."""
    vmi = client.post("/api/v1/organisations", headers=admin_headers, json={
        "name": "VMI", "kind": "calibration_lab", "national_institute": True}).get_json()
    return client.post("/api/v1/reference-standards", headers=admin_headers, json={
        "code": "QC-F1", "name": "Quả cân F1", "quantity": "mass", "range_min": 0.000001, "range_max": 20,
        "range_unit": "kg"}).get_json() | {"lab_id": vmi["id"]}


def _body(lab_id, **over):
    return {"certificate_number": "VMI-1", "lab_id": lab_id, "calibration_date": "2026-01-10",
            "due_date": "2027-01-10", "expanded_uncertainty": 30, "uncertainty_unit": "mg", **over}


def test_api_refuses_wrong_calibration_data_naming_each_field_and_writes_nothing(client, admin_headers, standard, db):
    """OIML R111-1 5.2: U of a 20 kg F1 weight ≤ 100/3 mg; a correction must be a mass."""
    url = f"/api/v1/reference-standards/{standard['id']}/calibrations"
    data = {"class": "F1", "pieces": [{"id": "20kg", "nominal": "20 kg", "correction": "12 mg", "U": "35 mg"},
                                      {"id": "1kg", "nominal": "1 kg", "correction": "2 bar", "U": "1 mg"}]}
    bad = client.post(url + "?lang=en", headers=admin_headers, json=_body(standard["lab_id"], data=data))
    assert bad.status_code == 422
    fields = bad.get_json()["detail"]["fields"]
    assert set(fields) == {"data.pieces.1.U", "data.pieces.2.correction"}
    assert "OIML R111-1 5.2" in fields["data.pieces.1.U"]
    assert db.scalar(select(func.count()).select_from(StandardCalibration)) == 0
    good = client.post(url, headers=admin_headers, json=_body(standard["lab_id"], data=PIECES))
    assert good.status_code == 201, good.get_json()
    assert good.get_json()["data"] == PIECES
    listed = client.get("/api/v1/reference-standards", headers=admin_headers).get_json()
    assert listed[0]["calibrations"][0]["data"]["pieces"][0]["U"] == "30 mg"


def test_the_admin_form_takes_json_text_and_the_standards_page_shows_it(client, login, make_user, standard, db):
    make_user("chief", "admin")
    login("chief")
    url = f"/admin/standards/{standard['id']}/calibrations/new?lang=vi"
    page = client.get(url)
    assert page.status_code == 200 and 'name="data"' in page.get_data(as_text=True)
    form = {k: str(v) for k, v in _body(standard["lab_id"]).items()}
    refused = client.post(url, data={**form, "data": '{"points": []}'})
    assert refused.status_code == 422 and "Cần danh sách các quả cân của bộ." in refused.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(StandardCalibration)) == 0
    saved = client.post(url, data={**form, "data": json.dumps(PIECES)})
    assert saved.status_code == 302
    html = client.get(f"/admin/standards/{standard['id']}?lang=vi").get_data(as_text=True)
    nbsp = "\u00a0"  # between a number and its unit (SI Brochure 5.4.3)
    assert "VMI-1" in html and "20kg" in html and f"0,004{nbsp}mg" in html and f"0,025{nbsp}mg" in html
    assert "0.004" not in html
    english = client.get(f"/admin/standards/{standard['id']}?lang=en").get_data(as_text=True)
    assert f"0.004{nbsp}mg" in english
