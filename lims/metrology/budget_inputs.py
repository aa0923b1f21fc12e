"""One entry of an uncertainty budget (an input quantity X_i, JCGM 100 4.1) read into a :class:`BudgetInput`.

Each entry states its uncertainty in exactly one way: ``standard_uncertainty``,
``expanded_uncertainty`` with ``k``, ``half_width`` with ``distribution``, or ``readings``
(type A, optionally with ``pooled_sd``/``pooled_dof``); see
:mod:`lims.metrology.distributions` for the clauses. Estimates stay in the input's own
unit, uncertainties in its difference unit. The budget as a whole is read by
:mod:`lims.metrology.budget`.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pint

from lims.i18n import _
from lims.metrology import expression as ex
from lims.metrology.distributions import HALF_WIDTH_DIVISORS, normalise_distribution, type_a
from lims.metrology.errors import BudgetError, BudgetUnitError, UnitError
from lims.metrology.units import UnitInfo, canonical_unit, split_quantity, unit_info
from lims.metrology.units_registry import dimension_label, shown_unit

__all__ = ["BudgetInput", "DIMENSIONLESS", "STATEMENTS", "STATEMENT_KEYS", "budget_error", "budget_unit_error",
           "finite_number", "parse_input"]

STATEMENTS = ("standard_uncertainty", "expanded_uncertainty", "half_width", "readings")
STATEMENT_KEYS = frozenset(STATEMENTS) | {"k", "distribution", "pooled_sd", "pooled_dof", "dof"}
_INPUT_KEYS = frozenset({"symbol", "description", "name", "value", "unit", "sensitivity"}) | STATEMENT_KEYS


@dataclass(frozen=True, slots=True)
class BudgetInput:
    """One input quantity X_i, in its own unit (``unit``; uncertainties in its difference unit)."""

    symbol: str
    unit: UnitInfo
    estimate: float
    standard_uncertainty: float
    dof: float
    distribution: str
    statement: str
    mc_kind: str
    mc_scale: float
    readings: tuple[float, ...] | None = None
    description: str | None = None


def budget_error(symbol: str | None, field: str | None, message: str) -> BudgetError:
    """A :class:`BudgetError` whose message starts with the input at fault (if any)."""
    prefix = _("input '%(symbol)s': ", symbol=symbol) if symbol else ""
    return BudgetError(prefix + message, input=symbol, field=field)


def budget_unit_error(
    symbol: str | None, field: str | None, message: str, units: tuple[str, ...] = ()
) -> BudgetUnitError:
    """A :class:`BudgetUnitError` whose message starts with the input at fault (if any)."""
    prefix = _("input '%(symbol)s': ", symbol=symbol) if symbol else ""
    return BudgetUnitError(prefix + message, input=symbol, field=field, units=units)


def finite_number(value: Any, symbol: str, field: str) -> float:
    """``value`` as a float; a boolean, text, NaN or infinity is refused."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise budget_error(symbol, field, _("%(field)s must be a finite number, not %(value)s",
                                            field=field, value=repr(value)))
    return float(value)


DIMENSIONLESS = unit_info("dimensionless")


