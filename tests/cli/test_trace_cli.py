"""``lims trace import`` and ``lims trace export``: a partner's document with the three event types and an
error declaration (EPCIS 2.0 §7.4.1.5) round-trips import → export with the same events, event by event;
a refused document exits 2 with every problem on stderr and stores nothing."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from lims.cli import main
from lims.models import TraceEvent
from lims.services import trace_events as te
from tests.services.trace_factory import ANISE, SPICED_TEA, document, link, make_world, object_event, when
from tests.traceability.epcis_reference import assert_schema_valid

SHIPPED = "urn:uuid:7c1e3f2a-4b5d-4e6f-8a9b-0c1d2e3f4a5b"
FIXED = "urn:uuid:8d2f4a3b-5c6e-4f70-9bac-1d2e3f4a5b6c"


@pytest.fixture
def cli(committed_db, database_url, monkeypatch, tmp_path) -> CliRunner:
    monkeypatch.setenv("LIMS_DATABASE_URL", database_url)
    monkeypatch.setenv("LIMS_LANGUAGE", "en")
    monkeypatch.setenv("LIMS_INSTANCE_PATH", str(tmp_path / "instance"))
    return CliRunner()


def _partner_document(world) -> dict:
    """The tea packer's system: receives the farm's star anise at its factory, turns 20 kg of it into
    400 packages of spiced tea (a new lot), packs them on a pallet, ships them — once with a wrong
    quantity, declared erroneous and corrected."""
    factory = {"id": te.location_uri(world.places["factory"])}
    spiced = f"https://id.gs1.org/01/{SPICED_TEA}/10/CH-01"
    receiving = object_event("urn:epc:class:lgtin:8938501.000001.HOI-2026-01", step="receiving", quantity=20,
                             days_ago=3, bizLocation=factory, readPoint=factory, disposition="in_progress")
    transformation = {"type": "TransformationEvent", "eventTime": when(2.5), "eventTimeZoneOffset": "+07:00",
                      "eventID": "urn:uuid:2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d", "bizStep": "commissioning",
                      "inputQuantityList": [{"epcClass": link(ANISE, "HOI-2026-01"), "quantity": 20, "uom": "KGM"}],
                      "outputQuantityList": [{"epcClass": spiced, "quantity": 400, "uom": "H87"}],
                      "bizLocation": factory}
    packing = {"type": "AggregationEvent", "eventTime": when(2), "eventTimeZoneOffset": "+07:00", "action": "ADD",
               "parentID": "urn:epc:id:sscc:8938502.0000000001", "bizStep": "packing",
               "childQuantityList": [{"epcClass": spiced, "quantity": 400, "uom": "H87"}], "bizLocation": factory}
    shipping = object_event(spiced, step="shipping", quantity=40, uom="H87", days_ago=1, eventID=SHIPPED,
                            disposition="in_transit", readPoint=factory)
    declared = {**shipping, "errorDeclaration": {"declarationTime": when(0.5), "reason": "incorrect_data",
                                                 "correctiveEventIDs": [FIXED]}}
    fixed = {**shipping, "eventID": FIXED, "quantityList": [{"epcClass": spiced, "quantity": 400, "uom": "H87"}]}
    return document(receiving, transformation, packing, shipping, declared, fixed)


def test_a_partner_document_round_trips_import_then_export_event_by_event(cli, db, tmp_path):
    world = make_world(db)
    db.commit()
    partner = _partner_document(world)
    assert_schema_valid(partner)
    source = tmp_path / "partner.jsonld"
    source.write_text(json.dumps(partner, ensure_ascii=False), "utf-8")
    done = cli.invoke(main, ["trace", "import", str(source), "--as", "trace.packer"])
    assert done.exit_code == 0, done.output
    assert "Stored 6 events" in done.output

    out = tmp_path / "CH-01.json"
    exported = cli.invoke(main, ["trace", "export", "8938502000025", "CH-01", "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    written = json.loads(out.read_text("utf-8"))
    assert_schema_valid(written)
    sent = partner["epcisBody"]["eventList"]
    back = written["epcisBody"]["eventList"]
    assert all("recordTime" in e for e in back)
    by_key = {(e["eventID"], "errorDeclaration" in e): {k: v for k, v in e.items() if k != "recordTime"}
              for e in back}
    expected = sent[1:]  # the receiving names the anise lot only
    assert len(back) == len(expected) == 5
    for event in expected:
        key = (event.get("eventID"), "errorDeclaration" in event)
        if event.get("eventID") is None:  # the packing was given an eventID on capture
            match = [e for e in back if e["type"] == event["type"]]
            assert len(match) == 1 and match[0]["eventID"].startswith("urn:uuid:")
            assert {k: v for k, v in match[0].items() if k not in ("recordTime", "eventID")} == event
        else:
            assert by_key[key] == event

    anise = tmp_path / "anise.json"
    assert cli.invoke(main, ["trace", "export", ANISE, "HOI-2026-01", "-o", str(anise)]).exit_code == 0
    assert [e["bizStep"] for e in json.loads(anise.read_text("utf-8"))["epcisBody"]["eventList"]] == [
        "receiving", "commissioning"]


def test_a_refused_import_exits_2_with_every_problem_and_stores_nothing(cli, db, tmp_path):
    world = make_world(db)
    db.commit()
    bad = document(object_event(link(ANISE, "HOI-2026-01"), uom="LTR"), object_event(link(ANISE, "NOPE")))
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(bad), "utf-8")
    done = cli.invoke(main, ["trace", "import", str(source), "--as", world.users["farmer"].username])
    assert done.exit_code == 2
    assert "event 0, quantityList/0/uom: LTR does not fit" in done.output
    assert "event 1, quantityList/0/epcClass: 08938501000019 has no lot NOPE." in done.output
    assert "2 problems: nothing was stored." in done.output
    assert db.scalar(select(func.count()).select_from(TraceEvent)) == 0
    source.write_text("{oops", "utf-8")
    assert cli.invoke(main, ["trace", "import", str(source)]).exit_code == 2


def test_export_refuses_a_wrong_gtin_or_an_unknown_lot(cli, db, tmp_path):
    make_world(db)
    db.commit()
    wrong = cli.invoke(main, ["trace", "export", "8938501000018", "HOI-2026-01", "-o", str(tmp_path / "x.json")])
    assert wrong.exit_code == 2 and "Check digit should be 9, not 8." in wrong.output
    unknown = cli.invoke(main, ["trace", "export", ANISE, "NOPE", "-o", str(tmp_path / "x.json")])
    assert unknown.exit_code == 2 and "no lot NOPE" in unknown.output
    assert not Path(tmp_path / "x.json").exists()
