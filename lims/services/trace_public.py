"""What the public may read of a product's batches: the disclosure rules, in one place.

Anyone who scans the QR on a package reads the public batch page and the batch's public EPCIS
events (``?linkType=gs1:epcis``). What they see is decided here, from the product's
``disclosure`` settings (:attr:`lims.models.Product.disclosure`; an empty mapping means the
defaults below) and nowhere else: the pages, the resolver's EPCIS answer and the linkset all ask
:func:`disclosure_of`, :func:`shows_event` and :func:`public_event_document`.

Always shown: the product (name, GTIN, net quantity, category), its producer and the lot: they
are what the QR itself names. Each other part can be switched by the business:

========================  =======  ==============================================================
part                      default  what it covers
========================  =======  ==============================================================
``dates``                 shown    production and expiry dates (and the ILMD of events)
``timeline``              shown    the events of the batch other than inspections
``places``                shown    where each event happened, and the chain of places
``inspections``           shown    inspecting events: verdict, date, lab, certificate link
``partners``              hidden   names of the other businesses the goods came from or went to,
                                   their places' names and identifiers, sources, destinations
                                   and business transactions of the events
``quantities``            hidden   quantities produced, shipped, received (``quantity``/``uom``)
========================  =======  ==============================================================

An event declared erroneous (EPCIS 2.0 §7.4.1.5) is not a fact: neither it nor its declaration
is shown; the corrective events that replace it are shown in its place.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from lims.i18n import N_

__all__ = ["BIZ_STEP_LABELS", "DEFAULT_DISCLOSURE", "DISCLOSURE_PARTS", "DISPOSITION_LABELS", "Disclosure",
           "cbv_name", "disclosure_of", "public_event_document", "shows_event"]


@dataclass(frozen=True)
class Disclosure:
    """Which parts of a batch's story the public reads (see the module's table)."""

    dates: bool = True
    timeline: bool = True
    places: bool = True
    inspections: bool = True
    partners: bool = False
    quantities: bool = False


DEFAULT_DISCLOSURE = Disclosure()
#: The parts a business may switch, with their labels (for the disclosure settings form).
DISCLOSURE_PARTS: tuple[tuple[str, str], ...] = (
    ("dates", N_("Production and expiry dates")),
    ("timeline", N_("Timeline of events")),
    ("places", N_("Chain of places")),
    ("inspections", N_("Inspection results")),
    ("partners", N_("Names of partner businesses and their places")),
    ("quantities", N_("Quantities produced and shipped")),
)
_PARTS = frozenset(f.name for f in fields(Disclosure))


def disclosure_of(settings: Mapping[str, Any] | None) -> Disclosure:
    """The disclosure of a product from its stored settings: a part set to true or false
    overrides the default; anything else is ignored."""
    if not settings:
        return DEFAULT_DISCLOSURE
    chosen = {k: v for k, v in settings.items() if k in _PARTS and isinstance(v, bool)}
    return Disclosure(**chosen) if chosen else DEFAULT_DISCLOSURE


#: CBV 2.0 business steps in plain words ("commissioning" is when a batch comes into being).
BIZ_STEP_LABELS: dict[str, str] = {
    "commissioning": N_("Produced"),
    "inspecting": N_("Inspected"),
    "shipping": N_("Shipped"),
    "receiving": N_("Received"),
    "storing": N_("Stored"),
    "packing": N_("Packed"),
    "unpacking": N_("Unpacked"),
    "transforming": N_("Processed"),
    "accepting": N_("Accepted"),
    "loading": N_("Loaded"),
    "departing": N_("Departed"),
    "arriving": N_("Arrived"),
    "retail_selling": N_("Sold"),
    "destroying": N_("Destroyed"),
    "holding": N_("Held"),
    "sampling": N_("Sampled"),
}
#: CBV 2.0 dispositions in plain words.
DISPOSITION_LABELS: dict[str, str] = {
    "active": N_("in circulation"),
    "conformant": N_("conformant"),
    "non_conformant": N_("not conformant"),
    "in_transit": N_("in transit"),
    "in_progress": N_("in progress"),
    "sellable_accessible": N_("on sale"),
    "sellable_not_accessible": N_("in stock"),
    "expired": N_("expired"),
    "recalled": N_("recalled"),
    "destroyed": N_("destroyed"),
    "damaged": N_("damaged"),
    "needs_replacement": N_("needs replacement"),
    "container_closed": N_("packed"),
}


def cbv_name(value: str | None) -> str:
    """The CBV short name of a bizStep or disposition given as a bare word, a CBV 2.0 URI
    (``https://ref.gs1.org/cbv/BizStep-shipping``) or an EPCIS 1.x URN
    (``urn:epcglobal:cbv:bizstep:shipping``); any other URI is returned whole."""
    if not value:
        return ""
    for marker in ("/BizStep-", "/Disp-"):
        if marker in value:
            return value.rsplit(marker, 1)[1]
    if value.startswith("urn:epcglobal:cbv:"):
        return value.rsplit(":", 1)[1]
    return value


def shows_event(disclosure: Disclosure, biz_step: str | None) -> bool:
    """Whether an event with this bizStep is public: inspections by ``inspections``, the rest by
    ``timeline``."""
    if cbv_name(biz_step) == "inspecting":
        return disclosure.inspections
    return disclosure.timeline


#: Properties of an event the public document may carry (EPCIS 2.0 standard properties);
#: extension properties and sensor data are never published.
_STANDARD = frozenset({
    "@context", "type", "eventID", "eventTime", "eventTimeZoneOffset", "recordTime", "action", "bizStep",
    "disposition", "persistentDisposition", "epcList", "quantityList", "parentID", "childEPCs",
    "childQuantityList", "inputEPCList", "inputQuantityList", "outputEPCList", "outputQuantityList",
    "transformationID", "readPoint", "bizLocation", "certificationInfo",
})
_PARTNER_ONLY = ("sourceList", "destinationList", "bizTransactionList")
_QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")


def public_event_document(document: Mapping[str, Any], disclosure: Disclosure, *,
                          partner_place: Callable[[str], bool]) -> dict[str, Any]:
    """The stored EPCIS 2.0 event as the public may read it. Only optional properties are
    dropped, so a schema-valid event stays schema-valid: places when ``places`` is off, a
    partner's place (``partner_place(uri)``), sources, destinations and business transactions
    unless ``partners``, ``quantity``/``uom`` unless ``quantities``, ILMD unless ``dates``,
    certification links unless ``inspections``; never extension properties or sensor data."""
    kept = set(_STANDARD)
    if disclosure.partners:
        kept.update(_PARTNER_ONLY)
    if disclosure.dates:
        kept.add("ilmd")
    if not disclosure.inspections:
        kept.discard("certificationInfo")
    event = {k: v for k, v in document.items() if k in kept}
    for key in ("readPoint", "bizLocation"):
        place = event.get(key)
        uri = place.get("id") if isinstance(place, Mapping) else None
        if key in event and (not disclosure.places or (not disclosure.partners and (not uri or partner_place(uri)))):
            del event[key]
    if not disclosure.quantities:
        for key in _QUANTITY_LISTS:
            if isinstance(event.get(key), list):
                event[key] = [{"epcClass": q["epcClass"]} if isinstance(q, Mapping) and "epcClass" in q else q
                              for q in event[key]]
    return event
