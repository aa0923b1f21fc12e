"""EPCIS 2.0 events: building them, and reading a captured one into the facts the repository keeps.

Pure (no Flask, no database). The event types the repository takes are EPCIS 2.0 §7.4.2
ObjectEvent, §7.4.3 AggregationEvent and §7.4.6 TransformationEvent, in the JSON-LD binding (§12).

* **What** (§7.3.3 quantity elements): every ``epcClass`` of ``quantityList`` (role ``object``),
  ``childQuantityList`` (``child``), ``inputQuantityList`` (``input``) and ``outputQuantityList``
  (``output``), with ``quantity`` and its UN/ECE Rec 20 ``uom``. A class is a GS1 Digital Link URI
  (``https://id.gs1.org/01/09506000134352/10/ABC123``, any host, its check digit checked) or an
  EPC class URN (Tag Data Standard: ``urn:epc:class:lgtin:CompanyPrefix.IndicatorItemRef.Lot``
  for a lot, ``urn:epc:idpat:sgtin:CompanyPrefix.IndicatorItemRef.*`` for a product); both are read
  as (GTIN-14, lot).
* **When**: ``eventTime`` with its offset (§7.3.1), read as an aware UTC datetime, and
  ``eventTimeZoneOffset``.
* **Where**: ``readPoint.id`` and ``bizLocation.id`` (§7.3.4).
* **Why**: ``bizStep`` and ``disposition`` (§7.3.5) as CBV 2.0 short names — a bare word
  (``commissioning``), a CBV 2.0 Web URI (``https://ref.gs1.org/cbv/BizStep-commissioning``) or a
  CBV 1.x URN (``urn:epcglobal:cbv:bizstep:commissioning``) are one step; any other URI is kept as
  it is (a user vocabulary).
* **Error declaration** (§7.4.1.5): ``errorDeclaration`` with ``declarationTime``, ``reason`` and
  ``correctiveEventIDs``.

Problems raise :class:`EventError`, naming the field as a path in the event
(``quantityList/0/epcClass``).
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Final
from urllib.parse import quote, unquote

from lims.errors import LimsError
from lims.i18n import N_, gettext
from traceability.cbv import BIZ_STEPS, CBV_TERMS, DISPOSITIONS, ERROR_REASONS, cbv_name
from traceability.epcis_places import LOCAL_PLACE
from traceability.gs1 import DigitalLink, GS1Error, check_digit, gtin, parse_digital_link

__all__ = [
    "BIZ_STEPS", "DISPOSITIONS", "ERROR_REASONS", "EVENT_TYPES", "QUANTITY_LISTS", "EventError", "EventFacts",
    "ErrorDeclarationFacts", "Quantity", "QuantityFact", "aggregation_event", "batch_class",
    "cbv_name", "epc_class_key", "error_declaration", "event_time_text", "gtin14", "location_id",
    "object_event", "parse_event", "transformation_event",
]

EVENT_TYPES: Final = ("ObjectEvent", "AggregationEvent", "TransformationEvent")
#: Each quantity list of an event and the role of its classes.
QUANTITY_LISTS: Final = (("quantityList", "object"), ("childQuantityList", "child"),
                         ("inputQuantityList", "input"), ("outputQuantityList", "output"))
ACTIONS: Final = ("ADD", "OBSERVE", "DELETE")

_OFFSET = re.compile(r"[+-](0\d|1[0-4]):[0-5]\d")
_URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")
# Tag Data Standard 14.x: EPC class URNs of a lot and an SGTIN pattern of a product.
_LGTIN = re.compile(r"urn:epc:class:lgtin:(\d{6,12})\.(\d{1,7})\.(.+)")
_SGTIN_PATTERN = re.compile(r"urn:epc:idpat:sgtin:(\d{6,12})\.(\d{1,7})\.\*")
#: The path of a place that has no GLN: ``{base}/loc/{owner}/{local id}`` (see :func:`location_id`).


class EventError(LimsError, ValueError):
    """A refused event: ``field`` is the path of what is wrong in the event (``eventTime``,
    ``quantityList/0/epcClass``); ``reason`` the message in the current language."""

    status = 422
    code = "invalid"

    def __init__(self, field: str, template: str, **params: object) -> None:
        super().__init__(template % params if params else template, field=field)
        self.template = template
        self.params = params

    @property
    def reason(self) -> str:
        return gettext(self.template, **self.params)


@dataclass(frozen=True)
class Quantity:
    """One quantity element: an EPC class (Digital Link URI or EPC class URN), with its quantity
    and UN/ECE Rec 20 unit code when known."""

    epc_class: str
    quantity: float | None = None
    uom: str | None = None

    def as_json(self) -> dict[str, Any]:
        element: dict[str, Any] = {"epcClass": self.epc_class}
        if self.quantity is not None:
            element["quantity"] = self.quantity
            if self.uom:
                element["uom"] = self.uom
        return element


@dataclass(frozen=True)
class QuantityFact:
    """A quantity element read from an event: its ``role``, the class as given, what it names
    (``gtin14``, ``lot`` — None for a product-level class) and where it is (``field``)."""

    role: str
    epc_class: str
    gtin14: str
    lot: str | None
    quantity: float | None
    uom: str | None
    field: str


@dataclass(frozen=True)
class ErrorDeclarationFacts:
    declaration_time: datetime
    reason: str | None
    corrective_ids: tuple[str, ...]


@dataclass(frozen=True)
class EventFacts:
    """What the repository keeps of one event beside its JSON-LD object."""

    event_type: str
    action: str | None
    event_id: str | None
    event_time: datetime  # aware, UTC
    time_zone: str  # "+07:00"
    biz_step: str | None  # CBV short name, or the URI of another vocabulary
    disposition: str | None
    read_point: str | None
    biz_location: str | None
    quantities: tuple[QuantityFact, ...]
    error: ErrorDeclarationFacts | None
    test_results: tuple[str, ...]  # bizTransaction URIs of CBV type "testres" (inspection results)
    parent_id: str | None = None


# --- building ---------------------------------------------------------------------------------

def event_time_text(moment: datetime) -> str:
    """An ``eventTime`` with its offset, to the millisecond (``2026-11-02T08:00:00.000+07:00``)."""
    if moment.tzinfo is None:
        raise ValueError("an EPCIS event time needs its time zone")
    return moment.isoformat(timespec="milliseconds")


def _offset(moment: datetime) -> str:
    delta = moment.utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _common(kind: str, event_time: datetime, event_id: str | None) -> dict[str, Any]:
    event: dict[str, Any] = {"type": kind}
    if event_id:
        event["eventID"] = event_id
    event["eventTime"] = event_time_text(event_time)
    event["eventTimeZoneOffset"] = _offset(event_time)
    return event


def _why_where(event: dict[str, Any], biz_step: str | None, disposition: str | None, read_point: str | None,
               biz_location: str | None, extra: Mapping[str, Any] | None) -> dict[str, Any]:
    if biz_step:
        event["bizStep"] = biz_step
    if disposition:
        event["disposition"] = disposition
    if read_point:
        event["readPoint"] = {"id": read_point}
    if biz_location:
        event["bizLocation"] = {"id": biz_location}
    event.update(extra or {})
    return event


def object_event(*, event_time: datetime, action: str, biz_step: str, disposition: str | None,
                 quantities: Sequence[Quantity], read_point: str | None, biz_location: str | None,
                 event_id: str | None = None, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """An ObjectEvent (EPCIS 2.0 §7.4.2) about classes of objects (lots), as JSON-LD."""
    event = _common("ObjectEvent", event_time, event_id)
    event["action"] = action
    event["quantityList"] = [q.as_json() for q in quantities]
    return _why_where(event, biz_step, disposition, read_point, biz_location, extra)


def aggregation_event(*, event_time: datetime, action: str, parent_id: str, children: Sequence[Quantity],
                      biz_step: str = "packing", disposition: str | None = None, read_point: str | None = None,
                      biz_location: str | None = None, event_id: str | None = None,
                      extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """An AggregationEvent (EPCIS 2.0 §7.4.3): ``children`` (lots) packed into ``parent_id`` (an SSCC
    or Digital Link of the pallet or case)."""
    event = _common("AggregationEvent", event_time, event_id)
    event["parentID"] = parent_id
    event["action"] = action
    event["childQuantityList"] = [q.as_json() for q in children]
    return _why_where(event, biz_step, disposition, read_point, biz_location, extra)


def transformation_event(*, event_time: datetime, inputs: Sequence[Quantity], outputs: Sequence[Quantity],
                         biz_step: str = "commissioning", read_point: str | None = None,
                         biz_location: str | None = None, disposition: str | None = None,
                         event_id: str | None = None, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A TransformationEvent (EPCIS 2.0 §7.4.6): raw-material lots in, product lots out."""
    event = _common("TransformationEvent", event_time, event_id)
    event["inputQuantityList"] = [q.as_json() for q in inputs]
    event["outputQuantityList"] = [q.as_json() for q in outputs]
    return _why_where(event, biz_step, disposition, read_point, biz_location, extra)


