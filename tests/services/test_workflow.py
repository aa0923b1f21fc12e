"""Service requests, records, computation on save, submit → review → approve (lims.services.workflow).

Worked numbers (see tests/services/workflow_factory.py for the instruments and standards):

* OIML R76-1:2006 3.5.1, Table 6, class III, e = 0.01 kg: MPE on initial verification is
  ±0.5 e up to 500 e, ±1 e up to 2 000 e, ±1.5 e above, so ±0.005 kg at 0.2 kg (20 e = Min,
  R76-1 Table 3) and 5 kg (500 e), ±0.01 kg at 20 kg (2 000 e), ±0.015 kg at 30 and 60 kg.
* One reading at a weighing point, EURAMET cg-18 model E = I + δI_dig + δI_dig0 − m_ref:
  u² = 2·(d/2)²/3 + (U_ref/2)², d = 0.01 kg; with the F1 weights (U_ref = 0.33 mg, up to 20 kg)
  u = 0.0040825 kg, with the M1 weights (U_ref = 2 g) u = 0.0042032 kg; all inputs have infinite
  degrees of freedom so k = 2.00 for p = 95.45 % (JCGM 100 G.6.4): U = 0.008165 kg and 0.008406 kg.
* Repeatability at 30 kg with readings 30.00, 30.01, 30.02 kg: mean 30.01 kg, E = 0.01 kg,
  s = 0.01 kg, u_A = s/√3, ν = 2; u_c² = u_A² + 2·(0.005)²/3 + (0.001)²; ν_eff by
  Welch–Satterthwaite (G.4.1) = 4.68 → 4, k = t₀.₉₇₇₂₅(4) = 2.87; spread 0.02 kg > MPE
  0.015 kg → fail (R76-1 3.6.1).
"""
from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from scipy import special
from sqlalchemy import func, select

from lims.errors import Conflict, NotFound, PermissionDenied, ValidationError
from lims.models import AuditEvent, Certificate, Instrument, Record, RecordStatus, ServiceRequest
from lims.services import workflow
from lims.services.certificates.document import add_months
from lims.services.inputs import parse
from lims.services.policy import SYSTEM
from tests.services.workflow_factory import complete_scale_record, open_scale_record, scale_points

# Messages are checked in English here; one test checks a Vietnamese one.
pytestmark = pytest.mark.usefixtures("english", "ctx")


def events(db, action=None) -> int:
    q = select(func.count()).select_from(AuditEvent)
    if action:
        q = q.where(AuditEvent.action == action)
    return db.scalar(q)


# ---------------------------------------------------------------- service requests


def test_a_business_files_a_request_for_its_own_instruments_only(db, lab):
    req = workflow.create_service_request(db, lab.biz, parse(workflow.NewServiceRequest, {
        "kind": "verification", "instrument_ids": [str(lab.instruments["scale"].id)],
        "customer_id": lab.other_business.id}))
    db.commit()
    assert req.customer_id == lab.business.id  # a business files for itself whatever it sends
    assert req.number.startswith(f"YC{date.today().year}-") and req.status == "submitted"
    assert req.items[0].verification_type == "periodic"
    with pytest.raises(ValidationError) as exc:
        workflow.create_service_request(db, lab.biz, parse(workflow.NewServiceRequest, {"kind": "verification",
                                                      "instrument_ids": [lab.instruments["other_scale"].id]}))
    assert "instrument_ids" in exc.value.errors
    with pytest.raises(NotFound):
        workflow.get_service_request(db, lab.otherbiz, req.id)
    assert [r.id for r in workflow.list_service_requests(db, lab.otherbiz)] == []
    assert [r.id for r in workflow.list_service_requests(db, lab.biz)] == [req.id]


