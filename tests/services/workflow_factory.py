"""Test data for the workflow tests: a lab, a business, users, standards, instruments, procedures.

Every number is chosen so the expected results can be worked by hand in the tests:

* scale: OIML R76-1 class III, Max 60 kg, e = d = 0.01 kg (n = 6 000);
* pressure gauge: 0–16 bar, accuracy class 1.6 (EN 837-1: ±1.6 % of span = ±0.256 bar),
  reading resolution 0.1 bar;
* thermometer: −50 … 250 °C, resolution 0.1 °C, MPE ±0.5 °C (non-binary rule, w = U);
* standards: F1 weights 1 mg – 20 kg (U = 0.33 mg, k = 2), M1 weights 1–500 kg (U = 2 g, k = 2),
  a pressure gauge 0–60 bar (U = 15 mbar), a reference thermometer (U = 0.02 °C), and a
  thermometer whose calibration is past due.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from types import SimpleNamespace

from sqlalchemy import select

from lims.models import Procedure, User, UserRole
from lims.services import catalog, standard_calibrations, workflow
from lims.services.policy import SYSTEM
from lims.services.workflow import procedures
from tests.helpers import PASSWORD


@lru_cache(maxsize=1)
def _password_hash() -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash(PASSWORD)


def create_user(db, _actor, *, username, password, roles, full_name, organisation_id):
    """Users with the test password, hashed once per run (hashing is slow on purpose)."""
    assert password == PASSWORD
    user = User(username=username, password_hash=_password_hash(), full_name=full_name,
                organisation_id=organisation_id, role_rows=[UserRole(role=r) for r in roles])
    db.add(user)
    db.flush()
    return user


@dataclass
class Lab:
    lab: object
    business: object
    other_business: object
    users: dict = field(default_factory=dict)
    types: dict = field(default_factory=dict)
    standards: dict = field(default_factory=dict)
    instruments: dict = field(default_factory=dict)
    procedures: dict = field(default_factory=dict)
    national: dict = field(default_factory=dict)  # VMI's national standards by quantity

    def __getattr__(self, name):  # lab.tech, lab.reviewer ...
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)


def national_standards(db) -> dict[str, object]:
    """VMI, a national metrology institute, and its national standards of mass, pressure and
    temperature: the top of every test standard's traceability chain."""
    vmi = catalog.create_organisation(db, SYSTEM, catalog.NewOrganisation(
        name="Viện Đo lường Việt Nam (VMI)", kind="calibration_lab", national_institute=True))
    make = standard_calibrations.create_national_standard
    return {quantity: make(db, SYSTEM, standard_calibrations.NewNationalStandard(
        institute_id=vmi.id, name=f"National {quantity} standard", quantity=quantity, kcdb_ref=f"VMI-{quantity}"))
        for quantity in ("mass", "pressure", "temperature")}


def _standard(db, national, code, quantity, rmin, rmax, unit, u, u_unit, *, cal_days_ago=60, due_in=300):
    """A standard calibrated by VMI against its national standard of the quantity (a whole chain)."""
    std = catalog.create_reference_standard(db, SYSTEM, catalog.NewReferenceStandard(
        code=code, name=f"Standard {code}", quantity=quantity, range_min=rmin, range_max=rmax, range_unit=unit))
    today = date.today()
    top = national[quantity]
    standard_calibrations.add_standard_calibration(db, SYSTEM, std.id, standard_calibrations.NewStandardCalibration(
        certificate_number=f"CAL-{code}", lab_id=top.institute_id, national_standard_id=top.id,
        calibration_date=today - timedelta(days=cal_days_ago), due_date=today + timedelta(days=due_in),
        expanded_uncertainty=u, uncertainty_unit=u_unit, coverage_factor=2))
    return std


