"""Organisations, instrument types, instruments, reference standards and procedures.

Every create function takes ``(session, actor, input)``: the input is a frozen dataclass built
by :func:`lims.services.inputs.parse` from a form or a JSON body (types, required fields and
lengths checked there, one message per field). The service then checks what needs the
database or several fields at once (does the owner exist, is the unit one of the quantity,
is the code free), writes nothing when anything is wrong, and appends an audit event when
it writes. Who may do it is asked of :mod:`lims.services.policy`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.errors import NotFound
from lims.i18n import _
from lims.metrology.errors import MetrologyError
from lims.metrology.mpe import r76_min_capacity
from lims.metrology.units_format import page_quantity
from lims.models import (
    Instrument,
    InstrumentType,
    Organisation,
    OrgKind,
    Procedure,
    ReferenceStandard,
    Role,
)
from lims.services import audit, office_summary, policy
from lims.services.inputs import opts, service_input
from lims.services.policy import Actor
from lims.services.validation import QUANTITY_UNITS, Checker, check_tax_code, require_exists
from lims.services.withdrawn import refuse_withdrawn_organisation, refuse_withdrawn_type

if TYPE_CHECKING:
    Quantity = str
else:
    #: One of the physical quantities of :data:`QUANTITY_UNITS` (a choice, same message as a form's).
    Quantity = Literal[tuple(sorted(QUANTITY_UNITS))]

_SIGNED_QUANTITIES = ("temperature", "voltage", "current", "pressure")


# ---------------------------------------------------------------- inputs


@service_input
@dataclass(frozen=True, kw_only=True)
class NewOrganisation:
    name: str
    kind: Literal["lab", "business", "calibration_lab"] = "business"
    tax_code: str | None = field(default=None, metadata=opts(max_len=14))
    address: str = field(default="", metadata=opts(max_len=500))
    phone: str = field(default="", metadata=opts(max_len=40))
    email: str = ""
    # What vouches for a calibration lab's certificates (ILAC P10): its accreditation, or being a
    # national metrology institute.
    accreditation: str = field(default="", metadata=opts(max_len=80))
    national_institute: bool = False


@service_input
@dataclass(frozen=True, kw_only=True)
class NewInstrumentType:
    code: str = field(metadata=opts(max_len=40))
    name_vi: str
    name_en: str = ""
    quantity: Quantity
    unit: str = field(metadata=opts(max_len=32))
    requires_verification: bool = False
    verification_interval_months: int | None = field(default=None, metadata=opts(minimum=1))


@service_input
@dataclass(frozen=True, kw_only=True)
class NewInstrument:
    owner_id: int
    type_id: int
    serial_number: str = field(metadata=opts(max_len=80))
    range_min: float | None = None
    range_max: float = field(metadata=opts(positive=True))
    range_unit: str = field(metadata=opts(max_len=32))
    resolution: float | None = field(default=None, metadata=opts(positive=True))  # d
    # Scales (OIML R76-1 T.3.2.2-T.3.2.5, 3.4.2): e (d <= e), load receptor supports, maximum additive tare.
    scale_interval: float | None = field(default=None, metadata=opts(positive=True))
    load_supports: int | None = field(default=None, metadata=opts(minimum=1))
    max_tare: float | None = field(default=None, metadata=opts(non_negative=True))
    year_of_manufacture: int | None = field(default=None, metadata=opts(minimum=1800))
    pattern_approval: str = field(default="", metadata=opts(max_len=80))
    calibration_interval_months: int | None = field(default=None, metadata=opts(minimum=1))
    status: Literal["in_service", "out_of_service", "scrapped"] = "in_service"
    next_due: date | None = None
    manufacturer: str = field(default="", metadata=opts(max_len=120))
    model: str = field(default="", metadata=opts(max_len=120))
    accuracy_class: str = field(default="", metadata=opts(max_len=32))
    location: str = ""


@service_input
@dataclass(frozen=True, kw_only=True)
class NewReferenceStandard:
    code: str = field(metadata=opts(max_len=40))
    name: str
    quantity: Quantity
    range_min: float | None = None
    range_max: float = field(metadata=opts(positive=True))
    range_unit: str = field(metadata=opts(max_len=32))
    manufacturer: str = field(default="", metadata=opts(max_len=120))
    model: str = field(default="", metadata=opts(max_len=120))
    serial_number: str = field(default="", metadata=opts(max_len=80))
    accuracy_class: str = field(default="", metadata=opts(max_len=32))
    # The standard as one of the lab's instruments, so that the lab can calibrate it with a record.
    instrument_id: int | None = None


@service_input
@dataclass(frozen=True, kw_only=True)
class NewProcedure:
    code: str = field(metadata=opts(max_len=60))
    title_vi: str
    title_en: str = ""
    kind: Literal["verification", "calibration", "test"]
    instrument_type_id: int | None = None
    spec: Any = None  # a JSON object, checked here


def _float(value: float | None) -> float | None:
    """Stored as a float even when a caller built the input with an int (as parse would give)."""
    return None if value is None else float(value)


# ---------------------------------------------------------------- organisations


def create_organisation(session: Session, actor: Actor | None, new: NewOrganisation) -> Organisation:
    policy.require(actor, Role.admin)
    c = Checker()
    if new.tax_code and not check_tax_code(new.tax_code):
        c.fail("tax_code", _("A tax code is 10 digits, or 10 digits, a dash and 3 digits (branch)."))
    elif new.tax_code and session.scalar(select(Organisation.id).where(Organisation.tax_code == new.tax_code)):
        c.fail("tax_code", _("An organisation with tax code %(code)s exists already.", code=new.tax_code))
    if new.email and "@" not in new.email:
        c.fail("email", _("%(value)s is not an e-mail address.", value=repr(new.email)))
    if new.national_institute and new.kind != OrgKind.calibration_lab.value:
        c.fail("national_institute", _("Only a calibration lab can be a national metrology institute."))
    c.done()
    org = Organisation(name=new.name, kind=new.kind, tax_code=new.tax_code, address=new.address,
                       phone=new.phone, email=new.email, accreditation=new.accreditation,
                       national_institute=new.national_institute)
    session.add(org)
    audit.record(session, actor, "organisation.create", org, after=audit.snapshot(org))
    return org


def list_organisations(session: Session, kind: str | None = None, *, active_only: bool = False) -> list[Organisation]:
    q = select(Organisation).order_by(Organisation.name)
    if kind:
        q = q.where(Organisation.kind == kind)
    if active_only:  # what new work may name (a withdrawn one is kept for its records)
        q = q.where(Organisation.active.is_(True))
    return list(session.scalars(q))


def the_lab(session: Session) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.kind == OrgKind.lab.value).limit(1))


# ---------------------------------------------------------------- instrument types


def create_instrument_type(session: Session, actor: Actor | None, new: NewInstrumentType) -> InstrumentType:
    policy.require(actor, Role.admin)
    c = Checker()
    if session.scalar(select(InstrumentType.id).where(InstrumentType.code == new.code)):
        c.fail("code", _("An instrument type with code %(code)s exists already.", code=repr(new.code)))
    unit = c.unit({"unit": new.unit}, "unit", quantity=new.quantity)
    if new.requires_verification and new.verification_interval_months is None:
        c.fail("verification_interval_months", _("This field is required."))
    c.done()
    itype = InstrumentType(
        code=new.code, name_vi=new.name_vi, name_en=new.name_en, quantity=new.quantity, unit=unit,
        requires_verification=new.requires_verification,
        verification_interval_months=new.verification_interval_months,
    )
    session.add(itype)
    audit.record(session, actor, "instrument_type.create", itype, after=audit.snapshot(itype))
    return itype


def list_instrument_types(session: Session) -> list[InstrumentType]:
    return list(session.scalars(select(InstrumentType).order_by(InstrumentType.code)))


# ---------------------------------------------------------------- instruments


def _check_range(c: Checker, new: NewInstrument | NewReferenceStandard, quantity: str | None) -> tuple[float, str]:
    """The lower limit (0 when not given) and the unit of a measuring range, checked."""
    unit = c.unit({"range_unit": new.range_unit}, "range_unit", quantity=quantity)
    rmin = 0.0 if new.range_min is None else float(new.range_min)
    if rmin < 0 and quantity not in _SIGNED_QUANTITIES:
        c.fail("range_min", _("A negative lower limit makes no sense for this quantity."))
    if new.range_max <= rmin:
        c.fail("range_max", _("The upper limit must be above the lower limit (%(low)s).",
                              low=page_quantity(rmin, unit)))
    return rmin, unit


def min_capacity(inst: Instrument) -> float | None:
    """Min of a scale in its range unit, from its accuracy class and e (OIML R76-1 Table 3,
    :func:`lims.metrology.mpe.r76_min_capacity`); None when it is not an R76 class or e is not allowed."""
    e = inst.scale_interval or inst.resolution
    if not e or inst.type is None or inst.type.quantity != "mass":
        return None
    try:
        return float(r76_min_capacity(inst.accuracy_class, f"{e!r} {inst.range_unit}").to(inst.range_unit).magnitude)
    except MetrologyError:
        return None


def _check_scale(c: Checker, new: NewInstrument, rmin: float) -> None:
    """A scale's e, tare and year: d <= e (OIML R76-1 3.4.2, T.3.2.5), e and T+ below Max, a past year."""
    if new.scale_interval is not None:
        if new.resolution is not None and new.resolution > new.scale_interval * (1 + 1e-9):
            c.fail("resolution", _("The actual scale interval d must not exceed the verification scale "
                                   "interval e (%(e)s).", e=page_quantity(new.scale_interval, new.range_unit)))
        if new.scale_interval >= new.range_max - rmin:
            c.fail("scale_interval", _("The verification scale interval e must be smaller than the range."))
    if new.max_tare is not None and new.max_tare > new.range_max:
        c.fail("max_tare", _("The maximum tare cannot exceed Max (%(max)s).",
                             max=page_quantity(new.range_max, new.range_unit)))
    if new.year_of_manufacture is not None and new.year_of_manufacture > date.today().year:
        c.fail("year_of_manufacture", _("The year is in the future."))


