"""GUM budgets (JCGM 100:2008) checked against hand calculations and published examples."""
from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import pytest

from lims.metrology.budget import prepare_budget
from lims.metrology.errors import BudgetError, BudgetUnitError
from lims.metrology.reporting import round_result
from lims.metrology.uncertainty import (
    coverage_factor,
    evaluate_budget,
    evaluate_budget_file,
    welch_satterthwaite,
)

DATA = Path(__file__).parent / "data"
GOLDEN = Path(__file__).parent / "golden"


def test_issue_pressure_budget_worked_by_hand(pressure_budget: Any) -> None:
    """The budget of the issue, worked by hand (JCGM 100 4.2, 4.3, 5.1.2, G.4.1, G.6.4, 7.2.6).

    p_x readings 10.02, 10.03, 10.02, 10.04 bar: mean 10.0275 bar; deviations −7.5, 2.5, −7.5,
    12.5 mbar; Σd² = 56.25 + 6.25 + 56.25 + 156.25 = 275 mbar²; s² = 275/3 mbar²;
    u(p_x) = s/√4 = √(275/3)/2 = 4.78714 mbar, ν = 3 (4.2.3).
    u(p_s) = 1.5/2 = 0.75 mbar (4.3.3); u(dp_drift) = 0.5 mbar, ν = 12;
    u(dp_res) = 5/√3 = 2.88675 mbar (4.3.7); u(dp_hyst) = 4/√2 = 2.82843 mbar (arcsine);
    u(dp_head) = 1/√6 = 0.40825 mbar (4.3.9). All |c_i| = 1.
    u_c² = 22.9167 + 0.5625 + 0.25 + 8.3333 + 8 + 0.1667 = 40.2292 mbar²; u_c = 6.34265 mbar.
    ν_eff = u_c⁴ / (u_A⁴/3 + 0.5⁴/12) = 1618.39 / (175.058 + 0.0052) = 9.2446 -> 9 (G.6.4);
    t_95.45(9) = 2.32 (Table G.2); U = 2.3198 × 6.34265 = 14.714 mbar.
    Certificate: U = 0.015 bar (two significant digits), E = 0.0275 -> 0.028 bar.
    """
    result = evaluate_budget(copy.deepcopy(pressure_budget))
    u_a = math.sqrt(275 / 3) / 2 * 1e-3
    u_others = [0.75e-3, 0.5e-3, 5e-3 / math.sqrt(3), 4e-3 / math.sqrt(2), 1e-3 / math.sqrt(6)]
    variance = u_a**2 + sum(u**2 for u in u_others)
    u_c = math.sqrt(variance)
    nu_eff = u_c**4 / (u_a**4 / 3 + (0.5e-3) ** 4 / 12)

    assert result.value == pytest.approx(0.0275, abs=1e-12)
    assert u_c == pytest.approx(6.34265e-3, rel=1e-5)
    assert result.standard_uncertainty == pytest.approx(u_c, rel=1e-12)
    assert nu_eff == pytest.approx(9.2446, rel=1e-4)
    assert result.dof_effective == pytest.approx(nu_eff, rel=1e-12)
    assert result.k == pytest.approx(2.32, abs=0.005)  # GUM Table G.2, ν = 9, p = 95.45 %
    assert result.expanded_uncertainty == pytest.approx(result.k * u_c, rel=1e-12)
    assert result.expanded_uncertainty == pytest.approx(14.714e-3, rel=1e-3)

    data = result.to_dict()
    assert data["value"] == {"value": pytest.approx(0.0275), "unit": "bar"}
    assert data["standard_uncertainty"]["unit"] == "bar"
    assert data["coverage_probability"] == 0.9545
    assert data["result_text"] == "E = (0.028 ± 0.015) bar; k = 2.32; p = 95.45 %"
    assert data["result_text_vi"] == "E = (0,028 ± 0,015) bar; k = 2,32; p = 95,45 %"
    rows = {row["symbol"]: row for row in data["budget"]}
    assert rows["p_x"]["estimate"] == {"value": pytest.approx(10.0275), "unit": "bar"}
    assert rows["p_x"]["dof"] == 3 and rows["p_s"]["dof"] is None and rows["dp_drift"]["dof"] == 12
    assert rows["p_x"]["distribution"] == "type A"
    assert rows["dp_hyst"]["distribution"] == "arcsine"
    assert rows["p_s"]["sensitivity"] == {"value": -1.0, "unit": "dimensionless"}
    assert rows["dp_res"]["contribution"]["value"] == pytest.approx(5e-3 / math.sqrt(3))
    assert rows["p_x"]["percent"] == pytest.approx(100 * u_a**2 / variance)
    assert sum(row["percent"] for row in data["budget"]) == pytest.approx(100)


