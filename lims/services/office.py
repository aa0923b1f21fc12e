"""The office dashboard: the lab's work in figures, read from summaries kept by the services.

Five tables, each for a period (``date_from`` … ``date_to``, both included) and optionally one
instrument type; all days and weeks are UTC days (timestamps are stored in UTC):

* **weekly** — records opened (``created_at``) and approved (``approved_at``) per week (weeks start
  on Monday), the last 12 weeks of the period.
* **turnaround** — days from a request (its received date, else the day it was filed) to the
  first certificate issued for it (``issue_date``; amendments, which supersede, are not counted),
  per month of issue: count, median and 90th percentile (linear interpolation between ranks, as
  PostgreSQL's ``percentile_cont``), read from the (day, days, count) histogram of the summary.
* **pass_rate** — approved verification records per instrument type: passed (verdict ``pass``) /
  total, in %.
* **overdue** — instruments overdue at each month end of the period (the last 12): at day D an
  instrument counts when it has had a certificate by D and none is in force at D — the latest
  ``valid_until`` among its certificates issued on or before D (revoked ones left out) is before
  D. A certificate without ``valid_until`` (a calibration) neither counts nor ends one in force.
  The instruments' overdue spans that reach the period answer every month end.
* **technicians** — approved records per technician in the period.

The figures come from the summaries of lims/models/office.py (approved records per day, type and
technician; first certificates per issue day, type and turnaround; each instrument's overdue
spans), kept by the services that approve records and issue, amend or revoke certificates, and
from the records' ``created_at`` (an index range) for the records opened.

Seen by the office: reviewers and admins (:func:`lims.services.policy.can_see_office`).
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from lims.errors import PermissionDenied, ValidationError
from lims.i18n import _
from lims.models import OPEN_END, Instrument, InstrumentType, OfficeDay, OfficeTurnaround, OverdueSpan, Record, User
from lims.services.policy import Actor, can_see_office
from lims.services.spreadsheet import csv_cell, xlsx_cell

__all__ = ["Filters", "Table", "TABLES", "MAX_DAYS", "parse_filters", "dashboard", "table", "quantile",
           "export_csv", "export_xlsx"]

MAX_DAYS = 3660
WEEKS = 12
MONTH_ENDS = 12
TABLES = ("weekly", "turnaround", "pass_rate", "overdue", "technicians")


@dataclass(frozen=True)
class Filters:
    date_from: date
    date_to: date
    type_id: int | None = None


@dataclass
class Table:
    """One table of the dashboard: column headers with their units, rows of plain values."""

    key: str
    title: str
    columns: list[tuple[str, str]]  # (header, unit) — unit "" when none
    rows: list[tuple[Any, ...]] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"key": self.key, "title": self.title,
                "columns": [{"name": n, "unit": u} for n, u in self.columns],
                "rows": [[v.isoformat() if isinstance(v, date) else v for v in row] for row in self.rows]}


def _month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def default_filters(today: date | None = None) -> Filters:
    """The last 12 months: from the first day of the month 11 months back to today."""
    today = today or date.today()
    return Filters(_month_start(today, 11), today)


def _parse_date(text: str | None, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(_("Give a date as YYYY-MM-DD."), field=name) from None


def parse_filters(session: Session, args: dict[str, Any], today: date | None = None) -> Filters:
    """Filters from query parameters ``from``, ``to`` (YYYY-MM-DD) and ``type_id``; bad ones refused."""
    default = default_filters(today)
    date_from = _parse_date(args.get("from"), "from") or default.date_from
    date_to = _parse_date(args.get("to"), "to") or default.date_to
    if date_from > date_to:
        raise ValidationError(_("The start of the period must not be after its end."), field="from")
    if (date_to - date_from).days > MAX_DAYS:
        raise ValidationError(_("The period may span at most %(days)s days.", days=MAX_DAYS), field="from")
    type_id: int | None = None
    raw = args.get("type_id")
    if raw not in (None, ""):
        try:
            type_id = int(raw)
        except (TypeError, ValueError):
            raise ValidationError(_("Must be a whole number."), field="type_id") from None
        if not 0 < type_id < 2**31 or session.get(InstrumentType, type_id) is None:
            raise ValidationError(_("No such instrument type."), field="type_id")
    return Filters(date_from, date_to, type_id)


# ---------------------------------------------------------------- SQL by dialect


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _week_of(session: Session, column: Any) -> Any:
    """The Monday of ``column``'s week, as text YYYY-MM-DD."""
    if _dialect(session) == "postgresql":
        return func.to_char(func.date_trunc("week", column), "YYYY-MM-DD")
    return func.date(column, "weekday 0", "-6 days")


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _typed(q: Any, f: Filters, instrument_id: Any) -> Any:
    if f.type_id is None:
        return q
    return q.where(instrument_id.in_(select(Instrument.id).where(Instrument.type_id == f.type_id)))


