"""Submit → return or approve: a record's way from the technician to the certificate.

draft/returned → submitted (technician) → approved or returned (a reviewer who is none of the
record's makers: whoever opened, saved, captured into or submitted it, from its audit trail).
Approval issues the certificate (:func:`lims.services.certificates.issue_for_record`) and moves
the instrument's next due date;
an approved record is never changed again (the models refuse it).
"""
from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from lims.errors import Conflict, PermissionDenied, ValidationError
from lims.field_labels import field_label
from lims.i18n import _, current_language
from lims.metrology.reporting import round_uncertainty
from lims.metrology.units import Q_, format_quantity
from lims.models import Record, RecordStatus, Role, StandardStatus, WorkKind
from lims.services import audit, office_summary
from lims.services.certificates import current_context, issue_for_record
from lims.services.certificates.document import add_months, valid_until_after
from lims.services.policy import Actor, actor_id, made_record, require, require_technician
from lims.services.traceability_chain import record_chain_problems
from lims.services.workflow.common import today
from lims.services.workflow.inputs import ReturnRecord, Version
from lims.services.workflow.labels import record_status_label
from lims.services.workflow.locking import check_version
from lims.services.workflow.records import get_record, require_editable
from lims.services.workflow.requests import update_request_progress
from lims.services.workflow.standards import standard_problem

__all__ = ["missing_for_submission", "unfit_points", "submit_record", "return_record", "approve_record",
           "next_due_after"]


def missing_for_submission(record: Record) -> dict[str, str]:
    """Field → what is still missing before the record can be submitted (empty when complete)."""
    spec = record.procedure.spec
    missing: dict[str, str] = {}
    for item in spec.get("environment", []):
        if item.get("required") and item["key"] not in (record.environment or {}):
            missing[f"environment.{item['key']}"] = _("This field is required.")
    if not record.standards:
        missing["standards"] = _("Choose the reference standards used.")
    expected: dict[str, tuple[int, bool]] = {}
    for test in spec.get("tests", []):
        expected.setdefault(test["test"], (int(test.get("readings", 1)), bool(test.get("reference_required"))))
    for p in record.points:
        count, needs_ref = expected.get(p.test, (1, False))
        if len(p.readings or []) < count:
            missing[f"points.{p.seq}.readings"] = _("%(n)s reading(s) needed.", n=count)
        elif needs_ref and p.reference_value is None:
            missing[f"points.{p.seq}.reference_value"] = _("The reference value is needed.")
        elif p.error is None and p.verdict is None:
            missing[f"points.{p.seq}"] = _("Save the record to compute this point.")
    for item in spec.get("checks", []):
        if ((record.checks or {}).get(item["key"]) or {}).get("ok") is None:
            missing[f"checks.{item['key']}"] = _("Answer this item of the checklist.")
    return missing


def _quantity_text(q: dict) -> str:
    """A bound as people read it: two significant digits (JCGM 100 7.2.6), the language's decimal sign."""
    rounded = float(round_uncertainty(float(q["value"]))) if q["value"] > 0 else 0.0
    return format_quantity(Q_(rounded, q["unit"]), "en" if current_language() == "en" else "vi")


def unfit_points(record: Record) -> dict[str, str]:
    """Field → why the verification is not fit for its purpose at that point (OIML R76-1 3.7.1; OIML G 19).

    The standard weights' error bound must not exceed ⅓ of the MPE, and U of the determined
    error not the procedure's share of it (:func:`lims.metrology.r76_tests.fitness_problems`,
    stored on save in ``Record.results["fitness"]``).
    """
    out: dict[str, str] = {}
    for row in (record.results or {}).get("fitness", []):
        value, limit = (_quantity_text(row[key]) for key in ("value", "limit"))
        if row["reason"] == "reference":
            text = _("At %(label)s the standard weights may be wrong by %(value)s, more than a third of the MPE "
                     "(%(limit)s, OIML R76-1 3.7.1).", label=row["label"], value=value, limit=limit)
        else:
            text = _("At %(label)s the expanded uncertainty U = %(value)s exceeds the procedure's share of the "
                     "MPE (%(limit)s, OIML G 19); use the change-point method or better standards.",
                     label=row["label"], value=value, limit=limit)
        field = f"points.{row['seq']}"
        out[field] = f"{out[field]} {text}" if field in out else text
    return out


def submit_record(session: Session, actor: Actor | None, record_id: int, inp: Version) -> Record:
    """Send a complete record for review."""
    require_technician(actor)
    record = get_record(session, actor, record_id)
    require_editable(record)
    check_version(record, inp.version_id, _("Record %(number)s", number=record.number))
    missing = missing_for_submission(record)
    on = record.work_date or today()
    for rs in record.standards:
        problem = standard_problem(rs.standard, on)
        if problem is not None:
            missing.setdefault("standards", _("%(code)s cannot be used: %(reason)s.", code=rs.standard.code,
                                              reason=problem))
    if missing:
        field = next(iter(missing))
        raise ValidationError(_("The record is not complete: %(field)s: %(reason)s",
                                field=field_label(field, record.procedure.spec), reason=missing[field]),
                              field=field, errors=missing)
    unfit = unfit_points(record)
    if unfit:
        field = next(iter(unfit))
        raise ValidationError(_("The verification is not fit for its purpose at %(n)s point(s): %(reason)s",
                                n=len(unfit), reason=unfit[field]), field=field, errors=unfit)
    before = {"status": record.status}
    record.status = RecordStatus.submitted.value
    record.submitted_at = datetime.now(UTC)
    session.flush()
    audit.record(session, actor, "record.submit", record, before=before,
                 after={"status": record.status, "verdict": record.verdict})
    return record


