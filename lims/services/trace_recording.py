"""Recording what happened to a batch from a form: the EPCIS 2.0 event built and captured.

A business records, about a batch of its own products, one of six steps (CBV 2.0 §7.2), each an
EPCIS 2.0 event built by :mod:`traceability.epcis_events` and captured by
:func:`lims.services.trace_events.record` (GS1's schema and every rule of the repository):

==============  ======================================  ====================================================
step            event                                   what the form gives
==============  ======================================  ====================================================
commissioning   ObjectEvent ADD, disposition active     the place, the quantity made
shipping        ObjectEvent OBSERVE, in_transit         the place it leaves, the partner's place it goes to
                                                        (``destinationList``, CBV type ``location``)
receiving       ObjectEvent OBSERVE, in_progress        the place it arrives at (a partner receives a lot
                                                        shipped to one of its places)
storing         ObjectEvent OBSERVE, sellable_not_      the place it is stored at
                accessible
packing         AggregationEvent ADD, in_progress       the SSCC of the case or pallet it is packed into
transformation  TransformationEvent (commissioning)     up to three input lots with their quantities →
                                                        this lot
==============  ======================================  ====================================================

The time is typed in local time (``LIMS_TIMEZONE``, Asia/Ho_Chi_Minh: ``+07:00``) and kept with its
offset; a time in the future is refused. Quantities carry the UN/ECE Rec 20 code of their unit
(``uom``) from the unit table. The lab records an inspecting event on a batch from an approved
record (:func:`record_inspection`, disposition from the record's verdict, the record linked as a
``testres`` business transaction). An erroneous event is declared (:func:`declare`): recorded again
with its ``errorDeclaration`` and the corrective event; nothing is changed or deleted.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.config import base_url, time_zone
from lims.errors import NotFound, PermissionDenied
from lims.i18n import _
from lims.metrology.units import UNIT_TABLE, lab_unit
from lims.models import (
    Batch,
    Organisation,
    OrgKind,
    Product,
    Record,
    Role,
    TraceCapture,
    TraceEvent,
    TraceLocation,
    User,
)
from lims.services import policy, trace_events
from lims.services.batches import get_batch
from lims.services.inputs import opts, service_input
from lims.services.policy import Actor
from lims.services.products import NET_KINDS, table_unit, unit_kind
from lims.services.validation import Checker
from traceability import gs1
from traceability.epcis_events import Quantity, aggregation_event, batch_class, object_event, transformation_event

__all__ = ["DeclareError", "ERROR_REASONS", "NewEvent", "RecordInspection", "STEPS", "batch_for", "declare",
           "form_values", "incoming_batches", "partner_places", "record_event", "record_inspection",
           "verdict_disposition"]

STEPS = ("commissioning", "shipping", "receiving", "storing", "packing", "transformation")
#: The CBV 2.0 error reasons (§7.5) a declaration may give.
ERROR_REASONS = ("did_not_occur", "incorrect_data")
#: Each object step's action and CBV disposition.
_SHAPES = {"commissioning": ("ADD", "active"), "shipping": ("OBSERVE", "in_transit"),
           "receiving": ("OBSERVE", "in_progress"), "storing": ("OBSERVE", "sellable_not_accessible")}
_VERDICTS = {"pass": "conformant", "conditional_pass": "conformant", "fail": "non_conformant",
             "conditional_fail": "non_conformant"}
INPUTS = 3
_Step = Literal["commissioning", "shipping", "receiving", "storing", "packing", "transformation"]


@service_input
@dataclass(frozen=True, kw_only=True)
class NewEvent:
    """What happened to a batch: the step, when (local time ``YYYY-MM-DDTHH:MM``), where, how much."""

    step: _Step
    event_time: str = field(metadata=opts(max_len=32))
    place_id: int | None = None
    destination_id: int | None = None
    quantity: float | None = field(default=None, metadata=opts(positive=True))
    quantity_unit: str = field(default="", metadata=opts(max_len=32))
    sscc: str | None = field(default=None, metadata=opts(max_len=18))
    input_1_batch_id: int | None = None
    input_1_quantity: float | None = field(default=None, metadata=opts(positive=True))
    input_1_unit: str = field(default="", metadata=opts(max_len=32))
    input_2_batch_id: int | None = None
    input_2_quantity: float | None = field(default=None, metadata=opts(positive=True))
    input_2_unit: str = field(default="", metadata=opts(max_len=32))
    input_3_batch_id: int | None = None
    input_3_quantity: float | None = field(default=None, metadata=opts(positive=True))
    input_3_unit: str = field(default="", metadata=opts(max_len=32))


@service_input
@dataclass(frozen=True, kw_only=True)
class DeclareError(NewEvent):
    """An event declared erroneous (CBV reason) and, unless it did not occur, the event that replaces it."""

    reason: Literal["did_not_occur", "incorrect_data"]
    step: _Step = "commissioning"
    event_time: str = field(default="", metadata=opts(max_len=32))


@service_input
@dataclass(frozen=True, kw_only=True)
class RecordInspection:
    """The lab's inspecting event on a batch, from an approved record."""

    batch_id: int
    event_time: str = field(default="", metadata=opts(max_len=32))


