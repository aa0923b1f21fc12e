"""OIML R76-1 Annex A on a scale, computed from plain values (lims.metrology.r76_tests through results.compute).

Every number is worked out by hand in the test. The standards are given as the reference-data stub
gives them today: one expanded uncertainty U for a standard's whole range, u = U/k, no drift, no
air-buoyancy term (``{ref_drift}`` and ``{ref_buoyancy_u}`` are 0) and an error bound equal to U.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from lims.metrology.instrument_rules import InstrumentFacts
from lims.metrology.mpe import r76_min_capacity
from lims.metrology.r76_tests import (
    checks_verdicts,
    discrimination_change,
    eccentricity_plan,
    fitness_problems,
    scale_terms,
)
from lims.metrology.results import PointData, StandardData, compute
from lims.metrology.units import Q_
from lims.services.workflow.procedures import plan_points

PROCEDURES = Path(__file__).resolve().parents[2] / "lims" / "procedures"
R76 = json.loads((PROCEDURES / "nawi_r76_verification.json").read_text(encoding="utf-8"))["spec"]
DIAL = json.loads((PROCEDURES / "spring_dial_scale_verification.json").read_text(encoding="utf-8"))["spec"]
# The demo's platform scale MT-8823911: class III, Max 60 kg, e = d = 10 g.
PLATFORM = InstrumentFacts(0.0, 60.0, "kg", 0.01, "III", scale_interval=0.01, load_supports=4)
F1 = StandardData(id=1, code="QC-F1-01", quantity="mass", range_min=1e-6, range_max=20.0, range_unit="kg",
                  expanded_uncertainty=0.33, uncertainty_unit="mg", coverage_factor=2.0, calibration_id=11)
M1 = StandardData(id=2, code="QC-M1-500", quantity="mass", range_min=1.0, range_max=500.0, range_unit="kg",
                  expanded_uncertainty=2.0, uncertainty_unit="g", coverage_factor=2.0, calibration_id=12)


@pytest.mark.parametrize(("klass", "e", "expected"), [
    ("I", "0.001 g", "0.1 g"),    # 100 e
    ("II", "0.01 g", "0.2 g"),    # 20 e for 0.001 g <= e <= 0.05 g
    ("II", "0.1 g", "5 g"),       # 50 e for e >= 0.1 g
    ("III", "10 g", "200 g"),     # 20 e
    ("IIII", "0.2 kg", "2 kg"),   # 10 e
])
def test_min_from_class_and_e_per_r76_1_table_3(klass: str, e: str, expected: str) -> None:
    assert r76_min_capacity(klass, e).to(Q_(expected).units).magnitude == pytest.approx(Q_(expected).magnitude)


def test_change_point_error_and_uncertainty_of_a_demo_point_by_hand() -> None:
    """OIML R76-1 A.4.4.3 at Min = 0.2 kg on the demo's 60 kg class III scale (e = d = 0.01 kg).

    The indication I = 0.20 kg; 0.1 e weights were added until it showed 0.21 kg: ΔL = 0.004 kg.
    P = I + ½e − ΔL = 0.2 + 0.005 − 0.004 = 0.201 kg, E = P − L = 0.001 kg.
    Budget (EURAMET cg-18 7.1): one reading, no type A; the rounding at load and at zero are the
    0.1 e step, rectangular, half-width 0.05 e = 0.0005 kg, u = 0.0005/√3 = 2.886 751e-4 kg each.
    From the standard (the F1 set, as the stub gives it): u = 0.33 mg / 2 = 1.65e-7 kg; drift and
    buoyancy 0. u_c² = 2 × 8.333 333e-8 + 2.7225e-14 = 1.666 667e-7 kg², u_c = 4.082 483e-4 kg;
    ν = ∞, k = 2 (p = 95.45 %), U = 8.164 966e-4 kg. MPE at 20 e = 0.5 e = 0.005 kg:
    U/MPE = 0.163 ≤ ⅓ (OIML G 19), the weights' bound 0.33 mg ≤ ⅓ MPE (R76-1 3.7.1): fit.
    """
    spec = {**R76, "checks": []}
    out, results = compute(spec, PLATFORM, "initial",
                           [PointData(1, "weighing", "Min", 0.2, "kg", [0.2], added_load=0.004)], [F1, M1])
    r = out[1]
    assert r.error == pytest.approx(0.001, abs=1e-12)
    u_c = math.sqrt(2 * (0.0005 / math.sqrt(3)) ** 2 + (0.33e-6 / 2) ** 2)
    assert u_c == pytest.approx(4.082483e-4, rel=1e-6)
    # k = the normal quantile for p = 95.45 %, 2.000 002 4 (2.00 as printed): hence rel=1e-5 against 2·u_c
    assert r.uncertainty == pytest.approx(2 * u_c, rel=1e-5) and r.coverage_factor == pytest.approx(2.0, abs=1e-5)
    assert r.uncertainty == pytest.approx(8.164966e-4, rel=1e-5)
    assert (r.mpe, r.verdict, r.standard) == (0.005, "pass", F1)
    assert results["fitness"] == [] and results["points"][0]["added_load"] == {"value": 0.004, "unit": "kg"}
    rows = {row["symbol"]: row for row in results["budget"]["table"]}
    assert rows["c_half"]["estimate"]["value"] == pytest.approx(0.005)  # ½e
    assert rows["dL"]["estimate"]["value"] == pytest.approx(0.004)  # ΔL
    assert rows["dI_dig"]["standard_uncertainty"]["value"] == pytest.approx(0.0005 / math.sqrt(3))


def test_without_the_change_point_load_the_rounding_is_d_over_root_12_and_u_fails_fitness() -> None:
    """EURAMET cg-18 7.1.1: rounding at load and zero d/√12 each (d/2 = 0.005 kg half-width):
    u_c = √(2 × 0.005²/3 + (1.65e-7)²) = 4.082 483e-3 kg, U = 8.164 966e-3 kg > ⅓ × 0.005 kg."""
    _out, results = compute({**R76, "checks": []}, PLATFORM, "initial",
                            [PointData(1, "weighing", "Min", 0.2, "kg", [0.2])], [F1])
    [problem] = results["fitness"]
    assert problem["reason"] == "uncertainty" and problem["seq"] == 1
    assert problem["value"]["value"] == pytest.approx(8.164966e-3, rel=1e-5)
    assert problem["limit"]["value"] == pytest.approx(0.005 / 3)


def test_a_class_ii_balance_with_d_below_e_keeps_the_rounding_of_d() -> None:
    """R76-1 A.4.4.3 is for d = e; with d = 0.01 g < e = 0.1 g the rounding d/√12 is small against e."""
    terms = scale_terms(R76, "weighing", e=0.0001, d=0.00001, added_load=0.00005)
    assert not terms.change_point and terms.offset == 0.0
    assert terms.rounding_load == pytest.approx(0.000005) and terms.rounding_zero == pytest.approx(0.000005)


def test_zero_setting_accuracy_by_the_change_point_at_zero() -> None:
    """R76-1 A.4.2.3 / 4.5.2: E₀ = ½e − ΔL, limit ±0.25 e = 0.0025 kg.
    ΔL = 0.004 kg: E₀ = 0.001 kg, pass; ΔL = 0.002 kg: E₀ = 0.003 kg, fail."""
    points = [PointData(1, "zero", "0", 0.0, "kg", [0.0], added_load=0.004),
              PointData(2, "zero", "0", 0.0, "kg", [0.0], added_load=0.002)]
    out, _results = compute({**R76, "checks": []}, PLATFORM, "initial", points, [F1])
    assert (out[1].error, out[1].mpe, out[1].verdict) == (pytest.approx(0.001), 0.0025, "pass")
    assert (out[2].error, out[2].verdict) == (pytest.approx(0.003), "fail")


@pytest.mark.parametrize(("supports", "load", "positions"), [
    (None, 20.0, 4),  # ⅓ (60 + 0) kg on 4 positions
    (4, 22.0, 4),     # ⅓ (60 + 6) kg
    (6, 13.2, 6),     # (60 + 6)/(6 − 1) kg on each of 6 supports
])
def test_eccentricity_load_and_positions_r76_1_a_4_7(supports: int | None, load: float, positions: int) -> None:
    tare = None if supports is None else 6.0
    assert eccentricity_plan(60.0, tare, supports) == (pytest.approx(load), positions)
    facts = InstrumentFacts(0.0, 60.0, "kg", 0.01, "III", scale_interval=0.01, load_supports=supports, max_tare=tare)
    ecc = [p for p in plan_points(R76, facts) if p.test == "eccentricity"]
    assert [p.label for p in ecc] == [f"P{n}" for n in range(1, positions + 1)]
    assert [p.nominal for p in ecc] == [pytest.approx(load)] * positions


def test_tare_points_only_where_a_tare_is_fitted() -> None:
    """R76-1 A.4.6.1: net loads after a tare of ½ T+ = 3 kg, up to Max − T = 57 kg: Min and ½ Max."""
    with_tare = InstrumentFacts(0.0, 60.0, "kg", 0.01, "III", scale_interval=0.01, max_tare=6.0)
    tare = [(p.label, p.nominal) for p in plan_points(R76, with_tare) if p.test == "tare"]
    assert tare == [("T 3 + Min", 0.2), ("T 3 + 50 % Max", 30.0)]
    assert not [p for p in plan_points(R76, PLATFORM) if p.test == "tare"]


def test_discrimination_an_extra_1_4_d_changes_the_indication_by_d() -> None:
    """R76-1 3.8.2 / A.4.8.2 with d = 0.01 kg: 30.00 → 30.01 kg passes, 30.00 → 30.00 kg fails."""
    assert discrimination_change([30.0, 30.01], 0.01) == (pytest.approx(0.01), True)
    assert discrimination_change([30.0, 30.0], 0.01) == (0.0, False)
    assert discrimination_change([30.0], 0.01) is None
    points = [PointData(1, "discrimination", "50 % Max", 30.0, "kg", [30.0, 30.01]),
              PointData(2, "discrimination", "Max", 60.0, "kg", [60.0, 60.0])]
    out, results = compute({**R76, "checks": []}, PLATFORM, "initial", points, [M1])
    assert (out[1].verdict, out[2].verdict, results["verdict"]) == ("pass", "fail", "fail")
    assert results["discrimination"] == {"extra_load": {"value": 0.014, "unit": "kg"},
                                         "required_change": {"value": 0.01, "unit": "kg"}}
    assert results["complete"] is True  # a discrimination point has a verdict, not an error


def test_a_checklist_item_not_ok_fails_and_an_unanswered_one_leaves_it_incomplete() -> None:
    """R76-1 A.1: the visual and technical examination."""
    answers = {item["key"]: {"ok": True} for item in R76["checks"]}
    rows = checks_verdicts(R76, {**answers, "seals": {"ok": False, "note": "seal broken"}})
    assert [r["verdict"] for r in rows] == ["pass", "fail", "pass", "pass", "pass"] and rows[1]["note"] == "seal broken"
    point = [PointData(1, "weighing", "Min", 0.2, "kg", [0.2], added_load=0.005)]
    _out, results = compute(R76, PLATFORM, "initial", point, [F1], checks={**answers, "seals": {"ok": False}})
    assert results["verdict"] == "fail" and results["complete"] is True
    _out, results = compute(R76, PLATFORM, "initial", point, [F1], checks={"markings": {"ok": True}})
    assert results["complete"] is False


def test_fitness_the_weights_error_against_a_third_of_the_mpe() -> None:
    """R76-1 3.7.1: at MPE 0.005 kg the weights may be wrong by at most 0.001 667 kg; a bound of
    0.002 kg (M1 weights, U = 2 g) is too much; U = 0.001 kg ≤ ⅓ MPE is fine."""
    problems = fitness_problems([(1, "Min", "weighing", 0.005, 0.001, 0.002),
                                 (2, "Max", "weighing", 0.015, 0.001, 0.002)], R76)
    assert [(p.seq, p.reason) for p in problems] == [(1, "reference")]
    assert problems[0].limit == pytest.approx(0.005 / 3)
    # A procedure may allow U a larger share (its spec), and repeatability is judged by its spread.
    share = {**R76, "fitness": {"uncertainty_share": 0.5}}
    assert not fitness_problems([(1, "Min", "weighing", 0.005, 0.0024, None)], share)
    assert not fitness_problems([(1, "n = 3", "repeatability", 0.015, 0.02, None)], R76)


def test_dial_scale_increasing_and_decreasing_loads_with_hysteresis() -> None:
    """ĐLVN 30:2019 spring dial scale, class IIII, Max 60 kg, d = e = 0.2 kg (R76-1 Table 3: n = 300).

    MPE (3.5.1): 0.5 e = 0.1 kg up to 50 e (10 kg), 1 e = 0.2 kg up to 200 e (40 kg), 1.5 e = 0.3 kg
    above. At 30 kg the pointer shows 30.0 kg going up and 30.2 kg coming down: hysteresis 0.2 kg
    ≤ MPE 0.2 kg, pass; at 60 kg 60.0 and 59.6 kg: 0.4 kg > 0.3 kg, fail.
    Budget: the dial read to a fifth of a division, half-width 0.1 d = 0.02 kg at load and at zero,
    u = 0.02/√3 = 0.011 547 kg each; M1 weights u = 1 g: u_c = √(2 × 1.3333e-4 + 1e-6) = 0.016 361 kg,
    U = 0.032 722 kg ≤ ⅓ × 0.2 kg.
    """
    dial = InstrumentFacts(0.0, 60.0, "kg", 0.2, "IIII", scale_interval=0.2)
    plan = plan_points(DIAL, dial)
    assert [(p.test, p.label, p.nominal) for p in plan if p.test != "repeatability"] == [
        ("weighing", "Min", 2.0), ("weighing", "50 e", 10.0), ("weighing", "50 % Max", 30.0),
        ("weighing", "200 e", 40.0), ("weighing", "Max", 60.0),
        ("weighing_down", "Max ↓", 60.0), ("weighing_down", "200 e ↓", 40.0), ("weighing_down", "50 % Max ↓", 30.0),
        ("weighing_down", "50 e ↓", 10.0), ("weighing_down", "Min ↓", 2.0)]
    points = [PointData(1, "weighing", "50 % Max", 30.0, "kg", [30.0]),
              PointData(2, "weighing", "Max", 60.0, "kg", [60.0]),
              PointData(3, "weighing_down", "Max ↓", 60.0, "kg", [59.6]),
              PointData(4, "weighing_down", "50 % Max ↓", 30.0, "kg", [30.2])]
    out, results = compute({**DIAL, "checks": []}, dial, "periodic", points, [M1])
    hysteresis = {row["nominal"]["value"]: row for row in results["hysteresis"]}
    assert hysteresis[30.0]["hysteresis"]["value"] == pytest.approx(0.2) and hysteresis[30.0]["verdict"] == "pass"
    assert hysteresis[60.0]["hysteresis"]["value"] == pytest.approx(0.4) and hysteresis[60.0]["verdict"] == "fail"
    assert results["verdict"] == "fail"
    u_c = math.sqrt(2 * (0.02 / math.sqrt(3)) ** 2 + 0.001 ** 2)
    assert out[1].uncertainty == pytest.approx(2 * u_c, rel=1e-5) and out[1].uncertainty == pytest.approx(0.032722,
                                                                                                          rel=1e-4)
    assert results["fitness"] == []
