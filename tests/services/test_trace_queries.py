"""lims.services.trace_queries: the EPCIS 2.0 REST binding's GET /events parameters (EQ_bizStep,
MATCH_anyEPCClass, GE_eventTime/LT_eventTime, EQ_bizLocation), perPage and nextPageToken paging that
gives each event exactly once, and who reads what."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lims.errors import ValidationError
from lims.services import trace_events as te
from lims.services.trace_queries import query_from_args
from tests.services.trace_factory import ANISE, TEA, document, link, make_world, object_event
from tests.traceability.epcis_reference import assert_schema_valid
from traceability.epcis_document import query_document

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def world(db):
    world = make_world(db)
    farm = te.location_uri(world.places["farm"])
    anise = [object_event(link(ANISE, "HOI-2026-01"), step=step, days_ago=days, bizLocation={"id": farm})
             for days, step in ((9, "storing"), (8, "shipping"), (7, "storing"), (6, "shipping"), (5, "storing"))]
    te.capture(db, world.users["farmer"], document(*anise), source="api")
    tea = [object_event(link(TEA, "TRA-2026-01"), step="shipping", days_ago=d, uom="H87") for d in (4, 3)]
    te.capture(db, world.users["packer"], document(*tea), source="api")
    # The same eventTime twice: the keyset must still give each once.
    same = object_event(link(TEA, "TRA-2026-01"), step="storing", days_ago=2, uom="H87")
    te.capture(db, world.users["packer"], document(same, dict(same)), source="api")
    return world


def _walk(db, actor, **args) -> list[str]:
    seen: list[str] = []
    token = None
    for _ in range(50):
        params = {k: [v] for k, v in args.items()}
        if token:
            params["nextPageToken"] = [token]
        events, token = te.query(db, actor, query_from_args(params))
        assert_schema_valid(query_document([te.exported(e) for e in events], datetime.now(UTC)))
        seen += [e.event_id for e in events]
        if token is None:
            return seen
    raise AssertionError("paging did not end")


@pytest.mark.parametrize("per_page", ["1", "2", "3", "1000"])
def test_paging_walks_every_event_exactly_once_in_time_order(db, world, per_page):
    walked = _walk(db, world.users["inspector"], perPage=per_page)
    assert len(walked) == len(set(walked)) == 9
    everything, _ = te.query(db, world.users["inspector"], query_from_args({}))
    times = [e.event_time for e in everything]
    assert times == sorted(times)


def test_filters_by_step_class_time_and_place(db, world):
    inspector = world.users["inspector"]
    assert len(_walk(db, inspector, EQ_bizStep="shipping")) == 4
    assert len(_walk(db, inspector, EQ_bizStep="https://ref.gs1.org/cbv/BizStep-storing|shipping")) == 9
    assert len(_walk(db, inspector, MATCH_anyEPCClass=link(TEA, "TRA-2026-01"))) == 4
    assert len(_walk(db, inspector, MATCH_anyEPCClass=f"https://id.gs1.org/01/{ANISE}")) == 5  # every lot
    assert len(_walk(db, inspector, MATCH_anyEPCClass="urn:epc:class:lgtin:8938501.000001.HOI-2026-01")) == 5
    since = (datetime.now(UTC) - timedelta(days=6, hours=12)).isoformat()
    until = (datetime.now(UTC) - timedelta(days=2, hours=12)).isoformat()
    assert len(_walk(db, inspector, GE_eventTime=since, LT_eventTime=until)) == 4
    assert len(_walk(db, inspector, EQ_bizLocation=te.location_uri(world.places["farm"]), perPage="2")) == 5


def test_a_business_reads_its_own_events_and_those_about_its_products(db, world):
    assert len(_walk(db, world.users["packer"])) == 4
    factory = te.location_uri(world.places["factory"])
    te.capture(db, world.users["packer"], document(object_event(link(ANISE, "HOI-2026-01"), step="receiving",
                                                                bizLocation={"id": factory})), source="api")
    assert len(_walk(db, world.users["packer"])) == 5  # the receiving it recorded
    assert len(_walk(db, world.users["farmer"])) == 6  # its five, and the receiving of its anise


def test_a_tampered_token_or_one_of_another_query_is_refused(db, world):
    events, token = te.query(db, world.users["inspector"], query_from_args({"perPage": ["2"]}))
    assert token
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "not-a-token"):
        with pytest.raises(ValidationError) as refused:
            te.query(db, world.users["inspector"], query_from_args({"nextPageToken": [bad]}))
        assert refused.value.field == "nextPageToken"
    with pytest.raises(ValidationError):
        te.query(db, world.users["inspector"], query_from_args({"nextPageToken": [token], "EQ_bizStep": ["storing"]}))


@pytest.mark.parametrize(("args", "field"), [
    ({"perPage": ["0"]}, "perPage"), ({"perPage": ["1001"]}, "perPage"), ({"perPage": ["ten"]}, "perPage"),
    ({"GE_eventTime": ["2026-01-01"]}, "GE_eventTime"), ({"LT_eventTime": ["yesterday"]}, "LT_eventTime"),
    ({"MATCH_anyEPCClass": ["https://id.gs1.org/01/09506000134357"]}, "MATCH_anyEPCClass"),
    ({"EQ_readPoint": ["x"]}, "EQ_readPoint"),
])
def test_a_bad_parameter_is_refused_naming_it(args, field):
    with pytest.raises(ValidationError) as refused:
        query_from_args(args)
    assert refused.value.field == field
