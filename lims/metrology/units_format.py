"""Printing units and quantities for people: certificates, pages, the command line.

Vietnamese with a decimal comma, English with a decimal point, digits grouped by threes with
a no-break space (SI Brochure, 9th ed., 5.4.4), a space between number and unit symbol
(5.4.3); symbols as people write them (``°C``, ``%RH``, ``m³``, ``µSv/h``, ``Ω``).
"""
from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from lims.i18n import _, current_language
from lims.metrology.errors import UnitError
from lims.metrology.units_reading import parse_quantity
from lims.metrology.units_registry import DISPLAY_SYMBOLS, exponent_text, parse_unit, unit_symbol
from lims.metrology.units_table import lab_unit

__all__ = ["format_unit", "format_number", "format_quantity", "page_number", "page_quantity", "page_range",
           "shown_in", "format_class", "page_day"]

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
        raise UnitError(_("%(value)s is not a finite number.", value=repr(value)))
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
    integer, _dot, fraction = text.partition(".")
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


# Pages and messages (not certificates): Vietnamese "1.000,5", English "1,000.5".

#: Smaller units a value is shown in when it would need many zeros after the decimal mark in its own
#: (the 1 mg weight of a 1 mg – 20 kg set is "1 mg", not "0,000001 kg").
_SMALLER = {"kg": "g", "g": "mg", "mg": "µg", "L": "mL", "m": "mm"}
_SMALLER_FACTOR = 1000.0


def shown_in(value: float, unit: str | None) -> tuple[float, str | None]:
    """``value`` in ``unit`` as a page shows it: a small value of a mass, volume or length in a
    smaller unit so that it needs no more than two zeros after the decimal mark (0.000001 kg is
    1 mg, 0.5 kg stays 0.5 kg, 0.005 kg is 5 g); other values unchanged."""
    while unit in _SMALLER and value != 0 and abs(value) < 0.01:
        value, unit = value * _SMALLER_FACTOR, _SMALLER[unit]
    return float(f"{value:.12g}"), unit


def page_number(value: float | int, lang: str | None = None, digits: int | None = None) -> str:
    """A number on a page or in a message: Vietnamese ``1.000,5`` (decimal comma, a dot between
    thousands), English ``1,000.5``; ``digits`` decimal places when given, else as it is (up to
    six decimal places). ``lang`` is the current language unless given."""
    lang = lang or current_language()
    if isinstance(value, int) and not isinstance(value, bool) and digits is None:
        text = f"{value:,}"
    elif digits is not None:
        text = f"{value:,.{digits}f}"
    elif abs(value) >= 1e15:
        text = f"{value:,.10g}"
    else:
        text = f"{value:,.6f}".rstrip("0").rstrip(".")
        text = text if text not in ("-0", "") else "0"
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def page_quantity(value: float | int, unit: str | None, lang: str | None = None, digits: int | None = None) -> str:
    """A value and its unit on a page or in a message: ``1.000,5 kg``, ``23,5 °C``, ``1 mg`` (the
    unit's symbol, :func:`format_unit`; a small mass in a smaller unit, :func:`shown_in`, unless
    ``digits`` fixes the places in ``unit``)."""
    if digits is None:
        value, unit = shown_in(float(value), unit)
    number = page_number(value, lang, digits)
    if not unit:
        return number
    try:
        symbol = format_unit(unit)
    except (UnitError, ValueError, AttributeError, TypeError):  # show the stored text rather than fail
        symbol = unit
    return f"{number}\u00a0{symbol}" if symbol else number  # a no-break space: the unit stays with its number


def page_range(low: float, high: float, unit: str | None, lang: str | None = None) -> str:
    """A measuring range: ``0 … 16 bar``; ends shown in different units when one is small
    (``1 mg … 20 kg``)."""
    lo_value, lo_unit = shown_in(float(low), unit)
    hi_value, hi_unit = shown_in(float(high), unit)
    if lo_value == 0:
        lo_unit = hi_unit
    if lo_unit == hi_unit:
        return f"{page_number(lo_value, lang)} … {page_quantity(hi_value, hi_unit, lang)}"
    return f"{page_quantity(lo_value, lo_unit, lang)} … {page_quantity(hi_value, hi_unit, lang)}"


def page_day(value: date | datetime | None, lang: str | None = None) -> str:
    """A date (or date and time) as the language writes it: ``25/10/2026`` (vi), ``2026-10-25`` (en,
    unambiguous in every English-speaking country); a dash when there is none. A time kept in UTC is
    shown in the lab's time zone (``LIMS_TIMEZONE``, :func:`lims.config.time_zone`): 02:35 UTC is
    09:35 in Lạng Sơn."""
    if value is None:
        return "—"
    with_time = isinstance(value, datetime)
    if isinstance(value, datetime) and value.tzinfo is not None:
        from lims.config import time_zone

        value = value.astimezone(time_zone())
    if (lang or current_language()) == "vi":
        return value.strftime("%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y")
    return value.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


_CLASS_NUMBER = re.compile(r"(\d+)[.,](\d+)")


def format_class(text: str | None, lang: str | None = None) -> str:
    """An accuracy class as the page's language writes it: ``1,6`` and ``0,05 %`` (vi), ``1.6`` (en);
    letters (``II``, ``F1``, ``M1``) as they are."""
    if not text:
        return "—"
    mark = "," if (lang or current_language()) == "vi" else "."
    return _CLASS_NUMBER.sub(lambda m: f"{m.group(1)}{mark}{m.group(2)}", text)