def test_request_input_errors_name_their_fields_and_write_nothing(db, lab):
    before = db.scalar(select(func.count()).select_from(ServiceRequest))
    with pytest.raises(ValidationError) as exc:
        workflow.create_service_request(db, lab.tech, parse(workflow.NewServiceRequest, {
            "customer_id": lab.business.id, "kind": "repair", "instrument_ids": [], "wanted_by": "2000-01-01"}))
    assert set(exc.value.errors) == {"kind", "instrument_ids", "wanted_by"}
    with pytest.raises(PermissionDenied):
        workflow.create_service_request(db, lab.reviewer, workflow.NewServiceRequest(
            customer_id=lab.business.id, kind="calibration", instrument_ids=[lab.instruments["gauge"].id]))
    db.rollback()
    assert db.scalar(select(func.count()).select_from(ServiceRequest)) == before


def test_accept_and_cancel_follow_the_request_status(db, lab):
    req = workflow.create_service_request(db, lab.biz, parse(workflow.NewServiceRequest, {"kind": "calibration",
                                                        "instrument_ids": [lab.instruments["gauge"].id]}))
    db.commit()
    with pytest.raises(Conflict):  # stale version: nothing happens
        workflow.accept_service_request(db, lab.tech, req.id, workflow.AcceptRequest(version_id=req.version_id + 5))
    workflow.accept_service_request(db, lab.tech, req.id, workflow.AcceptRequest(version_id=req.version_id))
    db.commit()
    assert req.status == "accepted" and req.received_date == date.today()
    with pytest.raises(Conflict):  # the business can no longer cancel once accepted
        workflow.cancel_service_request(db, lab.biz, req.id,
                                        workflow.CancelRequest(version_id=req.version_id, reason="x"))
    workflow.cancel_service_request(db, lab.tech, req.id,
                                    workflow.CancelRequest(version_id=req.version_id, reason="sold"))
    db.commit()
    assert req.status == "cancelled" and "sold" in req.notes


# ---------------------------------------------------------------- opening a record


def test_the_procedure_gives_the_points_of_an_r76_verification(db, lab):
    """OIML R76-1 Annex A in order: zero-setting (A.4.2.3); loads up then down (A.4.4.1) at Min = 20 e
    (Table 3, class III), where the MPE changes (500 e, 2 000 e, 3.5.1), ½ Max and Max; eccentricity
    at ⅓ (Max + T+) on 4 positions, the supports being unknown (A.4.7); repeatability at ½ Max with
    3 readings (A.4.10); discrimination at Min, ½ Max and Max (A.4.8); no tare test without a tare
    (A.4.6)."""
    rec = open_scale_record(db, lab)
    got = [(p.seq, p.test, p.label, p.nominal, p.unit) for p in rec.points]
    assert got == [
        (1, "zero", "0", 0.0, "kg"),
        (2, "weighing", "Min", 0.2, "kg"), (3, "weighing", "500 e", 5.0, "kg"), (4, "weighing", "2000 e", 20.0, "kg"),
        (5, "weighing", "50 % Max", 30.0, "kg"), (6, "weighing", "Max", 60.0, "kg"),
        (7, "weighing_down", "Max ↓", 60.0, "kg"), (8, "weighing_down", "50 % Max ↓", 30.0, "kg"),
        (9, "weighing_down", "2000 e ↓", 20.0, "kg"), (10, "weighing_down", "500 e ↓", 5.0, "kg"),
        (11, "weighing_down", "Min ↓", 0.2, "kg"),
        (12, "eccentricity", "P1", 20.0, "kg"), (13, "eccentricity", "P2", 20.0, "kg"),
        (14, "eccentricity", "P3", 20.0, "kg"), (15, "eccentricity", "P4", 20.0, "kg"),
        (16, "repeatability", "n = 3", 30.0, "kg"),
        (17, "discrimination", "Min", 0.2, "kg"), (18, "discrimination", "50 % Max", 30.0, "kg"),
        (19, "discrimination", "Max", 60.0, "kg"),
    ]
    assert rec.status == "draft" and rec.kind == "verification" and rec.verification_type == "periodic"
    req = rec.request_item.request
    assert req.status == "in_progress"
    with pytest.raises(ValidationError) as exc:  # one open record per request item
        workflow.open_record(db, lab.tech, parse(workflow.OpenRecord, {"request_item_id": rec.request_item_id}))
    assert "request_item_id" in exc.value.errors