def _has_no_unit(value: Any) -> bool:
    """A bare number, or text that is only a number (``0.5``, ``"0.5"``)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return True
    if isinstance(value, str):
        try:
            return not split_quantity(value)[1]
        except UnitError:
            return False
    return False


def _quantity(value: Any, symbol: str, field: str, default: UnitInfo | None) -> tuple[float, UnitInfo]:
    """A number and its unit from ``"10.02 bar"``, or a bare number in the input's ``unit``.

    Without any unit (none written, none declared) the number is a pure number (a ratio, a
    slope, the inputs of the additive model of JCGM 101 9.2); the model's dimension check
    still refuses a pure number added to a quantity with a unit.
    """
    if isinstance(value, str):
        try:
            number, unit_text = split_quantity(value)
            info = unit_info(unit_text) if unit_text else (default or DIMENSIONLESS)
        except UnitError as exc:
            raise budget_unit_error(symbol, field, f"{field} {value!r}: {exc.message}", exc.units) from exc
        return number, info
    if isinstance(value, pint.Quantity):
        info = unit_info(canonical_unit(value.units))
        return finite_number(float(value.magnitude), symbol, field), info
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return finite_number(value, symbol, field), default or DIMENSIONLESS
    raise budget_error(symbol, field, _("%(field)s must be a quantity such as '0.5 mbar', not %(value)s",
                                        field=field, value=repr(value)))


def _same_kind(symbol: str, field: str, text: Any, info: UnitInfo, target: UnitInfo) -> None:
    if info.dimensionality == target.dimensionality:
        return
    if target.dimensionality == DIMENSIONLESS.dimensionality:
        raise budget_unit_error(
            symbol, field,
            _("%(field)s %(text)s is %(dimension_name)s (%(text2)s), but %(symbol)s is given without "
              "a unit, so it is a pure number; write its value or readings with their unit too, or "
              "give the input a 'unit'",
              field=field, text=repr(text), dimension_name=dimension_label(info.dimensionality),
              text2=shown_unit(info.text), symbol=symbol),
            (info.text, target.text),
        )
    raise budget_unit_error(
        symbol, field,
        _("%(field)s %(text)s is %(dimension_name)s (%(text2)s), but %(symbol)s is "
          "%(dimension_name2)s (%(text3)s)",
          field=field, text=repr(text), dimension_name=dimension_label(info.dimensionality),
          text2=shown_unit(info.text), symbol=symbol,
          dimension_name2=dimension_label(target.dimensionality), text3=shown_unit(target.text)),
        (info.text, target.text),
    )


def _difference(symbol: str, field: str, value: Any, target: UnitInfo, default: UnitInfo | None) -> float:
    """An uncertainty (a difference) converted to the input's unit; °C reads as a difference.

    A bare number is read in ``default``, the input's declared ``unit`` (if any)."""
    if default is None and _has_no_unit(value) and target.dimensionality != DIMENSIONLESS.dimensionality:
        raise budget_unit_error(symbol, field, _("%(field)s %(value)s has no unit, but %(symbol)s is "
                                                 "%(dimension_name)s (%(text)s); write it with its "
                                                 "unit (for example '%(value2)s %(delta_text)s') or "
                                                 "give the input a 'unit'",
                                                 field=field, value=repr(value), symbol=symbol,
                                                 dimension_name=dimension_label(target.dimensionality),
                                                 text=shown_unit(target.text), value2=str(value).strip(),
                                                 delta_text=shown_unit(target.delta_text)),
                                (target.text,))
    number, info = _quantity(value, symbol, field, default)
    _same_kind(symbol, field, value, info, target)
    if number < 0:
        raise budget_error(symbol, field, _("%(field)s %(value)s is negative; an uncertainty is zero "
                                            "or positive", field=field, value=repr(value)))
    return number * info.scale / target.scale


def _absolute(symbol: str, field: str, value: Any, target: UnitInfo | None) -> tuple[float, UnitInfo]:
    number, info = _quantity(value, symbol, field, target)
    if target is None:
        return number, info
    _same_kind(symbol, field, value, info, target)
    if info is target:
        return number, target
    return target.from_base(info.to_base(number)), target


def _dof(value: Any, symbol: str, field: str) -> float:
    if value is None:
        return math.inf
    if isinstance(value, str) and value.strip().lower() in ("inf", "infinity", "∞"):
        return math.inf
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or value <= 0:
        raise budget_error(symbol, field, _("%(field)s must be a positive number (or absent for "
                                            "infinite), not %(value)s", field=field, value=repr(value)))
    return float(value)


def _coverage_factor(value: Any, symbol: str) -> float:
    if value is None:
        raise budget_error(symbol, "k", _("an expanded uncertainty needs its coverage factor 'k'"))
    k = finite_number(value, symbol, "k")
    if k <= 0:
        raise budget_error(symbol, "k", _("k must be positive, not %(value)s", value=repr(value)))
    return k


