"""The technician's daily work: service requests, records, submit → review → approve.

* A **service request** (phiếu yêu cầu) is filed by a business for its own instruments, or by
  the lab on its behalf; the lab accepts it and opens one record per instrument.
* A **record** (biên bản) is opened with a procedure, which gives its measurement points.
  Saving it checks every input (units, ranges, reference standards), computes the results
  (:mod:`lims.services.workflow_compute`) and stores them with their units.
* **Transitions**: draft/returned → submitted (technician) → approved or returned (a reviewer
  who is not the record's technician). Approval issues the certificate
  (:func:`lims.services.certificates.issue_for_record`) and moves the instrument's next due
  date; an approved record is never changed again.

Every function validates its whole input before writing, refuses a stale ``version_id``
(optimistic locking: nothing is overwritten), and appends an audit event per transition.
"""
from __future__ import annotations

import math
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, selectinload

from lims.errors import Conflict, NotFound, PermissionDenied, ValidationError
from lims.i18n import _
from lims.models import (
    AuditEvent,
    Instrument,
    InstrumentStatus,
    Organisation,
    OrgKind,
    Procedure,
    Record,
    RecordPoint,
    RecordStandard,
    RecordStatus,
    ReferenceStandard,
    RequestStatus,
    Role,
    ServiceRequest,
    ServiceRequestItem,
    StandardCalibration,
    StandardStatus,
    User,
    WorkKind,
)
from lims.services import audit
from lims.services.numbering import next_value
from lims.services.procedures import MAX_READINGS, plan_points
from lims.services.users import require_role
from lims.services.validation import Checker, require_exists
from lims.services.workflow_compute import PointData, StandardData, compute, covers, delta_unit
from lims.services.workflow_rules import InstrumentFacts

VERIFICATION_TYPES = ("initial", "periodic", "after_repair")
EDITABLE = (RecordStatus.draft.value, RecordStatus.returned.value)
STAFF_ROLES = (Role.admin, Role.technician, Role.reviewer, Role.inspector)
REQUEST_NUMBER = "YC{year}-{seq:05d}"
RECORD_NUMBER = "BB{year}-{seq:05d}"


def today() -> date:
    return date.today()


def is_staff(user: User | None) -> bool:
    return user is None or user.has_role(*STAFF_ROLES)


def _stale(obj: Any, data: dict, what: str) -> None:
    """Optimistic locking: the caller sends the version it started from."""
    c = Checker()
    version = c.integer(data, "version_id")
    c.done()
    if version != obj.version_id:
        who = _last_actor(obj)
        raise Conflict(
            _("%(what)s was changed by %(who)s after you opened it; your changes were not saved. "
              "Reload it, then make your changes again.", what=what, who=who),
            field="version_id", detail={"current_version_id": obj.version_id})


def _last_actor(obj: Any) -> str:
    from sqlalchemy.orm import object_session

    session = object_session(obj)
    if session is None:
        return _("someone else")
    name = session.scalar(
        select(AuditEvent.actor).where(AuditEvent.entity_type == obj.__tablename__,
                                       AuditEvent.entity_id == str(obj.id))
        .order_by(AuditEvent.seq.desc()).limit(1))
    return name or _("someone else")


# ================================================================ service requests


def create_service_request(session: Session, actor: User | None, data: dict[str, Any]) -> ServiceRequest:
    """File a request: a business for its own instruments, the lab for any customer."""
    if actor is not None:
        require_role(actor, Role.technician, Role.business)
    c = Checker()
    if actor is not None and not is_staff(actor):
        customer = session.get(Organisation, actor.organisation_id) if actor.organisation_id else None
        if customer is None:
            raise PermissionDenied(_("A business user belongs to a business."))
    else:
        customer = require_exists(c, session, Organisation, "customer_id", c.integer(data, "customer_id"))
        if customer is not None and customer.kind != OrgKind.business.value:
            c.fail("customer_id", _("The customer must be a business."))
    kind = c.choice(data, "kind", [k.value for k in WorkKind])
    verification_type = None
    if kind == WorkKind.verification.value:
        verification_type = c.choice(data, "verification_type", list(VERIFICATION_TYPES), default="periodic")
    raw_ids = data.get("instrument_ids")
    if isinstance(raw_ids, (str, int)):
        raw_ids = [raw_ids]
    ids: list[int] = []
    if not isinstance(raw_ids, (list, tuple)) or not raw_ids:
        c.fail("instrument_ids", _("Choose at least one instrument."))
    else:
        for raw in raw_ids:
            try:
                ids.append(int(str(raw).strip()))
            except ValueError:
                c.fail("instrument_ids", _("%(value)s is not a whole number.", value=repr(raw)))
        if len(set(ids)) != len(ids):
            c.fail("instrument_ids", _("An instrument is listed twice."))
    instruments: list[Instrument] = []
    if ids and customer is not None and "instrument_ids" not in c.errors:
        found = {i.id: i for i in session.scalars(select(Instrument).where(Instrument.id.in_(ids)))}
        for iid in ids:
            inst = found.get(iid)
            if inst is None or inst.owner_id != customer.id:
                c.fail("instrument_ids", _("Instrument %(id)s does not belong to %(owner)s.", id=iid,
                                            owner=customer.name))
            elif inst.status == InstrumentStatus.scrapped.value:
                c.fail("instrument_ids", _("Instrument %(serial)s is scrapped.", serial=inst.serial_number))
            else:
                instruments.append(inst)
    on_site = c.boolean(data, "on_site")
    wanted_by = c.day(data, "wanted_by", required=False)
    if wanted_by is not None and wanted_by < today():
        c.fail("wanted_by", _("The date is in the past."))
    notes = c.text(data, "notes", required=False, max_len=2000)
    c.done()
    year = today().year
    number = REQUEST_NUMBER.format(year=year, seq=next_value(session, "request", year))
    req = ServiceRequest(
        number=number, customer_id=customer.id, requested_by_id=actor.id if actor else None, kind=kind,
        status=RequestStatus.submitted.value, on_site=on_site, wanted_by=wanted_by, notes=notes,
        items=[ServiceRequestItem(instrument_id=i.id, verification_type=verification_type) for i in instruments],
    )
    session.add(req)
    session.flush()
    after = audit.snapshot(req)
    after["instrument_ids"] = [i.id for i in instruments]
    audit.record(session, actor, "service_request.create", req, after=after)
    return req