def test_an_instrument_that_does_not_fit_its_r76_class_is_refused(db, lab):
    from lims.services import catalog

    odd = catalog.create_instrument(db, SYSTEM, catalog.NewInstrument(
        owner_id=lab.business.id, type_id=lab.types["scale"].id, serial_number="AD-610",
        range_max=6.1, range_unit="kg", resolution=0.01, accuracy_class="II"))
    with pytest.raises(ValidationError) as exc:
        workflow.open_record(db, lab.tech, parse(workflow.OpenRecord, {"instrument_id": odd.id, "kind": "verification",
                                            "procedure_id": lab.procedures["r76"].id}))
    # R76-1 Table 3: class II with e = 10 g needs 5 000 ≤ n ≤ 100 000; here n = 610.
    assert exc.value.field == "instrument_id" and "610" in exc.value.message


# ---------------------------------------------------------------- computation on save


def test_save_computes_errors_uncertainties_mpes_and_verdicts_as_worked_by_hand(db, lab):
    """Change-point method (OIML R76-1 A.4.4.3) with ΔL = ½e = 0.005 kg: E = I + ½e − ΔL − L = I − L.

    EURAMET cg-18 7.1.1: the rounding at load and at zero are each the 0.1 e step of the additional
    weights, rectangular with half-width 0.05 e = 0.0005 kg, u = 0.0005/√3 = 2.8868e-4 kg. From the
    standard (the reference_data stub: one U per standard): F1 U = 0.33 mg, k = 2 → u = 1.65e-7 kg;
    M1 U = 2 g → u = 1e-3 kg; no drift, no buoyancy. Up to 20 kg (F1):
    u_c = √(2 × 8.3333e-8 + 2.7e-14) = 4.0825e-4 kg, U = 8.165e-4 kg; at 30 and 60 kg (M1):
    u_c = √(1.6667e-7 + 1e-6) = 1.0801e-3 kg, U = 2.1602e-3 kg. Zero-setting: E₀ = ½e − ΔL = 0,
    limit ±0.25 e = 0.0025 kg (R76-1 4.5.2).
    """
    rec = open_scale_record(db, lab)
    rec = complete_scale_record(db, lab, rec, repeatability=(30.00, 30.01, 30.02))
    by_seq = {p.seq: p for p in rec.points}
    assert (by_seq[1].error, by_seq[1].mpe) == (0.0, 0.0025)
    assert [(by_seq[s].error, by_seq[s].mpe) for s in (2, 3, 4, 5, 6)] == [
        (0.0, 0.005), (0.0, 0.005), (0.01, 0.01), (0.01, 0.015), (0.01, 0.015)]
    assert by_seq[2].added_load == 0.005
    u_step = 0.0005 / math.sqrt(3)
    u_f1 = math.sqrt(2 * u_step**2 + (0.33e-6 / 2) ** 2)  # up to 20 kg: F1 weights
    u_m1 = math.sqrt(2 * u_step**2 + (2e-3 / 2) ** 2)  # 30 and 60 kg: M1 weights, U = 2 g
    for s, u in ((2, u_f1), (3, u_f1), (4, u_f1), (5, u_m1), (6, u_m1)):
        assert by_seq[s].coverage_factor == pytest.approx(2.0, abs=1e-4)
        assert by_seq[s].uncertainty == pytest.approx(2 * u, rel=1e-4)
    assert by_seq[2].uncertainty == pytest.approx(8.165e-4, abs=1e-7)
    assert by_seq[6].uncertainty == pytest.approx(2.1602e-3, abs=1e-7)
    assert [by_seq[s].verdict for s in range(1, 16)] == ["pass"] * 15

    rep = by_seq[16]
    assert rep.readings == [30.0, 30.01, 30.02] and rep.indication == pytest.approx(30.01)
    assert rep.error == pytest.approx(0.01)
    # Repeatability (A.4.10) is judged by its spread: no change-point, the rounding is d/√12 at load and zero.
    u_a, u_res = 0.01 / math.sqrt(3), 0.005 / math.sqrt(3)
    u_c = math.sqrt(u_a**2 + 2 * u_res**2 + (2e-3 / 2) ** 2)  # M1 weights at 30 kg: U = 2 g, k = 2
    nu = u_c**4 / (u_a**4 / 2)
    assert 4 < nu < 5  # 4.68, truncated to 4 (G.6.4)
    k = float(special.stdtrit(4, 0.5 * (1 + 0.9545)))
    assert rep.coverage_factor == pytest.approx(k, rel=1e-6)
    assert rep.uncertainty == pytest.approx(k * u_c, rel=1e-3)
    assert rep.verdict == "fail"  # spread 0.02 kg > MPE 0.015 kg (R76-1 3.6.1)
    assert rec.verdict == "fail" and rec.results["verdict"] == "fail"

    results = rec.results
    assert results["error_unit"] == "kg" and results["coverage_probability"] == 0.9545
    assert results["decision_rule"]["rule"] == "simple" and "4.2.1" in results["decision_rule"]["text_en"]
    assert results["decision_rule"]["text_vi"] and results["mpe_rule"]["accuracy_class"] == "III"
    point = results["points"][15]
    assert point["spread"] == {"value": 0.02, "unit": "kg"}
    assert point["error"] == {"value": pytest.approx(0.01), "unit": "kg"}
    assert point["readings"][0] == {"value": 30.0, "unit": "kg"}
    assert point["standard"] == "M1" and results["points"][1]["standard"] == "F1"  # the smaller U wins
    assert results["budget"]["at_point"] == 16 and {r["symbol"] for r in results["budget"]["table"]} == {
        "I", "c_half", "dL", "dI_dig", "dI_dig0", "m_ref", "dm_drift", "dm_buoy"}
    assert [c["verdict"] for c in results["checks"]] == ["pass"] * 5 and results["fitness"] == []
    assert rec.environment == {"temperature": {"value": 23.5, "unit": "degC"},
                               "humidity": {"value": 55.0, "unit": "percent_RH"}}
    assert sorted(rs.standard.code for rs in rec.standards) == ["F1", "M1"]
    assert all(rs.calibration_id == rs.standard.current_calibration.id for rs in rec.standards)


