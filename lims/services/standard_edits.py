"""Correcting a reference standard, changing its status, and what refers to it (admin).

The same shape as :mod:`lims.services.catalog_edits`: the creation's input plus ``status``
(``in_use`` / ``out_of_tolerance`` / ``retired``) and the ``version_id`` read; a stale version
is a 409, a wrong field a 422 naming it, nothing written when refused, one audit event
``reference_standard.update`` with the changed fields before and after.

* Once a record used the standard, its quantity and the unit of its range are what the record's
  results were computed in: they are refused (a new standard is the way). Its quantity is also
  refused once a calibration is recorded (the calibration's U and data are in its units).
* A retired standard is offered for no new record (:func:`lims.services.workflow.standards.standard_choices`)
  and refused when sent (``standard_problem``); the records that used it keep it. Set out of
  tolerance here, it is out of tolerance from today (the impact page's action asks since when);
  set back in use, that date is cleared.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.i18n import _
from lims.models import Record, RecordStandard, ReferenceStandard, Role, StandardCalibration, StandardStatus
from lims.services import policy
from lims.services.catalog import (
    NewReferenceStandard,
    _check_range,
    check_standard_instrument,
    get_reference_standard,
)
from lims.services.catalog_edits import apply_change, change_of, changed_fields, values_of
from lims.services.inputs import service_input
from lims.services.policy import Actor
from lims.services.validation import Checker
from lims.services.workflow.locking import check_version

__all__ = ["STANDARD_FROZEN_WHEN_USED", "StandardChange", "StandardRefs", "standard_change",
           "standard_frozen_fields", "standard_refs", "update_reference_standard"]

#: What a record's results were computed in: not changed once a record used the standard.
STANDARD_FROZEN_WHEN_USED = ("quantity", "range_unit")


@service_input
@dataclass(frozen=True, kw_only=True)
class StandardChange(NewReferenceStandard):
    """A reference standard as corrected, its status, and the version read."""

    status: Literal["in_use", "out_of_tolerance", "retired"] = "in_use"
    version_id: int


def standard_change(std: ReferenceStandard, given: Mapping[str, Any]) -> StandardChange:
    return change_of(StandardChange, values_of(std, StandardChange), given)


def _used(session: Session, std: ReferenceStandard) -> bool:
    return session.scalar(select(RecordStandard.id).where(RecordStandard.standard_id == std.id).limit(1)) is not None


def standard_frozen_fields(session: Session, std: ReferenceStandard) -> tuple[str, ...]:
    """The fields that can no longer change (quantity once calibrated; both once a record used it)."""
    if _used(session, std):
        return STANDARD_FROZEN_WHEN_USED
    return ("quantity",) if std.calibrations else ()


def update_reference_standard(session: Session, actor: Actor | None, standard_id: int,
                              change: StandardChange) -> ReferenceStandard:
    """Correct a reference standard or change its status (admin); see the module's docstring."""
    policy.require(actor, Role.admin)
    std = get_reference_standard(session, standard_id)
    check_version(std, change.version_id, _("This reference standard"))
    before = values_of(std, StandardChange)
    after = {name: getattr(change, name) for name in before}
    c = Checker()
    if change.code != std.code and session.scalar(
            select(ReferenceStandard.id).where(ReferenceStandard.code == change.code, ReferenceStandard.id != std.id)):
        c.fail("code", _("A reference standard with code %(code)s exists already.", code=repr(change.code)))
    after["range_min"], after["range_unit"] = _check_range(c, change, change.quantity)
    if change.instrument_id != std.instrument_id:
        check_standard_instrument(c, session, change.instrument_id, std.id)
    after["range_max"] = float(change.range_max)
    changed = changed_fields(before, after)
    if any(name in STANDARD_FROZEN_WHEN_USED for name in changed):
        if _used(session, std):
            for name in changed:
                if name in STANDARD_FROZEN_WHEN_USED:
                    c.fail(name, _("Records used this standard and their results were computed in this "
                                   "quantity and unit; it can no longer be changed. Add a new reference "
                                   "standard instead."))
        elif "quantity" in changed and std.calibrations:
            c.fail("quantity", _("Calibrations of this standard are recorded in this quantity; it can no "
                                 "longer be changed. Add a new reference standard instead."))
    c.done()
    if "status" in changed:
        entering = change.status == StandardStatus.out_of_tolerance.value
        since_before = std.out_of_tolerance_since
        std.out_of_tolerance_since = date.today() if entering else None
        if std.out_of_tolerance_since != since_before:
            before["out_of_tolerance_since"], after["out_of_tolerance_since"] = since_before, std.out_of_tolerance_since
            changed.append("out_of_tolerance_since")
    apply_change(session, actor, std, "reference_standard", before, after, changed)
    return std


@dataclass(frozen=True)
class StandardRefs:
    """What refers to a standard, for its page: its calibrations and the records that used it."""

    calibrations: list[StandardCalibration]
    records: list[Record]
    record_count: int


def standard_refs(session: Session, actor: Actor | None, standard_id: int, *,
                  limit: int = 200) -> tuple[ReferenceStandard, StandardRefs]:
    """The standard with its calibrations (newest first) and the records that used it (the newest
    ``limit``, and how many): the lab's staff."""
    policy.require(actor, Role.technician, Role.reviewer)
    std = get_reference_standard(session, standard_id)
    used = select(RecordStandard.record_id).where(RecordStandard.standard_id == std.id)
    records = list(session.scalars(select(Record).where(Record.id.in_(used)).order_by(Record.id.desc())
                                   .limit(limit)))
    count = session.scalar(select(func.count()).select_from(RecordStandard)
                           .where(RecordStandard.standard_id == std.id)) or 0
    return std, StandardRefs(list(reversed(std.calibrations)), records, count)
