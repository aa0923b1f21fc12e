"""A small lab with approved records, built the way the workflow stores them.

:func:`approved_record` builds a record the way the workflow stores one (points with their
computed errors, uncertainties, MPEs and verdicts; results; environment; the standards with
their calibration in force); :func:`sample_lab` makes a lab, a customer, instruments and
standards to build them from. The certificate demo, the tests and the benchmark use them.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.errors import ValidationError
from lims.metrology.mpe import r76_mpe_in_e
from lims.metrology.tables import R76_CLASSES
from lims.models import (
    Instrument,
    InstrumentType,
    Organisation,
    Procedure,
    Record,
    RecordPoint,
    RecordStandard,
    RecordStatus,
    ReferenceStandard,
    User,
)
from lims.services import catalog, standard_calibrations, workflow
from lims.services.demo_traceability import QUATEST1, VMI, calibration_lab, national_standard
from lims.services.numbering import next_value
from lims.services.policy import SYSTEM
from lims.services.users import NewUser, Password, create_user

SIMPLE_ACCEPTANCE = {
    "rule": "simple_acceptance",
    "text_vi": "Chấp nhận đơn giản: đạt khi |sai số| ≤ MPE tại mọi điểm (ILAC G8:09/2019, 4.2.1)",
    "text_en": "Simple acceptance: pass when |error| ≤ MPE at every point (ILAC G8:09/2019, 4.2.1)",
}
ENVIRONMENT = {"temperature": {"value": 24.8, "unit": "degC"}, "humidity": {"value": 62, "unit": "percent_RH"}}
PROCEDURES = {
    "verification:mass": ("ĐLVN 16:2009", "Cân bàn – Quy trình kiểm định", "Platform scales – Verification procedure"),
    "calibration:pressure": ("ĐLVN 112:2002", "Áp kế kiểu lò xo – Quy trình hiệu chuẩn",
                             "Bourdon tube pressure gauges – Calibration procedure"),
    "calibration:temperature": ("QTHC-NĐ-01", "Nhiệt kế chỉ thị số – Quy trình hiệu chuẩn",
                                "Digital thermometers – Calibration procedure"),
    "calibration:weights": ("QTHC-QC-01", "Quả cân – Quy trình hiệu chuẩn nội bộ",
                            "Weights – Internal calibration procedure"),
    "verification:pressure": ("ĐLVN 08:2011", "Áp kế kiểu lò xo – Quy trình kiểm định",
                              "Bourdon tube pressure gauges – Verification procedure"),
}


@dataclasses.dataclass(frozen=True)
class Point:
    """One point as the workflow stores it (values in ``unit``; error, U, MPE as differences)."""

    nominal: float
    indication: float
    error: float
    uncertainty: float | None
    mpe: float | None
    verdict: str | None
    unit: str
    test: str = "weighing"
    label: str = ""
    coverage_factor: float = 2.0


def r76_mpe(load_e: float, accuracy_class: str) -> float:
    """MPE at verification, in e, for a load of ``load_e`` scale intervals (OIML R76-1 table 6)."""
    return r76_mpe_in_e(accuracy_class, load_e)


def scale_points(inst: Instrument, errors_in_e: Sequence[float]) -> list[Point]:
    """Weighing test at Min (20 e), 500 e, 2000 e and Max (as far as Max allows), OIML R76-1 MPEs.

    ``errors_in_e`` gives the error at each load in scale intervals (e = the resolution).
    """
    e = inst.resolution or 1.0
    loads = [x * e for x in (20, 500, 2000) if x * e < inst.range_max] + [inst.range_max]
    klass = inst.accuracy_class if inst.accuracy_class in R76_CLASSES else "III"
    points = []
    for load, err_e in zip(loads, errors_in_e, strict=False):  # a small scale has fewer loads than errors given
        mpe = round(r76_mpe(load / e, klass) * e, 9)
        error = round(err_e * e, 9)
        points.append(Point(nominal=round(load, 9), indication=round(load + error, 9), error=error,
                            uncertainty=round(0.4 * e, 9), mpe=mpe,
                            verdict="pass" if abs(error) <= mpe else "fail", unit=inst.range_unit))
    return points


def ensure_procedure(session: Session, key: str, instrument_type_id: int | None) -> Procedure:
    code, title_vi, title_en = PROCEDURES[key]
    proc = session.scalar(select(Procedure).where(Procedure.code == code).order_by(Procedure.version.desc()))
    if proc is None:
        proc = catalog.create_procedure(session, SYSTEM, catalog.NewProcedure(
            code=code, title_vi=title_vi, title_en=title_en,
            kind="verification" if key.startswith("verification:") else "calibration",
            instrument_type_id=instrument_type_id,
        ))
    return proc


def approved_record(session: Session, *, instrument: Instrument, procedure: Procedure, technician: User,
                    reviewer: User, points: Sequence[Point], standards: Sequence[ReferenceStandard],
                    kind: str, work_date: date, verdict: str | None = "auto",
                    environment: dict | None = None, decision_rule: dict | None = None,
                    place: str = "", remarks: str = "", adjusted: bool = False,
                    status: str = RecordStatus.approved.value) -> Record:
    """An approved record following the workflow's storage contract (see the module docstring)."""
    if verdict == "auto":
        verdicts = [p.verdict for p in points if p.verdict]
        verdict = ("fail" if "fail" in verdicts else "pass") if verdicts else None
    year = work_date.year
    number = workflow.RECORD_NUMBER.format(year=year, seq=next_value(session, "record", year))
    error_unit = points[0].unit if points else instrument.range_unit
    if error_unit == "degC":
        error_unit = "delta_degC"
    approved_at = datetime.combine(work_date, time(9, 0), tzinfo=UTC)
    record = Record(
        number=number, instrument_id=instrument.id, procedure_id=procedure.id, kind=kind,
        verification_type="periodic" if kind == "verification" else None, status=status,
        technician_id=technician.id, reviewer_id=reviewer.id, place=place, received_date=work_date - timedelta(days=1),
        work_date=work_date, environment=environment if environment is not None else dict(ENVIRONMENT),
        adjusted=adjusted, verdict=verdict, remarks=remarks, submitted_at=approved_at, approved_at=approved_at,
        results={
            "error_unit": error_unit,
            "coverage_probability": 0.95,
            "decision_rule": decision_rule if decision_rule is not None else SIMPLE_ACCEPTANCE,
            "verdict": verdict,
            "points": [dataclasses.asdict(p) for p in points],
            "budget": {},
            "computed_at": approved_at.isoformat(),
        },
    )
    for seq, p in enumerate(points, start=1):
        record.points.append(RecordPoint(
            seq=seq, test=p.test, label=p.label, nominal=p.nominal, unit=p.unit, readings=[p.indication],
            reference_value=p.nominal, indication=p.indication, error=p.error, uncertainty=p.uncertainty,
            coverage_factor=p.coverage_factor if p.uncertainty is not None else None, mpe=p.mpe, verdict=p.verdict,
        ))
    for std in standards:
        calibration = std.current_calibration
        if calibration is None:
            raise ValidationError(f"{std.code} has no calibration to record the work with.", field="standards")
        record.standards.append(RecordStandard(standard_id=std.id, calibration_id=calibration.id))
    session.add(record)
    session.flush()
    return record