def get_service_request(session: Session, viewer: User | None, request_id: int) -> ServiceRequest:
    req = session.get(ServiceRequest, request_id)
    if req is None or (not is_staff(viewer) and req.customer_id != viewer.organisation_id):
        raise NotFound(_("No service request with id %(id)s.", id=request_id))
    return req


def list_service_requests(session: Session, viewer: User | None, *, status: str | None = None,
                          customer_id: int | None = None, limit: int = 200, offset: int = 0) -> list[ServiceRequest]:
    q = select(ServiceRequest).options(selectinload(ServiceRequest.items), selectinload(ServiceRequest.customer))
    if not is_staff(viewer):
        q = q.where(ServiceRequest.customer_id == (viewer.organisation_id or -1))
    elif customer_id is not None:
        q = q.where(ServiceRequest.customer_id == customer_id)
    if status:
        q = q.where(ServiceRequest.status == status)
    return list(session.scalars(q.order_by(ServiceRequest.id.desc()).limit(limit).offset(offset)))


def accept_service_request(session: Session, actor: User | None, request_id: int, data: dict[str, Any]) -> ServiceRequest:
    """The lab has received the request (and the instruments)."""
    if actor is not None:
        require_role(actor, Role.technician)
    req = get_service_request(session, actor, request_id)
    _stale(req, data, _("The service request"))
    if req.status != RequestStatus.submitted.value:
        raise Conflict(_("Service request %(number)s is %(status)s; only a submitted request can be accepted.",
                         number=req.number, status=request_status_label(req.status)))
    c = Checker()
    received = c.day(data, "received_date", required=False) or today()
    if received > today():
        c.fail("received_date", _("The date is in the future."))
    c.done()
    before = audit.snapshot(req)
    req.status = RequestStatus.accepted.value
    req.received_date = received
    session.flush()
    audit.record(session, actor, "service_request.accept", req, before=before, after=audit.snapshot(req))
    return req


def cancel_service_request(session: Session, actor: User | None, request_id: int, data: dict[str, Any]) -> ServiceRequest:
    """Withdraw a request before work starts (the business that filed it, or the lab)."""
    if actor is not None:
        require_role(actor, Role.technician, Role.business)
    req = get_service_request(session, actor, request_id)
    _stale(req, data, _("The service request"))
    allowed = (RequestStatus.submitted.value,) if not is_staff(actor) else (
        RequestStatus.submitted.value, RequestStatus.accepted.value)
    if req.status not in allowed:
        raise Conflict(_("Service request %(number)s is %(status)s and can no longer be cancelled.",
                         number=req.number, status=request_status_label(req.status)))
    c = Checker()
    reason = c.text(data, "reason", max_len=2000)
    c.done()
    before = audit.snapshot(req)
    req.status = RequestStatus.cancelled.value
    req.notes = (req.notes + "\n" if req.notes else "") + _("Cancelled: %(reason)s", reason=reason)
    session.flush()
    audit.record(session, actor, "service_request.cancel", req, before=before, after=audit.snapshot(req))
    return req


def request_status_label(status: str) -> str:
    return {
        "submitted": _("submitted"), "accepted": _("accepted"), "in_progress": _("in progress"),
        "completed": _("completed"), "cancelled": _("cancelled"),
    }.get(status, status)


def record_status_label(status: str) -> str:
    return {"draft": _("draft"), "submitted": _("submitted"), "returned": _("returned"),
            "approved": _("approved")}.get(status, status)


