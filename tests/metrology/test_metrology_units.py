"""Units: the one registry, reading, storing and printing quantities."""
from __future__ import annotations

import pint
import pytest

from lims.metrology.errors import MetrologyError, UnitError
from lims.metrology.units import (
    LAB_UNITS,
    Q_,
    as_delta,
    canonical_unit,
    format_number,
    format_quantity,
    format_unit,
    parse_quantity,
    quantity_from_dict,
    quantity_to_dict,
    same_kind,
    unit_info,
    ureg,
)

NBSP = "\u00a0"


@pytest.mark.parametrize("text", LAB_UNITS)
def test_lab_units_round_trip_through_storage_text(text: str) -> None:
    stored = canonical_unit(text)
    assert stored.isascii()
    assert ureg.parse_units(stored) == ureg.parse_units(text.replace("%RH", "percent_RH"))
    assert canonical_unit(stored) == stored


@pytest.mark.parametrize(
    ("text", "stored", "printed"),
    [
        ("g", "g", "g"),
        ("bar", "bar", "bar"),
        ("mL", "mL", "mL"),
        ("m³", "m**3", "m³"),
        ("°C", "degC", "°C"),
        ("delta_degC", "delta_degC", "°C"),
        ("%RH", "percent_RH", "%RH"),
        ("Ω", "ohm", "Ω"),
        ("µSv/h", "uSv/h", "µSv/h"),
        ("μSv/h", "uSv/h", "µSv/h"),
        ("mg/L", "mg/L", "mg/L"),
        ("kWh", "kWh", "kWh"),
        ("km/h", "km/h", "km/h"),
        ("mmHg", "mmHg", "mmHg"),
    ],
)
def test_unit_storage_text_and_certificate_symbol(text: str, stored: str, printed: str) -> None:
    assert canonical_unit(text) == stored
    assert format_unit(text) == printed


def test_relative_humidity_is_percent_rh_in_the_one_registry() -> None:
    q = Q_(50, "%RH")
    assert str(q.units) == "percent_RH"
    assert q.to("dimensionless").magnitude == pytest.approx(0.5)
    assert pint.get_application_registry().get() is ureg


def test_incompatible_units_name_both() -> None:
    with pytest.raises(UnitError) as caught:
        parse_quantity("3 bar", "g")
    message = str(caught.value)
    assert "bar" in message and "g" in message and "pressure" in message and "mass" in message
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, MetrologyError)
    assert caught.value.units == ("bar", "g")


def test_adding_kilograms_to_litres_is_refused_naming_both() -> None:
    with pytest.raises(UnitError, match=r"kg .*mass.* L .*volume"):
        same_kind(Q_(1, "kg"), "L")
    same_kind("g", Q_(2, "kg"))


def test_dimension_check_names_expected_kind() -> None:
    with pytest.raises(UnitError, match=r"'3 bar' is a pressure \(bar\), but a mass is expected"):
        parse_quantity("3 bar", dimension="[mass]")
    assert parse_quantity("2 kg", dimension="g").magnitude == 2


def test_bare_number_needs_a_unit() -> None:
    with pytest.raises(UnitError, match="has no unit"):
        parse_quantity("3")
    with pytest.raises(UnitError, match="has no unit"):
        parse_quantity(3.0)
    assert parse_quantity(3, "g") == Q_(3, "g")
    assert parse_quantity("3", "g") == Q_(3, "g")


def test_unknown_unit_named_with_the_text() -> None:
    with pytest.raises(UnitError, match="unknown unit 'foo' in '3 foo'"):
        parse_quantity("3 foo")


def test_decimal_comma_only_on_request() -> None:
    """'1,000' is a thousand in English and one in Vietnamese: never guess."""
    with pytest.raises(UnitError, match="decimal point"):
        parse_quantity("10,02 bar")
    assert parse_quantity("10,02 bar", decimal_comma=True).magnitude == pytest.approx(10.02)


def test_conversion_to_requested_unit() -> None:
    q = parse_quantity("2 kg", "g")
    assert q.magnitude == pytest.approx(2000) and str(q.units) == "gram"
    assert parse_quantity(Q_(1.5, "bar"), "kPa").magnitude == pytest.approx(150)


def test_temperature_is_offset_and_deviation_is_delta() -> None:
    """DESIGN: a temperature deviation is delta_degC or K, never degC."""
    t = unit_info("degC")
    assert t.is_offset and t.offset == pytest.approx(273.15) and t.scale == 1
    assert t.delta_text == "delta_degC"
    assert str(as_delta(parse_quantity("0.5 degC")).units) == "delta_degree_Celsius"
    assert as_delta(Q_(0.2, "K")) == Q_(0.2, "K")
    assert parse_quantity("25 degC", "K").magnitude == pytest.approx(298.15)
    with pytest.raises(UnitError, match="temperature difference"):
        parse_quantity("0.5 delta_degC", "degC")
    assert unit_info("degC/s").text == "delta_degC/s"  # inside a compound unit °C is a difference


def test_format_number_vietnamese_decimal_comma_and_si_grouping() -> None:
    """SI Brochure 5.4.4: groups of three digits separated by a space, never by dot or comma."""
    assert format_number(12345.678, "vi") == f"12{NBSP}345,678"
    assert format_number(12345.678, "en") == f"12{NBSP}345.678"
    assert format_number(1234.5, "vi") == "1234,5"
    assert format_number(0.0275, "vi", 3) == "0,028"
    assert format_number(-0.0001, "vi", 2) == "0,00"
    assert format_number(-1.25, "en", 1) == "-1.3"
    assert format_number(2.5, "en", 0) == "3"


def test_format_quantity_for_certificates() -> None:
    assert format_quantity("0.0275 bar", "vi", 3) == f"0,028{NBSP}bar"
    assert format_quantity("25 degC", "en") == f"25{NBSP}°C"
    assert format_quantity("0.2 delta_degC", "vi") == f"0,2{NBSP}°C"
    assert format_quantity("50 %RH", "vi") == f"50{NBSP}%RH"
    assert format_quantity("3 m**3", "en") == f"3{NBSP}m³"
    assert format_quantity(Q_(1.5, "uSv/h"), "vi") == f"1,5{NBSP}µSv/h"


def test_quantity_dict_round_trip_is_the_database_form() -> None:
    for text in ("5 delta_degC", "1.5 %RH", "10.02 bar", "0.3 mg/L", "20 degC"):
        q = parse_quantity(text)
        data = quantity_to_dict(q)
        assert set(data) == {"value", "unit"} and isinstance(data["unit"], str)
        assert quantity_from_dict(data) == q
    with pytest.raises(UnitError):
        quantity_from_dict({"value": "x", "unit": "g"})
