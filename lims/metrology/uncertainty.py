"""Evaluation of an uncertainty budget by the GUM method (JCGM 100:2008).

* Estimate y = f(x_1, ..., x_N) (4.1.4); sensitivity coefficients c_i = ∂f/∂x_i by
  differentiating the model (5.1.3), or as given in the budget (5.1.4).
* Combined standard uncertainty u_c² = Σ c_i² u²(x_i) + 2 ΣΣ c_i c_j u(x_i) u(x_j) r_ij
  (5.1.2 and 5.2.2).
* Effective degrees of freedom by the Welch–Satterthwaite formula
  ν_eff = u_c⁴ / Σ u_i⁴(y)/ν_i (G.4.1; u_c includes the correlation terms).
* Coverage factor k = t_p(ν) of Student's t distribution for the coverage probability p,
  with ν_eff truncated to the next lower integer (G.6.4) unless ``fractional_dof`` is set,
  and the normal quantile when ν_eff is infinite (p = 0.9545 gives k = 2.00);
  U = k·u_c (6.2.1).
* Optionally a Monte Carlo cross-check (JCGM 101:2008, :mod:`lims.metrology.montecarlo`).
* An input the model does not use is a warning of the result (``warnings``), not an error.

``evaluate_budget(...).to_dict()`` is the JSON printed by ``lims uncertainty evaluate --json``.
"""
from __future__ import annotations

import json
import math
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from scipy import special

from lims.i18n import N_, _, translator
from lims.metrology.budget import (
    DEFAULT_COVERAGE_PROBABILITY,
    BudgetInput,
    PreparedBudget,
    parse_budget,
    prepare_budget,
)
from lims.metrology.errors import BudgetError
from lims.metrology.expression import NUMERIC_ERRORS
from lims.metrology.montecarlo import MonteCarloResult, run_monte_carlo
from lims.metrology.reporting import Lang, result_text

__all__ = [
    "BudgetResult",
    "PreparedBudget",
    "prepare_budget",
    "parse_budget",
    "evaluate_budget",
    "evaluate_budget_file",
    "load_budget",
    "coverage_factor",
    "welch_satterthwaite",
    "DEFAULT_COVERAGE_PROBABILITY",
]


UNUSED_INPUT = N_("Input '%(symbol)s' is not used by the model '%(model)s': it adds nothing to the result, "
                  "and its correlations with the other inputs are not used either.")


@lru_cache(maxsize=4096)
def _t_quantile(dof: float, p: float) -> float:
    return float(special.stdtrit(dof, 0.5 * (1.0 + p)))


@lru_cache(maxsize=256)
def _normal_quantile(p: float) -> float:
    return float(special.ndtri(0.5 * (1.0 + p)))


def coverage_factor(dof: float, p: float = DEFAULT_COVERAGE_PROBABILITY, *, fractional_dof: bool = False) -> float:
    """k = t_p(ν) (JCGM 100 G.3.4, G.6.4); the normal quantile for infinite ν (G.3.3).

    ν is truncated to the next lower integer unless ``fractional_dof`` (a ν within a relative
    1e-9 below an integer counts as that integer, so 26.999999999999996 from rounding
    stays 27); a ν below 1 is used as it is.
    """
    if not 0 < p < 1:
        raise BudgetError(_("the coverage probability must be between 0 and 1, not %(p)s", p=repr(p)),
                          field="coverage_probability")
    if math.isinf(dof):
        return _normal_quantile(p)
    if not dof > 0:
        raise BudgetError(_("degrees of freedom must be positive, not %(dof)s", dof=repr(dof)), field="dof")
    if not fractional_dof and dof >= 1:
        dof = float(math.floor(dof * (1.0 + 1e-9)))
    return _t_quantile(dof, p)


def welch_satterthwaite(combined: float, contributions: list[float], dofs: tuple[float, ...] | list[float]) -> float:
    """ν_eff = u_c⁴ / Σ u_i⁴/ν_i (JCGM 100 G.4.1, eq. G.2b); ``math.inf`` when all ν_i are infinite."""
    denominator = 0.0
    for u, dof in zip(contributions, dofs, strict=True):
        if u and dof != math.inf:
            denominator += u**4 / dof
    if denominator == 0.0:
        return math.inf
    return combined**4 / denominator


