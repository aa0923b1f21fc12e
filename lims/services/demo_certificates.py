"""Demo certificates in every state, and approved records to issue them from.

The seeder issues certificates for approved records that have none (those of the workflow's
own demo, when it ran first), then makes sure the demo shows each state a user meets: a
valid verification certificate, a valid calibration certificate, a superseded one (with the
certificate that replaced it), a revoked one, and a notice of non-conformity for a scale
that failed its verification.

:func:`approved_record` builds a record the way the workflow stores one (points with their
computed errors, uncertainties, MPEs and verdicts; results; environment; the standards with
their calibration in force). The seeder, the tests and the benchmark use it.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.errors import LimsError, ValidationError
from lims.models import (
    Certificate,
    CertificateStatus,
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
from lims.services import catalog, workflow
from lims.services import certificates as certs
from lims.services.demo import DemoContext, seeder
from lims.services.numbering import next_value
from lims.services.policy import SYSTEM
from lims.services.users import NewUser, Password, create_user

for _name in ("demo_workflow", "demo_records", "demo_requests"):  # their seeders run first
    try:
        __import__(f"lims.services.{_name}")
    except ImportError:
        pass

#: OIML R76-1 table 6, MPE at verification in multiples of e: (upper bound in e, MPE in e) per class.
R76_MPE = {
    "I": ((50_000, 0.5), (200_000, 1.0), (float("inf"), 1.5)),
    "II": ((5_000, 0.5), (20_000, 1.0), (float("inf"), 1.5)),
    "III": ((500, 0.5), (2_000, 1.0), (float("inf"), 1.5)),
    "IIII": ((50, 0.5), (200, 1.0), (float("inf"), 1.5)),
}
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
    return next(mpe for upper, mpe in R76_MPE[accuracy_class] if load_e <= upper)


def scale_points(inst: Instrument, errors_in_e: Sequence[float]) -> list[Point]:
    """Weighing test at Min (20 e), 500 e, 2000 e and Max (as far as Max allows), OIML R76-1 MPEs.

    ``errors_in_e`` gives the error at each load in scale intervals (e = the resolution).
    """
    e = inst.resolution or 1.0
    loads = [x * e for x in (20, 500, 2000) if x * e < inst.range_max] + [inst.range_max]
    klass = inst.accuracy_class if inst.accuracy_class in R76_MPE else "III"
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
    """A sample standard's external calibration, in force from 100 days before the day it is recorded."""

    certificate_number: str
    calibrated_by: str
    expanded_uncertainty: float
    uncertainty_unit: str

    def on(self, today: date) -> catalog.NewStandardCalibration:
        return catalog.NewStandardCalibration(
            certificate_number=self.certificate_number, calibrated_by=self.calibrated_by,
            calibration_date=today - timedelta(days=100), due_date=today + timedelta(days=265),
            expanded_uncertainty=self.expanded_uncertainty, uncertainty_unit=self.uncertainty_unit,
            coverage_factor=2)


#: (standard, its calibration in force) of the sample lab: weights, pressure, temperature.
SAMPLE_STANDARDS = (
    (catalog.NewReferenceStandard(code="S-QC-M1", name="Bộ quả cân chuẩn M1 (1 g – 100 kg)", quantity="mass",
                                  range_min=0.001, range_max=100, range_unit="kg", accuracy_class="M1",
                                  serial_number="QC-2201"),
     SampleCalibration(certificate_number="VMI-KL-0415", calibrated_by="Viện Đo lường Việt Nam (VMI)",
                       expanded_uncertainty=0.33, uncertainty_unit="mg")),
    (catalog.NewReferenceStandard(code="S-AP-01", name="Áp kế chuẩn chỉ thị số", quantity="pressure",
                                  range_min=0, range_max=60, range_unit="bar"),
     SampleCalibration(certificate_number="VMI-AS-0188", calibrated_by="Viện Đo lường Việt Nam (VMI)",
                       expanded_uncertainty=15, uncertainty_unit="mbar")),
    (catalog.NewReferenceStandard(code="S-PRT-01", name="Nhiệt kế điện trở platin chuẩn", quantity="temperature",
                                  range_min=-50, range_max=400, range_unit="degC"),
     SampleCalibration(certificate_number="Q1-NĐ-0932", calibrated_by="QUATEST 1",
                       expanded_uncertainty=0.03, uncertainty_unit="delta_degC")),
)


