"""Pure numbers and unused inputs in a budget, through the functions and the CLI alike.

* An input written without any unit is a pure number (a ratio, a slope, the additive model of
  JCGM 101 9.2); the model's dimension check still refuses a pure number added to a mass.
* An input the model does not use is a warning, not an error: in JCGM 100 H.2 the same V, I
  and φ, with their correlations, give R, X and Z, and Z = V/I uses no φ.
"""
from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from lims.cli import main
from lims.metrology.errors import BudgetUnitError
from lims.metrology.uncertainty import evaluate_budget, evaluate_budget_file

# JCGM 100 H.2, Table H.2: five simultaneous observations of V (V), I (mA) and φ (rad).
H2_V = [5.007, 4.994, 5.005, 4.990, 4.999]
H2_I = [19.663, 19.639, 19.640, 19.685, 19.678]
H2_PHI = [1.0456, 1.0438, 1.0468, 1.0428, 1.0433]


def h2_budget(model: str, symbol: str = "R") -> dict[str, Any]:
    """JCGM 100 H.2.3 approach 1: the means V̄ = 4.9990 V, Ī = 19.6610 mA, φ̄ = 1.04446 rad with
    u(V̄) = 0.0032 V, u(Ī) = 0.0095 mA, u(φ̄) = 0.00075 rad and r(V̄, Ī) = −0.36, r(V̄, φ̄) = 0.86,
    r(Ī, φ̄) = −0.65, as printed in H.2.3; one set of inputs for R, X and Z."""
    return {
        "measurand": {"symbol": symbol, "unit": "ohm"},
        "model": model,
        "inputs": [
            {"symbol": "V", "value": "4.9990 V", "standard_uncertainty": "0.0032 V"},
            {"symbol": "I", "value": "19.6610 mA", "standard_uncertainty": "0.0095 mA"},
            {"symbol": "phi", "value": "1.04446 rad", "standard_uncertainty": "0.00075 rad"},
        ],
        "correlations": [{"a": "V", "b": "I", "r": -0.36}, {"a": "V", "b": "phi", "r": 0.86},
                         {"a": "I", "b": "phi", "r": -0.65}],
    }


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, budget: dict[str, Any], name: str = "budget.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(budget), encoding="utf-8")
    return str(path)


# ---------------------------------------------------------------- JCGM 100 H.2: unused inputs


def test_gum_h2_z_from_the_shared_inputs_evaluates_with_a_warning_for_phi() -> None:
    """JCGM 100 H.2.4, Table H.3: Z = V/I = 254.260 Ω, u(Z) = 0.236 Ω; φ is declared (with its
    correlations) for R and X, unused by Z: a warning, not an error.

    By hand (5.2.2, with c_V = 1/I > 0 and c_I = −V/I² < 0 the term 2·c_V·c_I·u_V·u_I·r adds):
    u_V/V = 0.0032/4.9990 = 6.4013e-4, u_I/I = 0.0095/19.6610 = 4.8319e-4,
    (u_Z/Z)² = 4.0977e-7 + 2.3347e-7 + 2·0.36·6.4013e-4·4.8319e-4 (= 2.2270e-7) = 8.6594e-7,
    u_Z = 254.2597 Ω · 9.3056e-4 = 0.2366 Ω (Table H.3, from the raw data: 0.236 Ω).
    """
    result = evaluate_budget(h2_budget("V / I", "Z"))
    rv, ri = 0.0032 / 4.9990, 0.0095 / 19.6610
    z = 4.9990 / 19.6610e-3
    assert result.value == pytest.approx(z, rel=1e-12)
    assert result.value == pytest.approx(254.260, abs=5e-4)
    assert result.standard_uncertainty == pytest.approx(z * math.sqrt(rv**2 + ri**2 + 2 * 0.36 * rv * ri),
                                                        rel=1e-12)
    assert round(result.standard_uncertainty, 3) == 0.237  # Table H.3 prints 0.236 from the raw data
    data = result.to_dict()
    assert [(w["kind"], w["input"]) for w in data["warnings"]] == [("unused_input", "phi")]
    assert "'phi'" in data["warnings"][0]["text"] and "'V / I'" in data["warnings"][0]["text"]
    assert "'phi'" in data["warnings"][0]["text_vi"] and "không" in data["warnings"][0]["text_vi"]
    phi_row = next(row for row in data["budget"] if row["symbol"] == "phi")
    assert phi_row["sensitivity"]["value"] == 0 and phi_row["contribution"]["value"] == 0