def make_lab(db) -> Lab:
    lab_org = catalog.create_organisation(db, SYSTEM, catalog.NewOrganisation(name="Trung tâm TĐC", kind="lab"))
    biz = catalog.create_organisation(db, SYSTEM, catalog.NewOrganisation(name="Công ty Cân Việt",
                                                                          tax_code="0101234567"))
    other = catalog.create_organisation(db, SYSTEM, catalog.NewOrganisation(name="HTX Rau sạch",
                                                                            tax_code="0107654321"))
    lab = Lab(lab_org, biz, other)
    for username, roles, org in [
        ("tech", ["technician"], lab_org.id), ("tech2", ["technician"], lab_org.id),
        ("reviewer", ["reviewer"], lab_org.id), ("techrev", ["technician", "reviewer"], lab_org.id),
        ("biz", ["business"], biz.id), ("otherbiz", ["business"], other.id),
    ]:
        lab.users[username] = create_user(db, SYSTEM, username=username, password=PASSWORD, roles=roles,
                                          full_name=username.title(), organisation_id=org)
    lab.types["scale"] = catalog.create_instrument_type(db, SYSTEM, catalog.NewInstrumentType(
        code="CAN-KTD", name_vi="Cân không tự động", name_en="Non-automatic weighing instrument",
        quantity="mass", unit="kg", requires_verification=True, verification_interval_months=12))
    lab.types["dial"] = catalog.create_instrument_type(db, SYSTEM, catalog.NewInstrumentType(
        code="CAN-DHLX", name_vi="Cân đồng hồ lò xo", name_en="Spring dial scale",
        quantity="mass", unit="kg", requires_verification=True, verification_interval_months=24))
    lab.types["gauge"] = catalog.create_instrument_type(db, SYSTEM, catalog.NewInstrumentType(
        code="AP-KE", name_vi="Áp kế", name_en="Pressure gauge", quantity="pressure", unit="bar",
        requires_verification=True, verification_interval_months=12))
    lab.types["thermometer"] = catalog.create_instrument_type(db, SYSTEM, catalog.NewInstrumentType(
        code="NHIET-KE", name_vi="Nhiệt kế", name_en="Thermometer", quantity="temperature", unit="degC"))
    national = lab.national = national_standards(db)
    lab.standards["F1"] = _standard(db, national, "F1", "mass", 0.000001, 20, "kg", 0.33, "mg")
    lab.standards["M1"] = _standard(db, national, "M1", "mass", 1, 500, "kg", 2, "g")
    lab.standards["P"] = _standard(db, national, "P60", "pressure", 0, 60, "bar", 15, "mbar")
    lab.standards["T"] = _standard(db, national, "PRT", "temperature", -80, 300, "degC", 0.02, "delta_degC")
    lab.standards["T_old"] = _standard(db, national, "PRT-OLD", "temperature", -50, 400, "degC", 0.03, "delta_degC",
                                       cal_days_ago=400, due_in=-35)
    lab.instruments["scale"] = catalog.create_instrument(db, SYSTEM, catalog.NewInstrument(
        owner_id=biz.id, type_id=lab.types["scale"].id, manufacturer="Mettler Toledo", model="ICS425",
        serial_number="SC-60", range_min=0, range_max=60, range_unit="kg", resolution=0.01, accuracy_class="III"))
    lab.instruments["gauge"] = catalog.create_instrument(db, SYSTEM, catalog.NewInstrument(
        owner_id=biz.id, type_id=lab.types["gauge"].id, manufacturer="Wika", model="213.53",
        serial_number="PG-16", range_min=0, range_max=16, range_unit="bar", resolution=0.1,
        accuracy_class="1.6", calibration_interval_months=6))
    lab.instruments["thermometer"] = catalog.create_instrument(db, SYSTEM, catalog.NewInstrument(
        owner_id=biz.id, type_id=lab.types["thermometer"].id, manufacturer="Testo", model="104",
        serial_number="TH-104", range_min=-50, range_max=250, range_unit="degC", resolution=0.1))
    lab.instruments["other_scale"] = catalog.create_instrument(db, SYSTEM, catalog.NewInstrument(
        owner_id=other.id, type_id=lab.types["scale"].id, serial_number="SC-OTHER", range_min=0,
        range_max=60, range_unit="kg", resolution=0.01, accuracy_class="III"))
    procedures.load_procedures(db, SYSTEM)
    for key, code in (("r76", "QTKĐ-CKTĐ-R76"), ("pressure", "QTHC-AK-837"), ("thermometer", "QTHC-NK-SS")):
        lab.procedures[key] = db.scalar(select(Procedure).where(Procedure.code == code, Procedure.active.is_(True)))
    db.commit()
    return lab


