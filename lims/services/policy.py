"""Who may do what: the one home of every permission rule.

Services, views and templates ask here; none of them re-derives a rule from roles.

* An **actor** is a signed-in :class:`~lims.models.User` or :data:`SYSTEM` — the `lims` command
  and the demo seeder, which act for the lab itself. ``None`` (nobody signed in) is never
  allowed anything that needs a role: :func:`require` refuses it.
* **Staff** are the lab's people: admin, technician, reviewer, inspector. Everybody else
  (a business user) sees only what belongs to their own organisation.
* An admin holds every role, except the technician's hand on a record: only a user who holds
  the technician role itself opens, saves, captures into or submits a record
  (:func:`is_technician`), so an admin cannot change a record's readings.
* **Four eyes**: a record is returned or approved only by a reviewer who is none of its
  makers — its technician and everyone its audit trail shows opening, saving (typed or
  captured readings) or submitting it (:func:`record_makers`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, TypeAlias

from sqlalchemy import select
from sqlalchemy.orm import object_session

from lims.errors import PermissionDenied
from lims.i18n import _
from lims.models import AuditEvent, Role, User

if TYPE_CHECKING:
    from lims.models import Certificate, Record, ServiceRequest

__all__ = [
    "SYSTEM", "Actor", "SystemActor", "STAFF_ROLES", "EDITABLE_STATUSES",
    "can_read_products", "can_manage_products", "products_owner",
    "MAKER_ACTIONS", "actor_id", "actor_name", "has_role", "is_staff", "require", "require_staff",
    "is_technician", "require_technician", "record_makers", "made_record",
    "organisation_of", "can_see_organisation", "can_see_request", "can_see_record", "can_see_certificate",
    "can_see_traceability",
    "can_edit_record", "can_review_record", "can_manage_certificates", "can_print_stamp", "can_see_office",
    "INSTRUMENT_EDITORS", "can_edit_instruments", "can_see_instrument_history",
    "EVENT_RECORDERS", "RECEIVING_STEPS", "can_record_events", "can_record_about_lot", "can_link_lab_record",
    "can_declare_event_error", "sees_all_events",
]


class SystemActor:
    """The lab itself acting through the `lims` command or the demo seeder (audited as "system")."""

    id: None = None
    username: Final = "system"
    full_name: Final = "system"
    organisation_id: None = None
    is_authenticated: Final = True

    def has_role(self, *roles: str | Role) -> bool:
        return True

    @property
    def roles(self) -> set[str]:
        return {r.value for r in Role}

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM: Final = SystemActor()
Actor: TypeAlias = User | SystemActor

# The lab's people. Admins hold every role, so they are staff too.
STAFF_ROLES: Final = (Role.technician, Role.reviewer, Role.inspector)
EDITABLE_STATUSES: Final = ("draft", "returned")
# The audit actions by which a person makes a record (a capture is saved as "record.save").
MAKER_ACTIONS: Final = ("record.open", "record.save", "record.submit")


def actor_id(actor: Actor | None) -> int | None:
    """The user id to store as "done by" (None for the system)."""
    return actor.id if isinstance(actor, User) else None


def actor_name(actor: Actor | None) -> str:
    return actor.username if isinstance(actor, User) else "system"


def has_role(actor: Actor | None, *roles: str | Role) -> bool:
    """Whether ``actor`` holds one of ``roles`` (admins and the system hold every role)."""
    if actor is None:
        return False
    return actor.has_role(Role.admin) or actor.has_role(*roles)


def require(actor: Actor | None, *roles: str | Role) -> Actor:
    """Raise :class:`PermissionDenied` unless ``actor`` holds one of ``roles``; return the actor."""
    if actor is None:
        raise PermissionDenied(_("You must sign in."))
    if has_role(actor, *roles):
        return actor
    names = ", ".join(r.value if isinstance(r, Role) else r for r in roles)
    raise PermissionDenied(_("This needs the role: %(roles)s.", roles=names))


def is_technician(actor: Actor | None) -> bool:
    """Whether ``actor`` may put their hand on a record: the technician role held itself (the
    system too), not through admin — an admin does not edit records."""
    if isinstance(actor, User):
        return actor.has_role(Role.technician)
    return actor is not None


def require_technician(actor: Actor | None) -> Actor:
    """Raise :class:`PermissionDenied` unless ``actor`` holds the technician role itself."""
    if actor is None:
        raise PermissionDenied(_("You must sign in."))
    if is_technician(actor):
        return actor
    raise PermissionDenied(_("This needs the role: %(roles)s.", roles=Role.technician.value))


def is_staff(actor: Actor | None) -> bool:
    """The lab's people (and the system) see everything; business users only their own."""
    return has_role(actor, *STAFF_ROLES)


