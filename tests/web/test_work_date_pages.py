"""The work date's reason on the record page and through the API (ISO/IEC 17025 7.8.2.1 i):
a work date more than 30 days back (LIMS_WORK_DATE_MAX_DAYS_BACK) is refused without a reason,
naming the field in Vietnamese or English, with nothing changed; with one it is saved and kept."""
from __future__ import annotations

from datetime import date, timedelta

from lims.models import Record
from tests.services.workflow_factory import open_scale_record

OLD = (date.today() - timedelta(days=45)).isoformat()
REASON = "Biên bản giấy lập tại hiện trường, nhập lại sau"


def test_the_record_form_asks_for_a_reason_and_keeps_it(db, lab, client, login):
    rec = open_scale_record(db, lab, via_request=False)
    login("tech")
    form = {"version_id": str(rec.version_id), "place": "Kho 1", "work_date": OLD, "remarks": ""}
    resp = client.post(f"/records/{rec.id}", data=form)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "Ngày thực hiện lùi quá 30 ngày phải ghi lý do." in page
    assert 'name="work_date_reason"' in page and "Lý do ghi ngày thực hiện lùi xa" in page
    db.expire_all()
    assert db.get(Record, rec.id).work_date == date.today()
    resp = client.post(f"/records/{rec.id}", data={**form, "work_date_reason": REASON})
    assert resp.status_code == 302
    db.expire_all()
    saved = db.get(Record, rec.id)
    assert saved.work_date.isoformat() == OLD and saved.work_date_reason == REASON


def test_the_api_names_the_field_in_english_and_saves_the_reason(db, lab, client, token_for):
    rec = open_scale_record(db, lab, via_request=False)
    headers = {**token_for(lab.tech), "Accept-Language": "en"}
    resp = client.put(f"/api/v1/records/{rec.id}", json={"version_id": rec.version_id, "work_date": OLD},
                      headers=headers)
    assert resp.status_code == 422
    assert resp.get_json()["detail"]["fields"] == {
        "work_date_reason": "A work date more than 30 days back needs a reason."}
    resp = client.put(f"/api/v1/records/{rec.id}", json={"version_id": rec.version_id, "work_date": OLD,
                                                         "work_date_reason": REASON}, headers=headers)
    assert resp.status_code == 200
    assert (resp.get_json()["work_date"], resp.get_json()["work_date_reason"]) == (OLD, REASON)