def _update_request_progress(session: Session, actor: User | None, req: ServiceRequest) -> None:
    items = req.items
    approved = set(session.scalars(
        select(Record.request_item_id).where(Record.request_item_id.in_([i.id for i in items]),
                                             Record.status == RecordStatus.approved.value)))
    new = RequestStatus.completed.value if items and all(i.id in approved for i in items) \
        else RequestStatus.in_progress.value
    if req.status in (RequestStatus.cancelled.value, new):
        return
    before = {"status": req.status}
    req.status = new
    session.flush()
    audit.record(session, actor, f"service_request.{new}", req, before=before, after={"status": new})


# ================================================================ records


def facts_of(inst: Instrument) -> InstrumentFacts:
    return InstrumentFacts(range_min=inst.range_min, range_max=inst.range_max, unit=inst.range_unit,
                           resolution=inst.resolution, accuracy_class=inst.accuracy_class or "")


def usable_procedure(proc: Procedure) -> bool:
    """Whether records can be made with the procedure (its spec gives the points)."""
    spec = proc.spec or {}
    return bool(spec.get("tests")) and bool(spec.get("quantity"))


def open_record(session: Session, actor: User | None, data: dict[str, Any]) -> Record:
    """Open a record for one instrument with a procedure; its points come from the procedure."""
    if actor is not None:
        require_role(actor, Role.technician)
    c = Checker()
    item = require_exists(c, session, ServiceRequestItem, "request_item_id",
                          c.integer(data, "request_item_id", required=False))
    if item is not None:
        inst = item.instrument
        kind = item.request.kind
        verification_type = item.verification_type
        if item.request.status in (RequestStatus.cancelled.value, RequestStatus.completed.value):
            c.fail("request_item_id", _("Service request %(number)s is %(status)s.", number=item.request.number,
                                         status=request_status_label(item.request.status)))
        busy = session.scalar(select(Record.number).where(Record.request_item_id == item.id,
                                                          Record.status != RecordStatus.approved.value))
        if busy:
            c.fail("request_item_id", _("Record %(number)s is already open for this instrument.", number=busy))
    else:
        inst = require_exists(c, session, Instrument, "instrument_id", c.integer(data, "instrument_id"))
        kind = c.choice(data, "kind", [k.value for k in WorkKind])
        verification_type = None
    if kind == WorkKind.verification.value:
        verification_type = c.choice(data, "verification_type", list(VERIFICATION_TYPES),
                                     default=verification_type or "periodic")
    if inst is not None and inst.status != InstrumentStatus.in_service.value and \
            inst.status == InstrumentStatus.scrapped.value:
        c.fail("instrument_id", _("Instrument %(serial)s is scrapped.", serial=inst.serial_number))
    proc_id = c.integer(data, "procedure_id", required=False)
    proc = None
    if proc_id is not None:
        proc = require_exists(c, session, Procedure, "procedure_id", proc_id)
    elif inst is not None and kind:
        options = [p for p in session.scalars(select(Procedure).where(
            Procedure.active.is_(True), Procedure.kind == kind, Procedure.instrument_type_id == inst.type_id))
            if usable_procedure(p)]
        if len(options) == 1:
            proc = options[0]
        else:
            c.fail("procedure_id", _("Choose a procedure.") if options else
                   _("There is no active procedure for this instrument type and kind of work."))
    if proc is not None and inst is not None:
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
    place = c.text(data, "place", required=False, max_len=255)
    work_date = c.day(data, "work_date", required=False) or today()
    if work_date > today():
        c.fail("work_date", _("The date is in the future."))
    technician = actor
    if actor is None:
        technician = require_exists(c, session, User, "technician_id", c.integer(data, "technician_id"))
    c.done()
    planned = plan_points(proc.spec, facts_of(inst))
    year = today().year
    record = Record(
        number=RECORD_NUMBER.format(year=year, seq=next_value(session, "record", year)),
        request_item_id=item.id if item else None, instrument_id=inst.id, procedure_id=proc.id, kind=kind,
        verification_type=verification_type, status=RecordStatus.draft.value, technician_id=technician.id,
        place=place or (_("customer's premises") if item is not None and item.request.on_site else _("laboratory")),
        received_date=item.request.received_date if item else None, work_date=work_date,
        environment={}, results={}, points=[
            RecordPoint(seq=n, test=p.test, label=p.label, nominal=p.nominal, unit=inst.range_unit, readings=[])
            for n, p in enumerate(planned, start=1)
        ],
    )
    session.add(record)
    session.flush()
    audit.record(session, actor, "record.open", record, after=audit.snapshot(record, exclude=("results",)))
    if item is not None:
        req = item.request
        if req.status == RequestStatus.submitted.value:
            before = {"status": req.status}
            req.status = RequestStatus.accepted.value
            req.received_date = req.received_date or today()
            audit.record(session, actor, "service_request.accept", req, before=before,
                         after={"status": req.status})
        _update_request_progress(session, actor, req)
    return record


def get_record(session: Session, viewer: User | None, record_id: int) -> Record:
    record = session.get(Record, record_id)
    if record is None:
        raise NotFound(_("No record with id %(id)s.", id=record_id))
    if not is_staff(viewer):
        raise PermissionDenied(_("Records are seen by the lab's staff."))
    return record


