"""traceability.epcis_events: the builders and parse_event, on EPCIS 2.0's own examples (§9.6, the
JSON examples of GS1's EPCIS repository) and the CBV 2.0 vocabularies."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.traceability.epcis_reference import assert_schema_valid
from traceability.epcis_document import epcis_document
from traceability.epcis_events import (
    BIZ_STEPS,
    DISPOSITIONS,
    ERROR_REASONS,
    EventError,
    Quantity,
    aggregation_event,
    batch_class,
    cbv_name,
    epc_class_key,
    error_declaration,
    location_id,
    object_event,
    parse_event,
    transformation_event,
)
from traceability.epcis_places import parse_location

ICT = timezone(timedelta(hours=7))
SCHEMAS = Path(__file__).resolve().parents[2] / "traceability" / "schemas" / "epcis" / "JSON-Schema" / "schemas"
BASE = "https://lims.example.vn"

# EPCIS 2.0 §9.6.4 (JSON/WithErrorDeclaration/ErrorDeclarationAndCorrectiveEvent.jsonld of GS1's repository):
# a transformation declared erroneous, with its corrective event; the classes written here as Digital Links.
DECLARED = {
    "type": "TransformationEvent", "eventTime": "2020-01-14T00:00:00+01:00", "eventTimeZoneOffset": "+01:00",
    "eventID": "urn:uuid:374d95fc-9457-4a51-bd6a-0bba133845a8",
    "inputQuantityList": [{"epcClass": "urn:epc:class:lgtin:4012345.022222.87545GHGH", "quantity": 500,
                           "uom": "KGM"}],
    "outputQuantityList": [{"epcClass": "https://id.gs1.org/01/04012345333336/10/B1", "quantity": 452, "uom": "KGM"}],
    "bizStep": "commissioning", "readPoint": {"id": "urn:epc:id:sgln:0614141.07346.1234"},
    "errorDeclaration": {"declarationTime": "2020-01-15T00:00:00+01:00", "reason": "incorrect_data",
                         "correctiveEventIDs": ["urn:uuid:404d95fc-9457-4a51-bd6a-0bba133845a8"]},
}


def _enum(name: str) -> list[str]:
    schema = json.loads((SCHEMAS / f"{name}-JSON-Schema.json").read_text("utf-8"))
    return schema["definitions"][name]["anyOf"][1]["enum"]


def test_cbv_2_0_vocabularies_are_the_schemas_enumerations():
    """CBV 2.0 §7.2 (BizStep), §7.3 (Disp), §7.5 (ER), as GS1's EPCIS 2.0 JSON Schema lists them."""
    assert list(BIZ_STEPS) == _enum("bizStep")
    assert list(DISPOSITIONS) == _enum("disposition")
    assert list(ERROR_REASONS) == _enum("error-reason")


@pytest.mark.parametrize("spelling", ["commissioning", "https://ref.gs1.org/cbv/BizStep-commissioning",
                                      "urn:epcglobal:cbv:bizstep:commissioning"])
def test_a_cbv_step_in_any_of_its_three_spellings_is_one_step(spelling):
    """CBV 2.0 §6.4: bare word (EPCIS 2.0 JSON), Web URI, and the CBV 1.x URN."""
    event = object_event(event_time=datetime(2026, 1, 5, 8, 0, tzinfo=ICT), action="ADD", biz_step=spelling,
                         disposition="urn:epcglobal:cbv:disp:active", read_point=None, biz_location=None,
                         quantities=[Quantity(batch_class(BASE, "08938501000019", "L1"), 5, "KGM")])
    facts = parse_event(event)
    assert facts.biz_step == "commissioning" and facts.disposition == "active"
    assert cbv_name("bizStep", "https://example.vn/steps/drying") == "https://example.vn/steps/drying"


def test_object_event_builder_writes_what_when_where_why_and_reads_back():
    """EPCIS 2.0 §7.4.2 ObjectEvent: eventTime with its offset, eventTimeZoneOffset, quantityList with uom."""
    moment = datetime(2026, 1, 5, 8, 30, tzinfo=ICT)
    farm = location_id(gln="8938501000002", owner_key="7", local_id=None, base=BASE)
    event = object_event(event_time=moment, action="ADD", biz_step="commissioning", disposition="active",
                         quantities=[Quantity(batch_class(BASE, "8938501000019", "HOI-01"), 1200, "KGM")],
                         read_point=farm, biz_location=farm, event_id="urn:uuid:0b3c0e5e-1111-4a8b-9d5a-000000000001")
    assert event["eventTime"] == "2026-01-05T08:30:00.000+07:00" and event["eventTimeZoneOffset"] == "+07:00"
    assert event["quantityList"] == [{"epcClass": f"{BASE}/01/08938501000019/10/HOI-01", "quantity": 1200,
                                      "uom": "KGM"}]
    assert farm == f"{BASE}/414/8938501000002"
    assert_schema_valid(epcis_document([event], moment))
    facts = parse_event(event)
    assert facts.event_time == datetime(2026, 1, 5, 1, 30, tzinfo=UTC) and facts.time_zone == "+07:00"
    assert [(q.role, q.gtin14, q.lot, q.quantity, q.uom) for q in facts.quantities] == [
        ("object", "08938501000019", "HOI-01", 1200, "KGM")]
    assert facts.read_point == facts.biz_location == farm and parse_location(farm).gln == "8938501000002"


