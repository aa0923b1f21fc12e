"""Standards' calibration data in the demo's budgets, worked by hand, and its entry through the service.

The thermometer calibration of the demo (procedure QTHC-NK-SS, reference NK-CHUAN-02 with two
calibrations) recomputed by hand per JCGM 100 (4.2, 4.3.7, G.4.1, G.6.4); the pressure gauge's
head correction (EURAMET cg-17); the F1 weights' corrections on the scale (EURAMET cg-18 7.1.2).
"""
from __future__ import annotations

import math

import pytest
from sqlalchemy import func, select

from certificates.keystore import KeyStore
from lims.errors import ValidationError
from lims.i18n import use_language
from lims.models import Record, StandardCalibration
from lims.services import catalog, standard_calibrations
from lims.services import certificates as certs
from lims.services.demo import seed_demo
from lims.services.inputs import parse
from lims.services.policy import SYSTEM
from lims.services.standard_calibrations import add_standard_calibration as add_calibration

SQRT3 = math.sqrt(3)


@pytest.fixture
def demo(db, tmp_path):
    ctx = certs.CertificateContext(instance_path=tmp_path, base_url="http://127.0.0.1:5000",
                                   keystore=KeyStore.in_directory(tmp_path / "keys"))
    with certs.use_context(ctx):
        seed_demo(db, "demo-password-1")
    return db


def _record(db, code: str) -> Record:
    return next(r for r in db.scalars(select(Record).order_by(Record.id)) if r.procedure.code == code)


def test_thermometer_point_at_37_degC_by_hand_reference_correction_drift_readout_bath(demo):
    """HC-000001, point 2: readings 37.1, 37.2, 37.1 °C; the reference reads 37.013 °C.

    t_x = 37.13333 °C, s = 0.057735 °C, u_A = s/√3 = 0.033333 °C with ν = 2 (JCGM 100 4.2).
    Correction of NK-CHUAN-02 at 37.013 °C, between 0 °C (−0.004) and 50 °C (−0.009):
    −0.004 − 0.005·37.013/50 = −0.0077013 °C; t_s = 37.013 − 0.0077013 = 37.0052987 °C;
    E = 37.133333 − 37.0052987 = 0.1280346 °C.
    u(t_s) = 0.020/2 = 0.010 °C (certificate, k = 2).
    Drift: a year before −0.007 − 0.004·0.74026 = −0.00996104 °C, D = 0.00225974 °C, u = D/√3.
    Readout 0.001 °C: 0.0005/√3; resolution of the thermometer 0.1 °C: 0.05/√3;
    bath uniformity 0.01/√3, stability 0.005/√3, immersion 0.01/√3 (the lab's figures).
    u_c² = 0.0333333² + 0.0288675² + 0.010² + 0.0013047² + 0.0002887² + 0.0057735² + 0.0028868²
           + 0.0057735² = 0.00212123 °C², u_c = 0.0460568 °C.
    ν_eff = u_c⁴/(u_A⁴/2) = 7.29 → 7 (G.4.1, truncated G.6.4); k = t₉₅.₄₅(7) = 2.4288 (GUM Table G.2: 2.43);
    U = 2.4288 · 0.0460568 = 0.11186 °C.
    """
    rec = _record(demo, "QTHC-NK-SS")
    point = next(p for p in rec.points if p.nominal == 37.0)
    assert point.reference_value == pytest.approx(37.013)  # what the reference read (kept for recomputation)
    stored = next(p for p in rec.results["points"] if p["seq"] == point.seq)
    assert stored["reference_value"]["value"] == pytest.approx(37.0052987, abs=1e-7)
    assert point.error == pytest.approx(0.1280346, abs=1e-7)
    u_c = math.sqrt(0.00212123)
    assert u_c == pytest.approx(0.0460568, abs=1e-7)
    assert point.coverage_factor == pytest.approx(2.4288, abs=1e-4)
    assert point.uncertainty == pytest.approx(2.4288 * 0.0460568, abs=2e-5)
    assert point.uncertainty == pytest.approx(0.11186, abs=1e-5)