def list_records(session: Session, viewer: User | None, *, status: str | None = None,
                 technician_id: int | None = None, instrument_id: int | None = None,
                 limit: int = 200, offset: int = 0) -> list[Record]:
    if not is_staff(viewer):
        raise PermissionDenied(_("Records are seen by the lab's staff."))
    q = select(Record).options(selectinload(Record.instrument).selectinload(Instrument.owner),
                               selectinload(Record.technician), selectinload(Record.procedure))
    if status:
        q = q.where(Record.status == status)
    if technician_id is not None:
        q = q.where(Record.technician_id == technician_id)
    if instrument_id is not None:
        q = q.where(Record.instrument_id == instrument_id)
    return list(session.scalars(q.order_by(Record.id.desc()).limit(limit).offset(offset)))


# ---------------------------------------------------------------- reference standards


def calibration_in_force(std: ReferenceStandard, on: date) -> StandardCalibration | None:
    """The standard's calibration certificate in force on a day (the latest made on or before it)."""
    done = [cal for cal in std.calibrations if cal.calibration_date <= on]
    return done[-1] if done else None


def standard_problem(std: ReferenceStandard, on: date) -> str | None:
    """Why a standard cannot be used on a day, or None when it can."""
    if std.status == StandardStatus.out_of_tolerance.value:
        since = std.out_of_tolerance_since
        return _("out of tolerance since %(day)s", day=since.isoformat()) if since else _("out of tolerance")
    if std.status == StandardStatus.retired.value:
        return _("retired")
    cal = calibration_in_force(std, on)
    if cal is None:
        return _("no calibration certificate in force on %(day)s", day=on.isoformat())
    if cal.due_date < on:
        return _("its calibration was due on %(day)s (certificate %(number)s)", day=cal.due_date.isoformat(),
                 number=cal.certificate_number)
    return None


def standard_data(std: ReferenceStandard, cal: StandardCalibration) -> StandardData:
    return StandardData(id=std.id, code=std.code, quantity=std.quantity, range_min=std.range_min,
                        range_max=std.range_max, range_unit=std.range_unit,
                        expanded_uncertainty=cal.expanded_uncertainty, uncertainty_unit=cal.uncertainty_unit,
                        coverage_factor=cal.coverage_factor, calibration_id=cal.id)


def standard_choices(session: Session, record: Record) -> list[tuple[ReferenceStandard, str | None]]:
    """Standards of the procedure's quantity, each with the reason it cannot be selected (or None)."""
    quantity = record.procedure.spec.get("quantity")
    on = record.work_date or today()
    out = []
    for std in session.scalars(select(ReferenceStandard).where(ReferenceStandard.quantity == quantity)
                               .order_by(ReferenceStandard.code)):
        problem = standard_problem(std, on)
        if problem is None:
            cal = calibration_in_force(std, on)
            data = standard_data(std, cal)
            if not any(covers(data, p.reference_value if p.reference_value is not None else p.nominal, p.unit)
                       for p in record.points if p.nominal is not None):
                problem = _("its range (%(range)s) covers none of the points", range=_range_text(std))
        out.append((std, problem))
    return out


def _range_text(std: ReferenceStandard) -> str:
    return f"{std.range_min:g} … {std.range_max:g} {std.range_unit}"


# ---------------------------------------------------------------- reading the input


def _parse_value(c: Checker, field: str, raw: Any, unit: str) -> float | None:
    """A number in ``unit``, or text with its own unit ("20001 g"); decimal comma accepted."""
    from lims.metrology.errors import UnitError
    from lims.metrology.units import parse_quantity

    if isinstance(raw, dict):
        value, given = raw.get("value"), raw.get("unit")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not isinstance(given, str):
            c.fail(field, _("A quantity is {\"value\": number, \"unit\": text}."))
            return None
        raw = f"{value!r} {given}"
    if isinstance(raw, bool):
        c.fail(field, _("%(value)s is not a number.", value=repr(raw)))
        return None
    try:
        if isinstance(raw, (int, float)):
            q = parse_quantity(float(raw), unit)
        else:
            q = parse_quantity(str(raw).strip(), unit, decimal_comma=True)
    except UnitError as exc:
        c.fail(field, exc.message)
        return None
    except Exception:  # noqa: BLE001 - pint conversion errors between kinds of unit
        c.fail(field, _("%(value)s cannot be read in %(unit)s.", value=repr(raw), unit=unit))
        return None
    value = float(q.magnitude)
    if not math.isfinite(value):
        c.fail(field, _("Must be a finite number."))
        return None
    return value


def split_readings(raw: Any) -> list[Any]:
    """Readings as a list; text is split on semicolons, line breaks and spaces between numbers."""
    if raw is None:
        return []
    if isinstance(raw, (list, tuple)):
        return list(raw)
    if isinstance(raw, (int, float)):
        return [raw]
    text = str(raw).replace("\n", ";").replace("\t", ";")
    parts = []
    for chunk in text.split(";"):
        chunk = chunk.strip()
        if not chunk:
            continue
        tokens = chunk.split()
        # "20.01 20.02" is two readings; "20.01 kg" and "20001 g" are one reading with a unit.
        if len(tokens) > 1 and all(_numberish(t) for t in tokens):
            parts.extend(tokens)
        else:
            parts.append(chunk)
    return parts


