"""The demo's reference standards, each with two calibrations whose certificates state their values
point by point (so the budgets use the corrections of the weights on the pan and of the reference
thermometer and pressure gauge, and the drift is estimated from the change between the two).

Figures are invented but realistic: the F1 weights' U is at most ⅓ of their OIML R111-1 MPE (20 kg:
MPE 100 mg, U = 30 mg) and their corrections within MPE − U (R111-1 5.2, 5.3.2); the M1 set is used
at nominal value (within its class's MPE); the reference thermometers' corrections are a few mK;
the pressure reference's a few mbar. The thermometer NK-CHUAN-02 is the one the demo's
thermometer calibration uses: its readings 0.013 / 37.013 / 100.013 °C are corrected by
−0.0040 / −0.0077 / −0.0130 °C.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.models import Organisation, RecordStatus, ReferenceStandard, User
from lims.services import catalog, standard_calibrations
from lims.services.demo_sample import Point, approved_record, ensure_procedure
from lims.services.demo_traceability import QUATEST1, VMI, calibration_lab, national_standard
from lims.services.policy import SYSTEM

# F1 set 1 mg – 20 kg: (id, nominal, correction now (mg), correction a year before (mg), U (mg)).
_F1 = (
    ("20kg", "20 kg", 12.0, 8.0, 30.0), ("10kg", "10 kg", -6.0, -8.0, 16.0), ("5kg", "5 kg", 3.0, 2.0, 8.0),
    ("2kg", "2 kg", 1.2, 0.8, 3.0), ("2kg*", "2 kg", -0.8, -1.2, 3.0), ("1kg", "1 kg", 0.6, 0.4, 1.6),
    ("500g", "500 g", 0.30, 0.20, 0.80), ("200g", "200 g", 0.12, 0.08, 0.30), ("200g*", "200 g", -0.10, -0.14, 0.30),
    ("100g", "100 g", 0.05, 0.03, 0.16), ("50g", "50 g", 0.03, 0.02, 0.10), ("20g", "20 g", 0.020, 0.012, 0.080),
    ("20g*", "20 g", -0.010, -0.016, 0.080), ("10g", "10 g", 0.015, 0.010, 0.060), ("5g", "5 g", 0.010, 0.006, 0.050),
    ("2g", "2 g", 0.008, 0.005, 0.035), ("2g*", "2 g", -0.006, -0.009, 0.035), ("1g", "1 g", 0.005, 0.003, 0.030),
    ("500mg", "500 mg", 0.004, 0.002, 0.025), ("200mg", "200 mg", 0.003, 0.002, 0.018),
    ("200mg*", "200 mg", -0.002, -0.003, 0.018), ("100mg", "100 mg", 0.002, 0.001, 0.015),
    ("50mg", "50 mg", 0.002, 0.001, 0.012), ("20mg", "20 mg", 0.001, 0.000, 0.009),
    ("20mg*", "20 mg", -0.001, -0.002, 0.009), ("10mg", "10 mg", 0.001, 0.000, 0.008),
    ("5mg", "5 mg", 0.000, -0.001, 0.006), ("2mg", "2 mg", 0.001, 0.000, 0.006),
    ("2mg*", "2 mg", -0.001, -0.001, 0.006),
    ("1mg", "1 mg", 0.000, 0.000, 0.006),
)
# M1 set: 25 × 20 kg and 1 g – 10 kg (used at nominal value; corrections stated by the certificate).
_M1_SMALL = (
    ("10kg", "10 kg", 50.0, 30.0, 160.0), ("5kg", "5 kg", 20.0, 10.0, 80.0), ("2kg", "2 kg", 10.0, 6.0, 30.0),
    ("2kg*", "2 kg", -8.0, -12.0, 30.0), ("1kg", "1 kg", 5.0, 3.0, 16.0), ("500g", "500 g", 2.0, 1.0, 8.0),
    ("200g", "200 g", 1.0, 0.5, 3.0), ("200g*", "200 g", -1.0, -1.5, 3.0), ("100g", "100 g", 0.5, 0.2, 1.6),
    ("50g", "50 g", 0.3, 0.1, 1.0), ("20g", "20 g", 0.2, 0.1, 0.8), ("20g*", "20 g", -0.2, -0.3, 0.8),
    ("10g", "10 g", 0.1, 0.0, 0.6), ("5g", "5 g", 0.1, 0.0, 0.5), ("2g", "2 g", 0.1, 0.0, 0.4),
    ("2g*", "2 g", -0.1, -0.1, 0.4), ("1g", "1 g", 0.0, 0.0, 0.3),
)
_M1_20KG = tuple((f"20kg-{n:02d}", "20 kg", 40.0 * ((n * 7) % 9 - 4), 40.0 * ((n * 7) % 9 - 4) - 30.0, 300.0)
                 for n in range(1, 26))

# Reference thermometers and the pressure reference: (at, correction now, a year before, U) per point.
_PRT_1521 = ((-80, 0.012, 0.010, 0.020), (-40, 0.006, 0.004, 0.020), (0, -0.004, -0.007, 0.020),
             (50, -0.009, -0.011, 0.020), (100, -0.013, -0.016, 0.020), (200, -0.020, -0.024, 0.025),
             (300, -0.028, -0.033, 0.030))
_PRT_1524 = ((-50, 0.010, 0.008, 0.030), (0, -0.003, -0.005, 0.030), (100, -0.011, -0.014, 0.030),
             (200, -0.018, -0.022, 0.035), (300, -0.026, -0.031, 0.040), (400, -0.035, -0.041, 0.050))
_PACE = ((0, 0.0, 0.0, 12.0), (10, 2.0, 1.0, 12.0), (20, 3.0, 1.0, 12.0), (30, 5.0, 2.0, 12.0),
         (40, 4.0, 1.0, 14.0), (50, 6.0, 2.0, 14.0), (60, 8.0, 3.0, 16.0))


def _pieces(rows: Sequence[tuple[str, str, float, float, float]], now: bool) -> list[dict[str, Any]]:
    return [{"id": ident, "nominal": nominal, "correction": f"{c_now if now else c_then:g} mg", "U": f"{u:g} mg",
             "k": 2} for ident, nominal, c_now, c_then, u in rows]


def _points(rows: Sequence[tuple[float, float, float, float]], unit: str, delta: str, now: bool
            ) -> list[dict[str, Any]]:
    return [{"at": f"{at:g} {unit}", "correction": f"{c_now if now else c_then:g} {delta}", "U": f"{u:g} {delta}",
             "k": 2} for at, c_now, c_then, u in rows]


def _data(code: str, now: bool) -> dict[str, Any]:
    if code == "QC-F1-01":
        return {"use": "corrections", "class": "F1", "pieces": _pieces(_F1, now)}
    if code == "QC-M1-500":
        return {"use": "nominal", "class": "M1", "pieces": _pieces(_M1_20KG + _M1_SMALL, now)}
    if code == "AP-CHUAN-01":
        return {"points": _points(_PACE, "bar", "mbar", now), "resolution": "1 mbar", "medium": "gas"}
    rows = _PRT_1521 if code == "NK-CHUAN-02" else _PRT_1524
    return {"points": _points(rows, "degC", "delta_degC", now), "resolution": "0.001 delta_degC"}


_STANDARDS: dict[str, catalog.NewReferenceStandard] = {s.code: s for s in (
    catalog.NewReferenceStandard(
        code="QC-F1-01", name="Bộ quả cân chuẩn cấp chính xác F1 (1 mg – 20 kg)", quantity="mass",
        manufacturer="Häfner", model="F1 set", serial_number="HF-22051", range_min=0.000001, range_max=20,
        range_unit="kg", accuracy_class="F1"),
    catalog.NewReferenceStandard(
        code="AP-CHUAN-01", name="Áp kế chuẩn chỉ thị số 0–60 bar", quantity="pressure", manufacturer="Fluke",
        model="700G08", serial_number="FL-4471", range_min=0, range_max=60, range_unit="bar",
        accuracy_class="0,05 %"),
    catalog.NewReferenceStandard(
        code="NK-CHUAN-01", name="Nhiệt kế điện trở platin chuẩn", quantity="temperature", manufacturer="Fluke",
        model="1524 + 5615", serial_number="FL-5615-882", range_min=-50, range_max=400, range_unit="degC"),
    catalog.NewReferenceStandard(
        code="QC-M1-500", name="Bộ quả cân chuẩn cấp chính xác M1 (1 kg – 500 kg)", quantity="mass",
        manufacturer="Zwiebel", model="M1 20 kg × 25", serial_number="ZW-M1-7781", range_min=1, range_max=500,
        range_unit="kg", accuracy_class="M1"),
    catalog.NewReferenceStandard(
        code="NK-CHUAN-03", name="Nhiệt kế chuẩn chỉ thị số Fluke 1523", quantity="temperature",
        manufacturer="Fluke", model="1523 + 5622", serial_number="FL-1523-0417", range_min=-50, range_max=400,
        range_unit="degC"),
    catalog.NewReferenceStandard(
        code="NK-CHUAN-02", name="Nhiệt kế chuẩn Hart 1521 với đầu đo PRT 5626", quantity="temperature",
        manufacturer="Fluke/Hart", model="1521 + 5626", serial_number="HA-1521-3390", range_min=-80,
        range_max=300, range_unit="degC"),
)}

# code: (certificate number now, a year before, laboratory, days since the current calibration,
#        its interval in days, the one U for the whole range and its unit, traced to VMI's national
#        standard: False for NK-CHUAN-03, whose certificates name no upstream - the demo's broken chain)
_CALIBRATIONS: dict[str, tuple[str, str, str, int, int, float, str, bool]] = {
    "QC-F1-01": ("VMI-KL-2026/0415", "VMI-KL-2025/0388", VMI, 120, 365, 30, "mg", True),
    "AP-CHUAN-01": ("QUATEST1-AS-2026/0188", "QUATEST1-AS-2025/0171", QUATEST1, 200, 365, 16, "mbar", True),
    "NK-CHUAN-01": ("QUATEST1-NĐ-2025/0932", "QUATEST1-NĐ-2024/0870", QUATEST1, 400, 365, 0.05, "delta_degC", True),
    "QC-M1-500": ("VMI-KL-2026/0533", "VMI-KL-2025/0497", VMI, 60, 365, 300, "mg", True),
    "NK-CHUAN-02": ("VMI-ND-2026/0271", "VMI-ND-2025/0244", VMI, 90, 365, 0.03, "delta_degC", True),
    "NK-CHUAN-03": ("QUATEST1-NĐ-2026/0102", "QUATEST1-NĐ-2025/0096", QUATEST1, 150, 365, 0.04, "delta_degC",
                    False),
}


def calibrations_of(session: Session, code: str, today: date
                    ) -> tuple[standard_calibrations.NewStandardCalibration, ...]:
    """The demo standard's two calibrations, the earlier first (NK-CHUAN-01's current one is overdue)."""
    now_number, then_number, lab, age, interval, u, u_unit, traced = _CALIBRATIONS[code]
    current = today - timedelta(days=age)
    earlier = current - timedelta(days=interval)
    lab_id = calibration_lab(session, lab).id
    upstream = national_standard(session, _STANDARDS[code].quantity).id if traced else None
    return tuple(standard_calibrations.NewStandardCalibration(
        certificate_number=number, lab_id=lab_id, national_standard_id=upstream, calibration_date=day,
        due_date=day + timedelta(days=interval), expanded_uncertainty=u, uncertainty_unit=u_unit, coverage_factor=2,
        data=_data(code, now))
        for number, day, now in ((then_number, earlier, False), (now_number, current, True)))


def demo_standard(session: Session, code: str) -> ReferenceStandard:
    """The demo standard ``code`` with its two calibrations (made if absent)."""
    std = session.scalar(select(ReferenceStandard).where(ReferenceStandard.code == code))
    if std is None:
        std = catalog.create_reference_standard(session, SYSTEM, _STANDARDS[code])
        for cal in calibrations_of(session, code, date.today()):
            standard_calibrations.add_standard_calibration(session, SYSTEM, std.id, cal)
    return std


#: The lab's working weights, calibrated by the lab itself against its F1 set (an internal calibration).
WORKING_WEIGHTS = catalog.NewReferenceStandard(
    code="QC-CT-01", name="Bộ quả cân công tác cấp chính xác M1 (1 kg – 20 kg)", quantity="mass",
    manufacturer="Zwiebel", model="M1 working set", serial_number="ZW-CT-3318", range_min=1, range_max=20,
    range_unit="kg", accuracy_class="M1")
#: Its calibration record: nominal (kg), error (mg), U (mg) of each weight against the F1 set.
_WORKING_POINTS = ((1, 4.0, 1.7), (2, -6.0, 3.2), (5, 12.0, 8.0), (10, 20.0, 16.0), (20, -30.0, 32.0))


def working_weights(session: Session, *, lab: Organisation, weights_type_id: int, f1: ReferenceStandard,
                    technician: User, reviewer: User, today: date) -> ReferenceStandard:
    """The working weights: one of the lab's instruments, calibrated 30 days ago by an approved record
    of this system made with the F1 set; the calibration names that record as its upstream."""
    inst = catalog.create_instrument(session, SYSTEM, catalog.NewInstrument(
        owner_id=lab.id, type_id=weights_type_id, manufacturer="Zwiebel", model="M1 working set",
        serial_number=WORKING_WEIGHTS.serial_number, range_min=1, range_max=20, range_unit="kg", accuracy_class="M1",
        location="Phòng khối lượng"))
    work_date = today - timedelta(days=30)
    points = [Point(nominal=float(kg), indication=round(kg + err / 1e6, 9), error=round(err / 1e6, 9),
                    uncertainty=round(u / 1e6, 9), mpe=None, verdict=None, unit="kg", test="calibration",
                    label=f"{kg} kg") for kg, err, u in _WORKING_POINTS]
    record = approved_record(session, instrument=inst, procedure=ensure_procedure(
        session, "calibration:weights", weights_type_id), technician=technician, reviewer=reviewer, points=points,
        standards=[f1], kind="calibration", work_date=work_date, verdict=None, decision_rule={},
        place="Phòng khối lượng", status=RecordStatus.submitted.value)
    # The results as the workflow stores them (values with their units), so that the record's page reads them.
    record.results = {**record.results, "complete": True, "points": [
        {"seq": seq, "test": p.test, "label": p.label, "standard": f1.code, "decimals": 6, "verdict": None,
         "coverage_factor": 2.0, "dof_effective": None, "mpe": None,
         **{key: {"value": value, "unit": "kg"} for key, value in (
             ("nominal", p.nominal), ("reference_value", p.nominal), ("indication", p.indication),
             ("error", p.error), ("uncertainty", p.uncertainty))},
         "readings": [{"value": p.indication, "unit": "kg"}]}
        for seq, p in enumerate(points, start=1)]}
    record.status = RecordStatus.approved.value
    session.flush()
    std = catalog.create_reference_standard(session, SYSTEM,
                                            dataclasses.replace(WORKING_WEIGHTS, instrument_id=inst.id))
    new = standard_calibrations.NewStandardCalibration(
        certificate_number=record.number, lab_id=lab.id, record_id=record.id, calibration_date=work_date,
        due_date=work_date + timedelta(days=365), expanded_uncertainty=32, uncertainty_unit="mg", coverage_factor=2)
    standard_calibrations.add_standard_calibration(session, SYSTEM, std.id, new)
    return std
