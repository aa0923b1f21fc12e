"""Four eyes by construction (issue 11, finding 1): a record is approved (or returned) only by a
reviewer who is none of its makers — whoever opened, saved, captured into or submitted it, as
its audit trail shows — and an admin as such does not edit records."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lims.errors import PermissionDenied
from lims.i18n import use_language
from lims.models import AuditEvent, Certificate, Record
from lims.services import policy, workflow
from lims.services.workflow import capture
from tests.services.workflow_factory import all_checks_ok, complete_scale_record, open_scale_record, scale_points


def _saved_by_techrev_and_submitted(db, lab):
    """tech opens the record; techrev (technician + reviewer) saves tech's readings and submits."""
    rec = open_scale_record(db, lab, technician=lab.tech)
    rec = complete_scale_record(db, lab, rec, technician=lab.techrev)
    workflow.submit_record(db, lab.techrev, rec.id, workflow.Version(version_id=rec.version_id))
    db.commit()
    return rec


def test_an_admin_cannot_edit_another_technicians_record_through_the_api(db, lab, client, make_user, token_for):
    """Finding 1: an admin edited ktv.hung's record (PUT /api/v1/records/2), submitted and approved it."""
    admin = make_user("boss", "admin")
    headers = {**token_for(admin), "Accept-Language": "en"}
    rec = open_scale_record(db, lab)
    body = {"version_id": rec.version_id, "environment": {"temperature": 23.5},
            "standards": [lab.standards["F1"].id, lab.standards["M1"].id], "points": scale_points(rec),
            "checks": all_checks_ok(rec)}
    resp = client.put(f"/api/v1/records/{rec.id}", json=body, headers=headers)
    assert resp.status_code == 403, resp.get_json()
    assert resp.get_json()["error"] == "This needs the role: technician."
    resp = client.post(f"/api/v1/records/{rec.id}/points/1/capture", headers=headers,
                       json={"version_id": rec.version_id, "port": "mock://mt-sics", "driver": "mt-sics"})
    assert resp.status_code == 403
    resp = client.post(f"/api/v1/records/{rec.id}/submit", json={"version_id": rec.version_id}, headers=headers)
    assert resp.status_code == 403
    resp = client.post("/api/v1/records", json={"instrument_id": lab.instruments["scale"].id,
                                                "kind": "verification"}, headers=headers)
    assert resp.status_code == 403
    db.expire_all()
    stored = db.get(Record, rec.id)
    assert stored.status == "draft" and stored.version_id == rec.version_id
    assert all(not p.readings for p in stored.points)
    assert not policy.can_edit_record(admin, stored) and policy.can_edit_record(lab.tech, stored)


def test_a_technician_reviewer_who_saved_anothers_readings_then_submitted_cannot_approve(db, lab):
    """Finding 1: technician + reviewer edited ktv.lan's readings, submitted and approved; the audit
    showed save, submit and approve by the same person."""
    rec = _saved_by_techrev_and_submitted(db, lab)
    assert rec.technician_id == lab.tech.id  # the column alone names someone else
    assert policy.record_makers(rec) == {lab.tech.id, lab.techrev.id}
    assert not policy.can_review_record(lab.techrev, rec)
    with use_language("en"), pytest.raises(PermissionDenied) as refused:
        workflow.approve_record(db, lab.techrev, rec.id, workflow.Version(version_id=rec.version_id))
    assert refused.value.message == (f"You opened, saved or submitted record {rec.number}; "
                                     "another reviewer must approve it.")
    db.rollback()
    with pytest.raises(PermissionDenied):
        workflow.return_record(db, lab.techrev, rec.id, workflow.ReturnRecord(version_id=rec.version_id,
                                                                              comment="mine"))
    db.rollback()
    assert policy.can_review_record(lab.reviewer, rec)
    assert db.get(Record, rec.id).status == "submitted"


def test_opening_alone_makes_a_maker(db, lab):
    """Finding 1: whoever opened the record (here for another technician, as the system does not)
    is one of its makers, whatever Record.technician_id says."""
    rec = open_scale_record(db, lab, technician=lab.techrev)
    rec.technician_id = lab.tech.id  # as if reassigned: the audit still names who opened it
    db.flush()
    assert lab.techrev.id in policy.record_makers(rec)
    assert policy.made_record(lab.techrev, rec) and not policy.made_record(lab.reviewer, rec)
    assert not policy.made_record(policy.SYSTEM, rec)


def test_the_record_page_does_not_offer_approval_to_a_maker(db, lab, client, login):
    """Finding 1: the page offered approve to the technician + reviewer who saved and submitted."""
    rec = _saved_by_techrev_and_submitted(db, lab)
    login("techrev")
    page = client.get(f"/records/{rec.id}?lang=en").get_data(as_text=True)
    assert 'id="approve"' not in page and 'id="return"' not in page
    assert "You opened, saved or submitted this record; another reviewer must review it." in page
    page = client.get(f"/records/{rec.id}?lang=vi").get_data(as_text=True)
    assert 'id="approve"' not in page
    assert "Bạn đã mở, lưu hoặc gửi biên bản này; một người soát xét khác phải soát xét." in page


def test_the_refusal_is_given_in_vietnamese_and_english(db, lab, client, token_for):
    """Finding 1: a maker's approval through the API is refused (403) with the reason, in both languages."""
    rec = _saved_by_techrev_and_submitted(db, lab)
    token = token_for(lab.techrev)
    url = f"/api/v1/records/{rec.id}/approve"
    resp = client.post(url, json={"version_id": rec.version_id}, headers={**token, "Accept-Language": "en"})
    assert resp.status_code == 403
    assert resp.get_json()["error"] == (f"You opened, saved or submitted record {rec.number}; "
                                        "another reviewer must approve it.")
    resp = client.post(url, json={"version_id": rec.version_id}, headers={**token, "Accept-Language": "vi"})
    assert resp.status_code == 403
    assert resp.get_json()["error"] == (f"Bạn đã mở, lưu hoặc gửi biên bản {rec.number}; "
                                        "một người soát xét khác phải duyệt biên bản này.")
    db.expire_all()
    assert db.get(Record, rec.id).status == "submitted"
    assert db.scalar(select(Certificate.id).where(Certificate.record_id == rec.id)) is None
    assert "record.approve" not in db.scalars(select(AuditEvent.action).where(
        AuditEvent.entity_type == "record", AuditEvent.entity_id == str(rec.id))).all()
    resp = client.post(url, json={"version_id": rec.version_id}, headers={**token_for(lab.reviewer),
                                                                          "Accept-Language": "en"})
    assert resp.status_code == 200 and resp.get_json()["status"] == "approved"


def test_a_capture_saved_by_a_technician_reviewer_makes_them_a_maker(db, lab):
    """Finding 1: readings captured from a device into the record count like typed ones."""
    rec = open_scale_record(db, lab, technician=lab.tech)
    capture.capture_into_point(db, lab.techrev, rec.id, 1, workflow.CaptureIntoPoint(
        version_id=rec.version_id, port="mock://mt-sics?weight=0", driver="mt-sics"))
    db.commit()
    assert lab.techrev.id in policy.record_makers(rec)