def _numberish(token: str) -> bool:
    try:
        float(token.replace(",", ".").replace("\u2212", "-"))
        return True
    except ValueError:
        return False


def _readings_bounds(inst: Instrument) -> tuple[float, float]:
    """Indications outside the range by more than 10 % of the span cannot come from the instrument."""
    margin = 0.1 * (inst.range_max - inst.range_min)
    return inst.range_min - margin, inst.range_max + margin


def _points_input(c: Checker, record: Record, raw_points: Any) -> dict[int, dict]:
    by_seq = {p.seq: p for p in record.points}
    inst = record.instrument
    low, high = _readings_bounds(inst)
    out: dict[int, dict] = {}
    if raw_points is None:
        return out
    if isinstance(raw_points, dict):
        raw_points = [{"seq": k, **v} if isinstance(v, dict) else {"seq": k, "readings": v}
                      for k, v in raw_points.items()]
    if not isinstance(raw_points, list):
        c.fail("points", _("Must be a list."))
        return out
    for entry in raw_points:
        if not isinstance(entry, dict):
            c.fail("points", _("Each point must be a JSON object with its seq."))
            continue
        try:
            seq = int(entry.get("seq"))
        except (TypeError, ValueError):
            c.fail("points", _("Each point must be a JSON object with its seq."))
            continue
        point = by_seq.get(seq)
        if point is None:
            c.fail(f"points.{seq}", _("This record has no point %(seq)s.", seq=seq))
            continue
        new: dict[str, Any] = {}
        if "readings" in entry:
            values = []
            raw_list = split_readings(entry["readings"])
            if len(raw_list) > MAX_READINGS:
                c.fail(f"points.{seq}.readings", _("At most %(n)s readings.", n=MAX_READINGS))
            for raw in raw_list[:MAX_READINGS]:
                value = _parse_value(c, f"points.{seq}.readings", raw, point.unit)
                if value is None:
                    continue
                bound_low = _in_unit(low, inst.range_unit, point.unit)
                bound_high = _in_unit(high, inst.range_unit, point.unit)
                if not bound_low <= value <= bound_high:
                    c.fail(f"points.{seq}.readings", _(
                        "%(value)s is outside what this instrument can show (%(low)s … %(high)s %(unit)s).",
                        value=f"{value:g} {point.unit}", low=f"{bound_low:g}", high=f"{bound_high:g}",
                        unit=point.unit))
                    continue
                values.append(float(f"{value:.12g}"))
            new["readings"] = values
        for key in ("nominal", "reference_value"):
            if key in entry:
                if entry[key] in (None, ""):
                    if key == "nominal":
                        c.fail(f"points.{seq}.{key}", _("This field is required."))
                    new[key] = None
                    continue
                value = _parse_value(c, f"points.{seq}.{key}", entry[key], point.unit)
                if value is not None:
                    r_low = _in_unit(inst.range_min, inst.range_unit, point.unit)
                    r_high = _in_unit(inst.range_max, inst.range_unit, point.unit)
                    if not r_low - 1e-9 * max(1.0, abs(r_high)) <= value <= r_high + 1e-9 * max(1.0, abs(r_high)):
                        c.fail(f"points.{seq}.{key}", _(
                            "%(value)s is outside the instrument's range (%(low)s … %(high)s %(unit)s).",
                            value=f"{value:g} {point.unit}", low=f"{r_low:g}", high=f"{r_high:g}", unit=point.unit))
                    new[key] = float(f"{value:.12g}")
        if "source" in entry:
            source = entry["source"]
            if source in (None, "", {}):
                new["source"] = None
            elif not isinstance(source, dict) or not isinstance(source.get("port"), str) or len(str(source)) > 20000:
                c.fail(f"points.{seq}.source", _("The capture source must name its port and driver."))
            else:
                new["source"] = {k: source[k] for k in ("port", "driver", "raw", "at", "target") if k in source}
        out[seq] = new
    return out


def _in_unit(value: float, from_unit: str, to_unit: str) -> float:
    from lims.services.workflow_compute import convert

    return convert(value, from_unit, to_unit)