def parse_input(entry: Any, position: int) -> BudgetInput:
    """One budget entry -> :class:`BudgetInput` (JCGM 100 4.2, 4.3; see module docstring)."""
    if not isinstance(entry, Mapping):
        raise budget_error(None, "inputs", _("input number %(value)s must be an object with a 'symbol'",
                                             value=position + 1))
    symbol = _symbol(entry, position)
    statement = _statement(entry, symbol)
    description = entry.get("description", entry.get("name"))
    declared = _declared_unit(entry, symbol)
    _check_companion_keys(entry, symbol, statement)
    if statement == "readings":
        return _parse_readings(entry, symbol, declared, description)
    if "value" not in entry:
        raise budget_error(symbol, "value", _("no 'value' (the estimate, for example '0 bar')"))
    estimate, unit = _absolute(symbol, "value", entry["value"], declared)
    dof = _dof(entry.get("dof"), symbol, "dof")
    distribution = "normal"
    if "distribution" in entry:
        distribution = normalise_distribution(entry["distribution"], symbol)
    u = _stated_uncertainty(entry, symbol, statement, distribution, unit, declared)
    kind, scale = _sampling(distribution, dof, u)
    return BudgetInput(symbol, unit, estimate, u, dof, distribution, statement, kind, scale,
                       None, description)


def _symbol(entry: Mapping[str, Any], position: int) -> str:
    """The entry's symbol: a name that is not a function or constant of the model language."""
    symbol = entry.get("symbol")
    if not isinstance(symbol, str) or not symbol.isidentifier():
        raise budget_error(None, "symbol", _("input number %(value)s needs a 'symbol' that is a name "
                                             "such as 'p_x' (got %(symbol)s)", value=position + 1, symbol=repr(symbol)))
    if symbol in ex.RESERVED_NAMES:
        raise budget_error(symbol, "symbol", _("'%(symbol)s' is a function or constant of the model "
                                               "language; choose another symbol", symbol=symbol))
    return symbol


def _statement(entry: Mapping[str, Any], symbol: str) -> str:
    """The one uncertainty statement of the entry (known keys only, exactly one statement)."""
    unknown = sorted(set(entry) - _INPUT_KEYS)
    if unknown:
        raise budget_error(symbol, unknown[0],
                           _("unknown key '%(unknown)s' (known keys: %(sorted)s)",
                             unknown=unknown[0], sorted=', '.join(sorted(_INPUT_KEYS))))
    statements = [key for key in STATEMENTS if key in entry]
    if len(statements) != 1:
        if not statements:
            raise budget_error(symbol, None, _("no uncertainty statement: give exactly one of "
                                               "standard_uncertainty, expanded_uncertainty with k, "
                                               "half_width with distribution, or readings"))
        raise budget_error(symbol, statements[1], _("two uncertainty statements (%(statements)s and "
                                                    "%(statements2)s); give exactly one",
                                                    statements=statements[0], statements2=statements[1]))
    return statements[0]


def _declared_unit(entry: Mapping[str, Any], symbol: str) -> UnitInfo | None:
    """The entry's own ``unit`` (uncertainties given as bare numbers are read in it), if any."""
    if "unit" not in entry:
        return None
    if not isinstance(entry["unit"], str):
        raise budget_error(symbol, "unit", _("unit must be text such as 'bar', not %(entry)s",
                                             entry=repr(entry['unit'])))
    try:
        return unit_info(entry["unit"])
    except UnitError as exc:
        raise budget_unit_error(symbol, "unit", exc.message, exc.units) from exc


