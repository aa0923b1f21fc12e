"""How a measurement result is rounded and written on a certificate (JCGM 100:2008, 7.2).

* The expanded uncertainty is given to two significant digits and the value is rounded
  to the same decimal place (JCGM 100 7.2.6), rounding half away from zero.
* EA-4/02 M:2022 §5: if ordinary rounding lowers U by more than 5 %, U is rounded up
  instead (this matters when U is given to one significant digit: 0.149 → 0.2, not 0.1;
  with two digits ordinary rounding never lowers U by more than 4.8 %).
* Floats are first reduced to 12 significant digits, so that binary noise
  (10.0275 − 10.0 = 0.027499999999999858) does not decide a rounding. A value that needs
  more digits to reach the decimal place of U (a 10 MHz frequency with U = 0.000 012 Hz
  needs 14) keeps that many plus two guard digits, up to the 17 a float carries, so no
  digit of the value is replaced by a zero.
* The result reads ``E = (0.028 ± 0.015) bar; k = 2.32; p = 95.45 %`` (en) or
  ``E = (0,028 ± 0,015) bar; k = 2,32; p = 95,45 %`` (vi), as JCGM 100 7.2.4 recommends.
"""
from __future__ import annotations

import math
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Literal

from lims.metrology.units import format_unit

__all__ = ["round_result", "round_uncertainty", "round_to_places", "result_places", "result_text"]

Lang = Literal["vi", "en"]


def _decimal(value: float, digits: int = 12) -> Decimal:
    return Decimal(f"{value:.{digits}g}")


def _value_decimal(value: float, exponent: int) -> Decimal:
    """The value with enough significant digits to be rounded at 10**exponent (JCGM 100 7.2.6).

    12 significant digits, or the digits down to the rounding place plus two guard digits
    when that is more (at most 17, all a float holds).
    """
    if value == 0 or not math.isfinite(value):
        return _decimal(value)
    needed = math.floor(math.log10(abs(value))) - exponent + 1
    return _decimal(value, min(max(12, needed + 2), 17))


def _uncertainty_step(u: Decimal, significant_digits: int) -> tuple[Decimal, int]:
    """U rounded (JCGM 100 7.2.6, EA-4/02 M §5) and the exponent of its last digit."""
    exponent = u.adjusted() - (significant_digits - 1)
    rounded = u.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)
    if rounded.adjusted() - (significant_digits - 1) > exponent:  # 0.0996 -> 0.10, not 0.100
        exponent += 1
        rounded = u.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)
    if (u - rounded) > u * Decimal("0.05"):  # EA-4/02 M §5: never lower U by more than 5 %
        rounded = u.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_CEILING)
        if rounded.adjusted() - (significant_digits - 1) > exponent:
            exponent += 1
            rounded = rounded.quantize(Decimal(1).scaleb(exponent))
    return rounded, exponent


def round_uncertainty(expanded_uncertainty: float, significant_digits: int = 2) -> Decimal:
    """An expanded uncertainty as reported: ``significant_digits`` digits (JCGM 100 7.2.6),
    half up, and rounded up where ordinary rounding would lower it by more than 5 % (EA-4/02 M §5).

    ``round_uncertainty(0.145) == Decimal("0.15")``; ``round_uncertainty(0.0996) == Decimal("0.10")``;
    ``round_uncertainty(0.149, 1) == Decimal("0.2")``.
    """
    if expanded_uncertainty < 0:
        raise ValueError("an expanded uncertainty is zero or positive")
    u = _decimal(expanded_uncertainty)
    if u == 0:
        return u
    return _uncertainty_step(u, significant_digits)[0]


def round_to_places(value: float, places: int) -> Decimal:
    """``value`` rounded half away from zero to ``places`` decimals (negative: tens, hundreds ...)."""
    exponent = -places
    number = _value_decimal(value, exponent).quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)
    return abs(number) if number.is_zero() else number


def result_places(expanded_uncertainty: float | None, resolution: float | None = None,
                  significant_digits: int = 2) -> int | None:
    """Decimal places of a reported value: those of its rounded U (JCGM 100 7.2.6); without U,
    one more than the instrument's resolution; None when neither is known."""
    if expanded_uncertainty:
        u = _decimal(abs(expanded_uncertainty))
        return max(0, -_uncertainty_step(u, significant_digits)[1])
    if resolution:
        return max(0, -_decimal(abs(resolution)).adjusted() + 1)
    return None


def round_result(value: float, expanded_uncertainty: float, significant_digits: int = 2) -> tuple[Decimal, Decimal]:
    """Value and expanded uncertainty rounded for a certificate (JCGM 100 7.2.6, EA-4/02 M §5).

    Returns two :class:`~decimal.Decimal` numbers with the same exponent, e.g.
    ``round_result(0.0275, 0.014716) == (Decimal("0.028"), Decimal("0.015"))``.
    A zero uncertainty leaves the value at up to 12 significant digits.
    """
    if expanded_uncertainty < 0:
        raise ValueError("an expanded uncertainty is zero or positive")
    u = _decimal(expanded_uncertainty)
    if u == 0:
        return _decimal(value), u
    rounded, exponent = _uncertainty_step(u, significant_digits)
    return round_to_places(value, -exponent), rounded


def _plain(number: Decimal, lang: Lang) -> str:
    text = format(number, "f")
    return text.replace(".", ",") if lang == "vi" else text


def _percent(p: float, lang: Lang) -> str:
    text = format(_decimal(p * 100).normalize(), "f")
    return text.replace(".", ",") if lang == "vi" else text


def result_text(
    symbol: str,
    value: float,
    expanded_uncertainty: float,
    unit: str,
    k: float,
    coverage_probability: float,
    lang: Lang = "en",
) -> str:
    """The result as a certificate prints it (JCGM 100 7.2.4 and 7.2.6)."""
    number, uncertainty = round_result(value, expanded_uncertainty)
    symbol_text = format_unit(unit)
    unit_part = f" {symbol_text}" if symbol_text else ""
    k_text = format(Decimal(f"{k:.15g}").quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), "f")
    if lang == "vi":
        k_text = k_text.replace(".", ",")
    if uncertainty == 0:
        return f"{symbol} = {_plain(number, lang)}{unit_part}"
    return (f"{symbol} = ({_plain(number, lang)} ± {_plain(uncertainty, lang)}){unit_part}; "
            f"k = {k_text}; p = {_percent(coverage_probability, lang)} %")
