"""The EPCIS 2.0 repository: capture events (all or none), declare errors, read a batch's events.

A capture checks the document against GS1's EPCIS 2.0 JSON Schema (format checking on), then every
event against the rules of :mod:`lims.services.trace_rules`; a problem anywhere refuses the whole
document with every problem named by event index and field (:class:`CaptureRefused`, 422), and
nothing is written — not even the refusal (the answer carries it). An accepted document becomes one
:class:`~lims.models.TraceCapture` and one :class:`~lims.models.TraceEvent` per event, whose
``document`` is the event as captured (an ``eventID`` ``urn:uuid:…`` added when it had none, a
``recordTime`` given by the sender dropped: EPCIS 2.0 §7.4.1 has the repository set it).

A commissioning (ObjectEvent ADD, or a TransformationEvent's output, with bizStep ``commissioning``)
of a lot not yet known of one of the capturing business's own products registers that batch: lot,
production date (the event's day at its offset), quantity produced and its unit, and the place when
the event's bizLocation is one of the business's places. Queries are in :mod:`lims.services.trace_queries`.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, Text, exists, func, insert, select, text
from sqlalchemy import cast as sa_cast
from sqlalchemy.orm import Session, lazyload

from lims.config import base_url
from lims.errors import NotFound, PermissionDenied, ValidationError
from lims.i18n import _
from lims.models import Batch, Product, TraceCapture, TraceEvent, TraceEventBatch, TraceLocation, User
from lims.services import audit, policy
from lims.services.policy import Actor
from lims.services.trace_queries import EventQuery, exported, query, query_from_args
from lims.services.trace_rules import EventRules, Lookups, Problem, lab_organisation_id, load_lookups, unit_of
from lims.services.trace_rules import verdict_of as _verdict
from traceability.epcis_document import epcis_document, schema_problems
from traceability.epcis_events import (
    EventError,
    EventFacts,
    QuantityFact,
    error_declaration,
    location_id,
    parse_event,
)
from traceability.epcis_places import utc_offset

__all__ = ["CaptureRefused", "EventQuery", "SOURCES", "batch_document", "batch_document_json", "batch_events",
           "capture", "declare_error", "exported", "find_batch", "get_capture", "location_uri", "query",
           "query_from_args", "record", "record_uri"]

SOURCES = ("api", "form", "import", "lab", "demo")
#: At most this many problems are reported for one document (the first ones, in document order).
MAX_PROBLEMS = 200


class CaptureRefused(ValidationError):
    """The document was refused: ``problems`` (index, field, message) name every fault; nothing was written."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        first = problems[0]
        where = first.field if first.index is None else f"eventList/{first.index}/{first.field}"
        message = (_("Event %(index)s, %(field)s: %(reason)s", index=first.index, field=first.field,
                     reason=first.message) if first.index is not None else f"{first.field}: {first.message}")
        errors: dict[str, str] = {}
        for p in problems:
            errors.setdefault(p.field if p.index is None else f"eventList/{p.index}/{p.field}", p.message)
        super().__init__(message, field=where, errors=errors)
        self.problems = list(problems)
        self.detail["problems"] = [p.as_json() for p in self.problems]


def location_uri(location: TraceLocation) -> str:
    """The id of a place in events (readPoint, bizLocation): the Digital Link of its GLN, else
    ``{LIMS_BASE_URL}/loc/{owner id}/{local id}``."""
    return location_id(gln=location.gln, owner_key=str(location.owner_id),
                       local_id=location.local_id or str(location.id), base=base_url())


def record_uri(record_id: int) -> str:
    """How an inspecting event names the lab record that holds its result: a bizTransaction of CBV
    type ``testres`` with this URI (the record's page)."""
    return f"{base_url()}/records/{record_id}"


def _owner(session: Session, actor: Actor, owner_id: int | None) -> int:
    if isinstance(actor, User):
        if actor.organisation_id is None:
            raise PermissionDenied(_("Your account belongs to no organisation: it cannot record events."))
        return actor.organisation_id
    found = owner_id or lab_organisation_id(session)
    if found is None:
        raise ValidationError(_("There is no lab organisation to record the events for."))
    return found


