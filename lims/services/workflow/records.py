"""Records (biên bản): opened for one instrument with a procedure, which gives its measurement points.

A record is seen by the lab's staff only; it can be changed while it is a draft or returned
(:func:`require_editable`), and never again once approved (the models refuse it).
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from lims.errors import Conflict, NotFound, PermissionDenied
from lims.i18n import _
from lims.models import (
    AuditEvent,
    Certificate,
    Instrument,
    InstrumentStatus,
    Procedure,
    Record,
    RecordPoint,
    RecordStatus,
    RequestStatus,
    Role,
    ServiceRequestItem,
    User,
    WorkKind,
)
from lims.services import audit
from lims.services.numbering import next_value
from lims.services.policy import Actor, can_see_record, require, require_technician
from lims.services.validation import Checker, require_exists
from lims.services.workflow.common import (
    EDITABLE,
    OPEN_STATUSES,
    RECORD_NUMBER,
    VERIFICATION_TYPES,
    facts_of,
    today,
    usable_procedure,
)
from lims.services.workflow.inputs import OpenRecord
from lims.services.workflow.labels import record_status_label, request_status_label
from lims.services.workflow.procedures import plan_points
from lims.services.workflow.requests import update_request_progress
from lims.services.workflow.work_date import check_work_date

__all__ = ["open_record", "get_record", "list_records", "require_editable", "record_events", "counts_by_status",
           "latest_certificate", "records_of_request"]


def _from_item(c: Checker, session: Session, item: ServiceRequestItem) -> tuple[Instrument, str, str | None]:
    """Instrument, kind and verification type of a request item (refused if the request is closed or busy)."""
    if item.request.status in (RequestStatus.cancelled.value, RequestStatus.completed.value):
        c.fail("request_item_id", _("Service request %(number)s is %(status)s.", number=item.request.number,
                                     status=request_status_label(item.request.status)))
    busy = session.scalar(select(Record.number).where(Record.request_item_id == item.id,
                                                      Record.status != RecordStatus.approved.value))
    if busy:
        c.fail("request_item_id", _("Record %(number)s is already open for this instrument.", number=busy))
    return item.instrument, item.request.kind, item.verification_type


def _choose_procedure(c: Checker, session: Session, inp: OpenRecord, inst: Instrument | None,
                      kind: str | None) -> Procedure | None:
    """The procedure given, or the only usable one for the instrument type and kind of work."""
    if inp.procedure_id is not None:
        proc = require_exists(c, session, Procedure, "procedure_id", inp.procedure_id)
    elif inst is not None and kind:
        options = [p for p in session.scalars(select(Procedure).where(
            Procedure.active.is_(True), Procedure.kind == kind, Procedure.instrument_type_id == inst.type_id))
            if usable_procedure(p)]
        if len(options) == 1:
            return options[0]
        c.fail("procedure_id", _("Choose a procedure.") if options else
               _("There is no active procedure for this instrument type and kind of work."))
        return None
    else:
        return None
    if proc is None or inst is None:
        return proc
    if not proc.active:
        c.fail("procedure_id", _("Procedure %(code)s v%(version)s is no longer in use.", code=proc.code,
                                  version=proc.version))
    elif proc.instrument_type_id not in (None, inst.type_id):
        c.fail("procedure_id", _("Procedure %(code)s is not for this instrument type.", code=proc.code))
    elif kind and proc.kind != kind:
        c.fail("procedure_id", _("Procedure %(code)s is for %(kind)s.", code=proc.code, kind=proc.kind))
    elif not usable_procedure(proc):
        c.fail("procedure_id", _("Procedure %(code)s has no measurement points in its specification.",
                                  code=proc.code))
    return proc


def _what_and_how(c: Checker, session: Session, inp: OpenRecord
                  ) -> tuple[ServiceRequestItem | None, Instrument | None, str | None, str | None]:
    """Request item, instrument, kind of work and verification type of a new record."""
    item = require_exists(c, session, ServiceRequestItem, "request_item_id", inp.request_item_id)
    if item is not None:
        inst, kind, verification_type = _from_item(c, session, item)
    else:
        if inp.instrument_id is None:
            c.fail("instrument_id", _("This field is required."))
        inst = require_exists(c, session, Instrument, "instrument_id", inp.instrument_id)
        kind = c.choice({"kind": inp.kind}, "kind", [k.value for k in WorkKind])
        verification_type = None
    if kind == WorkKind.verification.value:
        verification_type = c.choice({"verification_type": inp.verification_type}, "verification_type",
                                     list(VERIFICATION_TYPES), default=verification_type or "periodic")
    if inst is not None and inst.status == InstrumentStatus.scrapped.value:
        c.fail("instrument_id", _("Instrument %(serial)s is scrapped.", serial=inst.serial_number))
    return item, inst, kind, verification_type


def _technician(c: Checker, session: Session, actor: Actor | None, inp: OpenRecord) -> User | None:
    """The technician signed in; the system names one."""
    if isinstance(actor, User):
        return actor
    if inp.technician_id is None:
        c.fail("technician_id", _("This field is required."))
    return require_exists(c, session, User, "technician_id", inp.technician_id)


def _accept_with_record(session: Session, actor: Actor | None, item: ServiceRequestItem) -> None:
    """Opening a record for a submitted request accepts it; the request is then in progress."""
    req = item.request
    if req.status == RequestStatus.submitted.value:
        before = {"status": req.status}
        req.status = RequestStatus.accepted.value
        req.received_date = req.received_date or today()
        audit.record(session, actor, "service_request.accept", req, before=before, after={"status": req.status})
    update_request_progress(session, actor, req)


def open_record(session: Session, actor: Actor | None, inp: OpenRecord) -> Record:
    """Open a record for one instrument with a procedure; its points come from the procedure."""
    require_technician(actor)
    c = Checker()
    item, inst, kind, verification_type = _what_and_how(c, session, inp)
    proc = _choose_procedure(c, session, inp, inst, kind)
    work_date = inp.work_date or today()
    check_work_date(c, work_date, item.request.received_date if item else None, inp.work_date_reason or "", today())
    technician = _technician(c, session, actor, inp)
    c.done()
    assert inst is not None and proc is not None and technician is not None
    planned = plan_points(proc.spec, facts_of(inst))
    year = today().year
    on_site = item is not None and item.request.on_site
    record = Record(
        number=RECORD_NUMBER.format(year=year, seq=next_value(session, "record", year)),
        request_item_id=item.id if item else None, instrument_id=inst.id, procedure_id=proc.id, kind=kind,
        verification_type=verification_type, status=RecordStatus.draft.value, technician_id=technician.id,
        place=inp.place or (_("customer's premises") if on_site else _("laboratory")),
        received_date=item.request.received_date if item else None, work_date=work_date,
        work_date_reason=inp.work_date_reason or "",
        environment={}, results={}, points=[
            RecordPoint(seq=n, test=p.test, label=p.label, nominal=p.nominal, unit=inst.range_unit, readings=[])
            for n, p in enumerate(planned, start=1)
        ],
    )
    session.add(record)
    session.flush()
    audit.record(session, actor, "record.open", record, after=audit.snapshot(record, exclude=("results",)))
    if item is not None:
        _accept_with_record(session, actor, item)
    return record


def get_record(session: Session, viewer: Actor | None, record_id: int) -> Record:
    require(viewer, Role.technician, Role.reviewer, Role.inspector)
    record = session.get(Record, record_id)
    if record is None:
        raise NotFound(_("No record with id %(id)s.", id=record_id))
    if not can_see_record(viewer, record):
        raise PermissionDenied(_("Records are seen by the lab's staff."))
    return record


def list_records(session: Session, viewer: Actor | None, *, status: str | None = None,
                 technician_id: int | None = None, instrument_id: int | None = None,
                 limit: int = 200, offset: int = 0) -> list[Record]:
    require(viewer, Role.technician, Role.reviewer, Role.inspector)
    q = select(Record).options(selectinload(Record.instrument).selectinload(Instrument.owner),
                               selectinload(Record.technician), selectinload(Record.procedure))
    if status:
        q = q.where(Record.status == status)
    if technician_id is not None:
        q = q.where(Record.technician_id == technician_id)
    if instrument_id is not None:
        q = q.where(Record.instrument_id == instrument_id)
    return list(session.scalars(q.order_by(Record.id.desc()).limit(limit).offset(offset)))


def require_editable(record: Record) -> None:
    """Refuse a change to a record that is neither a draft nor returned."""
    if record.status not in EDITABLE:
        raise Conflict(_("Record %(number)s is %(status)s; it can no longer be changed.", number=record.number,
                         status=record_status_label(record.status)))


def record_events(session: Session, record: Record) -> list[AuditEvent]:
    """The record's audit trail, oldest first."""
    return list(session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "record",
                                                         AuditEvent.entity_id == str(record.id))
                                .order_by(AuditEvent.seq)))


