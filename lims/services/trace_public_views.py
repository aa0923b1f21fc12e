"""The public product and batch pages' data, read in a few queries (no query per event).

:func:`read_batch_rows` reads a batch with its product and producer, its events (with the quantity
of this batch in each), the places and names of the businesses that recorded them, the
certificates of inspected records and the raw-material lots of transformations: two to four
statements whatever the number of events, each taking only the GTIN and the lot, so a reader may
send them together and keep them prepared; the rows stay plain values (JSON as its text), so two
reads of unchanged data compare equal (the resolver's front door keeps its answers by them).
:func:`batch_facts` makes the facts of them, :func:`read_batch` does both; :func:`batch_page` and
:func:`public_documents` then apply the disclosure rules of :mod:`lims.services.trace_public`.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache
from typing import Any
from urllib.parse import quote

from sqlalchemy import Executable, Text, bindparam, cast, func, literal_column, select, union
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, aliased

from lims.metrology.units_table import UNIT_TABLE
from lims.models import Batch, Certificate, Organisation, Product, TraceEvent, TraceEventBatch, TraceLocation
from lims.models.org import OrgKind
from lims.services.trace_places import Place, PlaceIndex
from lims.services.trace_public import Disclosure, cbv_name, disclosure_of, public_event_document, shows_event
from traceability.gs1 import DigitalLink, GS1Error

__all__ = ["BatchFacts", "BatchPage", "BatchRows", "Execute", "ProductPage", "ShownEvent", "ShownInspection",
           "ShownPlace", "batch_facts", "batch_page", "batch_stamp_statement", "certificate_links", "digital_link",
           "executing_on",
           "product_page", "public_documents", "read_batch", "read_batch_rows", "read_product"]

_UOM_UNITS = {u.unece: u.pint for u in UNIT_TABLE}
#: Where the reads run: a session, or the kept autocommit connection of the public pages.
Reader = Session | Connection


def digital_link(base: str, gtin14: str, lot: str | None = None) -> str:
    """The GS1 Digital Link of a product (``{base}/01/{gtin14}``) or of its batch (``…/10/{lot}``)."""
    try:
        return DigitalLink.build(base, "01", gtin14, {"10": lot} if lot else None).uri
    except GS1Error:  # a lot stored before the checks: written as it is
        return f"{base.rstrip('/')}/01/{gtin14}" + (f"/10/{quote(lot, safe='')}" if lot else "")
_VERDICTS = ("conformant", "non_conformant")


@dataclass(frozen=True)
class ProductFacts:
    id: int
    gtin: str
    name_vi: str
    name_en: str
    net_quantity: float | None
    net_unit: str
    category: str
    description: str
    owner_id: int
    producer: str
    producer_address: str
    disclosure: Disclosure

    def name(self, lang: str = "vi") -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_vi


@dataclass
class BatchFacts:
    """What :func:`read_batch` read: rows, not yet filtered by the disclosure rules."""

    product: ProductFacts
    batch_id: int
    lot: str
    production_date: date | None
    expiry_date: date | None
    quantity: float | None
    quantity_unit: str
    location_id: int | None
    events: list[Any] = field(default_factory=list)
    places: PlaceIndex = field(default_factory=lambda: PlaceIndex(()))
    owners: dict[int, tuple[str, str]] = field(default_factory=dict)  # id -> (name, kind)
    certificates: dict[int, tuple[int, str]] = field(default_factory=dict)  # record id -> (id, number)
    inputs: dict[int, list[Any]] = field(default_factory=dict)  # event row id -> input lots
    erroneous: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ShownPlace:
    """A place as the public reads it: ``name`` None when it is a partner's and partners are hidden."""

    name: str | None
    address: str
    partner: bool = False


@dataclass(frozen=True)
class ShownEvent:
    event_id: str
    step: str
    disposition: str
    when: datetime  # local time at the event's own offset (naive)
    offset: str
    place: ShownPlace | None
    recorded_by: str | None
    quantity: tuple[float, str] | None = None
    inputs: tuple[tuple[str, str, str], ...] = ()  # raw-material lots: (name vi, name en, lot)
    hidden_inputs: int = 0
    verdict: str | None = None
    certificate_id: int | None = None
    certificate_number: str | None = None


