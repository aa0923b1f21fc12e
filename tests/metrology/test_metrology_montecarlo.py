"""Monte Carlo propagation (JCGM 101:2008) against its published examples and hand results."""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from lims.metrology.budget import prepare_budget
from lims.metrology.errors import BudgetError
from lims.metrology.montecarlo import coverage_interval, numerical_tolerance, sample_inputs
from lims.metrology.uncertainty import evaluate_budget

TRIALS = 400_000


def additive(kinds: list[tuple[str, float]]) -> dict:
    """JCGM 101 9.2: Y = X1 + X2 + X3 + X4, estimates 0, p = 95 %."""
    inputs = []
    for n, (kind, u) in enumerate(kinds, start=1):
        entry = {"symbol": f"X{n}", "value": 0, "unit": "dimensionless"}
        if kind == "normal":
            entry["standard_uncertainty"] = u
        else:
            entry.update(half_width=u * math.sqrt(3), distribution="rectangular")
        inputs.append(entry)
    return {"measurand": {"symbol": "Y", "unit": "dimensionless"}, "model": "X1 + X2 + X3 + X4",
            "coverage_probability": 0.95, "inputs": inputs}


def test_additive_model_normal_inputs_validates_gum_jcgm101_9_2_2() -> None:
    """JCGM 101 9.2.2 (Table 2): four N(0, 1) inputs; u(y) = 2, GUM and MCM interval ±3.92."""
    result = evaluate_budget(additive([("normal", 1.0)] * 4), monte_carlo=TRIALS, seed=11)
    mc = result.monte_carlo
    assert mc is not None
    assert result.expanded_uncertainty == pytest.approx(1.959964 * 2, rel=1e-6)
    assert mc.standard_uncertainty == pytest.approx(2.0, abs=0.01)
    assert mc.low == pytest.approx(-3.92, abs=0.05) and mc.high == pytest.approx(3.92, abs=0.05)
    assert mc.tolerance == 0.05  # u(y) = 2.0 -> 20 × 10^-1, δ = ½ × 10^-1 (JCGM 101 7.9.2)
    assert mc.gum_validated


def test_additive_model_rectangular_inputs_jcgm101_9_2_3() -> None:
    """JCGM 101 9.2.3 (Table 3): four rectangular inputs with u = 1: MCM interval ±3.88."""
    mc = evaluate_budget(additive([("rectangular", 1.0)] * 4), monte_carlo=TRIALS, seed=12).monte_carlo
    assert mc is not None
    assert mc.standard_uncertainty == pytest.approx(2.0, abs=0.01)
    assert mc.low == pytest.approx(-3.88, abs=0.03) and mc.high == pytest.approx(3.88, abs=0.03)


def test_dominant_rectangular_input_is_not_validated_jcgm101_9_2_4() -> None:
    """JCGM 101 9.2.4 (Table 4): X4 rectangular with u = 10 dominates; u(y) = √103 = 10.149.

    GUM: ±1.96 × 10.149 = ±19.9; MCM: ±17.0 (a near-rectangular distribution: 0.95 × 10√3
    = 16.45 widened by the normal inputs). The end-points differ by about 2.9 > δ = 0.5.
    """
    result = evaluate_budget(additive([("normal", 1.0)] * 3 + [("rectangular", 10.0)]),
                             monte_carlo=TRIALS, seed=13)
    mc = result.monte_carlo
    assert mc is not None
    assert result.standard_uncertainty == pytest.approx(math.sqrt(103))
    assert result.expanded_uncertainty == pytest.approx(19.9, abs=0.05)
    assert mc.standard_uncertainty == pytest.approx(math.sqrt(103), rel=0.01)
    assert mc.low == pytest.approx(-17.0, abs=0.15) and mc.high == pytest.approx(17.0, abs=0.15)
    assert mc.tolerance == 0.5
    assert not mc.gum_validated


