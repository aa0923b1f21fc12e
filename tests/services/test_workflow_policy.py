"""Who may call the workflow's services (lims.services.policy): nobody signed in is refused; the
system (the `lims` command, the demo) may do everything and is audited as "system"."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from lims.errors import PermissionDenied
from lims.i18n import use_language
from lims.models import AuditEvent
from lims.services import workflow
from lims.services.policy import SYSTEM
from lims.services.workflow import capture, impact, procedures, recall
from tests.services.workflow_factory import all_checks_ok, make_lab, open_scale_record, scale_points


@pytest.fixture
def lab(db):
    return make_lab(db)


def _calls(lab, rec):
    version = workflow.Version(version_id=rec.version_id)
    return {
        "create_service_request": lambda db: workflow.create_service_request(db, None, workflow.NewServiceRequest(
            kind="verification", customer_id=lab.instruments["scale"].owner_id,
            instrument_ids=[lab.instruments["scale"].id])),
        "get_service_request": lambda db: workflow.get_service_request(db, None, rec.request_item.request.id),
        "list_service_requests": lambda db: workflow.list_service_requests(db, None),
        "count_service_requests": lambda db: workflow.count_service_requests(db, None),
        "counts_by_status": lambda db: workflow.counts_by_status(db, None),
        "accept_service_request": lambda db: workflow.accept_service_request(
            db, None, rec.request_item.request.id, workflow.AcceptRequest(version_id=1)),
        "cancel_service_request": lambda db: workflow.cancel_service_request(
            db, None, rec.request_item.request.id, workflow.CancelRequest(version_id=1, reason="no")),
        "open_record": lambda db: workflow.open_record(db, None, workflow.OpenRecord(
            instrument_id=lab.instruments["scale"].id, kind="verification")),
        "get_record": lambda db: workflow.get_record(db, None, rec.id),
        "list_records": lambda db: workflow.list_records(db, None),
        "save_record": lambda db: workflow.save_record(db, None, rec.id,
                                                       workflow.SaveRecord(version_id=rec.version_id)),
        "submit_record": lambda db: workflow.submit_record(db, None, rec.id, version),
        "return_record": lambda db: workflow.return_record(db, None, rec.id, workflow.ReturnRecord(
            version_id=rec.version_id, comment="redo")),
        "approve_record": lambda db: workflow.approve_record(db, None, rec.id, version),
        "plan_capture": lambda db: capture.plan_capture(db, None, rec.id, 1, target="readings",
                                                        port="mock://mt-sics", driver="mt-sics"),
        "capture_into_point": lambda db: capture.capture_into_point(db, None, rec.id, 1, workflow.CaptureIntoPoint(
            version_id=rec.version_id, port="mock://mt-sics", driver="mt-sics")),
        "standards_in_use": lambda db: workflow.standards_in_use(db, None),
        "impact_of_standard": lambda db: impact.impact_of_standard(db, None, lab.standards["F1"].id),
        "mark_out_of_tolerance": lambda db: impact.mark_out_of_tolerance(
            db, None, lab.standards["F1"].id, workflow.MarkOutOfTolerance(since=date.today(), reason="drift")),
        "due_list": lambda db: recall.due_list(db, None),
        "due_counts": lambda db: recall.due_counts(db, None),
        "overdue_count": lambda db: recall.overdue_count(db, None),
        "load_procedures": lambda db: procedures.load_procedures(db, None),
    }


def test_every_service_refuses_nobody_and_writes_nothing(db, lab):
    rec = open_scale_record(db, lab)
    before = db.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
    with use_language("en"):
        for name, call in _calls(lab, rec).items():
            try:
                call(db)
            except PermissionDenied as exc:
                assert exc.message == "You must sign in.", name
            else:
                pytest.fail(f"{name} ran for nobody")
            db.rollback()
    assert db.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)) == before


def test_the_system_files_opens_saves_and_submits_audited_as_system_but_never_approves(db, lab, tmp_path):
    """A certificate names the reviewer who approved it (ISO/IEC 17025 7.8.2.1 o): not the system."""
    from certificates.keystore import KeyStore
    from lims.services import certificates as certs

    req = workflow.create_service_request(db, SYSTEM, workflow.NewServiceRequest(
        kind="verification", customer_id=lab.instruments["scale"].owner_id,
        instrument_ids=[lab.instruments["scale"].id]))
    assert req.requested_by_id is None
    rec = workflow.open_record(db, SYSTEM, workflow.OpenRecord(
        request_item_id=req.items[0].id, procedure_id=lab.procedures["r76"].id, technician_id=lab.tech.id))
    assert rec.technician_id == lab.tech.id
    rec = workflow.save_record(db, SYSTEM, rec.id, workflow.SaveRecord(
        version_id=rec.version_id, environment={"temperature": 23.5},
        standards=[lab.standards["F1"].id, lab.standards["M1"].id], points=scale_points(rec),
        checks=all_checks_ok(rec)))
    workflow.submit_record(db, SYSTEM, rec.id, workflow.Version(version_id=rec.version_id))
    ctx = certs.CertificateContext(instance_path=tmp_path, base_url="https://lims.example.vn",
                                   keystore=KeyStore.in_directory(tmp_path / "keys"))
    actors = set(db.scalars(select(AuditEvent.actor).where(AuditEvent.entity_type == "record",
                                                           AuditEvent.entity_id == str(rec.id))))
    assert actors == {"system"}
    with certs.use_context(ctx), pytest.raises(PermissionDenied):
        workflow.approve_record(db, SYSTEM, rec.id, workflow.Version(version_id=rec.version_id))
    assert rec.status == "submitted" and rec.reviewer_id is None
    with certs.use_context(ctx):
        workflow.approve_record(db, lab.reviewer, rec.id, workflow.Version(version_id=rec.version_id))
    assert rec.status == "approved" and rec.reviewer_id == lab.reviewer.id
    assert recall.overdue_count(db, SYSTEM) >= 0
    assert workflow.count_service_requests(db, SYSTEM, status="completed") == 1


def test_a_business_counts_only_its_own_requests(db, lab):
    open_scale_record(db, lab)
    assert workflow.count_service_requests(db, lab.biz) == len(workflow.list_service_requests(db, lab.biz)) == 1
    assert workflow.count_service_requests(db, lab.biz, status="cancelled") == 0