def test_gum_h2_resistance_from_the_printed_means_and_correlations() -> None:
    """JCGM 100 H.2.4: R = V/I·cos φ = 127.732 Ω; Table H.3 prints u(R) = 0.071 Ω.

    With the inputs and coefficients as printed in H.2.3 (rounded to two digits) the
    cancellation in u(R) gives 0.0700 Ω by hand — cos φ = 0.502369, c_V = cos φ/I = 25.5515 Ω/V,
    c_I = −V cos φ/I² = −6.49673 Ω/mA, c_φ = −V sin φ/I = −219.847 Ω/rad;
    c·u = (0.081765, −0.061719, −0.164885) Ω, Σ(c·u)² = 0.0376818 Ω²;
    the correlation terms 2(−0.36)(0.081765)(−0.061719) = +0.0036334,
    2(0.86)(0.081765)(−0.164885) = −0.0231887, 2(−0.65)(−0.061719)(−0.164885) = −0.0132295;
    u² = 0.0048970 Ω², u = 0.0700 Ω — as MSL's GTC also finds (127.732(70)). The raw data of
    Table H.2 give 0.071 Ω (next test). No warning: R uses all three inputs.
    """
    v, i, phi = 4.9990, 19.6610e-3, 1.04446
    s = [math.cos(phi) / i * 0.0032, -v * math.cos(phi) / i**2 * 0.0095e-3, -v * math.sin(phi) / i * 0.00075]
    variance = sum(x * x for x in s) + 2 * (-0.36 * s[0] * s[1] + 0.86 * s[0] * s[2] - 0.65 * s[1] * s[2])
    result = evaluate_budget(h2_budget("V / I * cos(phi)"))
    assert result.value == pytest.approx(127.732, abs=5e-4)
    assert result.standard_uncertainty == pytest.approx(math.sqrt(variance), rel=1e-10)
    assert result.standard_uncertainty == pytest.approx(0.0700, abs=5e-5)
    assert result.to_dict()["warnings"] == []


def test_gum_h2_resistance_from_the_observations_of_table_h2_gives_0_071_ohm() -> None:
    """JCGM 100 H.2, Table H.2 → Table H.3: the five observations as readings (type A, 4.2),
    with the correlation coefficients of their means computed from the same data (5.2.3, eq. 17:
    r(V̄, Ī) = −0.3553, r(V̄, φ̄) = 0.8576, r(Ī, φ̄) = −0.6451, which H.2.3 prints as −0.36, 0.86,
    −0.65) give R = 127.732 Ω and u(R) = 0.0711 Ω → 0.071 Ω, as Table H.3 prints.
    """
    r = np.corrcoef([H2_V, H2_I, H2_PHI])
    assert [round(r[0, 1], 2), round(r[0, 2], 2), round(r[1, 2], 2)] == [-0.36, 0.86, -0.65]
    budget = h2_budget("V / I * cos(phi)")
    budget["inputs"] = [
        {"symbol": "V", "readings": [f"{x} V" for x in H2_V]},
        {"symbol": "I", "readings": [f"{x} mA" for x in H2_I]},
        {"symbol": "phi", "readings": [f"{x} rad" for x in H2_PHI]},
    ]
    budget["correlations"] = [{"a": "V", "b": "I", "r": float(r[0, 1])}, {"a": "V", "b": "phi", "r": float(r[0, 2])},
                              {"a": "I", "b": "phi", "r": float(r[1, 2])}]
    result = evaluate_budget(budget)
    rows = {row["symbol"]: row for row in result.to_dict()["budget"]}
    assert rows["V"]["estimate"]["value"] == pytest.approx(4.9990, abs=1e-12)
    assert round(rows["V"]["standard_uncertainty"]["value"], 4) == 0.0032
    assert round(rows["I"]["standard_uncertainty"]["value"], 4) == 0.0095
    assert round(rows["phi"]["standard_uncertainty"]["value"], 5) == 0.00075
    assert result.value == pytest.approx(127.732, abs=5e-4)
    assert result.standard_uncertainty == pytest.approx(0.0711, abs=5e-5)
    assert round(result.standard_uncertainty, 3) == 0.071