def _environment_input(c: Checker, spec: dict, raw_env: Any, current: dict) -> dict:
    if raw_env is None:
        return dict(current)
    if not isinstance(raw_env, dict):
        c.fail("environment", _("Must be a JSON object."))
        return dict(current)
    out = dict(current)
    known = {item["key"]: item for item in spec.get("environment", [])}
    for key, raw in raw_env.items():
        field = f"environment.{key}"
        item = known.get(key)
        if item is None:
            c.fail(field, _("This procedure does not record %(key)s.", key=key))
            continue
        source = None
        if isinstance(raw, dict):  # {"value": ..., "unit": ..., "device": port it was read from}
            source = str(raw["device"])[:300] if raw.get("device") else None
            raw = {"value": raw.get("value"), "unit": raw["unit"]} if "unit" in raw else raw.get("value")
        if raw in (None, "") or (isinstance(raw, dict) and raw.get("value") in (None, "")):
            out.pop(key, None)
            continue
        value = _parse_value(c, field, raw, item["unit"])
        if value is None:
            continue
        low, high = item.get("min"), item.get("max")
        if (low is not None and value < low) or (high is not None and value > high):
            c.fail(field, _("%(value)s is outside the conditions this procedure allows (%(low)s … %(high)s %(unit)s).",
                            value=f"{value:g} {item['unit']}", low=f"{low:g}" if low is not None else "…",
                            high=f"{high:g}" if high is not None else "…", unit=item["unit"]))
            continue
        out[key] = {"value": float(f"{value:.12g}"), "unit": item["unit"]}
        if source:
            out[key]["device"] = source
    return out


def _standards_input(c: Checker, session: Session, record: Record, raw: Any, on: date
                     ) -> list[tuple[ReferenceStandard, StandardCalibration]] | None:
    if raw is None:
        return None
    if isinstance(raw, (str, int)):
        raw = [raw] if str(raw).strip() else []
    if not isinstance(raw, (list, tuple)):
        c.fail("standards", _("Must be a list."))
        return None
    quantity = record.procedure.spec.get("quantity")
    chosen = []
    for item in raw:
        ident = item.get("id") if isinstance(item, dict) else item
        try:
            std = session.get(ReferenceStandard, int(str(ident).strip()))
        except (TypeError, ValueError):
            std = None
        if std is None:
            c.fail("standards", _("Nothing with id %(id)s.", id=ident))
            continue
        if std.quantity != quantity:
            c.fail("standards", _("%(code)s measures %(q)s, not %(want)s.", code=std.code, q=std.quantity,
                                   want=quantity))
            continue
        problem = standard_problem(std, on)
        if problem is not None:
            c.fail("standards", _("%(code)s cannot be used: %(reason)s.", code=std.code, reason=problem))
            continue
        if std.id not in {s.id for s, _cal in chosen}:
            chosen.append((std, calibration_in_force(std, on)))
    return chosen


# ---------------------------------------------------------------- save


def _editable(record: Record) -> None:
    if record.status not in EDITABLE:
        raise Conflict(_("Record %(number)s is %(status)s; it can no longer be changed.", number=record.number,
                         status=record_status_label(record.status)))


def save_record(session: Session, actor: User | None, record_id: int, data: dict[str, Any]) -> Record:
    """Save what the technician entered and compute the results (nothing is written on any error)."""
    if actor is not None:
        require_role(actor, Role.technician)
    record = get_record(session, actor, record_id)
    _editable(record)
    _stale(record, data, _("Record %(number)s", number=record.number))
    spec = record.procedure.spec
    c = Checker()
    place = c.text(data, "place", required=False, max_len=255) if "place" in data else record.place
    work_date = c.day(data, "work_date", required=False) if "work_date" in data else record.work_date
    if work_date is not None and work_date > today():
        c.fail("work_date", _("The date is in the future."))
    on = work_date or today()
    remarks = c.text(data, "remarks", required=False, max_len=4000) if "remarks" in data else record.remarks
    adjusted = c.boolean(data, "adjusted", default=record.adjusted) if "adjusted" in data else record.adjusted
    environment = _environment_input(c, spec, data.get("environment"), record.environment or {})
    chosen = _standards_input(c, session, record, data.get("standards"), on)
    points_in = _points_input(c, record, data.get("points"))
    if chosen is None:  # not given: keep the current ones, re-checked for the work date
        chosen = []
        for rs in record.standards:
            problem = standard_problem(rs.standard, on)
            if problem is not None:
                c.fail("standards", _("%(code)s cannot be used: %(reason)s.", code=rs.standard.code, reason=problem))
            else:
                chosen.append((rs.standard, calibration_in_force(rs.standard, on)))
    c.done()

    # The points as they will be, then the range check of the standards against them.
    points = []
    for p in record.points:
        new = points_in.get(p.seq, {})
        points.append(PointData(
            seq=p.seq, test=p.test, label=p.label, nominal=new.get("nominal", p.nominal), unit=p.unit,
            readings=new.get("readings", list(p.readings or [])),
            reference_value=new.get("reference_value", p.reference_value),
        ))
    std_data = [standard_data(s, cal) for s, cal in chosen]
    if std_data:
        for s in std_data:
            if not any(covers(s, pt.reference_value if pt.reference_value is not None else pt.nominal, pt.unit)
                       for pt in points if pt.nominal is not None):
                std = next(x for x, _cal in chosen if x.id == s.id)
                c.fail("standards", _("%(code)s cannot be used: its range (%(range)s) covers none of the points.",
                                      code=s.code, range=_range_text(std)))
        for pt in points:
            value = pt.reference_value if pt.reference_value is not None else pt.nominal
            if pt.readings and value is not None and not any(covers(s, value, pt.unit) for s in std_data):
                c.fail(f"points.{pt.seq}.reference_value" if pt.reference_value is not None else f"points.{pt.seq}",
                       _("No selected standard covers %(value)s (%(ranges)s).", value=f"{value:g} {pt.unit}",
                         ranges="; ".join(f"{x.code}: {_range_text(x)}" for x, _cal in chosen)))
    c.done()

    results_by_seq, results = compute(spec, facts_of(record.instrument), record.verification_type, points, std_data)
    before = _summary(record)
    record.place = place
    record.work_date = work_date
    record.remarks = remarks
    record.adjusted = adjusted
    record.environment = environment
    existing = {rs.standard_id: rs for rs in record.standards}
    keep = {s.id for s, _cal in chosen}
    for sid, rs in list(existing.items()):
        if sid not in keep:
            record.standards.remove(rs)
    for s, cal in chosen:
        if s.id in existing:
            existing[s.id].calibration_id = cal.id
        else:
            record.standards.append(RecordStandard(standard_id=s.id, calibration_id=cal.id))
    for p, pt in zip(record.points, points):
        new = points_in.get(p.seq, {})
        res = results_by_seq[p.seq]
        if "source" in new:
            p.source = new["source"]
        elif "readings" in new and new["readings"] != list(p.readings or []):
            p.source = None  # typed over what a device read
        p.nominal = pt.nominal
        p.readings = list(pt.readings)
        p.reference_value = pt.reference_value
        p.indication, p.error, p.uncertainty = res.indication, res.error, res.uncertainty
        p.coverage_factor, p.mpe, p.verdict = res.coverage_factor, res.mpe, res.verdict
    record.results = results
    record.verdict = results["verdict"] if results["complete"] else None
    record.updated_at = datetime.now(timezone.utc)
    session.flush()
    audit.record(session, actor, "record.save", record, before=before, after=_summary(record))
    return record


