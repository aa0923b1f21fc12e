"""The five lists people search: instruments, organisations, service requests, records, certificates.

Each takes ``(session, viewer, filters, limit=, offset=)`` and answers a :class:`~lims.services.listing.Page`.
The filters are a frozen dataclass the page and the API both fill from the query string; what needs
no database (a known status, a sort key, a period whose end is not before its start) is checked
here and refused naming the parameter. Visibility is the policy's: a business sees only its own
instruments, requests and certificates (:func:`lims.services.catalog.visible_owner`,
:mod:`lims.services.policy`), whatever it searches for.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lims.models import (
    Certificate,
    Instrument,
    InstrumentStatus,
    Organisation,
    OrgKind,
    Record,
    RecordStandard,
    RecordStatus,
    RequestStatus,
    Role,
    ServiceRequest,
    WorkKind,
)
from lims.services import listing, policy
from lims.services.catalog import visible_owner
from lims.services.certificates.queries import EXPIRED, certificate_query
from lims.services.listing import Page, check_choice, check_range
from lims.services.policy import Actor
from lims.services.workflow.common import today

__all__ = [
    "CertificateFilter", "DUE_CHOICES", "DUE_SOON_DAYS", "InstrumentFilter", "OrganisationFilter", "RecordFilter",
    "RequestFilter", "SORTS", "default_sort", "search_certificates", "search_instruments", "search_organisations",
    "search_records", "search_requests",
]

#: "soon" due: within this many days from today.
DUE_SOON_DAYS = 30
DUE_CHOICES = ("overdue", "soon")
_KINDS = tuple(k.value for k in WorkKind)

#: Each list's sort keys (the API's ``sort`` values, ``-`` in front for descending) and its default.
SORTS: dict[str, tuple[dict[str, Any], str]] = {
    "instruments": ({"id": Instrument.id, "serial": Instrument.serial_number, "due": Instrument.next_due}, "id"),
    "organisations": ({"id": Organisation.id, "name": Organisation.name, "tax_code": Organisation.tax_code},
                      "name"),
    "requests": ({"id": ServiceRequest.id, "number": ServiceRequest.number, "wanted_by": ServiceRequest.wanted_by,
                  "status": ServiceRequest.status}, "-id"),
    "records": ({"id": Record.id, "number": Record.number, "work_date": Record.work_date,
                 "status": Record.status}, "-id"),
    "certificates": ({"id": Certificate.id, "number": Certificate.number, "issue_date": Certificate.issue_date,
                      "valid_until": Certificate.valid_until}, "-issue_date"),
}


def default_sort(which: str, f: Any = None) -> str:
    """The sort of a list when none is asked: expired certificates by when they expired, latest first
    (the date of issue of those is an old one: that order would scan most of the table)."""
    if which == "certificates" and getattr(f, "status", None) == EXPIRED:
        return "-valid_until"
    return SORTS[which][1]


def _sorted(q: Any, model: Any, which: str, f: Any) -> Any:
    return listing.ordered(q, model, SORTS[which][0], f.sort, default_sort(which, f))


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


# ---------------------------------------------------------------- instruments


@dataclass(frozen=True, kw_only=True)
class InstrumentFilter:
    q: str | None = None
    status: str | None = None
    type_id: int | None = None
    owner_id: int | None = None
    due: str | None = None  # overdue, soon (within DUE_SOON_DAYS)
    due_from: date | None = None
    due_to: date | None = None
    sort: str | None = None


def search_instruments(session: Session, viewer: Actor | None, f: InstrumentFilter, *, limit: int,
                       offset: int) -> Page[Instrument]:
    """Instruments ``viewer`` may see (a business: its own) matching ``f``."""
    policy.require(viewer, *policy.STAFF_ROLES, Role.business)
    check_choice("status", f.status, [s.value for s in InstrumentStatus])
    check_choice("due", f.due, DUE_CHOICES)
    check_range("due_from", f.due_from, "due_to", f.due_to)
    q = select(Instrument).options(selectinload(Instrument.owner), selectinload(Instrument.type))
    own = visible_owner(viewer)
    if own is not None:
        q = q.where(Instrument.owner_id == own)
    if f.owner_id is not None:
        q = q.where(Instrument.owner_id == f.owner_id)
    if f.type_id is not None:
        q = q.where(Instrument.type_id == f.type_id)
    if f.status:
        q = q.where(Instrument.status == f.status)
    now = today()
    if f.due == "overdue":
        q = q.where(Instrument.next_due < now)
    elif f.due == "soon":
        q = q.where(Instrument.next_due >= now, Instrument.next_due <= now + timedelta(days=DUE_SOON_DAYS))
    if f.due_from is not None:
        q = q.where(Instrument.next_due >= f.due_from)
    if f.due_to is not None:
        q = q.where(Instrument.next_due <= f.due_to)
    q = _sorted(listing.matching(session, q, Instrument, f.q), Instrument, "instruments", f)
    return listing.page(session, q, Instrument, limit=limit, offset=offset)


# ---------------------------------------------------------------- organisations


@dataclass(frozen=True, kw_only=True)
class OrganisationFilter:
    q: str | None = None
    kind: str | None = None
    active: str | None = None  # "true" or "false"
    sort: str | None = None


def search_organisations(session: Session, viewer: Actor | None, f: OrganisationFilter, *, limit: int,
                         offset: int) -> Page[Organisation]:
    """Organisations (staff) matching ``f``."""
    policy.require_staff(viewer)
    check_choice("kind", f.kind, [k.value for k in OrgKind])
    check_choice("active", f.active, ("true", "false"))
    q = select(Organisation)
    if f.kind:
        q = q.where(Organisation.kind == f.kind)
    if f.active:
        q = q.where(Organisation.active.is_(f.active == "true"))
    q = _sorted(listing.matching(session, q, Organisation, f.q), Organisation, "organisations", f)
    return listing.page(session, q, Organisation, limit=limit, offset=offset)


# ---------------------------------------------------------------- service requests


@dataclass(frozen=True, kw_only=True)
class RequestFilter:
    q: str | None = None
    status: str | None = None
    kind: str | None = None
    customer_id: int | None = None
    filed_from: date | None = None
    filed_to: date | None = None
    sort: str | None = None


def search_requests(session: Session, viewer: Actor | None, f: RequestFilter, *, limit: int,
                    offset: int) -> Page[ServiceRequest]:
    """Service requests ``viewer`` may see (a business: its own) matching ``f``."""
    policy.require(viewer, Role.technician, Role.reviewer, Role.inspector, Role.business)
    check_choice("status", f.status, [s.value for s in RequestStatus])
    check_choice("kind", f.kind, _KINDS)
    check_range("filed_from", f.filed_from, "filed_to", f.filed_to)
    q = select(ServiceRequest).options(selectinload(ServiceRequest.items), selectinload(ServiceRequest.customer))
    if not policy.is_staff(viewer):
        q = q.where(ServiceRequest.customer_id == (policy.organisation_of(viewer) or -1))
    if f.customer_id is not None:
        q = q.where(ServiceRequest.customer_id == f.customer_id)
    if f.status:
        q = q.where(ServiceRequest.status == f.status)
    if f.kind:
        q = q.where(ServiceRequest.kind == f.kind)
    if f.filed_from is not None:
        q = q.where(ServiceRequest.created_at >= _day_start(f.filed_from))
    if f.filed_to is not None:
        q = q.where(ServiceRequest.created_at < _day_start(f.filed_to + timedelta(days=1)))
    q = _sorted(listing.matching(session, q, ServiceRequest, f.q), ServiceRequest, "requests", f)
    return listing.page(session, q, ServiceRequest, limit=limit, offset=offset)


# ---------------------------------------------------------------- records


@dataclass(frozen=True, kw_only=True)
class RecordFilter:
    q: str | None = None
    status: str | None = None
    kind: str | None = None
    technician_id: int | None = None
    instrument_id: int | None = None
    work_from: date | None = None
    work_to: date | None = None
    sort: str | None = None


def search_records(session: Session, viewer: Actor | None, f: RecordFilter, *, limit: int,
                   offset: int, details: bool = False) -> Page[Record]:
    """Records (staff) matching ``f``; ``details``: their points and standards loaded with them (the API
    answers them), in two queries rather than two per record."""
    policy.require(viewer, Role.technician, Role.reviewer, Role.inspector)
    check_choice("status", f.status, [s.value for s in RecordStatus])
    check_choice("kind", f.kind, _KINDS)
    check_range("work_from", f.work_from, "work_to", f.work_to)
    q = select(Record).options(selectinload(Record.instrument).selectinload(Instrument.owner),
                               selectinload(Record.instrument).selectinload(Instrument.type),
                               selectinload(Record.technician), selectinload(Record.procedure))
    if details:
        q = q.options(selectinload(Record.points),
                      selectinload(Record.standards).selectinload(RecordStandard.standard),
                      selectinload(Record.standards).selectinload(RecordStandard.calibration))
    if f.status:
        q = q.where(Record.status == f.status)
    if f.kind:
        q = q.where(Record.kind == f.kind)
    if f.technician_id is not None:
        q = q.where(Record.technician_id == f.technician_id)
    if f.instrument_id is not None:
        q = q.where(Record.instrument_id == f.instrument_id)
    if f.work_from is not None:
        q = q.where(Record.work_date >= f.work_from)
    if f.work_to is not None:
        q = q.where(Record.work_date <= f.work_to)
    q = _sorted(listing.matching(session, q, Record, f.q), Record, "records", f)
    return listing.page(session, q, Record, limit=limit, offset=offset)


# ---------------------------------------------------------------- certificates


@dataclass(frozen=True, kw_only=True)
class CertificateFilter:
    q: str | None = None
    status: str | None = None  # valid, expired, revoked, superseded
    kind: str | None = None
    issued_from: date | None = None
    issued_to: date | None = None
    sort: str | None = None


def search_certificates(session: Session, viewer: Actor | None, f: CertificateFilter, *, limit: int,
                        offset: int) -> Page[Certificate]:
    """Certificates ``viewer`` may see (a business: its own, as customer or owner) matching ``f``."""
    check_range("issued_from", f.issued_from, "issued_to", f.issued_to)
    q = certificate_query(viewer, status=f.status, kind=f.kind).options(
        selectinload(Certificate.instrument).selectinload(Instrument.type), selectinload(Certificate.customer),
        selectinload(Certificate.record), selectinload(Certificate.supersedes))
    if f.issued_from is not None:
        q = q.where(Certificate.issue_date >= f.issued_from)
    if f.issued_to is not None:
        q = q.where(Certificate.issue_date <= f.issued_to)
    q = _sorted(listing.matching(session, q, Certificate, f.q), Certificate, "certificates", f)
    return listing.page(session, q, Certificate, limit=limit, offset=offset)
