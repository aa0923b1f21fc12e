"""The rules a captured EPCIS event must keep beyond GS1's schema (docs/traceability.md, "The EPCIS
repository"): known products and lots, whose lots an actor may name, no time in the future, units that
fit the product, error declarations that name an event of the same owner. Used by
:mod:`lims.services.trace_events`; every problem is collected with its event index and field.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from lims.config import base_url
from lims.errors import LimsError
from lims.i18n import _
from lims.metrology.units import UNIT_TABLE, unit_info
from lims.models import Batch, Organisation, OrgKind, Product, Record, TraceEvent, TraceLocation
from lims.services import policy
from lims.services.policy import Actor
from traceability.epcis_events import EventFacts, QuantityFact
from traceability.epcis_places import LocationRef, parse_location

__all__ = ["COUNTING_UNITS", "FUTURE_TOLERANCE", "Problem", "Lookups", "lab_organisation_id", "load_lookups",
           "uom_problem", "unit_of"]

#: A minute's tolerance for clocks that run a little ahead.
FUTURE_TOLERANCE = timedelta(minutes=1)
#: Rec 20 codes that count things (pieces, packages, units): they fit any product (so many packages of it).
COUNTING_UNITS = ("H87", "C62", "XPK", "XPA", "XBX", "XBG")
_RECORD_PATH = re.compile(r"/records/(\d{1,9})")
_CONFORMANT = {"pass": "conformant", "conditional_pass": "conformant", "fail": "non_conformant",
               "conditional_fail": "non_conformant"}


@dataclass(frozen=True)
class Problem:
    """One reason a document is refused: the event's index in ``eventList`` (None: the document),
    the field in the event, and the message in the current language."""

    index: int | None
    field: str
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"index": self.index, "field": self.field, "message": self.message}


@cache
def _units_by_code() -> dict[str, str]:
    found: dict[str, str] = {}
    for row in UNIT_TABLE:
        found.setdefault(row.unece, row.pint)
    return found


def unit_of(uom: str) -> str | None:
    """The storage text (pint) of the unit table's first row with Rec 20 code ``uom``."""
    return _units_by_code().get(uom)


def uom_problem(uom: str, product: Product, batch: Batch | None) -> str | None:
    """Why ``uom`` cannot measure a quantity of ``product`` (None when it can): it must be a code of
    the unit table, and count things or measure what the product's net quantity (else the batch's
    quantity) measures."""
    unit = unit_of(uom)
    if unit is None:
        return _("%(code)s is not a UN/ECE Rec 20 code of a unit this system knows.", code=uom)
    if uom in COUNTING_UNITS:
        return None
    reference = product.net_unit or (batch.quantity_unit if batch is not None else "")
    if not reference:
        return None
    if unit_of_counting(reference):
        return _("%(code)s does not fit %(product)s, counted in %(unit)s.", code=uom, product=product.gtin,
                 unit=reference)
    try:
        fits = unit_info(unit).dimensionality == unit_info(reference).dimensionality
    except LimsError:
        fits = True  # a product unit this table no longer reads is the product's problem, not the event's
    if not fits:
        return _("%(code)s does not fit %(product)s, whose quantity is in %(unit)s.", code=uom, product=product.gtin,
                 unit=reference)
    return None


def unit_of_counting(unit: str) -> bool:
    return any(row.pint == unit and row.unece in COUNTING_UNITS for row in UNIT_TABLE)


def lab_organisation_id(session: Session) -> int | None:
    return session.scalar(select(Organisation.id).where(Organisation.kind == OrgKind.lab.value)
                          .order_by(Organisation.id).limit(1))


@dataclass
class Lookups:
    """What the rules need from the database, read once for a whole document."""

    products: dict[str, Product] = field(default_factory=dict)  # by GTIN-14
    batches: dict[tuple[str, str], Batch] = field(default_factory=dict)  # by (GTIN-14, lot)
    places: dict[str, TraceLocation] = field(default_factory=dict)  # by location URI
    stored: dict[tuple[str, bool], TraceEvent] = field(default_factory=dict)  # (eventID, error_declared)
    records: dict[int, Record] = field(default_factory=dict)