def test_nonlinear_model_mc_and_gum_disagree_jcgm101_9_4() -> None:
    """JCGM 101 9.4 (comparison loss), Y = X1² + X2², x1 = 0.010, x2 = 0, u = 0.005 each.

    GUM (first order): y = x1² = 1.0e-4, c1 = 2·x1 = 0.02, c2 = 0, u(y) = 0.02 × 0.005 = 1.0e-4,
    95 % interval 1.0e-4 ± 1.96e-4 (it reaches below zero, where Y cannot be).
    Exact moments: E[Y] = x1² + u1² + u2² = 1.5e-4;
    Var[Y] = (2u1⁴ + 4x1²u1²) + 2u2⁴ = 1.125e-8 + 1.25e-9 = 1.25e-8, so u = 1.118e-4.
    The shortest interval starts at 0 (the density is largest there): not validated.
    """
    budget = {
        "measurand": {"symbol": "Y", "unit": "dimensionless"},
        "model": "X1**2 + X2**2",
        "coverage_probability": 0.95,
        "inputs": [
            {"symbol": "X1", "value": 0.010, "unit": "dimensionless", "standard_uncertainty": 0.005},
            {"symbol": "X2", "value": 0.0, "unit": "dimensionless", "standard_uncertainty": 0.005},
        ],
    }
    result = evaluate_budget(budget, monte_carlo=TRIALS, seed=14)
    mc = result.monte_carlo
    assert mc is not None
    assert result.value == pytest.approx(1.0e-4)
    assert result.standard_uncertainty == pytest.approx(1.0e-4)
    assert result.value - result.expanded_uncertainty == pytest.approx(-0.96e-4, abs=0.01e-4)
    assert mc.mean == pytest.approx(1.5e-4, rel=0.01)
    assert mc.standard_uncertainty == pytest.approx(math.sqrt(1.25e-8), rel=0.02)
    assert 0 <= mc.low < 0.02e-4
    assert mc.high == pytest.approx(3.7e-4, abs=0.1e-4)
    assert mc.d_low > mc.tolerance
    assert not mc.gum_validated
    symmetric = evaluate_budget(budget, monte_carlo=TRIALS, seed=14, interval="symmetric").monte_carlo
    assert symmetric is not None and symmetric.interval_kind == "symmetric"
    assert symmetric.high - symmetric.low > mc.high - mc.low  # the shortest is shorter for a skewed Y


def test_issue_budget_monte_carlo_uses_t_for_few_readings(pressure_budget: dict) -> None:
    """JCGM 101 6.4.9: four readings give a t distribution with 3 degrees of freedom, whose
    standard deviation is √(ν/(ν−2)) = √3 times s/√n; the other inputs keep their u.

    Expected u(y)² = 3·(4.787 mbar)² + 0.75² + 0.5²·12/10 + 2.887² + 2.828² + 0.408² mbar²
    = 68.75 + 0.5625 + 0.3 + 8.333 + 8 + 0.1667 = 86.11 mbar², u(y) = 9.28 mbar; the sampled
    standard deviation of a t₃ converges slowly, hence the loose tolerance.
    """
    result = evaluate_budget(pressure_budget, monte_carlo=TRIALS, seed=5)
    mc = result.monte_carlo
    assert mc is not None
    assert mc.mean == pytest.approx(0.0275, abs=0.0002)
    assert mc.standard_uncertainty == pytest.approx(9.28e-3, rel=0.08)
    assert mc.to_dict()["coverage_interval"][0]["unit"] == "bar"


def test_correlated_inputs_sampled_jointly_gum_h2(impedance_budget: Any) -> None:
    """JCGM 101 6.4.8: with r(V, I) = −0.36 the MC u(Z) matches the GUM 0.236 Ω of H.2."""
    result = evaluate_budget(impedance_budget("V / I", with_phase=False), monte_carlo=TRIALS, seed=3)
    mc = result.monte_carlo
    assert mc is not None
    assert mc.standard_uncertainty == pytest.approx(0.2366, rel=0.01)
    assert mc.mean == pytest.approx(254.260, abs=0.002)
    assert mc.gum_validated


