"""Service requests (phiếu yêu cầu): filed by a business for its own instruments, or by the lab for it.

The lab accepts a request when the instruments arrive and opens one record per instrument; the
request is in progress until every instrument's record is approved, then completed.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from lims.errors import Conflict, NotFound, PermissionDenied
from lims.i18n import _, current_language
from lims.models import (
    Instrument,
    InstrumentStatus,
    Organisation,
    OrgKind,
    Procedure,
    Record,
    RecordStatus,
    RequestStatus,
    Role,
    ServiceRequest,
    ServiceRequestItem,
    WorkKind,
)
from lims.services import audit
from lims.services.numbering import next_value
from lims.services.policy import Actor, actor_id, can_see_request, is_staff, organisation_of, require
from lims.services.validation import Checker, require_exists
from lims.services.withdrawn import refuse_withdrawn_organisation, refuse_withdrawn_type
from lims.services.workflow.common import REQUEST_NUMBER, VERIFICATION_TYPES, today
from lims.services.workflow.inputs import AcceptRequest, CancelRequest, NewServiceRequest
from lims.services.workflow.labels import request_status_label
from lims.services.workflow.locking import check_version

__all__ = ["create_service_request", "serviceable_type_ids", "no_procedure_message",
           "get_service_request", "list_service_requests", "count_service_requests",
           "accept_service_request", "cancel_service_request", "update_request_progress"]


def _customer(c: Checker, session: Session, actor: Actor | None, inp: NewServiceRequest) -> Organisation | None:
    """A business files for itself; the lab names the business."""
    if not is_staff(actor):
        org = organisation_of(actor)
        customer = session.get(Organisation, org) if org else None
        if customer is None:
            raise PermissionDenied(_("A business user belongs to a business."))
        refuse_withdrawn_organisation(c, customer, "customer_id")
        return customer
    if inp.customer_id is None:
        c.fail("customer_id", _("This field is required."))
        return None
    customer = require_exists(c, session, Organisation, "customer_id", inp.customer_id)
    if customer is not None and customer.kind != OrgKind.business.value:
        c.fail("customer_id", _("The customer must be a business."))
    refuse_withdrawn_organisation(c, customer, "customer_id")
    return customer


def _instrument_ids(c: Checker, raw_ids: Any) -> list[int]:
    """Whole numbers within the database's range (a JSON body: a list of numbers, nothing converted)."""
    if c.strict and raw_ids is not None and not isinstance(raw_ids, (list, tuple)):
        c.wrong_type("instrument_ids", raw_ids, "list")
        return []
    if isinstance(raw_ids, (str, int)):
        raw_ids = [raw_ids]
    ids: list[int] = []
    if not isinstance(raw_ids, (list, tuple)) or not raw_ids:
        c.fail("instrument_ids", _("Choose at least one instrument."))
        return ids
    for raw in raw_ids:
        value = c.integer({"instrument_ids": raw}, "instrument_ids", minimum=1)
        if value is not None:
            ids.append(value)
    if len(set(ids)) != len(ids):
        c.fail("instrument_ids", _("An instrument is listed twice."))
    return ids


def _instruments(c: Checker, session: Session, ids: list[int], customer: Organisation) -> list[Instrument]:
    """The customer's instruments in the order given (none scrapped)."""
    instruments: list[Instrument] = []
    found = {i.id: i for i in session.scalars(select(Instrument).where(Instrument.id.in_(ids)))}
    for iid in ids:
        inst = found.get(iid)
        if inst is None or inst.owner_id != customer.id:
            c.fail("instrument_ids", _("Instrument %(id)s does not belong to %(owner)s.", id=iid,
                                        owner=customer.name))
        elif inst.status == InstrumentStatus.scrapped.value:
            c.fail("instrument_ids", _("Instrument %(serial)s is scrapped.", serial=inst.serial_number))
        elif not inst.type.active:
            refuse_withdrawn_type(c, inst.type, "instrument_ids")
        else:
            instruments.append(inst)
    return instruments