# ---------------------------------------------------------------- the five tables


def weeks_of(f: Filters) -> list[date]:
    """The Mondays of the period's last 12 weeks (the first may start before ``date_from``)."""
    last = f.date_to - timedelta(days=f.date_to.weekday())
    first = max(f.date_from - timedelta(days=f.date_from.weekday()), last - timedelta(weeks=WEEKS - 1))
    return [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]


def _weekly(session: Session, f: Filters) -> Table:
    weeks = weeks_of(f)
    first = max(weeks[0], f.date_from)
    counts: dict[date, list[int]] = {w: [0, 0] for w in weeks}
    # Opened: the records' created_at in the weeks (an index range of ix_record_created_instrument).
    week = _week_of(session, Record.created_at)
    q = (select(week, func.count()).where(Record.created_at >= _start(first),
                                           Record.created_at < _start(f.date_to + timedelta(days=1)))
         .group_by(week))
    for key, n in session.execute(_typed(q, f, Record.instrument_id)):
        monday = date.fromisoformat(key)
        if monday in counts:
            counts[monday][0] = int(n)
    # Approved: the days of office_day in the weeks.
    q = select(OfficeDay.day, func.sum(OfficeDay.approved)).where(OfficeDay.day >= first, OfficeDay.day <= f.date_to)
    if f.type_id is not None:
        q = q.where(OfficeDay.type_id == f.type_id)
    for day, n in session.execute(q.group_by(OfficeDay.day)):
        counts[day - timedelta(days=day.weekday())][1] += int(n)
    return Table("weekly", _("Records opened and approved per week"),
                 [(_("Week starting"), ""), (_("Opened"), _("records")), (_("Approved"), _("records"))],
                 [(w, *counts[w]) for w in weeks])


def quantile(histogram: list[tuple[int, int]], q: float) -> float | None:
    """The ``q`` quantile of values given as sorted (value, count) pairs, interpolated linearly
    between ranks (``percentile_cont``): the median of 1, 2, 3, 4 is 2.5."""
    n = sum(c for _v, c in histogram)
    if n == 0:
        return None
    position = q * (n - 1)
    below, above = math.floor(position), math.ceil(position)
    low = high = None
    seen = 0
    for value, count in histogram:
        if low is None and below < seen + count:
            low = value
        if above < seen + count:
            high = value
            break
        seen += count
    assert low is not None and high is not None
    return low + (high - low) * (position - below)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _turnaround(session: Session, f: Filters) -> Table:
    q = (select(OfficeTurnaround.day, OfficeTurnaround.days, func.sum(OfficeTurnaround.certificates))
         .where(OfficeTurnaround.day >= f.date_from, OfficeTurnaround.day <= f.date_to)
         .group_by(OfficeTurnaround.day, OfficeTurnaround.days))
    if f.type_id is not None:
        q = q.where(OfficeTurnaround.type_id == f.type_id)
    per_month: dict[str, dict[int, int]] = {}
    for day, d, n in session.execute(q):
        month = per_month.setdefault(f"{day.year:04d}-{day.month:02d}", {})
        month[int(d)] = month.get(int(d), 0) + int(n)
    rows = []
    for key in sorted(per_month):
        h = sorted(per_month[key].items())
        median, p90 = quantile(h, 0.5), quantile(h, 0.9)
        rows.append((key, sum(n for _d, n in h), _round(median), _round(p90)))
    return Table("turnaround", _("Turnaround from request to certificate"),
                 [(_("Month"), ""), (_("Number issued"), _("certificates")), (_("Median"), _("days")),
                  (_("90th percentile"), _("days"))], rows)


def _pass_rate(session: Session, f: Filters, lang: str) -> Table:
    q = (select(OfficeDay.type_id, func.sum(OfficeDay.verifications), func.sum(OfficeDay.passed))
         .where(OfficeDay.day >= f.date_from, OfficeDay.day <= f.date_to, OfficeDay.verifications > 0)
         .group_by(OfficeDay.type_id))
    if f.type_id is not None:
        q = q.where(OfficeDay.type_id == f.type_id)
    counts = {tid: (int(total), int(ok or 0)) for tid, total, ok in session.execute(q)}
    types = session.scalars(select(InstrumentType).where(InstrumentType.id.in_(counts))).all()
    rows = []
    for t in sorted(types, key=lambda t: t.code):
        total, ok = counts[t.id]
        rows.append((t.name(lang), total, ok, round(100.0 * ok / total, 1)))
    return Table("pass_rate", _("Pass rate by instrument type"),
                 [(_("Instrument type"), ""), (_("Verifications"), _("records")), (_("Passed"), _("records")),
                  (_("Pass rate"), "%")], rows)