def error_declaration(event: Mapping[str, Any], *, reason: str, declared: datetime,
                      corrective_ids: Sequence[str]) -> dict[str, Any]:
    """The erroneous ``event`` recorded again with its ``errorDeclaration`` (EPCIS 2.0 §7.4.1.5):
    the same ``eventID`` and content, the time of the declaration, the CBV reason
    (``incorrect_data``, ``did_not_occur``, or a URI) and the events that replace it."""
    if not event.get("eventID"):
        raise EventError("eventID", N_("An error can be declared only on an event that has an eventID."))
    found = cbv_name("reason", reason)
    if found not in ERROR_REASONS and not _URI_SCHEME.fullmatch(reason):
        raise EventError("errorDeclaration/reason", N_("The reason must be one of %(choices)s, or a URI."),
                         choices=", ".join(ERROR_REASONS))
    copy = {k: v for k, v in event.items() if k not in ("errorDeclaration", "recordTime")}
    declaration: dict[str, Any] = {"declarationTime": event_time_text(declared), "reason": reason}
    if corrective_ids:
        declaration["correctiveEventIDs"] = list(corrective_ids)
    copy["errorDeclaration"] = declaration
    return copy


def batch_class(base: str, gtin14: str, lot: str) -> str:
    """The ``epcClass`` of a lot: its GS1 Digital Link URI ``{base}/01/{gtin14}/10/{lot}``."""
    return DigitalLink.build(base, "01", gtin14, {"10": lot}).uri