def load_lookups(session: Session, facts: Iterable[EventFacts], extra_ids: Iterable[str]) -> Lookups:
    found = Lookups()
    facts = list(facts)
    gtins = {q.gtin14 for f in facts for q in f.quantities}
    if gtins:
        found.products = {p.gtin: p for p in session.scalars(select(Product).where(Product.gtin.in_(gtins)))}
    pairs = {(q.gtin14, q.lot) for f in facts for q in f.quantities if q.lot and q.gtin14 in found.products}
    if pairs:
        by_id = {p.id: p for p in found.products.values()}
        lots = {lot for _g, lot in pairs}
        for batch in session.scalars(select(Batch).where(Batch.product_id.in_(list(by_id)), Batch.lot.in_(lots))):
            found.batches[(by_id[batch.product_id].gtin, batch.lot)] = batch
    found.places = _places(session, {u for f in facts for u in (f.biz_location, f.read_point) if u})
    ids = {f.event_id for f in facts if f.event_id} | set(extra_ids)
    for chunk in _chunks(sorted(ids), 500):
        for row in session.scalars(select(TraceEvent).where(TraceEvent.event_id.in_(chunk))):
            found.stored[(row.event_id, row.error_declared)] = row
    record_ids = {rid for f in facts for rid in record_ids_of(f)}
    if record_ids:
        found.records = {r.id: r for r in session.scalars(select(Record).where(Record.id.in_(record_ids)))}
    return found


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _places(session: Session, uris: set[str]) -> dict[str, TraceLocation]:
    refs = [parse_location(u) for u in uris]
    glns = {r.gln for r in refs if r.gln}
    local = {(int(r.owner_key), r.local_id) for r in refs
             if r.owner_key and r.owner_key.isdigit() and r.local_id and len(r.owner_key) < 10}
    rows: list[TraceLocation] = []
    if glns:
        rows += session.scalars(select(TraceLocation).where(TraceLocation.gln.in_(glns)))
    if local:
        rows += session.scalars(select(TraceLocation).where(
            tuple_(TraceLocation.owner_id, TraceLocation.local_id).in_(list(local))))
    return {r.uri: place for r in refs if (place := _match(r, rows)) is not None}


def _match(ref: LocationRef, rows: Sequence[TraceLocation]) -> TraceLocation | None:
    for row in rows:
        if ref.gln and row.gln == ref.gln:
            return row
        if ref.local_id and row.local_id == ref.local_id and ref.owner_key == str(row.owner_id):
            return row
    return None


def record_ids_of(facts: EventFacts) -> list[int]:
    """The lab records an event links as its inspection results: ``testres`` transactions whose URI is
    ``{LIMS_BASE_URL}/records/{id}``."""
    base = base_url()
    found = []
    for uri in facts.test_results:
        if uri.startswith(base):
            match = _RECORD_PATH.fullmatch(uri[len(base):])
            if match:
                found.append(int(match.group(1)))
    return found