def _summary(record: Record) -> dict:
    """What the audit trail keeps of a record's content (inputs and the verdict)."""
    return {
        "status": record.status, "version_id": record.version_id, "place": record.place,
        "work_date": record.work_date, "environment": record.environment,
        "standards": sorted(f"{rs.standard_id}:{rs.calibration_id}" for rs in record.standards),
        "points": {str(p.seq): {"nominal": p.nominal, "readings": p.readings, "reference_value": p.reference_value}
                   for p in record.points},
        "verdict": record.verdict, "remarks": record.remarks,
    }


# ---------------------------------------------------------------- submit, return, approve


def missing_for_submission(record: Record) -> dict[str, str]:
    """Field → what is still missing before the record can be submitted (empty when complete)."""
    spec = record.procedure.spec
    missing: dict[str, str] = {}
    for item in spec.get("environment", []):
        if item.get("required") and item["key"] not in (record.environment or {}):
            missing[f"environment.{item['key']}"] = _("This field is required.")
    if not record.standards:
        missing["standards"] = _("Choose the reference standards used.")
    expected = {}
    for test in spec.get("tests", []):
        expected.setdefault(test["test"], (int(test.get("readings", 1)), bool(test.get("reference_required"))))
    for p in record.points:
        count, needs_ref = expected.get(p.test, (1, False))
        if len(p.readings or []) < count:
            missing[f"points.{p.seq}.readings"] = _("%(n)s reading(s) needed.", n=count)
        elif needs_ref and p.reference_value is None:
            missing[f"points.{p.seq}.reference_value"] = _("The reference value is needed.")
        elif p.error is None:
            missing[f"points.{p.seq}"] = _("Save the record to compute this point.")
    return missing


def submit_record(session: Session, actor: User | None, record_id: int, data: dict[str, Any]) -> Record:
    """Send a complete record for review."""
    if actor is not None:
        require_role(actor, Role.technician)
    record = get_record(session, actor, record_id)
    _editable(record)
    _stale(record, data, _("Record %(number)s", number=record.number))
    missing = missing_for_submission(record)
    on = record.work_date or today()
    for rs in record.standards:
        problem = standard_problem(rs.standard, on)
        if problem is not None:
            missing.setdefault("standards", _("%(code)s cannot be used: %(reason)s.", code=rs.standard.code,
                                              reason=problem))
    if missing:
        field = next(iter(missing))
        raise ValidationError(_("The record is not complete: %(field)s: %(reason)s", field=field,
                                reason=missing[field]), field=field, errors=missing)
    before = {"status": record.status}
    record.status = RecordStatus.submitted.value
    record.submitted_at = datetime.now(timezone.utc)
    session.flush()
    audit.record(session, actor, "record.submit", record, before=before,
                 after={"status": record.status, "verdict": record.verdict})
    return record


def _reviewable(session: Session, actor: User | None, record_id: int, data: dict, verb: str) -> Record:
    if actor is not None:
        require_role(actor, Role.reviewer)
    record = get_record(session, actor, record_id)
    if actor is not None and record.technician_id == actor.id:
        raise PermissionDenied(_("You made record %(number)s; another reviewer must %(verb)s it.",
                                 number=record.number, verb=verb))
    if record.status != RecordStatus.submitted.value:
        raise Conflict(_("Record %(number)s is %(status)s; only a submitted record can be reviewed.",
                         number=record.number, status=record_status_label(record.status)))
    _stale(record, data, _("Record %(number)s", number=record.number))
    return record


