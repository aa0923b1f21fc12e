"""The body of the certificate, part by part, as platypus flowables.

Order and content follow ISO/IEC 17025:2017 7.8.2.1 and 7.8.4.1 (see :mod:`certificates.model`):
title and number, item, customer, method, place and dates, environmental conditions, the
standards used and the traceability statement, results (tables, uncertainty statement, chart),
conformity with its decision rule (7.8.6), remarks, the "results relate only to" sentence,
signatures and the end mark.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from certificates.formatting import format_date, format_measure, format_number
from certificates.labels import label, place_label
from certificates.model import CertificateDocument, Measure, Text, text_for
from certificates.qr import qr_flowable
from certificates.units import display_unit

LINE = colors.Color(0.55, 0.55, 0.55)
#: Left plus right padding of a ruled table's cell (reportlab's default, 6 pt each side).
PADDING = 12.0
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


def text(value: Text | None, lang: str) -> str:
    """A document text in ``lang`` (empty for None)."""
    return text_for(value, lang)


def title_block(doc: CertificateDocument, lang: str, st: Styles, verify_url: str, width: float) -> Table:
    """Title, number (7.8.2.1 a, d) and the QR code of the verification URL."""
    title = text(doc.title, lang) or label(f"title.{doc.kind.value}", lang)
    qr_size = 26 * mm
    left = [
        para(text(doc.laboratory.name, lang), ParagraphStyle("lab", parent=st.centre, fontName=st.bold, fontSize=10)),
        para(text(doc.laboratory.address, lang), ParagraphStyle("addr", parent=st.centre, fontSize=8)),
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


def _measure(value: Measure | None, lang: str) -> str:
    return format_measure(value.value, value.unit, lang) if value is not None else ""


def _method(doc: CertificateDocument, lang: str) -> str:
    """The lab's procedure, and the national procedure it follows when set (7.8.2.1 f)."""
    method = doc.method.code + (f" – {text(doc.method.title, lang)}" if doc.method.title else "")
    if doc.method.national_procedure:
        method += label("method.national", lang, reference=doc.method.national_procedure)
    return method


def _instrument_pairs(doc: CertificateDocument, lang: str) -> list[tuple[str, str]]:
    """The item (7.8.2.1 g); for a scale Max, Min, e and d (OIML R76-1 T.3.2, T.3.4)."""
    ins = doc.instrument
    year = str(ins.year_of_manufacture) if ins.year_of_manufacture else ""
    scale = ins.scale_interval is not None
    pairs = [
        (label("instrument.name", lang), text(ins.name, lang)),
        (label("instrument.model", lang), ins.model or ""),
        (label("instrument.serial_number", lang), ins.serial_number or ""),
        (label("instrument.identifier", lang), ins.identifier or ""),
        (label("instrument.manufacturer", lang), ins.manufacturer or ""),
        (label("instrument.year_of_manufacture", lang), year),
        (label("instrument.pattern_approval", lang), ins.pattern_approval or ""),
    ]
    if ins.max_capacity is None:
        pairs.append((label("instrument.measuring_range", lang), text(ins.measuring_range, lang)))
    pairs += [
        (label("instrument.max_capacity", lang), _measure(ins.max_capacity, lang)),
        (label("instrument.min_capacity", lang), _measure(ins.min_capacity, lang)),
        (label("instrument.scale_interval", lang), _measure(ins.scale_interval, lang)),
        (label("instrument.actual_scale_interval" if scale else "instrument.resolution", lang),
         _measure(ins.resolution, lang)),
        (label("instrument.accuracy_class", lang), ins.accuracy_class or ""),
        (label("instrument.condition", lang), text(ins.condition, lang)),
        (label("instrument.place_of_use", lang), text(ins.place_of_use, lang)),
    ]
    return pairs


