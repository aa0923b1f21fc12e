"""The office tables computed straight from the raw rows (records, certificates, requests), as the
dashboard did before its summaries: the reference the fast path is checked against
(tests/services/test_office_summary.py)."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Date, Integer, case, cast, func, select, union_all
from sqlalchemy.orm import Session

from lims.i18n import _
from lims.models import (
    Certificate,
    Instrument,
    InstrumentType,
    Record,
    ServiceRequest,
    ServiceRequestItem,
    User,
)
from lims.services.office import (
    Filters,
    Table,
    _round,
    _start,
    _typed,
    _week_of,
    month_ends,
    quantile,
    weeks_of,
)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _month_of(session: Session, column: Any) -> Any:
    if _dialect(session) == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _days_between(session: Session, later: Any, earlier: Any) -> Any:
    if _dialect(session) == "postgresql":
        return later - earlier
    return cast(func.julianday(later) - func.julianday(earlier), Integer)


def _day_of(session: Session, column: Any) -> Any:
    if _dialect(session) == "postgresql":
        return cast(column, Date)
    return func.date(column)


def _weekly(session: Session, f: Filters) -> Table:
    weeks = weeks_of(f)
    lo, hi = _start(max(weeks[0], f.date_from)), _start(f.date_to + timedelta(days=1))
    counts: dict[str, list[int]] = {w.isoformat(): [0, 0] for w in weeks}
    for i, column in enumerate((Record.created_at, Record.approved_at)):
        week = _week_of(session, column)
        q = select(week, func.count()).where(column >= lo, column < hi).group_by(week)
        for key, n in session.execute(_typed(q, f, Record.instrument_id)):
            if key in counts:
                counts[key][i] = int(n)
    return Table("weekly", _("Records opened and approved per week"),
                 [(_("Week starting"), ""), (_("Opened"), _("records")), (_("Approved"), _("records"))],
                 [(w, *counts[w.isoformat()]) for w in weeks])


def _turnaround(session: Session, f: Filters) -> Table:
    month = _month_of(session, Certificate.issue_date)
    start = func.coalesce(ServiceRequest.received_date, _day_of(session, ServiceRequest.created_at))
    days = _days_between(session, Certificate.issue_date, start)
    q = (select(month, days, func.count())
         .join(Record, Record.id == Certificate.record_id)
         .join(ServiceRequestItem, ServiceRequestItem.id == Record.request_item_id)
         .join(ServiceRequest, ServiceRequest.id == ServiceRequestItem.request_id)
         .where(Certificate.supersedes_id.is_(None), Certificate.issue_date >= f.date_from,
                Certificate.issue_date <= f.date_to)
         .group_by(month, days).order_by(month, days))
    hist: dict[str, list[tuple[int, int]]] = {}
    for key, d, n in session.execute(_typed(q, f, Certificate.instrument_id)):
        hist.setdefault(key, []).append((int(d), int(n)))
    rows = []
    for key, h in hist.items():
        median, p90 = quantile(h, 0.5), quantile(h, 0.9)
        rows.append((key, sum(n for _d, n in h), _round(median), _round(p90)))
    return Table("turnaround", _("Turnaround from request to certificate"),
                 [(_("Month"), ""), (_("Number issued"), _("certificates")), (_("Median"), _("days")),
                  (_("90th percentile"), _("days"))], rows)


def _pass_rate(session: Session, f: Filters, lang: str) -> Table:
    passed = func.sum(case((Record.verdict == "pass", 1), else_=0))
    q = (select(Instrument.type_id, func.count(), passed)
         .join(Instrument, Instrument.id == Record.instrument_id)
         .where(Record.status == "approved", Record.kind == "verification",
                Record.approved_at >= _start(f.date_from), Record.approved_at < _start(f.date_to + timedelta(days=1)))
         .group_by(Instrument.type_id))
    if f.type_id is not None:
        q = q.where(Instrument.type_id == f.type_id)
    counts = {tid: (int(total), int(ok or 0)) for tid, total, ok in session.execute(q)}
    types = session.scalars(select(InstrumentType).where(InstrumentType.id.in_(counts))).all()
    rows = []
    for t in sorted(types, key=lambda t: t.code):
        total, ok = counts[t.id]
        rows.append((t.name(lang), total, ok, round(100.0 * ok / total, 1)))
    return Table("pass_rate", _("Pass rate by instrument type"),
                 [(_("Instrument type"), ""), (_("Verifications"), _("records")), (_("Passed"), _("records")),
                  (_("Pass rate"), "%")], rows)


def _overdue(session: Session, f: Filters) -> Table:
    ends = month_ends(f)
    columns = [(_("Month end"), ""), (_("Overdue"), _("instruments"))]
    if not ends:
        return Table("overdue", _("Overdue instruments at each month end"), columns, [])
    # One pass over the certificates, grouped by instrument: for each month end D, the latest
    # valid_until among the instrument's certificates issued by D (NULL when none, or none dated).
    latest = [func.max(case((Certificate.issue_date <= d, Certificate.valid_until))).label(f"m{k}")
              for k, d in enumerate(ends)]
    per = (select(*latest).where(Certificate.status != "revoked", Certificate.issue_date <= ends[-1])
           .group_by(Certificate.instrument_id))
    per = _typed(per, f, Certificate.instrument_id)
    # An instrument without a dated certificate: the due date it was registered with, from the day
    # it was registered (UTC).
    dated = select(Certificate.instrument_id).where(Certificate.status != "revoked",
                                                    Certificate.valid_until.is_not(None))
    registered_on = (cast(Instrument.created_at, Date) if _dialect(session) == "postgresql"
                     else func.date(Instrument.created_at))
    registered = select(*[case((registered_on <= d, Instrument.next_due)).label(f"m{k}") for k, d in enumerate(ends)]
                        ).where(Instrument.next_due.is_not(None), Instrument.id.not_in(dated))
    per = union_all(per, _typed(registered, f, Instrument.id)).subquery("per")
    q = select(*[func.coalesce(func.sum(case((per.c[f"m{k}"] < d, 1), else_=0)), 0) for k, d in enumerate(ends)])
    counts = session.execute(q).one()
    return Table("overdue", _("Overdue instruments at each month end"), columns,
                 [(d, int(n)) for d, n in zip(ends, counts, strict=True)])


def _technicians(session: Session, f: Filters) -> Table:
    q = (select(Record.technician_id, func.count())
         .where(Record.status == "approved", Record.approved_at >= _start(f.date_from),
                Record.approved_at < _start(f.date_to + timedelta(days=1)))
         .group_by(Record.technician_id))
    counts = dict(session.execute(_typed(q, f, Record.instrument_id)).all())
    users = session.execute(select(User.id, User.full_name, User.username).where(User.id.in_(counts))).all()
    rows = sorted(((name or username, int(counts[uid])) for uid, name, username in users),
                  key=lambda r: (-r[1], r[0]))
    return Table("technicians", _("Records approved per technician"),
                 [(_("Technician"), ""), (_("Approved"), _("records"))], rows)


def direct_table(session: Session, key: str, f: Filters, lang: str = "en") -> Table:
    """One table of the dashboard computed from the raw rows."""
    if key == "weekly":
        return _weekly(session, f)
    if key == "turnaround":
        return _turnaround(session, f)
    if key == "pass_rate":
        return _pass_rate(session, f, lang)
    if key == "overdue":
        return _overdue(session, f)
    return _technicians(session, f)