def month_ends(f: Filters) -> list[date]:
    """The last days of the months that end within the period (the last 12 of them)."""
    ends = []
    for back in range(-1, MONTH_ENDS + 1):
        end = _month_start(f.date_to, back - 1) - timedelta(days=1)
        if f.date_from <= end <= f.date_to:
            ends.append(end)
    return sorted(ends)[-MONTH_ENDS:]


def _overdue(session: Session, f: Filters) -> Table:
    ends = month_ends(f)
    columns = [(_("Month end"), ""), (_("Overdue"), _("instruments"))]
    if not ends:
        return Table("overdue", _("Overdue instruments at each month end"), columns, [])
    # The overdue spans that reach the first month end and start by the last, each counted at the
    # month ends it covers: the open ones (end_day OPEN_END) and the closed ones, each an index range
    # of ix_overdue_span_end_start.
    covers = [func.coalesce(func.sum(case(((OverdueSpan.start_day <= d) & (OverdueSpan.end_day >= d), 1),
                                          else_=0)), 0) for d in ends]
    counts = [0] * len(ends)
    for where in (OverdueSpan.end_day == OPEN_END,
                  (OverdueSpan.end_day >= ends[0]) & (OverdueSpan.end_day < OPEN_END)):
        q = select(*covers).where(where, OverdueSpan.start_day <= ends[-1])
        part = session.execute(_typed(q, f, OverdueSpan.instrument_id)).one()
        counts = [a + int(b) for a, b in zip(counts, part, strict=True)]
    return Table("overdue", _("Overdue instruments at each month end"), columns,
                 [(d, int(n)) for d, n in zip(ends, counts, strict=True)])


def _technicians(session: Session, f: Filters) -> Table:
    q = (select(OfficeDay.technician_id, func.sum(OfficeDay.approved))
         .where(OfficeDay.day >= f.date_from, OfficeDay.day <= f.date_to)
         .group_by(OfficeDay.technician_id))
    if f.type_id is not None:
        q = q.where(OfficeDay.type_id == f.type_id)
    counts = dict(session.execute(q).all())
    users = session.execute(select(User.id, User.full_name, User.username).where(User.id.in_(counts))).all()
    rows = sorted(((name or username, int(counts[uid])) for uid, name, username in users),
                  key=lambda r: (-r[1], r[0]))
    return Table("technicians", _("Records approved per technician"),
                 [(_("Technician"), ""), (_("Approved"), _("records"))], rows)


def table(session: Session, actor: Actor | None, key: str, f: Filters, lang: str = "vi") -> Table:
    """One table of the dashboard (``key`` one of :data:`TABLES`)."""
    if not can_see_office(actor):
        raise PermissionDenied(_("This needs the role: %(roles)s.", roles="reviewer"))
    if key == "weekly":
        return _weekly(session, f)
    if key == "turnaround":
        return _turnaround(session, f)
    if key == "pass_rate":
        return _pass_rate(session, f, lang)
    if key == "overdue":
        return _overdue(session, f)
    if key == "technicians":
        return _technicians(session, f)
    raise ValidationError(_("Must be one of: %(choices)s.", choices=", ".join(TABLES)), field="table")


def dashboard(session: Session, actor: Actor | None, f: Filters, lang: str = "vi") -> dict[str, Table]:
    """Every table of the dashboard, by key."""
    return {key: table(session, actor, key, f, lang) for key in TABLES}


# ---------------------------------------------------------------- exports


def _header(name: str, unit: str) -> str:
    return f"{name} ({unit})" if unit else name


def export_csv(t: Table) -> str:
    """The table as CSV text (UTF-8 with a byte-order mark; formula-like text escaped)."""
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf)
    writer.writerow([csv_cell(_header(n, u)) for n, u in t.columns])
    for row in t.rows:
        writer.writerow([csv_cell(v.isoformat() if isinstance(v, date) else v) for v in row])
    return buf.getvalue()


def export_xlsx(t: Table, lang: str = "vi") -> bytes:
    """The table as an XLSX workbook of one sheet (dates as dates, numbers as numbers)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=t.key[:31])
    header = []
    for n, u in t.columns:
        cell = WriteOnlyCell(ws, value=_header(n, u))
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    for row in t.rows:
        cells = []
        for v in row:
            if isinstance(v, date):
                c = WriteOnlyCell(ws, value=datetime.combine(v, time.min))
                c.number_format = "DD/MM/YYYY" if lang == "vi" else "YYYY-MM-DD"
                cells.append(c)
            else:
                cells.append(xlsx_cell(ws, v))
        ws.append(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