def test_pressure_gauge_reference_corrected_and_head_corrected_cg17(demo):
    """The boiler gauge, 25 bar rising: the reference reads 25.000 bar; its correction at 25 bar is
    +4 mbar (3 mbar at 20 bar, 5 mbar at 30 bar); the gauge is 0.25 m above it, gas:
    ρ = 1.2·(2 500 400 + 101 325)/101 325 = 30.8124 kg/m³, ρ·g·Δh = 75.541 Pa = 0.75541 mbar;
    p_s = 25.004 − 0.00075541 = 25.00324459 bar; E = 25.1 − 25.00324459 = 0.09675541 bar."""
    rec = _record(demo, "QTHC-AK-837")
    assert rec.environment["height_difference"] == {"value": 0.25, "unit": "m"}
    stored = next(p for p in rec.results["points"] if p["test"] == "rising" and p["nominal"]["value"] == 25.0)
    assert stored["reference_value"]["value"] == pytest.approx(25.00324459, abs=1e-8)
    assert stored["error"]["value"] == pytest.approx(0.09675541, abs=1e-8)


def test_scale_reference_is_the_conventional_mass_of_the_f1_weights_cg18(demo):
    """The 60 kg scale at 20 kg: the F1 20 kg weight, conventional mass 20 kg + 12 mg = 20.000012 kg."""
    rec = _record(demo, "QTKĐ-CKTĐ-R76")
    stored = next(p for p in rec.results["points"] if p["test"] == "weighing" and p["nominal"]["value"] == 20.0)
    assert stored["standard"] == "QC-F1-01"
    assert stored["reference_value"]["value"] == pytest.approx(20.000012, abs=1e-9)


def _calibration(lab_id: int, **over) -> standard_calibrations.NewStandardCalibration:
    """The input as a form or a JSON body gives it (``data`` as text or as an object)."""
    return parse(standard_calibrations.NewStandardCalibration, {
        "certificate_number": "VMI-1", "lab_id": str(lab_id), "calibration_date": "2026-01-10",
        "due_date": "2027-01-10", "expanded_uncertainty": 30, "uncertainty_unit": "mg", **over})


def test_calibration_data_is_checked_on_entry_field_by_field_and_nothing_is_written(db):
    """A form's JSON text or an API's object; R111-1 5.2 and a wrong unit are named per field."""
    std = catalog.create_reference_standard(db, SYSTEM, catalog.NewReferenceStandard(
        code="QC-T", name="F1", quantity="mass", range_min=0.001, range_max=20, range_unit="kg"))
    vmi = catalog.create_organisation(db, SYSTEM, catalog.NewOrganisation(name="VMI", kind="calibration_lab"))
    before = db.scalar(select(func.count()).select_from(StandardCalibration))
    bad = '{"class": "F1", "pieces": [{"id": "20kg", "nominal": "20 kg", "correction": "1 mg", "U": "40 mg"},' \
          ' {"id": "1kg", "nominal": "1 kg", "correction": "1 degC", "U": "1 mg"}]}'
    with use_language("en"), pytest.raises(ValidationError) as caught:
        add_calibration(db, SYSTEM, std.id, _calibration(vmi.id, data=bad, uncertainty_unit="bar"))
    assert set(caught.value.errors) == {"uncertainty_unit", "data.pieces.1.U", "data.pieces.2.correction"}
    with use_language("vi"), pytest.raises(ValidationError) as caught:
        add_calibration(db, SYSTEM, std.id, _calibration(vmi.id, data="{not json"))
    assert caught.value.errors == {"data": "Dữ liệu hiệu chuẩn phải là một đối tượng JSON."}
    assert db.scalar(select(func.count()).select_from(StandardCalibration)) == before
    good = {"class": "F1", "pieces": [{"id": "20kg", "nominal": "20 kg", "correction": "12 mg", "U": "30 mg"}]}
    cal = add_calibration(db, SYSTEM, std.id, _calibration(vmi.id, data=good))
    assert cal.data == good
    blank = add_calibration(db, SYSTEM, std.id, _calibration(vmi.id, certificate_number="VMI-2", data=""))
    assert blank.data == {}
