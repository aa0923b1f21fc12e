"""The certificate's body as flowables, and what its tables print where.

:func:`story` is the body :func:`certificates.pdf.render_pdf` lays out on A4. :func:`tables`
and :func:`table_cells` read the tables of a story back: each cell's text, font, size and the
room its column leaves after padding, so a test can measure with reportlab's own metrics
that nothing runs over its column (a plain string must fit on its line; a paragraph wraps at
spaces, so each of its words must fit).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html import unescape
from typing import Any

from reportlab.platypus import Flowable, KeepTogether, Paragraph, Table

from certificates.fonts import register_fonts
from certificates.model import CertificateDocument
from certificates.pdf.results import results
from certificates.pdf.sections import closing, conformity, identification, make_styles, standards, title_block

__all__ = ["CellText", "story", "table_cells", "tables"]


def story(doc: CertificateDocument, lang: str, verify_url: str, width: float) -> list[Flowable]:
    """Title and number, identification, standards, results, conformity, closing (ISO/IEC 17025 7.8.2.1)."""
    regular, bold = register_fonts()
    st = make_styles(regular, bold)
    out: list[Flowable] = [title_block(doc, lang, st, verify_url, width)]
    out += identification(doc, lang, st, width)
    out += standards(doc, lang, st, width)
    out += results(doc, lang, st, width)
    out += conformity(doc, lang, st, width)
    out += closing(doc, lang, st, width)
    return out


def tables(flowables: Iterable[Any]) -> Iterator[Table]:
    """Every table of ``flowables``, those kept together included."""
    for f in flowables:
        if isinstance(f, Table):
            yield f
        elif isinstance(f, KeepTogether):
            yield from tables(f._content)  # type: ignore[attr-defined]  # reportlab keeps its list there


@dataclass(frozen=True)
class CellText:
    """One text of a table cell: where, in which font, and the room its column leaves."""

    row: int
    column: int
    text: str
    font: str
    size: float
    room: float
    wraps: bool


def _texts(value: Any) -> Iterator[tuple[str, str | None, float | None, bool]]:
    if isinstance(value, str):
        yield value, None, None, False
    elif isinstance(value, Paragraph):
        yield unescape(value.text), value.style.fontName, value.style.fontSize, True
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _texts(item)


def table_cells(table: Table) -> list[CellText]:
    """The texts of ``table``'s cells with their fonts and the width their column leaves."""
    widths = table._colWidths  # type: ignore[attr-defined]  # set from colWidths at construction
    out = []
    for r, row in enumerate(table._cellvalues):  # type: ignore[attr-defined]
        for c, value in enumerate(row):
            cell = table._cellStyles[r][c]  # type: ignore[attr-defined]
            room = float(widths[c]) - cell.leftPadding - cell.rightPadding
            for text, font, size, wraps in _texts(value):
                out.append(CellText(r, c, text, font or cell.fontname, size or cell.fontsize, room, wraps))
    return out