def location_id(*, gln: str | None, owner_key: str, local_id: str | None, base: str) -> str:
    """The id of a place for ``readPoint``/``bizLocation``: the GS1 Digital Link of its GLN
    (``{base}/414/{gln}``) or, without one, ``{base}/loc/{owner_key}/{local_id}``."""
    if gln:
        return DigitalLink.build(base, "414", gln).uri
    if not local_id:
        raise ValueError("a place needs a GLN or a local identifier")
    return f"{base.rstrip('/')}/{LOCAL_PLACE}/{quote(owner_key, safe='')}/{quote(local_id, safe='')}"


# --- reading ----------------------------------------------------------------------------------

def _vocabulary(event: Mapping[str, Any], kind: str, field: str) -> str | None:
    value = event.get(field)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise EventError(field, N_("Must be a text."))
    name = cbv_name(kind, value)
    if name not in CBV_TERMS[kind] and not _URI_SCHEME.fullmatch(name):
        raise EventError(field, N_("\"%(value)s\" is neither a CBV term nor a URI."), value=value)
    return name


def _time(value: Any, field: str) -> datetime:
    if not isinstance(value, str):
        raise EventError(field, N_("Must be a date and time with its offset, e.g. 2026-11-02T08:00:00+07:00."))
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or "T" not in text.upper():
        raise EventError(field, N_("Must be a date and time with its offset, e.g. 2026-11-02T08:00:00+07:00."))
    return moment.astimezone(UTC)


