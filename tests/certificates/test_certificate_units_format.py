"""Printing numbers and units (SI Brochure 9th ed. 5.4) and D-SI unit strings (D-SI 2.2.1, as PTB's dsiunits
writes them)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from certificates.errors import UnitError
from certificates.formatting import format_date, format_measure, format_number, format_probability
from certificates.units import compatible, display_unit, dsi_unit, rescale


@pytest.mark.parametrize(("unit", "shown", "dsi"), [
    ("g", "g", r"\gram"),
    ("mg", "mg", r"\milli\gram"),
    ("milligram", "mg", r"\milli\gram"),
    ("kg", "kg", r"\kilogram"),  # the SI base unit: D-SI writes \kilogram, never \kilo\gram
    ("kg/m^3", "kg/m³", r"\kilogram\metre\tothe{-3}"),
    ("kilogram / meter ** 3", "kg/m³", r"\kilogram\metre\tothe{-3}"),  # pint's long form
    ("km/h", "km/h", r"\kilo\metre\hour\tothe{-1}"),  # taximeters, speed meters
    ("degC", "°C", r"\degreecelsius"),
    ("delta_degC", "°C", r"\kelvin"),  # a temperature difference of 1 °C is 1 K
    ("percent", "%", r"\percent"),
    ("kPa", "kPa", r"\kilo\pascal"),
    ("mmHg", "mmHg", r"\mmHg"),  # sphygmomanometers
    ("µm", "µm", r"\micro\metre"),
    ("um", "µm", r"\micro\metre"),
    ("kWh", "kWh", r"\kilo\watt\hour"),  # electricity meters
    ("mL", "mL", r"\milli\litre"),
    ("m³", "m³", r"\metre\tothe{3}"),  # water meters
    ("J/(kg K)", "J/(kg·K)", r"\joule\kilogram\tothe{-1}\kelvin\tothe{-1}"),
    ("percent_RH", "%RH", r"\percent"),  # relative humidity as lims.metrology stores it
    ("uSv/h", "µSv/h", r"\micro\sievert\hour\tothe{-1}"),  # dose-rate meters
    ("dimensionless", "", r"\one"),
    ("1", "", r"\one"),
])
def test_units_print_as_si_symbols_and_dsi(unit: str, shown: str, dsi: str) -> None:
    assert display_unit(unit) == shown
    assert dsi_unit(unit) == dsi


def test_unknown_unit_prints_as_written_but_has_no_dsi() -> None:
    assert display_unit("vạch") == "vạch"
    with pytest.raises(UnitError, match="vạch"):
        dsi_unit("vạch")
    with pytest.raises(UnitError, match="psi"):
        dsi_unit("psi")  # pint knows it, D-SI does not


def test_prefix_rescaling_is_an_exact_decimal_shift() -> None:
    """0.3 mg = 0.3 × 10⁻³ g = 0.0003 g; 1.5 kg = 1500 g; km/h to m/h multiplies by 10³."""
    assert rescale(Decimal("0.3"), "mg", "g") == Decimal("0.0003")
    assert format(rescale(Decimal("1.5"), "kg", "g"), "f") == "1500"
    assert rescale(Decimal("2"), "km/h", "m/h") == Decimal("2000")
    assert compatible("g", "mg") and not compatible("g", "m") and compatible("vạch", "vạch")
    assert compatible("kg", "mg") and compatible("delta_degC", "K") and compatible("percent_RH", "percent")
    assert not compatible("degC", "K") and not compatible("percent", "dimensionless") and not compatible("L", "m**3")
    with pytest.raises(UnitError, match="different quantities"):
        rescale(Decimal(1), "g", "m")


def test_numbers_vietnamese_decimal_comma_and_english_point() -> None:
    """SI Brochure 5.4.2: the decimal marker is the comma or the point, by language; 5.4.4:
    digits grouped in threes by a thin space when there are more than four."""
    assert format_number(Decimal("100.0002"), "vi") == "100,0002"
    assert format_number(Decimal("100.0002"), "en") == "100.0002"
    assert format_number(Decimal("0.10"), "vi") == "0,10"
    assert format_number(Decimal("-1.5"), "vi") == "−1,5"  # U+2212 minus
    assert format_number(Decimal("12345.6"), "en") == "12\u202f345.6"
    assert format_number(Decimal("1234"), "en") == "1234"
    assert format_number(Decimal("1.2E+4"), "vi") == "12\u202f000"
    assert format_number(Decimal("20"), "vi", signed=True) == "+20"
    assert format_number(Decimal("0"), "vi", signed=True) == "0"
    assert format_number(Decimal("-0.0"), "vi") == "0,0"


def test_measures_probabilities_and_dates() -> None:
    assert format_measure(Decimal("25.0"), "degC", "vi") == "25,0\u00a0°C"
    assert format_measure(Decimal("65"), "percent", "vi") == "65\u00a0%"
    assert format_measure(Decimal("3"), "1", "vi") == "3"
    assert format_measure(Decimal("90"), "deg", "en") == "90°"  # plane angle: no space
    assert format_probability(Decimal("0.95"), "vi") == "95\u00a0%"
    assert format_probability(Decimal("0.9545"), "vi") == "95,45\u00a0%"
    assert format_date(date(2025, 3, 5), "vi") == "05/03/2025"
    assert format_date(date(2025, 3, 5), "en") == "2025-03-05"