def test_golden_result_of_the_issue_budget() -> None:
    """Golden file: the certificate numbers must not drift between versions."""
    golden = json.loads((GOLDEN / "pressure_gauge.result.json").read_text(encoding="utf-8"))
    got = json.loads(json.dumps(evaluate_budget_file(DATA / "pressure_gauge.json").to_dict()))
    assert got.keys() == golden.keys()
    assert got["result_text"] == golden["result_text"]
    assert _close(got, golden)


def _close(a: object, b: object) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys()
        return all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b)
        return all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, (int, float)):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-15)
        return True
    assert a == b
    return True


@pytest.mark.parametrize(
    ("dof", "p", "k"),
    [
        (math.inf, 0.9545, 2.000), (math.inf, 0.95, 1.960), (math.inf, 0.9973, 3.000),
        (1, 0.9545, 13.97), (2, 0.95, 4.30), (3, 0.9545, 3.31), (9, 0.9545, 2.32),
        (10, 0.95, 2.23), (10, 0.99, 3.17), (20, 0.9545, 2.13), (50, 0.9545, 2.05),
    ],
)
def test_coverage_factor_matches_gum_table_g2(dof: float, p: float, k: float) -> None:
    """JCGM 100 Table G.2: t_p(ν) for the coverage probabilities it lists."""
    assert coverage_factor(dof, p) == pytest.approx(k, abs=0.005)


def test_effective_dof_truncated_unless_fractional(pressure_budget: Any) -> None:
    """JCGM 100 G.6.4: ν_eff = 9.24 is truncated to 9; with fractional ν, t_95.45(9.24) < t_95.45(9)."""
    assert coverage_factor(9.2446, 0.9545) == coverage_factor(9, 0.9545)
    fractional = evaluate_budget(copy.deepcopy(pressure_budget), fractional_dof=True)
    assert coverage_factor(10, 0.9545) < fractional.k < coverage_factor(9, 0.9545)


def test_welch_satterthwaite_by_hand() -> None:
    """JCGM 100 G.4.1 with u1 = 3 (ν = 4), u2 = 4 (ν = ∞): ν_eff = 5⁴/(3⁴/4) = 625/20.25 = 30.86."""
    assert welch_satterthwaite(5.0, [3.0, 4.0], [4.0, math.inf]) == pytest.approx(625 / 20.25)
    assert welch_satterthwaite(5.0, [3.0, 4.0], [math.inf, math.inf]) == math.inf


def test_correlated_budget_gum_h2_impedance(impedance_budget: Any) -> None:
    """JCGM 100 H.2.4 (Table H.3): Z = V/I = 254.260 Ω with u(Z) = 0.236 Ω, r(V, I) = −0.36.

    By hand (5.2.2): (u_Z/Z)² = (u_V/V)² + (u_I/I)² − 2·0.36·(u_V/V)(u_I/I)
    with u_V/V = 0.0032/4.9990 = 6.4013e-4 and u_I/I = 0.0095/19.6610 = 4.8319e-4.
    """
    result = evaluate_budget(impedance_budget("V / I", with_phase=False))
    rv, ri = 0.0032 / 4.9990, 0.0095 / 19.6610
    z = 4.9990 / 19.6610e-3
    u_z = z * math.sqrt(rv**2 + ri**2 + 2 * (-0.36) * rv * (-ri))
    assert result.value == pytest.approx(z, rel=1e-12)
    assert result.value == pytest.approx(254.260, abs=5e-4)
    assert result.standard_uncertainty == pytest.approx(u_z, rel=1e-12)
    assert result.standard_uncertainty == pytest.approx(0.236, abs=1e-3)
    independent = impedance_budget("V / I", with_phase=False)
    independent["correlations"] = []
    assert evaluate_budget(independent).standard_uncertainty < result.standard_uncertainty


