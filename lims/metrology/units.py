"""The one unit registry of the program, and how quantities are read, stored and printed.

* ``ureg`` is the only :class:`pint.UnitRegistry`; every module uses it (it is also pint's
  application registry, so quantities unpickle into it). ``Q_`` is its ``Quantity``.
* Relative humidity is the unit ``percent_RH`` (0.01, dimensionless); the text ``%RH`` is
  accepted on input and printed on certificates.
* Temperatures follow pint's offset-unit rules: a temperature is ``degC`` (or ``K``), a
  temperature *difference* (an error, a deviation, an uncertainty) is ``delta_degC`` or ``K``.
* Quantities cross the database boundary as a float plus the text of
  :func:`canonical_unit` (plain ASCII such as ``g``, ``bar``, ``delta_degC``, ``percent_RH``,
  ``uSv/h``, ``m**3``) which parses back to the same unit.
* :func:`format_quantity` prints for certificates: Vietnamese with a decimal comma,
  English with a decimal point, digits grouped by threes with a no-break space
  (SI Brochure, 9th ed., 5.4.4), a space between number and unit symbol (5.4.3).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any, Literal

import pint

from lims.metrology.errors import UnitError

__all__ = [
    "ureg",
    "Q_",
    "Quantity",
    "UnitInfo",
    "unit_info",
    "split_quantity",
    "parse_quantity",
    "canonical_unit",
    "format_unit",
    "format_number",
    "format_quantity",
    "quantity_to_dict",
    "quantity_from_dict",
    "as_delta",
    "same_kind",
    "dimension_name",
    "LAB_UNITS",
]

Lang = Literal["vi", "en"]

ureg: pint.UnitRegistry = pint.UnitRegistry(autoconvert_offset_to_baseunit=False)
ureg.define("percent_RH = 0.01")
_PRE_SUBSTITUTIONS = (
    (re.compile(r"%\s*RH\b"), "percent_RH"),
    (re.compile("℃"), "degC"),
    (re.compile("\u03bc"), "\u00b5"),  # Greek mu typed for the micro sign
)


def _preprocess(text: str) -> str:
    for pattern, replacement in _PRE_SUBSTITUTIONS:
        text = pattern.sub(replacement, text)
    return text


# Run before pint's own "%" -> "percent" substitution so that "%RH" survives.
ureg.preprocessors.insert(0, _preprocess)
pint.set_application_registry(ureg)

Q_ = ureg.Quantity
Quantity = pint.Quantity

#: The units a metrology lab uses, as typed by technicians; each round-trips through
#: :func:`canonical_unit` (a test proves it).
LAB_UNITS: tuple[str, ...] = (
    "g", "kg", "mg", "t", "L", "mL", "m**3", "Pa", "kPa", "MPa", "bar", "mbar", "mmHg",
    "degC", "delta_degC", "K", "percent_RH", "%RH", "percent", "V", "mV", "A", "mA", "ohm",
    "W", "Wh", "kWh", "Hz", "s", "min", "h", "m", "mm", "m/s", "km/h", "mg/L", "uSv/h",
)

_DIMENSION_EXAMPLES = (
    ("mass", "g"), ("volume", "L"), ("pressure", "Pa"), ("temperature", "K"),
    ("length", "m"), ("time", "s"), ("electric current", "A"), ("voltage", "V"),
    ("resistance", "ohm"), ("power", "W"), ("energy", "J"), ("frequency", "Hz"),
    ("speed", "m/s"), ("mass concentration", "mg/L"), ("dose rate", "Sv/s"),
    ("force", "N"), ("area", "m**2"), ("density", "kg/m**3"), ("volume flow", "m**3/s"),
    ("dimensionless number", "dimensionless"),
)
_DIMENSION_NAMES: dict[Any, str] = {
    ureg.get_dimensionality(ureg.parse_units(unit)): name for name, unit in _DIMENSION_EXAMPLES
}

_NUMBER_RE = re.compile(
    r"^\s*([+\-\u2212]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+\-\u2212]?\d+)?)\s*(.*?)\s*$"
)

# Unit names whose printed symbol differs from pint's.
_DISPLAY_SYMBOLS = {
    "liter": "L",
    "degree_Celsius": "°C",
    "delta_degree_Celsius": "°C",
    "degree_Fahrenheit": "°F",
    "delta_degree_Fahrenheit": "°F",
    "percent": "%",
    "percent_RH": "%RH",
    "ohm": "Ω",
    "degree": "°",
}
# Unit names whose storage text differs from pint's symbol (ASCII, parseable).
_ASCII_SYMBOLS = {
    "liter": "L",
    "degree_Celsius": "degC",
    "delta_degree_Celsius": "delta_degC",
    "degree_Fahrenheit": "degF",
    "delta_degree_Fahrenheit": "delta_degF",
    "percent": "percent",
    "percent_RH": "percent_RH",
    "ohm": "ohm",
    "degree": "deg",
    "kelvin": "K",
}
_ASCII_PREFIXES = {"µ": "u", "μ": "u"}
_SUPERSCRIPTS = str.maketrans("-0123456789.", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹·")


def dimension_name(dimensionality: Any) -> str:
    """A plain-language name for a pint dimensionality ("pressure", "mass" ...)."""
    name = _DIMENSION_NAMES.get(dimensionality)
    return name if name is not None else str(dimensionality)


@dataclass(frozen=True, slots=True)
class UnitInfo:
    """A unit resolved once: what the fast float arithmetic of the budgets needs.

    ``scale`` and ``offset`` convert a value to SI base units
    (``base = offset + scale * value``); a difference converts with ``scale`` only.
    ``delta_text`` is the unit of a difference (``delta_degC`` for ``degC``).
    """

    text: str
    unit: Any
    dimensionality: Any
    scale: float
    offset: float
    is_offset: bool
    delta_text: str

    def to_base(self, value: float) -> float:
        """Value in SI base units."""
        return self.offset + self.scale * value

    def from_base(self, value: float) -> float:
        """Value in this unit from SI base units."""
        return (value - self.offset) / self.scale


@lru_cache(maxsize=4096)
def unit_info(text: str) -> UnitInfo:
    """Resolve a unit text once (cached): canonical text, dimension, factor to SI base units.

    Raises :class:`UnitError` for an unknown unit, or for an offset temperature unit
    (``degC``) used inside a compound unit, where only a difference makes sense.
    """
    unit = _parse_unit(text)
    container = unit._units
    offset_names = [name for name in container if not ureg._units[name].is_multiplicative]
    if offset_names and (len(container) != 1 or container[offset_names[0]] != 1):
        raise UnitError(
            f"unit '{text}': a temperature in {format_unit(ureg.Unit(offset_names[0]))} can only "
            "stand alone; inside a compound unit use K or delta_degC",
            units=(text,),
        )
    is_offset = bool(offset_names)
    if is_offset:
        zero = Q_(0.0, unit).to_base_units().magnitude
        one = Q_(1.0, unit).to_base_units().magnitude
        scale, offset = float(one - zero), float(zero)
        delta_unit = ureg.Unit("delta_" + offset_names[0])
    else:
        scale, offset = float(Q_(1.0, unit).to_base_units().magnitude), 0.0
        delta_unit = unit
    return UnitInfo(
        text=canonical_unit(unit),
        unit=unit,
        dimensionality=ureg.get_dimensionality(unit),
        scale=scale,
        offset=offset,
        is_offset=is_offset,
        delta_text=canonical_unit(delta_unit),
    )


def _parse_unit(text: Any) -> Any:
    if isinstance(text, pint.Unit):
        return text
    if not isinstance(text, str):
        raise UnitError(f"a unit must be given as text, not {text!r}")
    stripped = text.strip()
    if stripped in ("", "1"):
        return ureg.Unit("")
    try:
        return ureg.parse_units(stripped)
    except (pint.UndefinedUnitError, pint.DefinitionSyntaxError, AttributeError, TypeError,
            ValueError, SyntaxError, AssertionError) as exc:
        raise UnitError(f"unknown unit '{text}'", units=(text,)) from exc


def split_quantity(text: str, *, decimal_comma: bool = False) -> tuple[float, str]:
    """Split ``"10.02 bar"`` into ``(10.02, "bar")`` without pint (fast path).

    A decimal comma (``"10,02 bar"``) is accepted only with ``decimal_comma=True``, because
    ``1,000`` is a thousand in English and one in Vietnamese.
    """
    match = _NUMBER_RE.match(text)
    if match is None:
        raise UnitError(f"'{text}' is not a number followed by a unit (for example '10.02 bar')")
    number, unit_text = match.group(1), match.group(2)
    if "," in number:
        if not decimal_comma:
            raise UnitError(
                f"'{text}': write the number with a decimal point "
                f"({number.replace(',', '.')}), not a comma"
            )
        number = number.replace(",", ".")
    return float(number.replace("\u2212", "-")), unit_text


def _unit_label(info: UnitInfo) -> str:
    return info.text if info.text != "dimensionless" else "no unit (a pure number)"


def _check_dimension(q_text: str, info: UnitInfo, dimension: Any) -> None:
    if dimension is None:
        return
    if isinstance(dimension, str) and dimension.strip().startswith("["):
        wanted = ureg.get_dimensionality(dimension.strip())
        wanted_label = dimension_name(wanted)
        wanted_unit = dimension.strip()
    else:
        target = unit_info(dimension if isinstance(dimension, str) else canonical_unit(dimension))
        wanted = target.dimensionality
        wanted_label = f"{dimension_name(wanted)} ({_unit_label(target)})"
        wanted_unit = target.text
    if info.dimensionality != wanted:
        raise UnitError(
            f"'{q_text}' is a {dimension_name(info.dimensionality)} ({_unit_label(info)}), "
            f"but a {wanted_label} is expected",
            units=(info.text, wanted_unit),
        )


def parse_quantity(
    value: Any,
    unit: str | None = None,
    *,
    dimension: str | None = None,
    decimal_comma: bool = False,
) -> Any:
    """Read a quantity from text (``"2 kg"``), a number plus ``unit``, or a pint quantity.

    * ``unit`` is the unit of a bare number; when the value carries its own unit it is
      converted to ``unit``.
    * ``dimension`` (``"[mass]"`` or a unit such as ``"g"``) is the kind of quantity
      expected.
    * A bare number without ``unit`` is refused: every number carries its unit. Use
      ``unit="dimensionless"`` for a pure number.

    Raises :class:`UnitError` naming both units when they do not fit.
    """
    if isinstance(value, pint.Quantity):
        if value._REGISTRY is not ureg:
            value = Q_(value.magnitude, str(value.units))
        magnitude, info, shown = value.magnitude, unit_info(canonical_unit(value.units)), str(value)
    elif isinstance(value, bool):
        raise UnitError(f"{value!r} is not a quantity")
    elif isinstance(value, (int, float)):
        if unit is None:
            raise UnitError(f"the number {value!r} has no unit; give it one (for example '{value} g')")
        info = unit_info(unit)
        magnitude, shown = float(value), f"{value} {unit}"
        _check_dimension(shown, info, dimension)
        return Q_(magnitude, info.unit)
    elif isinstance(value, str):
        magnitude, unit_text = split_quantity(value, decimal_comma=decimal_comma)
        if not unit_text:
            if unit is None:
                raise UnitError(f"'{value.strip()}' has no unit; write it as for example '{value.strip()} g'")
            unit_text = unit
        try:
            info = unit_info(unit_text)
        except UnitError as exc:
            raise UnitError(f"{exc.message} in '{value.strip()}'", units=exc.units) from exc
        shown = value.strip()
    else:
        raise UnitError(f"{value!r} is not a quantity (expected text such as '2 kg')")
    if not isinstance(magnitude, (int, float)) or not math.isfinite(float(magnitude)):
        raise UnitError(f"'{shown}' is not a finite number")
    _check_dimension(shown, info, dimension)
    quantity = Q_(float(magnitude), info.unit)
    if unit is not None:
        target = unit_info(unit)
        if target.dimensionality != info.dimensionality:
            raise UnitError(
                f"'{shown}' cannot be read in {target.text}: {_unit_label(info)} is a "
                f"{dimension_name(info.dimensionality)}, {target.text} is a "
                f"{dimension_name(target.dimensionality)}",
                units=(info.text, target.text),
            )
        try:
            quantity = quantity.to(target.unit)
        except pint.DimensionalityError as exc:  # e.g. delta_degC -> degC
            raise UnitError(
                f"'{shown}' cannot be read in {target.text}: a temperature difference "
                "(delta_degC, K) and a temperature (degC) do not convert into each other",
                units=(info.text, target.text),
            ) from exc
    return quantity


def same_kind(a: Any, b: Any) -> None:
    """Raise :class:`UnitError` naming both units unless ``a`` and ``b`` (quantities or unit
    texts) measure the same kind of quantity, e.g. before adding a mass to a volume."""
    infos = []
    for item in (a, b):
        unit = item.units if isinstance(item, pint.Quantity) else item
        infos.append(unit_info(unit if isinstance(unit, str) else canonical_unit(unit)))
    first, second = infos
    if first.dimensionality != second.dimensionality:
        raise UnitError(
            f"{_unit_label(first)} (a {dimension_name(first.dimensionality)}) and "
            f"{_unit_label(second)} (a {dimension_name(second.dimensionality)}) are not the same "
            "kind of quantity",
            units=(first.text, second.text),
        )


def as_delta(value: Any) -> Any:
    """The same quantity (or unit) read as a difference: ``0.5 degC`` -> ``0.5 delta_degC``.

    Uncertainties, errors and MPEs of temperatures are differences (DESIGN conventions).
    """
    if isinstance(value, pint.Quantity):
        info = unit_info(canonical_unit(value.units))
        return Q_(float(value.magnitude), info.delta_text) if info.is_offset else value
    info = unit_info(value if isinstance(value, str) else canonical_unit(value))
    return ureg.Unit(info.delta_text)


def _prefix_and_base(name: str) -> tuple[str, str]:
    try:
        candidates = ureg.parse_unit_name(name)
    except Exception:  # pint raises several kinds here
        candidates = ()
    if not candidates:
        return "", name
    prefix, base, _suffix = candidates[0]
    return prefix, base


def _symbol(name: str, overrides: dict[str, str], ascii_only: bool) -> str:
    if name in overrides:
        return overrides[name]
    prefix, base = _prefix_and_base(name)
    full = ureg.get_symbol(name)
    if base in overrides:
        base_symbol = ureg.get_symbol(base)
        prefix_symbol = full[: len(full) - len(base_symbol)] if full.endswith(base_symbol) else ""
        if prefix and not prefix_symbol:
            return name
        symbol = prefix_symbol + overrides[base]
    else:
        symbol = full
    if ascii_only:
        for char, replacement in _ASCII_PREFIXES.items():
            if symbol.startswith(char):
                symbol = replacement + symbol[1:]
        if not symbol.isascii():
            return name
    return symbol


def _exponent_text(exponent: float) -> str:
    return str(int(exponent)) if float(exponent).is_integer() else repr(float(exponent))


def canonical_unit(unit: Any) -> str:
    """Plain ASCII text of a unit that parses back to the same unit (for storage).

    ``g``, ``bar``, ``delta_degC``, ``percent_RH``, ``m**3``, ``uSv/h``, ``kg*m/s**2``;
    a pure number is ``dimensionless``.
    """
    parsed = _parse_unit(unit)
    items = list(parsed._units.items())
    if not items:
        return "dimensionless"
    numerator = [(n, e) for n, e in items if e > 0]
    denominator = [(n, -e) for n, e in items if e < 0]

    def join(parts: list[tuple[str, float]]) -> str:
        return "*".join(
            _symbol(n, _ASCII_SYMBOLS, True) + ("" if e == 1 else f"**{_exponent_text(e)}")
            for n, e in parts
        )

    text = join(numerator) if numerator else "1"
    for name, exponent in denominator:
        text += "/" + _symbol(name, _ASCII_SYMBOLS, True) + (
            "" if exponent == 1 else f"**{_exponent_text(exponent)}"
        )
    try:
        if ureg.parse_units(text) == parsed:
            return text
    except Exception:  # fall back to pint's long names below
        pass
    return str(parsed)


def format_unit(unit: Any) -> str:
    """The unit symbol as printed on a certificate: ``°C``, ``%RH``, ``m³``, ``µSv/h``, ``Ω``.

    A temperature difference prints as ``°C`` (certificates write "U = 0,2 °C"); a pure
    number prints as an empty string.
    """
    parsed = _parse_unit(unit)
    items = list(parsed._units.items())
    if not items:
        return ""

    def part(name: str, exponent: float) -> str:
        symbol = _symbol(name, _DISPLAY_SYMBOLS, False)
        if exponent == 1:
            return symbol
        return symbol + _exponent_text(exponent).translate(_SUPERSCRIPTS)

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
        groups = []
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


def quantity_to_dict(quantity: Any) -> dict[str, Any]:
    """``{"value": float, "unit": canonical text}`` — the JSON and database form."""
    q = parse_quantity(quantity)
    return {"value": float(q.magnitude), "unit": canonical_unit(q.units)}


def quantity_from_dict(data: dict[str, Any]) -> Any:
    """Inverse of :func:`quantity_to_dict`."""
    if not isinstance(data, dict) or "value" not in data or "unit" not in data:
        raise UnitError(f"{data!r} is not a quantity (expected {{'value': ..., 'unit': ...}})")
    value = data["value"]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UnitError(f"{value!r} is not a number")
    return parse_quantity(float(value), data["unit"])
