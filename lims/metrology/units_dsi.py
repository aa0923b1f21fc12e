r"""D-SI unit strings, written by PTB's ``dsiunits`` package (the official implementation of the
D-SI unit syntax that the Digital Calibration Certificate schema requires).

A pint unit is spelled in the BIPM SI reference point syntax (``km.h-1``, ``kg``, ``℃``), which
dsiunits reads and turns into D-SI (``\kilo\metre\hour\tothe{-1}``, ``\kilogram``,
``\degreecelsius``); a unit dsiunits does not accept has no D-SI spelling and raises
:class:`UnitError`. Two conventions of the program are kept: a temperature *difference*
(``delta_degC``) is written in kelvin, and relative humidity (``percent_RH``) as ``\percent``.
"""
from __future__ import annotations

import math
import warnings
from functools import lru_cache
from typing import Any

from dsi_unit import DsiUnit  # type: ignore[import-untyped]
from dsi_unit.unit_mapping import PREFIX_TO_SCALE_MAP  # type: ignore[import-untyped]

from lims.i18n import _
from lims.metrology.errors import UnitError
from lims.metrology.units_registry import parse_unit, unit_symbol

__all__ = ["sirp_unit", "dsi_unit", "dsi_problems", "dsi_terms"]

#: pint unit names whose symbol in the SI reference point syntax differs from pint's symbol,
#: or that D-SI writes as another unit.
_SIRP_SYMBOLS = {
    "degree_Celsius": "℃",  # the one-character symbol is what dsiunits reads
    "delta_degree_Celsius": "K",  # a difference of 1 °C is 1 K
    "percent": "percent",  # the syntax has no "%"; dsiunits reads the D-SI name
    "percent_RH": "percent",  # D-SI has no unit of its own for relative humidity
    "piece": "one",  # a count of items is a pure number
    "watt_hour": "W.h",
    "degree": "°",
}


def sirp_unit(unit: Any) -> str:
    """The unit in the BIPM SI reference point syntax: ``km/h`` -> ``km.h-1``, ``degC`` -> ``℃``.

    A pure number is ``one``. Raises :class:`UnitError` for an unknown unit or a fractional
    exponent.
    """
    items = list(parse_unit(unit)._units.items())
    if not items:
        return "one"
    parts = []
    for name, exponent in items:
        symbol = unit_symbol(name, _SIRP_SYMBOLS)
        if exponent != 1:
            if not float(exponent).is_integer() or "." in symbol:
                raise UnitError(_("the unit '%(unit)s' has no D-SI spelling (the power %(exponent)s of "
                                  "%(name)s)", unit=unit, exponent=exponent, name=name),
                                units=(str(unit),))
            symbol += str(int(exponent))
        parts.append(symbol)
    return ".".join(parts)


def _parse(text: str) -> DsiUnit:
    with warnings.catch_warnings():  # dsiunits warns about what it cannot read; the caller reports it
        warnings.simplefilter("ignore")
        return DsiUnit(text)


def dsi_problems(text: str) -> list[str]:
    r"""What dsiunits finds wrong with a D-SI string (``\kilogram``): an empty list when it is valid."""
    parsed = _parse(text)
    if parsed.non_dsi_unit and not parsed.warnings:
        return [f"{text!r} is not written in D-SI"]
    return [str(w) for w in parsed.warnings]


@lru_cache(maxsize=1024)
def dsi_unit(unit: str) -> str:
    r"""The D-SI string of a unit text: ``kg`` -> ``\kilogram``, ``mg/L`` -> ``\milli\gram\litre\tothe{-1}``,
    ``delta_degC`` -> ``\kelvin``, ``percent_RH`` -> ``\percent``, ``dimensionless`` -> ``\one``.

    Raises :class:`UnitError` for a unit pint or dsiunits does not know (``psi``).
    """
    sirp = sirp_unit(unit)
    parsed = _parse(sirp)
    if parsed.non_dsi_unit or not parsed.valid:
        reason = "; ".join(str(w) for w in parsed.warnings) or _("not a D-SI unit")
        raise UnitError(_("the unit '%(unit)s' has no D-SI spelling (%(reason)s)",
                          unit=unit, reason=reason), units=(unit,))
    return str(parsed)


@lru_cache(maxsize=1024)
def dsi_terms(unit: str) -> tuple[tuple[str, float, int], ...]:
    r"""The factors of a unit's D-SI string without their SI prefixes: ``(D-SI unit, power,
    power of ten of the prefix)``; the kilogram counts as the gram with the prefix kilo.

    ``km/h`` -> ``(("metre", 1, 3), ("hour", -1, 0))``. Units that differ only by SI prefixes
    have the same names and powers.
    """
    terms = []
    for node in _parse(dsi_unit(unit)).tree[0]:
        name, prefix_power = str(node.unit), round(math.log10(PREFIX_TO_SCALE_MAP[node.prefix]))
        if name == "kilogram":
            name, prefix_power = "gram", 3
        terms.append((name, float(node.exponent), prefix_power))
    return tuple(terms)