def _event_list(document: Mapping[str, Any]) -> list[Any] | None:
    body = document.get("epcisBody")
    if not isinstance(body, Mapping):
        return None
    if document.get("type") == "EPCISQueryDocument":
        results = body.get("queryResults")
        body = results.get("resultsBody") if isinstance(results, Mapping) else None
        if not isinstance(body, Mapping):
            return None
    events = body.get("eventList")
    return events if isinstance(events, list) else None


def _schema(document: Mapping[str, Any]) -> list[Problem]:
    found = []
    for p in schema_problems(document):
        index = p.event_index
        where = p.where
        if index is not None:
            where = "/".join(str(x) for x in p.path[p.path.index("eventList") + 2:]) or "<event>"
        found.append(Problem(index, where, _("does not follow the EPCIS 2.0 schema: %(reason)s", reason=p.message)))
    return found


def _prepared(events: list[Any]) -> list[dict[str, Any]]:
    """The events as they will be stored: an eventID given to each that has none, recordTime dropped."""
    ready = []
    for event in events:
        copy = {k: v for k, v in event.items() if k != "recordTime"}
        if not copy.get("eventID"):
            copy = {"eventID": f"urn:uuid:{uuid.uuid4()}", **copy}
        ready.append(copy)
    return ready


def capture(session: Session, actor: Actor | None, document: Mapping[str, Any], *, source: str,
            owner_id: int | None = None, now: datetime | None = None) -> TraceCapture:
    """Capture an EPCISDocument (or EPCISQueryDocument): every event stored, or none.

    ``owner_id``: the organisation the system records for (the ``lims`` command, the demo); a user
    always records for their own organisation. Raises :class:`CaptureRefused` with every problem."""
    if not policy.can_record_events(actor):
        raise PermissionDenied(_("This needs the role: %(roles)s.",
                                 roles=", ".join(r.value for r in policy.EVENT_RECORDERS)))
    assert actor is not None
    if source not in SOURCES:
        raise ValueError(f"unknown capture source {source!r}")
    owner = _owner(session, actor, owner_id)
    if not isinstance(document, Mapping):
        raise CaptureRefused([Problem(None, "<root>", _("Send an EPCIS 2.0 document (a JSON object)."))])
    problems = _schema(document)
    events = _event_list(document)
    if events is None or not events:
        raise CaptureRefused(problems or [Problem(None, "epcisBody/eventList", _("The document holds no event."))])
    broken = {p.index for p in problems}
    ready = _prepared([e if isinstance(e, Mapping) else {} for e in events])
    parsed: dict[int, EventFacts] = {}
    for i, event in enumerate(ready):
        if i in broken:
            continue
        try:
            parsed[i] = parse_event(event)
        except EventError as exc:
            problems.append(Problem(i, exc.field or "", exc.reason))
    facts = list(parsed.values())
    lookups = load_lookups(session, facts, [c for f in facts if f.error for c in f.error.corrective_ids])
    problems += _duplicates(parsed, lookups)
    registered = _register_commissioned(parsed, lookups, actor, owner)
    rules = EventRules(actor, owner, lookups, now)
    in_document = {f.event_id: i for i, f in parsed.items() if f.event_id and f.error is None}
    for i, f in parsed.items():
        problems += rules.check(i, f, in_document)
    if problems:
        problems.sort(key=lambda p: (-1 if p.index is None else p.index, p.field))
        raise CaptureRefused(problems[:MAX_PROBLEMS])
    return _store(session, actor, owner, source, ready, parsed, lookups, registered)


def _duplicates(parsed: Mapping[int, EventFacts], lookups: Lookups) -> list[Problem]:
    found = []
    seen: set[tuple[str, bool]] = set()
    for i, f in parsed.items():
        if f.event_id is None:
            continue
        key = (f.event_id, f.error is not None)
        if key in seen or (not key[1] and key in lookups.stored):
            found.append(Problem(i, "eventID", _("Event %(id)s is already recorded.", id=f.event_id)))
        seen.add(key)
    return found


def _register_commissioned(parsed: Mapping[int, EventFacts], lookups: Lookups, actor: Actor,
                           owner: int) -> list[Batch]:
    """New lots commissioned by their product's owner: batches added to ``lookups`` (not yet stored)."""
    made: list[Batch] = []
    for f in parsed.values():
        if f.error is not None or f.biz_step != "commissioning":
            continue
        role = "object" if f.event_type == "ObjectEvent" and f.action == "ADD" else (
            "output" if f.event_type == "TransformationEvent" else None)
        for q in f.quantities:
            product = lookups.products.get(q.gtin14)
            if (q.role != role or q.lot is None or product is None or (q.gtin14, q.lot) in lookups.batches
                    or product.owner_id != owner or not policy.can_record_about_lot(
                        actor, product_owner_id=product.owner_id, biz_step=f.biz_step, role=q.role,
                        place_owner_id=None)):
                continue
            batch = _new_batch(product, q, f, lookups)
            lookups.batches[(q.gtin14, q.lot)] = batch
            made.append(batch)
    return made


