"""Demo of the workflow: procedures, service requests and records in every state.

Readings are captured from the simulated devices on ``mock://`` ports, as a technician's
workstation would read a balance, a pressure controller, a reference thermometer and a
thermo-hygrometer. After this seeder a new user finds:

* a scale verification **approved** (with its certificate) and a thermometer calibration
  **approved** with a conditional pass at one point (non-binary decision rule);
* a pressure gauge calibration **submitted**, waiting for review;
* a scale verification **returned** by the reviewer with a comment;
* a scale verification in **draft**, half done;
* a service request filed by a business from its portal, not yet accepted;
* instruments overdue and due soon for the recall list, two of them (Hữu Nghị's market scales) in no
  request yet, for its dashboard's "Due and overdue instruments".
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.errors import LimsError
from lims.i18n import current_language
from lims.metrology.r76_tests import CHANGE_POINT_TESTS
from lims.models import Instrument, Organisation, Procedure, Record, RecordPoint, ReferenceStandard, User
from lims.services import audit, catalog, office_summary, workflow
from lims.services.demo import DemoContext, seeder
from lims.services.demo_standards import demo_standard
from lims.services.policy import SYSTEM
from lims.services.workflow.devices import decimals_of, read_device
from lims.services.workflow.procedures import load_procedures


def _procedure(session: Session, code: str) -> Procedure:
    proc = session.scalar(select(Procedure).where(Procedure.code == code, Procedure.active.is_(True)))
    if proc is None:  # loaded from lims/procedures/ by the seeder itself
        raise LimsError(f"The demo needs the procedure {code}, which is not loaded.")
    return proc


def _nominal(point: RecordPoint) -> float:
    """The nominal value of a point planned from a procedure (every demo procedure gives one)."""
    if point.nominal is None:
        raise LimsError(f"Point {point.seq} of the demo's record has no nominal value.")
    return point.nominal


def _instrument(session: Session, ctx: DemoContext, new: catalog.NewInstrument) -> Instrument:
    inst = catalog.create_instrument(session, SYSTEM, new)
    ctx.instruments.append(inst)
    return inst


def _set_due(session: Session, inst: Instrument, due: date) -> None:
    before = {"next_due": inst.next_due}
    inst.next_due = due
    session.flush()
    audit.record(session, SYSTEM, "instrument.next_due", inst, before=before, after={"next_due": due})
    office_summary.refresh_overdue(session, inst.id)


def _capture(port: str, driver: str, count: int = 1) -> tuple[list[str], dict]:
    """Readings as text with their units ("6200,0 mbar" on a Vietnamese page), and where they came from."""
    readings = read_device(port, driver, count=count, until_stable=True, timeout=10)
    source = {"port": port, "driver": driver, "raw": [r.raw for r in readings], "at": readings[-1].at}
    # As the record page's capture button fills the field: the page's decimal mark, no grouping.
    mark = "," if current_language() == "vi" else "."
    return [f"{r.value!r}".replace(".", mark) + f" {r.unit}" for r in readings], source


def _balance(inst: Instrument, load: float, offset: float, count: int = 1, noise: float = 0.0,
             seed: int = 0) -> tuple[list[str], dict]:
    d = decimals_of(inst.resolution)
    port = (f"mock://mt-sics?weight={load + offset:.{d}f}{inst.range_unit}&capacity={2 * inst.range_max:g}"
            f"{inst.range_unit}&settle=2&noise={noise:g}&seed={seed}")
    return _capture(port, "mt-sics", count)


def _environment(temperature: float, rh: float) -> dict:
    port = f"mock://hmt330?temperature={temperature:.1f}C&rh={rh:.1f}"
    readings = read_device(port, "hmt330", count=1, until_stable=True, timeout=10)
    env = {}
    for r in readings:
        key = "humidity" if r.unit == "percent_RH" or r.channel == "humidity" else "temperature"
        env[key] = {"value": r.value, "unit": "percent_RH" if key == "humidity" else "degC", "device": port}
    return env


def _scale_points(record: Record, offsets: dict, *, skip_tests: tuple = ()) -> list[dict]:
    """Capture every point of a scale record from the simulated balance (offset = its error in e).

    Where the procedure uses the change-point method (OIML R76-1 A.4.4.3) the technician's
    additional load ΔL goes with the point: 0.6 e where the indication is high by a whole number of
    e (0.4 e where low), so that E = I + ½e − ΔL − L is 0.1 e closer to zero than the indication's
    offset, and 0.4 e, 0.5 e, 0.6 e in turn where it shows no offset. The
    discrimination test (A.4.8.2) reads the indication before and after an extra 1.4 d.
    """
    inst = record.instrument
    e = inst.scale_interval or inst.resolution or 0.0
    d = inst.resolution or e
    change_point = bool(record.procedure.spec.get("change_point")) and abs(d - e) <= 1e-9 * e
    points = []
    ecc = 0
    for p in record.points:
        if p.test in skip_tests:
            continue
        nominal = _nominal(p)
        if p.test == "eccentricity":
            offset = offsets.get("eccentricity", [0.0])[ecc % len(offsets.get("eccentricity", [0.0]))]
            ecc += 1
        else:  # by (test, load) where up and down differ, else by load
            offset = offsets.get((p.test, nominal), offsets.get(nominal, 0.0))
        count = 3 if p.test == "repeatability" else 1
        values, source = _balance(inst, nominal, offset * e, count, noise=d * 0.4 if count > 1 else 0.0, seed=p.seq)
        entry: dict = {"seq": p.seq, "readings": values, "source": source}
        if p.test == "discrimination":
            after, more = _balance(inst, nominal + 1.4 * d, offset * e, seed=p.seq)
            entry = {"seq": p.seq, "readings": values + after, "source": {**source, "raw": source["raw"] + more["raw"]}}
        elif change_point and p.test in CHANGE_POINT_TESTS:
            step = (0.6 if offset > 0 else 0.4) if offset else (0.4, 0.5, 0.6)[p.seq % 3]
            entry["added_load"] = round(step * e, 9)
        points.append(entry)
    return points


def _all_checks_ok(record: Record) -> dict:
    """The checklist of the record's procedure (OIML R76-1 A.1), every item found in order."""
    return {item["key"]: {"ok": True, "note": ""} for item in record.procedure.spec.get("checks", [])}