def test_readings_in_another_unit_are_converted_and_wrong_ones_refused(db, lab):
    rec = open_scale_record(db, lab)
    version = rec.version_id
    with pytest.raises(ValidationError) as exc:
        workflow.save_record(db, lab.tech, rec.id, parse(workflow.SaveRecord, {"version_id": version, "points": [
            {"seq": 1, "readings": "0,2"}, {"seq": 2, "readings": "5 L"}, {"seq": 3, "readings": "600"},
            {"seq": 4, "readings": "abc"}]}))
    errors = exc.value.errors
    assert set(errors) == {"points.2.readings", "points.3.readings", "points.4.readings"}
    assert "L" in errors["points.2.readings"] and "kg" in errors["points.2.readings"]  # both units named
    assert "-6 … 66" in errors["points.3.readings"]  # beyond what a 60 kg scale can show
    db.rollback()
    assert db.get(Record, rec.id).version_id == version and db.get(Record, rec.id).points[0].readings == []
    rec = workflow.save_record(db, lab.tech, rec.id, parse(workflow.SaveRecord, {"version_id": version, "points": [
        {"seq": 4, "readings": "20010 g"}, {"seq": 16, "readings": "30,00; 30,01 30.02"}]}))
    assert rec.points[3].readings == [20.01] and rec.points[15].readings == [30.0, 30.01, 30.02]
    assert rec.points[3].error == pytest.approx(0.01) and rec.points[3].uncertainty is None  # no standard yet
    assert rec.points[3].verdict == "pass"  # simple acceptance needs no U


