"""The traceability chain of a record or certificate built from the stored calibrations (issue 13,
part 1; ISO/IEC 17025:2017 6.5): a whole chain reaches the SI, each break code comes from data,
and a record whose chain is broken is not approved (409, nothing changed)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select

from lims.errors import Conflict, ValidationError
from lims.i18n import use_language
from lims.models import AuditEvent, Certificate, Instrument, Record
from lims.services import catalog, standard_calibrations, workflow
from lims.services.demo_sample import Point, approved_record
from lims.services.policy import SYSTEM
from lims.services.standard_calibrations import NewStandardCalibration, add_standard_calibration
from lims.services.traceability_chain import chain_json, record_chain, record_chain_problems
from tests.services.workflow_factory import complete_scale_record, open_scale_record

TODAY = date.today()


def _approved_scale_record(db, lab):
    rec = complete_scale_record(db, lab, open_scale_record(db, lab, work_date=TODAY - timedelta(days=1)))
    workflow.submit_record(db, lab.tech, rec.id, workflow.Version(version_id=rec.version_id))
    return workflow.approve_record(db, lab.reviewer, rec.id, workflow.Version(version_id=rec.version_id))


def _record_with(db, lab, *standards, day=TODAY, instrument=None, kind="verification", status="draft"):
    """A record of ``day`` that used ``standards`` (stored as the workflow stores one)."""
    point = Point(nominal=1.0, indication=1.0, error=0.0, uncertainty=0.001, mpe=None, verdict=None, unit="kg")
    return approved_record(db, instrument=instrument or lab.instruments["scale"], procedure=lab.procedures["r76"],
                           technician=lab.tech, reviewer=lab.reviewer, points=[point], standards=list(standards),
                           kind=kind, work_date=day, verdict=None, status=status)


def _lab_standard(db, lab, code):
    """A standard that is one of the lab's instruments (it can be calibrated by a record)."""
    inst = catalog.create_instrument(db, SYSTEM, catalog.NewInstrument(
        owner_id=lab.lab.id, type_id=lab.types["scale"].id, serial_number=f"SN-{code}", range_min=0,
        range_max=20, range_unit="kg"))
    std = catalog.create_reference_standard(db, SYSTEM, catalog.NewReferenceStandard(
        code=code, name=f"Working weights {code}", quantity="mass", range_min=1, range_max=20, range_unit="kg"))
    std.instrument_id = inst.id
    db.flush()
    return std, inst


def _internal_calibration(db, lab, std, inst, against, day):
    """``std`` calibrated by the lab on ``day`` with ``against`` (an approved calibration record)."""
    rec = _record_with(db, lab, *against, day=day, instrument=inst, kind="calibration", status="approved")
    return add_standard_calibration(db, SYSTEM, std.id, NewStandardCalibration(
        certificate_number=f"INT-{std.code}", lab_id=lab.lab.id, record_id=rec.id, calibration_date=day,
        due_date=day + timedelta(days=365), expanded_uncertainty=16, uncertainty_unit="mg"))


def _codes(view):
    return [(b.code, b.node) for b in view.chain.breaks]


def test_an_approved_certificate_traces_through_vmi_to_the_si_in_few_queries(db, lab, app):
    """F1 and M1 calibrated by VMI (national metrology institute) against its national mass standard:
    result -> each standard on the work date -> its calibration (U with unit, k) -> national -> SI."""
    from lims.services.traceability_chain import certificate_chain

    rec = _approved_scale_record(db, lab)
    cert = db.scalar(select(Certificate).where(Certificate.record_id == rec.id))
    statements: list[str] = []
    engine = db.get_bind()
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listen)
    try:
        with use_language("en"):
            _cert, view = certificate_chain(db, lab.reviewer, cert.id)
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) <= 6
    assert view.chain.reaches_si and view.chain.breaks == []
    day = rec.work_date.isoformat()
    edges = {(e.source, e.target) for e in view.chain.edges}
    assert (f"result:{cert.number}", f"standard:F1@{day}") in edges
    assert (f"standard:F1@{day}", "calibration:CAL-F1") in edges
    assert ("calibration:CAL-F1", "national:Viện Đo lường Việt Nam (VMI)|National mass standard") in edges
    assert ("national:Viện Đo lường Việt Nam (VMI)|National mass standard", "si") in edges
    with use_language("en"):
        body = chain_json(view)
    f1 = next(n for n in body["nodes"] if n["id"] == "calibration:CAL-F1")
    assert f1["lab"] == {"name": "Viện Đo lường Việt Nam (VMI)", "accreditation": "national metrology institute"}
    assert f1["uncertainty"] == {"value": 0.33, "unit": "mg", "k": 2.0, "text": "0.33\u00a0mg"}
    assert body["reaches_si"] is True and body["nodes"][-1]["kind"] == "si"