def pressure_points(inst: Instrument, errors: Sequence[float], *, u: float = 0.08) -> list[Point]:
    """Rising-pressure calibration at 0, 25, 50, 75 and 100 % of the range (class-based MPE)."""
    span = inst.range_max - inst.range_min
    mpe = round(float(inst.accuracy_class or 1.6) / 100 * span, 9)
    out = []
    for frac, err in zip((0, 0.25, 0.5, 0.75, 1.0), errors, strict=False):  # fewer errors: fewer points
        nominal = round(inst.range_min + frac * span, 9)
        out.append(Point(nominal=nominal, indication=round(nominal + err, 9), error=err, uncertainty=u, mpe=mpe,
                         verdict="pass" if abs(err) <= mpe else "fail", unit=inst.range_unit, test="rising"))
    return out


@dataclasses.dataclass
class SampleLab:
    """A small lab set up through the catalog services: what tests and benchmarks issue from."""

    lab: Organisation
    customer: Organisation
    technician: User
    reviewer: User
    scale: Instrument  # class III, Max 60 kg, e = d = 0.01 kg
    gauge: Instrument  # class 1.6, 0-16 bar
    thermometer: Instrument  # resolution 0.1 °C
    weights: ReferenceStandard
    pressure_standard: ReferenceStandard
    thermometer_standard: ReferenceStandard
    scale_procedure: Procedure
    gauge_procedure: Procedure
    thermometer_procedure: Procedure
    work_date: date | None = None  # default day of the work for new records (else today)

    def scale_record(self, session: Session, errors_in_e: Sequence[float] = (0, 0, 1, 1), *,
                     work_date: date | None = None, instrument: Instrument | None = None) -> Record:
        """Periodic verification of the scale; errors in scale intervals at 0.2, 5, 20 and 60 kg."""
        inst = instrument or self.scale
        return approved_record(session, instrument=inst, procedure=self.scale_procedure,
                               technician=self.technician, reviewer=self.reviewer,
                               points=scale_points(inst, errors_in_e), standards=[self.weights],
                               kind="verification", work_date=work_date or self.work_date or date.today(),
                               place="Kho hàng số 2")

    def gauge_record(self, session: Session, errors: Sequence[float] = (0.0, 0.05, 0.1, 0.1, 0.15), *,
                     work_date: date | None = None) -> Record:
        """Calibration of the pressure gauge, rising pressure, U = 0.08 bar (k = 2)."""
        return approved_record(session, instrument=self.gauge, procedure=self.gauge_procedure,
                               technician=self.technician, reviewer=self.reviewer,
                               points=pressure_points(self.gauge, errors), standards=[self.pressure_standard],
                               kind="calibration", work_date=work_date or self.work_date or date.today(), verdict=None,
                               decision_rule={})

    def thermometer_record(self, session: Session, *, work_date: date | None = None) -> Record:
        """Calibration of the thermometer at −20, 0 and 100 °C (errors and U in delta_degC)."""
        points = [Point(nominal=n, indication=i, error=round(i - n, 9), uncertainty=0.12, mpe=None, verdict=None,
                        unit="degC", test="temperature") for n, i in ((-20.0, -20.1), (0.0, 0.0), (100.0, 100.2))]
        return approved_record(session, instrument=self.thermometer, procedure=self.thermometer_procedure,
                               technician=self.technician, reviewer=self.reviewer, points=points,
                               standards=[self.thermometer_standard], kind="calibration",
                               work_date=work_date or self.work_date or date.today(), verdict=None, decision_rule={})


