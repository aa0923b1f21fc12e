"""Unit strings: how they print on a certificate and how they are written in D-SI.

The document model carries units as plain strings, in the spellings the rest of the program
stores (pint symbols such as ``g``, ``mg``, ``kPa``, ``degC``, ``delta_degC``, ``percent``, or
pint names such as ``milligram``). This module turns them into

* the symbol printed on the certificate (SI Brochure, 9th ed., 5.4: ``°C``, ``kg/m³``), and
* the D-SI unit string of the PTB Digital Calibration Certificate (D-SI 2.2.1, e.g.
  ``\\milli\\gram``, ``\\kilo\\metre\\hour\\tothe{-1}``).

The tables are data: a missing unit is a one-line addition to :data:`BASE_UNITS`. Units
are kept local to this package so that it stays independent of the program's pint registry.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from certificates.errors import UnitError

#: key -> (printed symbol, D-SI name, may take an SI prefix). Keys are the accepted
#: spellings; several spellings share one entry.
BASE_UNITS: dict[str, tuple[str, str, bool]] = {}


def _add(names: tuple[str, ...], symbol: str, dsi: str, prefixable: bool = True) -> None:
    for name in names:
        BASE_UNITS[name] = (symbol, dsi, prefixable)


_add(("g", "gram"), "g", r"\gram")
_add(("t", "tonne", "metric_ton"), "t", r"\tonne")
_add(("m", "meter", "metre"), "m", r"\metre")
_add(("L", "l", "liter", "litre"), "L", r"\litre")
_add(("s", "second"), "s", r"\second")
_add(("min", "minute"), "min", r"\minute", prefixable=False)
_add(("h", "hour"), "h", r"\hour", prefixable=False)
_add(("d", "day"), "d", r"\day", prefixable=False)
_add(("K", "kelvin"), "K", r"\kelvin")
_add(("degC", "°C", "degree_Celsius", "celsius"), "°C", r"\degreecelsius", prefixable=False)
# A temperature *difference* in degrees Celsius equals the same number of kelvin.
_add(("delta_degC", "delta_degree_Celsius", "Δ°C"), "°C", r"\kelvin", prefixable=False)
_add(("Pa", "pascal"), "Pa", r"\pascal")
_add(("bar",), "bar", r"\bar")
_add(("mmHg", "millimeter_Hg", "millimetre_Hg"), "mmHg", r"\mmhg", prefixable=False)
_add(("N", "newton"), "N", r"\newton")
_add(("J", "joule"), "J", r"\joule")
_add(("W", "watt"), "W", r"\watt")
_add(("Wh", "watt_hour"), "Wh", r"\watt\hour")
_add(("V", "volt"), "V", r"\volt")
_add(("A", "ampere"), "A", r"\ampere")
_add(("ohm", "Ω"), "Ω", r"\ohm")
_add(("Hz", "hertz"), "Hz", r"\hertz")
_add(("mol", "mole"), "mol", r"\mole")
_add(("cd", "candela"), "cd", r"\candela")
_add(("lx", "lux"), "lx", r"\lux")
_add(("Sv", "sievert"), "Sv", r"\sievert")
_add(("Gy", "gray"), "Gy", r"\gray")
_add(("rad", "radian"), "rad", r"\radian")
_add(("deg", "degree", "°"), "°", r"\degree", prefixable=False)
_add(("percent", "%"), "%", r"\percent", prefixable=False)
# Relative humidity as the program stores it (lims.metrology.units: percent_RH); D-SI has no
# separate unit for it, so it is written as \percent.
_add(("percent_RH", "%RH"), "%RH", r"\percent", prefixable=False)
_add(("ppm",), "ppm", r"\ppm", prefixable=False)
_add(("dB", "decibel"), "dB", r"\decibel", prefixable=False)
_add(("1", "dimensionless", "one"), "", r"\one", prefixable=False)

#: SI prefixes: symbol and name -> (power of ten, D-SI name). SI Brochure table 7.
PREFIXES: dict[str, tuple[int, str]] = {}
for _sym, _name, _exp in (
    ("G", "giga", 9), ("M", "mega", 6), ("k", "kilo", 3), ("h", "hecto", 2), ("da", "deca", 1),
    ("d", "deci", -1), ("c", "centi", -2), ("m", "milli", -3), ("µ", "micro", -6),
    ("μ", "micro", -6), ("u", "micro", -6), ("n", "nano", -9), ("p", "pico", -12),
):
    PREFIXES[_sym] = (_exp, "\\" + _name)
    PREFIXES[_name] = (_exp, "\\" + _name)

_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_FROM_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_TERM = re.compile(r"^(?P<name>[^\^*]+?)(?:(?:\^|\*\*)\(?(?P<exp>[-+]?\d+)\)?|(?P<sup>[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+))?$")


@dataclass(frozen=True)
class UnitTerm:
    """One factor of a unit: ``prefix`` (power of ten) ``base`` (key of BASE_UNITS) ``power``."""

    prefix_exp: int
    prefix_dsi: str
    prefix_symbol: str
    base: str
    power: int


def _split_terms(text: str) -> list[tuple[str, int]]:
    """Split ``kg/m^3`` or ``kW*h`` into (factor, sign) pairs; one ``/`` at most."""
    text = re.sub(r"\s*(\*\*|\^)\s*", r"\1", text)
    parts = text.split("/")
    if len(parts) > 2:
        raise UnitError("unit", f"cannot read unit {text!r}: use at most one '/'")
    out: list[tuple[str, int]] = []
    for sign, part in zip((1, -1), parts, strict=False):
        part = part.strip()
        if part.startswith("(") and part.endswith(")"):
            part = part[1:-1]
        for factor in re.split(r"\s*(?:(?<!\*)\*(?!\*)|·|⋅|\s)\s*", part):
            if factor:
                out.append((factor, sign))
    return out


def _lookup(name: str, text: str) -> tuple[int, str, str, str]:
    """Return (prefix exponent, prefix D-SI, prefix symbol, base key) for one factor name."""
    if name in BASE_UNITS:
        return 0, "", "", name
    for prefix, (exp, dsi) in sorted(PREFIXES.items(), key=lambda kv: -len(kv[0])):
        rest = name[len(prefix):]
        if name.startswith(prefix) and rest in BASE_UNITS and BASE_UNITS[rest][2]:
            symbol = "µ" if exp == -6 else (prefix if len(prefix) <= 2 else _symbol_of(exp))
            return exp, dsi, symbol, rest
    raise UnitError("unit", f"unknown unit {name!r} in {text!r}")


def _symbol_of(exp: int) -> str:
    for key, (e, _) in PREFIXES.items():
        if e == exp and len(key) <= 2 and key not in ("u", "μ"):
            return key
    raise UnitError("unit", f"no SI prefix for 10^{exp}")


def parse_unit(text: str) -> tuple[UnitTerm, ...]:
    """Parse a unit string into its factors.

    >>> [(t.prefix_exp, t.base, t.power) for t in parse_unit("kg/m^3")]
    [(3, 'g', 1), (0, 'm', -3)]
    """
    if not isinstance(text, str):
        raise UnitError("unit", f"a unit must be a string, not {type(text).__name__}")
    stripped = text.strip()
    if stripped in BASE_UNITS:
        return (UnitTerm(0, "", "", stripped, 1),)
    if not stripped:
        raise UnitError("unit", "the unit is empty: write '1' for a dimensionless number")
    terms: list[UnitTerm] = []
    for factor, sign in _split_terms(stripped):
        match = _TERM.match(factor)
        if match is None:
            raise UnitError("unit", f"cannot read unit {text!r}")
        exp_text = match["exp"] or (match["sup"] or "1").translate(_FROM_SUPERSCRIPTS)
        exp, dsi, symbol, base = _lookup(match["name"], text)
        terms.append(UnitTerm(exp, dsi, symbol, base, sign * int(exp_text)))
    return tuple(terms)


def display_unit(text: str) -> str:
    """The unit as printed on the certificate (``degC`` -> ``°C``, ``kg/m^3`` -> ``kg/m³``).

    An unknown unit prints as written, so an unusual unit never stops a certificate from
    rendering; :func:`dsi_unit` is strict instead.
    """
    try:
        terms = parse_unit(text)
    except UnitError:
        return text.strip()
    num = [t for t in terms if t.power > 0]
    den = [t for t in terms if t.power < 0]

    def show(t: UnitTerm, power: int) -> str:
        sym = t.prefix_symbol + BASE_UNITS[t.base][0]
        return sym + (str(power).translate(_SUPERSCRIPTS) if power != 1 else "")

    top = "·".join(show(t, t.power) for t in num) or ("1" if den else "")
    if not den:
        return top
    bottom = "·".join(show(t, -t.power) for t in den)
    return f"{top}/({bottom})" if len(den) > 1 else f"{top}/{bottom}"


def dsi_unit(text: str) -> str:
    r"""The D-SI 2.2.1 unit string (``mg`` -> ``\milli\gram``, ``km/h`` -> ``\kilo\metre\hour\tothe{-1}``).

    Raises :class:`UnitError` for a unit this module does not know.
    """
    out = []
    for t in parse_unit(text):
        out.append(t.prefix_dsi + BASE_UNITS[t.base][1] + (rf"\tothe{{{t.power}}}" if t.power != 1 else ""))
    return "".join(out)


def _signature(terms: tuple[UnitTerm, ...]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted((BASE_UNITS[t.base][1], t.power) for t in terms))


def _scale(terms: tuple[UnitTerm, ...]) -> int:
    return sum(t.prefix_exp * t.power for t in terms)


def compatible(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ at most by SI prefixes (``g`` and ``mg``), or are equal."""
    if a.strip() == b.strip():
        return True
    try:
        return _signature(parse_unit(a)) == _signature(parse_unit(b))
    except UnitError:
        return False


def rescale(value: Decimal, from_unit: str, to_unit: str) -> Decimal:
    """Express ``value`` given in ``from_unit`` in ``to_unit`` when they differ only by SI prefixes.

    The conversion is an exact shift of the decimal point (``Decimal.scaleb``), so no digit
    of a stored result changes: 0.3 mg -> 0.0003 g.
    """
    if from_unit.strip() == to_unit.strip():
        return value
    src, dst = parse_unit(from_unit), parse_unit(to_unit)
    if _signature(src) != _signature(dst):
        raise UnitError("unit", f"cannot express {from_unit!r} in {to_unit!r}: different quantities")
    return value.scaleb(_scale(src) - _scale(dst))