def test_correlated_budget_gum_h2_resistance_and_reactance(impedance_budget: Any) -> None:
    """JCGM 100 H.2.4: X = V/I·sin φ = 219.847 Ω, u(X) = 0.295 Ω; R = V/I·cos φ = 127.732 Ω.

    With the correlation coefficients rounded as printed in H.2.3 (−0.36, 0.86, −0.65), the
    cancellation in u(R) gives 0.0700 Ω by hand (below); Table H.3, computed from the raw
    data, prints 0.071 Ω.
    """
    v, i, phi, uv, ui, up = 4.9990, 19.6610e-3, 1.04446, 0.0032, 0.0095e-3, 0.00075
    c = [math.cos(phi) / i, -v * math.cos(phi) / i**2, -v * math.sin(phi) / i]
    s = [c[0] * uv, c[1] * ui, c[2] * up]
    var_r = sum(x * x for x in s) + 2 * (-0.36 * s[0] * s[1] + 0.86 * s[0] * s[2] - 0.65 * s[1] * s[2])
    r_result = evaluate_budget(impedance_budget("V / I * cos(phi)"))
    assert r_result.value == pytest.approx(127.732, abs=5e-4)
    assert r_result.standard_uncertainty == pytest.approx(math.sqrt(var_r), rel=1e-10)
    assert r_result.standard_uncertainty == pytest.approx(0.071, abs=1.5e-3)
    x_result = evaluate_budget(impedance_budget("V / I * sin(phi)"))
    assert x_result.value == pytest.approx(219.847, abs=5e-4)
    assert x_result.standard_uncertainty == pytest.approx(0.295, abs=1e-3)
    rows = {row["symbol"]: row for row in r_result.to_dict()["budget"]}
    assert rows["I"]["sensitivity"]["unit"] == "ohm/mA"
    assert rows["I"]["sensitivity"]["value"] == pytest.approx(c[1] * 1e-3, rel=1e-12)
    assert rows["V"]["sensitivity"]["unit"] == "ohm/V"


def test_units_are_resolved_whatever_the_inputs_are_written_in(pressure_budget: Any) -> None:
    """The same budget with p_s in kPa, uncertainties in Pa and the measurand in kPa."""
    base = evaluate_budget(copy.deepcopy(pressure_budget))
    mixed = copy.deepcopy(pressure_budget)
    mixed["measurand"]["unit"] = "kPa"
    mixed["inputs"][1] = {"symbol": "p_s", "value": "1000.00 kPa", "expanded_uncertainty": "150 Pa", "k": 2}
    mixed["inputs"][3] = {"symbol": "dp_res", "value": "0 Pa", "half_width": "500 Pa",
                          "distribution": "rectangular"}
    result = evaluate_budget(mixed)
    assert result.value == pytest.approx(base.value * 100, rel=1e-9)
    assert result.standard_uncertainty == pytest.approx(base.standard_uncertainty * 100, rel=1e-12)
    assert result.k == base.k
    assert result.to_dict()["result_text"] == "E = (2.8 ± 1.5) kPa; k = 2.32; p = 95.45 %"


def thermometer_budget(model: str, unit: str) -> dict:
    return {
        "measurand": {"symbol": "E", "unit": unit},
        "model": model,
        "inputs": [
            {"symbol": "t_x", "readings": ["20.12 degC", "20.14 degC", "20.13 degC"]},
            {"symbol": "t_s", "value": "20.000 degC", "expanded_uncertainty": "0.02 K", "k": 2},
            {"symbol": "dt_res", "value": "0 delta_degC", "half_width": "0.005 degC",
             "distribution": "rectangular"},
        ],
    }