def _place(event: Mapping[str, Any], field: str) -> str | None:
    value = event.get(field)
    if value is None:
        return None
    if not isinstance(value, Mapping) or not isinstance(value.get("id"), str) or not value["id"]:
        raise EventError(f"{field}/id", N_("Must be an object with the place's id."))
    return str(value["id"])


def _gtin_from_urn(prefix: str, reference: str, field: str) -> str:
    """GTIN-14 from a Tag Data Standard company prefix and indicator/item reference (13 digits in all)."""
    if len(prefix) + len(reference) != 13:
        raise EventError(field, N_("The company prefix and item reference must have 13 digits together."))
    data = reference[0] + prefix + reference[1:]
    return data + str(check_digit(data))


def epc_class_key(epc_class: str, field: str = "epcClass") -> tuple[str, str | None]:
    """(GTIN-14, lot or None) of a GS1 Digital Link URI or an EPC class URN (LGTIN, SGTIN pattern)."""
    try:
        return _class_key(epc_class)
    except EventError as exc:
        raise EventError(field, exc.template, **exc.params) from None


@lru_cache(maxsize=4096)  # a document names the same few lots again and again
def _class_key(epc_class: str, field: str = "epcClass") -> tuple[str, str | None]:
    text = epc_class.strip()
    if text.startswith("urn:"):
        lot_match = _LGTIN.fullmatch(text)
        if lot_match:
            lot = unquote(lot_match.group(3))
            code = _gtin_from_urn(lot_match.group(1), lot_match.group(2), field)
            try:
                DigitalLink.build("https://id.gs1.org", "01", code, {"10": lot})  # the lot's characters and length
            except GS1Error as exc:
                raise EventError(field, exc.template, **exc.params) from None
            return code, lot
        product = _SGTIN_PATTERN.fullmatch(text)
        if product:
            return _gtin_from_urn(product.group(1), product.group(2), field), None
        raise EventError(field, N_("\"%(value)s\" is not an EPC class of a lot (urn:epc:class:lgtin:…) or a "
                                   "product (urn:epc:idpat:sgtin:…)."), value=text)
    try:
        link = parse_digital_link(text)
    except GS1Error as exc:
        raise EventError(field, exc.template, **exc.params) from None
    if link.key != "01" or any(ai == "21" for ai, _ in link.qualifiers):
        raise EventError(field, N_("An epcClass must name a GTIN (01), optionally with its lot (10), and no "
                                   "serial number."))
    return link.value, dict(link.qualifiers).get("10")


