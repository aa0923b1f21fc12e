"""Certificate rounding of values that need many significant digits (JCGM 100:2008 7.2.6)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from lims.metrology.reporting import result_places, result_text, round_result, round_to_places, round_uncertainty


@pytest.mark.parametrize(
    ("value", "expanded_uncertainty", "expected_value", "expected_u"),
    [
        # A 10 MHz frequency standard, f = 10 000 000.001 234 7 Hz, U = 0.000 012 Hz.
        # By hand (7.2.6): U has two significant digits at the 10⁻⁶ Hz place, so the value is
        # rounded at 10⁻⁶ Hz: 10 000 000.001 234|7 -> 10 000 000.001 235 (14 significant
        # digits). Cut to 12 digits first it would read 10 000 000.001 200, wrong by
        # 0.000 035 Hz, about 3 U.
        (10_000_000.0012347, 0.000012, "10000000.001235", "0.000012"),
        # 100 MHz, U = 0.000 12 Hz: 100 000 000.000 456 7 -> 100 000 000.000 46 (14 digits).
        (100_000_000.0004567, 0.00012, "100000000.00046", "0.00012"),
        # A 100 Ω resistor, R = 100.000 012 345 67 Ω, U = 1.2 nΩ: rounded at 10⁻¹⁰ Ω
        # -> 100.000 012 345 7 (13 digits), not 100.000 012 345 0.
        (100.00001234567, 1.2e-9, "100.0000123457", "1.2E-9"),
        # Values that fit in 12 digits keep the noise filter: 10.0275 − 10 = 0.027499999999999858
        # is 0.0275 and rounds half up to 0.028.
        (10.0275 - 10.0, 0.014714, "0.028", "0.015"),
        (0.1 + 0.2, 0.01, "0.300", "0.010"),
    ],
)
def test_value_keeps_every_digit_down_to_the_place_of_u(
    value: float, expanded_uncertainty: float, expected_value: str, expected_u: str
) -> None:
    number, uncertainty = round_result(value, expanded_uncertainty)
    assert number == Decimal(expected_value)
    assert uncertainty == Decimal(expected_u)
    assert number.as_tuple().exponent == uncertainty.as_tuple().exponent


def test_frequency_result_line() -> None:
    """The certificate line of the 10 MHz example above (JCGM 100 7.2.4, 7.2.6)."""
    text = result_text("f", 10_000_000.0012347, 0.000012, "Hz", 2.0, 0.9545)
    assert text == "f = (10000000.001235 ± 0.000012) Hz; k = 2.00; p = 95.45 %"


@pytest.mark.parametrize(
    ("u", "digits", "expected"),
    [
        # JCGM 100 7.2.6: two significant digits, half up. The float 0.145 is 0.14499999999999999 in
        # binary; reduced to 12 digits first it is 0.145 and rounds to 0.15 (float round() gives 0.14).
        (0.145, 2, "0.15"),
        # 0.0996 rounds to 0.10: two significant digits, so two decimals, not 0.100.
        (0.0996, 2, "0.10"),
        (0.014716, 2, "0.015"),
        (1.04999, 2, "1.0"),  # lowers U by 4.76 %: ordinary rounding stands (EA-4/02 M §5)
        # EA-4/02 M:2022 §5: when ordinary rounding lowers U by more than 5 %, round up instead.
        # By hand: 0.149 to one digit is 0.1, 33 % lower, so 0.2; 0.0149 -> 0.02; 0.94 -> 0.9 (4.3 %).
        (0.149, 1, "0.2"),
        (0.0149, 1, "0.02"),
        (0.94, 1, "0.9"),
        (0.96, 1, "1"),
        (0.0, 2, "0"),
    ],
)
def test_expanded_uncertainty_jcgm100_7_2_6_and_ea_4_02_m_5(u: float, digits: int, expected: str) -> None:
    assert round_uncertainty(u, digits) == Decimal(expected)
    assert str(round_uncertainty(u, digits)) == expected


@pytest.mark.parametrize(
    ("u", "resolution", "places"),
    [
        (0.0996, None, 2),  # U reads 0.10: the value to 0.01 (float log10 would have said 3)
        (0.145, None, 2),
        (0.014716, 0.1, 3),  # U decides when known
        (150.0, None, 0),  # U = 150: tens are rounded by round_to_places, places never negative here
        (None, 0.01, 3),  # no U: one decimal more than the resolution
        (None, 1.0, 1),
        (None, None, None),
    ],
)
def test_decimal_places_of_a_reported_value(u, resolution, places) -> None:
    assert result_places(u, resolution) == places


def test_round_to_places_is_half_away_from_zero_without_negative_zero() -> None:
    assert str(round_to_places(0.125, 2)) == "0.13"
    assert str(round_to_places(-0.125, 2)) == "-0.13"
    assert str(round_to_places(-0.0004, 3)) == "0.000"
    assert str(round_to_places(10.0275 - 10.0, 3)) == "0.028"
