"""The disclosure rules of the public batch page and EPCIS answer (lims.services.trace_public):
defaults, per-part overrides, and public documents that stay valid against GS1's EPCIS 2.0 schema."""
from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from lims.services.trace_public import (
    DEFAULT_DISCLOSURE,
    DISCLOSURE_PARTS,
    Disclosure,
    cbv_name,
    disclosure_of,
    public_event_document,
    shows_event,
)
from tests.traceability.epcis_reference import assert_schema_valid
from traceability.epcis_document import epcis_document

OWN = "https://id.example.vn/trace/places/1/XUONG-1"
PARTNER = "urn:epc:id:sgln:8934567.00009.0"
SHIPPING = {
    "type": "ObjectEvent", "eventID": "urn:uuid:6f1c1c1e-0000-4000-8000-000000000001",
    "eventTime": "2025-10-03T14:00:00.000+07:00", "eventTimeZoneOffset": "+07:00", "action": "OBSERVE",
    "bizStep": "shipping", "disposition": "in_transit",
    "quantityList": [{"epcClass": "https://id.example.vn/01/08934567012348/10/HL2025-01", "quantity": 800,
                      "uom": "KGM"}],
    "readPoint": {"id": OWN}, "bizLocation": {"id": PARTNER},
    "destinationList": [{"type": "owning_party", "destination": "https://id.example.vn/trace/parties/2"}],
    "bizTransactionList": [{"type": "po", "bizTransaction": "https://id.example.vn/trace/po/118"}],
    "sensorElementList": [{"sensorReport": [{"type": "Temperature", "value": 26.5, "uom": "CEL"}]}],
    "example:note": "an extension property",
    "@context": [{"example": "https://example.vn/epcis/"}],
}


def _public(disclosure: Disclosure) -> dict:
    return public_event_document(copy.deepcopy(SHIPPING), disclosure, partner_place=lambda uri: uri == PARTNER)


def test_defaults_show_dates_timeline_places_inspections_but_not_partners_or_quantities():
    assert disclosure_of({}) == disclosure_of(None) == DEFAULT_DISCLOSURE
    d = DEFAULT_DISCLOSURE
    assert (d.dates, d.timeline, d.places, d.inspections, d.partners, d.quantities) == (True, True, True, True,
                                                                                        False, False)
    assert {key for key, _label in DISCLOSURE_PARTS} == {"dates", "timeline", "places", "inspections", "partners",
                                                         "quantities"}


def test_a_part_set_by_the_business_overrides_its_default_and_anything_else_is_ignored():
    d = disclosure_of({"partners": True, "dates": False, "secret": True, "places": "yes"})
    assert d.partners and not d.dates and d.places and not d.quantities


def test_default_public_event_drops_partner_place_sources_transactions_quantities_extensions_and_sensors():
    event = _public(DEFAULT_DISCLOSURE)
    assert event["readPoint"] == {"id": OWN} and "bizLocation" not in event
    for hidden in ("destinationList", "bizTransactionList", "sensorElementList", "example:note"):
        assert hidden not in event
    assert event["quantityList"] == [{"epcClass": SHIPPING["quantityList"][0]["epcClass"]}]
    assert_schema_valid(epcis_document([event], datetime.now(UTC)))


@pytest.mark.parametrize("overrides", [{"partners": True, "quantities": True}, {"places": False},
                                       {"dates": False, "inspections": False}])
def test_every_choice_of_parts_keeps_the_event_schema_valid(overrides):
    event = _public(Disclosure(**overrides))
    assert_schema_valid(epcis_document([event], datetime.now(UTC)))
    if overrides.get("partners"):
        assert event["bizLocation"] == {"id": PARTNER} and event["destinationList"]
        assert event["quantityList"][0]["quantity"] == 800
    if overrides.get("places") is False:
        assert "readPoint" not in event and "bizLocation" not in event


def test_inspections_and_the_rest_of_the_timeline_are_switched_apart():
    only_inspections = Disclosure(timeline=False)
    assert shows_event(only_inspections, "inspecting") and not shows_event(only_inspections, "shipping")
    assert not shows_event(Disclosure(inspections=False), "https://ref.gs1.org/cbv/BizStep-inspecting")


def test_cbv_names_are_read_from_bare_words_cbv_2_uris_and_epcis_1_urns():
    assert cbv_name("https://ref.gs1.org/cbv/BizStep-shipping") == "shipping"
    assert cbv_name("https://ref.gs1.org/cbv/Disp-in_transit") == "in_transit"
    assert cbv_name("urn:epcglobal:cbv:bizstep:receiving") == "receiving"
    assert cbv_name("commissioning") == "commissioning" and cbv_name(None) == ""


def test_a_place_is_found_by_the_gln_of_its_sgln_or_digital_link_or_by_its_local_identifier():
    from lims.services.trace_places import Place, PlaceIndex, gln_of_uri
    from traceability.gs1 import gln

    farm_gln = gln("8934567000017")  # 893456700001 and its check digit
    assert gln_of_uri("urn:epc:id:sgln:8934567.00001.0") == farm_gln
    assert gln_of_uri(f"https://id.gs1.org/414/{farm_gln}") == farm_gln
    farm = Place(1, 10, "HTX", "business", "Vườn hồi", "Văn Quan", farm_gln, None)
    ours = Place(2, 10, "HTX", "business", "Xưởng", "Văn Quan", None, "KHO-1")
    theirs = Place(3, 20, "Công ty", "business", "Kho", "Lạng Sơn", None, "KHO-1")
    index = PlaceIndex([farm, ours, theirs])
    assert index.find("urn:epc:id:sgln:8934567.00001.0") == farm
    assert index.find("https://id.example.vn/trace/places/20/KHO-1", recorded_by=20) == theirs
    assert index.find("urn:example:loc:KHO-1", recorded_by=10) == ours
    assert index.find("urn:example:loc:KHO-1", recorded_by=99) is None  # two candidates, neither the recorder's
    assert index.find(None) is None