def test_transformation_and_aggregation_builders_validate_and_give_roles():
    """EPCIS 2.0 §7.4.6 (inputs → outputs) and §7.4.3 (children packed into a parent SSCC)."""
    moment = datetime(2026, 1, 6, 9, 0, tzinfo=ICT)
    anise = Quantity(batch_class(BASE, "08938501000019", "HOI-01"), 20, "KGM")
    tea = Quantity(batch_class(BASE, "08938502000025", "CH-01"), 400, "H87")
    transformation = transformation_event(event_time=moment, inputs=[anise], outputs=[tea], read_point=None,
                                          biz_location=location_id(gln=None, owner_key="3", local_id="XUONG 1",
                                                                   base=BASE))
    packing = aggregation_event(event_time=moment, action="ADD", parent_id="urn:epc:id:sscc:0614141.1234567890",
                                children=[tea])
    assert_schema_valid(epcis_document([transformation, packing], moment))
    assert [q.role for q in parse_event(transformation).quantities] == ["input", "output"]
    assert parse_event(transformation).action is None
    assert [q.role for q in parse_event(packing).quantities] == ["child"]
    place = parse_location(transformation["bizLocation"]["id"])
    assert (place.owner_key, place.local_id) == ("3", "XUONG 1")


def test_error_declaration_repeats_the_event_with_reason_and_corrective_ids():
    """EPCIS 2.0 §7.4.1.5: same eventID and content, errorDeclaration with declarationTime, reason,
    correctiveEventIDs; the example of GS1's repository (ErrorDeclarationAndCorrectiveEvent) read back."""
    original = {k: v for k, v in DECLARED.items() if k != "errorDeclaration"}
    declared = error_declaration(original, reason="incorrect_data",
                                 declared=datetime(2020, 1, 15, 0, 0, tzinfo=timezone(timedelta(hours=1))),
                                 corrective_ids=["urn:uuid:404d95fc-9457-4a51-bd6a-0bba133845a8"])
    assert declared["eventID"] == original["eventID"]
    assert declared["errorDeclaration"] == {"declarationTime": "2020-01-15T00:00:00.000+01:00",
                                            "reason": "incorrect_data",
                                            "correctiveEventIDs": ["urn:uuid:404d95fc-9457-4a51-bd6a-0bba133845a8"]}
    assert_schema_valid(epcis_document([declared], datetime(2020, 1, 15, tzinfo=UTC)))
    facts = parse_event(DECLARED)
    assert facts.error is not None and facts.error.reason == "incorrect_data"
    assert facts.error.corrective_ids == ("urn:uuid:404d95fc-9457-4a51-bd6a-0bba133845a8",)
    with pytest.raises(EventError) as refused:
        error_declaration(original, reason="typo", declared=datetime.now(UTC), corrective_ids=[])
    assert refused.value.field == "errorDeclaration/reason"


def test_lgtin_urn_and_digital_link_name_the_same_lot():
    """Tag Data Standard: urn:epc:class:lgtin:4012345.022222.87545GHGH is GTIN 04012345222227 (indicator 0,
    company prefix 4012345, item 22222, check digit 7), lot 87545GHGH; an SGTIN pattern names the product."""
    assert epc_class_key("urn:epc:class:lgtin:4012345.022222.87545GHGH") == ("04012345222227", "87545GHGH")
    assert epc_class_key("https://id.gs1.org/01/04012345222227/10/87545GHGH") == ("04012345222227", "87545GHGH")
    assert epc_class_key("urn:epc:idpat:sgtin:4012345.066666.*") == ("04012345666663", None)
    assert epc_class_key("https://id.gs1.org/01/9506000134352") == ("09506000134352", None)


@pytest.mark.parametrize(("change", "field", "words"), [
    (lambda e: e["quantityList"][0].__setitem__("epcClass", "https://id.gs1.org/01/09506000134357/10/A"),
     "quantityList/0/epcClass", "Check digit should be 2, not 7."),
    (lambda e: e["quantityList"][0].__setitem__("epcClass", "urn:epc:id:sgtin:4012345.011122.25"),
     "quantityList/0/epcClass", "is not an EPC class"),
    (lambda e: e.__setitem__("eventTime", "2026-01-05T08:00:00"), "eventTime", "with its offset"),
    (lambda e: e.__setitem__("eventTimeZoneOffset", "GMT+7"), "eventTimeZoneOffset", "+07:00"),
    (lambda e: e.__setitem__("action", "CREATE"), "action", "ADD, OBSERVE, DELETE"),
    (lambda e: e.__setitem__("bizStep", "commisioning"), "bizStep", "neither a CBV term nor a URI"),
    (lambda e: e["quantityList"][0].__setitem__("uom", "kg"), "quantityList/0/uom", "Recommendation 20"),
    (lambda e: e["quantityList"][0].__setitem__("quantity", -1), "quantityList/0/quantity", "zero or more"),
    (lambda e: e.__setitem__("readPoint", "farm"), "readPoint/id", "place's id"),
])
def test_each_problem_names_its_field(change, field, words):
    from lims.i18n import use_language

    event = object_event(event_time=datetime(2026, 1, 5, 8, 0, tzinfo=ICT), action="OBSERVE", biz_step="shipping",
                         disposition=None, read_point=None, biz_location=None,
                         quantities=[Quantity("https://id.gs1.org/01/09506000134352/10/A", 5, "KGM")])
    change(event)
    with use_language("en"), pytest.raises(EventError) as refused:
        parse_event(event)
    assert refused.value.field == field
    with use_language("en"):
        assert words in refused.value.reason