def return_record(session: Session, actor: User | None, record_id: int, data: dict[str, Any]) -> Record:
    """Send a submitted record back to its technician with a comment."""
    record = _reviewable(session, actor, record_id, data, _("return"))
    c = Checker()
    comment = c.text(data, "comment", max_len=4000)
    c.done()
    before = {"status": record.status}
    record.status = RecordStatus.returned.value
    record.return_comment = comment
    record.reviewer_id = actor.id if actor else None
    session.flush()
    audit.record(session, actor, "record.return", record, before=before,
                 after={"status": record.status, "comment": comment})
    return record


def approve_record(session: Session, actor: User | None, record_id: int, data: dict[str, Any]) -> Record:
    """Approve a submitted record: it becomes immutable, the certificate is issued, the due date moves."""
    record = _reviewable(session, actor, record_id, data, _("approve"))
    for rs in record.standards:
        if rs.standard.status == StandardStatus.out_of_tolerance.value:
            raise Conflict(_("%(code)s is out of tolerance; return the record so that it can be redone.",
                             code=rs.standard.code), field="standards")
    if not (record.results or {}).get("complete"):
        raise Conflict(_("The record's results are not complete."))
    before = {"status": record.status}
    now = datetime.now(timezone.utc)
    record.status = RecordStatus.approved.value
    record.approved_at = now
    record.reviewer_id = actor.id if actor else record.reviewer_id
    session.flush()
    audit.record(session, actor, "record.approve", record, before=before,
                 after={"status": record.status, "verdict": record.verdict, "approved_at": now})
    _move_next_due(session, actor, record, now.date())
    from lims.services.certificates import issue_for_record

    issue_for_record(session, actor, record)
    if record.request_item is not None:
        _update_request_progress(session, actor, record.request_item.request)
    return record


def next_due_after(record: Record, approved_on: date) -> date | None:
    """The instrument's next due date after this record (None: leave it as it is).

    Verification that passed: the type's verification interval from the approval (the
    certificate's valid-until, Circular 23/2013/TT-BKHCN); a failed verification: due now (the
    instrument must be repaired and verified again); calibration: the interval agreed with the
    customer, if any (ISO/IEC 17025 7.8.4.1: no interval unless agreed).
    """
    from lims.services.certificate_document import add_months

    inst = record.instrument
    if record.kind == WorkKind.verification.value:
        if record.verdict != "pass":
            return approved_on
        months = inst.type.verification_interval_months
        return add_months(approved_on, months) if months else None
    if record.kind == WorkKind.calibration.value and inst.calibration_interval_months:
        return add_months(record.work_date or approved_on, inst.calibration_interval_months)
    return None


def _move_next_due(session: Session, actor: User | None, record: Record, approved_on: date) -> None:
    due = next_due_after(record, approved_on)
    inst = record.instrument
    if due is None or inst.next_due == due:
        return
    before = {"next_due": inst.next_due}
    inst.next_due = due
    session.flush()
    audit.record(session, actor, "instrument.next_due", inst, before=before,
                 after={"next_due": due, "record": record.number})


def record_events(session: Session, record: Record) -> list[AuditEvent]:
    """The record's audit trail, oldest first."""
    return list(session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "record",
                                                         AuditEvent.entity_id == str(record.id))
                                .order_by(AuditEvent.seq)))


OPEN_STATUSES = (RecordStatus.draft.value, RecordStatus.submitted.value, RecordStatus.returned.value)


def counts_by_status(session: Session, technician_id: int | None = None) -> dict[str, int]:
    """How many records are in draft, submitted and returned (approved ones are not counted: they
    are the bulk of the table and nobody waits on them); one technician's, or everyone's."""
    q = select(Record.status, func.count()).where(Record.status.in_(OPEN_STATUSES)).group_by(Record.status)
    if technician_id is not None:
        q = q.where(Record.technician_id == technician_id)
    return {status: n for status, n in session.execute(q).all()}


# ---------------------------------------------------------------- approved records are immutable


def _was_approved(record: Record) -> bool:
    from sqlalchemy import inspect as sa_inspect

    history = sa_inspect(record).attrs.status.history
    old = history.deleted[0] if history.deleted else record.status
    return old == RecordStatus.approved.value


def _refuse_approved_change(mapper, connection, target) -> None:
    record = target if isinstance(target, Record) else target.record
    if record is not None and _was_approved(record):
        raise Conflict(_("Record %(number)s is approved; it can no longer be changed.", number=record.number))


for _model in (Record, RecordPoint, RecordStandard):
    if not event.contains(_model, "before_update", _refuse_approved_change):
        event.listen(_model, "before_update", _refuse_approved_change)
    if _model is not Record and not event.contains(_model, "before_delete", _refuse_approved_change):
        event.listen(_model, "before_delete", _refuse_approved_change)
