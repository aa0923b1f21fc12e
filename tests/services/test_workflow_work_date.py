"""The work date of a record (lims.services.workflow.work_date).

ISO/IEC 17025:2017 7.8.2.1 h, i: the date of receipt comes before the date of performance,
which a certificate states; the standards are judged at the work date (6.4.13) and a
verification's valid-until date is counted from it (Circular 23/2013/TT-BKHCN). So the work
date is not before receipt, not after today, and further back than LIMS_WORK_DATE_MAX_DAYS_BACK
(30) days only with a reason kept in the record and its audit event. Nothing is written on error.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lims.errors import ValidationError
from lims.models import AuditEvent, Record
from lims.services import workflow
from lims.services.inputs import parse
from tests.services.workflow_factory import open_scale_record

pytestmark = pytest.mark.usefixtures("english", "ctx")

TODAY = date.today()


def _save(db, lab, rec, **fields):
    rec = workflow.save_record(db, lab.tech, rec.id, parse(workflow.SaveRecord,
                                                           {"version_id": rec.version_id, **fields}))
    db.commit()
    return rec


def _saves(db) -> int:
    return db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "record.save"))


def _refused(db, lab, rec, **fields) -> dict[str, str]:
    """The field errors of a refused save; the record and the audit trail stay as they were."""
    before, saves = (rec.work_date, rec.work_date_reason, rec.version_id), _saves(db)
    with pytest.raises(ValidationError) as exc:
        _save(db, lab, rec, **fields)
    db.rollback()
    rec = db.get(Record, rec.id)
    assert (rec.work_date, rec.work_date_reason, rec.version_id) == before and _saves(db) == saves
    return exc.value.errors


def test_a_work_date_after_today_is_refused_naming_the_field(db, lab):
    """7.8.2.1 i: the work cannot have been done tomorrow."""
    rec = open_scale_record(db, lab, via_request=False)
    errors = _refused(db, lab, rec, work_date=(TODAY + timedelta(days=1)).isoformat())
    assert errors == {"work_date": "The date is in the future."}


def test_a_work_date_before_the_instrument_was_received_is_refused(db, lab):
    """7.8.2.1 h, i: receipt ≤ work; the request was received ten days ago."""
    req = workflow.create_service_request(db, lab.biz, workflow.NewServiceRequest(
        kind="verification", instrument_ids=[lab.instruments["scale"].id]))
    workflow.accept_service_request(db, lab.tech, req.id, workflow.AcceptRequest(
        version_id=req.version_id, received_date=TODAY - timedelta(days=10)))
    rec = workflow.open_record(db, lab.tech, workflow.OpenRecord(
        request_item_id=req.items[0].id, procedure_id=lab.procedures["r76"].id, work_date=TODAY - timedelta(days=9)))
    db.commit()
    received = (TODAY - timedelta(days=10)).isoformat()
    errors = _refused(db, lab, rec, work_date=(TODAY - timedelta(days=11)).isoformat())
    assert errors == {"work_date": f"The work date is before the instrument was received ({received})."}
    # The day of receipt itself is fine.
    rec = _save(db, lab, rec, work_date=received)
    assert rec.work_date == TODAY - timedelta(days=10)
    with pytest.raises(ValidationError) as exc:  # opening a record checks the same
        workflow.open_record(db, lab.tech, workflow.OpenRecord(
            request_item_id=req.items[0].id, procedure_id=lab.procedures["r76"].id,
            work_date=TODAY - timedelta(days=12)))
    assert exc.value.errors["work_date"] == f"The work date is before the instrument was received ({received})."


def test_more_than_thirty_days_back_needs_a_reason_kept_in_the_record_and_the_audit_event(db, lab):
    """30 days back is the limit (LIMS_WORK_DATE_MAX_DAYS_BACK's default): day 30 needs no reason, day 31 does."""
    rec = open_scale_record(db, lab, via_request=False)
    rec = _save(db, lab, rec, work_date=(TODAY - timedelta(days=30)).isoformat())
    assert rec.work_date == TODAY - timedelta(days=30) and rec.work_date_reason == ""
    day31 = (TODAY - timedelta(days=31)).isoformat()
    assert _refused(db, lab, rec, work_date=day31) == {
        "work_date_reason": "A work date more than 30 days back needs a reason."}
    assert _refused(db, lab, rec, work_date=day31, work_date_reason="   ") == {
        "work_date_reason": "A work date more than 30 days back needs a reason."}
    reason = "Biên bản giấy lập tại hiện trường, nhập lại sau khi đoàn kiểm định trở về"
    rec = _save(db, lab, rec, work_date=day31, work_date_reason=reason)
    assert rec.work_date == TODAY - timedelta(days=31) and rec.work_date_reason == reason
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "record.save")
                       .order_by(AuditEvent.seq.desc())).first()
    assert event.after["work_date_reason"] == reason and event.after["work_date"] == day31
    assert event.before["work_date"] == (TODAY - timedelta(days=30)).isoformat()


