"""Decision rules (ILAC G8:09/2019 4.2; ISO/IEC 17025:2017 7.8.6) on worked cases."""
from __future__ import annotations

import pytest

from lims.metrology.decision import decide, decide_from_spec, parse_decision_spec
from lims.metrology.errors import DecisionError, UnitError
from lims.metrology.units import Q_

# Worked cases: MPE = 0.5 g, U = 0.2 g (w = U): AL = 0.3 g for the guard band, and the non-binary
# zones are pass |E| < 0.3, conditional pass 0.3 ≤ |E| ≤ 0.5, conditional fail 0.5 < |E| ≤ 0.7,
# fail |E| > 0.7 (all in g).
CASES = [
    # error,     simple, guard band, non-binary
    ("0.25 g", "pass", "pass", "pass"),
    ("-0.25 g", "pass", "pass", "pass"),
    ("0.3 g", "pass", "pass", "conditional_pass"),   # at AL: the guard band accepts, non-binary is conditional
    ("0.4 g", "pass", "fail", "conditional_pass"),
    ("-0.5 g", "pass", "fail", "conditional_pass"),  # at TL: simple acceptance accepts
    ("0.6 g", "fail", "fail", "conditional_fail"),
    ("0.7 g", "fail", "fail", "conditional_fail"),
    ("-0.8 g", "fail", "fail", "fail"),
]


@pytest.mark.parametrize(("error", "simple", "guard", "non_binary"), CASES)
def test_worked_cases_ilac_g8(error: str, simple: str, guard: str, non_binary: str) -> None:
    """ILAC G8:09/2019 4.2.1 (w = 0), 4.2.2 (w = U), 4.2.3 (non-binary, w = U)."""
    assert decide(error, "0.2 g", "0.5 g", "simple").outcome == simple
    assert decide(error, "0.2 g", "0.5 g", "guard_band").outcome == guard
    assert decide(error, "0.2 g", "0.5 g", "non_binary").outcome == non_binary


def test_guard_band_factor_iso_14253() -> None:
    """w = 0.83 U (ISO 14253-1): AL = 0.5 − 0.83 × 0.2 = 0.334 g, so 0.33 g passes, 0.34 g fails."""
    verdict = decide("0.33 g", "0.2 g", "0.5 g", "guard_band", r=0.83)
    assert verdict.outcome == "pass"
    assert verdict.guard_band.magnitude == pytest.approx(0.166)
    assert verdict.acceptance_limit.magnitude == pytest.approx(0.334)
    assert decide("0.34 g", "0.2 g", "0.5 g", "guard_band", r=0.83).outcome == "fail"
    assert "w = 0.83 U" in verdict.rule_text("en") and "w = 0,83 U" in verdict.rule_text("vi")


def test_simple_acceptance_needs_no_uncertainty() -> None:
    verdict = decide("0.5 g", None, "0.5 g")
    assert verdict.outcome == "pass" and verdict.conforms and verdict.guard_band.magnitude == 0
    with pytest.raises(DecisionError, match="needs the expanded uncertainty"):
        decide("0.1 g", None, "0.5 g", "guard_band")


def test_units_are_converted_and_mismatches_refused() -> None:
    """Error in mg, U in g, MPE in g: compared in the MPE's unit."""
    verdict = decide("450 mg", "0.1 g", "0.5 g", "non_binary")
    assert verdict.outcome == "conditional_pass"
    assert verdict.measured_error == Q_(0.45, "g")
    with pytest.raises(UnitError) as caught:
        decide("0.3 bar", "0.1 g", "0.5 g")
    assert "bar" in str(caught.value) and "g" in str(caught.value)


def test_temperature_errors_are_differences() -> None:
    """An error written '0.3 degC' is read as a difference (delta_degC), compared with ±0.5 °C."""
    verdict = decide("0.3 degC", "0.1 K", "0.5 degC", "guard_band")
    assert verdict.outcome == "pass"
    assert str(verdict.mpe.units) == "delta_degree_Celsius"


def test_verdict_texts_for_the_certificate() -> None:
    """ISO/IEC 17025:2017 7.8.6.2: the statement names the decision rule applied."""
    verdict = decide("0.4 g", "0.2 g", "0.5 g", "non_binary")
    assert verdict.outcome_text("vi") == "Đạt có điều kiện"
    assert verdict.outcome_text("en") == "Conditional pass"
    assert "ILAC G8:09/2019 mục 4.2.3" in verdict.rule_text("vi")
    assert "ILAC G8:09/2019 4.2.3" in verdict.rule_text("en")
    assert verdict.statement("vi") == "Sai số 0,4\u00a0g; U = 0,2\u00a0g; MPE ±0,5\u00a0g: Đạt có điều kiện"
    assert verdict.dcc_conformity == "conditionalPass"
    simple = decide("0.6 g", None, "0.5 g")
    assert "4.2.1" in simple.rule_text("en") and simple.outcome_text("vi") == "Không đạt"
    assert simple.dcc_conformity == "fail" and not simple.conforms
    data = verdict.to_dict()
    assert data["outcome"] == "conditional_pass" and data["conforms"] is True
    assert data["mpe"] == {"value": 0.5, "unit": "g"}
    assert data["rule_text"]["vi"] == verdict.rule_text("vi")


@pytest.mark.parametrize(
    ("spec", "expected"),
    [({"rule": "simple"}, "pass"), ({"rule": "guard_band", "r": 1.0}, "fail"), ({"rule": "guard_band"}, "fail"),
     ({"rule": "non_binary"}, "conditional_pass"), ({"rule": "non_binary", "r": 0.5}, "pass")],
)
def test_decision_rule_as_data(spec: dict, expected: str) -> None:
    """Non-binary with r = 0.5: w = 0.1 g, pass below 0.4 g; 0.35 g passes."""
    verdict = decide_from_spec(spec, "0.35 g", "0.2 g", "0.5 g")
    assert verdict.outcome == expected
    rule = parse_decision_spec(spec)
    assert parse_decision_spec(rule.to_spec()) == rule
    assert rule.text("vi") == verdict.rule_text("vi")


@pytest.mark.parametrize(
    ("spec", "text"),
    [({"rule": "coin_toss"}, "unknown decision rule"), ({"r": 1}, "with a 'rule'"),
     ({"rule": "guard_band", "r": -1}, "r must be a number ≥ 0"),
     ({"rule": "guard_band", "w": "0.1 g"}, "unknown key 'w'"),
     ({"rule": "simple", "r": 2}, "no guard band")],
)
def test_bad_decision_specs(spec: dict, text: str) -> None:
    with pytest.raises(DecisionError, match=text):
        parse_decision_spec(spec)


def test_bad_values() -> None:
    with pytest.raises(DecisionError, match="MPE must be positive"):
        decide("0.1 g", "0.1 g", "0 g")
    with pytest.raises(DecisionError, match="must not be negative"):
        decide("0.1 g", "-0.1 g", "0.5 g", "guard_band")
