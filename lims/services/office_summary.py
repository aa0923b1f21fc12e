"""The office dashboard's summaries (lims/models/office.py), kept by the services that change their
inputs and recomputable from the raw rows.

* :func:`record_approved` — called by the approval of a record (lims/services/workflow/transitions.py).
* :func:`certificate_issued` — called when a certificate is issued or an amendment supersedes one
  (lims/services/certificates/issue.py).
* :func:`refresh_overdue` — an instrument's overdue spans rewritten from its certificates (or, when
  this system holds none, from the due date it was registered with); called on issue, amendment and
  revocation, and when an instrument is registered or its due date corrected.
* :func:`rebuild` — every summary recomputed from the raw rows (after rows were written by other
  means than the services: a bulk import, ``bench/office.py --add-history``).

Migration 0009 fills the summaries of an existing database the same way (its own copy of the SQL,
so that later changes here do not change what an old migration does).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import Date, Integer, case, cast, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lims.models import (
    OPEN_END,
    Certificate,
    Instrument,
    OfficeDay,
    OfficeTurnaround,
    OverdueSpan,
    Record,
    ServiceRequest,
    ServiceRequestItem,
)

__all__ = ["overdue_spans", "record_approved", "certificate_issued", "refresh_overdue", "registered_due", "rebuild"]


def overdue_spans(certificates: Iterable[tuple[date, date | None]]) -> list[tuple[date, date]]:
    """The overdue spans of one instrument from its certificates' (issue date, valid until), revoked
    ones left out: the days D on which the latest ``valid_until`` among the certificates issued on
    or before D is before D. A certificate without ``valid_until`` neither starts nor ends a span.
    Each span is (first day, last day), the last :data:`OPEN_END` while no certificate follows.

    >>> overdue_spans([(date(2025, 1, 10), date(2025, 12, 15)), (date(2026, 3, 3), date(2027, 3, 3))])
    [(datetime.date(2025, 12, 16), datetime.date(2026, 3, 2)), (datetime.date(2027, 3, 4), datetime.date(9999, 12, 31))]
    """
    latest_of_day: dict[date, date] = {}
    for issued, until in certificates:
        if until is not None:
            latest_of_day[issued] = max(until, latest_of_day.get(issued, until))
    days = sorted(latest_of_day)
    spans: list[tuple[date, date]] = []
    in_force: date | None = None
    for k, issued in enumerate(days):
        until = latest_of_day[issued]
        in_force = until if in_force is None else max(in_force, until)
        start = max(issued, in_force + timedelta(days=1)) if in_force < date.max else date.max
        end = days[k + 1] - timedelta(days=1) if k + 1 < len(days) else OPEN_END
        if start <= end:
            spans.append((start, end))
    return spans


def _upsert(session: Session, model: type, keys: dict, counts: dict[str, int]) -> None:
    """Add ``counts`` to the row of ``keys`` (created at zero when missing), in one statement."""
    dialect = session.get_bind().dialect.name
    ins = (postgresql if dialect == "postgresql" else sqlite).insert(model).values(**keys, **counts)
    table = model.__table__  # type: ignore[attr-defined]
    session.execute(ins.on_conflict_do_update(index_elements=list(keys),
                                              set_={k: table.c[k] + ins.excluded[k] for k in counts}))


def record_approved(session: Session, record: Record) -> None:
    """Count an approved record in its day, instrument type and technician."""
    assert record.approved_at is not None
    verification = record.kind == "verification"
    _upsert(session, OfficeDay,
            {"day": record.approved_at.date(), "type_id": record.instrument.type_id,
             "technician_id": record.technician_id},
            {"approved": 1, "verifications": int(verification),
             "passed": int(verification and record.verdict == "pass")})


def certificate_issued(session: Session, cert: Certificate, record: Record) -> None:
    """A new certificate: its turnaround counted (a first certificate for a request), its
    instrument's overdue spans rewritten."""
    if cert.supersedes_id is None and record.request_item_id is not None:
        req = session.get(ServiceRequestItem, record.request_item_id)
        assert req is not None
        start = req.request.received_date or req.request.created_at.date()
        _upsert(session, OfficeTurnaround,
                {"day": cert.issue_date, "type_id": record.instrument.type_id,
                 "days": (cert.issue_date - start).days}, {"certificates": 1})
    refresh_overdue(session, cert.instrument_id)


def registered_due(created_at: datetime | date, next_due: date | None) -> list[tuple[date, date | None]]:
    """What an instrument without a dated certificate in this system is judged by: the due date it
    was registered with (from the business's earlier certificate), in force from the day it was
    registered (UTC) — so an instrument registered overdue counts as overdue from that day on, as the
    recall list and the business's dashboard say."""
    if next_due is None:
        return []
    day = created_at.date() if isinstance(created_at, datetime) else created_at
    return [(day, next_due)]


