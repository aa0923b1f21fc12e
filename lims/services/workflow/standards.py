"""Which reference standards a record may use on its work date (calibration in force, range, status)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.i18n import _
from lims.metrology.results import StandardData, covers
from lims.metrology.units_format import page_day, page_range
from lims.models import Record, ReferenceStandard, Role, StandardCalibration, StandardStatus
from lims.services.policy import Actor, require
from lims.services.workflow.common import today

__all__ = ["calibration_in_force", "standard_problem", "standard_data", "standard_choices", "range_text",
           "standards_in_use"]


def calibration_in_force(std: ReferenceStandard, on: date) -> StandardCalibration | None:
    """The standard's calibration certificate in force on a day (the latest made on or before it)."""
    done = [cal for cal in std.calibrations if cal.calibration_date <= on]
    return done[-1] if done else None


def standard_problem(std: ReferenceStandard, on: date) -> str | None:
    """Why a standard cannot be used on a day, or None when it can."""
    if std.status == StandardStatus.out_of_tolerance.value:
        since = std.out_of_tolerance_since
        return _("out of tolerance since %(day)s", day=page_day(since)) if since else _("out of tolerance")
    if std.status == StandardStatus.retired.value:
        return _("retired")
    cal = calibration_in_force(std, on)
    if cal is None:
        return _("no calibration certificate in force on %(day)s", day=page_day(on))
    if cal.due_date < on:
        return _("its calibration was due on %(day)s (certificate %(number)s)", day=page_day(cal.due_date),
                 number=cal.certificate_number)
    return None


def standard_data(std: ReferenceStandard, cal: StandardCalibration) -> StandardData:
    """The standard and its calibration as plain values for :func:`lims.metrology.results.compute`.

    ``data`` is what the calibration's certificate states point by point
    (:mod:`lims.metrology.reference.calibration_data`); ``history`` the earlier calibrations of the
    standard, oldest first, as (date, data): the drift since the last calibration is estimated from
    the changes between successive ones (EURAMET cg-18 v4.0 7.1.2).
    """
    earlier = tuple((c.calibration_date.isoformat(), dict(c.data or {})) for c in std.calibrations
                    if c.id != cal.id and c.calibration_date < cal.calibration_date)
    return StandardData(id=std.id, code=std.code, quantity=std.quantity, range_min=std.range_min,
                        range_max=std.range_max, range_unit=std.range_unit,
                        expanded_uncertainty=cal.expanded_uncertainty, uncertainty_unit=cal.uncertainty_unit,
                        coverage_factor=cal.coverage_factor, calibration_id=cal.id, data=dict(cal.data or {}),
                        history=tuple(sorted(earlier, key=lambda h: h[0])))


def range_text(std: ReferenceStandard) -> str:
    return page_range(std.range_min, std.range_max, std.range_unit)


def standard_choices(session: Session, record: Record) -> list[tuple[ReferenceStandard, str | None]]:
    """Standards of the procedure's quantity, each with the reason it cannot be selected (or None).
    A retired standard is not offered, unless the record names it already (then with its reason)."""
    quantity = record.procedure.spec.get("quantity")
    on = record.work_date or today()
    named = {rs.standard_id for rs in record.standards}
    out = []
    for std in session.scalars(select(ReferenceStandard).where(ReferenceStandard.quantity == quantity)
                               .order_by(ReferenceStandard.code)):
        if std.status == StandardStatus.retired.value and std.id not in named:
            continue
        problem = standard_problem(std, on)
        if problem is None:
            cal = calibration_in_force(std, on)
            assert cal is not None
            data = standard_data(std, cal)
            if not any(covers(data, p.reference_value if p.reference_value is not None else p.nominal, p.unit)
                       for p in record.points if p.nominal is not None):
                problem = _("its range (%(range)s) covers none of the points", range=range_text(std))
        out.append((std, problem))
    return out


def standards_in_use(session: Session, viewer: Actor | None, on: date | None = None
                     ) -> list[tuple[ReferenceStandard, str | None]]:
    """Every reference standard with the reason it cannot be used today (or None)."""
    require(viewer, Role.technician, Role.reviewer)
    day = on or today()
    return [(s, standard_problem(s, day))
            for s in session.scalars(select(ReferenceStandard).order_by(ReferenceStandard.code))]