def _user(ctx: DemoContext, session: Session, username: str) -> User | None:
    return ctx.user_objs.get(username) or session.scalar(select(User).where(User.username == username))


@dataclass(frozen=True)
class _Cast:
    """The people of the demo's stories."""

    lan: User
    hung: User
    minh: User
    business: User


def _demo_standards(session: Session, ctx: DemoContext) -> tuple[ReferenceStandard, ReferenceStandard]:
    """The M1 weights and the reference thermometer the stories use (besides the foundation's)."""
    m1, prt = (demo_standard(session, code) for code in ("QC-M1-500", "NK-CHUAN-02"))
    ctx.standards.update({m1.code: m1, prt.code: prt})
    return m1, prt


def _demo_instruments(session: Session, ctx: DemoContext, scale6: Instrument, gauge: Instrument,
                      scale150: Instrument) -> dict[str, Instrument]:
    """Instruments for the recall list, and due dates for the ones the foundation made (by serial)."""
    today = date.today()
    hn, ms = ctx.businesses[:2]
    types = ctx.types
    gauge25 = _instrument(session, ctx, catalog.NewInstrument(
        owner_id=hn.id, type_id=types["AP-KE"].id, manufacturer="Wika", model="232.50",
        serial_number="WK-2311840", range_min=0, range_max=25, range_unit="bar", resolution=0.1,
        accuracy_class="1.0", location="Nồi hơi số 2", calibration_interval_months=12))
    extra = [
        (hn, "CAN-KTD", "Kho hàng cửa khẩu Đồng Đăng", "CAS", "DB-II 300", "CAS-300-1182", 300, "kg", 0.1, "III",
         today - timedelta(days=20)),  # e = d = 100 g, 4 load cells, additive tare up to 30 kg
        (hn, "CAN-KTD", "Cửa hàng Hữu Nghị, chợ Đông Kinh", "Nhơn Hòa", "NHS-30", "NH-30-55120", 30, "kg", 0.1, "IIII",
         today + timedelta(days=10)),
        (hn, "AP-KE", "Trạm bơm nước Đồng Đăng", "Wika", "111.10", "WK-0907712", 10, "bar", 0.2, "2.5",
         today - timedelta(days=3)),
        (ms, "CAN-DHLX", "Điểm thu mua nông sản Lộc Bình", "Nhơn Hòa", "CĐH-60", "NH-60-88031", 60, "kg", 0.2, "IIII",
         today + timedelta(days=25)),
        (ms, "CAN-KTD", "Kho lạnh Mẫu Sơn", "OCS", "OCS-500", "OCS-500-2207", 500, "kg", 0.5, "IIII",
         today - timedelta(days=45)),
    ]
    made = {}
    # e, load receptor supports, maximum additive tare (OIML R76-1 3.4.2, A.4.7, A.4.6)
    scales: dict[str, tuple[float | None, int | None, float | None]] = {
        "CAS-300-1182": (0.1, 4, 30.0), "NH-30-55120": (0.1, None, None), "NH-60-88031": (0.2, None, None),
        "OCS-500-2207": (0.5, 1, None)}
    for owner, type_code, location, maker, model, serial, rmax, unit, res, cls, due in extra:
        e, supports, tare = scales.get(serial, (None, None, None))
        inst = _instrument(session, ctx, catalog.NewInstrument(
            owner_id=owner.id, type_id=types[type_code].id, manufacturer=maker, model=model,
            serial_number=serial, range_min=0, range_max=rmax, range_unit=unit, resolution=res,
            accuracy_class=cls, location=location, scale_interval=e, load_supports=supports, max_tare=tare))
        _set_due(session, inst, due)
        made[serial] = inst
    _set_due(session, scale6, today + timedelta(days=12))
    _set_due(session, gauge, today - timedelta(days=5))
    _set_due(session, scale150, today - timedelta(days=10))
    _set_due(session, gauge25, today + timedelta(days=4))
    return {**made, gauge25.serial_number: gauge25}


