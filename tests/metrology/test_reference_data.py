"""A standard's calibration data at one point (lims.metrology.reference), against hand calculations.

Weights after EURAMET cg-18 v4.0 7.1.2 and OIML R111-1; corrections per point of a reference
thermometer (JCGM 100 4.3.7 for the rectangular drift and readout terms); the head correction of
a pressure reference (EURAMET cg-17).
"""
from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest

from lims.errors import ValidationError
from lims.i18n import use_language
from lims.metrology.instrument_rules import InstrumentFacts
from lims.metrology.reference.r111 import r111_mpe_kg
from lims.metrology.reference_data import parse_calibration_data, reference_at
from lims.metrology.results import PointData, StandardData, compute

SQRT3 = math.sqrt(3)

# A part of an F1 set: (id, nominal, correction now (mg), a year before (mg), U (mg), k = 2).
PIECES = (("20kg", "20 kg", 12.0, 8.0, 30.0), ("10kg", "10 kg", -6.0, -8.0, 16.0), ("5kg", "5 kg", 3.0, 2.0, 8.0),
          ("2kg", "2 kg", 1.2, 0.8, 3.0), ("2kg*", "2 kg", -0.8, -1.2, 3.0), ("1kg", "1 kg", 0.6, 0.4, 1.6),
          ("500g", "500 g", 0.3, 0.2, 0.8))


def _weights(now: bool = True, use: str = "corrections") -> dict:
    return {"use": use, "class": "F1", "pieces": [
        {"id": i, "nominal": n, "correction": f"{c if now else c0} mg", "U": f"{u} mg", "k": 2}
        for i, n, c, c0, u in PIECES]}


def _at(value: float, unit: str, data: dict, history: tuple = (), **kw):
    return reference_at(value=value, unit=unit, expanded_uncertainty=0.33, uncertainty_unit="mg",
                        coverage_factor=2, data=data, history=history, quantity=kw.pop("quantity", "mass"),
                        range_unit=kw.pop("range_unit", "kg"), code="QC-F1", **kw)


def test_r111_table_1_mpes_of_the_classes_used():
    """OIML R111-1 Table 1: F1 20 kg ±100 mg, M1 20 kg ±1 g, E2 1 kg ±1.6 mg, F2 1 mg ±0.06 mg."""
    assert r111_mpe_kg("F1", 20) == pytest.approx(100e-6)
    assert r111_mpe_kg("M1", 20) == pytest.approx(1000e-6)
    assert r111_mpe_kg("E2", 1) == pytest.approx(1.6e-6)
    assert r111_mpe_kg("F2", 1e-6) == pytest.approx(0.06e-6)
    assert r111_mpe_kg("F1", 3) is None  # not a nominal value of R111


def test_cg18_7_1_2_weights_with_corrections_summed_correlated_with_drift_and_buoyancy():
    """27.5 kg = 20 kg + 5 kg + 2 kg + 500 g (largest first, the 10 kg would overshoot).

    By hand (mg): Σc = 12 + 3 + 1.2 + 0.3 = 16.5; u(δm_c) = Σ U/k = 15 + 4 + 1.5 + 0.4 = 20.9
    (fully correlated, summed); Σ MPE(F1) = 100 + 25 + 10 + 2.5 = 137.5, u(δm_B) = 137.5/(4√3) = 19.846;
    a year before Σc was 8 + 2 + 0.8 + 0.2 = 11.0, so D = 5.5 (rectangular half-width);
    error bound = Σ U + D + Σ MPE/4 = 41.8 + 5.5 + 34.375 = 81.675.
    """
    ref = _at(27.5, "kg", _weights(), history=(("2025-07-01", _weights(now=False)),))
    assert ref.pieces == ("20kg", "5kg", "2kg", "500g")
    assert ref.correction == pytest.approx(16.5e-6, abs=1e-12)
    assert ref.value == pytest.approx(27.5 + 16.5e-6, abs=1e-12)
    assert ref.u == pytest.approx(20.9e-6, abs=1e-12)
    assert ref.buoyancy_u == pytest.approx(137.5e-6 / (4 * SQRT3), abs=1e-12)
    assert ref.drift_half_width == pytest.approx(5.5e-6, abs=1e-12)
    assert ref.error_bound == pytest.approx(81.675e-6, abs=1e-12)
    placeholders = ref.placeholders("kg")
    assert placeholders["ref_u"].endswith(" kg") and float(placeholders["ref_u"].split()[0]) == ref.u


def test_cg18_7_1_2_without_history_the_drift_is_the_combinations_U():
    """No earlier calibration: D = Σ U = 30 + 8 + 3 + 0.8 = 41.8 mg (see weights.py, *check*)."""
    ref = _at(27.5, "kg", _weights())
    assert ref.drift_half_width == pytest.approx(41.8e-6, abs=1e-12)