def test_a_past_due_or_out_of_range_standard_cannot_be_selected(db, lab):
    rec = open_scale_record(db, lab)
    with pytest.raises(ValidationError) as exc:
        workflow.save_record(db, lab.tech, rec.id, parse(workflow.SaveRecord, {"version_id": rec.version_id,
                                                    "standards": [lab.standards["T_old"].id]}))
    assert "PRT-OLD" in exc.value.errors["standards"] and "temperature" in exc.value.errors["standards"]
    # Only the F1 set (up to 20 kg): the points at 30 and 60 kg are not covered.
    points = scale_points(rec)
    with pytest.raises(ValidationError) as exc:
        workflow.save_record(db, lab.tech, rec.id, parse(workflow.SaveRecord, {"version_id": rec.version_id,
                                                    "standards": [lab.standards["F1"].id], "points": points}))
    assert {"points.5", "points.6", "points.7", "points.8", "points.16"} <= set(exc.value.errors)
    assert "F1" in exc.value.errors["points.6"]
    db.rollback()
    choices = {std.code: why for std, why in workflow.standard_choices(db, db.get(Record, rec.id))}
    assert choices == {"F1": None, "M1": None}

    therm = workflow.open_record(db, lab.tech, workflow.OpenRecord(instrument_id=lab.instruments["thermometer"].id,
                                                                   kind="calibration"))
    choices = {std.code: why for std, why in workflow.standard_choices(db, therm)}
    assert choices["PRT"] is None
    due = (date.today() - timedelta(days=35)).isoformat()
    assert choices["PRT-OLD"] == f"its calibration was due on {due} (certificate CAL-PRT-OLD)"
    with pytest.raises(ValidationError) as exc:
        workflow.save_record(db, lab.tech, therm.id, parse(workflow.SaveRecord, {"version_id": therm.version_id,
                                                      "standards": [lab.standards["T_old"].id]}))
    assert "was due on" in exc.value.errors["standards"]


def test_environment_outside_the_procedure_conditions_is_refused(db, lab):
    rec = open_scale_record(db, lab)
    with pytest.raises(ValidationError) as exc:
        workflow.save_record(db, lab.tech, rec.id, parse(workflow.SaveRecord, {"version_id": rec.version_id,
                                                    "environment": {"temperature": "55 degC", "humidity": "50 kg",
                                                                    "noise": 3}}))
    assert set(exc.value.errors) == {"environment.temperature", "environment.humidity", "environment.noise"}
    rec = workflow.save_record(db, lab.tech, rec.id, parse(workflow.SaveRecord, {"version_id": rec.version_id,
                                                      "environment": {"temperature": "296.15 K"}}))
    assert rec.environment["temperature"] == {"value": pytest.approx(23.0), "unit": "degC"}
    rec = workflow.save_record(db, lab.tech, rec.id, workflow.SaveRecord(version_id=rec.version_id, environment={
        "humidity": {"value": "48,5", "device": "mock://hmt330"}, "temperature": {"value": 22.9, "unit": "degC"}}))
    assert rec.environment == {"temperature": {"value": 22.9, "unit": "degC"},
                               "humidity": {"value": 48.5, "unit": "percent_RH", "device": "mock://hmt330"}}


def test_a_stale_save_is_refused_and_the_first_save_is_kept(db, lab, app):
    rec = open_scale_record(db, lab)
    opened = rec.version_id
    other = app.extensions["lims.sessions"]()
    try:
        first = workflow.save_record(other, other.get(type(lab.tech), lab.tech.id), rec.id, parse(workflow.SaveRecord, {
            "version_id": opened, "points": [{"seq": 1, "readings": [0.2]}], "remarks": "first"}))
        other.commit()
        assert first.version_id == opened + 1
    finally:
        other.close()
    db.expire_all()
    before = events(db)
    with pytest.raises(Conflict) as exc:
        workflow.save_record(db, lab.tech2, rec.id, workflow.SaveRecord(
            version_id=opened, points=[{"seq": 1, "readings": [0.3]}], remarks="second"))
    assert "tech" in exc.value.message and exc.value.detail["current_version_id"] == opened + 1
    db.rollback()
    rec = db.get(Record, rec.id)
    assert rec.remarks == "first" and rec.points[0].readings == [0.2] and events(db) == before


# ---------------------------------------------------------------- submit, return, approve