def _check_companion_keys(entry: Mapping[str, Any], symbol: str, statement: str) -> None:
    """``k`` goes with an expanded uncertainty or a half-width, ``pooled_*`` with readings."""
    for key in ("k", "pooled_sd", "pooled_dof"):
        allowed = {"k": ("expanded_uncertainty", "half_width"),
                   "pooled_sd": ("readings",), "pooled_dof": ("readings",)}[key]
        if key in entry and statement not in allowed:
            raise budget_error(symbol, key, _("'%(key)s' goes with %(allowed)s, not with %(statement)s",
                                              key=key, allowed=' or '.join(allowed), statement=statement))


def _stated_uncertainty(entry: Mapping[str, Any], symbol: str, statement: str, distribution: str,
                        unit: UnitInfo, declared: UnitInfo | None) -> float:
    """The standard uncertainty u from a standard, expanded or half-width statement (JCGM 100 4.3)."""
    if statement == "standard_uncertainty":
        return _difference(symbol, statement, entry[statement], unit, declared)
    if statement == "expanded_uncertainty":
        if distribution != "normal":
            raise budget_error(symbol, "distribution", _("an expanded uncertainty with k is normal; "
                                                         "use half_width for a %(distribution)s "
                                                         "distribution", distribution=distribution))
        expanded = _difference(symbol, statement, entry[statement], unit, declared)
        return expanded / _coverage_factor(entry.get("k"), symbol)
    if "distribution" not in entry:
        raise budget_error(symbol, "distribution", _("a half_width needs its 'distribution' "
                                                     "(rectangular, triangular, arcsine, or normal "
                                                     "with k)"))
    half_width = _difference(symbol, statement, entry[statement], unit, declared)
    if distribution == "normal":
        return half_width / _coverage_factor(entry.get("k"), symbol)
    if "k" in entry:
        raise budget_error(symbol, "k", _("'k' only goes with a normal distribution, not "
                                          "%(distribution)s", distribution=distribution))
    return half_width / HALF_WIDTH_DIVISORS[distribution]


def _sampling(distribution: str, dof: float, u: float) -> tuple[str, float]:
    """How Monte Carlo draws the input (JCGM 101 6.4): the kind and the scale of its distribution."""
    if distribution == "normal":
        kind, scale = ("normal" if math.isinf(dof) else "t"), u
    else:
        kind, scale = distribution, u * HALF_WIDTH_DIVISORS[distribution]
    if u == 0:
        kind = "constant"
    return kind, scale


def _parse_readings(entry: Mapping[str, Any], symbol: str, unit: UnitInfo | None,
                    description: Any) -> BudgetInput:
    declared = unit
    if "value" in entry:
        raise budget_error(symbol, "value", _("give either readings (their mean is the estimate) or a "
                                              "value, not both"))
    if "dof" in entry:
        raise budget_error(symbol, "dof", _("readings have n − 1 degrees of freedom; use pooled_dof "
                                            "with pooled_sd"))
    readings = entry["readings"]
    if not isinstance(readings, Sequence) or isinstance(readings, str) or not readings:
        raise budget_error(symbol, "readings", _("readings must be a list such as [\"10.02 bar\", \"10.03 "
                                                 "bar\"]"))
    values = []
    for reading in readings:
        number, unit = _absolute(symbol, "readings", reading, unit)
        values.append(number)
    assert unit is not None
    mean, s = type_a(values)
    n = len(values)
    if "pooled_sd" in entry:
        pooled = _difference(symbol, "pooled_sd", entry["pooled_sd"], unit, declared)
        u, dof = pooled / math.sqrt(n), _dof(entry.get("pooled_dof"), symbol, "pooled_dof")
    else:
        if "pooled_dof" in entry:
            raise budget_error(symbol, "pooled_dof", _("pooled_dof goes with pooled_sd"))
        if n < 2:
            raise budget_error(symbol, "readings", _("one reading gives no type A uncertainty; take at "
                                                     "least two or give pooled_sd"))
        u, dof = s / math.sqrt(n), float(n - 1)
    kind = "constant" if u == 0 else ("normal" if math.isinf(dof) else "t")
    return BudgetInput(symbol, unit, mean, u, dof, "type A", "readings", kind, u,
                       tuple(values), description if isinstance(description, str) else None)
