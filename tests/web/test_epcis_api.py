"""The EPCIS 2.0 REST binding's subset: POST /api/v1/epcis/capture (202 with the capture job in
Location; 422 naming index and field, nothing stored), GET /api/v1/epcis/capture/{id}, GET
/api/v1/epcis/events (an EPCISQueryDocument that validates, Link rel="next" paging)."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from lims.models import TraceEvent
from lims.services import trace_events as te
from tests.services.trace_factory import ANISE, document, link, make_world, object_event
from tests.traceability.epcis_reference import assert_schema_valid

ANISE_LOT = link(ANISE, "HOI-2026-01")


@pytest.fixture
def world(db):
    world = make_world(db)
    db.commit()
    return world


def _events(db) -> int:
    return db.scalar(select(func.count()).select_from(TraceEvent)) or 0


def test_capture_answers_202_with_the_job_in_location_and_the_job_reads_back(client, db, world, token_for):
    headers = token_for(world.users["farmer"])
    doc = document(object_event(ANISE_LOT, step="shipping"), object_event(ANISE_LOT, step="storing", days_ago=2))
    answer = client.post("/api/v1/epcis/capture", data=json.dumps(doc),
                         headers={**headers, "Content-Type": "application/ld+json"})
    assert answer.status_code == 202, answer.get_json()
    job = answer.get_json()
    assert job["success"] is True and job["running"] is False and job["eventCount"] == 2
    location = answer.headers["Location"]
    assert location == f"/api/v1/epcis/capture/{job['captureID']}"
    again = client.get(location, headers=headers)
    assert again.status_code == 200 and again.get_json()["eventCount"] == 2
    assert client.get(location, headers=token_for(world.users["packer"])).status_code == 404  # not theirs
    assert _events(db) == 2


def test_a_refused_document_is_422_with_every_problem_and_nothing_stored(client, db, world, token_for):
    doc = document(object_event(ANISE_LOT), object_event(link(ANISE, "NOPE"), days_ago=-1))
    answer = client.post("/api/v1/epcis/capture?lang=en", json=doc, headers=token_for(world.users["farmer"]))
    assert answer.status_code == 422
    body = answer.get_json()
    assert body["error"].startswith("Event 1, eventTime:")
    assert [(p["index"], p["field"]) for p in body["detail"]["problems"]] == [(1, "eventTime"),
                                                                              (1, "quantityList/0/epcClass")]
    assert _events(db) == 0


@pytest.mark.parametrize(("data", "content_type", "status"), [
    ("<xml/>", "application/xml", 415), ("{not json", "application/json", 422), ("[1, 2]", "application/json", 422),
])
def test_the_body_must_be_a_json_document(client, world, token_for, data, content_type, status):
    answer = client.post("/api/v1/epcis/capture", data=data, content_type=content_type,
                         headers=token_for(world.users["farmer"]))
    assert answer.status_code == status and "error" in answer.get_json()


def test_a_document_over_the_size_cap_is_413(client, world, token_for, monkeypatch):
    from lims.web.api import epcis

    monkeypatch.setattr(epcis, "MAX_CAPTURE_BYTES", 100)
    answer = client.post("/api/v1/epcis/capture", json=document(object_event(ANISE_LOT)),
                         headers=token_for(world.users["farmer"]))
    assert answer.status_code == 413


def test_inspectors_read_but_do_not_capture(client, world, token_for):
    headers = token_for(world.users["inspector"])
    assert client.post("/api/v1/epcis/capture", json=document(object_event(ANISE_LOT)),
                       headers=headers).status_code == 403
    assert client.get("/api/v1/epcis/events", headers=headers).status_code == 200


def test_events_are_a_valid_query_document_paged_by_the_link_header(client, db, world, token_for):
    te.capture(db, world.users["farmer"], document(*(object_event(ANISE_LOT, days_ago=d) for d in (5, 4, 3, 2, 1))),
               source="api")
    db.commit()
    headers = token_for(world.users["inspector"])
    url = "/api/v1/epcis/events?perPage=2&EQ_bizStep=shipping"
    seen = []
    while url:
        answer = client.get(url, headers=headers)
        assert answer.status_code == 200, answer.get_json()
        body = answer.get_json()
        assert body["type"] == "EPCISQueryDocument"
        assert_schema_valid(body)
        seen += [e["eventID"] for e in body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]
        link_header = answer.headers.get("Link")
        url = None
        if link_header:
            match = re.fullmatch(r'<http://[^/]+(/api/v1/epcis/events\?[^>]+)>; rel="next"', link_header)
            assert match and "EQ_bizStep=shipping" in match.group(1) and "perPage=2" in match.group(1)
            url = match.group(1)
    assert len(seen) == len(set(seen)) == 5


def test_a_bad_query_parameter_is_422_naming_it(client, world, token_for):
    answer = client.get("/api/v1/epcis/events?perPage=5000&lang=en", headers=token_for(world.users["inspector"]))
    assert answer.status_code == 422 and answer.get_json()["detail"]["field"] == "perPage"


def test_the_operations_are_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    capture = spec["paths"]["/api/v1/epcis/capture"]["post"]
    assert {"202", "413", "415", "422"} <= set(capture["responses"])
    assert "Location" in capture["responses"]["202"]["headers"]
    names = [p["name"] for p in spec["paths"]["/api/v1/epcis/events"]["get"]["parameters"]]
    assert {"EQ_bizStep", "MATCH_anyEPCClass", "GE_eventTime", "LT_eventTime", "EQ_bizLocation", "perPage",
            "nextPageToken"} <= set(names)
