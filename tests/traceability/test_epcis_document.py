"""EPCIS 2.0 documents and GS1's JSON Schema (traceability.epcis_document)."""
from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from tests.traceability.epcis_reference import assert_schema_valid, reference_errors
from traceability.epcis_document import epcis_document, query_document, schema_problems

ICT = timezone(timedelta(hours=7))


def _events() -> list[dict]:
    return [
        {"type": "ObjectEvent", "eventID": "urn:uuid:1f0c1a52-6f7e-4c59-9d0e-2b6f1c1a0001",
         "eventTime": "2026-11-02T08:00:00.000+07:00", "eventTimeZoneOffset": "+07:00", "action": "ADD",
         "bizStep": "commissioning", "disposition": "active",
         "quantityList": [{"epcClass": "https://id.gs1.org/01/09506000134352/10/ABC123", "quantity": 1200,
                           "uom": "KGM"}],
         "readPoint": {"id": "https://id.gs1.org/414/9506000164908"}},
        {"type": "TransformationEvent", "eventTime": "2026-11-03T09:30:00.000+07:00",
         "eventTimeZoneOffset": "+07:00", "bizStep": "commissioning",
         "inputQuantityList": [{"epcClass": "https://id.gs1.org/01/09506000134352/10/ABC123", "quantity": 100,
                                "uom": "KGM"}],
         "outputQuantityList": [{"epcClass": "https://id.gs1.org/01/09506000134369/10/T1", "quantity": 400,
                                 "uom": "H87"}]},
    ]


def test_document_envelope_validates_against_gs1_schema_epcis_2_0_section_9():
    """EPCIS 2.0 §9 (JSON/JSON-LD binding): @context, type, schemaVersion, creationDate, epcisBody."""
    document = epcis_document(_events(), datetime(2026, 11, 4, 10, 0, tzinfo=ICT))
    assert document["creationDate"] == "2026-11-04T10:00:00.000+07:00"
    assert schema_problems(document) == []
    assert_schema_valid(document)
    query = query_document(_events(), datetime(2026, 11, 4, 3, 0, tzinfo=UTC))
    assert schema_problems(query) == []
    assert_schema_valid(query)


def test_creation_date_needs_a_time_zone():
    with pytest.raises(ValueError):
        epcis_document([], datetime(2026, 11, 4, 10, 0))


@pytest.mark.parametrize(("change", "where"), [
    (lambda d: d["epcisBody"]["eventList"][1].__setitem__("bizStep", "commisioning"), "epcisBody/eventList/1/bizStep"),
    (lambda d: d["epcisBody"]["eventList"][0].__setitem__("eventTime", "yesterday"), "epcisBody/eventList/0/eventTime"),
    (lambda d: d["epcisBody"]["eventList"][0].__setitem__("action", "CREATE"), "epcisBody/eventList/0/action"),
    (lambda d: d["epcisBody"]["eventList"][0].__setitem__("foo", 1), "epcisBody/eventList/0"),
    (lambda d: d.pop("schemaVersion"), "<root>"),
])
def test_schema_problems_name_the_event_and_field_and_agree_with_the_readme_validator(change, where):
    """The README of GS1's schema: format checks on, so a misspelt CBV bizStep or a property that is
    no URI is refused; both validators refuse the same documents."""
    document = epcis_document(_events(), datetime(2026, 11, 4, 10, 0, tzinfo=ICT))
    bad = copy.deepcopy(document)
    change(bad)
    problems = schema_problems(bad)
    assert where in [p.where for p in problems]
    assert reference_errors(bad)
    if where.startswith("epcisBody/eventList/"):
        assert problems[0].event_index == int(where.split("/")[2])


def test_a_thousand_events_validate_in_one_pass():
    document = epcis_document(_events() * 500, datetime(2026, 11, 4, 10, 0, tzinfo=ICT))
    assert schema_problems(document) == []
    assert json.loads(json.dumps(document)) == document