def test_an_internal_calibration_links_to_the_standards_of_its_record(db, lab):
    """Working weights W1 calibrated by the lab 10 days ago with the F1 set: a record using W1 traces
    W1 -> INT-W1 -> F1 as it was on the calibration day -> CAL-F1 -> national -> SI."""
    w1, inst = _lab_standard(db, lab, "W1")
    day = TODAY - timedelta(days=10)
    _internal_calibration(db, lab, w1, inst, [lab.standards["F1"]], day)
    view = record_chain(db, _record_with(db, lab, w1))
    assert view.chain.reaches_si, view.reasons()
    edges = {(e.source, e.target) for e in view.chain.edges}
    assert ("calibration:INT-W1", f"standard:F1@{day.isoformat()}") in edges
    assert (f"standard:F1@{day.isoformat()}", "calibration:CAL-F1") in edges


def test_no_calibration_in_force_on_the_work_date(db, lab):
    """PRT-OLD's calibration was due 35 days ago: a record of today breaks at it."""
    view = record_chain(db, _record_with(db, lab, lab.standards["T_old"]))
    assert _codes(view)[0] == ("no_calibration", f"standard:PRT-OLD@{TODAY.isoformat()}")
    assert _codes(view)[-1][0] == "not_traced_to_si"


def test_a_calibration_with_no_upstream_link(db, lab):
    """A new F1 certificate entered without its upstream: the chain breaks at that calibration,
    and the reason reads in the language asked."""
    top = lab.national["mass"]
    add_standard_calibration(db, SYSTEM, lab.standards["F1"].id, NewStandardCalibration(
        certificate_number="CAL-F1-NEW", lab_id=top.institute_id, calibration_date=TODAY - timedelta(days=5),
        due_date=TODAY + timedelta(days=360), expanded_uncertainty=0.33, uncertainty_unit="mg"))
    record = _record_with(db, lab, lab.standards["F1"])
    assert _codes(record_chain(db, record))[0] == ("no_upstream", "calibration:CAL-F1-NEW")
    with use_language("en"):
        assert record_chain_problems(db, record)[0] == "Calibration CAL-F1-NEW names no upstream standard."
    with use_language("vi"):
        assert record_chain_problems(db, record)[0] == \
            "Giấy chứng nhận hiệu chuẩn CAL-F1-NEW không nêu chuẩn cấp trên."


def test_a_cycle_of_internal_calibrations(db, lab):
    """A calibrated against B and B against A on the same day: the chain comes back to A."""
    day = TODAY - timedelta(days=10)
    (a, inst_a), (b, inst_b) = _lab_standard(db, lab, "A"), _lab_standard(db, lab, "B")
    # B's calibration first needs a calibration of A to save a record with it
    add_standard_calibration(db, SYSTEM, a.id, NewStandardCalibration(
        certificate_number="A-0", lab_id=lab.national["mass"].institute_id, calibration_date=day - timedelta(days=1),
        due_date=day, expanded_uncertainty=1, uncertainty_unit="mg"))
    _internal_calibration(db, lab, b, inst_b, [a], day)
    _internal_calibration(db, lab, a, inst_a, [b], day)
    view = record_chain(db, _record_with(db, lab, a))
    assert ("cycle", "calibration:INT-B") in _codes(view)
    assert any(e.broken for e in view.chain.edges)


def test_an_upstream_standard_out_of_tolerance_at_the_time(db, lab):
    """F1 found out of tolerance from before the day it calibrated W1: W1's chain breaks at F1."""
    w1, inst = _lab_standard(db, lab, "W1")
    day = TODAY - timedelta(days=10)
    _internal_calibration(db, lab, w1, inst, [lab.standards["F1"]], day)
    lab.standards["F1"].out_of_tolerance_since = day - timedelta(days=1)
    db.flush()
    view = record_chain(db, _record_with(db, lab, w1))
    assert ("out_of_tolerance", f"standard:F1@{day.isoformat()}") in _codes(view)


