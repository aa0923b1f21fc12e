"""The calibrations of the lab's reference standards, as links of the traceability chain (admin).

A calibration names its calibrating lab (``lab_id``: an organisation of kind ``calibration_lab``,
or the lab itself for an internal calibration) and what it was made against — its upstream:

* ``national_standard_id``: a national standard (at the top of the chain, under the SI);
* ``record_id``: an approved calibration record of this system whose instrument is the standard
  itself (the standard's ``instrument_id``); that record's standards are the higher standards;
* neither: nothing to trace it through — the chain breaks here (docs/traceability.md).

National standards are kept by a national metrology institute (an organisation with
``national_institute``). Everything is checked before anything is written; every write is audited.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.errors import ValidationError
from lims.i18n import _
from lims.metrology.reference.calibration_data import parse_calibration_data
from lims.models import (
    NationalStandard,
    Organisation,
    OrgKind,
    Record,
    RecordStatus,
    ReferenceStandard,
    Role,
    StandardCalibration,
    StandardStatus,
    WorkKind,
)
from lims.services import audit, policy
from lims.services.catalog import Quantity, get_reference_standard
from lims.services.inputs import opts, service_input
from lims.services.policy import Actor
from lims.services.validation import Checker, require_exists
from lims.text_search import fold

__all__ = ["NewNationalStandard", "NewStandardCalibration", "add_standard_calibration", "calibration_lab_named",
           "calibration_labs", "create_national_standard", "internal_records", "list_national_standards"]

#: The organisations that may have calibrated a standard: calibration labs and the lab itself.
CALIBRATING_KINDS = (OrgKind.calibration_lab.value, OrgKind.lab.value)


@service_input
@dataclass(frozen=True, kw_only=True)
class NewStandardCalibration:
    certificate_number: str = field(metadata=opts(max_len=80))
    lab_id: int  # the calibrating lab
    national_standard_id: int | None = None  # upstream: a national standard, or
    record_id: int | None = None  # an internal calibration record of this system
    calibration_date: date
    due_date: date
    expanded_uncertainty: float = field(metadata=opts(non_negative=True))
    uncertainty_unit: str = field(metadata=opts(max_len=32))
    coverage_factor: float | None = field(default=None, metadata=opts(positive=True))
    notes: str = field(default="", metadata=opts(max_len=2000))
    # What the certificate states point by point, a JSON object or its text (format and check:
    # lims.metrology.reference.calibration_data); empty: the one U above for the whole range.
    data: Any = None


@service_input
@dataclass(frozen=True, kw_only=True)
class NewNationalStandard:
    institute_id: int
    name: str
    quantity: Quantity
    kcdb_ref: str = field(default="", metadata=opts(max_len=120))


# ---------------------------------------------------------------- look-ups for the forms


def calibration_labs(session: Session) -> list[Organisation]:
    """The labs a calibration may name: active calibration labs and the lab itself, by name."""
    return list(session.scalars(select(Organisation).where(Organisation.kind.in_(CALIBRATING_KINDS),
                                                           Organisation.active.is_(True))
                                .order_by(Organisation.kind.desc(), Organisation.name)))


def list_national_standards(session: Session, *, active_only: bool = False) -> list[NationalStandard]:
    q = select(NationalStandard).join(NationalStandard.institute).order_by(Organisation.name, NationalStandard.name)
    if active_only:
        q = q.where(NationalStandard.active.is_(True))
    return list(session.scalars(q))


def internal_records(session: Session, std: ReferenceStandard | None = None) -> list[Record]:
    """Approved calibration records that may be the upstream of an internal calibration: those of
    ``std``'s own instrument (all approved calibration records of the lab's standards when None)."""
    q = (select(Record).where(Record.status == RecordStatus.approved.value, Record.kind == WorkKind.calibration.value)
         .order_by(Record.work_date.desc(), Record.id.desc()).limit(200))
    if std is not None:
        q = q.where(Record.instrument_id == (std.instrument_id or -1))
    else:
        q = q.where(Record.instrument_id.in_(select(ReferenceStandard.instrument_id)))
    return list(session.scalars(q))


# ---------------------------------------------------------------- writes


def _calibration_data(c: Checker, std: ReferenceStandard, raw: Any) -> dict[str, Any]:
    """The certificate's data as a JSON object, checked for the standard's quantity (every wrong
    field named ``data.…``); ``{}`` when none was given."""
    if isinstance(raw, str):
        if not raw.strip():
            return {}
        try:
            raw = json.loads(raw)
        except ValueError:
            c.fail("data", _("The calibration data must be a JSON object."))
            return {}
    if raw is None:
        return {}
    try:
        parse_calibration_data(raw, quantity=std.quantity, unit=std.range_unit)
    except ValidationError as exc:
        for name, message in exc.errors.items():
            c.fail(name, message)
        return {}
    return dict(raw)


def _check_upstream(c: Checker, session: Session, std: ReferenceStandard, new: NewStandardCalibration,
                    lab: Organisation | None) -> None:
    """The calibrating lab and the upstream agree: a calibration lab or the lab; an internal record
    only with the lab itself, approved, of this standard's instrument, done on the calibration date."""
    if lab is not None and lab.kind not in CALIBRATING_KINDS:
        c.fail("lab_id", _("%(name)s is not a calibration lab.", name=lab.name))
    if new.national_standard_id is not None and new.record_id is not None:
        c.fail("record_id", _("Name either a national standard or an internal record as the upstream, not both."))
        return
    national = require_exists(c, session, NationalStandard, "national_standard_id", new.national_standard_id)
    if national is not None and national.quantity != std.quantity:
        c.fail("national_standard_id", _("%(name)s is a standard of another quantity.", name=national.name))
    record = require_exists(c, session, Record, "record_id", new.record_id)
    if record is None:
        return
    if lab is not None and lab.kind != OrgKind.lab.value:
        c.fail("lab_id", _("An internal calibration is made by the lab itself."))
    if record.status != RecordStatus.approved.value or record.kind != WorkKind.calibration.value:
        c.fail("record_id", _("Record %(number)s is not an approved calibration record.", number=record.number))
    elif std.instrument_id is None or record.instrument_id != std.instrument_id:
        c.fail("record_id", _("Record %(number)s is not a calibration of %(code)s.",
                              number=record.number, code=std.code))
    elif record.work_date is not None and record.work_date != new.calibration_date:
        c.fail("calibration_date", _("Record %(number)s was done on another day.", number=record.number))


