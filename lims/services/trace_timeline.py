"""A batch's internal timeline: every event about it, oldest first, as people read it.

Every event is shown, erroneous ones too (EPCIS 2.0 §7.4.1.5: nothing is deleted): an event
declared erroneous carries its declaration (reason, when, and the corrective events that replace
it, linked by their eventIDs). Places are named by their registered name (a URI of a place not
registered here is shown as it is), quantities with their unit, an inspecting event with its lab
record and verdict. For the lab's staff and inspectors and the batch's business
(:func:`lims.services.batches.get_batch`); the public page is the resolver's.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.metrology.units import UNIT_TABLE
from lims.models import Batch, Organisation, Record, TraceEvent, TraceEventBatch, TraceLocation
from lims.services import trace_events
from traceability.epcis_places import utc_offset

__all__ = ["Line", "Moved", "batch_timeline", "unit_of_code"]


@dataclass(frozen=True)
class Moved:
    """A batch an event names, its role, and the quantity with its unit (storage text)."""

    batch: Batch
    role: str
    quantity: float | None
    unit: str | None


@dataclass
class Line:
    """One event of the timeline."""

    event: TraceEvent
    step: str  # the CBV bizStep, or the event type when it has none
    at: datetime  # in the event's own offset
    recorded_by: str
    read_point: str | None
    biz_location: str | None
    destination: str | None
    moved: list[Moved] = field(default_factory=list)
    record: Record | None = None
    declaration: TraceEvent | None = None  # the error declaration of this event
    corrective: list[TraceEvent] = field(default_factory=list)
    corrects: TraceEvent | None = None  # the erroneous event this one replaces

    @property
    def anchor(self) -> str:
        return f"event-{self.event.id}"

    @property
    def reason(self) -> str | None:
        if self.declaration is None:
            return None
        return str((self.declaration.document.get("errorDeclaration") or {}).get("reason") or "")


def unit_of_code(uom: str | None) -> str | None:
    """The storage text of a UN/ECE Rec 20 code (the table's first row with it)."""
    if not uom:
        return None
    return next((row.pint for row in UNIT_TABLE if row.unece == uom), uom)


def _place_names(session: Session) -> dict[str, str]:
    """Every registered place by its URI in events: its name (and its business's)."""
    names = {}
    for place, org in session.execute(select(TraceLocation, Organisation)
                                      .join(Organisation, TraceLocation.owner_id == Organisation.id)):
        names[trace_events.location_uri(place)] = f"{place.name} ({org.name})"
    return names


def _named(names: dict[str, str], uri: str | None) -> str | None:
    return names.get(uri, uri) if uri else None


def batch_timeline(session: Session, batch: Batch) -> list[Line]:
    """Every event about ``batch`` (declarations folded into the events they declare erroneous)."""
    rows = trace_events.batch_events(session, batch, include_errors=True)
    declarations = {r.event_id: r for r in rows if r.error_declared}
    events = [r for r in rows if not r.error_declared]
    by_id = {r.event_id: r for r in events}
    corrective_ids = {cid for d in declarations.values()
                      for cid in (d.document.get("errorDeclaration") or {}).get("correctiveEventIDs") or []}
    missing = corrective_ids - set(by_id)
    if missing:  # corrective events about another batch still show
        for row in session.scalars(select(TraceEvent).where(TraceEvent.event_id.in_(missing),
                                                            TraceEvent.error_declared.is_(False))):
            by_id[row.event_id] = row
    names = _place_names(session)
    owners = {o.id: o.name for o in session.scalars(select(Organisation).where(
        Organisation.id.in_({r.owner_id for r in events})))}
    links = _links(session, [r.id for r in events])
    lines: dict[str, Line] = {}
    for row in events:
        dest = next((d.get("destination") for d in row.document.get("destinationList") or []
                     if isinstance(d, dict)), None)
        lines[row.event_id] = Line(
            event=row, step=row.biz_step or row.event_type,
            at=row.event_time.astimezone(utc_offset(row.time_zone)), recorded_by=owners.get(row.owner_id, ""),
            read_point=_named(names, row.read_point), biz_location=_named(names, row.biz_location),
            destination=_named(names, dest), record=row.record,
            moved=[Moved(link.batch, link.role, link.quantity, unit_of_code(link.uom))
                   for link in links.get(row.id, [])])
    for event_id, declaration in declarations.items():
        line = lines.get(event_id)
        if line is None:
            continue
        line.declaration = declaration
        for cid in (declaration.document.get("errorDeclaration") or {}).get("correctiveEventIDs") or []:
            fix = by_id.get(cid)
            if fix is not None:
                line.corrective.append(fix)
                if cid in lines:
                    lines[cid].corrects = line.event
    return list(lines.values())


def _links(session: Session, row_ids: Iterable[int]) -> dict[int, list[TraceEventBatch]]:
    found: dict[int, list[TraceEventBatch]] = {}
    ids = list(row_ids)
    if not ids:
        return found
    for link in session.scalars(select(TraceEventBatch).where(TraceEventBatch.event_row_id.in_(ids))
                                .order_by(TraceEventBatch.id)):
        found.setdefault(link.event_row_id, []).append(link)
    return found

