"""The body of the certificate, part by part, as platypus flowables.

Order and content follow ISO/IEC 17025:2017 7.8.2.1 and 7.8.4.1 (see :mod:`certificates.model`):
title and number, item, customer, method, place and dates, environmental conditions, the
standards used and the traceability statement, results (tables, uncertainty statement, chart),
conformity with its decision rule (7.8.6), remarks, the "results relate only to" sentence,
signatures and the end mark.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph, Spacer, Table, TableStyle

from certificates.chart import error_chart
from certificates.formatting import format_date, format_measure, format_number, format_probability
from certificates.labels import label, place_label, stage_label, verdict_label
from certificates.model import CertificateDocument, Measure, ResultSection, Text, text_for
from certificates.qr import qr_flowable
from certificates.units import display_unit

LINE = colors.Color(0.55, 0.55, 0.55)
HEAD_BG = colors.Color(0.92, 0.94, 0.97)


@dataclass(frozen=True)
class Styles:
    """Paragraph styles in the bundled font."""

    body: ParagraphStyle
    small: ParagraphStyle
    label: ParagraphStyle
    heading: ParagraphStyle
    title: ParagraphStyle
    cell: ParagraphStyle
    head: ParagraphStyle
    centre: ParagraphStyle
    regular: str
    bold: str


def make_styles(regular: str, bold: str) -> Styles:
    """The certificate's styles: 9 pt body text, 15 pt title."""
    body = ParagraphStyle("body", fontName=regular, fontSize=9, leading=11.5)
    return Styles(
        body=body,
        small=ParagraphStyle("small", parent=body, fontSize=7.5, leading=9.5),
        label=ParagraphStyle("label", parent=body, fontName=bold, fontSize=8.5),
        heading=ParagraphStyle("heading", parent=body, fontName=bold, fontSize=10, spaceBefore=6, spaceAfter=3),
        title=ParagraphStyle("title", parent=body, fontName=bold, fontSize=15, leading=19, alignment=TA_CENTER),
        cell=ParagraphStyle("cell", parent=body, fontSize=8, leading=10),
        head=ParagraphStyle("head", parent=body, fontName=bold, fontSize=7.5, leading=9, alignment=TA_CENTER),
        centre=ParagraphStyle("centre", parent=body, alignment=TA_CENTER),
        regular=regular,
        bold=bold,
    )


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text (escaped: a customer name may contain ``&`` or ``<``)."""
    return Paragraph(escape(text), style)


def fit(text: str, style: ParagraphStyle, width: float) -> str | Paragraph:
    """The plain string when it fits on one line of ``width`` points, else a wrapping paragraph.

    Tables draw plain strings several times faster than paragraphs; the table's style then
    sets the font to match ``style``.
    """
    if "\n" not in text and stringWidth(text, style.fontName, style.fontSize) <= width:
        return text
    return para(text, style)


def _t(value: Text | None, lang: str) -> str:
    return text_for(value, lang)


def title_block(doc: CertificateDocument, lang: str, st: Styles, verify_url: str, width: float) -> Table:
    """Title, number (7.8.2.1 a, d) and the QR code of the verification URL."""
    title = _t(doc.title, lang) or label(f"title.{doc.kind.value}", lang)
    qr_size = 26 * mm
    left = [
        para(_t(doc.laboratory.name, lang), ParagraphStyle("lab", parent=st.centre, fontName=st.bold, fontSize=10)),
        para(_t(doc.laboratory.address, lang), ParagraphStyle("addr", parent=st.centre, fontSize=8)),
        para(" · ".join(x for x in (doc.laboratory.phone, doc.laboratory.email, doc.laboratory.accreditation) if x),
             ParagraphStyle("contact", parent=st.centre, fontSize=7.5)),
        Spacer(1, 4 * mm),
        para(title, st.title),
        para(f"{label('number', lang)}: {doc.number}", ParagraphStyle("num", parent=st.centre, fontName=st.bold,
                                                                       fontSize=11, leading=14)),
    ]
    right = [qr_flowable(verify_url, qr_size),
             para(label("qr.caption", lang), ParagraphStyle("cap", parent=st.small, alignment=TA_CENTER, fontSize=6.5))]
    table = Table([[left, right]], colWidths=[width - qr_size - 6 * mm, qr_size + 6 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def _pairs_table(pairs: list[tuple[str, str]], st: Styles, width: float) -> Table:
    label_width, pad = 52 * mm, 6
    rows = [[fit(k, st.label, label_width - pad), fit(v, st.body, width - label_width - pad)] for k, v in pairs if v]
    table = Table(rows, colWidths=[label_width, width - label_width])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), pad),
        ("TOPPADDING", (0, 0), (-1, -1), 1.2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
        ("FONT", (0, 0), (0, -1), st.label.fontName, st.label.fontSize, st.label.leading),
        ("FONT", (1, 0), (1, -1), st.body.fontName, st.body.fontSize, st.body.leading),
    ]))
    return table


def identification(doc: CertificateDocument, lang: str, st: Styles, width: float) -> list[Any]:
    """Item (7.8.2.1 g), customer (e), method (f), place (c) and dates (h, i, j)."""
    ins = doc.instrument
    work = format_date(doc.performed_on, lang)
    if doc.performed_until and doc.performed_until != doc.performed_on:
        work += f" – {format_date(doc.performed_until, lang)}"
    place = place_label(doc.performance_location, lang)
    if doc.performance_address:
        place += f": {_t(doc.performance_address, lang)}"
    method = doc.method.code + (f" – {_t(doc.method.title, lang)}" if doc.method.title else "")
    pairs = [
        (label("instrument.name", lang), _t(ins.name, lang)),
        (label("instrument.model", lang), ins.model or ""),
        (label("instrument.serial_number", lang), ins.serial_number or ""),
        (label("instrument.identifier", lang), ins.identifier or ""),
        (label("instrument.manufacturer", lang), ins.manufacturer or ""),
        (label("instrument.measuring_range", lang), _t(ins.measuring_range, lang)),
        (label("instrument.resolution", lang), format_measure(ins.resolution.value, ins.resolution.unit, lang)
         if ins.resolution else ""),
        (label("instrument.accuracy_class", lang), ins.accuracy_class or ""),
        (label("instrument.condition", lang), _t(ins.condition, lang)),
        (label("customer", lang), doc.customer.name),
        (label("customer.address", lang), doc.customer.address or ""),
        (label("customer.contact", lang), doc.customer.contact or ""),
        (label("method", lang), method),
        (label("place", lang), place),
        (label("received_on", lang), format_date(doc.received_on, lang) if doc.received_on else ""),
        (label(f"performed_on.{doc.kind.value}", lang), work),
        (label("issued_on", lang), format_date(doc.issued_on, lang)),
    ]
    if doc.environment:
        conditions = []
        for c in doc.environment:
            value = format_measure(c.value.value, c.value.unit, lang)
            if c.spread is not None:
                unit = display_unit(c.value.unit)
                value = f"({format_number(c.value.value, lang)} ± {format_number(c.spread.value, lang)})\u00a0{unit}"
            conditions.append(f"{_t(c.quantity, lang)}: {value}")
        pairs.append((label("environment", lang), "; ".join(conditions)))
    return [Spacer(1, 3 * mm), _pairs_table(pairs, st, width)]


def standards(doc: CertificateDocument, lang: str, st: Styles, width: float) -> list[Any]:
    """Reference standards with certificate numbers and calibrating body (7.8.4.1 c)."""
    head = ["standards.name", "standards.identification", "standards.certificate", "standards.calibrated_by",
            "standards.valid_until"]
    widths = [w * width for w in (0.32, 0.14, 0.17, 0.24, 0.13)]
    rows: list[list[Any]] = [[fit(label(h, lang), st.head, w - 12) for h, w in zip(head, widths, strict=True)]]
    for s in doc.reference_standards:
        name = _t(s.name, lang) + (f" ({_t(s.accuracy, lang)})" if s.accuracy else "")
        cells = [name, s.identification, s.certificate_number, s.calibrated_by,
                 format_date(s.valid_until, lang) if s.valid_until else ""]
        rows.append([fit(c, st.cell, w - 12) for c, w in zip(cells, widths, strict=True)])
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(_grid(st))
    statement = _t(doc.traceability_statement, lang) or label("traceability.default", lang)
    return [para(label("standards", lang), st.heading), table, Spacer(1, 1.5 * mm), para(statement, st.small)]


def _grid(st: Styles) -> TableStyle:
    """Ruled table: bold centred header row on a tint, body in the cell style."""
    return TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, LINE),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("FONT", (0, 0), (-1, 0), st.head.fontName, st.head.fontSize, st.head.leading),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ("FONT", (0, 1), (-1, -1), st.cell.fontName, st.cell.fontSize, st.cell.leading),
    ])


@dataclass(frozen=True)
class Column:
    """One column of a results table: header key, how to read a cell, sign shown or ±."""

    key: str
    get: Any
    signed: bool = False
    plus_minus: bool = False


def _columns(section: ResultSection) -> list[Column]:
    rows = section.rows
    cols = [Column("col.nominal", lambda r: r.nominal)]
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
        text = format_number(value.value, lang, signed=col.signed)
    else:
        text = format_measure(value.value, value.unit, lang, signed=col.signed)
    return f"±{text}" if col.plus_minus else text


def results_table(section: ResultSection, lang: str, st: Styles, width: float) -> Table:
    """One results table (7.8.2.1 m, 7.8.4.1 a): units in the header when a column shares one."""
    cols = _columns(section)
    has_label = any(r.label for r in section.rows)
    has_verdict = any(r.verdict for r in section.rows)
    first_width = 0.22 if has_label else 0.06
    rest = (1 - first_width) / (len(cols) + (1 if has_verdict else 0))
    head_width = rest * width - 12
    header: list[Any] = [fit(label("col.point", lang), st.head, first_width * width - 12)]
    units_in_head = []
    for col in cols:
        units = {v.unit for r in section.rows if isinstance(v := col.get(r), Measure)}
        shared = len(units) == 1 and col.key != "col.k"
        units_in_head.append(shared)
        unit = display_unit(next(iter(units))) if shared else ""
        header.append(fit(label(col.key, lang) + (f" ({unit})" if unit else ""), st.head, head_width))
    if has_verdict:
        header.append(fit(label("col.verdict", lang), st.head, head_width))
    body: list[list[Any]] = [header]
    for i, row in enumerate(section.rows, start=1):
        first = f"{i}" + (f". {_t(row.label, lang)}" if has_label and row.label else "")
        line: list[Any] = [para(first, st.cell) if has_label else first]
        line += [_cell(col.get(row), col, shared, lang) for col, shared in zip(cols, units_in_head, strict=True)]
        if has_verdict:
            line.append(verdict_label(row.verdict, lang) if row.verdict else "–")
        body.append(line)
    table = Table(body, colWidths=[first_width * width] + [rest * width] * (len(header) - 1), repeatRows=1)
    style = _grid(st)
    style.add("ALIGN", (1, 1), (-1, -1), "RIGHT")
    style.add("ALIGN", (0, 1), (0, -1), "CENTER" if not has_label else "LEFT")
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
        return label("uncertainty.statement", lang, k=format_number(us[0].k, lang), p=p)
    return label("uncertainty.per_row", lang, p=p)


def results(doc: CertificateDocument, lang: str, st: Styles, width: float) -> list[Any]:
    """Every results table with its uncertainty statement and error chart (7.8.4.1 a, d)."""
    story: list[Any] = [CondPageBreak(60 * mm), para(label("results", lang), st.heading)]
    for section in doc.results:
        heading = " – ".join(x for x in (stage_label(section.stage, lang) if section.stage else "",
                                          _t(section.title, lang)) if x)
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
        story.append(para(f"{label('adjustment', lang)}: {_t(doc.adjustment_note, lang)}", st.body))
    return story


def conformity(doc: CertificateDocument, lang: str, st: Styles, width: float) -> list[Any]:
    """Conformity statement, specification and decision rule (7.8.6); validity and stamp."""
    pairs: list[tuple[str, str]] = []
    block: list[Any] = [para(label("conformity", lang), st.heading)]
    c = doc.conformity
    if c is not None:
        statement = _t(c.statement, lang) or label(f"conformity.{c.verdict.value}", lang)
        block += [para(statement, ParagraphStyle("verdict", parent=st.body, fontName=st.bold)), Spacer(1, 1.5 * mm)]
        pairs.append((label("conformity.specification", lang), _t(c.specification, lang)))
        pairs.append((label("conformity.decision_rule", lang), _t(c.decision_rule, lang)))
    if doc.valid_until:
        pairs.append((label("valid_until", lang), format_date(doc.valid_until, lang)))
    if doc.stamp_number:
        pairs.append((label("stamp_number", lang), doc.stamp_number))
    if c is None and not pairs:
        return []
    if pairs:
        block.append(_pairs_table(pairs, st, width))
    return [Spacer(1, 3 * mm), KeepTogether(block)]


def closing(doc: CertificateDocument, lang: str, st: Styles, width: float) -> list[Any]:
    """Deviations (7.8.2.1 n), remarks, supersession, the "relate only" sentence (l), signatures (o), end mark (d)."""
    story: list[Any] = [Spacer(1, 2 * mm)]
    if doc.deviations:
        story.append(para(f"{label('deviations', lang)}: {_t(doc.deviations, lang)}", st.body))
    for remark in doc.remarks:
        story.append(para(f"{label('remarks', lang)}: {_t(remark, lang)}", st.body))
    if doc.supersedes:
        story.append(para(label("supersedes", lang, number=doc.supersedes), st.label))
    story.append(para(label(f"relate_only.{doc.kind.value}", lang), st.body))
    story.append(Spacer(1, 5 * mm))
    story.append(signatures(doc, lang, st, width))
    story.append(Spacer(1, 6 * mm))
    story.append(para(label("end", lang), st.centre))
    return story


def _place_and_date(doc: CertificateDocument, lang: str) -> str:
    d = doc.issued_on
    city = doc.laboratory.city or ""
    if lang == "vi":
        return f"{city + ', ' if city else ''}ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"
    return f"{city + ', ' if city else ''}{format_date(d, lang)}"


def signatures(doc: CertificateDocument, lang: str, st: Styles, width: float) -> Table:
    """Who did the work and who authorised the certificate (7.8.2.1 o), with space to sign."""
    centre_bold = ParagraphStyle("sig", parent=st.centre, fontName=st.bold)
    italic_date = ParagraphStyle("date", parent=st.centre, fontSize=8.5)

    def column(head: str, person: Any) -> list[Any]:
        if person is None:
            return []
        role = _t(person.role, lang)
        return [para(head.upper(), centre_bold), para(role, st.centre) if role else Spacer(1, 1),
                Spacer(1, 16 * mm), para(person.name, centre_bold)]

    left = column(label("performed_by", lang), doc.performed_by)
    right = [para(_place_and_date(doc, lang), italic_date)] + column(label("authorised_by", lang), doc.authorised_by)
    if left:
        left = [Spacer(1, 11)] + left
    table = Table([[left, right]], colWidths=[width / 2, width / 2])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table
