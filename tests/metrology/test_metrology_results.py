"""Results of a record computed from plain values (lims.metrology.results, lims.metrology.instrument_rules).

Worked numbers, by hand, for the shipped OIML R76 procedure (lims/procedures/nawi_r76_verification.json)
on a class III scale, Max = 60 kg, e = d = 0.01 kg:

* MPE on initial verification (OIML R76-1:2006 3.5.1, Table 6): ±0.5 e up to 500 e (5 kg),
  ±1 e up to 2 000 e (20 kg), ±1.5 e above: ±0.005 kg at 0.2 kg and 5 kg, ±0.01 kg at 20 kg,
  ±0.015 kg at 20.01 kg, 30 kg and 60 kg; in service (3.5.2) twice that.
* EURAMET cg-18 model E = I + δI_dig + δI_dig0 − m_ref (no change-point ΔL given), one reading: each rounding is
  rectangular with half-width d/2 = 0.005 kg, u = 0.005/√3 = 0.0028868 kg; the F1 weights
  (U = 0.33 mg, k = 2) give u(m_ref) = 0.165 mg. u_c² = 2·(0.0028868)² + (1.65e-7)² =
  1.6667e-5 kg², u_c = 0.0040825 kg; every input has ν = ∞, so k = 2.00 for p = 95.45 %
  (JCGM 100 G.6.4) and U = 0.0081650 kg. With the M1 weights (U = 2 g, k = 2): u(m_ref) = 1 g,
  u_c² = 1.6667e-5 + 1e-6 = 1.7667e-5 kg², U = 2 × 0.0042032 = 0.0084064 kg.
* Repeatability at 30 kg, readings 30.00, 30.01, 30.02 kg: I = 30.01 kg, E = 0.01 kg;
  s = 0.01 kg, u_A = s/√3 = 0.0057735 kg (ν = 2); u_c² = 3.3333e-5 + 2 × 8.3333e-6 + (1e-3)²
  = 5.1e-5 kg² (M1 weights: 30 kg is above the F1 set's 20 kg), u_c = 0.0071414 kg;
  Welch–Satterthwaite (JCGM 100 G.4.1): ν_eff = u_c⁴ / (u_A⁴ / 2) = 4.68; k = t(ν_eff) for
  p = 95.45 % = 2.869, U = 0.020491 kg; u_A carries 3.3333e-5 / 5.1e-5 = 65.36 % of u_c².
  The spread 0.02 kg exceeds the MPE 0.015 kg (R76-1 3.6.1): fail, although |E| ≤ MPE.
* ILAC G8:09/2019 4.2 with MPE = 0.01 kg and U = 0.004 kg: simple acceptance (4.2.1) passes
  |E| ≤ 0.01; a guard band w = r·U (4.2.2, r = 1) passes only |E| ≤ 0.006; the non-binary rule
  (4.2.3) calls 0.006 < |E| ≤ 0.01 a conditional pass and 0.01 < |E| ≤ 0.014 a conditional fail.
"""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from lims.metrology.instrument_rules import InstrumentFacts, decide, mpe_at, worst
from lims.metrology.results import PointData, StandardData, compute, covers, delta_unit

SPEC = json.loads((Path(__file__).resolve().parents[2] / "lims" / "procedures" / "nawi_r76_verification.json")
                  .read_text(encoding="utf-8"))["spec"]
SCALE = InstrumentFacts(range_min=0.0, range_max=60.0, unit="kg", resolution=0.01, accuracy_class="III")
F1 = StandardData(id=1, code="F1", quantity="mass", range_min=0.001, range_max=20.0, range_unit="kg",
                  expanded_uncertainty=0.33, uncertainty_unit="mg", coverage_factor=2.0, calibration_id=11)
# The checklist of R76-1 A.1, every item found in order (an unanswered item leaves the record incomplete).
ALL_OK = {item["key"]: {"ok": True, "note": ""} for item in SPEC["checks"]}
M1 = StandardData(id=2, code="M1", quantity="mass", range_min=1.0, range_max=500.0, range_unit="kg",
                  expanded_uncertainty=2.0, uncertainty_unit="g", coverage_factor=2.0, calibration_id=12)


@pytest.mark.parametrize(("load", "mpe"), [(0.2, 0.005), (5.0, 0.005), (5.01, 0.01), (20.0, 0.01),
                                           (20.01, 0.015), (30.0, 0.015), (60.0, 0.015)])
def test_r76_mpe_by_load_in_scale_intervals(load: float, mpe: float) -> None:
    assert mpe_at({"rule": "r76"}, SCALE, load, "kg", None) == pytest.approx(mpe)


def test_r76_mpe_in_service_is_twice_the_initial() -> None:
    rule = {"rule": "r76", "in_service_for": ["periodic"]}
    assert mpe_at(rule, SCALE, 30.0, "kg", "periodic") == pytest.approx(0.03)
    assert mpe_at(rule, SCALE, 30.0, "kg", "initial") == pytest.approx(0.015)