def test_sampled_correlation_and_marginals() -> None:
    """Normal pair r = 0.8 (exact multivariate normal) and a rectangular/normal pair r = 0.5 (copula)."""
    budget = {
        "measurand": {"symbol": "Y", "unit": "g"},
        "model": "a + b + c + d",
        "inputs": [
            {"symbol": "a", "value": "1 g", "standard_uncertainty": "2 mg"},
            {"symbol": "b", "value": "2 g", "standard_uncertainty": "3 mg"},
            {"symbol": "c", "value": "0 g", "half_width": "5 mg", "distribution": "rectangular"},
            {"symbol": "d", "value": "0 g", "standard_uncertainty": "1 mg"},
        ],
        "correlations": [{"a": "a", "b": "b", "r": 0.8}, {"a": "c", "b": "d", "r": 0.5}],
    }
    prepared = prepare_budget(budget)
    a, b, c, d = sample_inputs(prepared, 200_000, np.random.default_rng(2))
    assert np.corrcoef(a, b)[0, 1] == pytest.approx(0.8, abs=0.01)
    assert np.std(a) == pytest.approx(2e-6, rel=0.01) and np.std(b) == pytest.approx(3e-6, rel=0.01)
    assert np.corrcoef(c, d)[0, 1] == pytest.approx(0.5, abs=0.04)
    assert np.max(np.abs(c)) <= 5e-6 and np.std(c) == pytest.approx(5e-6 / math.sqrt(3), rel=0.01)


def test_seed_makes_runs_repeatable() -> None:
    budget = additive([("normal", 1.0)] * 3 + [("rectangular", 2.0)])
    first = evaluate_budget(budget, monte_carlo=20_000, seed=99).to_dict()["monte_carlo"]
    again = evaluate_budget(budget, monte_carlo=20_000, seed=99).to_dict()["monte_carlo"]
    other = evaluate_budget(budget, monte_carlo=20_000, seed=100).to_dict()["monte_carlo"]
    assert first == again
    assert first != other


def test_coverage_interval_by_hand_jcgm101_7_7() -> None:
    """Sorted values 1..100, p = 0.9: q = 90. JCGM 101 7.7.1: r = (M − q)/2 = 5, so the
    symmetric interval is [y_(5), y_(95)] = [5, 95]; 7.7.2: every [y_(r), y_(r+q)] has width 90,
    the first is taken: [1, 91]."""
    values = np.arange(1.0, 101.0)
    assert coverage_interval(values, 0.9, "symmetric") == (5.0, 95.0)
    assert coverage_interval(values, 0.9, "shortest") == (1.0, 91.0)
    skewed = np.sort(np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 5.0, 9.0, 20.0]))
    assert coverage_interval(skewed, 0.6, "shortest") == (0.0, 0.6)


@pytest.mark.parametrize(
    ("u", "delta"), [(6.3427e-3, 5e-5), (2.0, 0.05), (10.149, 0.5), (0.0996, 0.005), (1.0e-4, 5e-6)]
)
def test_numerical_tolerance_jcgm101_7_9_2(u: float, delta: float) -> None:
    """u(y) = c × 10^l with c of two digits; δ = ½ × 10^l (e.g. 6.3 × 10⁻³ -> δ = 5 × 10⁻⁵)."""
    assert numerical_tolerance(u) == pytest.approx(delta)


def test_too_few_trials_and_undefined_model_values() -> None:
    budget = additive([("normal", 1.0)] * 4)
    with pytest.raises(BudgetError, match="number of Monte Carlo trials"):
        evaluate_budget(budget, monte_carlo=50)
    with pytest.raises(BudgetError, match="shortest' or 'symmetric"):
        evaluate_budget(budget, monte_carlo=10_000, interval="widest")
    log_budget = {
        "measurand": {"symbol": "Y", "unit": "dimensionless"},
        "model": "log(x)",
        "inputs": [{"symbol": "x", "value": 0.1, "unit": "dimensionless", "standard_uncertainty": 0.1}],
    }
    with pytest.raises(BudgetError, match="no value in .* of 10000 trials"):
        evaluate_budget(log_budget, monte_carlo=10_000, seed=1)