def test_submit_needs_a_complete_record(db, lab):
    rec = open_scale_record(db, lab)
    rec = workflow.save_record(db, lab.tech, rec.id, parse(workflow.SaveRecord, {"version_id": rec.version_id,
                                                      "points": [{"seq": 1, "readings": [0.2]}]}))
    db.commit()
    with pytest.raises(ValidationError) as exc:
        workflow.submit_record(db, lab.tech, rec.id, workflow.Version(version_id=rec.version_id))
    assert {"environment.temperature", "standards", "points.2.readings", "points.11.readings"} <= set(exc.value.errors)
    assert "environment.humidity" not in exc.value.errors  # not required by the procedure
    db.rollback()
    assert db.get(Record, rec.id).status == "draft"


def test_the_whole_flow_approval_issues_the_certificate_and_moves_the_due_date(db, lab):
    rec = complete_scale_record(db, lab, open_scale_record(db, lab))
    assert rec.verdict == "pass"
    workflow.submit_record(db, lab.tech, rec.id, workflow.Version(version_id=rec.version_id))
    db.commit()
    assert rec.status == "submitted" and rec.submitted_at is not None
    with pytest.raises(PermissionDenied):
        workflow.approve_record(db, lab.tech2, rec.id, workflow.Version(version_id=rec.version_id))  # not a reviewer
    with pytest.raises(ValidationError):
        workflow.return_record(db, lab.reviewer, rec.id,
                               parse(workflow.ReturnRecord, {"version_id": rec.version_id, "comment": "  "}))
    db.rollback()
    rec = db.get(Record, rec.id)
    rec = workflow.return_record(db, lab.reviewer, rec.id,
                                 workflow.ReturnRecord(version_id=rec.version_id, comment="Check P4."))
    db.commit()
    assert rec.status == "returned" and rec.return_comment == "Check P4."
    rec = workflow.save_record(db, lab.tech, rec.id, parse(workflow.SaveRecord, {"version_id": rec.version_id,
                                                      "points": [{"seq": 9, "readings": [20.0]}]}))
    workflow.submit_record(db, lab.tech, rec.id, workflow.Version(version_id=rec.version_id))
    db.commit()
    rec = workflow.approve_record(db, lab.reviewer, rec.id, workflow.Version(version_id=rec.version_id))
    db.commit()
    assert rec.status == "approved" and rec.reviewer_id == lab.reviewer.id and rec.approved_at is not None
    cert = db.scalar(select(Certificate).where(Certificate.record_id == rec.id))
    assert cert is not None and cert.kind == "verification" and cert.status == "valid"
    # Circular 23/2013/TT-BKHCN: scales 12 months, counted from the approval (the issue date).
    inst = db.get(Instrument, lab.instruments["scale"].id)
    assert inst.next_due == add_months(date.today(), 12) == cert.valid_until
    assert rec.request_item.request.status == "completed"
    actions = [a for (a,) in db.execute(select(AuditEvent.action).where(AuditEvent.entity_type == "record",
                                                                        AuditEvent.entity_id == str(rec.id))
                                        .order_by(AuditEvent.seq))]
    assert actions == ["record.open", "record.save", "record.submit", "record.return", "record.save",
                       "record.submit", "record.approve"]
    assert events(db, "instrument.next_due") == 1 and events(db, "certificate.issue") == 1


def test_approved_records_are_immutable(db, lab):
    rec = complete_scale_record(db, lab, open_scale_record(db, lab))
    workflow.submit_record(db, lab.tech, rec.id, workflow.Version(version_id=rec.version_id))
    workflow.approve_record(db, lab.reviewer, rec.id, workflow.Version(version_id=rec.version_id))
    db.commit()
    with pytest.raises(Conflict):
        workflow.save_record(db, lab.tech, rec.id, workflow.SaveRecord(version_id=rec.version_id, remarks="later"))
    db.rollback()
    rec = db.get(Record, rec.id)
    rec.remarks = "edited behind the service's back"
    with pytest.raises(Conflict):
        db.flush()
    db.rollback()
    rec = db.get(Record, rec.id)
    rec.points[0].readings = [1.0]
    with pytest.raises(Conflict):
        db.flush()
    db.rollback()
    assert db.get(Record, rec.id).remarks == ""