def test_gum_h2_unused_input_through_the_cli_same_json_and_a_line_on_stderr(tmp_path: Path) -> None:
    path = write(tmp_path, h2_budget("V / I", "Z"))
    code, out, err = run("uncertainty", "evaluate", path, "--json")
    assert code == 0, err
    assert json.loads(out) == json.loads(json.dumps(evaluate_budget_file(path).to_dict()))
    assert json.loads(out)["warnings"][0]["input"] == "phi"
    assert err.startswith("warning: Input 'phi' is not used by the model 'V / I'")
    code, out, err = run("uncertainty", "evaluate", path, "--lang", "vi")
    assert code == 0 and "Z = (254,26 ± 0,47) Ω" in out
    assert err.startswith("cảnh báo: Đại lượng đầu vào 'phi'")


def test_unused_input_with_monte_carlo(tmp_path: Path) -> None:
    """JCGM 101 6.4.8: the correlated inputs are drawn jointly, φ too; Z does not use it."""
    result = evaluate_budget(h2_budget("V / I", "Z"), monte_carlo=20_000, seed=3)
    assert result.monte_carlo is not None
    assert result.monte_carlo.standard_uncertainty == pytest.approx(0.2366, rel=0.05)


# ---------------------------------------------------------------- pure numbers


def additive_model(distribution: str) -> dict[str, Any]:
    """JCGM 101 9.2: Y = X1 + X2 + X3 + X4, each X_i with expectation 0 and standard deviation 1,
    written as bare numbers (the model has no units)."""
    if distribution == "normal":
        inputs = [{"symbol": f"X{n}", "value": 0, "standard_uncertainty": 1} for n in range(1, 5)]
    else:
        inputs = [{"symbol": f"X{n}", "value": "0", "half_width": math.sqrt(3), "distribution": "rectangular"}
                  for n in range(1, 5)]
    return {"measurand": {"symbol": "Y", "unit": "dimensionless"}, "model": "X1 + X2 + X3 + X4",
            "coverage_probability": 0.95, "inputs": inputs}


def test_jcgm101_9_2_2_additive_model_of_normal_inputs_with_bare_numbers() -> None:
    """JCGM 101 9.2.2, Table 2: y = 0.00, u(y) = 2.00, probabilistically symmetric 95 % interval
    [−3.92, 3.92] by the GUM (k = 1.96: u(y)² = 4·1², U = 1.96·2 = 3.92), reported as
    3.9 (two significant digits, JCGM 100 7.2.6)."""
    result = evaluate_budget(additive_model("normal"))
    assert result.value == 0
    assert result.standard_uncertainty == pytest.approx(2.0, rel=1e-15)
    assert result.expanded_uncertainty == pytest.approx(3.92, abs=5e-3)
    data = result.to_dict()
    assert data["value"] == {"value": 0.0, "unit": "dimensionless"}
    assert data["budget"][0]["estimate"]["unit"] == "dimensionless"
    assert data["result_text"] == "Y = (0.0 ± 3.9); k = 1.96; p = 95 %"
    assert data["warnings"] == []


def test_jcgm101_9_2_3_additive_model_of_rectangular_inputs_with_bare_numbers() -> None:
    """JCGM 101 9.2.3, Table 3: X_i rectangular with half-width √3 (u = √3/√3 = 1): the GUM gives
    u(y) = 2.00 and [−3.92, 3.92]; Monte Carlo gives u(y) = 2.00 and [−3.88, 3.88]."""
    result = evaluate_budget(additive_model("rectangular"), monte_carlo=200_000, seed=11,
                             interval="symmetric")
    assert result.standard_uncertainty == pytest.approx(2.0, rel=1e-12)
    mc = result.monte_carlo
    assert mc is not None
    assert mc.standard_uncertainty == pytest.approx(2.00, abs=0.01)
    low, high = mc.low, mc.high
    assert low == pytest.approx(-3.88, abs=0.04) and high == pytest.approx(3.88, abs=0.04)


def test_additive_model_with_bare_numbers_through_the_cli_gives_the_function_json(tmp_path: Path) -> None:
    path = write(tmp_path, additive_model("normal"))
    code, out, err = run("uncertainty", "evaluate", path, "--json")
    assert code == 0, err
    assert err == ""
    assert json.loads(out) == json.loads(json.dumps(evaluate_budget_file(path).to_dict()))