def _reviewable(session: Session, actor: Actor | None, record_id: int, version_id: int, verb: str) -> Record:
    """A submitted record, reviewed by none of its makers (:func:`lims.services.policy.record_makers`)."""
    require(actor, Role.reviewer)
    record = get_record(session, actor, record_id)
    if made_record(actor, record):
        raise PermissionDenied(_("You opened, saved or submitted record %(number)s; another reviewer must "
                                 "%(verb)s it.", number=record.number, verb=verb))
    if record.status != RecordStatus.submitted.value:
        raise Conflict(_("Record %(number)s is %(status)s; only a submitted record can be reviewed.",
                         number=record.number, status=record_status_label(record.status)))
    check_version(record, version_id, _("Record %(number)s", number=record.number))
    return record


def return_record(session: Session, actor: Actor | None, record_id: int, inp: ReturnRecord) -> Record:
    """Send a submitted record back to its technician with a comment."""
    record = _reviewable(session, actor, record_id, inp.version_id, _("return"))
    before = {"status": record.status}
    record.status = RecordStatus.returned.value
    record.return_comment = inp.comment
    record.reviewer_id = actor_id(actor)
    session.flush()
    audit.record(session, actor, "record.return", record, before=before,
                 after={"status": record.status, "comment": inp.comment})
    return record


def approve_record(session: Session, actor: Actor | None, record_id: int, inp: Version) -> Record:
    """Approve a submitted record: it becomes immutable, the certificate is issued, the due date moves."""
    record = _reviewable(session, actor, record_id, inp.version_id, _("approve"))
    if actor_id(actor) is None:  # the certificate names the person who approved (ISO/IEC 17025 7.8.2.1 o)
        raise PermissionDenied(_("A record is approved by a reviewer who signs the certificate, "
                                 "not by the system."))
    for rs in record.standards:
        if rs.standard.status == StandardStatus.out_of_tolerance.value:
            raise Conflict(_("%(code)s is out of tolerance; return the record so that it can be redone.",
                             code=rs.standard.code), field="standards")
    if not (record.results or {}).get("complete"):
        raise Conflict(_("The record's results are not complete."))
    broken = record_chain_problems(session, record)  # ISO/IEC 17025 6.5.1: an unbroken chain to the SI
    if broken:
        raise Conflict(_("The traceability chain of record %(number)s is broken: %(reasons)s",
                         number=record.number, reasons=" ".join(broken)), field="standards",
                       detail={"reasons": broken})
    before = {"status": record.status}
    now = datetime.now(UTC)
    record.status = RecordStatus.approved.value
    record.approved_at = now
    record.reviewer_id = actor_id(actor) or record.reviewer_id
    session.flush()
    office_summary.record_approved(session, record)  # the office dashboard's counts
    audit.record(session, actor, "record.approve", record, before=before,
                 after={"status": record.status, "verdict": record.verdict, "approved_at": now})
    _move_next_due(session, actor, record, now.date())
    issue_for_record(session, actor, record)
    if record.request_item is not None:
        update_request_progress(session, actor, record.request_item.request)
    return record


def next_due_after(record: Record, approved_on: date) -> date | None:
    """The instrument's next due date after this record (None: leave it as it is).

    Verification that passed: the type's verification interval from the date of verification,
    counted as the certificate's valid-until is (Circular 23/2013/TT-BKHCN, ``LIMS_VALID_UNTIL_RULE``);
    a failed verification: due now (the
    instrument must be repaired and verified again); calibration: the interval agreed with the
    customer, if any (ISO/IEC 17025 7.8.4.1: no interval unless agreed).
    """
    inst = record.instrument
    if record.kind == WorkKind.verification.value:
        if record.verdict != "pass":
            return approved_on
        months = inst.type.verification_interval_months
        rule = current_context().valid_until_rule
        return valid_until_after(record.work_date or approved_on, months, rule) if months else None
    if record.kind == WorkKind.calibration.value and inst.calibration_interval_months:
        return add_months(record.work_date or approved_on, inst.calibration_interval_months)
    return None


def _move_next_due(session: Session, actor: Actor | None, record: Record, approved_on: date) -> None:
    due = next_due_after(record, approved_on)
    inst = record.instrument
    if due is None or inst.next_due == due:
        return
    before = {"next_due": inst.next_due}
    inst.next_due = due
    session.flush()
    audit.record(session, actor, "instrument.next_due", inst, before=before,
                 after={"next_due": due, "record": record.number})
    office_summary.refresh_overdue(session, inst.id)