@seeder
def seed_workflow(session: Session, ctx: DemoContext) -> None:
    lan, hung = _user(ctx, session, "ktv.lan"), _user(ctx, session, "ktv.hung")
    minh, business = _user(ctx, session, "soatxet.minh"), _user(ctx, session, "dn.huunghi")
    if lan is None or hung is None or minh is None or business is None or len(ctx.businesses) < 2:
        return
    load_procedures(session, SYSTEM)
    hn, ms = ctx.businesses[:2]
    f1 = ctx.standards.get("QC-F1-01")
    m1, prt = _demo_standards(session, ctx)
    pace = ctx.standards.get("AP-CHUAN-01")
    by_serial = {i.serial_number: i for i in ctx.instruments}
    scale60, scale6, gauge, scale150, thermo = (by_serial.get(s) for s in (
        "MT-8823911", "AD-T1200457", "WK-1907733", "NH-150-30211", "TS-104-77120"))
    if scale60 is None or scale6 is None or gauge is None or scale150 is None or thermo is None or f1 is None \
            or pace is None:
        return
    made = _demo_instruments(session, ctx, scale6, gauge, scale150)
    cast = _Cast(lan, hung, minh, business)
    weights = [f1.id, m1.id]
    _story_two_scales(session, cast, scale60, made["CAS-300-1182"], weights)
    _story_boiler_gauge(session, cast, hn, made["WK-2311840"], pace)
    _story_cold_store_thermometer(session, cast, ms, thermo, prt)
    _story_spring_scale(session, cast, ms, made["NH-60-88031"], weights)
    _story_portal_request(session, cast, scale6)
    _story_due_at_the_market(session, ctx, hn)


