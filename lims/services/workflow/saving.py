"""Saving a record: check everything the technician entered, compute the results, store them with units.

Nothing is written on any error: every input is checked first (:mod:`.record_input`), then the
chosen standards against the points, then :func:`lims.metrology.results.compute` gives the
results, which are stored on the points and in ``Record.results``.
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from lims.i18n import _
from lims.metrology.results import PointData, PointResult, StandardData, compute, covers
from lims.metrology.units_format import page_quantity
from lims.models import Record, RecordStandard, ReferenceStandard, StandardCalibration
from lims.services import audit
from lims.services.policy import Actor, require_technician
from lims.services.validation import Checker
from lims.services.workflow.common import facts_of, today
from lims.services.workflow.inputs import SaveRecord
from lims.services.workflow.locking import check_version
from lims.services.workflow.record_input import checks_input, environment_input, points_input, standards_input
from lims.services.workflow.records import get_record, require_editable
from lims.services.workflow.standards import calibration_in_force, range_text, standard_data, standard_problem
from lims.services.workflow.work_date import check_work_date, received_on

__all__ = ["save_record", "record_summary"]

Chosen = list[tuple[ReferenceStandard, StandardCalibration]]


def _scalars(c: Checker, record: Record, given: dict[str, Any]) -> dict[str, Any]:
    """Place, work date (and its reason), remarks and "adjusted": the given ones checked, the others kept.

    A changed work date (or reason) follows :mod:`.work_date` (not before receipt, not in the
    future, far back only with a reason); an unchanged one is not judged again as days pass.
    """
    out: dict[str, Any] = {"place": record.place, "work_date": record.work_date, "remarks": record.remarks,
                           "adjusted": record.adjusted, "work_date_reason": record.work_date_reason}
    if "place" in given:
        out["place"] = c.text(given, "place", required=False, max_len=255)
    work_date = c.day(given, "work_date", required=False) if "work_date" in given else record.work_date
    if "work_date_reason" in given:
        out["work_date_reason"] = c.text(given, "work_date_reason", required=False, max_len=2000,
                                         multiline=True) or ""
    if work_date != record.work_date or out["work_date_reason"] != record.work_date_reason:
        check_work_date(c, work_date, received_on(record), out["work_date_reason"] or "", today())
    out["work_date"] = work_date
    if "remarks" in given:
        out["remarks"] = c.text(given, "remarks", required=False, max_len=4000, multiline=True)
    if "adjusted" in given:
        out["adjusted"] = c.boolean(given, "adjusted", default=record.adjusted)
    return out


def _current_standards(c: Checker, record: Record, on: date) -> Chosen:
    """The standards already chosen, re-checked for the work date."""
    chosen = []
    for rs in record.standards:
        problem = standard_problem(rs.standard, on)
        if problem is not None:
            c.fail("standards", _("%(code)s cannot be used: %(reason)s.", code=rs.standard.code, reason=problem))
        else:
            cal = calibration_in_force(rs.standard, on)
            assert cal is not None
            chosen.append((rs.standard, cal))
    return chosen


def _points_as_they_will_be(record: Record, points_in: dict[int, dict]) -> list[PointData]:
    points = []
    for p in record.points:
        new = points_in.get(p.seq, {})
        points.append(PointData(
            seq=p.seq, test=p.test, label=p.label, nominal=new.get("nominal", p.nominal), unit=p.unit,
            readings=new.get("readings", list(p.readings or [])),
            reference_value=new.get("reference_value", p.reference_value),
            added_load=new.get("added_load", p.added_load),
        ))
    return points


def _check_coverage(c: Checker, chosen: Chosen, std_data: list[StandardData], points: list[PointData]) -> None:
    """Every chosen standard covers a point, and every measured point is covered by one."""
    if not std_data:
        return
    for s in std_data:
        if not any(covers(s, pt.reference_value if pt.reference_value is not None else pt.nominal, pt.unit)
                   for pt in points if pt.nominal is not None):
            std = next(x for x, _cal in chosen if x.id == s.id)
            c.fail("standards", _("%(code)s cannot be used: its range (%(range)s) covers none of the points.",
                                  code=s.code, range=range_text(std)))
    for pt in points:
        value = pt.reference_value if pt.reference_value is not None else pt.nominal
        if pt.readings and value is not None and not any(covers(s, value, pt.unit) for s in std_data):
            c.fail(f"points.{pt.seq}.reference_value" if pt.reference_value is not None else f"points.{pt.seq}",
                   _("No selected standard covers %(value)s (%(ranges)s).", value=page_quantity(value, pt.unit),
                     ranges="; ".join(f"{x.code}: {range_text(x)}" for x, _cal in chosen)))


def _store_standards(record: Record, chosen: Chosen) -> None:
    existing = {rs.standard_id: rs for rs in record.standards}
    keep = {s.id for s, _cal in chosen}
    for sid, rs in list(existing.items()):
        if sid not in keep:
            record.standards.remove(rs)
    for s, cal in chosen:
        if s.id in existing:
            existing[s.id].calibration_id = cal.id
        else:
            record.standards.append(RecordStandard(standard_id=s.id, calibration_id=cal.id))


def _store_points(record: Record, points: list[PointData], points_in: dict[int, dict],
                  results_by_seq: dict[int, PointResult]) -> None:
    for p, pt in zip(record.points, points, strict=True):
        new = points_in.get(p.seq, {})
        res = results_by_seq[p.seq]
        if "source" in new:
            p.source = new["source"]
        elif "readings" in new and new["readings"] != list(p.readings or []):
            p.source = None  # typed over what a device read
        p.nominal = pt.nominal
        p.readings = list(pt.readings)
        p.reference_value = pt.reference_value
        p.added_load = pt.added_load
        p.indication, p.error, p.uncertainty = res.indication, res.error, res.uncertainty
        p.coverage_factor, p.mpe, p.verdict = res.coverage_factor, res.mpe, res.verdict


def save_record(session: Session, actor: Actor | None, record_id: int, inp: SaveRecord) -> Record:
    """Save what the technician entered and compute the results (nothing is written on any error)."""
    require_technician(actor)
    record = get_record(session, actor, record_id)
    require_editable(record)
    check_version(record, inp.version_id, _("Record %(number)s", number=record.number))
    spec = record.procedure.spec
    c = Checker()
    scalars = _scalars(c, record, inp.given())
    on = scalars["work_date"] or today()
    environment = environment_input(c, spec, inp.environment, record.environment or {})
    chosen = standards_input(c, session, record, inp.standards, on)
    points_in = points_input(c, record, inp.points)
    checks = checks_input(c, spec, inp.checks, record.checks or {})
    if chosen is None:  # not given: keep the current ones, re-checked for the work date
        chosen = _current_standards(c, record, on)
    c.done()
    points = _points_as_they_will_be(record, points_in)
    std_data = [standard_data(s, cal) for s, cal in chosen]
    _check_coverage(c, chosen, std_data, points)
    c.done()

    results_by_seq, results = compute(spec, facts_of(record.instrument), record.verification_type, points, std_data,
                                      checks=checks, environment=environment)
    before = record_summary(record)
    for key, value in scalars.items():
        setattr(record, key, value)
    record.environment = environment
    record.checks = checks
    _store_standards(record, chosen)
    _store_points(record, points, points_in, results_by_seq)
    record.results = results
    record.verdict = results["verdict"] if results["complete"] else None
    record.updated_at = datetime.now(UTC)
    session.flush()
    audit.record(session, actor, "record.save", record, before=before, after=record_summary(record))
    return record


def record_summary(record: Record) -> dict:
    """What the audit trail keeps of a record's content (inputs and the verdict)."""
    return {
        "status": record.status, "version_id": record.version_id, "place": record.place,
        "work_date": record.work_date, "work_date_reason": record.work_date_reason, "environment": record.environment,
        "standards": sorted(f"{rs.standard_id}:{rs.calibration_id}" for rs in record.standards),
        "points": {str(p.seq): {"nominal": p.nominal, "readings": p.readings, "reference_value": p.reference_value,
                                **({"added_load": p.added_load} if p.added_load is not None else {})}
                   for p in record.points},
        **({"checks": record.checks} if record.checks else {}),
        "verdict": record.verdict, "remarks": record.remarks,
    }
