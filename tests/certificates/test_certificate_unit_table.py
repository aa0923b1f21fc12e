"""Every unit of the lab's table prints on a certificate and is written in a DCC that validates."""
from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from lxml import etree

from certificates.dcc import to_dcc_xml
from certificates.dcc_schema import validate_dcc
from certificates.examples import example_calibration
from certificates.formatting import format_measure
from certificates.model import Measure, ResultRow, ResultSection, Uncertainty
from certificates.units import compatible, display_unit, dsi_unit
from lims.metrology.units import UNIT_TABLE, LabUnit, as_delta, canonical_unit

ROWS = [pytest.param(row, id=row.pint) for row in UNIT_TABLE]
NS = {"dcc": "https://ptb.de/dcc", "si": "https://ptb.de/si"}


def xpath(xml: bytes, path: str) -> list[str]:
    return [str(v) for v in etree.fromstring(xml).xpath(path, namespaces=NS)]


def _row(unit: str) -> ResultRow:
    delta = canonical_unit(as_delta(unit))
    return ResultRow(
        nominal=Measure(Decimal("10.0"), unit),
        indication=Measure(Decimal("10.2"), unit),
        error=Measure(Decimal("0.2"), delta),
        uncertainty=Uncertainty(Measure(Decimal("0.1"), delta)),
        mpe=Measure(Decimal("0.5"), delta),
    )


@pytest.mark.parametrize("row", ROWS)
def test_table_unit_prints_its_symbol(row: LabUnit) -> None:
    assert display_unit(row.pint) == row.symbol
    assert dsi_unit(row.pint) == row.dsi
    assert compatible(canonical_unit(as_delta(row.pint)), canonical_unit(as_delta(row.pint)))
    printed = format_measure(Decimal("1.5"), row.pint, "vi")
    assert printed.startswith("1,5") and printed.endswith(row.symbol)


def test_every_table_unit_in_one_dcc_that_validates() -> None:
    doc = dataclasses.replace(
        example_calibration(),
        results=tuple(ResultSection(rows=(_row(row.pint),)) for row in UNIT_TABLE),
    )
    xml = to_dcc_xml(doc)
    validate_dcc(xml)
    for n, row in enumerate(UNIT_TABLE, start=1):
        point = f"(//dcc:result)[{n}]//dcc:quantity"
        assert xpath(xml, f"{point}[contains(@refType, 'basic_referenceValue')]//si:unitXMLList/text()") == [row.dsi]
        error_dsi = dsi_unit(canonical_unit(as_delta(row.pint)))
        assert xpath(xml, f"{point}[@refType='basic_measurementError']/si:realListXMLList/si:unitXMLList/text()") == [
            error_dsi]
