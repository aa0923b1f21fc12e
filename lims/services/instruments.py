"""Correcting a registered instrument, and everything the lab knows about one instrument.

* :func:`update_instrument` — an admin or a technician corrects an instrument: the same input
  and checks as registering it (:class:`~lims.services.catalog.NewInstrument`), plus the
  ``version_id`` read (optimistic locking: a stale one is a 409 and changes nothing). What its
  results were judged against (type, range, unit, d, e, accuracy class) is frozen once it has an
  approved record or a certificate: a correction there would make them disagree, so it is refused
  with the reason (registering a new instrument is the way). Serial number, owner, location,
  status (withdrawing it from service), intervals and the like stay editable (a certificate with
  a wrong serial number is then amended). One audit event ``instrument.update`` holds the
  changed fields before and after.
* :func:`change_input` — a change given as some fields (a PATCH body, a form) over the
  instrument's current values, parsed with the creation's rules.
* :func:`instrument_history` — the instrument's records, certificates and audit events, for
  its page.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from lims.i18n import _
from lims.models import AuditEvent, Certificate, Instrument, InstrumentType, Organisation, Record
from lims.services import audit, office_summary, policy
from lims.services.catalog import NewInstrument, _check_range, _check_scale, get_visible_instrument
from lims.services.inputs import parse, service_input
from lims.services.policy import Actor
from lims.services.validation import Checker, require_exists
from lims.services.withdrawn import refuse_withdrawn_organisation, refuse_withdrawn_type
from lims.services.workflow.locking import check_version

__all__ = ["FROZEN_WHEN_USED", "InstrumentChange", "InstrumentHistory", "change_input", "count_instruments",
           "current_values", "instruments_of",
           "frozen_fields", "instrument_history", "update_instrument"]

#: What a record or certificate of the instrument was made against: not changed once one exists.
#: The serial number and the owner stay correctable: a certificate with a wrong one is amended
#: (the corrected certificate reads them again from the catalogue).
FROZEN_WHEN_USED = ("type_id", "range_min", "range_max", "range_unit", "resolution", "scale_interval",
                    "accuracy_class")


@service_input
@dataclass(frozen=True, kw_only=True)
class InstrumentChange(NewInstrument):
    """An instrument as corrected: every field of the registration, and the version it was read at."""

    version_id: int


def count_instruments(session: Session, *, owner_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Instrument).where(Instrument.owner_id == owner_id)) or 0


def instruments_of(session: Session, owner_id: int, ids: list[int]) -> list[Instrument]:
    """The instruments among ``ids`` that ``owner_id`` owns, by id."""
    if not ids:
        return []
    return list(session.scalars(select(Instrument).where(Instrument.owner_id == owner_id, Instrument.id.in_(ids))
                                .order_by(Instrument.id)))


def current_values(inst: Instrument) -> dict[str, Any]:
    """The instrument's values under the input's field names (what a form or PATCH starts from)."""
    return {f.name: getattr(inst, f.name) for f in fields(InstrumentChange) if f.name != "version_id"}


def change_input(inst: Instrument, given: Mapping[str, Any]) -> InstrumentChange:
    """``given`` (some fields and ``version_id``) over the current values, parsed as a registration
    is: a field named in ``given`` and wrong is refused with its message (422)."""
    data = current_values(inst)
    data["version_id"] = None
    data.update(given)
    return parse(InstrumentChange, data)


def is_used(session: Session, inst: Instrument) -> bool:
    """Whether an approved record or any certificate refers to the instrument."""
    approved = select(Record.id).where(Record.instrument_id == inst.id, Record.approved_at.is_not(None)).limit(1)
    certified = select(Certificate.id).where(Certificate.instrument_id == inst.id).limit(1)
    return session.scalar(approved) is not None or session.scalar(certified) is not None


def frozen_fields(session: Session, inst: Instrument) -> tuple[str, ...]:
    """The fields that can no longer be changed (none while nothing refers to the instrument)."""
    return FROZEN_WHEN_USED if is_used(session, inst) else ()


def update_instrument(session: Session, actor: Actor | None, instrument_id: int,
                      change: InstrumentChange) -> Instrument:
    """Correct an instrument (admin, technician); see the module's docstring. Writes nothing when refused."""
    policy.require(actor, *policy.INSTRUMENT_EDITORS)
    inst = get_visible_instrument(session, actor, instrument_id)
    check_version(inst, change.version_id, _("This instrument"))
    before = current_values(inst)
    after = {f.name: getattr(change, f.name) for f in fields(InstrumentChange) if f.name != "version_id"}
    c = Checker()
    owner = require_exists(c, session, Organisation, "owner_id", change.owner_id)
    itype = require_exists(c, session, InstrumentType, "type_id", change.type_id)
    refuse_withdrawn_organisation(c, owner, "owner_id", kept=inst.owner_id)
    refuse_withdrawn_type(c, itype, "type_id", kept=inst.type_id)
    rmin, unit = _check_range(c, change, itype.quantity if itype else None)
    after["range_min"], after["range_unit"] = rmin, unit
    for name in ("range_max", "resolution", "scale_interval", "max_tare"):
        after[name] = None if after[name] is None else float(after[name])
    changed = [name for name in after if after[name] != before[name]]
    if changed and any(name in FROZEN_WHEN_USED for name in changed) and is_used(session, inst):
        for name in changed:
            if name in FROZEN_WHEN_USED:
                c.fail(name, _("This instrument has approved records or certificates, which were made for "
                               "this value; it can no longer be changed. If the instrument really differs, "
                               "registering a new instrument is the way."))
    if owner is not None and ("serial_number" in changed or "owner_id" in changed):
        clash = select(Instrument.id).where(Instrument.owner_id == change.owner_id,
                                            Instrument.serial_number == change.serial_number,
                                            Instrument.id != inst.id)
        if session.scalar(clash):
            c.fail("serial_number", _("%(owner)s already has an instrument with serial number %(serial)s.",
                                      owner=owner.name, serial=change.serial_number))
    if after["resolution"] is not None and after["resolution"] >= change.range_max - rmin:
        c.fail("resolution", _("The resolution must be smaller than the range."))
    _check_scale(c, change, rmin)
    c.done()
    if not changed:
        return inst
    for name in changed:
        setattr(inst, name, after[name])
    session.flush()
    audit.record(session, actor, "instrument.update", inst, before={n: before[n] for n in changed},
                 after={n: after[n] for n in changed})
    if "next_due" in changed:
        office_summary.refresh_overdue(session, inst.id)
    return inst