def _new_batch(product: Product, q: QuantityFact, f: EventFacts, lookups: Lookups) -> Batch:
    unit = unit_of(q.uom) if q.uom else None
    place = lookups.places.get(f.biz_location or "") or lookups.places.get(f.read_point or "")
    return Batch(product=product, lot=q.lot,
                 production_date=f.event_time.astimezone(utc_offset(f.time_zone)).date(),
                 quantity=q.quantity if q.quantity and unit else None, quantity_unit=unit or "",
                 location=place if place is not None and place.owner_id == product.owner_id else None)


def _new_ids(session: Session, table: str, count: int) -> list[int]:
    """``count`` ids for rows inserted with Core (an executemany without RETURNING: on PostgreSQL a
    pipeline of one prepared statement, some five times faster than the ORM's batched INSERTs)."""
    if session.get_bind().dialect.name == "postgresql":
        return list(session.scalars(select(func.nextval(func.pg_get_serial_sequence(table, "id")))
                                    .select_from(func.generate_series(1, count))))
    last = session.scalar(text(f"SELECT coalesce(max(id), 0) FROM {table}")) or 0  # SQLite: one writer at a time
    return list(range(last + 1, last + count + 1))


def _store(session: Session, actor: Actor, owner: int, source: str, ready: list[dict[str, Any]],
           parsed: Mapping[int, EventFacts], lookups: Lookups, registered: list[Batch]) -> TraceCapture:
    from lims.services.trace_rules import record_ids_of

    job = TraceCapture(owner_id=owner, user_id=policy.actor_id(actor), source=source, status="accepted",
                       event_count=len(ready), errors=[])
    session.add(job)
    session.add_all(registered)
    session.flush()
    now = datetime.now(UTC)
    ids = _new_ids(session, "trace_event", len(ready))
    events: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    for i, document in enumerate(ready):
        f = parsed[i]
        records = record_ids_of(f)
        events.append({
            "id": ids[i], "event_id": f.event_id, "event_type": f.event_type, "action": f.action,
            "biz_step": f.biz_step, "disposition": f.disposition, "event_time": f.event_time,
            "time_zone": f.time_zone, "record_time": now, "read_point": f.read_point, "biz_location": f.biz_location,
            "owner_id": owner, "capture_id": job.id, "record_id": records[0] if records else None,
            "verdict": _verdict(f), "error_declared": f.error is not None, "document": document})
        links += [{"event_row_id": ids[i], "batch_id": lookups.batches[(q.gtin14, q.lot)].id, "role": q.role,
                   "quantity": q.quantity, "uom": q.uom} for q in f.quantities if q.lot]
    session.execute(insert(cast(Table, TraceEvent.__table__)), events)
    if links:
        link_ids = _new_ids(session, "trace_event_batch", len(links))
        for link, link_id in zip(links, link_ids, strict=True):
            link["id"] = link_id
        session.execute(insert(cast(Table, TraceEventBatch.__table__)), links)
    for batch in registered:
        audit.record(session, actor, "batch.create", batch,
                     after={"product": batch.product.gtin, "lot": batch.lot, "by": "commissioning event"})
    audit.record(session, actor, "trace.capture", job, after={
        "source": source, "events": len(events), "owner_id": owner,
        "event_ids": [e["event_id"] for e in events],
        "declared_erroneous": [e["event_id"] for e in events if e["error_declared"]]})
    return job


def record(session: Session, actor: Actor | None, events: Sequence[Mapping[str, Any]], *,
           source: str = "form", owner_id: int | None = None) -> TraceCapture:
    """Capture ``events`` (JSON-LD event objects, e.g. from :mod:`traceability.epcis_events`' builders)."""
    return capture(session, actor, epcis_document(events, datetime.now(UTC)), source=source, owner_id=owner_id)


