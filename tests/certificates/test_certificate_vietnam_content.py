"""The pure document model's Vietnamese verification content and the results table's columns.

Circular 24/2013/TT-BKHCN (content of a verification certificate), OIML R76-1 T.3.2 / Table 3
(Max, Min, e, d), ISO/IEC 17025:2017 7.8.2.1 m (results readable: every number fits its column).
"""
from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from certificates import examples, jsonform
from certificates.errors import DocumentError
from certificates.model import Measure, ResultRow, ResultSection, VerificationType
from certificates.pdf import render_pdf
from certificates.pdf.results import columns
from certificates.pdf.sections import fit_widths
from tests.helpers import pdf_text


def _kg(value: str) -> Measure:
    return Measure(Decimal(value), "kg")


def test_the_nominal_column_appears_only_where_a_nominal_differs_from_its_reference():
    same = ResultRow(nominal=_kg("20.00"), reference=_kg("20.0000"), indication=_kg("20.0100"), error=_kg("0.0100"))
    assert [c.key for c in columns(ResultSection(rows=(same,)))][:2] == ["col.reference", "col.indication"]
    moved = dataclasses.replace(same, reference=_kg("19.9998"))
    assert [c.key for c in columns(ResultSection(rows=(same, moved)))][:2] == ["col.nominal", "col.reference"]
    old = ResultRow(nominal=_kg("20.00"), indication=_kg("20.01"))  # a document without references
    assert columns(ResultSection(rows=(old,)))[0].get(old) == _kg("20.00")


def test_a_verification_states_its_type_and_instrument_details_and_reads_back_from_json():
    doc = examples.example_verification()
    doc = dataclasses.replace(
        doc, verification_type="after_repair",
        instrument=dataclasses.replace(doc.instrument, year_of_manufacture=2019, pattern_approval="PDM 012-2018",
                                       max_capacity=_kg("60"), min_capacity=_kg("0.20"), scale_interval=_kg("0.01"),
                                       place_of_use="Chợ Đông Kinh"))
    assert doc.verification_type is VerificationType.AFTER_REPAIR
    assert jsonform.from_json_dict(jsonform.to_json_dict(doc)) == doc
    text = pdf_text(render_pdf(doc, verify_url="https://lims.example/v/x", lang="vi"))
    assert "Chế độ kiểm định" in text and "Sau sửa chữa" in text and "PDM 012-2018" in text
    english = pdf_text(render_pdf(doc, verify_url="https://lims.example/v/x", lang="en"))
    assert "Verification after repair" in english and "Year of manufacture" in english


@pytest.mark.parametrize("year", [True, 1700, "2020"])
def test_a_year_of_manufacture_is_a_year(year):
    doc = examples.example_verification()
    with pytest.raises(DocumentError) as exc:
        dataclasses.replace(doc.instrument, year_of_manufacture=year)
    assert exc.value.field == "instrument.year_of_manufacture"


def test_without_periodic_verification_there_is_no_valid_until_and_with_it_there_must_be_one():
    """Circular 23/2013/TT-BKHCN: a type verified only once has no interval."""
    doc = examples.example_verification()
    single = dataclasses.replace(doc, valid_until=None, periodic_verification=False)
    assert jsonform.from_json_dict(jsonform.to_json_dict(single)).periodic_verification is False
    with pytest.raises(DocumentError) as exc:
        dataclasses.replace(doc, valid_until=None)
    assert exc.value.field == "valid_until"
    with pytest.raises(DocumentError):
        dataclasses.replace(single, valid_until=date(2030, 1, 1))


def test_fit_widths_gives_every_column_what_cannot_wrap_then_what_it_wants():
    """Needed 50 + 60, wanted 80 + 60 within 200: 80 and 60, and the 60 left shared equally."""
    assert fit_widths([50, 60], [80, 60], 200) == [110, 90]
    assert fit_widths([50, 60], [120, 60], 130) == [70, 60]  # growth shared in proportion
    assert fit_widths([100, 100], [100, 100], 100) == [50, 50]  # too narrow: scaled (a test would catch it)
