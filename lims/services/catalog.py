"""Organisations, instrument types, instruments, reference standards and procedures.

Every create function validates its whole input first (one message per field), writes
nothing when anything is wrong, and appends an audit event when it writes.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.errors import NotFound
from lims.i18n import _
from lims.models import (
    Instrument,
    InstrumentStatus,
    InstrumentType,
    Organisation,
    OrgKind,
    Procedure,
    ReferenceStandard,
    Role,
    StandardCalibration,
    StandardStatus,
    User,
    WorkKind,
)
from lims.services import audit
from lims.services.users import require_role
from lims.services.validation import QUANTITY_UNITS, Checker, check_tax_code, require_exists

# ---------------------------------------------------------------- organisations


def create_organisation(session: Session, actor: User | None, data: dict[str, Any]) -> Organisation:
    if actor is not None:
        require_role(actor, Role.admin)
    c = Checker()
    name = c.text(data, "name")
    kind = c.choice(data, "kind", [k.value for k in OrgKind], default=OrgKind.business.value)
    tax_code = c.text(data, "tax_code", required=False, max_len=14) or None
    if tax_code and not check_tax_code(tax_code):
        c.fail("tax_code", _("A tax code is 10 digits, or 10 digits, a dash and 3 digits (branch)."))
    elif tax_code and session.scalar(select(Organisation.id).where(Organisation.tax_code == tax_code)):
        c.fail("tax_code", _("An organisation with tax code %(code)s exists already.", code=tax_code))
    address = c.text(data, "address", required=False, max_len=500)
    phone = c.text(data, "phone", required=False, max_len=40)
    email = c.text(data, "email", required=False)
    if email and "@" not in email:
        c.fail("email", _("%(value)s is not an e-mail address.", value=repr(email)))
    c.done()
    org = Organisation(name=name, kind=kind, tax_code=tax_code, address=address, phone=phone, email=email)
    session.add(org)
    audit.record(session, actor, "organisation.create", org, after=audit.snapshot(org))
    return org


def list_organisations(session: Session, kind: str | None = None) -> list[Organisation]:
    q = select(Organisation).order_by(Organisation.name)
    if kind:
        q = q.where(Organisation.kind == kind)
    return list(session.scalars(q))


def the_lab(session: Session) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.kind == OrgKind.lab.value).limit(1))


# ---------------------------------------------------------------- instrument types


def create_instrument_type(session: Session, actor: User | None, data: dict[str, Any]) -> InstrumentType:
    if actor is not None:
        require_role(actor, Role.admin)
    c = Checker()
    code = c.text(data, "code", max_len=40)
    if code and session.scalar(select(InstrumentType.id).where(InstrumentType.code == code)):
        c.fail("code", _("An instrument type with code %(code)s exists already.", code=repr(code)))
    name_vi = c.text(data, "name_vi")
    name_en = c.text(data, "name_en", required=False)
    quantity = c.choice(data, "quantity", sorted(QUANTITY_UNITS))
    unit = c.unit(data, "unit", quantity=quantity or None)
    requires_verification = c.boolean(data, "requires_verification")
    interval = c.integer(data, "verification_interval_months", required=requires_verification, minimum=1)
    c.done()
    itype = InstrumentType(
        code=code, name_vi=name_vi, name_en=name_en, quantity=quantity, unit=unit,
        requires_verification=requires_verification, verification_interval_months=interval,
    )
    session.add(itype)
    audit.record(session, actor, "instrument_type.create", itype, after=audit.snapshot(itype))
    return itype


def list_instrument_types(session: Session) -> list[InstrumentType]:
    return list(session.scalars(select(InstrumentType).order_by(InstrumentType.code)))


# ---------------------------------------------------------------- instruments


def _check_range(c: Checker, data: dict, quantity: str | None) -> tuple[float | None, float | None, str]:
    rmin = c.number(data, "range_min", required=False)
    rmax = c.number(data, "range_max", positive=True)
    unit = c.unit(data, "range_unit", quantity=quantity)
    rmin = 0.0 if rmin is None else rmin
    if rmin < 0 and quantity not in ("temperature", "voltage", "current", "pressure"):
        c.fail("range_min", _("A negative lower limit makes no sense for this quantity."))
    if rmax is not None and rmax <= rmin:
        c.fail("range_max", _("The upper limit must be above the lower limit (%(low)s).", low=f"{rmin:g}"))
    return rmin, rmax, unit


def create_instrument(session: Session, actor: User | None, data: dict[str, Any]) -> Instrument:
    if actor is not None:
        require_role(actor, Role.admin, Role.technician)
    c = Checker()
    owner = require_exists(c, session, Organisation, "owner_id", c.integer(data, "owner_id"))
    itype = require_exists(c, session, InstrumentType, "type_id", c.integer(data, "type_id"))
    serial = c.text(data, "serial_number", max_len=80)
    if owner is not None and serial and session.scalar(
        select(Instrument.id).where(Instrument.owner_id == owner.id, Instrument.serial_number == serial)
    ):
        c.fail("serial_number", _("%(owner)s already has an instrument with serial number %(serial)s.",
                                     owner=owner.name, serial=serial))
    rmin, rmax, unit = _check_range(c, data, itype.quantity if itype else None)
    resolution = c.number(data, "resolution", required=False, positive=True)
    if resolution is not None and rmax is not None and resolution >= rmax - (rmin or 0):
        c.fail("resolution", _("The resolution must be smaller than the range."))
    interval = c.integer(data, "calibration_interval_months", required=False, minimum=1)
    status = c.choice(data, "status", [s.value for s in InstrumentStatus], default=InstrumentStatus.in_service.value)
    next_due = c.day(data, "next_due", required=False)
    values = {
        "manufacturer": c.text(data, "manufacturer", required=False, max_len=120),
        "model": c.text(data, "model", required=False, max_len=120),
        "accuracy_class": c.text(data, "accuracy_class", required=False, max_len=32),
        "location": c.text(data, "location", required=False),
    }
    c.done()
    inst = Instrument(
        owner_id=owner.id, type_id=itype.id, serial_number=serial, range_min=rmin, range_max=rmax,
        range_unit=unit, resolution=resolution, calibration_interval_months=interval, status=status,
        next_due=next_due, **values,
    )
    session.add(inst)
    audit.record(session, actor, "instrument.create", inst, after=audit.snapshot(inst))
    return inst


def get_instrument(session: Session, instrument_id: int) -> Instrument:
    inst = session.get(Instrument, instrument_id)
    if inst is None:
        raise NotFound(_("No instrument with id %(id)s.", id=instrument_id))
    return inst


def list_instruments(session: Session, *, owner_id: int | None = None, limit: int = 200,
                     offset: int = 0) -> list[Instrument]:
    q = select(Instrument).order_by(Instrument.id).limit(limit).offset(offset)
    if owner_id is not None:
        q = q.where(Instrument.owner_id == owner_id)
    return list(session.scalars(q))


def visible_owner(user: User) -> int | None:
    """A business user sees only its own organisation's instruments; staff see all (None)."""
    if user.has_role(Role.admin, Role.technician, Role.reviewer, Role.inspector):
        return None
    return user.organisation_id if user.organisation_id is not None else -1


