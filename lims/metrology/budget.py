"""Reading an uncertainty budget (the budget file's JSON) into a prepared budget.

A prepared budget has every unit resolved once and every number converted to SI base
units (floats), the model parsed, checked for dimensions and differentiated, so that
evaluating it is float arithmetic only. A calibration record fills a budget *template*
with its own readings through :meth:`PreparedBudget.with_values`.

Budget entries (one per input quantity X_i, JCGM 100 4.1) state the uncertainty in
exactly one way: ``standard_uncertainty``, ``expanded_uncertainty`` with ``k``,
``half_width`` with ``distribution``, or ``readings`` (type A, optionally with
``pooled_sd``/``pooled_dof``). Each entry is read by :mod:`lims.metrology.budget_inputs`
(whose :class:`BudgetInput`, :func:`parse_input` and ``STATEMENTS`` are importable from
here too); see :mod:`lims.metrology.distributions` for the clauses.
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import pint

from lims.i18n import _
from lims.metrology import expression as ex
from lims.metrology.budget_inputs import (
    STATEMENT_KEYS,
    STATEMENTS,
    BudgetInput,
    budget_error,
    budget_unit_error,
    finite_number,
    parse_input,
)
from lims.metrology.dimensions import analyse
from lims.metrology.errors import BudgetUnitError, UnitError
from lims.metrology.units import (
    UnitInfo,
    canonical_unit,
    require_reportable,
    split_quantity,
    unit_info,
    ureg,
)
from lims.metrology.units_registry import dimension_label, shown_unit

__all__ = ["BudgetInput", "PreparedBudget", "prepare_budget", "parse_budget", "parse_input", "STATEMENTS",
           "DEFAULT_COVERAGE_PROBABILITY"]

DEFAULT_COVERAGE_PROBABILITY = 0.9545
_TOP_KEYS = frozenset({"measurand", "model", "coverage_probability", "inputs", "correlations",
                       "title", "description", "notes"})


class ModelProgram:
    """A parsed, differentiated and compiled model (cached per model text and symbols)."""

    def __init__(self, text: str, symbols: tuple[str, ...]) -> None:
        self.text = text
        self.symbols = symbols
        self.tree = ex.parse_model(text, symbols)
        self.used = ex.variables(self.tree)
        self.scalar = ex.compile_scalar(self.tree)
        grads: list[float | Callable[[Sequence[float]], float]] = []
        for i in range(len(symbols)):
            d = ex.derivative(self.tree, i)
            grads.append(d.value if isinstance(d, ex.Const) else ex.compile_scalar(d))
        self.grads = tuple(grads)

    @cached_property
    def vector(self) -> Callable[[Sequence[Any]], Any]:
        """The model over numpy arrays (Monte Carlo)."""
        return ex.compile_vector(self.tree)


@lru_cache(maxsize=256)
def _program(text: str, symbols: tuple[str, ...]) -> ModelProgram:
    return ModelProgram(text, symbols)


@lru_cache(maxsize=4096)
def _sensitivity_unit(measurand: UnitInfo, unit: UnitInfo) -> tuple[str, float]:
    """Unit text of c_i and the factor from c in base units to c in that unit."""
    if measurand.dimensionality == unit.dimensionality:
        return "dimensionless", 1.0
    text = canonical_unit(ureg.Unit(measurand.delta_text) / ureg.Unit(unit.delta_text))
    return text, unit.scale / measurand.scale


class PreparedBudget:
    """A budget ready to evaluate: units resolved, numbers in SI base units, model compiled.

    Build one with :func:`prepare_budget`; evaluate with
    :func:`lims.metrology.uncertainty.evaluate_budget`. Instances are immutable;
    :meth:`with_values` returns a new one.

    ``unused`` names the inputs the model does not use. They are kept (sensitivity 0) and
    reported as warnings, not refused: the same inputs and correlations often serve several
    models, as V, I and φ give R, X and Z in JCGM 100 H.2, and Z = V/I uses no φ.
    """

    __slots__ = ("raw", "measurand_symbol", "measurand", "model", "coverage_probability", "inputs",
                 "correlations", "program", "x_base", "u_base", "dof", "grads", "sensitivity_units",
                 "sensitivity_factors", "overridden", "unused", "__weakref__")

    raw: dict[str, Any]
    measurand_symbol: str
    measurand: UnitInfo
    model: str
    coverage_probability: float
    inputs: tuple[BudgetInput, ...]
    correlations: tuple[tuple[int, int, float], ...]
    program: ModelProgram
    x_base: tuple[float, ...]
    u_base: tuple[float, ...]
    dof: tuple[float, ...]
    grads: tuple[float | Callable[[Sequence[float]], float], ...]
    sensitivity_units: tuple[str, ...]
    sensitivity_factors: tuple[float, ...]
    overridden: tuple[bool, ...]
    unused: tuple[str, ...]

    @property
    def symbols(self) -> tuple[str, ...]:
        """Input symbols in budget order."""
        return self.program.symbols

    def with_values(self, values: Mapping[str, Any]) -> PreparedBudget:
        """A copy of this budget (a template) with some inputs replaced.

        For each symbol: a list is new ``readings``; text, a number or a pint quantity is a
        new ``value`` (the uncertainty statement stays); a dict updates the entry (when it
        states an uncertainty, the old statement is dropped first).
        """
        raw = copy.deepcopy(self.raw)
        entries = {entry.get("symbol"): entry for entry in raw["inputs"] if isinstance(entry, dict)}
        for symbol, new in values.items():
            entry = entries.get(symbol)
            if entry is None:
                raise budget_error(symbol, "symbol", _("is not an input of this budget (%(symbols)s)",
                                                       symbols=', '.join(self.symbols)))
            if isinstance(new, Mapping):
                if any(key in new for key in STATEMENTS):
                    for key in STATEMENT_KEYS:
                        entry.pop(key, None)
                    if "readings" in new:
                        entry.pop("value", None)
                entry.update(new)
            elif isinstance(new, (list, tuple)):
                if "readings" not in entry:
                    raise budget_error(symbol, "readings", _("this input is not stated by readings; "
                                                             "give a value"))
                entry["readings"] = list(new)
            else:
                if "readings" in entry:
                    raise budget_error(symbol, "readings", _("this input is stated by readings; give a "
                                                             "list of readings"))
                entry["value"] = str(new) if isinstance(new, pint.Quantity) else new
        return prepare_budget(raw)


def _measurand(raw: Any) -> tuple[str, UnitInfo]:
    if not isinstance(raw, Mapping):
        raise budget_error(None, "measurand",
                           _("the budget needs a 'measurand' such as {\"symbol\": \"E\", \"unit\": \"bar\"}"))
    symbol = raw.get("symbol", "Y")
    if not isinstance(symbol, str) or not symbol.strip():
        raise budget_error(None, "measurand", _("the measurand symbol must be text, not %(symbol)s",
                                                symbol=repr(symbol)))
    if not isinstance(raw.get("unit"), str):
        raise budget_error(None, "measurand", _("the measurand needs a 'unit' (for example \"bar\", or "
                                                "\"dimensionless\" for a pure number)"))
    try:
        info = unit_info(raw["unit"])
        require_reportable(raw["unit"], "measurand")
    except UnitError as exc:
        raise BudgetUnitError(f"measurand: {exc.reason}", field="measurand", units=exc.units) from exc
    return symbol, info


def _coverage_probability(raw: Mapping[str, Any]) -> float:
    value = raw.get("coverage_probability", DEFAULT_COVERAGE_PROBABILITY)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        raise budget_error(None, "coverage_probability",
                   _("coverage_probability must be a number between 0 and 1 (for example 0.9545), not "
                     "%(value)s", value=repr(value)))
    return float(value)


def _correlations(
    raw: Any, index: Mapping[str, int], inputs: Sequence[BudgetInput]
) -> tuple[tuple[int, int, float], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise budget_error(None, "correlations", _("correlations must be a list of {\"a\", \"b\", \"r\"}"))
    pairs: dict[tuple[int, int], float] = {}
    for item in raw:
        if not isinstance(item, Mapping) or set(item) != {"a", "b", "r"}:
            raise budget_error(None, "correlations", _("each correlation is {\"a\", \"b\", \"r\"}, not "
                                                       "%(item)s", item=repr(item)))
        a, b, r = item["a"], item["b"], item["r"]
        for name in (a, b):
            if name not in index:
                raise budget_error(None, "correlations", _("the correlation names '%(name)s', which is "
                                                           "not an input", name=name))
        if a == b:
            raise budget_error(a, "correlations", _("an input cannot be correlated with itself"))
        if isinstance(r, bool) or not isinstance(r, (int, float)) or not -1 <= r <= 1:
            raise budget_error(a, "correlations",
                               _("the correlation coefficient with '%(b)s' must be between -1 and 1, "
                                 "not %(r)s", b=b, r=repr(r)))
        key = (min(index[a], index[b]), max(index[a], index[b]))
        if key in pairs:
            raise budget_error(a, "correlations", _("the correlation with '%(b)s' is given twice", b=b))
        pairs[key] = float(r)
    if not pairs:
        return ()
    involved = sorted({i for pair in pairs for i in pair})
    position = {i: n for n, i in enumerate(involved)}
    matrix = np.eye(len(involved))
    for (i, j), r in pairs.items():
        matrix[position[i], position[j]] = matrix[position[j], position[i]] = r
    if np.linalg.eigvalsh(matrix).min() < -1e-10:
        names = ", ".join(inputs[i].symbol for i in involved)
        raise budget_error(None, "correlations", _("the correlation coefficients between %(names)s "
                                                   "contradict each other (the correlation matrix is "
                                                   "not positive semi-definite)", names=names))
    return tuple((i, j, r) for (i, j), r in sorted(pairs.items()) if r != 0)


def _sensitivity(value: Any, item: BudgetInput, measurand: UnitInfo) -> float:
    """A given sensitivity coefficient in base units (JCGM 100 5.1.4: found experimentally)."""
    symbol = item.symbol
    if isinstance(value, str):
        try:
            number, text = split_quantity(value)
            info = unit_info(text) if text else None
        except UnitError as exc:
            raise budget_unit_error(symbol, "sensitivity", exc.message, exc.units) from exc
        if info is not None:
            wanted = measurand.dimensionality / item.unit.dimensionality
            if info.dimensionality != wanted:
                raise budget_unit_error(symbol, "sensitivity",
                                _("sensitivity %(value)s must be in %(delta_text)s per %(delta_text2)s",
                                  value=repr(value), delta_text=shown_unit(measurand.delta_text),
                                  delta_text2=shown_unit(item.unit.delta_text)), (info.text,))
            return number * info.scale
        value = number
    number = finite_number(value, symbol, "sensitivity")
    _unit, factor = _sensitivity_unit(measurand, item.unit)
    return number / factor


def prepare_budget(budget: Mapping[str, Any] | PreparedBudget) -> PreparedBudget:
    """Check a budget dict and prepare it for fast evaluation (JCGM 100 clauses 4 and 5).

    Raises :class:`BudgetError` (or :class:`BudgetUnitError`) with one message naming
    the input at fault: unknown symbol in the model, two uncertainty statements, a
    negative uncertainty, a unit that does not fit the model.
    """
    if isinstance(budget, PreparedBudget):
        return budget
    if not isinstance(budget, Mapping):
        raise budget_error(None, None, _("a budget must be a JSON object with measurand, model and "
                                         "inputs"))
    unknown = sorted(set(budget) - _TOP_KEYS)
    if unknown:
        raise budget_error(None, unknown[0], _("the budget has an unknown key '%(unknown)s' (known "
                                               "keys: %(sorted)s)",
                                               unknown=unknown[0], sorted=', '.join(sorted(_TOP_KEYS))))
    measurand_symbol, measurand = _measurand(budget.get("measurand"))
    entries = budget.get("inputs")
    if not isinstance(entries, Sequence) or isinstance(entries, str) or not entries:
        raise budget_error(None, "inputs", _("the budget needs a list of 'inputs'"))
    inputs = tuple(parse_input(entry, n) for n, entry in enumerate(entries))
    symbols = tuple(item.symbol for item in inputs)
    index: dict[str, int] = {}
    for n, symbol in enumerate(symbols):
        if symbol in index:
            raise budget_error(symbol, "symbol", _("appears twice in the inputs"))
        index[symbol] = n
    model_text = budget.get("model")
    if not isinstance(model_text, str):
        raise budget_error(None, "model", _("the budget needs a 'model' (an expression such as \"p_x - "
                                            "p_s\")"))
    program = _program(model_text, symbols)
    _check_model_units(program, inputs, measurand, measurand_symbol)
    grads = list(program.grads)
    overridden = [False] * len(inputs)
    for n, entry in enumerate(entries):
        if "sensitivity" in entry:
            grads[n] = _sensitivity(entry["sensitivity"], inputs[n], measurand)
            overridden[n] = True
    units_and_factors = [_sensitivity_unit(measurand, item.unit) for item in inputs]
    prepared = PreparedBudget.__new__(PreparedBudget)
    prepared.raw = dict(budget)
    prepared.measurand_symbol = measurand_symbol
    prepared.measurand = measurand
    prepared.model = model_text
    prepared.coverage_probability = _coverage_probability(budget)
    prepared.inputs = inputs
    prepared.correlations = _correlations(budget.get("correlations"), index, inputs)
    prepared.program = program
    prepared.x_base = tuple(item.unit.to_base(item.estimate) for item in inputs)
    prepared.u_base = tuple(item.standard_uncertainty * item.unit.scale for item in inputs)
    prepared.dof = tuple(item.dof for item in inputs)
    prepared.grads = tuple(grads)
    prepared.sensitivity_units = tuple(text for text, _ in units_and_factors)
    prepared.sensitivity_factors = tuple(factor for _, factor in units_and_factors)
    prepared.overridden = tuple(overridden)
    prepared.unused = tuple(item.symbol for n, item in enumerate(inputs) if n not in program.used)
    return prepared


def _check_model_units(program: ModelProgram, inputs: Sequence[BudgetInput], measurand: UnitInfo,
                       symbol: str) -> None:
    infos = [item.unit for item in inputs]
    result = analyse(program.tree, infos, measurand.dimensionality)
    if result.dimensionality != measurand.dimensionality:
        only = [inputs[i].symbol for i in program.used]
        raise BudgetUnitError(
            _("the model gives %(label)s, but the measurand %(symbol)s is in %(text)s ("
              "%(dimension_name)s); check the units of %(only)s",
              label=result.label, symbol=symbol, text=shown_unit(measurand.text),
              dimension_name=dimension_label(measurand.dimensionality), only=', '.join(only)),
            input=only[0] if len(only) == 1 else None, field="model", units=(measurand.text,),
        )
    temperature_inputs = [inputs[i] for i in program.used
                          if inputs[i].unit.is_offset or "delta_" in inputs[i].unit.text]
    if result.offset and "delta_" in measurand.text:
        # Next to a value in °C a value in K is read as a difference (20 °C + 0.5 K = 20.5 °C),
        # so an absolute temperature written in K (t_s = 293.15 K in t_x − t_s) lands here;
        # changing the measurand to degC would then print the error as −272.52 °C.
        kelvin = [inputs[i] for i in sorted(program.used)
                  if inputs[i].unit.dimensionality == measurand.dimensionality
                  and not inputs[i].unit.is_offset and "delta_" not in inputs[i].unit.text]
        if kelvin:
            kelvin.sort(key=lambda item: -abs(item.estimate * item.unit.scale))  # the likeliest first
            names = " or ".join(item.symbol for item in kelvin)
            raise BudgetUnitError(
                _("input '%(symbol)s': the model gives a temperature in °C, but the measurand "
                  "%(symbol2)s is a temperature difference (%(text)s); next to a value in °C a value "
                  "in %(text2)s is read as a difference, so if %(names)s is a temperature, give it in "
                  "°C",
                  symbol=kelvin[0].symbol, symbol2=symbol, text=shown_unit(measurand.text),
                  text2=shown_unit(kelvin[0].unit.text),
                  names=names),
                input=kelvin[0].symbol, field="value", units=(kelvin[0].unit.text, measurand.text))
        raise BudgetUnitError(
            _("the model gives a temperature in °C, but the measurand %(symbol)s is a temperature "
              "difference (%(text)s); give the measurand unit as °C", symbol=symbol, text=shown_unit(measurand.text)),
            field="measurand", units=(measurand.text,))
    if measurand.is_offset and not result.offset and temperature_inputs:
        raise BudgetUnitError(
            _("the model gives a temperature difference, but the measurand %(symbol)s is in %(text)s; "
              "give the measurand unit as Δ°C or K", symbol=symbol, text=shown_unit(measurand.text)),
            field="measurand", units=(measurand.text,))


#: Another name for :func:`prepare_budget` (parse a budget dict into a prepared budget).
parse_budget = prepare_budget