def _quantities(event: Mapping[str, Any]) -> tuple[QuantityFact, ...]:
    found: list[QuantityFact] = []
    for name, role in QUANTITY_LISTS:
        items = event.get(name)
        if items is None:
            continue
        if not isinstance(items, list):
            raise EventError(name, N_("Must be a list."))
        for i, item in enumerate(items):
            where = f"{name}/{i}"
            if not isinstance(item, Mapping) or not isinstance(item.get("epcClass"), str):
                raise EventError(f"{where}/epcClass", N_("Each quantity element needs its epcClass."))
            gtin14, lot = epc_class_key(item["epcClass"], f"{where}/epcClass")
            quantity = item.get("quantity")
            if quantity is not None and (isinstance(quantity, bool) or not isinstance(quantity, (int, float))
                                         or quantity < 0):
                raise EventError(f"{where}/quantity", N_("Must be a number, zero or more."))
            uom = item.get("uom")
            if uom is not None and not (isinstance(uom, str) and re.fullmatch(r"[A-Z0-9]{2,3}", uom)):
                raise EventError(f"{where}/uom", N_("Must be a UN/ECE Recommendation 20 unit code, e.g. KGM."))
            if uom is not None and quantity is None:
                raise EventError(f"{where}/uom", N_("A unit needs a quantity."))
            found.append(QuantityFact(role, item["epcClass"], gtin14, lot,
                                      float(quantity) if quantity is not None else None, uom, f"{where}/epcClass"))
    for name, role in (("epcList", "object"), ("childEPCs", "child"), ("inputEPCList", "input"),
                       ("outputEPCList", "output")):
        for i, epc in enumerate(event.get(name) or []):
            # An instance (Digital Link with a serial) is counted with its lot; other EPCs name no lot.
            if isinstance(epc, str) and "://" in epc:
                try:
                    link = parse_digital_link(epc)
                except GS1Error as exc:
                    raise EventError(f"{name}/{i}", exc.template, **exc.params) from None
                lot = dict(link.qualifiers).get("10")
                if link.key == "01" and lot:
                    found.append(QuantityFact(role, epc, link.value, lot, None, None, f"{name}/{i}"))
    return tuple(found)


def _error_declaration(event: Mapping[str, Any]) -> ErrorDeclarationFacts | None:
    value = event.get("errorDeclaration")
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise EventError("errorDeclaration", N_("Must be an object."))
    declared = _time(value.get("declarationTime"), "errorDeclaration/declarationTime")
    reason = value.get("reason")
    if reason is not None:
        reason = _vocabulary(value, "reason", "reason")
    ids = value.get("correctiveEventIDs") or []
    if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
        raise EventError("errorDeclaration/correctiveEventIDs", N_("Must be a list of eventIDs."))
    return ErrorDeclarationFacts(declared, reason, tuple(ids))


def parse_event(event: Mapping[str, Any]) -> EventFacts:
    """The facts of one EPCIS 2.0 event (JSON-LD object); :class:`EventError` names the first field at fault."""
    kind = event.get("type")
    if kind not in EVENT_TYPES:
        raise EventError("type", N_("The event type must be one of %(choices)s."), choices=", ".join(EVENT_TYPES))
    action = event.get("action")
    if kind == "TransformationEvent":
        action = None
    elif action not in ACTIONS:
        raise EventError("action", N_("The action must be one of %(choices)s."), choices=", ".join(ACTIONS))
    event_id = event.get("eventID")
    if event_id is not None and not (isinstance(event_id, str) and _URI_SCHEME.fullmatch(event_id)):
        raise EventError("eventID", N_("An eventID must be a URI (urn:uuid:… or ni:///sha-256;…)."))
    moment = _time(event.get("eventTime"), "eventTime")
    offset = event.get("eventTimeZoneOffset")
    if not isinstance(offset, str) or not _OFFSET.fullmatch(offset):
        raise EventError("eventTimeZoneOffset", N_("Must be an offset such as +07:00."))
    tests = tuple(str(t.get("bizTransaction")) for t in event.get("bizTransactionList") or []
                  if isinstance(t, Mapping) and t.get("type") in ("testres", "https://ref.gs1.org/cbv/BTT-testres")
                  and t.get("bizTransaction"))
    parent = event.get("parentID")
    biz_step = _vocabulary(event, "bizStep", "bizStep")
    return EventFacts(
        event_type=str(kind), action=action, event_id=event_id, event_time=moment, time_zone=offset,
        biz_step=biz_step, disposition=_vocabulary(event, "disposition", "disposition"),
        read_point=_place(event, "readPoint"), biz_location=_place(event, "bizLocation"),
        quantities=_quantities(event), error=_error_declaration(event), test_results=tests,
        parent_id=parent if isinstance(parent, str) else None,
    )


def gtin14(code: str) -> str:
    """A checked GTIN of any length as GTIN-14 (a short name for callers that build classes)."""
    return gtin(code).gtin14