@dataclass(frozen=True)
class ShownInspection:
    when: datetime
    offset: str
    verdict: str | None
    lab: str | None
    certificate_number: str | None
    certificate_url: str | None


@dataclass(frozen=True)
class BatchPage:
    product: ProductFacts
    lot: str
    digital_link: str
    production_date: date | None
    expiry_date: date | None
    quantity: tuple[float, str] | None
    events: tuple[ShownEvent, ...]
    places: tuple[ShownPlace, ...]
    inspections: tuple[ShownInspection, ...]
    disclosure: Disclosure


@dataclass(frozen=True)
class ProductPage:
    product: ProductFacts
    batches: tuple[tuple[str, date | None, date | None], ...]  # lot, production, expiry (None: hidden)


def _product_columns() -> tuple[Any, ...]:
    return (Product.id, Product.gtin, Product.name_vi, Product.name_en, Product.net_quantity, Product.net_unit,
            Product.category, Product.description, Product.owner_id, Organisation.name, Organisation.address,
            cast(Product.disclosure, Text).label("disclosure"))


def _loads(value: Any) -> Any:
    """A JSON column read as its text (the reads cast it, so a row compares and hashes as plain values)."""
    return json.loads(value) if isinstance(value, str) else value


def _product_facts(row: Any) -> ProductFacts:
    names = ("id", "gtin", "name_vi", "name_en", "net_quantity", "net_unit", "category", "description", "owner_id",
             "producer", "producer_address")
    return ProductFacts(**dict(zip(names, row[:11], strict=True)), disclosure=disclosure_of(_loads(row[11])))


def read_product(db: Reader, gtin14: str) -> ProductFacts | None:
    """The product with this GTIN-14 and its producer, or None."""
    row = db.execute(select(*_product_columns()).join(Organisation, Organisation.id == Product.owner_id)
                     .where(Product.gtin == gtin14)).first()
    return _product_facts(row) if row else None


def product_page(db: Reader, gtin14: str) -> ProductPage | None:
    """The product and its batches, newest first (dates only when they are public), in one query."""
    rows = db.execute(select(*_product_columns(), Batch.lot, Batch.production_date, Batch.expiry_date)
                      .join(Organisation, Organisation.id == Product.owner_id)
                      .outerjoin(Batch, Batch.product_id == Product.id).where(Product.gtin == gtin14)
                      .order_by(Batch.production_date.desc(), Batch.id.desc())).all()
    if not rows:
        return None
    product = _product_facts(rows[0])
    dates = product.disclosure.dates
    return ProductPage(product, tuple((r.lot, r.production_date if dates else None, r.expiry_date if dates else None)
                                      for r in rows if r.lot is not None))


_EVENT_COLUMNS = (TraceEvent.id.label("row_id"), TraceEvent.event_id, TraceEvent.event_type, TraceEvent.biz_step,
                  TraceEvent.disposition, TraceEvent.event_time, TraceEvent.time_zone, TraceEvent.read_point,
                  TraceEvent.biz_location, TraceEvent.owner_id.label("event_owner"), TraceEvent.record_id,
                  TraceEvent.verdict, TraceEvent.error_declared, TraceEventBatch.role,
                  TraceEventBatch.quantity.label("event_quantity"), TraceEventBatch.uom)

# Every statement of a batch's read takes the same two parameters, ``gtin`` and ``lot``, and none
# needs another's answer: a reader may send them together (one round trip, see
# lims.web.public_reads.read_rows_kept) and keep them prepared.


def _the_batch() -> Any:
    return (select(Batch.id).join(Product, Product.id == Batch.product_id)
            .where(Product.gtin == bindparam("gtin"), Batch.lot == bindparam("lot")).scalar_subquery())


