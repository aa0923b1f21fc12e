"""The results tables of the certificate (ISO/IEC 17025:2017 7.8.2.1 m, 7.8.4.1 a, d).

One table per :class:`~certificates.model.ResultSection`. Columns, left to right: the point
(with its label), the **nominal** value — only when some row's nominal differs from its
measured reference —, the **reference value** (the measured reference, the conventional true
value; the nominal when the document has none), the indication, the error (signed), the
expanded uncertainty U, k (only when it varies between rows), ±MPE and the verdict. Units go
into the header when a column shares one.

The PDF prints what the document holds, digit for digit: the document builder rounded the
numbers once (EA-4/02 M §5, JCGM 100 7.2.6), so the printed indication minus the printed
reference is the printed error. Column widths follow their content: every column gets at
least the width of its widest number (numbers never wrap), headers and labels wrap.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer, Table, TableStyle

from certificates.chart import error_chart
from certificates.formatting import format_measure, format_number, format_probability
from certificates.labels import label, stage_label, verdict_label
from certificates.model import CertificateDocument, Measure, ResultRow, ResultSection
from certificates.pdf.sections import Styles, para, ruled_table, text
from certificates.units import display_unit
from certificates.values import distribution_of

__all__ = ["Column", "columns", "results", "results_table"]

@dataclass(frozen=True)
class Column:
    """One column of a results table: header key, how to read a cell, sign shown or ±."""

    key: str
    get: Callable[[ResultRow], Any]
    signed: bool = False
    plus_minus: bool = False


def reference_of(row: ResultRow) -> Measure:
    """The measured reference value of a row; its nominal when the document has none."""
    return row.reference if row.reference is not None else row.nominal


def nominal_differs(row: ResultRow) -> bool:
    """Whether a row's nominal and measured reference differ (then both are printed)."""
    ref = row.reference
    return ref is not None and (ref.unit != row.nominal.unit or ref.value != row.nominal.value)


def columns(section: ResultSection) -> list[Column]:
    """The columns a section's rows fill (see the module docstring)."""
    rows = section.rows
    cols = []
    if any(nominal_differs(r) for r in rows):
        cols.append(Column("col.nominal", lambda r: r.nominal))
    cols.append(Column("col.reference", reference_of))
    if any(r.indication for r in rows):
        cols.append(Column("col.indication", lambda r: r.indication))
    if any(r.error for r in rows):
        cols.append(Column("col.error", lambda r: r.error, signed=True))
    if any(r.uncertainty for r in rows):
        cols.append(Column("col.uncertainty", lambda r: r.uncertainty.expanded if r.uncertainty else None))
    if len({(r.uncertainty.k if r.uncertainty else None) for r in rows}) > 1:
        cols.append(Column("col.k", lambda r: r.uncertainty.k if r.uncertainty else None))
    if any(r.mpe for r in rows):
        cols.append(Column("col.mpe", lambda r: r.mpe, plus_minus=True))
    return cols


def _cell(value: Any, col: Column, unit_in_head: bool, lang: str) -> str:
    if value is None:
        return "–"
    if not isinstance(value, Measure):  # coverage factor k
        return format_number(value, lang)
    if unit_in_head:
        out = format_number(value.value, lang, signed=col.signed)
    else:
        out = format_measure(value.value, value.unit, lang, signed=col.signed)
    return f"±{out}" if col.plus_minus else out


def _table_text(section: ResultSection, lang: str) -> tuple[list[str], list[list[str]], bool]:
    """Header texts, body texts (first column the point) and whether the rows carry labels."""
    cols = columns(section)
    has_label = any(r.label for r in section.rows)
    has_verdict = any(r.verdict for r in section.rows)
    header = [label("col.point", lang)]
    shared_units = []
    for col in cols:
        units = {v.unit for r in section.rows if isinstance(v := col.get(r), Measure)}
        shared = len(units) == 1 and col.key != "col.k"
        shared_units.append(shared)
        unit = display_unit(next(iter(units))) if shared else ""
        header.append(label(col.key, lang) + (f" ({unit})" if unit else ""))
    if has_verdict:
        header.append(label("col.verdict", lang))
    body = []
    for i, row in enumerate(section.rows, start=1):
        line = [f"{i}" + (f". {text(row.label, lang)}" if has_label and row.label else "")]
        line += [_cell(col.get(row), col, shared, lang) for col, shared in zip(cols, shared_units, strict=True)]
        if has_verdict:
            line.append(verdict_label(row.verdict, lang) if row.verdict else "–")
        body.append(line)
    return header, body, has_label


def results_table(section: ResultSection, lang: str, st: Styles, width: float) -> Table:
    """One results table (7.8.2.1 m, 7.8.4.1 a): units in the header when a column shares one."""
    header, body, has_label = _table_text(section, lang)
    has_verdict = any(r.verdict for r in section.rows)
    wrapping = {0} if has_label else set()
    if has_verdict:
        wrapping.add(len(header) - 1)
    table = ruled_table(header, body, st, width, wrapping=wrapping)
    style = TableStyle([("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                        ("ALIGN", (0, 1), (0, -1), "CENTER" if not has_label else "LEFT")])
    if has_verdict:
        style.add("ALIGN", (-1, 1), (-1, -1), "CENTER")
    table.setStyle(style)
    return table


def _uncertainty_note(section: ResultSection, lang: str) -> str:
    us = [r.uncertainty for r in section.rows if r.uncertainty]
    if not us:
        return ""
    ks = {u.k for u in us}
    ps = {u.coverage_probability for u in us}
    p = format_probability(us[0].coverage_probability, lang) if len(ps) == 1 else "95\u00a0%"
    if len(ks) == 1:
        # JCGM 100 G.1.3, G.4: k = 2 at 95.45 % is a normal distribution, a larger k a t distribution
        kind = distribution_of(us[0].k, us[0].coverage_probability)
        key = {"normal": "uncertainty.statement", "t": "uncertainty.statement.t"}.get(kind or "",
                                                                                     "uncertainty.statement.other")
        return label(key, lang, k=format_number(us[0].k, lang), p=p)
    return label("uncertainty.per_row", lang, p=p)


def results(doc: CertificateDocument, lang: str, st: Styles, width: float) -> list[Any]:
    """Every results table with its uncertainty statement and error chart (7.8.4.1 a, d)."""
    from reportlab.platypus import CondPageBreak

    story: list[Any] = [CondPageBreak(60 * mm), para(label("results", lang), st.heading)]
    for section in doc.results:
        heading = " – ".join(x for x in (stage_label(section.stage, lang) if section.stage else "",
                                          text(section.title, lang)) if x)
        block: list[Any] = []
        if heading:
            block.append(para(heading, st.label))
            block.append(Spacer(1, 1 * mm))
        block.append(results_table(section, lang, st, width))
        note = _uncertainty_note(section, lang)
        if note:
            block += [Spacer(1, 1 * mm), para(note, st.small)]
        story.append(KeepTogether(block))
        chart = error_chart(section, lang, width * 0.8, 52 * mm, st.regular)
        if chart is not None:
            chart.hAlign = "CENTER"
            story += [Spacer(1, 2 * mm), chart, Spacer(1, 2 * mm)]
    if doc.adjustment_note:
        story.append(para(f"{label('adjustment', lang)}: {text(doc.adjustment_note, lang)}", st.body))
    return story