def serviceable_type_ids(session: Session, kind: str) -> set[int]:
    """The instrument types the lab can work on for this kind of work: those with an active
    procedure of that kind (a request for any other is a dead end)."""
    ids = session.scalars(select(Procedure.instrument_type_id).distinct().where(
        Procedure.active.is_(True), Procedure.kind == kind, Procedure.instrument_type_id.is_not(None)))
    return {i for i in ids if i is not None}


def no_procedure_message(kind: str) -> str:
    if kind == WorkKind.verification.value:
        return _("The lab has no verification procedure for this instrument type")
    return _("The lab has no calibration procedure for this instrument type")


#: A request still to be worked on: an instrument in one is not put in another of the same kind.
OPEN_REQUEST_STATUSES = (RequestStatus.submitted.value, RequestStatus.accepted.value,
                         RequestStatus.in_progress.value)


def open_requests_of(session: Session, instrument_ids: list[int], kind: str) -> dict[int, tuple[int, str]]:
    """For each of the instruments already in an open request of ``kind``: (request id, number),
    the oldest such request."""
    if not instrument_ids:
        return {}
    q = (select(ServiceRequestItem.instrument_id, ServiceRequest.id, ServiceRequest.number)
         .join(ServiceRequest, ServiceRequest.id == ServiceRequestItem.request_id)
         .where(ServiceRequestItem.instrument_id.in_(instrument_ids), ServiceRequest.kind == kind,
                ServiceRequest.status.in_(OPEN_REQUEST_STATUSES))
         .order_by(ServiceRequest.id.desc()))
    return {iid: (rid, number) for iid, rid, number in session.execute(q)}


def _not_in_open_request(c: Checker, session: Session, kind: str, instruments: list[Instrument]) -> None:
    """Refuses instruments already in an open request of the same kind (named with that request)."""
    open_ = open_requests_of(session, [i.id for i in instruments], kind)
    for inst in instruments:
        if inst.id in open_:
            c.fail("instrument_ids", _("Instrument %(serial)s is already in open request %(number)s.",
                                        serial=inst.serial_number, number=open_[inst.id][1]))


def _serviceable(c: Checker, session: Session, kind: str, instruments: list[Instrument]) -> None:
    """Refuses instruments whose type has no procedure for the kind of work (named by type and serial)."""
    allowed = serviceable_type_ids(session, kind)
    for inst in instruments:
        if inst.type_id not in allowed:
            c.fail("instrument_ids", _("%(reason)s: %(type)s, S/N %(serial)s.", reason=no_procedure_message(kind),
                                        type=inst.type.name(current_language()), serial=inst.serial_number))


def create_service_request(session: Session, actor: Actor | None, inp: NewServiceRequest) -> ServiceRequest:
    """File a request: a business for its own instruments, the lab for any customer."""
    require(actor, Role.technician, Role.business)
    c = Checker()
    customer = _customer(c, session, actor, inp)
    kind = c.choice({"kind": inp.kind}, "kind", [k.value for k in WorkKind])
    verification_type = None
    if kind == WorkKind.verification.value:
        verification_type = c.choice({"verification_type": inp.verification_type}, "verification_type",
                                     list(VERIFICATION_TYPES), default="periodic")
    ids = _instrument_ids(c, inp.instrument_ids)
    instruments: list[Instrument] = []
    if ids and customer is not None and "instrument_ids" not in c.errors:
        instruments = _instruments(c, session, ids, customer)
        if kind and "instrument_ids" not in c.errors:
            _serviceable(c, session, kind, instruments)
        if kind and "instrument_ids" not in c.errors:
            _not_in_open_request(c, session, kind, instruments)
    if inp.wanted_by is not None and inp.wanted_by < today():
        c.fail("wanted_by", _("The date is in the past."))
    if inp.site_address and not inp.on_site:
        c.fail("site_address", _("An address of the site is given only for work at the customer's premises."))
    c.done()
    assert customer is not None
    year = today().year
    req = ServiceRequest(
        number=REQUEST_NUMBER.format(year=year, seq=next_value(session, "request", year)),
        customer_id=customer.id, requested_by_id=actor_id(actor), kind=kind,
        status=RequestStatus.submitted.value, on_site=inp.on_site, site_address=inp.site_address or "",
        wanted_by=inp.wanted_by, notes=inp.notes or "",
        items=[ServiceRequestItem(instrument_id=i.id, verification_type=verification_type) for i in instruments],
    )
    session.add(req)
    session.flush()
    after = audit.snapshot(req)
    after["instrument_ids"] = [i.id for i in instruments]
    audit.record(session, actor, "service_request.create", req, after=after)
    return req