def refresh_overdue(session: Session, instrument_id: int) -> None:
    """Rewrite one instrument's overdue spans from its certificates (revoked ones left out), or from
    its registered due date when none of them is dated (:func:`registered_due`).

    Two transactions never interleave here: each holds the audit chain's lock from its first
    write (docs/reliability.md, "Lock order"), so the certificates read are all committed ones."""
    session.flush()
    rows = session.execute(select(Certificate.issue_date, Certificate.valid_until).where(
        Certificate.instrument_id == instrument_id, Certificate.status != "revoked")).all()
    session.execute(delete(OverdueSpan).where(OverdueSpan.instrument_id == instrument_id))
    dated: list[tuple[date, date | None]] = [(r[0], r[1]) for r in rows if r[1] is not None]
    if not dated:
        inst = session.get(Instrument, instrument_id)
        dated = registered_due(inst.created_at, inst.next_due) if inst is not None else []
    spans = overdue_spans(dated)
    if spans:
        session.execute(insert(OverdueSpan), [{"instrument_id": instrument_id, "start_day": s, "end_day": e}
                                              for s, e in spans])


def _day_of(session: Session, column):
    if session.get_bind().dialect.name == "postgresql":
        return cast(column, Date)
    return func.date(column)


def _days_between(session: Session, later, earlier):
    if session.get_bind().dialect.name == "postgresql":
        return later - earlier
    return cast(func.julianday(later) - func.julianday(earlier), Integer)


def rebuild(session: Session, batch: int = 20_000) -> None:
    """Recompute every summary from the raw rows (the services keep them afterwards)."""
    for model in (OfficeDay, OfficeTurnaround, OverdueSpan):
        session.execute(delete(model))
    day = _day_of(session, Record.approved_at)
    verification = Record.kind == "verification"
    session.execute(insert(OfficeDay).from_select(
        ["day", "type_id", "technician_id", "approved", "verifications", "passed"],
        select(day, Instrument.type_id, Record.technician_id, func.count(),
               func.sum(case((verification, 1), else_=0)),
               func.sum(case((verification & (Record.verdict == "pass"), 1), else_=0)))
        .join(Instrument, Instrument.id == Record.instrument_id)
        .where(Record.status == "approved", Record.approved_at.is_not(None))
        .group_by(day, Instrument.type_id, Record.technician_id)))
    start = func.coalesce(ServiceRequest.received_date, _day_of(session, ServiceRequest.created_at))
    days = _days_between(session, Certificate.issue_date, start)
    session.execute(insert(OfficeTurnaround).from_select(
        ["day", "type_id", "days", "certificates"],
        select(Certificate.issue_date, Instrument.type_id, days, func.count())
        .join(Record, Record.id == Certificate.record_id)
        .join(Instrument, Instrument.id == Record.instrument_id)
        .join(ServiceRequestItem, ServiceRequestItem.id == Record.request_item_id)
        .join(ServiceRequest, ServiceRequest.id == ServiceRequestItem.request_id)
        .where(Certificate.supersedes_id.is_(None))
        .group_by(Certificate.issue_date, Instrument.type_id, days)))
    q = (select(Certificate.instrument_id, Certificate.issue_date, Certificate.valid_until)
         .where(Certificate.status != "revoked", Certificate.valid_until.is_not(None))
         .order_by(Certificate.instrument_id))
    pending: list[dict] = []
    current: int | None = None
    certs: list[tuple[date, date | None]] = []

    def flush_instrument() -> None:
        if current is not None:
            pending.extend({"instrument_id": current, "start_day": s, "end_day": e} for s, e in overdue_spans(certs))

    for instrument_id, issued, until in session.execute(q).yield_per(batch):
        if instrument_id != current:
            flush_instrument()
            current, certs = instrument_id, []
            if len(pending) >= batch:
                session.execute(insert(OverdueSpan), pending)
                pending = []
        certs.append((issued, until))
    flush_instrument()
    # Instruments without a dated certificate: their registered due date.
    dated = select(Certificate.instrument_id).where(Certificate.status != "revoked",
                                                    Certificate.valid_until.is_not(None))
    registered = select(Instrument.id, Instrument.created_at, Instrument.next_due).where(
        Instrument.next_due.is_not(None), Instrument.id.not_in(dated))
    for instrument_id, created_at, next_due in session.execute(registered).yield_per(batch):
        pending.extend({"instrument_id": instrument_id, "start_day": s, "end_day": e}
                       for s, e in overdue_spans(registered_due(created_at, next_due)))
        if len(pending) >= batch:
            session.execute(insert(OverdueSpan), pending)
            pending = []
    if pending:
        session.execute(insert(OverdueSpan), pending)
    session.flush()
