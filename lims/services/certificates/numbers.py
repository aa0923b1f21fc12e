"""Numbers as a certificate prints them: the stored floats read without noise and rounded once
by :mod:`lims.metrology.reporting` (JCGM 100 7.2.6, EA-4/02 M §5) when the document is built."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from certificates import model as cm
from lims.metrology.reporting import result_places, round_to_places

__all__ = ["UNIT_ALIASES", "cert_unit", "coverage_factor", "decimal_of", "measure", "measure_of", "reading",
           "uncertain"]

UNIT_ALIASES = {"percent_RH": "percent", "%RH": "percent", "degree_Celsius": "degC"}


def decimal_of(value: float | Decimal | str, *, places_like: float | None = None) -> Decimal:
    """A stored number as Decimal without float noise, padded to the decimals of ``places_like``."""
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int) and not isinstance(value, bool):
        number = Decimal(value)
    else:
        number = Decimal(format(float(value), ".12g"))
    if number.is_zero():
        number = abs(number)  # never "-0"
    if places_like:
        step = Decimal(format(float(places_like), ".12g"))
        wanted = _decimals(step.normalize())
        have = _decimals(number)
        if 0 < wanted and have < wanted and number == number.quantize(Decimal(1).scaleb(-wanted)):
            number = number.quantize(Decimal(1).scaleb(-wanted))
    return number


def _decimals(number: Decimal) -> int:
    """Digits after the decimal point of a finite number (negative for ``1E+2``)."""
    exponent = number.as_tuple().exponent
    if not isinstance(exponent, int):  # "n", "N", "F": a stored number is never NaN or infinite
        raise ValueError(f"{number} is not a finite number")
    return -exponent


def cert_unit(unit: str) -> str:
    return UNIT_ALIASES.get(unit, unit)


def measure(value: Any, unit: str, *, places_like: float | None = None) -> cm.Measure | None:
    if value is None:
        return None
    return measure_of(value, unit, places_like=places_like)


def measure_of(value: float | Decimal | str, unit: str, *, places_like: float | None = None) -> cm.Measure:
    return cm.Measure(decimal_of(value, places_like=places_like), cert_unit(unit))


def reading(value: float, resolution: float | None) -> Decimal:
    """A reading or a value without U of its own: to the instrument's resolution, one more
    decimal at most (:func:`~lims.metrology.reporting.result_places`), never fewer than the
    resolution's; without a resolution, only float noise is cut."""
    places = result_places(None, resolution)
    if places is None:
        return decimal_of(value)
    number = round_to_places(float(value), places)
    coarse = max(0, places - 1)
    if number == number.quantize(Decimal(1).scaleb(-coarse)):
        number = number.quantize(Decimal(1).scaleb(-coarse))
    return number


def uncertain(value: float, expanded_uncertainty: float) -> Decimal:
    """The value an expanded uncertainty belongs to, to the decimal place of the rounded U (JCGM 100 7.2.6)."""
    places = result_places(expanded_uncertainty)
    return decimal_of(value) if places is None else round_to_places(float(value), places)


def coverage_factor(k: float) -> Decimal:
    """k to two decimals, as :func:`lims.metrology.reporting.result_text` prints it."""
    return Decimal(f"{float(k):.15g}").quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
