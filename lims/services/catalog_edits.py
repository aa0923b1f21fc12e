"""Correcting and withdrawing catalogue entries: organisations and instrument types.

The same shape as correcting an instrument (:mod:`lims.services.instruments`):

* a change is the creation's input plus the ``version_id`` read (and ``active``: withdrawn or
  not); :func:`organisation_change` / :func:`type_change` lay the fields given (a PATCH body, a
  form) over the current values and parse them with the creation's rules;
* a stale ``version_id`` is a 409 naming who changed it (:func:`check_version`); every wrong
  field is named (422) and nothing is written;
* what would make existing records disagree is refused with the reason: an organisation's kind
  once it has instruments or requests, the lab's withdrawal, an instrument type's quantity and
  unit once instruments are registered with it;
* one audit event per change with the changed fields only, before and after: ``….update``, or
  ``….withdraw`` / ``….reinstate`` when only ``active`` changed (:func:`apply_change`).

A withdrawn entry is kept with everything that refers to it; it is offered for no new work
(:mod:`lims.services.withdrawn` refuses it there).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lims.errors import NotFound, ValidationError
from lims.i18n import _
from lims.models import (
    Instrument,
    InstrumentType,
    Organisation,
    OrgKind,
    Procedure,
    Role,
    ServiceRequest,
    User,
)
from lims.services import audit, policy
from lims.services.catalog import NewInstrumentType, NewOrganisation
from lims.services.inputs import parse, service_input
from lims.services.policy import Actor
from lims.services.validation import Checker, check_tax_code
from lims.services.workflow.locking import check_version

__all__ = ["InstrumentTypeChange", "OrganisationChange", "apply_change", "change_of", "changed_fields",
           "get_instrument_type", "get_organisation", "organisation_change", "organisation_frozen_fields",
           "organisation_refs", "type_change", "type_frozen_fields", "type_refs", "update_instrument_type",
           "update_organisation", "values_of"]

T = TypeVar("T")

#: What the instruments registered with a type were measured in: not changed once one exists.
TYPE_FROZEN_WHEN_USED = ("quantity", "unit")


# ---------------------------------------------------------------- shared


def values_of(obj: Any, cls: type) -> dict[str, Any]:
    """The entry's values under the change input's field names (what a form or PATCH starts from)."""
    return {f.name: getattr(obj, f.name) for f in fields(cls) if f.name != "version_id"}


def change_of(cls: type[T], current: Mapping[str, Any], given: Mapping[str, Any]) -> T:
    """``given`` (some fields and ``version_id``) over the current values, parsed with the
    creation's rules: a field named in ``given`` and wrong is refused with its message (422)."""
    data = dict(current)
    data["version_id"] = None
    data.update(given)
    return parse(cls, data)


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return [name for name in after if after[name] != before[name]]


def apply_change(session: Session, actor: Actor | None, obj: Any, entity: str, before: Mapping[str, Any],
                 after: Mapping[str, Any], changed: list[str]) -> None:
    """Write the changed fields and one audit event with them, before and after (nothing when
    nothing changed): ``<entity>.withdraw`` / ``.reinstate`` when only ``active`` changed, else
    ``<entity>.update``."""
    if not changed:
        return
    for name in changed:
        setattr(obj, name, after[name])
    session.flush()
    action = f"{entity}.update"
    if changed == ["active"]:
        action = f"{entity}.reinstate" if after["active"] else f"{entity}.withdraw"
    audit.record(session, actor, action, obj, before={n: before[n] for n in changed},
                 after={n: after[n] for n in changed})


def _count(session: Session, model: Any, *where: Any) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


# ---------------------------------------------------------------- organisations


@service_input
@dataclass(frozen=True, kw_only=True)
class OrganisationChange(NewOrganisation):
    """An organisation as corrected, withdrawn (``active`` false) or reinstated, and the version read."""

    active: bool = True
    version_id: int


def get_organisation(session: Session, organisation_id: int) -> Organisation:
    org = session.get(Organisation, organisation_id)
    if org is None:
        raise NotFound(_("No organisation with id %(id)s.", id=organisation_id))
    return org


def organisation_change(org: Organisation, given: Mapping[str, Any]) -> OrganisationChange:
    return change_of(OrganisationChange, values_of(org, OrganisationChange), given)


def organisation_frozen_fields(session: Session, org: Organisation) -> tuple[str, ...]:
    """The fields that can no longer change: its kind once it has instruments or service requests."""
    used = _count(session, Instrument, Instrument.owner_id == org.id) or \
        _count(session, ServiceRequest, ServiceRequest.customer_id == org.id)
    return ("kind",) if used else ()


def update_organisation(session: Session, actor: Actor | None, organisation_id: int,
                        change: OrganisationChange) -> Organisation:
    """Correct, withdraw or reinstate an organisation (admin); see the module's docstring."""
    policy.require(actor, Role.admin)
    org = get_organisation(session, organisation_id)
    check_version(org, change.version_id, _("This organisation"))
    before = values_of(org, OrganisationChange)
    after = {name: getattr(change, name) for name in before}
    changed = changed_fields(before, after)
    c = Checker()
    if "tax_code" in changed and change.tax_code:
        if not check_tax_code(change.tax_code):
            c.fail("tax_code", _("A tax code is 10 digits, or 10 digits, a dash and 3 digits (branch)."))
        elif session.scalar(select(Organisation.id).where(Organisation.tax_code == change.tax_code,
                                                          Organisation.id != org.id)):
            c.fail("tax_code", _("An organisation with tax code %(code)s exists already.", code=change.tax_code))
    if "email" in changed and change.email and "@" not in change.email:
        c.fail("email", _("%(value)s is not an e-mail address.", value=repr(change.email)))
    if "kind" in changed:
        if organisation_frozen_fields(session, org):
            c.fail("kind", _("This organisation has instruments or service requests, which were registered "
                             "for its kind; its kind can no longer be changed."))
        elif change.kind == OrgKind.lab.value and session.scalar(
                select(Organisation.id).where(Organisation.kind == OrgKind.lab.value, Organisation.id != org.id)):
            c.fail("kind", _("There is one lab: another organisation is it already."))
    if change.national_institute and change.kind != OrgKind.calibration_lab.value:
        c.fail("national_institute", _("Only a calibration lab can be a national metrology institute."))
    if not change.active and OrgKind.lab.value in (org.kind, change.kind):
        c.fail("active", _("The lab itself cannot be withdrawn: its certificates and users need it."))
    c.done()
    try:
        with session.begin_nested():
            apply_change(session, actor, org, "organisation", before, after, changed)
    except IntegrityError:  # the same tax code saved by someone else at the same moment
        raise ValidationError(_("An organisation with tax code %(code)s exists already.", code=change.tax_code),
                              field="tax_code") from None
    return org