SAMPLE_TYPES = (
    catalog.NewInstrumentType(code="S-CAN", name_vi="Cân không tự động", name_en="Non-automatic weighing instrument",
                              quantity="mass", unit="kg", requires_verification=True, verification_interval_months=12),
    catalog.NewInstrumentType(code="S-APKE", name_vi="Áp kế kiểu lò xo", name_en="Bourdon tube pressure gauge",
                              quantity="pressure", unit="bar", requires_verification=True,
                              verification_interval_months=12),
    catalog.NewInstrumentType(code="S-NK", name_vi="Nhiệt kế chỉ thị số", name_en="Digital thermometer",
                              quantity="temperature", unit="degC", requires_verification=False),
)


class SampleCalibration(NamedTuple):
    """A sample standard's external calibration, by a demo calibration lab against VMI's national
    standard of the quantity (a whole chain): a two-year certificate, in force from 400 days before
    the day it is recorded, so that records dated back in tests find it in force on their work date."""

    certificate_number: str
    calibrated_by: str  # a lab of lims.services.demo_traceability.LABS
    expanded_uncertainty: float
    uncertainty_unit: str

    def on(self, session: Session, quantity: str, today: date) -> standard_calibrations.NewStandardCalibration:
        return standard_calibrations.NewStandardCalibration(
            certificate_number=self.certificate_number, lab_id=calibration_lab(session, self.calibrated_by).id,
            national_standard_id=national_standard(session, quantity).id,
            calibration_date=today - timedelta(days=400), due_date=today + timedelta(days=330),
            expanded_uncertainty=self.expanded_uncertainty, uncertainty_unit=self.uncertainty_unit,
            coverage_factor=2)


