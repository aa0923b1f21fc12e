"""The reported form of a record's stored results (lims.metrology.reported), by hand.

JCGM 100 7.2.6: U to at most two significant digits, the value to the same decimal place;
EA-4/02 M §5: U rounded up where ordinary rounding would lower it by more than 5 %;
JCGM 100 7.2.4: k given (two decimals); 7.2.7: the budget table.
"""
from __future__ import annotations

import copy

from lims.metrology.reported import (
    clean,
    point_places,
    reported_k,
    reported_point,
    reported_results,
    reported_uncertainty,
)

# The calibration point of certificate 2026-HC-000001 as stored (issue 10): three readings
# 0.1, 0.1, 0.2 °C of a thermometer against a reference of 0.013 °C.
STORED_POINT = {
    "seq": 1, "test": "calibration", "label": "",
    "nominal": {"value": 0.0, "unit": "degC"},
    "readings": [{"value": 0.1, "unit": "degC"}, {"value": 0.1, "unit": "degC"}, {"value": 0.2, "unit": "degC"}],
    "reference_value": {"value": 0.013, "unit": "degC"},
    "indication": {"value": 0.13333333333333333, "unit": "degC"},
    "error": {"value": 0.12033333333333333, "unit": "delta_degC"},
    "uncertainty": {"value": 0.113344423838, "unit": "delta_degC"},
    "coverage_factor": 2.42880908223,
    "dof_effective": 7.718264,
    "mpe": {"value": 0.5, "unit": "delta_degC"},
    "verdict": "pass", "standard": "NK-CHUAN-02",
}


def test_calibration_point_of_the_issue_reads_as_a_metrologist_writes_it() -> None:
    """U = 0.113344 °C → 0.11 °C (two significant digits; 0.11 lowers U by 2.9 %, under 5 %);
    hence two decimals: indication 0.1333 → 0.13, reference 0.013 → 0.01, error 0.1203 → 0.12,
    and 0.13 − 0.01 = 0.12, the printed error; k = 2.4288 → 2.43; ν_eff 7.718 → 7.7."""
    point = reported_point(STORED_POINT)
    assert point["uncertainty"] == {"value": 0.11, "unit": "delta_degC"}
    assert point["decimals"] == 2
    assert point["indication"]["value"] == 0.13
    assert point["reference_value"]["value"] == 0.01
    assert point["error"]["value"] == 0.12
    assert round(point["indication"]["value"] - point["reference_value"]["value"], 2) == point["error"]["value"]
    assert point["coverage_factor"] == 2.43
    assert point["dof_effective"] == 7.7
    assert point["mpe"] == {"value": 0.5, "unit": "delta_degC"}  # a limit is never rounded to U's place
    assert point["nominal"] == {"value": 0.0, "unit": "degC"} and point["verdict"] == "pass"


def test_verification_point_of_the_issue_u_0_0408_kg_and_k_2_0000024() -> None:
    """U = 0.0408248789336 kg → 0.041 kg (0.0408 rounds to 0.041, up by 0.4 %); three decimals;
    k = 2.0000024439 → 2.00; the error 30.01 − 30 = 0.010000000000001563 kg → 0.010 kg."""
    stored = {"seq": 4, "indication": 30.01, "error": 30.01 - 30.0, "uncertainty": 0.0408248789336,
              "coverage_factor": 2.0000024439, "mpe": 0.015, "nominal": 30.0, "readings": [30.01]}
    point = reported_point(stored)
    assert point["uncertainty"] == 0.041 and point["decimals"] == 3
    assert point["error"] == 0.01 and repr(point["error"]) == "0.01"
    assert point["coverage_factor"] == 2.0
    assert point["indication"] == 30.01 and point["mpe"] == 0.015


def test_binary_noise_of_a_repeatability_error_reads_zero() -> None:
    """A repeatability error of −4.44e-16 kg (three equal readings minus their load) with
    U = 0.0082 kg reads 0.0000 kg at U's four decimals, not −4.44e-16 nor −0."""
    point = reported_point({"error": -4.440892098500626e-16, "uncertainty": 0.00816497579312})
    assert point["uncertainty"] == 0.0082 and point["decimals"] == 4
    assert point["error"] == 0.0 and str(point["error"]) == "0.0"


