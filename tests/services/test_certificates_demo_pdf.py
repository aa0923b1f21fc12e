"""Every demo certificate, as a person reads it: nothing runs over its column, every number is rounded.

* No overflow: each table of each certificate, in Vietnamese and in English, is read back by
  :func:`certificates.pdf.layout.table_cells`; a plain string must fit its column's width minus
  the padding in its own font (reportlab's ``pdfmetrics.stringWidth``), and each word of a
  wrapping paragraph must (a word never wraps).
* Rounded numbers (JCGM 100:2008 7.2.6, EA-4/02 M:2022 §5): U has at most two significant
  digits and is the record's U rounded by ``round_uncertainty``; k has two decimals; reference,
  indication and error share one decimal place, that of U and never coarser than d; the printed
  indication minus the printed reference is the printed error to one unit of the last place;
  no number in the PDF's text carries float noise.
* A Vietnamese certificate prints no English word in a heading.
"""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph
from sqlalchemy import select

from certificates import jsonform
from certificates.labels import LABELS
from certificates.pdf import layout
from certificates.pdf.page import MARGIN_X
from lims.metrology.reporting import round_uncertainty
from lims.models import Certificate
from lims.services import certificates as certs
from lims.services.certificates.rows import TEST_TITLES, row_places
from lims.services.demo import seed_demo
from tests.helpers import pdf_text

WIDTH = A4[0] - 2 * MARGIN_X
URL = "http://127.0.0.1:5000/v/" + "A" * 95  # as long as a real token


@pytest.fixture
def demo(db, ctx):
    seed_demo(db, "demo-password-1")
    db.commit()
    certs.write_pending(db)
    rows = list(db.scalars(select(Certificate).order_by(Certificate.id)))
    assert len(rows) >= 5
    return rows


def _overflows(doc, lang: str) -> list[str]:
    out = []
    for t, table in enumerate(layout.tables(layout.story(doc, lang, URL, WIDTH))):
        for cell in layout.table_cells(table):
            pieces = cell.text.split() if cell.wraps else [cell.text]
            for piece in pieces:
                width = stringWidth(piece, cell.font, cell.size)
                if width > cell.room + 0.01:
                    out.append(f"table {t} row {cell.row} col {cell.column}: {piece!r} {width:.1f} > {cell.room:.1f}")
    return out


def test_no_table_cell_of_any_demo_certificate_runs_over_its_column(demo):
    """Measured with reportlab's own metrics, in both languages (ISO/IEC 17025 7.8.2.1 m: results readable)."""
    checked = 0
    for cert in demo:
        doc = jsonform.from_json_dict(cert.document["certificate"])
        for lang in ("vi", "en"):
            assert _overflows(doc, lang) == [], (cert.number, lang)
            checked += 1
    assert checked == 2 * len(demo)


def _significant(value: Decimal) -> int:
    return len(value.normalize().as_tuple().digits) if value else 0


def _exponent(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return exponent


def test_every_printed_number_is_the_rounded_one_jcgm100_726_ea402_5(demo):
    """U ≤ 2 significant digits and the record's U rounded up per EA-4/02 M §5; k two decimals;
    reference, indication, error on one decimal place; indication − reference = error."""
    rows_checked = 0
    for cert in demo:
        doc = jsonform.from_json_dict(cert.document["certificate"])
        points = iter(cert.record.points)
        resolution = cert.record.instrument.resolution
        for section in doc.results:
            for row in section.rows:
                point = next(points)
                if row.uncertainty is None:
                    continue
                u = row.uncertainty.expanded.value
                assert _significant(u) <= 2 and u == round_uncertainty(point.uncertainty), cert.number
                assert _exponent(row.uncertainty.k) == -2
                places = row_places(point.uncertainty, resolution)
                assert places is not None
                for value in (row.reference, row.indication, row.error):
                    assert value is not None and _exponent(value.value) == -places, (cert.number, value)
                assert row.reference is not None and row.indication is not None and row.error is not None
                unit = Decimal(1).scaleb(-places)
                assert abs(row.indication.value - row.reference.value - row.error.value) <= unit, cert.number
                rows_checked += 1
    assert rows_checked >= 20


NUMBER = re.compile(r"\d+(?:[.,]\d+)+")


def test_no_number_in_any_demo_pdf_carries_float_noise(demo, ctx):
    """The issued PDFs' text: no number with more than six decimals (0,0408248789336 kg or
    2,42880908223 could not appear)."""
    for cert in demo:
        text = pdf_text((ctx.instance_path / cert.pdf_path).read_bytes())
        noisy = [n for n in NUMBER.findall(text) if len(re.split(r"[.,]", n)[-1]) > 6]
        assert noisy == [], cert.number


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z]{3,}", text)}


def test_a_vietnamese_certificate_prints_no_english_word_in_a_heading(demo):
    """Headings (the results titles, the section headings) are Vietnamese words only: no English
    word of the English labels or table titles that Vietnamese labels do not also use (MPE, Max …)."""
    pairs = [*LABELS.values(), *TEST_TITLES.values()]
    english = set().union(*(_words(en) for _vi, en in pairs))
    vietnamese = set().union(*(_words(vi) for vi, _en in pairs))
    foreign = english - vietnamese
    assert {"calibration", "test", "results"} <= foreign
    for cert in demo:
        doc = jsonform.from_json_dict(cert.document["certificate"])
        story = layout.story(doc, "vi", URL, WIDTH)
        headings = [p.text for p in story if isinstance(p, Paragraph) and p.style.name in ("heading", "label")]
        for block in story:
            for item in getattr(block, "_content", []):
                if isinstance(item, Paragraph) and item.style.name in ("heading", "label"):
                    headings.append(item.text)
        assert headings and all(not (_words(h) & foreign) for h in headings), (cert.number, headings)