def create_instrument(session: Session, actor: Actor | None, new: NewInstrument) -> Instrument:
    policy.require(actor, Role.admin, Role.technician)
    c = Checker()
    owner = require_exists(c, session, Organisation, "owner_id", new.owner_id)
    itype = require_exists(c, session, InstrumentType, "type_id", new.type_id)
    refuse_withdrawn_organisation(c, owner, "owner_id")
    refuse_withdrawn_type(c, itype, "type_id")
    if owner is not None and session.scalar(
        select(Instrument.id).where(Instrument.owner_id == owner.id, Instrument.serial_number == new.serial_number)
    ):
        c.fail("serial_number", _("%(owner)s already has an instrument with serial number %(serial)s.",
                                     owner=owner.name, serial=new.serial_number))
    rmin, unit = _check_range(c, new, itype.quantity if itype else None)
    if new.resolution is not None and new.resolution >= new.range_max - rmin:
        c.fail("resolution", _("The resolution must be smaller than the range."))
    _check_scale(c, new, rmin)
    c.done()
    inst = Instrument(
        owner_id=owner.id, type_id=itype.id, serial_number=new.serial_number, range_min=rmin,
        range_max=float(new.range_max), range_unit=unit, resolution=_float(new.resolution),
        calibration_interval_months=new.calibration_interval_months, status=new.status, next_due=new.next_due,
        manufacturer=new.manufacturer, model=new.model, accuracy_class=new.accuracy_class, location=new.location,
        scale_interval=_float(new.scale_interval), load_supports=new.load_supports, max_tare=_float(new.max_tare),
        year_of_manufacture=new.year_of_manufacture, pattern_approval=new.pattern_approval,
    )
    session.add(inst)
    audit.record(session, actor, "instrument.create", inst, after=audit.snapshot(inst))
    if inst.next_due is not None:
        office_summary.refresh_overdue(session, inst.id)  # registered overdue: the office's trend counts it
    return inst


