"""Scales through the workflow: fitness for purpose at submit (OIML R76-1 3.7.1, OIML G 19), the
checklist (A.1), the change-point load (A.4.4.3) and the spring dial scale procedure (ĐLVN 30:2019)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lims.errors import ValidationError
from lims.i18n import use_language
from lims.models import AuditEvent, Procedure, Record
from lims.services import catalog, workflow
from lims.services.inputs import parse
from lims.services.policy import SYSTEM
from tests.services.workflow_factory import all_checks_ok, complete_scale_record, open_scale_record

pytestmark = pytest.mark.usefixtures("english", "ctx")


def test_without_the_change_point_load_the_record_cannot_be_submitted_and_says_where(db, lab):
    """No ΔL: the rounding d/√12 at load and zero stays (EURAMET cg-18 7.1.1): with one reading and
    the F1 weights U = 2 × √(2 × 0.005²/3 + (1.65e-7)²) = 0.0082 kg, above ⅓ of the MPE at Min, 500 e
    and in the eccentricity test (0.005 kg / 3 = 0.0017 kg; 0.01 kg / 3 at 20 kg). Nothing changes."""
    rec = complete_scale_record(db, lab, open_scale_record(db, lab), added_load=None)
    assert rec.verdict == "pass"  # the errors are within the MPE; the verification is not fit all the same
    unfit = {row["seq"] for row in rec.results["fitness"] if row["reason"] == "uncertainty"}
    assert {2, 3, 4, 10, 11} <= unfit and 1 not in unfit  # Min, 500 e, 2000 e up and down; not the zero
    before = db.scalar(select(func.count()).select_from(AuditEvent))
    version = rec.version_id
    with pytest.raises(ValidationError) as exc:
        workflow.submit_record(db, lab.tech, rec.id, workflow.Version(version_id=version))
    assert exc.value.status == 422 and "points.2" in exc.value.errors
    # U and its limit to two significant digits (JCGM 100 7.2.6), number and unit joined by a no-break space
    assert "U = 0.0082\u00a0kg" in exc.value.errors["points.2"] and "(0.0017\u00a0kg" in exc.value.errors["points.2"]
    assert "OIML G 19" in exc.value.errors["points.2"]
    with use_language("vi"):
        vi = workflow.unfit_points(rec)["points.2"]
    assert "0,0082\u00a0kg" in vi and "độ không đảm bảo đo mở rộng" in vi
    db.rollback()
    rec = db.get(Record, rec.id)
    assert rec.status == "draft" and rec.version_id == version
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_with_the_change_point_load_the_same_readings_are_fit_and_submitted(db, lab):
    """ΔL = ½e: E = I + ½e − ΔL − L as before, U = 2 × √(2 × (0.0005/√3)² + (1.65e-7)²) = 8.2e-4 kg
    at Min, ≤ ⅓ × 0.005 kg (OIML R76-1 A.4.4.3)."""
    rec = complete_scale_record(db, lab, open_scale_record(db, lab))
    assert rec.results["fitness"] == [] and rec.points[1].uncertainty == pytest.approx(8.165e-4, rel=1e-4)
    workflow.submit_record(db, lab.tech, rec.id, workflow.Version(version_id=rec.version_id))
    assert rec.status == "submitted"


def test_weights_too_coarse_for_the_load_are_named(db, lab):
    """R76-1 3.7.1: the M1 weights (bound 2 g as the stub gives it) at 30 kg: ⅓ × 0.015 kg = 5 g, fine;
    but a standard with U = 20 g at 30 kg is refused whatever the record's U."""
    m1 = lab.standards["M1"]
    m1.current_calibration.expanded_uncertainty = 20.0
    db.flush()
    rec = complete_scale_record(db, lab, open_scale_record(db, lab))
    rows = [row for row in rec.results["fitness"] if row["reason"] == "reference"]
    assert {row["seq"] for row in rows} >= {5, 6, 7, 8, 16}  # 30 and 60 kg, up, down and repeatability
    with pytest.raises(ValidationError) as exc:
        workflow.submit_record(db, lab.tech, rec.id, workflow.Version(version_id=rec.version_id))
    assert "OIML R76-1 3.7.1" in exc.value.errors["points.5"] and "0.02\u00a0kg" in exc.value.errors["points.5"]


def test_the_checklist_must_be_answered_and_an_item_not_ok_fails(db, lab):
    """R76-1 A.1: unanswered items keep the record from submission; a broken seal fails it."""
    rec = open_scale_record(db, lab)
    with pytest.raises(ValidationError) as exc:
        workflow.save_record(db, lab.tech, rec.id, parse(workflow.SaveRecord, {
            "version_id": rec.version_id, "checks": {"nothing": {"ok": True}, "seals": {"ok": "maybe"}}}))
    assert set(exc.value.errors) == {"checks.nothing", "checks.seals"}
    db.rollback()
    rec = complete_scale_record(db, lab, db.get(Record, rec.id))
    rec = workflow.save_record(db, lab.tech, rec.id, parse(workflow.SaveRecord, {
        "version_id": rec.version_id, "checks": {"seals": {"ok": "not_ok", "note": "niêm phong bị rách"}}}))
    assert rec.checks["seals"] == {"ok": False, "note": "niêm phong bị rách"} and rec.verdict == "fail"
    rec = workflow.save_record(db, lab.tech, rec.id, parse(workflow.SaveRecord, {
        "version_id": rec.version_id, "checks": {"seals": {"ok": None}}}))
    assert "checks.seals" in workflow.missing_for_submission(rec)