@dataclass(frozen=True)
class OrganisationRefs:
    """What refers to an organisation, for its page."""

    instruments: list[Instrument]
    users: list[User]
    requests: list[ServiceRequest]
    instrument_count: int
    request_count: int


def organisation_refs(session: Session, actor: Actor | None, organisation_id: int, *,
                      limit: int = 200) -> tuple[Organisation, OrganisationRefs]:
    """The organisation with its instruments, users and service requests (staff; the newest
    ``limit`` of each, and how many there are). Its users only for an admin, who alone sees the
    users' list."""
    policy.require_staff(actor)
    org = get_organisation(session, organisation_id)
    instruments = list(session.scalars(select(Instrument).where(Instrument.owner_id == org.id)
                                       .order_by(Instrument.id.desc()).limit(limit)))
    users: list[User] = []
    if policy.has_role(actor, Role.admin):
        users = list(session.scalars(select(User).where(User.organisation_id == org.id).order_by(User.username)))
    requests = list(session.scalars(select(ServiceRequest).where(ServiceRequest.customer_id == org.id)
                                    .order_by(ServiceRequest.id.desc()).limit(limit)))
    return org, OrganisationRefs(instruments, users, requests,
                                 _count(session, Instrument, Instrument.owner_id == org.id),
                                 _count(session, ServiceRequest, ServiceRequest.customer_id == org.id))


# ---------------------------------------------------------------- instrument types


@service_input
@dataclass(frozen=True, kw_only=True)
class InstrumentTypeChange(NewInstrumentType):
    """An instrument type as corrected, withdrawn (``active`` false) or reinstated, and the version read."""

    active: bool = True
    version_id: int


def get_instrument_type(session: Session, type_id: int) -> InstrumentType:
    itype = session.get(InstrumentType, type_id)
    if itype is None:
        raise NotFound(_("No instrument type with id %(id)s.", id=type_id))
    return itype


def type_change(itype: InstrumentType, given: Mapping[str, Any]) -> InstrumentTypeChange:
    return change_of(InstrumentTypeChange, values_of(itype, InstrumentTypeChange), given)


def type_frozen_fields(session: Session, itype: InstrumentType) -> tuple[str, ...]:
    """The fields that can no longer change (none while no instrument is registered with the type)."""
    return TYPE_FROZEN_WHEN_USED if _count(session, Instrument, Instrument.type_id == itype.id) else ()


def update_instrument_type(session: Session, actor: Actor | None, type_id: int,
                           change: InstrumentTypeChange) -> InstrumentType:
    """Correct, withdraw or reinstate an instrument type (admin); see the module's docstring."""
    policy.require(actor, Role.admin)
    itype = get_instrument_type(session, type_id)
    check_version(itype, change.version_id, _("This instrument type"))
    before = values_of(itype, InstrumentTypeChange)
    after = {name: getattr(change, name) for name in before}
    c = Checker()
    if change.code != itype.code and session.scalar(
            select(InstrumentType.id).where(InstrumentType.code == change.code, InstrumentType.id != itype.id)):
        c.fail("code", _("An instrument type with code %(code)s exists already.", code=repr(change.code)))
    after["unit"] = c.unit({"unit": change.unit}, "unit", quantity=change.quantity)
    if change.requires_verification and change.verification_interval_months is None:
        c.fail("verification_interval_months", _("This field is required."))
    changed = changed_fields(before, after)
    if any(name in TYPE_FROZEN_WHEN_USED for name in changed) and type_frozen_fields(session, itype):
        for name in changed:
            if name in TYPE_FROZEN_WHEN_USED:
                c.fail(name, _("Instruments are registered with this type and were measured in this quantity "
                               "and unit; it can no longer be changed. Add a new instrument type instead."))
    c.done()
    apply_change(session, actor, itype, "instrument_type", before, after, changed)
    return itype


@dataclass(frozen=True)
class TypeRefs:
    instruments: list[Instrument]
    procedures: list[Procedure]
    instrument_count: int


def type_refs(session: Session, actor: Actor | None, type_id: int, *,
              limit: int = 200) -> tuple[InstrumentType, TypeRefs]:
    """The type with its instruments (the newest ``limit``, and how many) and procedures (staff)."""
    policy.require_staff(actor)
    itype = get_instrument_type(session, type_id)
    instruments = list(session.scalars(select(Instrument).where(Instrument.type_id == itype.id)
                                       .order_by(Instrument.id.desc()).limit(limit)))
    procedures = list(session.scalars(select(Procedure).where(Procedure.instrument_type_id == itype.id)
                                      .order_by(Procedure.code, Procedure.version)))
    return itype, TypeRefs(instruments, procedures, _count(session, Instrument, Instrument.type_id == itype.id))