@cache
def _batch_statement(with_documents: bool) -> Executable:
    """Built once: SQLAlchemy then finds its compiled form in its cache at every read."""
    documents = (cast(TraceEvent.document, Text).label("document"),) if with_documents else ()
    return (select(*_product_columns(), Batch.id, Batch.lot, Batch.production_date, Batch.expiry_date,
                   Batch.quantity, Batch.quantity_unit, Batch.location_id, *_EVENT_COLUMNS, *documents)
            .join(Organisation, Organisation.id == Product.owner_id).join(Batch, Batch.product_id == Product.id)
            .outerjoin(TraceEventBatch, TraceEventBatch.batch_id == Batch.id)
            .outerjoin(TraceEvent, TraceEvent.id == TraceEventBatch.event_row_id)
            .where(Product.gtin == bindparam("gtin"), Batch.lot == bindparam("lot"))
            .order_by(TraceEvent.event_time, TraceEvent.id))


@cache
def _places_statement() -> Executable:
    """The producer and every business that recorded an event of the batch, with their places."""
    owners = union(select(Product.owner_id).where(Product.gtin == bindparam("gtin")),
                   select(TraceEvent.owner_id).join(TraceEventBatch, TraceEventBatch.event_row_id == TraceEvent.id)
                   .where(TraceEventBatch.batch_id == _the_batch()))
    return (select(Organisation.id, Organisation.name, Organisation.kind, TraceLocation.id.label("place_id"),
                   TraceLocation.name.label("place_name"), TraceLocation.address, TraceLocation.gln,
                   TraceLocation.local_id)
            .outerjoin(TraceLocation, TraceLocation.owner_id == Organisation.id)
            .where(Organisation.id.in_(owners)).order_by(Organisation.id, TraceLocation.id))


@cache
def _certificates_statement() -> Executable:
    """The certificates of the records of the batch's inspections, oldest first."""
    records = (select(TraceEvent.record_id).join(TraceEventBatch, TraceEventBatch.event_row_id == TraceEvent.id)
               .where(TraceEventBatch.batch_id == _the_batch(), TraceEvent.record_id.is_not(None)))
    return (select(Certificate.id, Certificate.record_id, Certificate.number)
            .where(Certificate.record_id.in_(records)).order_by(Certificate.id))


@cache
def _inputs_statement() -> Executable:
    """The raw-material lots of the transformations that made the batch."""
    made = (select(TraceEventBatch.event_row_id).join(TraceEvent, TraceEvent.id == TraceEventBatch.event_row_id)
            .where(TraceEventBatch.batch_id == _the_batch(), TraceEventBatch.role == "output",
                   TraceEvent.event_type == "TransformationEvent"))
    used = aliased(TraceEventBatch)
    return (select(used.event_row_id, Batch.lot, Product.name_vi, Product.name_en, Product.owner_id)
            .join(Batch, Batch.id == used.batch_id).join(Product, Product.id == Batch.product_id)
            .where(used.event_row_id.in_(made), used.role == "input").order_by(used.id))


@dataclass(frozen=True)
class BatchRows:
    """What a batch's public answers are made of, as read: plain rows (JSON as its text), equal when
    the database holds the same facts, so an answer made from them can be kept and compared."""

    batch: tuple[Any, ...]
    places: tuple[Any, ...]
    certificates: tuple[Any, ...] = ()
    inputs: tuple[Any, ...] = ()


#: Runs statements with the parameters, answering the rows of each (in order).
Execute = Callable[[Sequence[Executable], Mapping[str, Any]], Sequence[Sequence[Any]]]


def executing_on(db: Reader) -> Execute:
    """An :data:`Execute` on a session or connection, one statement after the other."""
    return lambda statements, params: [db.execute(s, params).all() for s in statements]