class BudgetResult:
    """The outcome of :func:`evaluate_budget`, in the measurand's unit.

    Attributes are floats: ``value``, ``standard_uncertainty``, ``dof_effective``
    (``math.inf`` when infinite), ``k``, ``expanded_uncertainty``,
    ``coverage_probability``; ``sensitivities`` and ``contributions`` per input (base
    units and measurand unit), ``monte_carlo`` (or ``None``).
    """

    __slots__ = ("budget", "value", "standard_uncertainty", "dof_effective", "k", "expanded_uncertainty",
                 "coverage_probability", "sensitivities", "contributions", "variance", "monte_carlo")

    def __init__(self, budget: PreparedBudget, value: float, standard_uncertainty: float,
                 dof_effective: float, k: float, sensitivities: list[float], contributions: list[float],
                 variance: float) -> None:
        self.budget = budget
        self.value = value
        self.standard_uncertainty = standard_uncertainty
        self.dof_effective = dof_effective
        self.k = k
        self.expanded_uncertainty = k * standard_uncertainty
        self.coverage_probability = budget.coverage_probability
        self.sensitivities = sensitivities
        self.contributions = contributions
        self.variance = variance
        self.monte_carlo: MonteCarloResult | None = None

    @property
    def unit(self) -> str:
        """Unit text of the value."""
        return self.budget.measurand.text

    @property
    def uncertainty_unit(self) -> str:
        """Unit text of the uncertainties (``delta_degC`` for a value in ``degC``)."""
        return self.budget.measurand.delta_text

    def result_text(self, lang: Lang = "en") -> str:
        """The result as a certificate prints it (JCGM 100 7.2.4, 7.2.6)."""
        return result_text(self.budget.measurand_symbol, self.value, self.expanded_uncertainty,
                           self.uncertainty_unit if self.budget.measurand.is_offset else self.unit,
                           self.k, self.coverage_probability, lang)

    def warnings(self) -> list[dict[str, str]]:
        """What the user should know but that does not stop the evaluation: inputs the model
        does not use (JCGM 100 H.2: one set of correlated inputs serves several models).
        Each warning is ``{"kind", "input", "text", "text_vi"}``, in English and Vietnamese."""
        budget = self.budget
        en, vi = translator("en"), translator("vi")
        return [{"kind": "unused_input", "input": symbol,
                 "text": en(UNUSED_INPUT, symbol=symbol, model=budget.model),
                 "text_vi": vi(UNUSED_INPUT, symbol=symbol, model=budget.model)}
                for symbol in budget.unused]

    def rows(self) -> list[dict[str, Any]]:
        """The budget table: one row per input (JCGM 100 7.2.7)."""
        budget = self.budget
        total = self.variance
        delta = budget.measurand.delta_text
        rows = []
        for n, item in enumerate(budget.inputs):
            contribution = self.contributions[n]
            rows.append({
                "symbol": item.symbol,
                "estimate": {"value": item.estimate, "unit": item.unit.text},
                "standard_uncertainty": {"value": item.standard_uncertainty, "unit": item.unit.delta_text},
                "distribution": item.distribution,
                "sensitivity": {"value": self.sensitivities[n] * budget.sensitivity_factors[n],
                                "unit": budget.sensitivity_units[n]},
                "contribution": {"value": contribution, "unit": delta},
                "dof": None if math.isinf(item.dof) else item.dof,
                "percent": 100.0 * contribution**2 / total if total > 0 else 0.0,
            })
        return rows

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``lims uncertainty evaluate --json``."""
        unit, delta = self.unit, self.uncertainty_unit
        data: dict[str, Any] = {
            "measurand": {"symbol": self.budget.measurand_symbol, "unit": unit},
            "value": {"value": self.value, "unit": unit},
            "standard_uncertainty": {"value": self.standard_uncertainty, "unit": delta},
            "dof_effective": None if math.isinf(self.dof_effective) else self.dof_effective,
            "k": self.k,
            "expanded_uncertainty": {"value": self.expanded_uncertainty, "unit": delta},
            "coverage_probability": self.coverage_probability,
            "budget": self.rows(),
            "result_text": self.result_text("en"),
            "result_text_vi": self.result_text("vi"),
            "warnings": self.warnings(),
        }
        if self.monte_carlo is not None:
            data["monte_carlo"] = self.monte_carlo.to_dict()
        return data


def _gum(budget: PreparedBudget, fractional_dof: bool) -> BudgetResult:
    env = budget.x_base
    try:
        y = budget.program.scalar(env)
        c = [g if isinstance(g, float) else g(env) for g in budget.grads]
    except NUMERIC_ERRORS as exc:
        raise BudgetError(_("the model '%(model)s' has no value at the input estimates (%(exc)s)",
                            model=budget.model, exc=exc),
                          field="model") from exc
    if not math.isfinite(y) or not all(math.isfinite(ci) for ci in c):
        raise BudgetError(_("the model '%(model)s' has no finite value or slope at the input estimates",
                            model=budget.model),
                          field="model")
    signed = [ci * u for ci, u in zip(c, budget.u_base, strict=True)]
    variance = math.fsum(x * x for x in signed)
    for i, j, r in budget.correlations:
        variance += 2.0 * r * signed[i] * signed[j]
    combined = math.sqrt(variance) if variance > 0 else 0.0
    dof_effective = welch_satterthwaite(combined, signed, budget.dof)
    k = coverage_factor(dof_effective, budget.coverage_probability, fractional_dof=fractional_dof)
    measurand = budget.measurand
    scale = measurand.scale
    return BudgetResult(
        budget,
        value=(y - measurand.offset) / scale,
        standard_uncertainty=combined / scale,
        dof_effective=dof_effective,
        k=k,
        sensitivities=c,
        contributions=[abs(x) / scale for x in signed],
        variance=variance / (scale * scale),
    )


def evaluate_budget(
    budget: Mapping[str, Any] | PreparedBudget,
    *,
    monte_carlo: int | None = None,
    seed: int | None = None,
    fractional_dof: bool = False,
    interval: str = "shortest",
) -> BudgetResult:
    """Evaluate a budget (dict as in the budget file, or prepared) by the GUM method.

    ``monte_carlo`` = number of trials adds a JCGM 101 cross-check (``seed`` makes it
    repeatable; ``interval`` is ``"shortest"`` or ``"symmetric"``). Raises
    :class:`~lims.metrology.errors.BudgetError` for a budget that cannot be evaluated.
    """
    prepared = budget if isinstance(budget, PreparedBudget) else prepare_budget(budget)
    result = _gum(prepared, fractional_dof)
    if monte_carlo is not None:
        result.monte_carlo = run_monte_carlo(
            prepared, monte_carlo, seed=seed, interval=interval,  # type: ignore[arg-type]
            gum_value=result.value, gum_standard_uncertainty=result.standard_uncertainty,
            gum_expanded_uncertainty=result.expanded_uncertainty,
        )
    return result


def load_budget(path: str | Path) -> dict[str, Any]:
    """Read a budget file (JSON); a missing or malformed file raises BudgetError naming it."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise BudgetError(_("cannot read the budget file %(path)s: %(value)s",
                            path=repr(str(path)), value=exc.strerror or exc)) from exc
    except UnicodeDecodeError as exc:
        raise BudgetError(_("the budget file %(path)s is not UTF-8 text", path=repr(str(path)))) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BudgetError(_("the budget file %(path)s is not valid JSON: %(msg)s (line %(lineno)s, "
                            "column %(colno)s)",
                            path=repr(str(path)), msg=exc.msg, lineno=exc.lineno, colno=exc.colno)) from exc
    if not isinstance(data, dict):
        raise BudgetError(_("the budget file %(path)s must hold one JSON object", path=repr(str(path))))
    return data


def evaluate_budget_file(
    path: str | Path,
    *,
    monte_carlo: int | None = None,
    seed: int | None = None,
    fractional_dof: bool = False,
    interval: str = "shortest",
) -> BudgetResult:
    """Read and evaluate a budget file: what ``lims uncertainty evaluate`` runs."""
    return evaluate_budget(load_budget(path), monte_carlo=monte_carlo, seed=seed,
                           fractional_dof=fractional_dof, interval=interval)


__all__ += ["BudgetInput", "MonteCarloResult"]
