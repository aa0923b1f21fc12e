"""Printing units and quantities for people: certificates, pages, the command line.

Vietnamese with a decimal comma, English with a decimal point, digits grouped by threes with
a no-break space (SI Brochure, 9th ed., 5.4.4), a space between number and unit symbol
(5.4.3); symbols as people write them (``°C``, ``%RH``, ``m³``, ``µSv/h``, ``Ω``).
"""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from lims.metrology.errors import UnitError
from lims.metrology.units_reading import parse_quantity
from lims.metrology.units_registry import DISPLAY_SYMBOLS, exponent_text, parse_unit, unit_symbol
from lims.metrology.units_table import lab_unit

__all__ = ["format_unit", "format_number", "format_quantity"]

Lang = Literal["vi", "en"]

_SUPERSCRIPTS = str.maketrans("-0123456789.", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹·")


def format_unit(unit: Any) -> str:
    """The unit symbol as printed on a certificate: ``°C``, ``%RH``, ``m³``, ``µSv/h``, ``Ω``.

    A temperature difference prints as ``°C`` (certificates write "U = 0,2 °C"); a pure
    number prints as an empty string. A unit of the lab's table prints its symbol there;
    any other (a sensitivity coefficient's ``Ω/mA``) is composed from its factors, the same way.
    """
    row = lab_unit(unit.strip()) if isinstance(unit, str) else None
    if row is not None:
        return row.symbol
    parsed = parse_unit(unit)
    items = list(parsed._units.items())
    if not items:
        return ""

    def part(name: str, exponent: float) -> str:
        symbol = unit_symbol(name, DISPLAY_SYMBOLS)
        if exponent == 1:
            return symbol
        return symbol + exponent_text(exponent).translate(_SUPERSCRIPTS)

    numerator = [part(n, e) for n, e in items if e > 0]
    denominator = [part(n, -e) for n, e in items if e < 0]
    if not numerator:
        return "·".join(part(n, e) for n, e in items)
    text = "·".join(numerator)
    if len(denominator) == 1:
        text += "/" + denominator[0]
    elif denominator:
        text += "/(" + "·".join(denominator) + ")"
    return text


def format_number(
    value: float,
    lang: Lang = "vi",
    digits: int | None = None,
    *,
    group: bool = True,
) -> str:
    """A number for a certificate: ``12 345,6`` (vi) or ``12 345.6`` (en).

    ``digits`` is the number of decimal places (rounded half away from zero); ``None``
    prints the number as it is, up to 12 significant digits. Integer parts of five or
    more digits are grouped by threes with a no-break space (SI Brochure 5.4.4).
    """
    if not math.isfinite(value):
        raise UnitError(f"{value!r} is not a finite number")
    if digits is None:
        dec = Decimal(f"{value:.12g}")
        text = format(dec, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    else:
        dec = Decimal(f"{value:.15g}").quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
        text = format(dec, "f")
    negative = text.startswith("-")
    text = text.lstrip("-")
    integer, _, fraction = text.partition(".")
    if group and len(integer) > 4:
        groups: list[str] = []
        while integer:
            groups.insert(0, integer[-3:])
            integer = integer[:-3]
        integer = "\u00a0".join(groups)
    sep = "," if lang == "vi" else "."
    text = integer + (sep + fraction if fraction else "")
    if negative and any(ch not in "0.,\u00a0" for ch in text):
        text = "-" + text
    return text


def format_quantity(
    quantity: Any,
    lang: Lang = "vi",
    digits: int | None = None,
) -> str:
    """A quantity as a certificate prints it: ``1,5 g``, ``25,0 °C``, ``50 %RH`` (vi)."""
    q = parse_quantity(quantity)
    number = format_number(float(q.magnitude), lang, digits)
    symbol = format_unit(q.units)
    if not symbol:
        return number
    if symbol == "°":
        return number + symbol
    return f"{number}\u00a0{symbol}"