def read_batch_rows(execute: Execute, gtin14: str, lot: str, with_documents: bool = False) -> BatchRows | None:
    """The rows of the batch ``lot`` of the product with GTIN-14 ``gtin14``, or None when there is no
    such batch: the batch with its events and the places of the businesses that recorded them
    (sent together), then the certificates of inspected records and the raw-material lots of
    transformations only when there are some. The stored EPCIS documents are read only
    ``with_documents`` (for :func:`public_documents`)."""
    params = {"gtin": gtin14, "lot": lot}
    batch, places = execute((_batch_statement(with_documents), _places_statement()), params)
    if not batch:
        return None
    later = {}
    if any(r.record_id is not None for r in batch):
        later["certificates"] = _certificates_statement()
    if any(r.event_type == "TransformationEvent" and r.role == "output" for r in batch):
        later["inputs"] = _inputs_statement()
    found = dict(zip(later, execute(tuple(later.values()), params), strict=True)) if later else {}
    return BatchRows(tuple(batch), tuple(places), tuple(found.get("certificates", ())), tuple(found.get("inputs", ())))


def batch_facts(rows: BatchRows) -> BatchFacts:
    """The facts of a batch from its rows (:func:`read_batch_rows`)."""
    first = rows.batch[0]
    facts = BatchFacts(_product_facts(first), *first[12:19])
    seen: set[int] = set()
    for r in rows.batch:
        if r.row_id is not None and r.row_id not in seen:
            seen.add(r.row_id)
            facts.events.append(r)
    facts.erroneous = frozenset(e.event_id for e in facts.events if e.error_declared)
    places = []
    for r in rows.places:
        facts.owners[r.id] = (r.name, r.kind)
        if r.place_id is not None:
            places.append(Place(r.place_id, r.id, r.name, r.kind, r.place_name, r.address or "", r.gln, r.local_id))
    facts.places = PlaceIndex(places)
    for cert in rows.certificates:
        facts.certificates[cert.record_id] = (cert.id, cert.number)  # the newest certificate of the record
    for input_row in rows.inputs:
        facts.inputs.setdefault(input_row.event_row_id, []).append(input_row)
    return facts


@cache
def batch_stamp_statement(with_documents: bool = False) -> Executable:
    """PostgreSQL only: one value that changes whenever any row :func:`read_batch_rows` may read
    does — the MD5 of the text of every row of its four statements, in one statement (one
    snapshot) taking the same ``gtin`` and ``lot``. Reading it costs the reader one short text
    instead of the rows, in one statement instead of two. Kept prepared, it wants the generic
    plan (``plan_cache_mode = force_generic_plan``): planning it costs more than running it."""
    statements = (_batch_statement(with_documents), _places_statement(), _certificates_statement(),
                  _inputs_statement())
    parts = []
    for n, statement in enumerate(statements):
        rows = statement.subquery(f"stamped_{n}")  # type: ignore[attr-defined]  # each is a Select
        text_of = func.string_agg(literal_column(f"stamped_{n}::text"), literal_column("'|'"))
        parts.append(func.coalesce(select(text_of).select_from(rows).scalar_subquery(), ""))
    return select(func.md5(func.concat_ws(literal_column("'#'"), *parts)).label("stamp"))


def read_batch(db: Reader, gtin14: str, lot: str, with_documents: bool = False) -> BatchFacts | None:
    """The batch and everything its public page shows (:func:`read_batch_rows`), or None."""
    rows = read_batch_rows(executing_on(db), gtin14, lot, with_documents)
    return batch_facts(rows) if rows is not None else None


# ---------------------------------------------------------------- the disclosure rules applied


def _is_partner(facts: BatchFacts, owner_id: int | None, kind: str | None) -> bool:
    return owner_id != facts.product.owner_id and kind != OrgKind.lab.value


def _partner_place(facts: BatchFacts, place: Place | None) -> bool:
    return place is None or _is_partner(facts, place.owner_id, place.owner_kind)


def _shown_place(facts: BatchFacts, place: Place | None, d: Disclosure) -> ShownPlace | None:
    if place is None:
        return ShownPlace(None, "", partner=True)
    partner = _partner_place(facts, place)
    if partner and not d.partners:
        return ShownPlace(None, place.address, partner=True)
    return ShownPlace(place.name, place.address, partner=partner)


def _local(moment: datetime, offset: str) -> datetime:
    """``moment`` (UTC) as the clock read where it happened (``+07:00``), without its zone."""
    try:
        sign = -1 if offset.startswith("-") else 1
        hours, minutes = offset[1:].split(":")
        zone = timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))
    except ValueError:
        zone = UTC
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).replace(tzinfo=None)