def add_standard_calibration(session: Session, actor: Actor | None, standard_id: int,
                             new: NewStandardCalibration) -> StandardCalibration:
    """Record a calibration certificate of a reference standard with its lab and upstream."""
    policy.require(actor, Role.admin)
    std = get_reference_standard(session, standard_id)
    c = Checker()
    if new.due_date <= new.calibration_date:
        c.fail("due_date", _("The due date must come after the calibration date."))
    if new.calibration_date > date.today():
        c.fail("calibration_date", _("The calibration date is in the future."))
    lab = require_exists(c, session, Organisation, "lab_id", new.lab_id)
    _check_upstream(c, session, std, new, lab)
    u_unit = c.unit({"uncertainty_unit": new.uncertainty_unit}, "uncertainty_unit", quantity=std.quantity)
    data = _calibration_data(c, std, new.data)
    c.done()
    cal = StandardCalibration(
        standard_id=std.id, certificate_number=new.certificate_number, lab_id=new.lab_id,
        national_standard_id=new.national_standard_id, record_id=new.record_id,
        calibration_date=new.calibration_date, due_date=new.due_date,
        expanded_uncertainty=float(new.expanded_uncertainty), uncertainty_unit=u_unit,
        coverage_factor=2.0 if new.coverage_factor is None else float(new.coverage_factor), notes=new.notes,
        data=data,
    )
    session.add(cal)
    if std.status == StandardStatus.out_of_tolerance.value:
        before = audit.snapshot(std)
        std.status = StandardStatus.in_use.value
        std.out_of_tolerance_since = None
        audit.record(session, actor, "reference_standard.back_in_use", std, before=before,
                     after=audit.snapshot(std))
    audit.record(session, actor, "standard_calibration.create", cal, after=audit.snapshot(cal))
    session.refresh(std)
    return cal


def create_national_standard(session: Session, actor: Actor | None, new: NewNationalStandard) -> NationalStandard:
    """A national standard of a national metrology institute (admin)."""
    policy.require(actor, Role.admin)
    c = Checker()
    institute = require_exists(c, session, Organisation, "institute_id", new.institute_id)
    if institute is not None and not institute.national_institute:
        c.fail("institute_id", _("%(name)s is not a national metrology institute.", name=institute.name))
    elif institute is not None and session.scalar(select(NationalStandard.id).where(
            NationalStandard.institute_id == institute.id, func.lower(NationalStandard.name) == new.name.lower())):
        c.fail("name", _("%(institute)s has a national standard of this name already.", institute=institute.name))
    c.done()
    national = NationalStandard(institute_id=new.institute_id, name=new.name, quantity=new.quantity,
                                kcdb_ref=new.kcdb_ref)
    session.add(national)
    session.flush()
    audit.record(session, actor, "national_standard.create", national, after=audit.snapshot(national))
    return national


def calibration_lab_named(session: Session, actor: Actor | None, name: str, *, accreditation: str = "",
                          national_institute: bool = False) -> Organisation:
    """The organisation of this name (case, diacritics and spacing aside), made as a calibration lab
    when there is none (audited): how an import's ``calibrated_by`` text finds its lab."""
    policy.require(actor, Role.admin)
    wanted = fold(name)
    for org in session.scalars(select(Organisation).where(func.lower(Organisation.name) == name.strip().lower())):
        return org
    for org in session.scalars(select(Organisation).where(Organisation.search_text.like(f"{wanted}%"))):
        if fold(org.name) == wanted:
            return org
    org = Organisation(kind=OrgKind.calibration_lab.value, name=name.strip(), accreditation=accreditation,
                       national_institute=national_institute)
    session.add(org)
    session.flush()
    audit.record(session, actor, "organisation.create", org, after=audit.snapshot(org))
    return org