def test_the_limit_is_a_setting(db, lab, monkeypatch):
    """LIMS_WORK_DATE_MAX_DAYS_BACK=5: six days back needs a reason, five do not."""
    monkeypatch.setenv("LIMS_WORK_DATE_MAX_DAYS_BACK", "5")
    rec = open_scale_record(db, lab, via_request=False)
    assert _refused(db, lab, rec, work_date=(TODAY - timedelta(days=6)).isoformat()) == {
        "work_date_reason": "A work date more than 5 days back needs a reason."}
    rec = _save(db, lab, rec, work_date=(TODAY - timedelta(days=5)).isoformat())
    assert rec.work_date == TODAY - timedelta(days=5)


def test_an_unchanged_old_work_date_needs_no_new_reason(db, lab):
    """The rule is about setting the date: saving readings later keeps the date and its reason."""
    rec = open_scale_record(db, lab, via_request=False)
    rec = _save(db, lab, rec, work_date=(TODAY - timedelta(days=40)).isoformat(),
                work_date_reason="Nhập lại biên bản giấy")
    rec = _save(db, lab, rec, work_date=(TODAY - timedelta(days=40)).isoformat(), remarks="Ghi chú")
    assert rec.work_date_reason == "Nhập lại biên bản giấy" and rec.remarks == "Ghi chú"
    # The form sends the stored reason back: still no new judgement; clearing it is refused.
    rec = _save(db, lab, rec, work_date=(TODAY - timedelta(days=40)).isoformat(),
                work_date_reason="Nhập lại biên bản giấy")
    assert _refused(db, lab, rec, work_date_reason="") == {
        "work_date_reason": "A work date more than 30 days back needs a reason."}


def test_standards_are_judged_at_the_work_date(db, lab):
    """6.4.13: PRT-OLD's calibration ran out 35 days ago. At a work date 40 days back (with a
    reason) it was in force and is accepted; at today's date it is refused."""
    therm = workflow.open_record(db, lab.tech, workflow.OpenRecord(
        instrument_id=lab.instruments["thermometer"].id, kind="calibration"))
    db.commit()
    old = lab.standards["T_old"].id
    with pytest.raises(ValidationError) as exc:
        workflow.save_record(db, lab.tech, therm.id, parse(workflow.SaveRecord, {
            "version_id": therm.version_id, "standards": [old]}))
    assert "was due on" in exc.value.errors["standards"]
    db.rollback()
    therm = db.get(Record, therm.id)
    with pytest.raises(ValidationError) as exc:  # the date alone, without a reason, is refused first
        workflow.save_record(db, lab.tech, therm.id, parse(workflow.SaveRecord, {
            "version_id": therm.version_id, "standards": [old],
            "work_date": (TODAY - timedelta(days=40)).isoformat()}))
    assert set(exc.value.errors) == {"work_date_reason"}
    db.rollback()
    therm = db.get(Record, therm.id)
    therm = workflow.save_record(db, lab.tech, therm.id, parse(workflow.SaveRecord, {
        "version_id": therm.version_id, "standards": [old], "work_date": (TODAY - timedelta(days=40)).isoformat(),
        "work_date_reason": "Hiệu chuẩn thực hiện trước khi chuẩn hết hạn; nhập muộn"}))
    assert [rs.standard.code for rs in therm.standards] == ["PRT-OLD"]