def require_staff(actor: Actor | None) -> Actor:
    return require(actor, *STAFF_ROLES)


def organisation_of(actor: Actor | None) -> int | None:
    return actor.organisation_id if isinstance(actor, User) else None


def can_see_organisation(actor: Actor | None, organisation_id: int | None) -> bool:
    if is_staff(actor):
        return True
    org = organisation_of(actor)
    return org is not None and org == organisation_id


def can_see_request(actor: Actor | None, req: ServiceRequest) -> bool:
    return can_see_organisation(actor, req.customer_id)


def can_see_record(actor: Actor | None, record: Record) -> bool:
    return is_staff(actor)


def can_see_certificate(actor: Actor | None, cert: Certificate) -> bool:
    """Staff see every certificate; a business user those of its own organisation."""
    if is_staff(actor):
        return True
    org = organisation_of(actor)
    return org is not None and org in (cert.customer_id, cert.instrument.owner_id)


def can_see_traceability(actor: Actor | None, cert: Certificate) -> bool:
    """A certificate's traceability chain: the lab's staff (inspectors too) and the certificate's
    own customer (not the owner of the instrument as such: the chain names the lab's suppliers)."""
    if is_staff(actor):
        return True
    org = organisation_of(actor)
    return org is not None and org == cert.customer_id


def can_edit_record(actor: Actor | None, record: Record) -> bool:
    """A technician (not an admin as such) may change a draft or returned record."""
    return record.status in EDITABLE_STATUSES and is_technician(actor)


def record_makers(record: Record) -> set[int]:
    """The ids of the users who made the record: its technician, and whoever its audit trail
    shows opening, saving (typed or captured readings) or submitting it."""
    makers = {record.technician_id}
    session = object_session(record)
    if session is not None and record.id is not None:
        makers.update(session.scalars(
            select(AuditEvent.actor_id).distinct()
            .where(AuditEvent.entity_type == "record", AuditEvent.entity_id == str(record.id),
                   AuditEvent.action.in_(MAKER_ACTIONS), AuditEvent.actor_id.is_not(None))))
    return makers


def made_record(actor: Actor | None, record: Record) -> bool:
    """Whether ``actor`` is one of the record's makers (the system is no person: never)."""
    uid = actor_id(actor)
    return uid is not None and uid in record_makers(record)


def can_review_record(actor: Actor | None, record: Record) -> bool:
    """A reviewer who is none of the record's makers may return or approve it once submitted."""
    return (record.status == "submitted" and has_role(actor, Role.reviewer)
            and not made_record(actor, record))


def can_manage_certificates(actor: Actor | None) -> bool:
    """Amend and revoke: reviewers (and admins)."""
    return has_role(actor, Role.reviewer)


#: Who corrects a registered instrument (those who register one).
INSTRUMENT_EDITORS: Final = (Role.admin, Role.technician)


def can_edit_instruments(actor: Actor | None) -> bool:
    """Admins and technicians correct instruments (and withdraw them from service)."""
    return has_role(actor, *INSTRUMENT_EDITORS)


def can_see_instrument_history(actor: Actor | None) -> bool:
    """The audit history of an instrument is the lab's: staff only (a business sees its own
    instrument's data, records and certificates, not the audit internals)."""
    return is_staff(actor)