# ---------------------------------------------------------------- reading the form


def _moment(c: Checker, text: str, name: str = "event_time") -> datetime | None:
    """A local time typed in a form (``2025-10-02T08:30``), aware in the lab's time zone; not in the future."""
    if not text.strip():
        c.fail(name, _("This field is required."))
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        c.fail(name, _("%(value)s is not a date and time (YYYY-MM-DD HH:MM).", value=repr(text)))
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=time_zone())
    if moment > datetime.now(time_zone()):
        c.fail(name, _("The time %(value)s is in the future.", value=text))
        return None
    return moment


def _uom(c: Checker, name: str, unit: str, product: Product) -> str | None:
    """The Rec 20 code of ``unit``, which must fit ``product`` (its net quantity's kind, or pieces)."""
    kinds = ((unit_kind(product.net_unit) or "",) if product.net_unit else tuple(NET_KINDS)) + ("count",)
    text = table_unit(c, name, unit, kinds)
    row = lab_unit(text)
    return row.unece if row is not None and name not in c.errors else None


def _quantity(c: Checker, batch: Batch, quantity: float | None, unit: str, names: tuple[str, str]) -> Quantity:
    uom = None
    if quantity is not None and not unit:
        c.fail(names[1], _("This field is required."))
    elif quantity is None and unit:
        c.fail(names[0], _("Give the quantity with its unit, or neither."))
    elif unit:
        uom = _uom(c, names[1], unit, batch.product)
    cls = batch_class(base_url(), batch.product.gtin, batch.lot)
    return Quantity(cls, quantity if uom else None, uom)


def _own_place(session: Session, c: Checker, place_id: int | None, owner_id: int | None, name: str,
               required: bool) -> TraceLocation | None:
    if place_id is None:
        if required:
            c.fail(name, _("This field is required."))
        return None
    place = session.get(TraceLocation, place_id)
    if place is None or place.owner_id != owner_id or not place.active:
        c.fail(name, _("No place of yours in use has the id %(id)s.", id=place_id))
        return None
    return place


def partner_places(session: Session, actor: Actor | None) -> list[TraceLocation]:
    """The places in use of the other businesses: where a shipment may go."""
    own = policy.organisation_of(actor)
    q = (select(TraceLocation).join(Organisation, TraceLocation.owner_id == Organisation.id)
         .where(TraceLocation.active.is_(True), Organisation.kind == OrgKind.business.value)
         .order_by(Organisation.name, TraceLocation.name))
    if own is not None:
        q = q.where(TraceLocation.owner_id != own)
    return list(session.scalars(q))


def incoming_batches(session: Session, actor: Actor | None, *, limit: int = 500) -> list[tuple[Batch, TraceEvent]]:
    """The batches of other businesses shipped to one of ``actor``'s places (the newest ``limit``
    shipments read), each with its shipping event: what it may record receiving and storing of."""
    own = policy.organisation_of(actor)
    if own is None:
        return []
    mine = {trace_events.location_uri(p) for p in session.scalars(
        select(TraceLocation).where(TraceLocation.owner_id == own))}
    if not mine:
        return []
    shipments = session.scalars(select(TraceEvent).where(
        TraceEvent.biz_step == "shipping", TraceEvent.error_declared.is_(False), TraceEvent.owner_id != own)
        .order_by(TraceEvent.event_time.desc()).limit(limit))
    found: list[tuple[Batch, TraceEvent]] = []
    seen: set[int] = set()
    for event in shipments:
        targets = {d.get("destination") for d in event.document.get("destinationList") or [] if isinstance(d, dict)}
        if targets & mine:
            for link in event.batches:
                if link.batch_id not in seen:
                    seen.add(link.batch_id)
                    found.append((link.batch, event))
    return found