def get_instrument(session: Session, instrument_id: int) -> Instrument:
    inst = session.get(Instrument, instrument_id)
    if inst is None:
        raise NotFound(_("No instrument with id %(id)s.", id=instrument_id))
    return inst


def get_visible_instrument(session: Session, actor: Actor | None, instrument_id: int) -> Instrument:
    """One instrument, if ``actor`` may see it (a business user: only its own); else NotFound."""
    inst = get_instrument(session, instrument_id)
    owner = visible_owner(actor)
    if owner is not None and inst.owner_id != owner:
        raise NotFound(_("No instrument with id %(id)s.", id=instrument_id))
    return inst


def list_instruments(session: Session, *, owner_id: int | None = None, limit: int = 200,
                     offset: int = 0) -> list[Instrument]:
    q = select(Instrument).order_by(Instrument.id).limit(limit).offset(offset)
    if owner_id is not None:
        q = q.where(Instrument.owner_id == owner_id)
    return list(session.scalars(q))


def list_visible_instruments(session: Session, actor: Actor | None, *, owner_id: int | None = None,
                             limit: int = 200, offset: int = 0) -> list[Instrument]:
    """Instruments ``actor`` may see: staff all (or one owner's, if asked); a business its own."""
    own = visible_owner(actor)
    return list_instruments(session, owner_id=owner_id if own is None else own, limit=limit, offset=offset)