def test_thermometer_error_is_a_temperature_difference() -> None:
    """Error of indication E = t_x − t_s: a difference, in delta_degC (DESIGN conventions).

    By hand: mean 20.13 °C, s = 0.01 °C, u(t_x) = 0.01/√3 = 5.7735 mK (ν = 2);
    u(t_s) = 0.01 K; u(dt_res) = 0.005/√3 = 2.8868 mK.
    u_c² = 33.333 + 100 + 8.3333 = 141.667 mK²; u_c = 11.902 mK.
    """
    result = evaluate_budget(thermometer_budget("t_x - t_s + dt_res", "delta_degC"))
    u_c = math.sqrt((0.01 / math.sqrt(3)) ** 2 + 0.01**2 + (0.005 / math.sqrt(3)) ** 2)
    assert result.value == pytest.approx(0.13, abs=1e-9)
    assert result.standard_uncertainty == pytest.approx(u_c, rel=1e-9)
    assert result.to_dict()["standard_uncertainty"]["unit"] == "delta_degC"
    assert result.result_text("vi").startswith("E = (0,130 ± 0,0")
    assert " °C; k = " in result.result_text("en")


def test_temperature_measurand_in_degc_keeps_the_offset() -> None:
    """t = t_s + dt: a temperature; its uncertainty is a difference (delta_degC)."""
    budget = thermometer_budget("t_s + dt_res + (t_x - t_x)", "degC")
    result = evaluate_budget(budget)
    assert result.value == pytest.approx(20.0, abs=1e-9)
    data = result.to_dict()
    assert data["value"]["unit"] == "degC" and data["expanded_uncertainty"]["unit"] == "delta_degC"


@pytest.mark.parametrize(
    ("model", "unit", "message"),
    [
        ("t_x - t_s + dt_res", "degC", "gives a temperature difference"),
        ("t_s + dt_res + (t_x - t_s)", "delta_degC", "gives a temperature in °C"),
        ("2 * t_x - t_s + dt_res", "delta_degC", "can only be added or subtracted"),
        ("t_x + t_s + dt_res", "degC", "adds two temperatures"),
    ],
)
def test_offset_temperature_misuse_is_refused(model: str, unit: str, message: str) -> None:
    with pytest.raises(BudgetUnitError, match=message):
        evaluate_budget(thermometer_budget(model, unit))


def test_zero_uncertainty_constant_is_allowed(pressure_budget: Any) -> None:
    """A nominal value known exactly contributes nothing (u = 0) and keeps ν_eff finite."""
    budget = copy.deepcopy(pressure_budget)
    budget["model"] += " + p_nom - p_nom2"
    budget["inputs"] += [{"symbol": "p_nom", "value": "1 bar", "standard_uncertainty": "0 bar"},
                         {"symbol": "p_nom2", "value": "1 bar", "standard_uncertainty": "0 mbar"}]
    result = evaluate_budget(budget)
    base = evaluate_budget(copy.deepcopy(pressure_budget))
    assert result.standard_uncertainty == pytest.approx(base.standard_uncertainty, rel=1e-12)
    assert result.dof_effective == pytest.approx(base.dof_effective, rel=1e-12)


def test_pooled_standard_deviation_and_normal_half_width() -> None:
    """JCGM 100 4.2.4: u = s_p/√n with ν = pooled ν; 4.3.4: normal half-width a with k: u = a/k."""
    budget = {
        "measurand": {"symbol": "m", "unit": "g"},
        "model": "m_x + dm",
        "inputs": [
            {"symbol": "m_x", "readings": ["100.02 g"], "pooled_sd": "0.04 g", "pooled_dof": 19},
            {"symbol": "dm", "value": "0 mg", "half_width": "30 mg", "distribution": "normal", "k": 3},
        ],
    }
    result = evaluate_budget(budget)
    assert result.value == pytest.approx(100.02)
    rows = result.to_dict()["budget"]
    assert rows[0]["standard_uncertainty"]["value"] == pytest.approx(0.04)
    assert rows[0]["dof"] == 19
    assert rows[1]["standard_uncertainty"] == {"value": pytest.approx(10.0), "unit": "mg"}
    u_c = math.sqrt(0.04**2 + 0.01**2)
    assert result.standard_uncertainty == pytest.approx(u_c)
    assert result.dof_effective == pytest.approx(u_c**4 / (0.04**4 / 19))


