"""Propagation of distributions by Monte Carlo (JCGM 101:2008, GUM Supplement 1).

* Each input is sampled from the distribution its uncertainty statement implies
  (JCGM 101 6.4): normal for a standard or expanded uncertainty with infinite degrees of
  freedom; a scaled and shifted t distribution with ν degrees of freedom for readings
  (6.4.9) and for a standard uncertainty stated with finite ν (6.4.9.7); rectangular
  (6.4.2), triangular (6.4.5) and arcsine (6.4.6) from a half-width.
* Correlated inputs are sampled jointly (6.4.8): correlated standard normal variates
  through the eigen-decomposition of the correlation matrix, mapped to each input's
  distribution through its inverse distribution function (a Gaussian copula; for normal
  inputs this is exactly the multivariate normal of 6.4.8).
* Model values are summarised by their mean and standard deviation (7.6) and a coverage
  interval, the shortest (7.7.2) by default or the probabilistically symmetric one (7.7.1).
* The GUM interval y ± U is validated when both end-point differences are within the
  numerical tolerance δ of u(y) stated with two significant digits (8.2, 7.9.2).

Random numbers come from numpy's PCG64 generator; a ``seed`` makes a run repeatable.
Sensitivity coefficients given in the budget do not apply here: the model is propagated.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy import special

from lims.i18n import _
from lims.metrology.budget import PreparedBudget
from lims.metrology.errors import BudgetError

__all__ = ["MonteCarloResult", "run_monte_carlo", "sample_inputs", "coverage_interval",
           "numerical_tolerance", "MAX_TRIALS", "BLOCK"]

IntervalKind = Literal["shortest", "symmetric"]
MAX_TRIALS = 50_000_000
BLOCK = 250_000


@dataclass(frozen=True, slots=True)
class MonteCarloResult:
    """Summary of a Monte Carlo propagation, in the measurand's unit."""

    trials: int
    mean: float
    standard_uncertainty: float
    low: float
    high: float
    interval_kind: str
    gum_validated: bool
    tolerance: float
    d_low: float
    d_high: float
    unit: str
    delta_unit: str

    def to_dict(self) -> dict[str, Any]:
        """The ``monte_carlo`` block of the budget result JSON."""
        def q(value: float, unit: str) -> dict[str, Any]:
            return {"value": value, "unit": unit}

        return {
            "trials": self.trials,
            "mean": q(self.mean, self.unit),
            "standard_uncertainty": q(self.standard_uncertainty, self.delta_unit),
            "coverage_interval": [q(self.low, self.unit), q(self.high, self.unit)],
            "interval_kind": self.interval_kind,
            "gum_validated": self.gum_validated,
            "validation": {
                "tolerance": q(self.tolerance, self.delta_unit),
                "d_low": q(self.d_low, self.delta_unit),
                "d_high": q(self.d_high, self.delta_unit),
            },
        }


def _inverse_cdf(kind: str, scale: float, dof: float, p: np.ndarray) -> np.ndarray:
    """Deviations from the estimate for probabilities ``p`` (zero-centred distributions)."""
    if kind == "t":
        return scale * special.stdtrit(dof, p)
    if kind == "rectangular":
        return scale * (2.0 * p - 1.0)
    if kind == "triangular":
        return scale * np.where(p < 0.5, np.sqrt(2.0 * p) - 1.0, 1.0 - np.sqrt(2.0 * (1.0 - p)))
    if kind == "arcsine":
        return -scale * np.cos(np.pi * p)
    return scale * special.ndtri(p)


