"""Impact of a bad reference standard: every record and certificate that used it.

When a reference standard is found out of tolerance (at its next calibration, or by an
intermediate check, ISO/IEC 17025 6.4.9 and 7.10), the results it produced since its last
good calibration are in doubt. :func:`impact_of_standard` lists them: every record whose
work date is on or after the calibration that was in force when the standard was found bad,
and the certificates issued from those records, so the lab can assess them and recall or
amend certificates where needed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lims.errors import Conflict, NotFound
from lims.i18n import _
from lims.models import (
    Certificate,
    Instrument,
    Record,
    RecordStandard,
    ReferenceStandard,
    Role,
    StandardCalibration,
    StandardStatus,
)
from lims.services import audit
from lims.services.policy import Actor, require
from lims.services.validation import Checker
from lims.services.workflow.inputs import MarkOutOfTolerance


@dataclass
class Impact:
    standard: ReferenceStandard
    found_bad_on: date | None  # None: the standard is still in use (the list shows what would be affected)
    last_good: StandardCalibration | None
    since: date | None
    records: list[Record] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "standard": {"id": self.standard.id, "code": self.standard.code, "name": self.standard.name,
                         "status": self.standard.status},
            "found_bad_on": self.found_bad_on.isoformat() if self.found_bad_on else None,
            "last_good_calibration": None if self.last_good is None else {
                "id": self.last_good.id, "certificate_number": self.last_good.certificate_number,
                "calibration_date": self.last_good.calibration_date.isoformat()},
            "since": self.since.isoformat() if self.since else None,
            "records": [{"id": r.id, "number": r.number, "status": r.status, "kind": r.kind,
                         "work_date": r.work_date.isoformat() if r.work_date else None,
                         "instrument_id": r.instrument_id, "serial_number": r.instrument.serial_number,
                         "owner": r.instrument.owner.name, "verdict": r.verdict} for r in self.records],
            "certificates": [{"id": c.id, "number": c.number, "status": c.status, "kind": c.kind,
                              "issue_date": c.issue_date.isoformat(), "record_id": c.record_id,
                              "customer": c.customer.name} for c in self.certificates],
        }


def get_standard(session: Session, standard_id: int) -> ReferenceStandard:
    std = session.get(ReferenceStandard, standard_id)
    if std is None:
        raise NotFound(_("No reference standard with id %(id)s.", id=standard_id))
    return std


def last_good_calibration(std: ReferenceStandard, found_bad_on: date | None) -> StandardCalibration | None:
    """The calibration in force when the standard was found bad (the latest on or before that day)."""
    cals = std.calibrations
    if found_bad_on is not None:
        cals = [c for c in cals if c.calibration_date <= found_bad_on]
    return cals[-1] if cals else None


def impact_of_standard(session: Session, viewer: Actor | None, standard_id: int) -> Impact:
    """Records and certificates that used the standard since its last good calibration."""
    require(viewer, Role.technician, Role.reviewer)
    std = get_standard(session, standard_id)
    found = std.out_of_tolerance_since if std.status == StandardStatus.out_of_tolerance.value else None
    last_good = last_good_calibration(std, found)
    since = last_good.calibration_date if last_good is not None else None
    q = (select(Record).join(RecordStandard, RecordStandard.record_id == Record.id)
         .where(RecordStandard.standard_id == std.id)
         .options(selectinload(Record.instrument).selectinload(Instrument.owner))
         .order_by(Record.work_date, Record.id))
    if since is not None:
        q = q.where(Record.work_date >= since)
    records = list(session.scalars(q))
    certificates = []
    if records:
        certificates = list(session.scalars(
            select(Certificate).where(Certificate.record_id.in_([r.id for r in records]))
            .options(selectinload(Certificate.customer)).order_by(Certificate.issue_date, Certificate.id)))
    return Impact(std, found, last_good, since, records, certificates)


def mark_out_of_tolerance(session: Session, actor: Actor | None, standard_id: int,
                          inp: MarkOutOfTolerance) -> ReferenceStandard:
    """Record that a standard was found out of tolerance on a day: it can no longer be selected."""
    require(actor, Role.reviewer)
    std = get_standard(session, standard_id)
    if std.status == StandardStatus.out_of_tolerance.value:
        raise Conflict(_("%(code)s is already marked out of tolerance.", code=std.code))
    c = Checker()
    since = c.day({"since": inp.since}, "since")
    reason = c.text({"reason": inp.reason}, "reason", max_len=2000, multiline=True)
    if since is not None and since > date.today():
        c.fail("since", _("The date is in the future."))
    c.done()
    before = audit.snapshot(std)
    std.status = StandardStatus.out_of_tolerance.value
    std.out_of_tolerance_since = since
    session.flush()
    after = audit.snapshot(std)
    after["reason"] = reason
    audit.record(session, actor, "reference_standard.out_of_tolerance", std, before=before, after=after)
    return std
