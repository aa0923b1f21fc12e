"""Cells of CSV and XLSX exports that a spreadsheet program cannot take for a formula.

OWASP's CSV-injection guidance: a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return can be read as a formula (``=HYPERLINK(...)`` in an instrument's model). In CSV
such a text is written with a single quote in front; in XLSX it is written as a text cell with
the quote-prefix style, so the text is shown as typed and never evaluated. Numbers (a negative
number of days) stay numbers: only text is escaped.
"""
from __future__ import annotations

from typing import Any

__all__ = ["FORMULA_STARTS", "is_formula_like", "csv_cell", "xlsx_cell"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value: Any) -> Any:
    """``value`` for a CSV row: a formula-like text with a single quote in front."""
    return "'" + value if is_formula_like(value) else value


def xlsx_cell(ws: Any, value: Any) -> Any:
    """``value`` for an openpyxl write-only row: a formula-like text as a quote-prefixed text cell."""
    if not is_formula_like(value):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"  # openpyxl takes a text starting with "=" for a formula
    cell.quotePrefix = True
    return cell