def test_ea_4_02_round_up_where_ordinary_rounding_would_lower_u_by_more_than_5_percent() -> None:
    """EA-4/02 M §5 with two digits never triggers (at most 4.8 %: 0.105 → 0.11 half up; 0.1049 →
    0.10 lowers by 4.7 %), so U = 0.1049 reads 0.10 and a value takes two decimals."""
    assert reported_uncertainty(0.1049) == 0.1
    assert point_places(0.1049) == 2
    assert reported_uncertainty(0.145) == 0.15  # half away from zero: 0.145 is 0.14499999999999999 in binary
    assert reported_uncertainty(None) is None


def test_without_uncertainty_one_digit_more_than_the_resolution() -> None:
    """A point without U (a check with no budget): resolution 0.01 kg → three decimals."""
    point = reported_point({"error": 0.0100000000000016, "uncertainty": None}, resolution=0.01)
    assert point["decimals"] == 3 and point["error"] == 0.01 and point["uncertainty"] is None


def test_k_to_two_decimals() -> None:
    assert reported_k(2.42880908223) == 2.43
    assert reported_k(2.005) == 2.01  # half away from zero (2.005 is 2.00499999999999989 in binary)
    assert reported_k(None) is None


def test_clean_removes_noise_beyond_twelve_significant_digits_only() -> None:
    assert clean(0.1 + 0.2) == 0.3
    assert clean(20.009999999999998) == 20.01
    assert clean(0.00816497579312) == 0.00816497579312  # twelve digits stay: not noise
    assert clean({"a": [1e-7 * 3, 5, "x", None]}) == {"a": [3e-7, 5, "x", None]}


def test_results_points_budget_and_hysteresis_are_reported_and_the_stored_dict_is_unchanged() -> None:
    """The budget table (JCGM 100 7.2.7): u(t_x) = 0.0333 °C → 0.033 °C, the mean 0.133333 °C of
    the readings to u's place, 0.133 °C; share 51.0467 % → 51.0 %; hysteresis at the finest
    decimal place of the points (two)."""
    stored = {
        "points": [copy.deepcopy(STORED_POINT)],
        "budget": {"table": [{"symbol": "t_x", "estimate": {"value": 0.13333333333333333, "unit": "degC"},
                              "standard_uncertainty": {"value": 0.03333333333333333, "unit": "delta_degC"},
                              "contribution": {"value": 0.03333333333333333, "unit": "delta_degC"},
                              "sensitivity": {"value": 1.0, "unit": "dimensionless"},
                              "percent": 51.04670, "dof": 2.0, "distribution": "type A"}]},
        "hysteresis": [{"nominal": {"value": 5.0, "unit": "bar"},
                        "hysteresis": {"value": 0.010000000000000009, "unit": "bar"}, "mpe": None}],
        "coverage_probability": 0.9545, "verdict": "pass",
    }
    before = copy.deepcopy(stored)
    out = reported_results(stored)
    assert stored == before
    row = out["budget"]["table"][0]
    assert row["standard_uncertainty"]["value"] == 0.033 and row["contribution"]["value"] == 0.033
    assert row["estimate"]["value"] == 0.133
    assert row["percent"] == 51.0 and row["dof"] == 2.0
    assert out["hysteresis"][0]["hysteresis"]["value"] == 0.01
    assert out["points"][0]["uncertainty"]["value"] == 0.11
    assert out["coverage_probability"] == 0.9545 and out["verdict"] == "pass"
    assert reported_results(None) == {} and reported_results({}) == {}


def test_a_verdict_in_json_has_no_binary_noise() -> None:
    """ILAC G8:09/2019 4.2.2 with w = U: the acceptance limit MPE − w = 0.3 g − 0.1 g = 0.2 g
    (the float difference is 0.19999999999999998), as `lims mpe decide --json` prints it."""
    from lims.metrology.decision import decide

    data = decide("0.15 g", "0.1 g", "0.3 g", "guard_band").to_dict()
    assert data["acceptance_limit"] == {"value": 0.2, "unit": "g"}
    assert data["guard_band"] == {"value": 0.1, "unit": "g"}
