"""Certificate rounding of values that need many significant digits (JCGM 100:2008 7.2.6)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from lims.metrology.reporting import result_text, round_result


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