def identification(doc: CertificateDocument, lang: str, st: Styles, width: float) -> list[Any]:
    """Item (7.8.2.1 g), customer (e), method (f), verification type, place (c) and dates (h, i, j)."""
    work = format_date(doc.performed_on, lang)
    if doc.performed_until and doc.performed_until != doc.performed_on:
        work += f" – {format_date(doc.performed_until, lang)}"
    place = place_label(doc.performance_location, lang)
    if doc.performance_address:
        place += f": {text(doc.performance_address, lang)}"
    vtype = doc.verification_type
    pairs = _instrument_pairs(doc, lang) + [
        (label("customer", lang), doc.customer.name),
        (label("customer.address", lang), doc.customer.address or ""),
        (label("customer.contact", lang), doc.customer.contact or ""),
        (label("method", lang), _method(doc, lang)),
        (label("verification_type", lang), label(f"verification_type.{vtype.value}", lang) if vtype else ""),
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
            conditions.append(f"{text(c.quantity, lang)}: {value}")
        pairs.append((label("environment", lang), "; ".join(conditions)))
    return [Spacer(1, 3 * mm), _pairs_table(pairs, st, width)]


def _longest_word(value: str, font: str, size: float) -> float:
    return max((stringWidth(w, font, size) for w in value.split()), default=0.0)


def fit_widths(needed: Sequence[float], wanted: Sequence[float], total: float) -> list[float]:
    """Column widths within ``total``: each at least ``needed`` (what cannot wrap), growing
    towards ``wanted`` (all on one line), then sharing what is left equally."""
    widths = list(needed)
    spare = total - sum(widths)
    if spare <= 0:
        return [w * total / sum(widths) for w in widths]
    growth = [max(0.0, w - n) for n, w in zip(needed, wanted, strict=True)]
    if sum(growth) >= spare:
        return [n + g * spare / sum(growth) for n, g in zip(needed, growth, strict=True)]
    widths = [n + g for n, g in zip(needed, growth, strict=True)]
    extra = (total - sum(widths)) / len(widths)
    return [w + extra for w in widths]


def column_widths(header: Sequence[str], body: Sequence[Sequence[str]], st: Styles, total: float, *,
                  wrapping: Collection[int], cap: float = 0.3) -> list[float]:
    """Widths of a ruled table's columns after their content: a column in ``wrapping`` may
    wrap at spaces (it needs its longest word, and wants at most ``cap`` of the width), any
    other column never wraps (it needs its widest cell); headers always wrap."""
    cell, head = st.cell, st.head
    needed, wanted = [], []
    for c in range(len(header)):
        cells = [row[c] for row in body]
        full = max([stringWidth(v, cell.fontName, cell.fontSize) for v in cells], default=0.0)
        words = _longest_word(header[c], head.fontName, head.fontSize)
        if c in wrapping:
            words = max([words] + [_longest_word(v, cell.fontName, cell.fontSize) for v in cells])
            full = min(full, cap * total)
        else:
            words = max(words, full)
        needed.append(words + PADDING)
        wanted.append(max(full, words, min(stringWidth(header[c], head.fontName, head.fontSize), cap * total))
                      + PADDING)
    return fit_widths(needed, wanted, total)


def ruled_table(header: Sequence[str], body: Sequence[Sequence[str]], st: Styles, width: float, *,
                wrapping: Collection[int]) -> Table:
    """A ruled table whose columns fit their content (:func:`column_widths`)."""
    widths = column_widths(header, body, st, width, wrapping=wrapping)
    rows: list[list[Any]] = [[fit(h, st.head, w - PADDING) for h, w in zip(header, widths, strict=True)]]
    rows += [[fit(v, st.cell, w - PADDING) for v, w in zip(line, widths, strict=True)] for line in body]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(grid(st))
    return table


def standards(doc: CertificateDocument, lang: str, st: Styles, width: float) -> list[Any]:
    """Reference standards with certificate numbers and calibrating body (7.8.4.1 c)."""
    head = [label(h, lang) for h in ("standards.name", "standards.identification", "standards.certificate",
                                     "standards.calibrated_by", "standards.valid_until")]
    body = []
    for s in doc.reference_standards:
        name = text(s.name, lang) + (f" ({text(s.accuracy, lang)})" if s.accuracy else "")
        body.append([name, s.identification, s.certificate_number, s.calibrated_by,
                     format_date(s.valid_until, lang) if s.valid_until else ""])
    table = ruled_table(head, body, st, width, wrapping={0, 1, 3})
    statement = text(doc.traceability_statement, lang) or label("traceability.default", lang)
    return [para(label("standards", lang), st.heading), table, Spacer(1, 1.5 * mm), para(statement, st.small)]


def grid(st: Styles) -> TableStyle:
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


def conformity(doc: CertificateDocument, lang: str, st: Styles, width: float) -> list[Any]:
    """Conformity statement, specification and decision rule (7.8.6); validity and stamp."""
    pairs: list[tuple[str, str]] = []
    block: list[Any] = [para(label("conformity", lang), st.heading)]
    c = doc.conformity
    if c is not None:
        statement = text(c.statement, lang) or label(f"conformity.{c.verdict.value}", lang)
        block += [para(statement, ParagraphStyle("verdict", parent=st.body, fontName=st.bold)), Spacer(1, 1.5 * mm)]
        pairs.append((label("conformity.specification", lang), text(c.specification, lang)))
        pairs.append((label("conformity.decision_rule", lang), text(c.decision_rule, lang)))
    if doc.valid_until:
        pairs.append((label("valid_until", lang), format_date(doc.valid_until, lang)))
    if doc.validity_basis:
        pairs.append((label("validity_basis", lang), text(doc.validity_basis, lang)))
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
        story.append(para(f"{label('deviations', lang)}: {text(doc.deviations, lang)}", st.body))
    for remark in doc.remarks:
        story.append(para(f"{label('remarks', lang)}: {text(remark, lang)}", st.body))
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
        role = text(person.role, lang)
        return [para(head.upper(), centre_bold), para(role, st.centre) if role else Spacer(1, 1),
                Spacer(1, 16 * mm), para(person.name, centre_bold)]

    left = column(label("performed_by", lang), doc.performed_by)
    right = [para(_place_and_date(doc, lang), italic_date)] + column(label("authorised_by", lang), doc.authorised_by)
    if left:
        left = [Spacer(1, 11)] + left
    table = Table([[left, right]], colWidths=[width / 2, width / 2])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table
