"""Printing numbers, quantities and dates as they appear on a certificate.

Numbers are printed from the stored :class:`~decimal.Decimal`, digit for digit: a value
stored as ``0.10`` prints ``0,10`` in Vietnamese and ``0.10`` in English, never ``0.1``
(the PDF never recomputes or re-rounds, see DESIGN "numbers on a certificate are computed
once"). Conventions follow the SI Brochure (9th ed.) 5.4.2-5.4.4: a space between number
and unit, the decimal marker of the language (comma in Vietnamese, point in English),
digits of long numbers grouped in threes with a thin space, and the minus sign U+2212.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from certificates.units import display_unit

#: Narrow no-break space: the thin space of SI Brochure 5.4.4 that never breaks a line.
THIN_SPACE = "\u202f"
MINUS = "\u2212"
DECIMAL_MARK = {"vi": ",", "en": "."}


def _group(digits: str) -> str:
    """Group the integer digits in threes when there are more than four (SI Brochure 5.4.4)."""
    if len(digits) <= 4:
        return digits
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)]
    return THIN_SPACE.join(groups)


def format_number(value: Decimal, lang: str = "vi", *, signed: bool = False) -> str:
    """Print a stored number with the decimal marker of ``lang``, keeping every stored digit.

    >>> format_number(Decimal("-1234.50"), "vi")
    '−1234,50'
    >>> format_number(Decimal("0.0003"), "en", signed=True)
    '+0.0003'
    """
    text = format(value, "f")
    negative = text.startswith("-")
    text = text.lstrip("-+")
    whole, _, frac = text.partition(".")
    out = _group(whole) + (DECIMAL_MARK.get(lang, ".") + frac if frac else "")
    if negative and value != 0:
        return MINUS + out
    if signed and value > 0:
        return "+" + out
    return out


def format_measure(value: Decimal, unit: str, lang: str = "vi", *, signed: bool = False) -> str:
    """``100,0002 g``; a dimensionless number prints without a unit; ``%`` keeps its space."""
    symbol = display_unit(unit)
    number = format_number(value, lang, signed=signed)
    if not symbol:
        return number
    if symbol in ("°", "′", "″"):
        return number + symbol  # plane angle: no space (SI Brochure 5.4.3)
    return f"{number}\u00a0{symbol}"


def format_probability(p: Decimal, lang: str = "vi") -> str:
    """Coverage probability as a percentage: ``0.95`` -> ``95 %``; ``0.9545`` -> ``95,45 %``."""
    percent = (p * 100).normalize()
    if percent == percent.to_integral_value():
        percent = percent.quantize(Decimal(1))
    return f"{format_number(percent, lang)}\u00a0%"


def format_date(day: date, lang: str = "vi") -> str:
    """Vietnamese ``16/01/2025`` (the form of administrative documents); English ISO 8601."""
    if lang == "vi":
        return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"
    return day.isoformat()