def _facts_shown(facts: BatchFacts) -> list[Any]:
    d = facts.product.disclosure
    return [e for e in facts.events
            if not e.error_declared and e.event_id not in facts.erroneous and shows_event(d, e.biz_step)]


def batch_page(facts: BatchFacts, digital_link: str,
               certificate_url: Callable[[int], str | None] | None = None) -> BatchPage:
    """The public batch page: ``certificate_url(id)`` gives the public check page of a certificate."""
    d = facts.product.disclosure
    events: list[ShownEvent] = []
    inspections: list[ShownInspection] = []
    chain: list[ShownPlace] = []
    if d.places and facts.location_id is not None and facts.location_id in facts.places.by_id:
        chain.append(_shown_place(facts, facts.places.by_id[facts.location_id], d) or ShownPlace(None, ""))
    for e in _facts_shown(facts):
        owner_name, owner_kind = facts.owners.get(e.event_owner, ("", ""))
        recorder = None if _is_partner(facts, e.event_owner, owner_kind) and not d.partners else owner_name
        uri = e.biz_location or e.read_point
        place = _shown_place(facts, facts.places.find(uri, e.event_owner), d) if d.places and uri else None
        if place is not None and (not chain or chain[-1] != place):
            chain.append(place)
        step, disposition = cbv_name(e.biz_step), cbv_name(e.disposition)
        cert = facts.certificates.get(e.record_id) if e.record_id is not None else None
        verdict = e.verdict or (disposition if disposition in _VERDICTS else None)
        inputs: list[tuple[str, str, str]] = []
        hidden = 0
        for i in facts.inputs.get(e.row_id, []):
            if i.owner_id == facts.product.owner_id or d.partners:
                inputs.append((i.name_vi, i.name_en, i.lot))
            else:
                hidden += 1
        unit = _UOM_UNITS.get(e.uom or "", e.uom or "")
        quantity = (e.event_quantity, unit) if d.quantities and e.event_quantity is not None else None
        when = _local(e.event_time, e.time_zone)
        events.append(ShownEvent(e.event_id, step, disposition, when, e.time_zone, place, recorder, quantity,
                                 tuple(inputs), hidden,
                                 verdict if step == "inspecting" else None,
                                 cert[0] if cert else None, cert[1] if cert else None))
        if step == "inspecting":
            url = certificate_url(cert[0]) if cert and certificate_url else None
            inspections.append(ShownInspection(when, e.time_zone, verdict, recorder, cert[1] if cert else None, url))
    quantity = (facts.quantity, facts.quantity_unit) if d.quantities and facts.quantity is not None else None
    return BatchPage(facts.product, facts.lot, digital_link, facts.production_date if d.dates else None,
                     facts.expiry_date if d.dates else None, quantity, tuple(events), tuple(chain),
                     tuple(inspections), d)


def public_documents(facts: BatchFacts) -> list[dict[str, Any]]:
    """The batch's public events as EPCIS 2.0 JSON-LD objects, oldest first (erroneous events and
    their declarations left out; each event filtered by :func:`public_event_document`); the batch
    must have been read ``with_documents``."""
    d = facts.product.disclosure

    def partner_place_of(owner: int) -> Callable[[str], bool]:
        return lambda uri: _partner_place(facts, facts.places.find(uri, owner))

    return [public_event_document(_loads(e.document), d, partner_place=partner_place_of(e.event_owner))
            for e in _facts_shown(facts)]


def certificate_links(facts: BatchFacts) -> list[tuple[int, str]]:
    """(id, number) of the certificates of the batch's public inspections."""
    if not facts.product.disclosure.inspections:
        return []
    found = {}
    for e in _facts_shown(facts):
        if e.record_id is not None and e.record_id in facts.certificates and cbv_name(e.biz_step) == "inspecting":
            cert = facts.certificates[e.record_id]
            found[cert[0]] = cert
    return list(found.values())