def batch_for(session: Session, actor: Actor | None, batch_id: int, step: str | None = None) -> Batch:
    """The batch ``actor`` may record ``step`` about: one of its own products' (an admin: any), or
    one shipped to one of its places when it receives or stores it (else 404, or 403 for readers)."""
    batch = session.get(Batch, batch_id)
    if batch is not None and policy.can_manage_products(actor, batch.product.owner_id):
        return batch
    if batch is not None and step in policy.RECEIVING_STEPS and any(
            b.id == batch.id for b, _event in incoming_batches(session, actor)):
        return batch
    get_batch(session, actor, batch_id)  # 404 for what the actor cannot see
    raise PermissionDenied(_("You record events only about your own business's batches."))


# ---------------------------------------------------------------- building the events


def build_event(session: Session, actor: Actor | None, batch: Batch, new: NewEvent, *, c: Checker,
                event_id: str | None = None) -> dict[str, Any] | None:
    """The EPCIS event of ``new`` about ``batch``; faults go to ``c`` (field names of the form)."""
    moment = _moment(c, new.event_time)
    # A business names its own places (a partner receiving: its own); the system and an admin the batch's.
    owner = policy.organisation_of(actor) if isinstance(actor, User) and not policy.has_role(actor, Role.admin) \
        else batch.product.owner_id
    place = _own_place(session, c, new.place_id, owner, "place_id",
                       required=new.step in ("shipping", "receiving", "storing"))
    where = trace_events.location_uri(place) if place is not None else None
    what = _quantity(c, batch, new.quantity, new.quantity_unit, ("quantity", "quantity_unit"))
    extra: dict[str, Any] = {}
    if new.step == "shipping":
        dest = session.get(TraceLocation, new.destination_id) if new.destination_id is not None else None
        if dest is None or not dest.active:
            c.fail("destination_id", _("Choose the place the goods go to."))
        else:
            extra["destinationList"] = [{"type": "location", "destination": trace_events.location_uri(dest)}]
            if where:
                extra["sourceList"] = [{"type": "location", "source": where}]
    parent = None
    if new.step == "packing":
        try:
            parent = gs1.DigitalLink.build(base_url(), "00", new.sscc or "").uri
        except gs1.GS1Error as exc:
            c.fail("sscc", exc.reason)
    inputs = _inputs(session, actor, c, new) if new.step == "transformation" else []
    if c.errors or moment is None:
        return None
    if new.step == "packing":
        assert parent is not None
        return aggregation_event(event_time=moment, action="ADD", parent_id=parent, children=[what],
                                 disposition="in_progress", read_point=where, biz_location=where, event_id=event_id)
    if new.step == "transformation":
        return transformation_event(event_time=moment, inputs=inputs, outputs=[what], read_point=where,
                                    biz_location=where, disposition="active", event_id=event_id)
    action, disposition = _SHAPES[new.step]
    biz_location = None if new.step == "shipping" else where  # in transit: no business location
    return object_event(event_time=moment, action=action, biz_step=new.step, disposition=disposition,
                        quantities=[what], read_point=where, biz_location=biz_location, event_id=event_id,
                        extra=extra)


def _inputs(session: Session, actor: Actor | None, c: Checker, new: NewEvent) -> list[Quantity]:
    """The input lots of a transformation: the actor's own, or received at its places."""
    found = []
    for n in range(1, INPUTS + 1):
        batch_id = getattr(new, f"input_{n}_batch_id")
        if batch_id is None:
            continue
        try:
            batch = batch_for(session, actor, batch_id, "receiving")
        except (NotFound, PermissionDenied):
            c.fail(f"input_{n}_batch_id", _("No batch of yours, or received by you, has the id %(id)s.", id=batch_id))
            continue
        found.append(_quantity(c, batch, getattr(new, f"input_{n}_quantity"), getattr(new, f"input_{n}_unit"),
                               (f"input_{n}_quantity", f"input_{n}_unit")))
    if not found and "input_1_batch_id" not in c.errors:
        c.fail("input_1_batch_id", _("Name at least one input lot."))
    return found