def test_cg18_7_1_2_weights_used_at_nominal_mpe_over_root_three():
    """At nominal: correction 0, u = Σ MPE/√3 = 137.5/√3 = 79.386 mg; error bound Σ MPE = 137.5 mg
    (OIML R76-1 3.7.1 compares it with ⅓ of the scale's MPE). In grams, as a scale in g would ask."""
    ref = _at(27500.0, "g", _weights(use="nominal"))
    assert ref.correction == 0.0 and ref.value == pytest.approx(27500.0)
    assert ref.u == pytest.approx(0.1375 / SQRT3, rel=1e-9)
    assert ref.error_bound == pytest.approx(0.1375, rel=1e-9)


def test_a_load_the_set_cannot_make_is_refused_with_what_is_left():
    """27.3 kg needs a 200 g piece this set lacks: 27.3 − 27.0 (20 + 5 + 2) − 0.5 overshoots → 300 g left."""
    with use_language("en"), pytest.raises(ValidationError) as caught:
        _at(27.3, "kg", _weights())
    assert caught.value.field == "standards"
    assert "QC-F1 cannot make 27.3 kg" in caught.value.message and "300,000 mg are left" in caught.value.message


PRT_NOW = {"points": [{"at": "0 degC", "correction": "-0.004 delta_degC", "U": "0.020 delta_degC", "k": 2},
                      {"at": "50 degC", "correction": "-0.009 delta_degC", "U": "0.020 delta_degC", "k": 2},
                      {"at": "100 degC", "correction": "-0.013 delta_degC", "U": "0.020 delta_degC", "k": 2}],
           "resolution": "0.001 delta_degC"}
PRT_BEFORE = {"points": [{"at": "0 degC", "correction": "-0.007 delta_degC", "U": "0.020 delta_degC"},
                         {"at": "50 degC", "correction": "-0.011 delta_degC", "U": "0.020 delta_degC"},
                         {"at": "100 degC", "correction": "-0.016 delta_degC", "U": "0.020 delta_degC"}]}


def test_a_reference_thermometer_interpolated_with_drift_from_two_calibrations_and_its_readout():
    """At a reading of 37.013 °C (between 0 and 50 °C, fraction 0.74026):
    correction now −0.004 − 0.005·0.74026 = −0.0077013 °C, a year before −0.007 − 0.004·0.74026 =
    −0.00996104 °C, so D = 0.00225974 °C; u = 0.020/2 = 0.010 °C; readout half-width 0.0005 °C;
    value = 37.013 − 0.0077013 = 37.0052987 °C; error bound U + D = 0.02225974 °C."""
    ref = _at(37.013, "degC", PRT_NOW, history=(("2025-01-01", PRT_BEFORE),), quantity="temperature",
              range_unit="degC")
    assert ref.correction == pytest.approx(-0.0077013, abs=1e-9)
    assert ref.value == pytest.approx(37.0052987, abs=1e-9)
    assert ref.drift_half_width == pytest.approx(0.00225974, abs=1e-9)
    assert ref.u == pytest.approx(0.010, abs=1e-12)
    assert ref.readout_half_width == pytest.approx(0.0005, abs=1e-12)
    assert ref.error_bound == pytest.approx(0.02225974, abs=1e-9)
    with use_language("en"), pytest.raises(ValidationError, match="calibrated from 0 to 100 °C"):
        _at(120.0, "degC", PRT_NOW, quantity="temperature", range_unit="degC")


PACE = {"points": [{"at": "20 bar", "correction": "3 mbar", "U": "12 mbar"},
                   {"at": "30 bar", "correction": "5 mbar", "U": "12 mbar"}],
        "resolution": "1 mbar", "medium": "gas"}


def test_cg17_head_correction_gas_and_liquid():
    """Gauge 0.25 m above the reference at 25 bar, gas: correction +4 mbar (interpolated), p = 25.004 bar;
    ρ = 1.2·(2 500 400 + 101 325)/101 325 = 30.8124 kg/m³; ρ·g·Δh = 30.8124·9.80665·0.25 = 75.541 Pa,
    subtracted: value = 25.004 − 0.00075541 bar. u = √((ρ·g·0.005/√3)² + (75.541·0.10/√3)²)
    = √(0.87232² + 4.36136²) Pa = 4.44774 Pa.
    Liquid (860 kg/m³), gauge 0.5 m below: +860·9.80665·0.5 = 4216.86 Pa = +42.1686 mbar."""
    env = {"height_difference": {"value": 0.25, "unit": "m"}}
    ref = _at(25.0, "bar", PACE, quantity="pressure", range_unit="bar", environment=env)
    rho = 1.2 * (2_500_400 + 101_325) / 101_325
    assert rho == pytest.approx(30.8124, abs=1e-4)
    assert ref.correction == pytest.approx(0.004, abs=1e-12)
    assert ref.head_correction == pytest.approx(-75.541e-5, rel=1e-4)
    assert ref.value == pytest.approx(25.004 - 75.541e-5, abs=1e-8)
    assert ref.head_u == pytest.approx(4.44774e-5, rel=1e-4)
    liquid = {**PACE, "medium": "liquid", "medium_density": "860 kg/m**3"}
    below = _at(25.0, "bar", liquid, quantity="pressure", range_unit="bar",
                environment={"height_difference": {"value": -0.5, "unit": "m"}})
    assert below.head_correction == pytest.approx(42.1686e-3, rel=1e-5)
    assert _at(25.0, "bar", PACE, quantity="pressure", range_unit="bar").head_correction == 0.0