# ---------------------------------------------------------------- reference standards


def create_reference_standard(session: Session, actor: User | None, data: dict[str, Any]) -> ReferenceStandard:
    if actor is not None:
        require_role(actor, Role.admin)
    c = Checker()
    code = c.text(data, "code", max_len=40)
    if code and session.scalar(select(ReferenceStandard.id).where(ReferenceStandard.code == code)):
        c.fail("code", _("A reference standard with code %(code)s exists already.", code=repr(code)))
    name = c.text(data, "name")
    quantity = c.choice(data, "quantity", sorted(QUANTITY_UNITS))
    rmin, rmax, unit = _check_range(c, data, quantity or None)
    values = {
        "manufacturer": c.text(data, "manufacturer", required=False, max_len=120),
        "model": c.text(data, "model", required=False, max_len=120),
        "serial_number": c.text(data, "serial_number", required=False, max_len=80),
        "accuracy_class": c.text(data, "accuracy_class", required=False, max_len=32),
    }
    c.done()
    std = ReferenceStandard(code=code, name=name, quantity=quantity, range_min=rmin, range_max=rmax,
                            range_unit=unit, **values)
    session.add(std)
    audit.record(session, actor, "reference_standard.create", std, after=audit.snapshot(std))
    return std


def add_standard_calibration(session: Session, actor: User | None, standard_id: int,
                             data: dict[str, Any]) -> StandardCalibration:
    """Record an external calibration certificate of a reference standard."""
    if actor is not None:
        require_role(actor, Role.admin)
    std = session.get(ReferenceStandard, standard_id)
    if std is None:
        raise NotFound(_("No reference standard with id %(id)s.", id=standard_id))
    c = Checker()
    number = c.text(data, "certificate_number", max_len=80)
    by = c.text(data, "calibrated_by")
    cal_date = c.day(data, "calibration_date")
    due = c.day(data, "due_date")
    if cal_date and due and due <= cal_date:
        c.fail("due_date", _("The due date must come after the calibration date."))
    if cal_date and cal_date > date.today():
        c.fail("calibration_date", _("The calibration date is in the future."))
    u = c.number(data, "expanded_uncertainty", non_negative=True)
    u_unit = c.unit(data, "uncertainty_unit", quantity=std.quantity)
    k = c.number(data, "coverage_factor", required=False, positive=True)
    notes = c.text(data, "notes", required=False, max_len=2000)
    c.done()
    cal = StandardCalibration(
        standard_id=std.id, certificate_number=number, calibrated_by=by, calibration_date=cal_date,
        due_date=due, expanded_uncertainty=u, uncertainty_unit=u_unit,
        coverage_factor=2.0 if k is None else k, notes=notes,
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


def list_reference_standards(session: Session) -> list[ReferenceStandard]:
    return list(session.scalars(select(ReferenceStandard).order_by(ReferenceStandard.code)))


# ---------------------------------------------------------------- procedures


def create_procedure(session: Session, actor: User | None, data: dict[str, Any]) -> Procedure:
    if actor is not None:
        require_role(actor, Role.admin)
    c = Checker()
    code = c.text(data, "code", max_len=60)
    title_vi = c.text(data, "title_vi")
    title_en = c.text(data, "title_en", required=False)
    kind = c.choice(data, "kind", [k.value for k in WorkKind])
    itype = require_exists(c, session, InstrumentType, "instrument_type_id",
                           c.integer(data, "instrument_type_id", required=False))
    spec = data.get("spec") or {}
    if not isinstance(spec, dict):
        c.fail("spec", _("The procedure specification must be a JSON object."))
    version = 1
    if code:
        latest = session.scalar(select(func.max(Procedure.version)).where(Procedure.code == code))
        version = (latest or 0) + 1
    c.done()
    proc = Procedure(code=code, version=version, title_vi=title_vi, title_en=title_en, kind=kind,
                     instrument_type_id=itype.id if itype else None, spec=spec)
    session.add(proc)
    audit.record(session, actor, "procedure.create", proc, after=audit.snapshot(proc))
    return proc


def list_procedures(session: Session, active_only: bool = True) -> list[Procedure]:
    q = select(Procedure).order_by(Procedure.code, Procedure.version)
    if active_only:
        q = q.where(Procedure.active.is_(True))
    return list(session.scalars(q))