def _sample_standard(session: Session, new: catalog.NewReferenceStandard,
                     calibration: SampleCalibration) -> ReferenceStandard:
    std = catalog.create_reference_standard(session, SYSTEM, new)
    catalog.add_standard_calibration(session, SYSTEM, std.id, calibration.on(date.today()))
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


def _user(session: Session, ctx: DemoContext, username: str, role: str) -> User:
    user = ctx.user_objs.get(username) or session.scalar(select(User).where(User.username == username))
    if user is None:
        user = next(u for u in session.scalars(select(User)) if role in u.roles)
    return user


def record_through_workflow(session: Session, technician: User, reviewer: User, inst: Instrument, kind: str,
                            error_at_max: float, *, work_date: date) -> Record | None:
    """Open, fill, save, submit and approve a record with the workflow's services (which issue its
    certificate). Readings are the nominal values, plus ``error_at_max`` at the top of the range.

    Returns None, having written nothing, when the workflow cannot make this record (no procedure
    for the instrument type, no usable standard, or a reading the procedure refuses).
    """
    procs = [p for p in session.scalars(select(Procedure).where(
        Procedure.active.is_(True), Procedure.kind == kind, Procedure.instrument_type_id == inst.type_id,
    ).order_by(Procedure.id)) if workflow.usable_procedure(p)]
    if not procs:
        return None
    savepoint = session.begin_nested()
    try:
        rec = workflow.open_record(session, technician, workflow.OpenRecord(
            instrument_id=inst.id, kind=kind, procedure_id=procs[0].id, work_date=work_date,
            place=inst.location or None))
        spec = rec.procedure.spec
        counts = {t["test"]: int(t.get("readings", 1)) for t in spec.get("tests", [])}
        conditions = {"temperature": 24.8, "humidity": 62}
        env = {i["key"]: conditions[i["key"]] for i in spec.get("environment", []) if i["key"] in conditions}
        standards = [std.id for std, problem in workflow.standard_choices(session, rec) if problem is None]
        points = []
        for p in rec.points:
            if p.nominal is None:  # a point to read against a reference: not one this helper can fill
                raise ValidationError(f"Point {p.seq} has no nominal value.", field="points")
            shown = p.nominal + (error_at_max if abs(p.nominal - inst.range_max) < 1e-9 else 0.0)
            points.append({"seq": p.seq, "readings": [round(shown, 9)] * counts.get(p.test, 1)})
        rec = workflow.save_record(session, technician, rec.id, workflow.SaveRecord(
            version_id=rec.version_id, environment=env, standards=standards, points=points))
        workflow.submit_record(session, technician, rec.id, workflow.Version(version_id=rec.version_id))
        workflow.approve_record(session, reviewer, rec.id, workflow.Version(version_id=rec.version_id))
    except LimsError:
        savepoint.rollback()
        return None
    savepoint.commit()
    return rec


