"""Scales on the pages and the API: e and d on the instrument (OIML R76-1 3.4.2, T.3.2.5), the
fitness-for-purpose refusal at submit (R76-1 3.7.1, OIML G 19), ΔL and the checklist on the record page."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lims.models import Instrument, Record
from lims.services import catalog
from lims.services.policy import SYSTEM
from tests.services.workflow_factory import complete_scale_record, open_scale_record


@pytest.fixture
def scale_type(db):
    org = catalog.create_organisation(db, SYSTEM, catalog.NewOrganisation(name="Công ty Hữu Nghị"))
    itype = catalog.create_instrument_type(db, SYSTEM, catalog.NewInstrumentType(
        code="CAN", name_vi="Cân không tự động", name_en="Non-automatic weighing instrument", quantity="mass",
        unit="kg", requires_verification=True, verification_interval_months=12))
    db.commit()
    return org, itype


def test_the_admin_form_takes_e_d_supports_tare_year_and_pattern_approval(db, make_user, login, scale_type):
    org, itype = scale_type
    make_user("tech", "technician")
    client = login("tech")
    form = {"owner_id": org.id, "type_id": itype.id, "serial_number": "GX-1", "range_min": "0", "range_max": "6,1",
            "range_unit": "kg", "resolution": "0,00001", "scale_interval": "0,0001", "load_supports": "1",
            "max_tare": "0", "year_of_manufacture": "2021", "pattern_approval": "PDM 012-2019",
            "accuracy_class": "II", "status": "in_service"}
    assert "scale_interval" in client.get("/admin/instruments/new").get_data(as_text=True)
    assert client.post("/admin/instruments/new", data=form).status_code == 302
    inst = db.scalar(select(Instrument).where(Instrument.serial_number == "GX-1"))
    assert (inst.resolution, inst.scale_interval, inst.load_supports, inst.max_tare) == (0.00001, 0.0001, 1, 0.0)
    assert (inst.year_of_manufacture, inst.pattern_approval) == (2021, "PDM 012-2019")
    page = client.get("/admin/instruments?lang=vi").get_data(as_text=True)
    assert "e = 0,0001 kg; d = 0,00001 kg; Min = 0,005 kg" in page  # Min = 50 e for class II, e ≥ 0.1 g
    # d > e is refused on the field d, in Vietnamese; nothing is written.
    resp = client.post("/admin/instruments/new?lang=vi", data={**form, "serial_number": "GX-2", "resolution": "0,001"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "không được lớn hơn giá trị độ chia kiểm định e" in html
    assert db.scalar(select(func.count()).select_from(Instrument)) == 1


def test_the_api_takes_e_and_refuses_d_above_e_naming_the_field(client, make_user, token_for, db, scale_type):
    org, itype = scale_type
    headers = token_for(make_user("boss", "admin"))
    body = {"owner_id": org.id, "type_id": itype.id, "serial_number": "ICS-1", "range_max": 60, "range_unit": "kg",
            "resolution": 0.01, "scale_interval": 0.01, "load_supports": 4, "max_tare": 6, "accuracy_class": "III"}
    resp = client.post("/api/v1/instruments", json=body, headers=headers)
    assert resp.status_code == 201, resp.get_json()
    got = resp.get_json()
    assert (got["scale_interval"], got["load_supports"], got["max_tare"]) == (0.01, 4, 6.0)
    assert got["min_capacity"] == pytest.approx(0.2)  # class III: Min = 20 e (OIML R76-1 Table 3)
    bad = {**body, "serial_number": "ICS-2", "resolution": 0.02, "max_tare": 70}
    for lang, words in (("en", "must not exceed the verification scale interval e"),
                        ("vi", "không được lớn hơn giá trị độ chia kiểm định e")):
        resp = client.post("/api/v1/instruments", json=bad, headers={**headers, "Accept-Language": lang})
        fields = resp.get_json()["detail"]["fields"]
        assert resp.status_code == 422 and set(fields) == {"resolution", "max_tare"} and words in fields["resolution"]
    assert db.scalar(select(func.count()).select_from(Instrument)) == 1


def test_submit_through_the_api_is_refused_when_not_fit_and_nothing_changes(db, lab, client, token_for):
    rec = complete_scale_record(db, lab, open_scale_record(db, lab), added_load=None)
    headers = {**token_for(lab.users["tech"]), "Accept-Language": "en"}
    resp = client.post(f"/api/v1/records/{rec.id}/submit", json={"version_id": rec.version_id}, headers=headers)
    assert resp.status_code == 422
    problem = resp.get_json()
    assert "not fit for its purpose" in problem["error"]
    assert "OIML G 19" in problem["detail"]["fields"]["points.2"]
    vi = client.post(f"/api/v1/records/{rec.id}/submit", json={"version_id": rec.version_id},
                     headers={**headers, "Accept-Language": "vi"}).get_json()
    assert "0,0082\u00a0kg" in vi["detail"]["fields"]["points.2"]
    db.expire_all()
    assert db.get(Record, rec.id).status == "draft" and db.get(Record, rec.id).version_id == rec.version_id


def test_the_record_page_shows_delta_l_the_checklist_and_why_it_is_not_fit(db, lab, client, login):
    rec = complete_scale_record(db, lab, open_scale_record(db, lab), added_load=None)
    login("tech")
    page = client.get(f"/records/{rec.id}?lang=en").get_data(as_text=True)
    assert 'name="p-2-added_load"' in page and 'name="p-16-added_load"' not in page  # not for repeatability
    assert 'name="check-seals"' in page and "Visual and technical examination" in page
    assert 'id="unfit"' in page and 'id="submit"' not in page
    assert 'data-field="points.2"' in page and "exceeds the procedure&#39;s share of the MPE" in page
    page = client.get(f"/records/{rec.id}?lang=vi").get_data(as_text=True)
    assert "Phép kiểm định không đáp ứng yêu cầu sử dụng" in page