def test_a_reviewer_cannot_approve_or_return_their_own_record(db, lab):
    rec = open_scale_record(db, lab, technician=lab.techrev)
    rec = complete_scale_record(db, lab, rec, technician=lab.techrev)
    workflow.submit_record(db, lab.techrev, rec.id, workflow.Version(version_id=rec.version_id))
    db.commit()
    before = events(db)
    for fn, inp in ((workflow.approve_record, workflow.Version(version_id=rec.version_id)),
                    (workflow.return_record, workflow.ReturnRecord(version_id=rec.version_id, comment="x"))):
        with pytest.raises(PermissionDenied) as exc:
            fn(db, lab.techrev, rec.id, inp)
        assert rec.number in exc.value.message
        db.rollback()
    rec = db.get(Record, rec.id)
    assert rec.status == "submitted" and events(db) == before
    assert db.scalar(select(func.count()).select_from(Certificate)) == 0


def test_a_failed_verification_is_due_again_at_once_and_gets_a_notice(db, lab):
    rec = complete_scale_record(db, lab, open_scale_record(db, lab),
                                weighing={0.2: [0.2], 5.0: [5.0], 20.0: [20.0], 30.0: [30.0], 60.0: [60.02]})
    assert rec.points[5].verdict == "fail" and rec.verdict == "fail"  # 0.02 kg > 0.015 kg at 60 kg
    workflow.submit_record(db, lab.tech, rec.id, workflow.Version(version_id=rec.version_id))
    workflow.approve_record(db, lab.reviewer, rec.id, workflow.Version(version_id=rec.version_id))
    db.commit()
    assert db.get(Instrument, lab.instruments["scale"].id).next_due == date.today()
    cert = db.scalar(select(Certificate).where(Certificate.record_id == rec.id))
    assert cert.valid_until is None  # a notice of non-conformity, not a certificate with a stamp


def test_pressure_gauge_calibration_rising_falling_and_hysteresis(db, lab):
    """EN 837-1 class 1.6 on 0–16 bar: MPE = 1.6 % × 16 bar = 0.256 bar; hysteresis within the MPE."""
    rec = workflow.open_record(db, lab.tech, workflow.OpenRecord(instrument_id=lab.instruments["gauge"].id,
                                                                 kind="calibration"))
    assert [(p.test, p.nominal) for p in rec.points] == [
        ("rising", 0.0), ("rising", 4.0), ("rising", 8.0), ("rising", 12.0), ("rising", 16.0),
        ("falling", 16.0), ("falling", 12.0), ("falling", 8.0), ("falling", 4.0), ("falling", 0.0)]
    shown = {("rising", 8.0): 8.1, ("falling", 8.0): 8.4, ("falling", 4.0): 4.2}
    points = [{"seq": p.seq, "readings": [shown.get((p.test, p.nominal), p.nominal)],
               "reference_value": "8000 mbar" if p.nominal == 8.0 else p.nominal} for p in rec.points]
    rec = workflow.save_record(db, lab.tech, rec.id, parse(workflow.SaveRecord, {
        "version_id": rec.version_id, "environment": {"temperature": 22}, "standards": [lab.standards["P"].id],
        "points": points}))
    by = {(p.test, p.nominal): p for p in rec.points}
    assert by[("rising", 8.0)].error == pytest.approx(0.1) and by[("falling", 8.0)].error == pytest.approx(0.4)
    assert all(p.mpe == pytest.approx(0.256) for p in rec.points)
    # u² = (0.05 bar)²/3 + (7.5 mbar)²: rounding of the reading and the reference gauge (k = 2).
    u = math.sqrt(0.05**2 / 3 + 0.0075**2)
    assert by[("rising", 4.0)].uncertainty == pytest.approx(2 * u, rel=1e-4)
    assert by[("falling", 8.0)].verdict == "fail" and by[("rising", 8.0)].verdict == "pass"
    hyst = {h["nominal"]["value"]: (h["hysteresis"]["value"], h["verdict"]) for h in rec.results["hysteresis"]}
    assert hyst[8.0] == (pytest.approx(0.3), "fail") and hyst[4.0] == (pytest.approx(0.2), "pass")
    assert hyst[0.0] == (0.0, "pass") and rec.verdict == "fail"
    workflow.submit_record(db, lab.tech, rec.id, workflow.Version(version_id=rec.version_id))
    workflow.approve_record(db, lab.reviewer, rec.id, workflow.Version(version_id=rec.version_id))
    db.commit()
    # Calibration: the interval agreed with the customer (6 months), from the work date.
    assert db.get(Instrument, lab.instruments["gauge"].id).next_due == add_months(date.today(), 6)