class _Seeding:
    """The demo's certificate states, made by the reviewer and technician of the demo."""

    def __init__(self, session: Session, ctx: DemoContext, context: certs.CertificateContext) -> None:
        self.session, self.context = session, context
        self.reviewer = _user(session, ctx, "soatxet.minh", "reviewer")
        self.technician = _user(session, ctx, "ktv.lan", "technician")
        self.today = date.today()
        instruments = ctx.instruments or list(session.scalars(select(Instrument).order_by(Instrument.id)))
        self.scales = [i for i in instruments if i.type.quantity == "mass" and i.resolution]
        self.gauges = [i for i in instruments if i.type.quantity == "pressure"]
        self.mass_std = [s for s in ctx.standards.values() if s.quantity == "mass" and s.current_calibration]
        self.pressure_std = [s for s in ctx.standards.values() if s.quantity == "pressure" and s.current_calibration]

    def issue(self, record: Record) -> Certificate:
        return certs.issue_for_record(self.session, self.reviewer, record, context=self.context)

    def issue_missing(self) -> None:
        issued = {r for (r,) in self.session.execute(select(Certificate.record_id))}
        for record in self.session.scalars(select(Record).where(Record.status == RecordStatus.approved.value)
                                           .order_by(Record.id)):
            if record.id not in issued and record.kind in ("verification", "calibration"):
                self.issue(record)

    def certificate_of(self, record: Record | None) -> Certificate | None:
        return None if record is None else self.session.scalar(
            select(Certificate).where(Certificate.record_id == record.id))

    def verify(self, inst: Instrument, errors_e: Sequence[float]) -> Certificate:
        e = inst.resolution or 1.0
        work_date = self.today - timedelta(days=2)
        cert = self.certificate_of(record_through_workflow(self.session, self.technician, self.reviewer, inst,
                                                           "verification", errors_e[-1] * e, work_date=work_date))
        if cert is not None:
            return cert
        proc = ensure_procedure(self.session, "verification:mass", inst.type_id)
        return self.issue(approved_record(
            self.session, instrument=inst, procedure=proc, technician=self.technician, reviewer=self.reviewer,
            points=scale_points(inst, errors_e), standards=self.mass_std[:1], kind="verification",
            work_date=work_date, place=inst.location))

    def valid(self, kind: str) -> list[Certificate]:
        return [c for c in self.session.scalars(select(Certificate).where(
            Certificate.kind == kind, Certificate.status == CertificateStatus.valid.value).order_by(Certificate.id))
            if not (c.document or {}).get("summary", {}).get("notice")]

    def calibrate_gauge(self) -> None:
        gauge = self.gauges[0]
        work_date = self.today - timedelta(days=1)
        rec = record_through_workflow(self.session, self.technician, self.reviewer, gauge, "calibration", 0.1,
                                      work_date=work_date)
        if rec is None:
            proc = ensure_procedure(self.session, "calibration:pressure", gauge.type_id)
            self.issue(approved_record(
                self.session, instrument=gauge, procedure=proc, technician=self.technician, reviewer=self.reviewer,
                points=pressure_points(gauge, (0.0, 0.05, 0.1, 0.1, 0.15)), standards=self.pressure_std[:1],
                kind="calibration", work_date=work_date, verdict=None, decision_rule={}))

    def every_state(self) -> None:
        """Valid, superseded, revoked and notice of non-conformity; a valid calibration."""
        if not self.scales or not self.mass_std:
            return
        if not self.valid("verification"):
            self.verify(self.scales[0], (0, 0, 1, 1))
        # A verification certificate corrected afterwards: the customer's address was wrong on it.
        first = self.valid("verification")[0]
        certs.amend_certificate(self.session, self.reviewer, first.id, certs.AmendCertificate(
            reason="Sửa địa chỉ khách hàng ghi sai trên giấy chứng nhận số " + first.number), context=self.context)
        if len(self.scales) > 1:
            # Valid, then revoked: the weights used were found out of tolerance afterwards.
            revoked = self.verify(self.scales[1], (0, 0, 0, 0))
            certs.revoke_certificate(self.session, self.reviewer, revoked.id, certs.RevokeCertificate(
                reason="Quả cân chuẩn sử dụng bị phát hiện vượt dung sai sau khi kiểm định; phải kiểm định lại."))
        if len(self.scales) > 2:
            self.verify(self.scales[2], (0, 1, 2, 4))  # 4 e at Max: fails, a notice of non-conformity
        if not self.valid("calibration") and self.gauges and self.pressure_std:
            self.calibrate_gauge()


@seeder
def seed_certificates(session: Session, ctx: DemoContext) -> None:
    """Issue what approved records lack, then show every state (valid, superseded, revoked, notice).

    Records are made through the workflow (approval issues the certificate) where it can make
    them, else stored directly as the workflow would store them. The demo's transaction is
    committed here and the issued PDFs are written after it.
    """
    context = dataclasses.replace(certs.current_context(), base_url=ctx.base_url.rstrip("/"))
    with certs.use_context(context):  # the workflow's approval issues with the current context
        seeding = _Seeding(session, ctx, context)
        seeding.issue_missing()
        seeding.every_state()
    session.commit()
    certs.write_pending(session)


def demo_states(session: Session) -> dict[str, Any]:
    """Count of certificates per stored status (for checks and the report of ``lims demo``)."""
    out: dict[str, Any] = {s.value: 0 for s in CertificateStatus}
    for (status,) in session.execute(select(Certificate.status)):
        out[status] = out.get(status, 0) + 1
    return out