def _story_two_scales(session: Session, cast: _Cast, scale60: Instrument, scale300: Instrument,
                      weights: list[int]) -> None:
    today = date.today()
    lan, hung, minh = cast.lan, cast.hung, cast.minh
    r76 = _procedure(session, "QTKĐ-CKTĐ-R76")
    # 1. Hữu Nghị asks for the periodic verification of two scales at its warehouse: one approved, one returned.
    req1 = workflow.create_service_request(session, cast.business, workflow.NewServiceRequest(
        kind="verification", verification_type="periodic", instrument_ids=[scale60.id, scale300.id],
        on_site=True, site_address="Kho hàng cửa khẩu Đồng Đăng, huyện Cao Lộc, Lạng Sơn",
        notes="Kiểm định định kỳ trước mùa thu mua."))
    workflow.accept_service_request(session, lan, req1.id, workflow.AcceptRequest(
        version_id=req1.version_id, received_date=today - timedelta(days=3)))
    rec = workflow.open_record(session, lan, workflow.OpenRecord(
        request_item_id=req1.items[0].id, procedure_id=r76.id, work_date=today - timedelta(days=2),
        place=scale60.location))
    # Eccentricity within ±1 e at 20 kg (MPE 1 e): the F1 20 kg weight is 12 mg heavy, so a reading
    # 1 e low would be an error of −1.0012 e there.
    points = _scale_points(rec, {20.0: 1, 30.0: 1, 60.0: 1, "eccentricity": [0, 1, 0, 0, 1]})
    workflow.save_record(session, lan, rec.id, workflow.SaveRecord(
        version_id=rec.version_id, environment=_environment(27.4, 71.0), standards=weights, points=points,
        checks=_all_checks_ok(rec)))
    workflow.submit_record(session, lan, rec.id, workflow.Version(version_id=rec.version_id))
    workflow.approve_record(session, minh, rec.id, workflow.Version(version_id=rec.version_id))

    rec = workflow.open_record(session, hung, workflow.OpenRecord(
        request_item_id=req1.items[1].id, procedure_id=r76.id, work_date=today - timedelta(days=1),
        place=scale300.location))
    points = _scale_points(rec, {300.0: 2, "eccentricity": [0, 1, 0, 0, -1]})
    workflow.save_record(session, hung, rec.id, workflow.SaveRecord(
        version_id=rec.version_id, environment=_environment(25.2, 64.5), standards=weights, points=points,
        checks=_all_checks_ok(rec)))
    workflow.submit_record(session, hung, rec.id, workflow.Version(version_id=rec.version_id))
    workflow.return_record(session, minh, rec.id, workflow.ReturnRecord(
        version_id=rec.version_id,
        comment="Sai số tại Max vượt MPE: đề nghị kiểm tra lại điểm 0 của cân rồi cân lại tại Max."))


def _story_boiler_gauge(session: Session, cast: _Cast, hn: Organisation, gauge25: Instrument,
                        pace: ReferenceStandard) -> None:
    today = date.today()
    hung = cast.hung
    pressure = _procedure(session, "QTHC-AK-837")
    # 2. Hữu Nghị's boiler gauge: calibration submitted, reference read from the pressure controller.
    req2 = workflow.create_service_request(session, hung, workflow.NewServiceRequest(
        customer_id=hn.id, kind="calibration", instrument_ids=[gauge25.id], on_site=True))
    rec = workflow.open_record(session, hung, workflow.OpenRecord(
        request_item_id=req2.items[0].id, procedure_id=pressure.id, work_date=today, place=gauge25.location))
    points = []
    for p in rec.points:
        # The gauge reads 0.1 bar high rising and 0.2 bar high falling (hysteresis 0.1 bar).
        nominal = _nominal(p)
        shown = 0.0 if nominal == 0 else nominal + (0.2 if p.test == "falling" else 0.1)
        ref, source = _capture(f"mock://pace?pressure={nominal * 1000:.1f}mbar&settle=2", "pace")
        points.append({"seq": p.seq, "readings": [round(shown, 1)], "reference_value": ref[0],
                       "source": {**source, "target": "reference"}})
    # The gauge's connection is 0.25 m above the controller's reference level: ρ·g·Δh is corrected.
    environment = {**_environment(24.1, 58.0), "height_difference": {"value": 0.25, "unit": "m"}}
    workflow.save_record(session, hung, rec.id, workflow.SaveRecord(
        version_id=rec.version_id, environment=environment, standards=[pace.id], points=points))
    workflow.submit_record(session, hung, rec.id, workflow.Version(version_id=rec.version_id))


