"""Speed of the measurement core's uncertainty evaluation (prints figures; asserts nothing).

    python bench/uncertainty.py

1. A prepared 10-input budget evaluated by the GUM method with ν_eff and k, side by side
   with the same propagation in GTC (the GUM Tree Calculator): ureal inputs, the model,
   u, Welch–Satterthwaite dof and k. Target: at least 3 × faster than GTC.
2. Reading, parsing and evaluating the same budget from a file with the function the CLI
   calls (interpreter start-up and imports not counted). Target: under 5 ms.
3. Monte Carlo (JCGM 101) with 10⁶ trials of that budget on one core. Target: under 1 s.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # one core
    os.environ.setdefault(_var, "1")

import json
import math
import statistics
import tempfile
import time
import timeit
from pathlib import Path

BUDGET_10 = {
    "measurand": {"symbol": "E", "unit": "bar"},
    "model": "p_x - p_s * (1 + lambda_s * (t - t_ref)) - dp_drift + dp_res + dp_hyst + dp_head + dp_zero",
    "coverage_probability": 0.9545,
    "inputs": [
        {"symbol": "p_x", "readings": ["10.02 bar", "10.03 bar", "10.02 bar", "10.04 bar", "10.03 bar"]},
        {"symbol": "p_s", "value": "10.0000 bar", "expanded_uncertainty": "1.5 mbar", "k": 2},
        {"symbol": "lambda_s", "value": "2e-5 1/K", "half_width": "1e-5 1/K", "distribution": "rectangular"},
        {"symbol": "t", "value": "23.1 degC", "expanded_uncertainty": "0.2 K", "k": 2, "dof": 30},
        {"symbol": "t_ref", "value": "20 degC", "standard_uncertainty": "0 K"},
        {"symbol": "dp_drift", "value": "0 bar", "standard_uncertainty": "0.5 mbar", "dof": 12},
        {"symbol": "dp_res", "value": "0 bar", "half_width": "5 mbar", "distribution": "rectangular"},
        {"symbol": "dp_hyst", "value": "0 bar", "half_width": "4 mbar", "distribution": "arcsine"},
        {"symbol": "dp_head", "value": "0 bar", "half_width": "1 mbar", "distribution": "triangular"},
        {"symbol": "dp_zero", "value": "0 bar", "half_width": "2 mbar", "distribution": "rectangular"},
    ],
}


def per_call(fn, number: int, repeat: int = 7) -> float:
    """Best-of-``repeat`` time of one call, in seconds."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def gtc_propagation():
    """The same propagation in GTC, with inputs already parsed (floats in bar, K, 1/K)."""
    from GTC import reporting, ureal

    from lims.metrology.budget import prepare_budget

    prepared = prepare_budget(BUDGET_10)
    # Estimates, standard uncertainties and dof in each input's own unit.
    params = [(item.estimate, item.standard_uncertainty, item.dof) for item in prepared.inputs]
    p = prepared.coverage_probability * 100

    def run():
        p_x, p_s, lam, t, t_ref, drift, res, hyst, head, zero = (ureal(x, u, df) for x, u, df in params)
        y = p_x - p_s * (1 + lam * (t - t_ref)) - drift + res + hyst + head + zero
        df = y.df
        k = reporting.k_factor(math.floor(df) if math.isfinite(df) else math.inf, p)
        return y.x, y.u, df, k, k * y.u

    return run


def main() -> None:
    from lims.metrology.budget import prepare_budget
    from lims.metrology.uncertainty import evaluate_budget, evaluate_budget_file

    print("Measurement core benchmark (one core)")
    print("=" * 60)

    # 1. Prepared 10-input budget: ours against GTC.
    prepared = prepare_budget(BUDGET_10)
    ours = evaluate_budget(prepared)
    gtc = gtc_propagation()
    g_value, g_u, g_df, g_k, g_expanded = gtc()
    print("1. Prepared 10-input budget, GUM method with nu_eff and k")
    print(f"   ours: y = {ours.value:.9f} bar, u_c = {ours.standard_uncertainty * 1e3:.6f} mbar, "
          f"nu_eff = {ours.dof_effective:.4f}, k = {ours.k:.5f}, U = {ours.expanded_uncertainty * 1e3:.5f} mbar")
    print(f"   GTC:  y = {g_value:.9f} bar, u_c = {g_u * 1e3:.6f} mbar, "
          f"nu_eff = {g_df:.4f}, k = {g_k:.5f}, U = {g_expanded * 1e3:.5f} mbar")
    print(f"   agreement: |dy| = {abs(ours.value - g_value):.2e} bar, "
          f"|du|/u = {abs(ours.standard_uncertainty - g_u) / g_u:.1e}, "
          f"|dnu|/nu = {abs(ours.dof_effective - g_df) / g_df:.1e}, |dk| = {abs(ours.k - g_k):.1e}")
    t_ours = per_call(lambda: evaluate_budget(prepared), 2000)
    t_gtc = per_call(gtc, 500)
    print(f"   ours: {t_ours * 1e6:8.1f} us per budget")
    print(f"   GTC:  {t_gtc * 1e6:8.1f} us per budget")
    print(f"   ratio GTC / ours = {t_gtc / t_ours:.1f} x   (target >= 3 x)")

    # 2. Budget file -> JSON, as `lims uncertainty evaluate --json` does it.
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "budget10.json"
        path.write_text(json.dumps(BUDGET_10), encoding="utf-8")

        def from_file() -> str:
            return json.dumps(evaluate_budget_file(path).to_dict(), ensure_ascii=False, indent=2)

        from lims.metrology import budget as budget_module
        from lims.metrology import units as units_module

        budget_module._program.cache_clear()  # forget the compiled model and resolved units
        budget_module._sensitivity_unit.cache_clear()
        units_module.unit_info.cache_clear()
        start = time.perf_counter()
        from_file()
        first = time.perf_counter() - start
        runs = [per_call(from_file, 20, repeat=1) for _ in range(15)]
    print()
    print("2. Read, parse and evaluate the 10-input budget file (CLI function, with JSON output)")
    print(f"   first call, caches empty: {first * 1e3:6.2f} ms")
    print(f"   median of later calls:    {statistics.median(runs) * 1e3:6.2f} ms   (target < 5 ms)")

    # 3. Monte Carlo, 10^6 trials.
    trials = 1_000_000
    evaluate_budget(prepared, monte_carlo=10_000, seed=1)  # warm up numpy and the compiled model
    times = []
    for seed in (1, 2, 3):
        start = time.perf_counter()
        result = evaluate_budget(prepared, monte_carlo=trials, seed=seed)
        times.append(time.perf_counter() - start)
    mc = result.monte_carlo
    assert mc is not None
    print()
    print(f"3. Monte Carlo, {trials:,} trials of the 10-input budget")
    print(f"   mean = {mc.mean:.6f} bar, u = {mc.standard_uncertainty * 1e3:.4f} mbar, "
          f"shortest 95.45 % interval = [{mc.low:.5f}, {mc.high:.5f}] bar, GUM validated: {mc.gum_validated}")
    print(f"   time (median of 3): {statistics.median(times):.3f} s   (target < 1 s)")


if __name__ == "__main__":
    main()