def get_service_request(session: Session, viewer: Actor | None, request_id: int) -> ServiceRequest:
    require(viewer, Role.technician, Role.reviewer, Role.inspector, Role.business)
    req = session.get(ServiceRequest, request_id)
    if req is None or not can_see_request(viewer, req):
        raise NotFound(_("No service request with id %(id)s.", id=request_id))
    return req


def _visible(q: Any, viewer: Actor | None, customer_id: int | None, status: str | None) -> Any:
    require(viewer, Role.technician, Role.reviewer, Role.inspector, Role.business)
    if not is_staff(viewer):
        q = q.where(ServiceRequest.customer_id == (organisation_of(viewer) or -1))
    elif customer_id is not None:
        q = q.where(ServiceRequest.customer_id == customer_id)
    if status:
        q = q.where(ServiceRequest.status == status)
    return q


def list_service_requests(session: Session, viewer: Actor | None, *, status: str | None = None,
                          customer_id: int | None = None, limit: int = 200, offset: int = 0) -> list[ServiceRequest]:
    """The requests the viewer may see, newest first (a business sees its own)."""
    q = select(ServiceRequest).options(selectinload(ServiceRequest.items), selectinload(ServiceRequest.customer))
    q = _visible(q, viewer, customer_id, status)
    return list(session.scalars(q.order_by(ServiceRequest.id.desc()).limit(limit).offset(offset)))


def count_service_requests(session: Session, viewer: Actor | None, *, status: str | None = None,
                           customer_id: int | None = None) -> int:
    """How many requests :func:`list_service_requests` would list, without a cap (one COUNT query)."""
    q = _visible(select(func.count()).select_from(ServiceRequest), viewer, customer_id, status)
    return int(session.scalar(q) or 0)


def accept_service_request(session: Session, actor: Actor | None, request_id: int,
                           inp: AcceptRequest) -> ServiceRequest:
    """The lab has received the request (and the instruments)."""
    require(actor, Role.technician)
    req = get_service_request(session, actor, request_id)
    check_version(req, inp.version_id, _("The service request"))
    if req.status != RequestStatus.submitted.value:
        raise Conflict(_("Service request %(number)s is %(status)s; only a submitted request can be accepted.",
                         number=req.number, status=request_status_label(req.status)))
    c = Checker()
    received = inp.received_date or today()
    if received > today():
        c.fail("received_date", _("The date is in the future."))
    c.done()
    before = audit.snapshot(req)
    req.status = RequestStatus.accepted.value
    req.received_date = received
    session.flush()
    audit.record(session, actor, "service_request.accept", req, before=before, after=audit.snapshot(req))
    return req


def cancel_service_request(session: Session, actor: Actor | None, request_id: int,
                           inp: CancelRequest) -> ServiceRequest:
    """Withdraw a request before work starts (the business that filed it, or the lab)."""
    require(actor, Role.technician, Role.business)
    req = get_service_request(session, actor, request_id)
    check_version(req, inp.version_id, _("The service request"))
    allowed = (RequestStatus.submitted.value,) if not is_staff(actor) else (
        RequestStatus.submitted.value, RequestStatus.accepted.value)
    if req.status not in allowed:
        raise Conflict(_("Service request %(number)s is %(status)s and can no longer be cancelled.",
                         number=req.number, status=request_status_label(req.status)))
    before = audit.snapshot(req)
    req.status = RequestStatus.cancelled.value
    req.notes = (req.notes + "\n" if req.notes else "") + _("Cancelled: %(reason)s", reason=inp.reason)
    session.flush()
    audit.record(session, actor, "service_request.cancel", req, before=before, after=audit.snapshot(req))
    return req


def update_request_progress(session: Session, actor: Actor | None, req: ServiceRequest) -> None:
    """In progress while a record is open, completed when every instrument's record is approved."""
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