def latest_certificate(session: Session, record: Record) -> Certificate | None:
    """The certificate issued last for the record (None before approval)."""
    return session.scalar(select(Certificate).where(Certificate.record_id == record.id)
                          .order_by(Certificate.id.desc()).limit(1))


def counts_by_status(session: Session, viewer: Actor | None, technician_id: int | None = None) -> dict[str, int]:
    """How many records are in draft, submitted and returned (approved ones are not counted: they
    are the bulk of the table and nobody waits on them); one technician's, or everyone's."""
    require(viewer, Role.technician, Role.reviewer, Role.inspector)
    q = select(Record.status, func.count()).where(Record.status.in_(OPEN_STATUSES)).group_by(Record.status)
    if technician_id is not None:
        q = q.where(Record.technician_id == technician_id)
    return {status: n for status, n in session.execute(q).all()}


def records_of_request(session: Session, item_ids: list[int]) -> dict[int, list[Record]]:
    """The records of a request's items, by item id, oldest first."""
    out: dict[int, list[Record]] = {}
    if item_ids:
        for rec in session.scalars(select(Record).where(Record.request_item_id.in_(item_ids)).order_by(Record.id)):
            if rec.request_item_id is not None:
                out.setdefault(rec.request_item_id, []).append(rec)
    return out


