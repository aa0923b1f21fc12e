"""Recall: which instruments are overdue or due for verification or calibration.

Each instrument's ``next_due`` is set when a record is approved (the type's verification
interval, or the calibration interval agreed with the customer; see
:func:`lims.services.workflow.transitions.next_due_after`). The recall list shows instruments in service
whose next due date falls before ``today + days`` — overdue first — for one business or the
whole province, and exports it as CSV or XLSX.

The queries use the ``instrument.next_due`` and ``(owner_id, next_due)`` indexes: the list
for one business reads only that business's due rows; the province-wide counts read only the
index range up to the horizon.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from lims.errors import ValidationError
from lims.i18n import _, use_language
from lims.models import Instrument, InstrumentStatus, InstrumentType, Organisation, OrgKind, Role
from lims.services.policy import Actor, is_staff, organisation_of, require
from lims.services.spreadsheet import csv_cell, xlsx_cell

MAX_DAYS = 3660
EXPORT_LIMIT = 500_000


@dataclass(frozen=True)
class DueRow:
    instrument_id: int
    owner_id: int
    owner: str
    tax_code: str | None
    type_code: str
    type_name_vi: str
    type_name_en: str
    manufacturer: str
    model: str
    serial_number: str
    location: str
    next_due: date
    days_left: int  # negative: overdue by that many days

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    def type_name(self, lang: str) -> str:
        return self.type_name_en if lang == "en" and self.type_name_en else self.type_name_vi


def _check(days: int | None, owner_id: int | None, viewer: Actor | None) -> tuple[int, int | None]:
    if days is None:
        days = 30
    if not 0 <= days <= MAX_DAYS:
        raise ValidationError(_("Must be between %(lo)s and %(hi)s.", lo=0, hi=MAX_DAYS), field="days")
    require(viewer, Role.technician, Role.reviewer, Role.inspector, Role.business)
    own = None if is_staff(viewer) else (organisation_of(viewer) or -1)
    if own is not None:  # a business sees only its own instruments
        owner_id = own
    return days, owner_id


def _where(q, *, horizon: date, owner_id: int | None, before: date | None = None):
    q = q.where(Instrument.status == InstrumentStatus.in_service.value, Instrument.next_due.is_not(None))
    q = q.where(Instrument.next_due < before) if before is not None else q.where(Instrument.next_due <= horizon)
    if owner_id is not None:
        q = q.where(Instrument.owner_id == owner_id)
    return q


def due_list(session: Session, viewer: Actor | None, *, days: int | None = 30, owner_id: int | None = None,
             overdue_only: bool = False, today: date | None = None, limit: int = 200, offset: int = 0
             ) -> list[DueRow]:
    """Instruments overdue or due within ``days``, most overdue first."""
    days, owner_id = _check(days, owner_id, viewer)
    today = today or date.today()
    horizon = today + timedelta(days=days)
    q = select(  # labelled as the fields of DueRow
        Instrument.id.label("instrument_id"), Instrument.owner_id, Organisation.name.label("owner"),
        Organisation.tax_code, InstrumentType.code.label("type_code"), InstrumentType.name_vi.label("type_name_vi"),
        InstrumentType.name_en.label("type_name_en"), Instrument.manufacturer, Instrument.model,
        Instrument.serial_number, Instrument.location, Instrument.next_due,
    ).join(Organisation, Organisation.id == Instrument.owner_id).join(
        InstrumentType, InstrumentType.id == Instrument.type_id)
    q = _where(q, horizon=horizon, owner_id=owner_id, before=today if overdue_only else None)
    q = q.order_by(Instrument.next_due, Instrument.id).limit(limit).offset(offset)
    return [DueRow(**row._asdict(), days_left=(row.next_due - today).days) for row in session.execute(q)]


def iter_due(session: Session, viewer: Actor | None, *, days: int | None = 30, owner_id: int | None = None,
             overdue_only: bool = False, today: date | None = None, batch: int = 5000) -> Iterator[DueRow]:
    """All rows of the list, fetched in batches (for exports)."""
    offset = 0
    while offset < EXPORT_LIMIT:
        rows = due_list(session, viewer, days=days, owner_id=owner_id, overdue_only=overdue_only, today=today,
                        limit=batch, offset=offset)
        yield from rows
        if len(rows) < batch:
            return
        offset += batch


def due_counts(session: Session, viewer: Actor | None, *, days: int | None = 30, owner_id: int | None = None,
               today: date | None = None) -> dict[str, int]:
    """``{"overdue": n, "due_soon": m}``: past their due date, and due within ``days``."""
    days, owner_id = _check(days, owner_id, viewer)
    today = today or date.today()
    horizon = today + timedelta(days=days)
    q = select(func.count(), func.coalesce(func.sum(case((Instrument.next_due < today, 1), else_=0)), 0))
    q = _where(q.select_from(Instrument), horizon=horizon, owner_id=owner_id)
    total, overdue = session.execute(q).one()
    return {"overdue": int(overdue), "due_soon": int(total) - int(overdue)}


def overdue_count(session: Session, viewer: Actor | None, *, owner_id: int | None = None,
                  today: date | None = None) -> int:
    """How many instruments in service are past their due date (the province, or one business)."""
    _days, owner_id = _check(0, owner_id, viewer)
    today = today or date.today()
    q = _where(select(func.count()).select_from(Instrument), horizon=today, owner_id=owner_id, before=today)
    return int(session.scalar(q) or 0)


def due_by_business(session: Session, viewer: Actor | None, *, days: int | None = 30, today: date | None = None,
                    limit: int = 50) -> list[tuple[int, str, int, int]]:
    """Per business: (owner id, name, overdue, due within ``days``), most overdue first."""
    days, owner_id = _check(days, None, viewer)
    today = today or date.today()
    horizon = today + timedelta(days=days)
    overdue = func.sum(case((Instrument.next_due < today, 1), else_=0))
    q = select(Instrument.owner_id, func.count(), overdue).select_from(Instrument)
    q = _where(q, horizon=horizon, owner_id=owner_id).group_by(Instrument.owner_id)
    q = q.order_by(overdue.desc(), func.count().desc()).limit(limit)
    rows = session.execute(q).all()
    names = dict(session.execute(select(Organisation.id, Organisation.name)
                                 .where(Organisation.id.in_([r[0] for r in rows]))).all())
    return [(r[0], names.get(r[0], ""), int(r[2] or 0), int(r[1]) - int(r[2] or 0)) for r in rows]


# ---------------------------------------------------------------- exports


def _headers() -> list[str]:
    return [_("Owner"), _("Tax code"), _("Instrument type"), _("Manufacturer"), _("Model"), _("Serial number"),
            _("Location"), _("Next due"), _("Days overdue (−) or left"), _("Status")]


def _cells(row: DueRow, lang: str, words: tuple[str, str] | None = None) -> list:
    overdue, due_soon = words or (_("overdue"), _("due soon"))
    return [row.owner, row.tax_code or "", row.type_name(lang), row.manufacturer, row.model, row.serial_number,
            row.location, row.next_due, row.days_left, overdue if row.overdue else due_soon]


def iter_due_own_session(session_factory, viewer: Actor | None, **args) -> Iterator[DueRow]:
    """:func:`iter_due` in a session of its own, closed at the end: for a response streamed after
    the request's own session has been closed."""
    session = session_factory()
    try:
        yield from iter_due(session, viewer, **args)
    finally:
        session.close()


