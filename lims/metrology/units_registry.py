"""The one pint registry, a unit resolved once (:class:`UnitInfo`), and unit text for storage.

* ``ureg`` is the only :class:`pint.UnitRegistry`; every module uses it (it is also pint's
  application registry, so quantities unpickle into it). ``Q_`` is its ``Quantity``.
* Relative humidity is the unit ``percent_RH`` (0.01, dimensionless); the text ``%RH`` is
  accepted on input.
* :func:`canonical_unit` is the plain ASCII text a unit is stored as (``g``, ``delta_degC``,
  ``uSv/h``, ``m**3``), which parses back to the same unit.

Import the names from :mod:`lims.metrology.units`, which gathers this module, the reading of
quantities, their printing and the table of the lab's units.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pint

from lims.i18n import N_, _
from lims.metrology.errors import UnitError

__all__ = ["ureg", "Q_", "Quantity", "UnitInfo", "unit_info", "canonical_unit", "dimension_name"]

ureg: pint.UnitRegistry[float] = pint.UnitRegistry(autoconvert_offset_to_baseunit=False)
ureg.define("percent_RH = 0.01")
# A counted item of a product (UN/ECE Rec 20 H87, "piece"): a pure number, printed "pcs".
ureg.define("piece = 1")
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

#: Unit names whose printed symbol differs from pint's.
DISPLAY_SYMBOLS = {
    "liter": "L",
    "degree_Celsius": "°C",
    "delta_degree_Celsius": "°C",
    "degree_Fahrenheit": "°F",
    "delta_degree_Fahrenheit": "°F",
    "percent": "%",
    "percent_RH": "%RH",
    "piece": "pcs",
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
    "piece": "piece",
    "ohm": "ohm",
    "degree": "deg",
    "kelvin": "K",
}
_ASCII_PREFIXES = {"µ": "u", "μ": "u"}


# The same kinds of quantity as people read them in messages (through the catalogs).
_DIMENSION_LABELS = {
    "mass": N_("a mass"), "volume": N_("a volume"), "pressure": N_("a pressure"), "temperature": N_("a temperature"),
    "length": N_("a length"), "time": N_("a time"), "electric current": N_("an electric current"),
    "voltage": N_("a voltage"), "resistance": N_("a resistance"), "power": N_("a power"), "energy": N_("an energy"),
    "frequency": N_("a frequency"), "speed": N_("a speed"), "mass concentration": N_("a mass concentration"),
    "dose rate": N_("a dose rate"), "force": N_("a force"), "area": N_("an area"), "density": N_("a density"),
    "volume flow": N_("a volume flow"), "dimensionless number": N_("a pure number"),
}


def dimension_label(dimensionality: Any) -> str:
    """"a pressure", "a mass" ... in the current language, for messages people read."""
    name = _DIMENSION_NAMES.get(dimensionality)
    if name is None:
        return _("a quantity of dimension %(dimension)s", dimension=str(dimensionality))
    return _(_DIMENSION_LABELS[name])


def shown_unit(text: str) -> str:
    """A unit text as people write it in a message: °C, not degC or delta_degC."""
    return text.replace("delta_degC", "°C").replace("degC", "°C").replace("percent_RH", "%RH")


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
    unit = parse_unit(text)
    container = unit._units
    offset_names = [name for name in container if not ureg._units[name].is_multiplicative]
    if offset_names and (len(container) != 1 or container[offset_names[0]] != 1):
        raise UnitError(
            _("unit '%(unit)s': a temperature in %(symbol)s can only stand alone; inside a compound unit use "
              "K or Δ°C", unit=text, symbol=unit_symbol(offset_names[0], DISPLAY_SYMBOLS)),
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


def parse_unit(text: Any) -> Any:
    """A pint unit from its text (``""`` and ``"1"`` are a pure number); :class:`UnitError` if unknown."""
    if isinstance(text, pint.Unit):
        return text
    if not isinstance(text, str):
        raise UnitError(_("A unit must be given as text, not %(value)s.", value=repr(text)))
    stripped = text.strip()
    if stripped in ("", "1"):
        return ureg.Unit("")
    try:
        return ureg.parse_units(stripped)
    except (pint.UndefinedUnitError, pint.DefinitionSyntaxError, AttributeError, TypeError,
            ValueError, SyntaxError, AssertionError) as exc:
        raise UnitError(_("unknown unit '%(unit)s'", unit=text), units=(text,)) from exc


def _prefix_and_base(name: str) -> tuple[str, str]:
    try:
        candidates = ureg.parse_unit_name(name)
    except Exception:  # pint raises several kinds here
        candidates = ()
    if not candidates:
        return "", name
    prefix, base, _suffix = candidates[0]
    return prefix, base


def unit_symbol(name: str, overrides: dict[str, str], ascii_only: bool = False) -> str:
    """The symbol of one pint unit name (``kilowatt_hour`` -> ``kWh``), with ``overrides`` of
    base names (``ohm`` -> ``Ω``) keeping the SI prefix; ``ascii_only`` writes µ as ``u`` and
    falls back to the name when the symbol is not ASCII."""
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


def exponent_text(exponent: float) -> str:
    """``2`` for 2.0, ``0.5`` for 0.5: the exponent of a unit factor as text."""
    return str(int(exponent)) if float(exponent).is_integer() else repr(float(exponent))


def canonical_unit(unit: Any) -> str:
    """Plain ASCII text of a unit that parses back to the same unit (for storage).

    ``g``, ``bar``, ``delta_degC``, ``percent_RH``, ``m**3``, ``uSv/h``, ``kg*m/s**2``;
    a pure number is ``dimensionless``.
    """
    parsed = parse_unit(unit)
    items = list(parsed._units.items())
    if not items:
        return "dimensionless"
    numerator = [(n, e) for n, e in items if e > 0]
    denominator = [(n, -e) for n, e in items if e < 0]

    def join(parts: list[tuple[str, float]]) -> str:
        return "*".join(
            unit_symbol(n, _ASCII_SYMBOLS, True) + ("" if e == 1 else f"**{exponent_text(e)}")
            for n, e in parts
        )

    text = join(numerator) if numerator else "1"
    for name, exponent in denominator:
        text += "/" + unit_symbol(name, _ASCII_SYMBOLS, True) + (
            "" if exponent == 1 else f"**{exponent_text(exponent)}"
        )
    try:
        if ureg.parse_units(text) == parsed:
            return text
    except Exception:  # fall back to pint's long names below
        pass
    return str(parsed)
