"""The full export (the same columns as the import templates, so an export imports into an empty
system) and the templates themselves, as CSV or XLSX.

Row 1 holds the column keys, row 2 their labels in the page's language; the import reads either
and skips the labels row. Numbers are written with a decimal point and never in a form the import
would refuse as ambiguous (``12.125`` is written ``12.1250``: :func:`file_number`); dates as
``yyyy-mm-dd``. Text cells a spreadsheet could take for a formula are escaped
(:mod:`lims.services.spreadsheet`), and read back as typed. Rows come in the order they were
entered, so export → import into an empty system → export gives the same file.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.errors import ValidationError
from lims.i18n import _
from lims.models import Certificate, Instrument, Organisation, OrgKind, ReferenceStandard, Role, StandardCalibration
from lims.services import policy
from lims.services.certificates.files import file_name_of
from lims.services.imports.run import KINDS, columns_of
from lims.services.imports.table import Column
from lims.services.policy import Actor
from lims.services.spreadsheet import csv_cell, xlsx_cell

__all__ = ["FORMATS", "export_all_zip", "export_file", "export_rows", "file_number", "template_file"]

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
_AMBIGUOUS = re.compile(r"-?[1-9]\d{0,2}\.\d{3}")


def file_number(value: float | None) -> str:
    """A stored number as the import reads it back exactly: the shortest text of the float, a
    whole number without ``.0``, and a zero added where three decimals after one to three digits
    could be taken for a thousands group."""
    if value is None:
        return ""
    text = repr(float(value))
    if text.endswith(".0"):
        text = text[:-2]
    return text + "0" if _AMBIGUOUS.fullmatch(text) else text


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def _owner(org: Organisation) -> str:
    return org.tax_code or org.name


def _customers(session: Session) -> Iterator[list[Any]]:
    for org in session.scalars(select(Organisation).where(Organisation.kind == OrgKind.business.value)
                               .order_by(Organisation.id)):
        yield [org.name, org.tax_code or "", org.address, org.phone, org.email]


def _instruments(session: Session) -> Iterator[list[Any]]:
    for inst in session.scalars(select(Instrument).order_by(Instrument.id)):
        yield [_owner(inst.owner), inst.type.code, inst.serial_number, inst.manufacturer, inst.model,
               file_number(inst.range_min), file_number(inst.range_max), inst.range_unit,
               file_number(inst.resolution), file_number(inst.scale_interval), inst.accuracy_class, inst.location,
               _day(inst.next_due)]


def _standards(session: Session) -> Iterator[list[Any]]:
    for std in session.scalars(select(ReferenceStandard).order_by(ReferenceStandard.id)):
        head = [std.code, std.name, std.quantity, file_number(std.range_min), file_number(std.range_max),
                std.range_unit, std.manufacturer, std.model, std.serial_number, std.accuracy_class]
        cals: Sequence[StandardCalibration] = sorted(std.calibrations, key=lambda c: c.id)
        if not cals:
            yield head + [""] * 7
        for cal in cals:
            yield head + [cal.certificate_number, cal.lab.name, _day(cal.calibration_date), _day(cal.due_date),
                          file_number(cal.expanded_uncertainty), cal.uncertainty_unit,
                          file_number(cal.coverage_factor)]


def _certificates(session: Session) -> Iterator[list[Any]]:
    for cert in session.scalars(select(Certificate).order_by(Certificate.id)):
        summary = (cert.document or {}).get("summary") or {}
        inst = cert.instrument
        yield [cert.number, cert.kind, _owner(inst.owner), inst.serial_number, _day(cert.issue_date),
               _day(cert.valid_until), summary.get("verdict") or "", cert.stamp_number or "",
               f"{file_name_of(cert.number)}.pdf" if cert.pdf_path else ""]


_ROWS = {"customers": _customers, "instruments": _instruments, "standards": _standards,
         "certificates": _certificates}


def export_rows(session: Session, actor: Actor | None, kind: str) -> Iterator[list[Any]]:
    """Every row of ``kind`` as the import template lays it out (admin only)."""
    policy.require(actor, Role.admin)
    columns_of(kind)  # an unknown kind is refused
    return _ROWS[kind](session)


def _write(columns: Sequence[Column], rows: Iterable[list[Any]], fmt: str) -> bytes:
    head = [[c.key for c in columns], [_(c.label) + (" *" if c.required else "") for c in columns]]
    if fmt == "csv":
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\r\n")
        for row in (*head, *rows):
            writer.writerow([csv_cell(v) for v in row])
        return out.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook  # loaded only for a workbook (a large module)

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in (*head, *rows):
        sheet.append([xlsx_cell(sheet, v) for v in row])
    out_b = io.BytesIO()
    book.save(out_b)
    return out_b.getvalue()


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValidationError(_("Must be one of: %(choices)s.", choices=", ".join(FORMATS)), field="format")
    return fmt


def export_file(session: Session, actor: Actor | None, kind: str, fmt: str) -> bytes:
    """The export of ``kind`` as a CSV (UTF-8 with BOM, as Excel opens it) or XLSX file."""
    rows = list(export_rows(session, actor, kind))
    return _write(columns_of(kind), rows, _format(fmt))


def template_file(kind: str, fmt: str) -> bytes:
    """The empty template of ``kind``: keys, labels (the current language) and one example row."""
    columns = columns_of(kind)
    return _write(columns, [[c.example for c in columns]], _format(fmt))


def export_all_zip(session: Session, actor: Actor | None, fmt: str, pdf_of: Any = None) -> bytes:
    """Every kind in one ZIP (``<kind>.<fmt>``), with the certificates' PDFs (``pdf_of(cert)`` →
    bytes or None) beside them, as the certificates import takes them."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for kind in KINDS:
            archive.writestr(f"{kind}.{fmt}", export_file(session, actor, kind, fmt))
        if pdf_of is not None:
            for cert in session.scalars(select(Certificate).where(Certificate.pdf_path.is_not(None))
                                        .order_by(Certificate.id)):
                data = pdf_of(cert)
                if data:
                    archive.writestr(f"{file_name_of(cert.number)}.pdf", data)
    return out.getvalue()