@pytest.mark.parametrize("shown,verdict", [
    (100.45, "conditional_pass"),   # MPE − U < |E| = 0.45 ≤ MPE
    (100.40, "pass"),               # |E| < MPE − U = 0.4365
    (100.53, "conditional_fail"),   # MPE < |E| ≤ MPE + U = 0.5635
    (100.60, "fail"),               # |E| > MPE + U
])
def test_thermometer_calibration_non_binary_rule(db, lab, shown, verdict):
    """ILAC G8:09/2019 4.2.3 with w = U. At 100 °C: u² = (0.05)²/3 + (0.01)² + (0.01)²/3 + (0.005)²/3
    + (0.01)²/3 (resolution, reference U = 0.02 °C with k = 2 and no calibration data, hence no drift
    or readout term; the procedure's bath uniformity, stability and immersion), identical readings
    give u_A = 0, so ν_eff = ∞, k = 2, U = 2·√0.00100833 = 0.06351 °C; MPE = 0.5 °C."""
    rec = workflow.open_record(db, lab.tech, workflow.OpenRecord(instrument_id=lab.instruments["thermometer"].id,
                                                                 kind="calibration"))
    assert [p.nominal for p in rec.points] == [0.0, 37.0, 100.0]
    point = rec.points[2]
    rec = workflow.save_record(db, lab.tech, rec.id, parse(workflow.SaveRecord, {
        "version_id": rec.version_id, "environment": {"temperature": 23.0}, "standards": [lab.standards["T"].id],
        "points": [{"seq": point.seq, "readings": [shown] * 3, "reference_value": "100.00 degC"}]}))
    point = rec.points[2]
    assert point.error == pytest.approx(shown - 100.0)
    assert point.uncertainty == pytest.approx(
        2 * math.sqrt(0.05**2 / 3 + 0.01**2 + 0.01**2 / 3 + 0.005**2 / 3 + 0.01**2 / 3), rel=1e-4)
    assert point.mpe == 0.5 and point.verdict == verdict
    assert rec.results["error_unit"] == "delta_degC" and point.unit == "degC"
    assert rec.results["points"][2]["error"]["unit"] == "delta_degC"
    assert rec.verdict is None  # points 1 and 2 have no readings yet
    with pytest.raises(ValidationError) as exc:
        workflow.submit_record(db, lab.tech, rec.id, workflow.Version(version_id=rec.version_id))
    assert "points.1.readings" in exc.value.errors


def test_an_out_of_tolerance_standard_blocks_approval(db, lab):
    from lims.services.workflow import impact as standard_impact

    rec = complete_scale_record(db, lab, open_scale_record(db, lab))
    workflow.submit_record(db, lab.tech, rec.id, workflow.Version(version_id=rec.version_id))
    standard_impact.mark_out_of_tolerance(db, lab.reviewer, lab.standards["M1"].id,
                                          workflow.MarkOutOfTolerance(since=date.today(), reason="drift found"))
    db.commit()
    with pytest.raises(Conflict) as exc:
        workflow.approve_record(db, lab.reviewer, rec.id, workflow.Version(version_id=rec.version_id))
    assert "M1" in exc.value.message
    db.rollback()
    assert db.get(Record, rec.id).status == RecordStatus.submitted.value