def test_a_calibration_without_data_is_one_u_for_the_whole_range():
    """``{}``: u = U/k = 0.33/2 mg, no drift, bound U, value the nominal."""
    ref = _at(20.0, "kg", {})
    assert (ref.value, ref.u, ref.drift_half_width, ref.error_bound) == (20.0, pytest.approx(0.165e-6),
                                                                         0.0, pytest.approx(0.33e-6))


def test_the_check_names_every_wrong_field_of_weights_and_points():
    """R111-1 5.2 (U ≤ ⅓ MPE) and 5.3.2 (|c| ≤ MPE − U) are checked piece by piece."""
    bad = {"class": "F1", "pieces": [
        {"id": "20kg", "nominal": "20 kg", "correction": "12 mg", "U": "40 mg"},      # U > 100/3
        {"id": "20kg", "nominal": "20 kg", "correction": "80 mg", "U": "30 mg"},      # twice; 80 > 70
        {"id": "3kg", "nominal": "3 kg", "correction": "1 mg", "U": "1 mg"},          # no such nominal
        {"id": "1kg", "nominal": "1 kg", "correction": "1 bar", "U": "1 mg", "k": 0},
        {"id": "x", "nominal": "1 kg", "class": "M3"}]}
    with use_language("en"), pytest.raises(ValidationError) as caught:
        parse_calibration_data(bad, quantity="mass", unit="kg")
    assert set(caught.value.errors) == {"data.pieces.1.U", "data.pieces.2.id", "data.pieces.2.correction",
                                        "data.pieces.3.nominal", "data.pieces.4.correction", "data.pieces.4.k",
                                        "data.pieces.5.class"}
    assert "OIML R111-1 5.2" in caught.value.errors["data.pieces.1.U"]
    with use_language("vi"), pytest.raises(ValidationError) as caught:
        parse_calibration_data({"points": [{"at": "0 bar", "correction": "2 degC", "U": "1 mbar"},
                                           {"at": "10 bar", "correction": "1 mbar", "U": "1 mbar"},
                                           {"at": "10000 mbar", "correction": "1 mbar", "U": "1 mbar"}],
                                "medium": "water"}, quantity="pressure", unit="bar")
    assert set(caught.value.errors) == {"data.points.1.correction", "data.medium", "data.points"}
    assert "không phải là một đại lượng" in caught.value.errors["data.points.1.correction"]
    assert parse_calibration_data({}, quantity="mass", unit="kg") is None


def test_the_point_compares_with_the_conventional_mass_but_takes_the_mpe_at_the_load_applied():
    """OIML R76-1 3.5.1 bands the MPE by the load applied (5 kg = 500 e: ±0.5 e on a class III
    scale with e = 10 g); the error is taken against the weights' conventional mass,
    5 kg + 3 mg (EURAMET cg-18 7.1.2): E = 5.00 − 5.000003 = −0.000003 kg."""
    spec = json.loads((Path(__file__).resolve().parents[2] / "lims" / "procedures" / "nawi_r76_verification.json")
                      .read_text(encoding="utf-8"))["spec"]
    scale = InstrumentFacts(range_min=0.0, range_max=60.0, unit="kg", resolution=0.01, accuracy_class="III")
    f1 = StandardData(id=1, code="F1", quantity="mass", range_min=0.0005, range_max=20.0, range_unit="kg",
                      expanded_uncertainty=30, uncertainty_unit="mg", coverage_factor=2.0, calibration_id=11)
    f1 = dataclasses.replace(f1, data=_weights())
    out, results = compute(spec, scale, "initial", [PointData(1, "weighing", "500 e", 5.0, "kg", [5.0])], [f1])
    assert out[1].reference_value == pytest.approx(5.000003, abs=1e-12)
    assert out[1].error == pytest.approx(-3e-6, abs=1e-12)
    assert out[1].mpe == pytest.approx(0.005)
    assert results["points"][0]["reference_value"] == {"value": pytest.approx(5.000003, abs=1e-12), "unit": "kg"}


def test_a_reference_thermometer_with_coefficients_and_without_history():
    """Coefficients instead of interpolation: c(t) = −0.004 − 0.0001·t, at 37.013 °C
    −0.004 − 0.0037013 = −0.0077013 °C (JCGM 100 4.1.4). A single calibration: D = U = 0.020 °C
    (the assumed drift, *check*), so the bound is U + D = 0.040 °C."""
    ref = _at(37.013, "degC", {**PRT_NOW, "coefficients": [-0.004, -0.0001]}, quantity="temperature",
              range_unit="degC")
    assert ref.correction == pytest.approx(-0.0077013, abs=1e-12)
    assert ref.drift_half_width == pytest.approx(0.020, abs=1e-12)
    assert ref.error_bound == pytest.approx(0.040, abs=1e-12)