def test_sensitivity_override(impedance_budget: Any) -> None:
    """JCGM 100 5.1.4: a coefficient found experimentally replaces the derivative."""
    budget = impedance_budget("V / I", with_phase=False)
    budget["correlations"] = []
    budget["inputs"][0]["sensitivity"] = "25 ohm/V"
    budget["inputs"][1]["sensitivity"] = -13.0
    result = evaluate_budget(budget)
    rows = {row["symbol"]: row for row in result.to_dict()["budget"]}
    assert rows["V"]["sensitivity"] == {"value": pytest.approx(25.0), "unit": "ohm/V"}
    assert rows["I"]["sensitivity"] == {"value": pytest.approx(-13.0), "unit": "ohm/mA"}
    assert result.standard_uncertainty == pytest.approx(math.hypot(25 * 0.0032, 13 * 0.0095))
    budget["inputs"][0]["sensitivity"] = "25 ohm/A"
    with pytest.raises(BudgetUnitError, match="ohm per V"):
        evaluate_budget(budget)


def test_template_filled_with_a_records_values(pressure_budget: Any) -> None:
    """A procedure's budget template, filled per point with with_values, gives the same result."""
    template = prepare_budget(copy.deepcopy(pressure_budget))
    filled = template.with_values({
        "p_x": ["5.01 bar", "5.02 bar", "5.01 bar", "5.00 bar"],
        "p_s": "5.0000 bar",
        "dp_res": {"half_width": "2 mbar", "distribution": "rectangular"},
    })
    direct = copy.deepcopy(pressure_budget)
    direct["inputs"][0]["readings"] = ["5.01 bar", "5.02 bar", "5.01 bar", "5.00 bar"]
    direct["inputs"][1]["value"] = "5.0000 bar"
    direct["inputs"][3] = {"symbol": "dp_res", "value": "0 bar", "half_width": "2 mbar",
                           "distribution": "rectangular"}
    assert evaluate_budget(filled).to_dict() == evaluate_budget(direct).to_dict()
    assert evaluate_budget(template).to_dict() == evaluate_budget(copy.deepcopy(pressure_budget)).to_dict()
    with pytest.raises(BudgetError, match="stated by readings"):
        template.with_values({"p_x": "5 bar"})
    with pytest.raises(BudgetError, match="not an input"):
        template.with_values({"p_y": "5 bar"})


def test_prepared_budget_evaluates_repeatably_and_is_not_changed(pressure_budget: Any) -> None:
    prepared = prepare_budget(copy.deepcopy(pressure_budget))
    first, second = evaluate_budget(prepared).to_dict(), evaluate_budget(prepared).to_dict()
    assert first == second
    raw_before = copy.deepcopy(prepared.raw)
    prepared.with_values({"p_s": "9 bar"})
    assert prepared.raw == raw_before


def test_round_result_gum_7_2_6() -> None:
    """JCGM 100 7.2.6: U to two significant digits, value to the same decimal place."""
    assert tuple(map(str, round_result(0.0275, 0.014714))) == ("0.028", "0.015")
    assert tuple(map(str, round_result(100.02147, 0.00035))) == ("100.02147", "0.00035")
    assert tuple(map(str, round_result(10.0, 0.0996))) == ("10.00", "0.10")
    assert tuple(map(str, round_result(1234.5, 26.0))) == ("1235", "26")
    assert tuple(map(str, round_result(-0.0004, 0.012))) == ("0.000", "0.012")
    assert [format(x, "f") for x in round_result(12345.0, 1234.0)] == ["12300", "1200"]