def test_a_weighing_point_with_the_f1_weights() -> None:
    out, results = compute(SPEC, SCALE, "initial", [PointData(1, "weighing", "2000 e", 20.0, "kg", [20.01])],
                           [F1, M1], checks=ALL_OK)
    r = out[1]
    assert r.standard == F1  # both cover 20 kg; F1 has the smaller U
    assert (r.indication, r.error, r.mpe) == (20.01, pytest.approx(0.01), 0.01)
    assert r.uncertainty == pytest.approx(2 * math.sqrt(2 * 0.005 ** 2 / 3 + 1.65e-7 ** 2), rel=1e-5)
    assert r.uncertainty == pytest.approx(0.0081650, abs=5e-8)
    assert r.coverage_factor == pytest.approx(2.0, abs=1e-5)
    assert r.dof_effective is None  # ν_eff = ∞
    assert r.verdict == "pass"
    assert results["verdict"] == "pass" and results["complete"] is True
    assert results["error_unit"] == "kg"
    assert results["points"][0]["uncertainty"] == {"value": r.uncertainty, "unit": "kg"}
    assert results["mpe_rule"]["rule"] == "r76"


def test_an_error_beyond_the_mpe_fails_and_decides_the_record() -> None:
    points = [PointData(1, "weighing", "2000 e", 20.0, "kg", [20.01]),
              PointData(2, "weighing", "Max", 60.0, "kg", [60.02])]
    out, results = compute(SPEC, SCALE, "initial", points, [F1, M1])
    assert out[2].standard == M1  # 60 kg is beyond the F1 set
    assert out[2].uncertainty == pytest.approx(2 * math.sqrt(2 * 0.005 ** 2 / 3 + 0.001 ** 2), rel=1e-5)
    assert (out[2].error, out[2].mpe, out[2].verdict) == (pytest.approx(0.02), 0.015, "fail")
    assert results["verdict"] == "fail"


def test_repeatability_budget_filled_from_the_point() -> None:
    out, results = compute(SPEC, SCALE, "initial", [PointData(1, "repeatability", "n = 3", 30.0, "kg",
                                                              [30.00, 30.01, 30.02])], [F1, M1])
    r = out[1]
    u_c = math.sqrt(0.01 ** 2 / 3 + 2 * 0.005 ** 2 / 3 + 0.001 ** 2)
    assert r.indication == pytest.approx(30.01) and r.error == pytest.approx(0.01)
    assert r.dof_effective == pytest.approx(u_c ** 4 / ((0.01 / math.sqrt(3)) ** 4 / 2), rel=1e-4)
    assert r.dof_effective == pytest.approx(4.68, abs=0.01)
    assert r.coverage_factor == pytest.approx(2.869, abs=1e-3)
    assert r.uncertainty == pytest.approx(r.coverage_factor * u_c, rel=1e-6)
    assert r.spread == pytest.approx(0.02)
    assert r.verdict == "fail"  # spread 0.02 kg > MPE 0.015 kg, though |E| = 0.01 kg ≤ MPE
    budget = results["budget"]
    # EURAMET cg-18 7.1 with the change-point terms of R76-1 A.4.4.3 (zero here: repeatability does not use it)
    assert budget["at_point"] == 1
    assert budget["model"] == "I + c_half - dL + dI_dig + dI_dig0 - m_ref - dm_drift - dm_buoy"
    first = budget["table"][0]
    assert first["symbol"] == "I" and first["distribution"] == "type A"
    assert first["standard_uncertainty"]["value"] == pytest.approx(0.0057735, abs=1e-7)
    assert first["percent"] == pytest.approx(65.36, abs=0.01)


def test_a_point_without_readings_leaves_the_record_incomplete() -> None:
    out, results = compute(SPEC, SCALE, "initial", [PointData(1, "weighing", "Max", 60.0, "kg", [])], [M1])
    assert out[1].error is None and results["complete"] is False and results["verdict"] is None


@pytest.mark.parametrize(("rule", "expected"), [
    ({"rule": "simple"}, ["pass", "pass", "fail", "fail"]),
    ({"rule": "guard_band", "r": 1}, ["pass", "fail", "fail", "fail"]),
    ({"rule": "non_binary", "r": 1}, ["pass", "conditional_pass", "conditional_fail", "fail"]),
])
def test_ilac_g8_decision_rules(rule: dict, expected: list[str]) -> None:
    assert [decide(rule, e, 0.01, 0.004, "kg") for e in (0.005, 0.008, 0.012, 0.016)] == expected


def test_no_mpe_no_verdict_and_the_worst_verdict_wins() -> None:
    assert decide({"rule": "simple"}, 0.1, None, None, "kg") is None
    assert decide({"rule": "guard_band", "r": 1}, 0.001, 0.01, None, "kg") is None  # needs U
    assert worst(["pass", None, "conditional_pass"]) == "conditional_pass"
    assert worst([None]) is None


def test_standard_range_and_difference_units() -> None:
    assert covers(F1, 20.0, "kg") and not covers(F1, 20.5, "kg") and covers(F1, 20000.0, "g")
    assert covers(F1, 0.0, "kg")  # a zero load needs no weight
    assert delta_unit("degC") == "delta_degC" and delta_unit("kg") == "kg"


def test_the_results_module_is_pure() -> None:
    code = ("import sys, lims.metrology.results, lims.metrology.instrument_rules\n"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy')"
            " or m.startswith(('lims.models', 'lims.services', 'lims.web', 'lims.app')))))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""