def test_approval_of_a_record_whose_chain_is_broken_is_refused_with_the_reason(db, lab):
    """ISO/IEC 17025 6.5.1: the record stays submitted, no certificate, no approval event (409)."""
    rec = complete_scale_record(db, lab, open_scale_record(db, lab, work_date=TODAY - timedelta(days=1)))
    workflow.submit_record(db, lab.tech, rec.id, workflow.Version(version_id=rec.version_id))
    top = lab.national["mass"]
    add_standard_calibration(db, SYSTEM, lab.standards["M1"].id, NewStandardCalibration(
        certificate_number="CAL-M1-NEW", lab_id=top.institute_id, calibration_date=TODAY - timedelta(days=3),
        due_date=TODAY + timedelta(days=360), expanded_uncertainty=2, uncertainty_unit="g"))
    db.commit()
    events = db.scalar(select(func.count()).select_from(AuditEvent))
    with use_language("en"), pytest.raises(Conflict) as refused:
        workflow.approve_record(db, lab.reviewer, rec.id, workflow.Version(version_id=rec.version_id))
    assert refused.value.status == 409
    assert "Calibration CAL-M1-NEW names no upstream standard." in refused.value.message
    assert refused.value.detail["reasons"][0] == "Calibration CAL-M1-NEW names no upstream standard."
    db.rollback()
    assert db.get(Record, rec.id).status == "submitted"
    assert db.scalar(select(func.count()).select_from(Certificate).where(Certificate.record_id == rec.id)) == 0
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_calibration_entry_names_lab_and_upstream_checked_and_nothing_written(db, lab):
    """A business is no calibration lab; an internal record must be an approved calibration of this
    standard's instrument; a national standard and a record at once are refused; nothing is written."""
    w1, inst = _lab_standard(db, lab, "W1")
    other = _record_with(db, lab, lab.standards["F1"], status="approved", kind="calibration")
    national = lab.national["mass"]
    before = len(w1.calibrations)
    cases = [
        ({"lab_id": lab.business.id}, "lab_id"),
        ({"lab_id": lab.lab.id, "record_id": other.id}, "record_id"),
        ({"lab_id": national.institute_id, "national_standard_id": national.id, "record_id": other.id}, "record_id"),
        ({"lab_id": national.institute_id, "national_standard_id": lab.national["pressure"].id},
         "national_standard_id"),
        ({"lab_id": national.institute_id, "record_id": 999_999}, "record_id"),
    ]
    for given, field in cases:
        with pytest.raises(ValidationError) as refused:
            add_standard_calibration(db, SYSTEM, w1.id, NewStandardCalibration(
                certificate_number="X", calibration_date=other.work_date, due_date=TODAY + timedelta(days=30),
                expanded_uncertainty=1, uncertainty_unit="mg", **given))
        assert field in refused.value.errors, (given, refused.value.errors)
    db.expire_all()
    assert len(db.get(type(w1), w1.id).calibrations) == before
    assert db.scalar(select(func.count()).select_from(Instrument).where(Instrument.owner_id == lab.lab.id)) == 1


def test_a_national_standard_belongs_to_a_national_institute(db, lab):
    with use_language("en"), pytest.raises(ValidationError) as refused:
        standard_calibrations.create_national_standard(db, SYSTEM, standard_calibrations.NewNationalStandard(
            institute_id=lab.business.id, name="Kilogram", quantity="mass"))
    assert refused.value.errors == {"institute_id": "Công ty Cân Việt is not a national metrology institute."}


def test_a_standard_is_an_instrument_of_the_lab_and_of_one_standard_only(db, lab):
    """The instrument an internal calibration is recorded on: the lab's own, not a customer's, and not
    already another standard's (422 naming instrument_id, nothing written)."""
    w1, inst = _lab_standard(db, lab, "W1")
    for instrument, message in ((lab.instruments["scale"], "SC-60 is not an instrument of the lab."),
                                (inst, "SN-W1 is the instrument of another standard.")):
        with use_language("en"), pytest.raises(ValidationError) as refused:
            catalog.create_reference_standard(db, SYSTEM, catalog.NewReferenceStandard(
                code="W2", name="W2", quantity="mass", range_min=1, range_max=20, range_unit="kg",
                instrument_id=instrument.id))
        assert refused.value.errors == {"instrument_id": message}
    assert db.scalar(select(func.count()).select_from(type(w1)).where(type(w1).code == "W2")) == 0