def test_the_change_point_load_is_between_0_and_e(db, lab):
    rec = open_scale_record(db, lab)
    with pytest.raises(ValidationError) as exc:
        workflow.save_record(db, lab.tech, rec.id, parse(workflow.SaveRecord, {
            "version_id": rec.version_id, "points": [{"seq": 2, "readings": [0.2], "added_load": "20 g"},
                                                     {"seq": 3, "readings": [5.0], "added_load": "-1 g"}]}))
    assert set(exc.value.errors) == {"points.2.added_load", "points.3.added_load"}
    assert "0.01\u00a0kg" in exc.value.errors["points.2.added_load"]


def test_a_spring_dial_scale_is_verified_with_its_own_procedure_and_hysteresis(db, lab):
    """ĐLVN 30:2019: loads up and down, hysteresis ≤ MPE; class IIII, Max 60 kg, d = e = 0.2 kg.
    At 30 kg up 30.0, down 30.4 kg: hysteresis 0.4 kg > MPE 0.2 kg (150 e: 1 e, R76-1 3.5.1): fail."""
    dial = catalog.create_instrument(db, SYSTEM, catalog.NewInstrument(
        owner_id=lab.business.id, type_id=lab.types["dial"].id, serial_number="CDH-60", range_max=60,
        range_unit="kg", resolution=0.2, scale_interval=0.2, accuracy_class="IIII"))
    proc = db.scalar(select(Procedure).where(Procedure.code == "QTKĐ-CĐHLX", Procedure.active.is_(True)))
    assert proc.spec["national_procedure"] == "ĐLVN 30:2019" and proc.instrument_type_id == lab.types["dial"].id
    assert workflow.procedures_for(db, lab.types["dial"].id) == [proc]
    rec = workflow.open_record(db, lab.tech, workflow.OpenRecord(instrument_id=dial.id, kind="verification",
                                                                 procedure_id=proc.id))
    points = []
    for p in rec.points:
        shown = p.nominal + (0.4 if p.test == "weighing_down" and p.nominal == 30.0 else 0.0)
        points.append({"seq": p.seq, "readings": [shown] * (3 if p.test == "repeatability" else 1)})
    rec = workflow.save_record(db, lab.tech, rec.id, workflow.SaveRecord(
        version_id=rec.version_id, environment={"temperature": 25}, standards=[lab.standards["F1"].id,
                                                                                lab.standards["M1"].id],
        points=points, checks=all_checks_ok(rec)))
    hysteresis = {row["nominal"]["value"]: row for row in rec.results["hysteresis"]}
    assert hysteresis[30.0]["hysteresis"]["value"] == pytest.approx(0.4) and hysteresis[30.0]["verdict"] == "fail"
    assert hysteresis[2.0]["verdict"] == "pass" and rec.verdict == "fail"
    assert not any(p.added_load for p in rec.points) and rec.results["fitness"] == []


def test_a_record_made_with_the_first_r76_procedure_still_recomputes(db, lab):
    """Procedures are versioned: the first R76 file (weighing, eccentricity on 5 positions,
    repeatability; rounding d/√12 at load and at zero) keeps computing as it did for its records.
    At Min with the F1 weights: U = 2 × √(2 × 0.005²/3 + (1.65e-7)²) = 0.008165 kg, E = 0."""
    old = json.loads((Path(__file__).parent / "data" / "nawi_r76_verification_v1.json").read_text(encoding="utf-8"))
    proc = catalog.create_procedure(db, SYSTEM, catalog.NewProcedure(
        code="QTKĐ-CKTĐ-R76-2025", title_vi=old["title_vi"], title_en=old["title_en"], kind="verification",
        instrument_type_id=lab.types["scale"].id, spec=old["spec"]))
    rec = workflow.open_record(db, lab.tech, workflow.OpenRecord(
        instrument_id=lab.instruments["scale"].id, kind="verification", procedure_id=proc.id))
    assert [p.test for p in rec.points].count("eccentricity") == 5 and rec.points[0].label == "Min"
    rec = workflow.save_record(db, lab.tech, rec.id, workflow.SaveRecord(
        version_id=rec.version_id, environment={"temperature": 23}, standards=[lab.standards["F1"].id,
                                                                                lab.standards["M1"].id],
        points=[{"seq": p.seq, "readings": [p.nominal] * (3 if p.test == "repeatability" else 1)}
                for p in rec.points]))
    assert rec.points[0].error == 0.0 and rec.points[0].uncertainty == pytest.approx(0.008165, abs=1e-6)
    assert rec.results["complete"] is True and rec.verdict == "pass" and "checks" not in rec.results