def _independent(kind: str, scale: float, dof: float, n: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "normal":
        return scale * rng.standard_normal(n)
    if kind == "t":
        return scale * rng.standard_t(dof, n)
    if kind == "rectangular":
        return rng.uniform(-scale, scale, n)
    if kind == "triangular":
        return rng.triangular(-scale, 0.0, scale, n)
    if kind == "arcsine":
        return scale * np.sin(2.0 * np.pi * rng.random(n))
    raise AssertionError(kind)


def _correlation_factor(prepared: PreparedBudget) -> tuple[list[int], np.ndarray | None]:
    group = sorted({i for i, j, _ in prepared.correlations} | {j for _, j, _ in prepared.correlations})
    group = [i for i in group if prepared.inputs[i].mc_kind != "constant"]
    if len(group) < 2:
        return [], None
    position = {i: n for n, i in enumerate(group)}
    matrix = np.eye(len(group))
    for i, j, r in prepared.correlations:
        if i in position and j in position:
            matrix[position[i], position[j]] = matrix[position[j], position[i]] = r
    values, vectors = np.linalg.eigh(matrix)
    return group, vectors * np.sqrt(np.clip(values, 0.0, None))


def sample_inputs(prepared: PreparedBudget, n: int, rng: np.random.Generator) -> list[Any]:
    """``n`` draws of every input in SI base units (floats for constants)."""
    group, factor = _correlation_factor(prepared)
    samples: list[Any] = []
    for i, item in enumerate(prepared.inputs):
        if item.mc_kind == "constant" or i in group:
            samples.append(prepared.x_base[i])
        else:
            scale = item.mc_scale * item.unit.scale
            samples.append(prepared.x_base[i] + _independent(item.mc_kind, scale, item.dof, n, rng))
    if factor is not None:
        z = rng.standard_normal((n, len(group))) @ factor.T
        for column, i in enumerate(group):
            item = prepared.inputs[i]
            scale = item.mc_scale * item.unit.scale
            if item.mc_kind == "normal":
                deviation = scale * z[:, column]
            else:
                deviation = _inverse_cdf(item.mc_kind, scale, item.dof, special.ndtr(z[:, column]))
            samples[i] = prepared.x_base[i] + deviation
    return samples


def coverage_interval(sorted_values: np.ndarray, p: float, kind: IntervalKind = "shortest") -> tuple[float, float]:
    """Coverage interval from sorted model values (JCGM 101 7.7.1 symmetric, 7.7.2 shortest)."""
    m = sorted_values.size
    q = int(p * m + 0.5)
    if q < 1 or q >= m:
        raise BudgetError(_("%(m)s Monte Carlo trials are too few for a %(p)s coverage interval",
                            m=m, p=format(p, '.2%')),
                          field="monte_carlo")
    if kind == "symmetric":
        half = (m - q) / 2
        r = int(half) if half.is_integer() else int((m - q + 1) / 2)
        r = max(r, 1)
        return float(sorted_values[r - 1]), float(sorted_values[r + q - 1])
    widths = sorted_values[q:] - sorted_values[: m - q]
    r0 = int(np.argmin(widths))
    return float(sorted_values[r0]), float(sorted_values[r0 + q])


def numerical_tolerance(u: float, significant_digits: int = 2) -> float:
    """δ = ½·10^l where u = c·10^l with c a ``significant_digits``-digit integer (JCGM 101 7.9.2)."""
    if u <= 0 or not math.isfinite(u):
        return 0.0
    exponent = math.floor(math.log10(u)) - (significant_digits - 1)
    if round(u / 10.0**exponent) >= 10**significant_digits:
        exponent += 1
    return 0.5 * 10.0**exponent


def _check_trials(trials: Any, p: float) -> int:
    minimum = math.ceil(100.0 / (1.0 - p))
    if isinstance(trials, bool) or not isinstance(trials, int) or not minimum <= trials <= MAX_TRIALS:
        raise BudgetError(
            _("the number of Monte Carlo trials must be a whole number from %(minimum)s to "
              "%(max_trials)s for p = %(p)s, not %(trials)s (JCGM 101 7.2.2 recommends at least "
              "%(ceil)s)",
              minimum=minimum, max_trials=MAX_TRIALS, p=p, trials=repr(trials), ceil=math.ceil(1e4 / (1 - p))),
            field="monte_carlo")
    return trials


def run_monte_carlo(
    prepared: PreparedBudget,
    trials: int,
    *,
    gum_value: float,
    gum_standard_uncertainty: float,
    gum_expanded_uncertainty: float,
    seed: int | None = None,
    interval: IntervalKind = "shortest",
) -> MonteCarloResult:
    """Propagate the input distributions through the model and validate the GUM interval.

    ``gum_*`` are the GUM results in the measurand's unit (JCGM 101 8.2 compares them).
    """
    p = prepared.coverage_probability
    trials = _check_trials(trials, p)
    if interval not in ("shortest", "symmetric"):
        raise BudgetError(_("the coverage interval is 'shortest' or 'symmetric', not %(interval)s",
                            interval=repr(interval)),
                          field="monte_carlo")
    rng = np.random.default_rng(seed)
    model = prepared.program.vector
    values = np.empty(trials)
    with np.errstate(all="ignore"):
        for start in range(0, trials, BLOCK):
            n = min(BLOCK, trials - start)
            values[start:start + n] = model(sample_inputs(prepared, n, rng))
    bad = int(np.count_nonzero(~np.isfinite(values)))
    if bad:
        raise BudgetError(_("Monte Carlo: the model has no value in %(bad)s of %(trials)s trials (for "
                            "example a division by a sampled zero or the log of a negative number)",
                            bad=bad, trials=trials), field="model")
    measurand = prepared.measurand
    values = (values - measurand.offset) / measurand.scale
    mean = float(values.mean())
    u = float(values.std(ddof=1))
    values.sort()
    low, high = coverage_interval(values, p, interval)
    tolerance = numerical_tolerance(gum_standard_uncertainty)
    d_low = abs(gum_value - gum_expanded_uncertainty - low)
    d_high = abs(gum_value + gum_expanded_uncertainty - high)
    return MonteCarloResult(
        trials=trials, mean=mean, standard_uncertainty=u, low=low, high=high,
        interval_kind=interval, gum_validated=bool(d_low <= tolerance and d_high <= tolerance),
        tolerance=tolerance, d_low=d_low, d_high=d_high,
        unit=measurand.text, delta_unit=measurand.delta_text,
    )