def _story_cold_store_thermometer(session: Session, cast: _Cast, ms: Organisation, thermo: Instrument,
                                  prt: ReferenceStandard) -> None:
    today = date.today()
    lan, minh = cast.lan, cast.minh
    thermometer = _procedure(session, "QTHC-NK-SS")
    # 3. Mẫu Sơn's cold-store thermometer: calibration approved, one point conditional.
    req3 = workflow.create_service_request(session, lan, workflow.NewServiceRequest(
        customer_id=ms.id, kind="calibration", instrument_ids=[thermo.id]))
    rec = workflow.open_record(session, lan, workflow.OpenRecord(
        request_item_id=req3.items[0].id, procedure_id=thermometer.id, work_date=today - timedelta(days=4)))
    shown = {0.0: [0.1, 0.1, 0.2], 37.0: [37.1, 37.2, 37.1], 100.0: [100.4, 100.5, 100.5]}
    points = []
    for p in rec.points:
        nominal = _nominal(p)
        ref, source = _capture(f"mock://hart-152x?temperature={nominal + 0.013:.3f}C&settle=2", "hart-152x")
        points.append({"seq": p.seq, "readings": shown.get(nominal, [nominal] * 3),
                       "reference_value": ref[0], "source": {**source, "target": "reference"}})
    workflow.save_record(session, lan, rec.id, workflow.SaveRecord(
        version_id=rec.version_id, environment=_environment(23.0, 52.0), standards=[prt.id], points=points))
    workflow.submit_record(session, lan, rec.id, workflow.Version(version_id=rec.version_id))
    workflow.approve_record(session, minh, rec.id, workflow.Version(version_id=rec.version_id))


def _story_spring_scale(session: Session, cast: _Cast, ms: Organisation, scale60ms: Instrument,
                        weights: list[int]) -> None:
    lan = cast.lan
    dial = _procedure(session, "QTKĐ-CĐHLX")
    # 4. Mẫu Sơn's spring dial scale (ĐLVN 30:2019): verification in draft, loads up and down done so far.
    req4 = workflow.create_service_request(session, lan, workflow.NewServiceRequest(
        customer_id=ms.id, kind="verification", verification_type="periodic", instrument_ids=[scale60ms.id]))
    rec = workflow.open_record(session, lan, workflow.OpenRecord(
        request_item_id=req4.items[0].id, procedure_id=dial.id, place=scale60ms.location))
    # The pointer lags coming down: 0.1 kg more at 30 kg (hysteresis 0.1 kg, MPE 0.2 kg there).
    points = _scale_points(rec, {30.0: 0.5, ("weighing_down", 30.0): 1.0, 60.0: -1}, skip_tests=("repeatability",))
    for point in points:  # a dial is read by eye and typed, not captured from a device
        point.pop("source", None)
    workflow.save_record(session, lan, rec.id, workflow.SaveRecord(
        version_id=rec.version_id, environment=_environment(26.0, 75.0), standards=weights, points=points))


def _story_portal_request(session: Session, cast: _Cast, scale6: Instrument) -> None:
    today = date.today()
    # 5. A request filed by the business from its portal, not yet accepted by the lab: the periodic
    # verification of its laboratory balance, a type the lab has a verification procedure for.
    workflow.create_service_request(session, cast.business, workflow.NewServiceRequest(
        kind="verification", verification_type="periodic", instrument_ids=[scale6.id],
        wanted_by=today + timedelta(days=14), notes="Cân phòng thí nghiệm sắp đến hạn kiểm định."))
    session.flush()


def _story_due_at_the_market(session: Session, ctx: DemoContext, hn: Organisation) -> None:
    """6. Two scales of Hữu Nghị's market stalls are overdue and in no request yet: its dashboard
    offers them for one verification request (a type the lab has a verification procedure for)."""
    today = date.today()
    scales = (("NHS-60", "NH-60-71402", 60, 0.2, "IIII", today - timedelta(days=12)),
              ("DB-II 150", "CAS-150-2291", 150, 0.05, "III", today - timedelta(days=30)))
    for model, serial, rmax, d, cls, due in scales:
        inst = _instrument(session, ctx, catalog.NewInstrument(
            owner_id=hn.id, type_id=ctx.types["CAN-KTD"].id, manufacturer="Nhơn Hòa" if serial.startswith("NH")
            else "CAS", model=model, serial_number=serial, range_min=0, range_max=rmax, range_unit="kg",
            resolution=d, accuracy_class=cls, location="Quầy Hữu Nghị, chợ Kỳ Lừa", scale_interval=d))
        _set_due(session, inst, due)