def test_a_ratio_without_unit_scales_a_mass() -> None:
    """m·r with m = 2 kg (u = 10 g) and r = 0.5 (a pure number, u = 0.01): 1 kg;
    u² = (0.5·0.010 kg)² + (2 kg·0.01)² = 2.5e-5 + 4e-4 = 4.25e-4 kg², u = 0.020616 kg."""
    budget = {"measurand": {"symbol": "Y", "unit": "kg"}, "model": "m * r",
              "inputs": [{"symbol": "m", "value": "2 kg", "standard_uncertainty": "10 g"},
                         {"symbol": "r", "value": 0.5, "standard_uncertainty": "0.01"}]}
    result = evaluate_budget(budget)
    assert result.value == pytest.approx(1.0)
    assert result.standard_uncertainty == pytest.approx(math.sqrt(4.25e-4), rel=1e-12)


KG_PLUS_ONE = {"measurand": {"symbol": "Y", "unit": "kg"}, "model": "m + 1",
               "inputs": [{"symbol": "m", "value": "2 kg", "standard_uncertainty": "0.1 kg"}]}


def test_a_pure_number_added_to_a_mass_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    """JCGM 100 4.1: every term of the model is the same kind of quantity; 'kg + 1' is not."""
    with pytest.raises(BudgetUnitError) as caught:
        evaluate_budget(copy.deepcopy(KG_PLUS_ONE))
    message = str(caught.value)
    assert "adds 'm' (kg, a mass) and '1' (a pure number), which are not the same kind of quantity" in message
    assert "make it an input with its value and unit" in message
    assert "bar" not in message
    code, out, err = run("uncertainty", "evaluate", write(tmp_path, KG_PLUS_ONE))
    assert code == 2 and out == ""
    assert "not the same kind of quantity" in err and "bar" not in err


def test_an_input_without_unit_added_to_a_mass_is_refused() -> None:
    budget = copy.deepcopy(KG_PLUS_ONE)
    budget["model"] = "m + c"
    budget["inputs"].append({"symbol": "c", "value": 1, "standard_uncertainty": 0})
    with pytest.raises(BudgetUnitError, match=r"'c' \(dimensionless, a pure number\)") as caught:
        evaluate_budget(budget)
    assert caught.value.input == "c"


def test_a_bare_value_with_an_uncertainty_in_a_unit_says_the_input_is_a_pure_number() -> None:
    budget = copy.deepcopy(KG_PLUS_ONE)
    budget["inputs"][0]["value"] = "2"
    with pytest.raises(BudgetUnitError) as caught:
        evaluate_budget(budget)
    message = str(caught.value)
    assert message.startswith("input 'm': standard_uncertainty '0.1 kg' is a mass (kg), but m is given "
                              "without a unit, so it is a pure number")
    assert "bar" not in message


def test_a_bare_uncertainty_of_an_input_with_a_unit_suggests_that_unit() -> None:
    budget = copy.deepcopy(KG_PLUS_ONE)
    budget["inputs"][0]["standard_uncertainty"] = 0.1
    with pytest.raises(BudgetUnitError) as caught:
        evaluate_budget(budget)
    assert str(caught.value) == ("input 'm': standard_uncertainty 0.1 has no unit, but m is a mass (kg); write it "
                                 "with its unit (for example '0.1 kg') or give the input a 'unit'")


def test_readings_without_unit_are_a_pure_number_type_a() -> None:
    """JCGM 100 4.2: readings 0.50, 0.52, 0.48 of a ratio (no unit): mean 0.50,
    s = 0.02, u = 0.02/√3 = 0.011547 with 2 degrees of freedom; the result is a pure number."""
    budget = {"measurand": {"symbol": "r", "unit": "dimensionless"}, "model": "q",
              "inputs": [{"symbol": "q", "readings": [0.50, "0.52", 0.48]}]}
    result = evaluate_budget(budget)
    assert result.value == pytest.approx(0.50, abs=1e-15)
    assert result.standard_uncertainty == pytest.approx(0.02 / math.sqrt(3), rel=1e-12)
    assert result.to_dict()["budget"][0]["dof"] == 2
    assert result.to_dict()["value"]["unit"] == "dimensionless"