def declare_error(session: Session, actor: Actor | None, event_id: str, *, reason: str,
                  corrective: Sequence[Mapping[str, Any]], source: str = "form") -> TraceCapture:
    """Declare the event ``event_id`` erroneous (EPCIS 2.0 §7.4.1.5): it is recorded again with its
    ``errorDeclaration`` (``reason``: ``incorrect_data`` or ``did_not_occur``) naming the
    ``corrective`` events, captured in the same document. Nothing is changed or deleted."""
    original = session.scalar(select(TraceEvent).options(lazyload(TraceEvent.batches))
                              .where(TraceEvent.event_id == event_id, TraceEvent.error_declared.is_(False)))
    if original is None:
        raise NotFound(_("There is no event %(id)s.", id=event_id))
    fixes = _prepared([dict(e) for e in corrective])
    try:
        declaration = error_declaration(original.document, reason=reason, declared=datetime.now(UTC),
                                        corrective_ids=[e["eventID"] for e in fixes])
    except EventError as exc:
        raise ValidationError(exc.reason, field="reason") from None
    return record(session, actor, [declaration, *fixes], source=source)


def get_capture(session: Session, actor: Actor | None, capture_id: int) -> TraceCapture:
    """A capture job its owner (or the lab's staff) may see; 404 otherwise."""
    policy.require(actor, *policy.EVENT_RECORDERS, policy.Role.inspector)
    job = session.get(TraceCapture, capture_id)
    if job is None or not policy.can_see_organisation(actor, job.owner_id):
        raise NotFound(_("There is no capture %(id)s.", id=capture_id))
    return job


def find_batch(session: Session, gtin14: str, lot: str) -> Batch | None:
    """The batch ``lot`` of the product with GTIN-14 ``gtin14``, if there is one."""
    return session.scalar(select(Batch).join(Product, Batch.product_id == Product.id)
                          .where(Product.gtin == gtin14, Batch.lot == lot))


def _about(batch: Batch) -> Any:
    return exists().where(TraceEventBatch.event_row_id == TraceEvent.id, TraceEventBatch.batch_id == batch.id)


def batch_events(session: Session, batch: Batch, *, include_errors: bool = True) -> list[TraceEvent]:
    """Every event about ``batch``, oldest first (by eventTime, then as recorded). With
    ``include_errors=False``, the events declared erroneous and their declarations are left out."""
    stmt = select(TraceEvent).options(lazyload(TraceEvent.batches)).where(_about(batch))
    if not include_errors:
        declared = select(TraceEvent.event_id).where(TraceEvent.error_declared.is_(True)).scalar_subquery()
        stmt = stmt.where(TraceEvent.event_id.not_in(declared))
    return list(session.scalars(stmt.order_by(TraceEvent.event_time, TraceEvent.id)))


def batch_document(session: Session, batch: Batch) -> dict[str, Any]:
    """An EPCISDocument of every event about ``batch`` (error declarations included), as stored,
    each with its ``recordTime``."""
    return cast(dict[str, Any], json.loads(batch_document_json(session, batch)))


def batch_document_json(session: Session, batch: Batch) -> str:
    """:func:`batch_document` as JSON text, what ``lims trace export`` writes: the stored events' JSON
    is put into the envelope as the database holds it (only ``recordTime`` added), never decoded and
    encoded again — a batch of 1,000 events in a few tens of milliseconds."""
    rows = session.execute(select(sa_cast(TraceEvent.document, Text), TraceEvent.record_time)
                           .where(_about(batch)).order_by(TraceEvent.event_time, TraceEvent.id))
    events = ",".join(_with_record_time(text_, moment) for text_, moment in rows)
    envelope = json.dumps(epcis_document([], datetime.now(UTC)), ensure_ascii=False)
    return envelope.replace('"eventList": []', f'"eventList": [{events}]', 1)


def _with_record_time(document: str, moment: datetime) -> str:
    body = document.rstrip()
    stamp = json.dumps(moment.astimezone(UTC).isoformat(timespec="milliseconds"))
    if not body.endswith("}"):  # never stored so; read it the slow way rather than write bad JSON
        return json.dumps({**json.loads(body), "recordTime": json.loads(stamp)}, ensure_ascii=False)
    inner = body[:-1].rstrip()
    return f'{inner}, "recordTime": {stamp}}}' if not inner.endswith("{") else f'{inner}"recordTime": {stamp}}}'