def record_event(session: Session, actor: Actor | None, batch_id: int, new: NewEvent) -> TraceCapture:
    """Record ``new`` about the batch (a form's event): built, then captured with every rule."""
    batch = batch_for(session, actor, batch_id, new.step)
    c = Checker()
    event = build_event(session, actor, batch, new, c=c)
    c.done()
    assert event is not None
    return trace_events.record(session, actor, [event], source="form", owner_id=batch.product.owner_id)


def declare(session: Session, actor: Actor | None, event_row_id: int, change: DeclareError) -> TraceCapture:
    """Declare the stored event ``event_row_id`` erroneous (EPCIS 2.0 §7.4.1.5), with the corrective
    event built from the form unless the event did not occur at all."""
    row = session.get(TraceEvent, event_row_id)
    if row is None or row.error_declared:
        raise NotFound(_("There is no event %(id)s.", id=event_row_id))
    if not policy.can_declare_event_error(actor, row.owner_id):
        raise PermissionDenied(_("Only the organisation that recorded an event may declare it erroneous."))
    corrective: list[dict[str, Any]] = []
    if change.reason == "incorrect_data" or change.event_time:
        batch = next((link.batch for link in row.batches if link.role in ("object", "output", "child")), None)
        if batch is None:
            raise NotFound(_("There is no event %(id)s.", id=event_row_id))
        c = Checker()
        event = build_event(session, actor, batch, change, c=c)
        c.done()
        assert event is not None
        corrective.append(event)
    return trace_events.declare_error(session, actor, row.event_id, reason=change.reason, corrective=corrective)


def record_inspection(session: Session, actor: Actor | None, record_id: int, new: RecordInspection) -> TraceCapture:
    """The lab's inspecting event on a batch: the record (approved) linked as its test result, its
    verdict as the disposition (pass: conformant, fail: non_conformant)."""
    if not policy.can_link_lab_record(actor):
        raise PermissionDenied(_("This needs the role: %(roles)s.", roles="technician, reviewer"))
    record = session.get(Record, record_id)
    if record is None:
        raise NotFound(_("No record with id %(id)s.", id=record_id))
    c = Checker()
    if record.status != "approved" or record.verdict not in _VERDICTS:
        c.fail("record_id", _("Only an approved record with a verdict is linked to a batch."))
    batch = session.get(Batch, new.batch_id)
    if batch is None:
        c.fail("batch_id", _("No batch with id %(id)s.", id=new.batch_id))
    moment = _moment(c, new.event_time) if new.event_time else datetime.now(time_zone()).replace(microsecond=0)
    c.done()
    assert batch is not None and moment is not None
    cls = batch_class(base_url(), batch.product.gtin, batch.lot)
    event = object_event(event_time=moment, action="OBSERVE", biz_step="inspecting",
                         disposition=_VERDICTS[record.verdict or ""], quantities=[Quantity(cls)], read_point=None,
                         biz_location=None, extra={"bizTransactionList": [
                             {"type": "testres", "bizTransaction": trace_events.record_uri(record.id)}]})
    return trace_events.record(session, actor, [event], source="lab")


def verdict_disposition(record: Record) -> str | None:
    """The CBV disposition an inspecting event from ``record`` carries (None: no verdict to link)."""
    return _VERDICTS.get(record.verdict or "")


def form_values(session: Session, row: TraceEvent, batch: Batch) -> dict[str, Any]:
    """What a stored event said, as its form's values (to correct it): the local time, the place, the
    quantity of ``batch`` with its unit."""
    values: dict[str, Any] = {"event_time": row.event_time.astimezone(time_zone()).strftime("%Y-%m-%dT%H:%M")}
    uris = {row.read_point, row.biz_location}
    for place in session.scalars(select(TraceLocation).where(TraceLocation.owner_id == row.owner_id)):
        if trace_events.location_uri(place) in uris:
            values["place_id"] = str(place.id)
    link = next((link for link in row.batches if link.batch_id == batch.id and link.role != "input"), None)
    if link is not None and link.quantity is not None:
        row_unit = next((u for u in UNIT_TABLE if u.unece == link.uom), None)
        values.update(quantity=link.quantity, quantity_unit=row_unit.pint if row_unit else "")
    return values


def default_time() -> str:
    """Now in local time as a form's ``datetime-local`` value."""
    return datetime.now(time_zone()).strftime("%Y-%m-%dT%H:%M")