# ---------------------------------------------------------------- the instrument's page


@dataclass(frozen=True)
class InstrumentHistory:
    instrument: Instrument
    records: list[Record]
    certificates: list[Certificate]
    events: list[AuditEvent]  # empty for a business user (audit internals are the lab's)
    frozen: tuple[str, ...]
    next_due: date | None


def instrument_history(session: Session, actor: Actor | None, instrument_id: int) -> InstrumentHistory:
    """One instrument with its records, certificates and audit events, if ``actor`` may see it
    (a business user: only its own, and without the audit events); else NotFound."""
    inst = get_visible_instrument(session, actor, instrument_id)
    records = list(session.scalars(select(Record).where(Record.instrument_id == inst.id).order_by(Record.id.desc())))
    certs = list(session.scalars(select(Certificate).where(Certificate.instrument_id == inst.id)
                                 .order_by(Certificate.id.desc())))
    events: list[AuditEvent] = []
    if policy.can_see_instrument_history(actor):
        about_records = [str(r.id) for r in records]
        about_certs = [str(x.id) for x in certs]
        events = list(session.scalars(select(AuditEvent).where(or_(
            (AuditEvent.entity_type == "instrument") & (AuditEvent.entity_id == str(inst.id)),
            (AuditEvent.entity_type == "record") & AuditEvent.entity_id.in_(about_records),
            (AuditEvent.entity_type == "certificate") & AuditEvent.entity_id.in_(about_certs),
        )).order_by(AuditEvent.seq.desc()).limit(500)))
    return InstrumentHistory(inst, records, certs, events, frozen_fields(session, inst), inst.next_due)