def can_print_stamp(actor: Actor | None, cert: Any) -> bool:
    """The stamp label is printed by the lab for a valid verification certificate."""
    return bool(cert.stamp_number) and cert.status == "valid" and has_role(actor, Role.technician, Role.reviewer)


def can_see_office(actor: Actor | None) -> bool:
    """The office dashboard (workload, turnaround, pass rates, overdue trend): reviewers and admins."""
    return has_role(actor, Role.reviewer)


# --- product traceability: products, batches, places -------------------------------------------


def can_read_products(actor: Actor | None, owner_id: int | None) -> bool:
    """The lab's staff and inspectors read every business's products, batches and places; a
    business user its own organisation's."""
    return can_see_organisation(actor, owner_id)


def can_manage_products(actor: Actor | None, owner_id: int | None) -> bool:
    """A business user manages (creates, corrects, withdraws) its own organisation's products,
    batches and places; an admin (and the system) any business's."""
    if has_role(actor, Role.admin):
        return True
    org = organisation_of(actor)
    return org is not None and org == owner_id and has_role(actor, Role.business)


def products_owner(actor: Actor | None) -> int | None:
    """Whose products ``actor`` sees: None for all (staff), else its own organisation (-1: none)."""
    if is_staff(actor):
        return None
    org = organisation_of(actor)
    return org if org is not None else -1


def asks_for_own_instruments(actor: Actor | None) -> bool:
    """A business user (not the lab's staff, though an admin holds every role) is offered its due
    instruments to request, with checkboxes on its dashboard, instruments list and instrument page."""
    return has_role(actor, Role.business) and not is_staff(actor)


# --- product traceability (EPCIS events) ---------------------------------------------------------

#: Who records traceability events: businesses (about their own goods) and the lab's technicians and
#: reviewers (inspecting events); inspectors only read.
EVENT_RECORDERS: Final = (Role.business, Role.technician, Role.reviewer)
#: The steps a business records about another business's lot when it happens at one of its own places.
RECEIVING_STEPS: Final = ("receiving", "storing")


def can_record_events(actor: Actor | None) -> bool:
    """Businesses and the lab's technicians and reviewers capture EPCIS events (admins and the system too)."""
    return has_role(actor, *EVENT_RECORDERS)


def can_record_about_lot(actor: Actor | None, *, product_owner_id: int, biz_step: str | None, role: str,
                         place_owner_id: int | None) -> bool:
    """Whether ``actor`` may record an event naming a lot of a product of ``product_owner_id``:

    * a business, about lots of its own products; about another business's lot only when it
      receives or stores it, or takes it in as an input of a transformation, at one of its own
      places (``place_owner_id``: the owner of the event's bizLocation, else of its readPoint);
    * the lab (technicians, reviewers), ``inspecting`` events about any lot;
    * the system (the ``lims`` command, the demo), anything.
    """
    if isinstance(actor, SystemActor):
        return True
    if biz_step == "inspecting" and has_role(actor, Role.technician, Role.reviewer):
        return True
    org = organisation_of(actor)
    if org is None or not has_role(actor, Role.business):
        return False
    if org == product_owner_id:
        return True
    takes_in = biz_step in RECEIVING_STEPS or role == "input"
    return takes_in and place_owner_id == org


def can_link_lab_record(actor: Actor | None) -> bool:
    """Only the lab links an inspecting event to one of its records (a ``testres`` transaction)."""
    return isinstance(actor, SystemActor) or has_role(actor, Role.technician, Role.reviewer)


def can_declare_event_error(actor: Actor | None, event_owner_id: int) -> bool:
    """An error is declared by the organisation that recorded the event (or the system)."""
    if isinstance(actor, SystemActor):
        return True
    org = organisation_of(actor)
    return org is not None and org == event_owner_id and can_record_events(actor)


def sees_all_events(actor: Actor | None) -> bool:
    """The lab's people and inspectors read every event; a business, the events it recorded and
    those about its products."""
    return is_staff(actor)