class EventRules:
    """The rules of one capture: who captures, for which organisation, at what time."""

    def __init__(self, actor: Actor, owner_id: int, lookups: Lookups, now: datetime | None = None) -> None:
        self.actor = actor
        self.owner_id = owner_id
        self.lookups = lookups
        self.now = now or datetime.now(UTC)

    def check(self, index: int, facts: EventFacts, in_document: Mapping[str, int]) -> list[Problem]:
        problems: list[Problem] = []

        def fail(where: str, message: str) -> None:
            problems.append(Problem(index, where, message))

        if facts.event_time > self.now + FUTURE_TOLERANCE:
            fail("eventTime", _("The event time is in the future."))
        if facts.error is not None:
            self._declaration(facts, in_document, fail)
        if not facts.quantities:
            fail("quantityList", _("The event names no lot: give the epcClass of a lot in a quantity list."))
        place = self._place_owner(facts)
        for q in facts.quantities:
            self._quantity(facts, q, place, fail)
        self._inspection(facts, fail)
        return problems

    def _place_owner(self, facts: EventFacts) -> int | None:
        for uri in (facts.biz_location, facts.read_point):
            if uri and uri in self.lookups.places:
                return self.lookups.places[uri].owner_id
        return None

    def _quantity(self, facts: EventFacts, q: QuantityFact, place_owner: int | None, fail: Any) -> None:
        product = self.lookups.products.get(q.gtin14)
        if product is None:
            fail(q.field, _("No product has the GTIN %(gtin)s.", gtin=q.gtin14))
            return
        if q.lot is None:
            fail(q.field, _("The epcClass must name a lot of %(gtin)s (GS1 AI 10).", gtin=q.gtin14))
            return
        batch = self.lookups.batches.get((q.gtin14, q.lot))
        if batch is None:
            fail(q.field, _("%(gtin)s has no lot %(lot)s.", gtin=q.gtin14, lot=q.lot))
            return
        if facts.error is None and not policy.can_record_about_lot(
                self.actor, product_owner_id=product.owner_id, biz_step=facts.biz_step, role=q.role,
                place_owner_id=place_owner):
            fail(q.field, _("Lot %(lot)s of %(gtin)s belongs to another business: it may be named only when "
                            "received, stored or transformed at one of your places.", lot=q.lot, gtin=q.gtin14))
        if q.uom is not None:
            wrong = uom_problem(q.uom, product, batch)
            if wrong:
                fail(q.field.rsplit("/", 1)[0] + "/uom", wrong)

    def _declaration(self, facts: EventFacts, in_document: Mapping[str, int], fail: Any) -> None:
        assert facts.error is not None
        if facts.event_id is None:
            fail("eventID", _("An error declaration repeats the eventID of the erroneous event."))
            return
        if facts.error.declaration_time > self.now + FUTURE_TOLERANCE:
            fail("errorDeclaration/declarationTime", _("The declaration time is in the future."))
        stored = self.lookups.stored.get((facts.event_id, False))
        if stored is None and facts.event_id not in in_document:
            fail("eventID", _("No event %(id)s was recorded: there is nothing to declare erroneous.",
                              id=facts.event_id))
        elif stored is not None and not policy.can_declare_event_error(self.actor, stored.owner_id):
            fail("eventID", _("Event %(id)s was recorded by another organisation: only it may declare it "
                              "erroneous.", id=facts.event_id))
        if (facts.event_id, True) in self.lookups.stored:
            fail("errorDeclaration", _("Event %(id)s is already declared erroneous.", id=facts.event_id))
        for k, corrective in enumerate(facts.error.corrective_ids):
            if (corrective, False) not in self.lookups.stored and corrective not in in_document:
                fail(f"errorDeclaration/correctiveEventIDs/{k}",
                     _("No event %(id)s is recorded or in this document.", id=corrective))

    def _inspection(self, facts: EventFacts, fail: Any) -> None:
        ids = record_ids_of(facts)
        if not ids:
            return
        if not policy.can_link_lab_record(self.actor):
            fail("bizTransactionList", _("Only the lab links an event to one of its records."))
            return
        record = self.lookups.records.get(ids[0])
        if record is None:
            fail("bizTransactionList", _("There is no record %(id)s.", id=ids[0]))
            return
        expected = _CONFORMANT.get(record.verdict or "")
        if expected and facts.disposition in _CONFORMANT.values() and facts.disposition != expected:
            fail("disposition", _("Record %(number)s concluded %(verdict)s: the disposition must be %(expected)s.",
                                  number=record.number, verdict=record.verdict, expected=expected))


def verdict_of(facts: EventFacts) -> str | None:
    """conformant / non_conformant of an inspecting event (its CBV disposition)."""
    if facts.biz_step == "inspecting" and facts.disposition in ("conformant", "non_conformant"):
        return facts.disposition
    return None