def visible_owner(user: Actor | None) -> int | None:
    """A business user sees only its own organisation's instruments; staff see all (None)."""
    if policy.is_staff(user):
        return None
    org = policy.organisation_of(user)
    return org if org is not None else -1


# ---------------------------------------------------------------- reference standards


def create_reference_standard(session: Session, actor: Actor | None, new: NewReferenceStandard) -> ReferenceStandard:
    policy.require(actor, Role.admin)
    c = Checker()
    if session.scalar(select(ReferenceStandard.id).where(ReferenceStandard.code == new.code)):
        c.fail("code", _("A reference standard with code %(code)s exists already.", code=repr(new.code)))
    rmin, unit = _check_range(c, new, new.quantity)
    check_standard_instrument(c, session, new.instrument_id)
    c.done()
    std = ReferenceStandard(
        code=new.code, name=new.name, quantity=new.quantity, range_min=rmin, range_max=float(new.range_max),
        range_unit=unit, manufacturer=new.manufacturer, model=new.model, serial_number=new.serial_number,
        accuracy_class=new.accuracy_class, instrument_id=new.instrument_id,
    )
    session.add(std)
    audit.record(session, actor, "reference_standard.create", std, after=audit.snapshot(std))
    return std


def check_standard_instrument(c: Checker, session: Session, instrument_id: int | None,
                              standard_id: int | None = None) -> None:
    """A standard's instrument is one of the lab's own, and the instrument of no other standard."""
    inst = require_exists(c, session, Instrument, "instrument_id", instrument_id)
    if inst is None:
        return
    if inst.owner is None or inst.owner.kind != OrgKind.lab.value:
        c.fail("instrument_id", _("%(serial)s is not an instrument of the lab.", serial=inst.serial_number))
    elif session.scalar(select(ReferenceStandard.id).where(ReferenceStandard.instrument_id == inst.id,
                                                           ReferenceStandard.id != (standard_id or -1))):
        c.fail("instrument_id", _("%(serial)s is the instrument of another standard.", serial=inst.serial_number))


def get_reference_standard(session: Session, standard_id: int) -> ReferenceStandard:
    std = session.get(ReferenceStandard, standard_id)
    if std is None:
        raise NotFound(_("No reference standard with id %(id)s.", id=standard_id))
    return std


def list_reference_standards(session: Session) -> list[ReferenceStandard]:
    return list(session.scalars(select(ReferenceStandard).order_by(ReferenceStandard.code)))


# ---------------------------------------------------------------- procedures


def create_procedure(session: Session, actor: Actor | None, new: NewProcedure) -> Procedure:
    policy.require(actor, Role.admin)
    c = Checker()
    itype = require_exists(c, session, InstrumentType, "instrument_type_id", new.instrument_type_id)
    spec = new.spec or {}
    if not isinstance(spec, dict):
        c.fail("spec", _("The procedure specification must be a JSON object."))
    c.done()
    latest = session.scalar(select(func.max(Procedure.version)).where(Procedure.code == new.code))
    proc = Procedure(code=new.code, version=(latest or 0) + 1, title_vi=new.title_vi, title_en=new.title_en,
                     kind=new.kind, instrument_type_id=itype.id if itype else None, spec=spec)
    session.add(proc)
    audit.record(session, actor, "procedure.create", proc, after=audit.snapshot(proc))
    return proc


def list_procedures(session: Session, active_only: bool = True) -> list[Procedure]:
    q = select(Procedure).order_by(Procedure.code, Procedure.version)
    if active_only:
        q = q.where(Procedure.active.is_(True))
    return list(session.scalars(q))


# ---------------------------------------------------------------- dashboard


def dashboard_counts(session: Session, actor: Actor | None) -> dict[str, int]:
    """How many instruments ``actor`` sees and, for staff, organisations and standards (COUNT queries)."""
    def count(model: Any, *where: Any) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    owner = visible_owner(actor)
    counts = {"instruments": count(Instrument, *(() if owner is None else (Instrument.owner_id == owner,)))}
    if policy.is_staff(actor):
        counts["organisations"] = count(Organisation)
        counts["standards"] = count(ReferenceStandard)
    return counts