#: (standard, its calibration in force) of the sample lab: weights, pressure, temperature.
SAMPLE_STANDARDS = (
    (catalog.NewReferenceStandard(code="S-QC-M1", name="Bộ quả cân chuẩn M1 (1 g – 100 kg)", quantity="mass",
                                  range_min=0.001, range_max=100, range_unit="kg", accuracy_class="M1",
                                  serial_number="QC-2201"),
     SampleCalibration(certificate_number="VMI-KL-0415", calibrated_by=VMI,
                       expanded_uncertainty=0.33, uncertainty_unit="mg")),
    (catalog.NewReferenceStandard(code="S-AP-01", name="Áp kế chuẩn chỉ thị số", quantity="pressure",
                                  range_min=0, range_max=60, range_unit="bar"),
     SampleCalibration(certificate_number="VMI-AS-0188", calibrated_by=VMI,
                       expanded_uncertainty=15, uncertainty_unit="mbar")),
    (catalog.NewReferenceStandard(code="S-PRT-01", name="Nhiệt kế điện trở platin chuẩn", quantity="temperature",
                                  range_min=-50, range_max=400, range_unit="degC"),
     SampleCalibration(certificate_number="Q1-NĐ-0932", calibrated_by=QUATEST1,
                       expanded_uncertainty=0.03, uncertainty_unit="delta_degC")),
)


def _sample_standard(session: Session, new: catalog.NewReferenceStandard,
                     calibration: SampleCalibration) -> ReferenceStandard:
    std = catalog.create_reference_standard(session, SYSTEM, new)
    standard_calibrations.add_standard_calibration(session, SYSTEM, std.id,
                                                   calibration.on(session, new.quantity, date.today()))
    return std


def _sample_instruments(session: Session, owner_id: int,
                        types: dict[str, InstrumentType]) -> tuple[Instrument, ...]:
    """The scale, the pressure gauge and the thermometer of the sample lab's customer."""
    scale, gauge, thermometer = (types[code].id for code in ("S-CAN", "S-APKE", "S-NK"))
    instruments = (
        catalog.NewInstrument(owner_id=owner_id, type_id=scale, manufacturer="Mettler Toledo", model="ICS425",
                              serial_number="MT-0001", range_min=0, range_max=60, range_unit="kg", resolution=0.01,
                              accuracy_class="III"),
        catalog.NewInstrument(owner_id=owner_id, type_id=gauge, manufacturer="Wika", model="213.53",
                              serial_number="WK-0001", range_min=0, range_max=16, range_unit="bar", resolution=0.5,
                              accuracy_class="1.6"),
        catalog.NewInstrument(owner_id=owner_id, type_id=thermometer, manufacturer="Testo", model="104",
                              serial_number="TS-0001", range_min=-50, range_max=250, range_unit="degC",
                              resolution=0.1),
    )
    return tuple(catalog.create_instrument(session, SYSTEM, new) for new in instruments)


def sample_lab(session: Session, *, technician: User | None = None, reviewer: User | None = None,
               password: str = "sample-lab-password") -> SampleLab:
    """Create the lab, a customer, instruments, standards with a calibration in force, procedures."""
    lab = catalog.the_lab(session) or catalog.create_organisation(session, SYSTEM, catalog.NewOrganisation(
        name="Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng", kind="lab",
        address="Số 2 đường Hoàng Văn Thụ, thành phố Lạng Sơn", phone="0205 3812 345"))
    customer = catalog.create_organisation(session, SYSTEM, catalog.NewOrganisation(
        name="Công ty TNHH Cân Đo Hải Đăng", address="Chợ Đông Kinh, Lạng Sơn", phone="0912 000 111"))
    technician = technician or create_user(session, SYSTEM, NewUser(
        username="sample.technician", password=Password(password), roles=("technician",), full_name="Nguyễn Thị Lan"))
    reviewer = reviewer or create_user(session, SYSTEM, NewUser(
        username="sample.reviewer", password=Password(password), roles=("reviewer",), full_name="Lê Đức Minh"))
    types = {new.code: catalog.create_instrument_type(session, SYSTEM, new) for new in SAMPLE_TYPES}
    scale, gauge, thermometer = _sample_instruments(session, customer.id, types)
    weights, pressure, thermo = (_sample_standard(session, std, cal) for std, cal in SAMPLE_STANDARDS)
    session.flush()
    return SampleLab(
        lab=lab, customer=customer, technician=technician, reviewer=reviewer, scale=scale, gauge=gauge,
        thermometer=thermometer, weights=weights, pressure_standard=pressure, thermometer_standard=thermo,
        scale_procedure=ensure_procedure(session, "verification:mass", types["S-CAN"].id),
        gauge_procedure=ensure_procedure(session, "calibration:pressure", types["S-APKE"].id),
        thermometer_procedure=ensure_procedure(session, "calibration:temperature", types["S-NK"].id),
    )
