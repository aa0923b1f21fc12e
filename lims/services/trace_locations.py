"""A business's places (farm, factory, warehouse, shop) for traceability: register, correct, withdraw.

* A place is named uniquely within its business, has an address, and is identified by its GS1
  Global Location Number when the business has one (13 digits, the check digit checked, unique
  across the system), otherwise by a local identifier unique within the business: typed
  (letters, digits, ``.``, ``_``, ``-``; it becomes part of the place's URI in EPCIS events) or
  generated (``LOC-001``, ``LOC-002`` …).
* EPCIS events name places as ``readPoint`` and ``bizLocation`` by these identifiers, so a
  place's GLN and local identifier are fixed once a batch was produced there or an event names it.
* Withdrawn (``active`` false): kept with what refers to it, offered for no new batch or event.

Who: as for products (:mod:`lims.services.products`). The place table keeps no version: the last
save wins.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from lims.errors import NotFound, PermissionDenied, ValidationError
from lims.i18n import _
from lims.models import Batch, Role, TraceEvent, TraceLocation
from lims.services import audit, listing, policy
from lims.services.catalog_edits import apply_change, change_of, changed_fields, values_of
from lims.services.inputs import opts, service_input
from lims.services.listing import Page
from lims.services.policy import Actor
from lims.services.products import check_owner, like
from lims.services.validation import Checker
from traceability import gs1

__all__ = ["LOCATION_SORTS", "LocationChange", "LocationFilter", "NewLocation", "create_location", "get_location",
           "location_change", "location_frozen", "owned_locations", "search_locations", "update_location"]

LOCATION_SORTS: dict[str, Any] = {"id": TraceLocation.id, "name": TraceLocation.name}
_LOCAL_ID = re.compile(r"[A-Za-z0-9._-]{1,80}")
_GENERATED = re.compile(r"LOC-(\d{1,9})")


@service_input
@dataclass(frozen=True, kw_only=True)
class NewLocation:
    """A place: ``owner_id`` is the business (a business user's own when left out); a ``gln``, or
    else a ``local_id`` (generated when neither is given)."""

    owner_id: int | None = None
    name: str
    address: str = field(default="", metadata=opts(max_len=500))
    gln: str | None = field(default=None, metadata=opts(max_len=13))
    local_id: str | None = field(default=None, metadata=opts(max_len=80))


@service_input
@dataclass(frozen=True, kw_only=True)
class LocationChange(NewLocation):
    """A place as corrected, withdrawn (``active`` false) or reinstated."""

    active: bool = True


def _check_ids(session: Session, c: Checker, owner_id: int | None, new: NewLocation,
               own_id: int | None = None) -> tuple[str | None, str | None]:
    """The GLN (checked, free) and the local identifier (typed and free; None when a GLN names it)."""
    gln = local = None
    if new.gln:
        try:
            gln = gs1.gln(new.gln)
        except gs1.GS1Error as exc:
            c.fail("gln", exc.reason)
        else:
            other = session.scalar(select(TraceLocation).where(TraceLocation.gln == gln,
                                                               TraceLocation.id != (own_id or 0)))
            if other is not None:
                c.fail("gln", _("GLN %(gln)s names another place already (%(name)s).", gln=gln, name=other.name))
    if new.local_id:
        if not _LOCAL_ID.fullmatch(new.local_id):
            c.fail("local_id", _("A local identifier holds letters, digits, dots, underscores and dashes only."))
        elif owner_id is not None and session.scalar(
                select(TraceLocation.id).where(TraceLocation.owner_id == owner_id,
                                               TraceLocation.local_id == new.local_id,
                                               TraceLocation.id != (own_id or 0))):
            c.fail("local_id", _("Another place of this business has the local identifier %(id)s.",
                                 id=new.local_id))
        local = new.local_id
    if owner_id is not None and session.scalar(
            select(TraceLocation.id).where(TraceLocation.owner_id == owner_id, TraceLocation.name == new.name,
                                           TraceLocation.id != (own_id or 0))):
        c.fail("name", _("This business has a place named %(name)s already.", name=new.name))
    return gln, local


def _next_local_id(session: Session, owner_id: int) -> str:
    """``LOC-001``, … the next free generated identifier of the business."""
    used = session.scalars(select(TraceLocation.local_id).where(TraceLocation.owner_id == owner_id,
                                                                TraceLocation.local_id.like("LOC-%")))
    numbers = [int(m.group(1)) for text in used if text and (m := _GENERATED.fullmatch(text))]
    return f"LOC-{max(numbers, default=0) + 1:03d}"


def create_location(session: Session, actor: Actor | None, new: NewLocation) -> TraceLocation:
    """Register a place of a business (the business itself, or an admin)."""
    policy.require(actor, Role.admin, Role.business)
    c = Checker()
    owner_id = check_owner(session, actor, c, new.owner_id)
    gln, local = _check_ids(session, c, owner_id, new)
    c.done()
    assert owner_id is not None
    if gln is None and local is None:
        local = _next_local_id(session, owner_id)
    place = TraceLocation(owner_id=owner_id, name=new.name, address=new.address, gln=gln, local_id=local)
    try:
        with session.begin_nested():
            session.add(place)
            session.flush()
    except IntegrityError:  # the same name, GLN or identifier saved by someone else at the same moment
        raise ValidationError(_("This business has a place named %(name)s already.", name=new.name),
                              field="name") from None
    audit.record(session, actor, "trace_location.create", place, after=audit.snapshot(place))
    return place


def get_location(session: Session, actor: Actor | None, location_id: int) -> TraceLocation:
    """A place ``actor`` may read (another business's: not found)."""
    policy.require(actor, *policy.STAFF_ROLES, Role.business)
    place = session.get(TraceLocation, location_id)
    if place is None or not policy.can_read_products(actor, place.owner_id):
        raise NotFound(_("No place with id %(id)s.", id=location_id))
    return place


def location_frozen(session: Session, place: TraceLocation) -> tuple[str, ...]:
    """The GLN and local identifier are fixed once a batch was produced at the place or an event
    names it (as readPoint or bizLocation, by :func:`lims.services.trace_events.location_uri`)."""
    used = session.scalar(select(Batch.id).where(Batch.location_id == place.id).limit(1)) is not None
    if not used and (place.gln or place.local_id):
        from lims.services.trace_events import location_uri  # the capture service names places so

        uri = location_uri(place)
        used = session.scalar(select(TraceEvent.id).where(
            or_(TraceEvent.read_point == uri, TraceEvent.biz_location == uri)).limit(1)) is not None
    return ("owner_id", "gln", "local_id") if used else ("owner_id",)


def location_change(place: TraceLocation, given: Mapping[str, Any]) -> LocationChange:
    """``given`` (the fields that change) over the place's current values, checked as a creation is."""
    return change_of(LocationChange, values_of(place, LocationChange), given)


def update_location(session: Session, actor: Actor | None, location_id: int,
                    change: LocationChange) -> TraceLocation:
    """Correct, withdraw or reinstate a place (its business, an admin)."""
    place = get_location(session, actor, location_id)
    if not policy.can_manage_products(actor, place.owner_id):
        raise PermissionDenied(_("You manage only your own business's products, batches and places."))
    before = values_of(place, LocationChange)
    c = Checker()
    if change.owner_id != place.owner_id:
        c.fail("owner_id", _("A place stays with the business that registered it."))
    gln, local = _check_ids(session, c, place.owner_id, change, place.id)
    if gln is None and local is None and "gln" not in c.errors:
        c.fail("local_id", _("A place without a GLN needs a local identifier."))
    after = {name: getattr(change, name) for name in before}
    after.update(gln=gln, local_id=local)
    changed = changed_fields(before, after)
    frozen = location_frozen(session, place)
    for name in ("gln", "local_id"):
        if name in changed and name in frozen:
            c.fail(name, _("Batches or events name this place by its identifier; it can no longer be changed."))
    c.done()
    apply_change(session, actor, place, "trace_location", before, after, changed)
    return place


# ---------------------------------------------------------------- lists


@dataclass(frozen=True, kw_only=True)
class LocationFilter:
    q: str | None = None
    owner_id: int | None = None
    active: str | None = None
    sort: str | None = None


def search_locations(session: Session, viewer: Actor | None, f: LocationFilter, *, limit: int,
                     offset: int) -> Page[TraceLocation]:
    """The places ``viewer`` may read (a business: its own): ``q`` in the name, address, GLN or local
    identifier; by name unless asked; paged."""
    policy.require(viewer, *policy.STAFF_ROLES, Role.business)
    listing.check_choice("active", f.active, ("true", "false"))
    q = select(TraceLocation).options(selectinload(TraceLocation.owner))
    own = policy.products_owner(viewer)
    if own is not None:
        q = q.where(TraceLocation.owner_id == own)
    if f.owner_id is not None:
        q = q.where(TraceLocation.owner_id == f.owner_id)
    if f.active:
        q = q.where(TraceLocation.active.is_(f.active == "true"))
    if f.q:
        pattern = like(f.q)
        q = q.where(or_(*(func.lower(col).like(pattern, escape="\\") for col in (
            TraceLocation.name, TraceLocation.address, TraceLocation.gln, TraceLocation.local_id))))
    q = listing.ordered(q, TraceLocation, LOCATION_SORTS, f.sort, "name")
    return listing.page(session, q, TraceLocation, limit=limit, offset=offset)


def owned_locations(session: Session, owner_id: int, *, active_only: bool = True) -> list[TraceLocation]:
    """The places of the business ``owner_id`` (in use), by name, for a form's choices."""
    q = select(TraceLocation).where(TraceLocation.owner_id == owner_id).order_by(TraceLocation.name)
    if active_only:
        q = q.where(TraceLocation.active.is_(True))
    return list(session.scalars(q))
