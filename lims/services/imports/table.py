"""Reading an import file: CSV (UTF-8, with or without the BOM Excel writes, comma or semicolon
separated) or XLSX (the first sheet), a ZIP holding one of them and PDFs; the cells of one row.

The first row names the columns by their keys (``tax_code``) or by their labels in Vietnamese or
English ("Mã số thuế", "Tax code"); a template has the keys in row 1 and the labels in row 2,
which is then skipped. Rows are numbered as the spreadsheet program numbers them, so an error
"row 7" is the seventh line the user sees. Empty rows are skipped.

Numbers may be written with a decimal comma or a decimal point, never with a thousands
separator: ``1,5`` and ``1.5`` are one and a half; ``1,000`` or ``12.500`` could be a thousand
or one (twelve and a half or twelve thousand five hundred) and is refused rather than guessed
(:func:`number_text`). Dates are ``dd/mm/yyyy`` or ``yyyy-mm-dd`` (:func:`day_text`).
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from lims.errors import ValidationError
from lims.i18n import _, translator

__all__ = ["Column", "RowError", "Table", "TableFile", "day_text", "number_text", "read_table", "split_upload"]

#: The most rows one file may hold (a lab's history fits; a mistaken file is refused at once).
MAX_ROWS = 20_000
MAX_ZIP_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    """One column of an import template: its key (stable, the API's and the file's), its label
    (a message, shown in the page's language), whether every row must fill it, and how it is read."""

    key: str
    label: str
    required: bool = False
    kind: str = "text"  # text, number, integer, date
    example: str = ""


@dataclass(frozen=True)
class RowError:
    """What is wrong with one cell (``column`` None: the whole row or the file)."""

    row: int
    column: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Table:
    """The rows of a file, each as ``(row number, {column key: cell value})``."""

    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class TableFile:
    """An upload split into the table file and the PDFs beside it (by file name)."""

    name: str
    data: bytes
    pdfs: dict[str, bytes]


def split_upload(name: str, data: bytes, pdfs: dict[str, bytes] | None = None) -> TableFile:
    """The table and the PDFs of an upload: a CSV/XLSX file (PDFs given beside it), or a ZIP
    holding one CSV/XLSX and PDFs named by certificate number."""
    pdfs = dict(pdfs or {})
    if not name.lower().endswith(".zip"):
        return TableFile(name, data, pdfs)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
        if sum(m.file_size for m in members) > MAX_ZIP_BYTES:
            raise ValueError("too large")
        tables = [m for m in members if m.filename.lower().endswith((".csv", ".xlsx"))]
        if len(tables) != 1:
            raise ValueError("one table")
        for m in members:
            base = m.filename.rsplit("/", 1)[-1]
            if base.lower().endswith(".pdf"):
                pdfs[base] = archive.read(m)
        return TableFile(tables[0].filename.rsplit("/", 1)[-1], archive.read(tables[0]), pdfs)
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _file_error(_("A ZIP file must hold one CSV or XLSX file and the PDFs, at most 200 MB.")) from None


def _file_error(message: str) -> Exception:
    return ValidationError(message, field="file")


def _csv_rows(data: bytes) -> list[list[Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _file_error(_("The CSV file is not in UTF-8: save it as \"CSV UTF-8\".")) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _xlsx_rows(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise _file_error(_("The file is not an XLSX workbook.")) from None
    try:
        sheet = book.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _cell(value: Any) -> Any:
    """A cell as read: text stripped (a leading quote that kept a formula-like text as text dropped)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        value = value.strip()
        return value[1:] if value.startswith("'") and value[1:2] in ("=", "+", "-", "@") else value
    return value


def _header_key(text: Any, columns: Sequence[Column]) -> str | None:
    wanted = str(text or "").strip().rstrip("*").strip().casefold()
    for col in columns:
        names = {col.key.casefold(), translator("vi")(col.label).casefold(), col.label.casefold()}
        if wanted in names:
            return col.key
    return None


def read_table(name: str, data: bytes, columns: Sequence[Column]) -> Table:
    """The rows of a CSV or XLSX file whose first row names its columns (keys or labels)."""
    lower = name.lower()
    if lower.endswith(".xlsx"):
        raw = _xlsx_rows(data)
    elif lower.endswith((".csv", ".txt")):
        raw = _csv_rows(data)
    else:
        raise _file_error(_("Upload a CSV or XLSX file (or a ZIP holding one and the PDFs)."))
    table = Table()
    lines = [(n, [_cell(v) for v in row]) for n, row in enumerate(raw, start=1)]
    lines = [(n, row) for n, row in lines if any(v not in (None, "") for v in row)]
    if not lines:
        raise _file_error(_("The file holds no rows."))
    header_no, header = lines[0]
    keys: list[str | None] = []
    for text in header:
        key = _header_key(text, columns)
        if key is None and text not in (None, ""):
            table.errors.append(RowError(header_no, str(text), _("Unknown column: it is not one of the template's.")))
        keys.append(key)
    for col in columns:
        if col.required and col.key not in keys:
            table.errors.append(RowError(header_no, col.key, _("This column is missing.")))
    body = lines[1:]
    if body and all(_header_key(v, columns) == k for v, k in zip(body[0][1], keys, strict=False) if k):
        body = body[1:]  # the labels row under the keys row of a template
    if len(body) > MAX_ROWS:
        raise _file_error(_("A file may hold at most %(count)s rows.", count=MAX_ROWS))
    for n, row in body:
        values = {k: v for k, v in zip(keys, row, strict=False) if k is not None}
        table.rows.append((n, values))
    return table


# ---------------------------------------------------------------- cells


_AMBIGUOUS = re.compile(r"[+-]?[1-9]\d{0,2}[.,]\d{3}")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def number_text(value: Any) -> str | None:
    """A number cell as the text :func:`lims.services.inputs.parse` reads (decimal point); None
    for an empty cell. Raises ``ValueError`` with a message for text that is no number or could
    be read two ways."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(_("%(value)s is not a number.", value=repr(value)))
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value).strip()
    if not _NUMBER.fullmatch(text):
        raise ValueError(_("%(value)s is not a number (write it with one decimal comma or point, "
                           "without a thousands separator).", value=repr(str(value))))
    if _AMBIGUOUS.fullmatch(text):
        raise ValueError(_("%(value)s can be read two ways (a thousands separator or a decimal mark): "
                           "write it without a thousands separator, or with more decimals (e.g. %(example)s).",
                           value=repr(text), example=text + "0"))
    return text.replace(",", ".")


_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def day_text(value: Any) -> str | None:
    """A date cell as ISO text (``yyyy-mm-dd``); None for an empty cell. Raises ``ValueError``."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    try:
        m = _DMY.fullmatch(text)
        if m:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1))).isoformat()
        return date.fromisoformat(text).isoformat() if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else _bad_day(text)
    except ValueError:
        return _bad_day(text)


def _bad_day(text: str) -> str:
    raise ValueError(_("%(value)s is not a date (dd/mm/yyyy or yyyy-mm-dd).", value=repr(text)))


def text_cell(value: Any) -> str:
    """A text cell (a number read from XLSX as its plain digits: 123.0 → "123")."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def cells(values: dict[str, Any], columns: Iterable[Column]) -> tuple[dict[str, Any], dict[str, str]]:
    """The row's cells read by their columns' kinds: values for the service and errors by column."""
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for col in columns:
        raw = values.get(col.key)
        try:
            if col.kind in ("number", "integer"):
                got: Any = number_text(raw)
            elif col.kind == "date":
                got = day_text(raw)
            else:
                got = text_cell(raw)
        except ValueError as exc:
            errors[col.key] = str(exc)
            continue
        if col.required and got in (None, ""):
            errors[col.key] = _("This field is required.")
            continue
        out[col.key] = got
    return out, errors
