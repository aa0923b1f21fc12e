"""The lab's unit table: each row agrees with pint, the printed symbols and PTB's dsiunits."""
from __future__ import annotations

import re
import warnings

import pytest
from dsi_unit import DsiUnit

from lims.metrology.units import (
    UNIT_TABLE,
    LabUnit,
    as_delta,
    canonical_unit,
    dsi_unit,
    format_quantity,
    format_unit,
    lab_unit,
    unit_info,
    ureg,
)
from lims.metrology.units_dsi import dsi_problems

ROWS = [pytest.param(row, id=row.pint) for row in UNIT_TABLE]


def _base(dsi: str) -> DsiUnit:
    """dsiunits' own reduction of a D-SI string to SI base units (repeated until it is stable)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        unit, previous = DsiUnit(dsi).to_base_unit_tree(), None
        while previous is None or unit.tree != previous.tree:
            previous, unit = unit, unit.to_base_unit_tree()
    return unit


def test_one_row_per_unit() -> None:
    texts = [row.pint for row in UNIT_TABLE]
    assert len(texts) == len(set(texts))
    assert all(lab_unit(text) is row for text, row in zip(texts, UNIT_TABLE, strict=True))
    assert lab_unit("psi") is None and lab_unit("°C") is None  # exact storage texts only


@pytest.mark.parametrize("row", ROWS)
def test_row_parses_in_pint_and_is_its_own_storage_text(row: LabUnit) -> None:
    assert canonical_unit(row.pint) == row.pint
    assert unit_info(row.pint).text == row.pint


@pytest.mark.parametrize("row", ROWS)
def test_row_symbol_is_what_the_program_prints(row: LabUnit) -> None:
    """The symbol stated in the table is the one composed from pint's unit (so the two never drift)."""
    assert format_unit(ureg.parse_units(row.pint) if row.pint != "dimensionless" else "") == row.symbol
    assert format_unit(row.pint) == row.symbol
    assert row.pint == "dimensionless" or row.symbol in format_quantity(f"1.5 {row.pint}", "en")


@pytest.mark.parametrize("row", ROWS)
def test_row_dsi_is_valid_for_dsiunits_and_means_the_same_unit(row: LabUnit) -> None:
    assert row.dsi == dsi_unit(row.pint)
    assert row.dsi.startswith("\\") and dsi_problems(row.dsi) == []
    info = unit_info(row.pint)
    base = _base(row.dsi)
    assert base.scale_factor == pytest.approx(info.scale, rel=1e-12)  # one kilopascal is 1000 Pa in both


@pytest.mark.parametrize("row", ROWS)
def test_row_difference_unit_is_in_the_table(row: LabUnit) -> None:
    """Errors, uncertainties and MPEs are differences: their unit must print as well."""
    delta = canonical_unit(as_delta(row.pint))
    assert lab_unit(delta) is not None


@pytest.mark.parametrize("row", ROWS)
def test_row_unece_code_has_the_form_of_rec_20(row: LabUnit) -> None:
    assert re.fullmatch(r"[A-Z0-9]{2,3}", row.unece)


def test_unece_codes_are_shared_only_by_rows_marked_unconfirmed() -> None:
    by_code: dict[str, list[LabUnit]] = {}
    for row in UNIT_TABLE:
        by_code.setdefault(row.unece, []).append(row)
    for code, rows in by_code.items():
        if len(rows) > 1:
            assert sum(row.unece_confirmed for row in rows) == 1, code


@pytest.mark.parametrize(("unit", "dsi"), [
    ("kg", r"\kilogram"),  # the SI base unit; D-SI rule R011 forbids \kilo\gram
    ("degC", r"\degreecelsius"),
    ("delta_degC", r"\kelvin"),
    ("bar", r"\bar"),
    ("mmHg", r"\mmHg"),
    ("percent", r"\percent"),
    ("percent_RH", r"\percent"),
    ("dimensionless", r"\one"),
    ("km/h", r"\kilo\metre\hour\tothe{-1}"),
    ("J/(kg K)", r"\joule\kilogram\tothe{-1}\kelvin\tothe{-1}"),  # outside the table: composed the same way
])
def test_dsi_strings_written_by_dsiunits(unit: str, dsi: str) -> None:
    assert dsi_unit(unit) == dsi


def test_units_without_a_dsi_spelling_are_refused() -> None:
    from lims.metrology.errors import UnitError

    with pytest.raises(UnitError, match="psi"):
        dsi_unit("psi")
    assert dsi_problems(r"\kilogramm") and dsi_problems("psi")


@pytest.mark.parametrize(("text", "stored"), [
    ("degC", "degC"), ("°C", "degC"), ("℃", "degC"), ("%RH", "percent_RH"), ("kilogram", "kg"),
    ("1", "dimensionless"), ("Ω", "ohm"), ("µSv/h", "uSv/h"), (" bar ", "bar"),
])
def test_reportable_units_in_any_spelling_pint_reads(text: str, stored: str) -> None:
    from lims.metrology.units import require_reportable

    row = require_reportable(text, "unit")
    assert row is lab_unit(stored)


@pytest.mark.parametrize(("text", "accepted"), [
    ("psi", "Pa, kPa, MPa, bar, mbar, mmHg"),  # pint knows it; D-SI and the certificates do not
    ("degF", "°C, K, Δ°C"),
    ("inch", "mm, m, km"),
    ("kilofoo", "mg, g, kg, t,"),  # unknown to pint: every unit of the table is listed
])
def test_other_units_are_refused_naming_the_field_and_the_accepted_units(text: str, accepted: str) -> None:
    from lims.i18n import use_language
    from lims.metrology.errors import UnitError
    from lims.metrology.units import require_reportable

    with use_language("en"), pytest.raises(UnitError) as caught:
        require_reportable(text, "range_unit")
    error = caught.value
    assert error.field == "range_unit" and error.units == (text,)
    assert error.reason.startswith(f"The unit '{text}' cannot be printed on a certificate. Use one of: {accepted}")
    assert str(error) == f"Unit of the range: {error.reason}"  # the field as the form labels it
    assert isinstance(error, ValueError) and error.to_problem()["detail"]["field"] == "range_unit"