def open_scale_record(db, lab: Lab, *, technician=None, work_date: date | None = None, via_request: bool = True):
    """A verification record of the 60 kg scale, opened from a business's request."""
    technician = technician or lab.tech
    # A work date more than 30 days back needs a reason (LIMS_WORK_DATE_MAX_DAYS_BACK).
    reason = "Biên bản giấy nhập lại" if work_date and work_date < date.today() - timedelta(days=30) else None
    if via_request:
        req = workflow.create_service_request(db, lab.biz, workflow.NewServiceRequest(
            kind="verification", verification_type="periodic", instrument_ids=[lab.instruments["scale"].id]))
        data = workflow.OpenRecord(request_item_id=req.items[0].id, procedure_id=lab.procedures["r76"].id,
                                   work_date=work_date, work_date_reason=reason)
    else:
        data = workflow.OpenRecord(instrument_id=lab.instruments["scale"].id, kind="verification",
                                   procedure_id=lab.procedures["r76"].id, work_date=work_date,
                                   work_date_reason=reason)
    rec = workflow.open_record(db, technician, data)
    db.commit()
    return rec


# Readings of a scale that passes: errors (in e) at Min, 500 e, 2000 e, 50 % Max, Max; eccentricity; repeatability.
PASSING = {0.2: [0.2], 5.0: [5.0], 20.0: [20.01], 30.0: [30.01], 60.0: [60.01]}
HALF_E = 0.005  # ΔL = ½e of the change-point method (OIML R76-1 A.4.4.3): E = I + ½e − ΔL − L = I − L


def scale_points(rec, *, weighing=None, eccentricity=(20.0, 20.01, 20.0, 19.99),
                 repeatability=(30.0, 30.01, 30.01), added_load=HALF_E):
    """Every point of the R76 procedure filled: zero, loads up and down, eccentricity (4 positions),
    repeatability, discrimination (the indication before and after 1.4 d, up by d)."""
    weighing = weighing or PASSING
    points, ecc = [], iter(eccentricity)
    cp = {} if added_load is None else {"added_load": added_load}
    for p in rec.points:
        if p.test in ("weighing", "weighing_down"):
            points.append({"seq": p.seq, "readings": weighing[p.nominal], **cp})
        elif p.test == "eccentricity":
            points.append({"seq": p.seq, "readings": [next(ecc)], **cp})
        elif p.test == "zero":
            points.append({"seq": p.seq, "readings": [0.0], **cp})
        elif p.test == "discrimination":
            points.append({"seq": p.seq, "readings": [p.nominal, round(p.nominal + 0.01, 9)]})
        else:
            points.append({"seq": p.seq, "readings": list(repeatability)})
    return points


def all_checks_ok(rec) -> dict:
    """The procedure's checklist (OIML R76-1 A.1), every item found in order."""
    return {item["key"]: {"ok": True, "note": ""} for item in rec.procedure.spec.get("checks", [])}


def complete_scale_record(db, lab: Lab, rec, *, technician=None, **kwargs):
    technician = technician or lab.tech
    rec = workflow.save_record(db, technician, rec.id, workflow.SaveRecord(
        version_id=rec.version_id, environment={"temperature": 23.5, "humidity": "55 %RH"},
        standards=[lab.standards["F1"].id, lab.standards["M1"].id], points=scale_points(rec, **kwargs),
        checks=all_checks_ok(rec)))
    db.commit()
    return rec


def add_due_instruments(db, lab: Lab) -> None:
    """Three scales due around today: OVER-1 (3 days overdue) and SOON-1 (due in 10 days) of the
    business, OTHER-1 (1 day overdue) of the other business."""
    today = date.today()
    for serial, owner, days in (("OVER-1", lab.business, -3), ("SOON-1", lab.business, 10),
                                ("OTHER-1", lab.other_business, -1)):
        catalog.create_instrument(db, SYSTEM, catalog.NewInstrument(
            owner_id=owner.id, type_id=lab.types["scale"].id, serial_number=serial, range_max=60,
            range_unit="kg", resolution=0.01, accuracy_class="III", next_due=today + timedelta(days=days)))
    db.commit()


def ns(**kwargs) -> SimpleNamespace:
    return SimpleNamespace(**kwargs)