def export_csv(rows, lang: str = "vi") -> Iterator[str]:
    """CSV text in chunks (UTF-8 with a byte-order mark, so spreadsheet programs read Vietnamese)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    buf.write("\ufeff")
    with use_language(lang):  # a streamed body is written after the request's language is gone
        writer.writerow(_headers())
        overdue, due_soon = _("overdue"), _("due soon")
    for n, row in enumerate(rows, start=1):
        cells = _cells(row, lang, (overdue, due_soon))
        cells[7] = row.next_due.isoformat()
        writer.writerow([csv_cell(c) for c in cells])
        if n % 1000 == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def export_xlsx(rows, lang: str = "vi", title: str = "") -> bytes:
    """An XLSX workbook with one sheet (dates as dates, days as numbers)."""
    from openpyxl import Workbook  # heavy, and needed only for this export: loaded on demand
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=(title or _("Recall"))[:31])
    ws.freeze_panes = "A2"
    header = []
    for text in _headers():
        cell = WriteOnlyCell(ws, value=text)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    for row in rows:
        cells = [xlsx_cell(ws, c) for c in _cells(row, lang)]
        date_cell = WriteOnlyCell(ws, value=row.next_due)
        date_cell.number_format = "DD/MM/YYYY" if lang == "vi" else "YYYY-MM-DD"
        cells[7] = date_cell
        ws.append(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def owner(session: Session, viewer: Actor | None, owner_id: int) -> Organisation | None:
    """The business a staff member narrowed the list to (None for a business user or an unknown id)."""
    if not is_staff(viewer):
        return None
    return session.get(Organisation, owner_id)


def businesses(session: Session, viewer: Actor | None) -> list[tuple[int, str]]:
    """(id, name) of every business, for the staff's filter."""
    if not is_staff(viewer):
        return []
    return [(i, n) for i, n in session.execute(select(Organisation.id, Organisation.name).where(
        Organisation.kind == OrgKind.business.value).order_by(Organisation.name)).all()]
