"""lims.services.trace_events: capture all or none, with every problem named by event index and field
(issue 13 part 2, "Bad input"); what a business, the lab and the system may record; error declarations
(EPCIS 2.0 §7.4.1.5); every document written validates against GS1's schema."""
from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from lims.errors import NotFound, PermissionDenied
from lims.models import AuditEvent, Batch, TraceCapture, TraceEvent, TraceEventBatch
from lims.services import trace_events as te
from lims.services.policy import SYSTEM
from tests.services.trace_factory import ANISE, SPICED_TEA, TEA, document, link, make_world, object_event, when
from tests.traceability.epcis_reference import assert_schema_valid
from traceability.epcis_events import Quantity, batch_class, transformation_event

pytestmark = pytest.mark.usefixtures("english")

ANISE_LOT = link(ANISE, "HOI-2026-01")


@pytest.fixture
def world(db):
    return make_world(db)


def _counts(db) -> tuple[int, int, int, int]:
    return tuple(db.scalar(select(func.count()).select_from(t)) for t in  # type: ignore[return-value]
                 (TraceEvent, TraceEventBatch, TraceCapture, Batch))


def _refused(db, actor, doc) -> list[dict]:
    before = _counts(db)
    audit_before = db.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(te.CaptureRefused) as refused:
        te.capture(db, actor, doc, source="api")
    assert _counts(db) == before, "a refused document writes nothing"
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == audit_before
    assert refused.value.status == 422
    return refused.value.detail["problems"]


def test_a_partner_document_is_stored_whole_with_event_ids_and_an_audit_event(db, world):
    doc = document(object_event(ANISE_LOT, step="shipping", quantity=100, uom="KGM"),
                   object_event(ANISE_LOT, step="storing", quantity=1, uom="TNE", days_ago=2,
                                bizLocation={"id": te.location_uri(world.places["farm"])}))
    job = te.capture(db, world.users["farmer"], doc, source="api")
    assert (job.status, job.event_count, job.owner_id, job.source) == ("accepted", 2, world.farm.id, "api")
    rows = te.batch_events(db, world.batches["anise"])
    assert [r.biz_step for r in rows] == ["storing", "shipping"]  # oldest first
    assert all(r.event_id.startswith("urn:uuid:") and r.document["eventID"] == r.event_id for r in rows)
    assert rows[0].biz_location == f"{te.location_uri(world.places['farm'])}"
    assert [(b.role, b.quantity, b.uom) for r in rows for b in r.batches] == [("object", 1, "TNE"),
                                                                            ("object", 100, "KGM")]
    trail = db.scalars(select(AuditEvent).where(AuditEvent.action == "trace.capture")).all()
    assert len(trail) == 1 and trail[0].after["events"] == 2
    exported = te.batch_document(db, world.batches["anise"])
    assert_schema_valid(exported)
    assert all("recordTime" in e for e in exported["epcisBody"]["eventList"])


def test_wrong_check_digit_in_an_epc_class_names_index_and_field(db, world):
    bad = object_event(f"https://id.gs1.org/01/{ANISE[:-1]}8/10/HOI-2026-01")
    problems = _refused(db, world.users["farmer"], document(object_event(ANISE_LOT), bad))
    assert problems == [{"index": 1, "field": "quantityList/0/epcClass",
                         "message": "Check digit should be 9, not 8."}]


def test_unknown_lot_and_unknown_product_are_refused(db, world):
    problems = _refused(db, world.users["farmer"], document(object_event(link(ANISE, "NOPE")),
                                                            object_event(link("08938509999995", "A"))))
    assert [(p["index"], p["field"]) for p in problems] == [(0, "quantityList/0/epcClass"),
                                                           (1, "quantityList/0/epcClass")]
    assert "has no lot NOPE" in problems[0]["message"] and "No product has the GTIN" in problems[1]["message"]


def test_a_lot_of_another_business_is_refused(db, world):
    """The tea packer may not ship the farm's star anise: it is not its product and not received at its place."""
    problems = _refused(db, world.users["packer"], document(object_event(ANISE_LOT, step="shipping")))
    assert problems[0]["index"] == 0 and problems[0]["field"] == "quantityList/0/epcClass"
    assert "belongs to another business" in problems[0]["message"]


def test_receiving_another_business_lot_at_an_own_place_is_allowed_but_not_at_anothers(db, world):
    factory = te.location_uri(world.places["factory"])
    farm = te.location_uri(world.places["farm"])
    te.capture(db, world.users["packer"], document(object_event(ANISE_LOT, step="receiving",
                                                                bizLocation={"id": factory})), source="api")
    problems = _refused(db, world.users["packer"], document(object_event(ANISE_LOT, step="receiving",
                                                                         bizLocation={"id": farm})))
    assert problems[0]["field"] == "quantityList/0/epcClass"


def test_an_event_time_in_the_future_is_refused_with_a_minutes_tolerance(db, world):
    problems = _refused(db, world.users["farmer"], document(object_event(ANISE_LOT, days_ago=-0.01)))
    assert problems == [{"index": 0, "field": "eventTime", "message": "The event time is in the future."}]
    te.capture(db, world.users["farmer"], document(object_event(ANISE_LOT, days_ago=-20 / 86400)), source="api")


@pytest.mark.parametrize(("epc_class", "uom", "words"), [
    (ANISE_LOT, "LTR", "does not fit 08938501000019, whose quantity is in kg"),
    (ANISE_LOT, "ZZZ", "not a UN/ECE Rec 20 code of a unit this system knows"),
    (link(TEA, "TRA-2026-01"), "MTR", "whose quantity is in g"),
])
def test_a_unit_that_does_not_fit_the_product_is_refused(db, world, epc_class, uom, words):
    owner = world.users["farmer"] if epc_class == ANISE_LOT else world.users["packer"]
    problems = _refused(db, owner, document(object_event(epc_class, uom=uom)))
    assert problems[0]["field"] == "quantityList/0/uom" and words in problems[0]["message"]


def test_counted_pieces_fit_any_product_and_kilograms_fit_a_mass(db, world):
    te.capture(db, world.users["packer"], document(object_event(link(TEA, "TRA-2026-01"), uom="H87", quantity=40),
                                                   object_event(link(TEA, "TRA-2026-01"), uom="KGM", quantity=4)),
               source="api")


def test_a_document_failing_the_schema_is_refused_naming_the_event_and_field(db, world):
    doc = document(object_event(ANISE_LOT), object_event(ANISE_LOT))
    doc["epcisBody"]["eventList"][1]["bizStep"] = "commisioning"
    problems = _refused(db, world.users["farmer"], doc)
    assert problems[0]["index"] == 1 and problems[0]["field"] == "bizStep"
    assert "EPCIS 2.0 schema" in problems[0]["message"]
    missing = copy.deepcopy(doc)
    del missing["schemaVersion"]
    assert _refused(db, world.users["farmer"], missing)[0]["index"] is None


def test_an_event_id_already_recorded_is_refused(db, world):
    event = object_event(ANISE_LOT, eventID="urn:uuid:5f1b2c3d-0000-4000-8000-000000000001")
    te.capture(db, world.users["farmer"], document(event), source="api")
    problems = _refused(db, world.users["farmer"], document(event))
    assert problems[0]["field"] == "eventID" and "already recorded" in problems[0]["message"]


def test_commissioning_a_new_lot_of_an_own_product_registers_the_batch(db, world):
    """docs/traceability.md: a commissioning ADD by the product's owner registers its lot, from a
    transformation too (star anise in, spiced tea out)."""
    factory = te.location_uri(world.places["factory"])
    moment = datetime.now(UTC).replace(microsecond=0)
    event = transformation_event(event_time=moment, inputs=[Quantity(ANISE_LOT, 20, "KGM")],
                                 outputs=[Quantity(batch_class(link(SPICED_TEA).split("/01/")[0], SPICED_TEA, "CH-01"),
                                                   400, "H87")], read_point=factory, biz_location=factory)
    event["eventTime"] = when(0.5)
    te.capture(db, world.users["packer"], document(event), source="api")
    batch = te.find_batch(db, SPICED_TEA, "CH-01")
    assert batch is not None and (batch.quantity, batch.quantity_unit) == (400, "piece")
    assert batch.location_id == world.places["factory"].id
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "batch.create")) == 1
    # Not for another business's product: the farm cannot commission a lot of the packer's tea.
    problems = _refused(db, world.users["farmer"], document(object_event(link(TEA, "NEW-1"), step="commissioning",
                                                                         action="ADD", uom="H87")))
    assert "has no lot NEW-1" in problems[0]["message"]


def test_the_lab_records_inspecting_on_any_lot_and_the_inspector_records_nothing(db, world):
    inspecting = object_event(ANISE_LOT, step="inspecting", disposition="conformant", quantity=None)
    job = te.capture(db, world.users["tech"], document(inspecting), source="lab")
    assert job.owner_id == world.lab.id
    assert te.batch_events(db, world.batches["anise"])[0].verdict == "conformant"
    problems = _refused(db, world.users["tech"], document(object_event(ANISE_LOT, step="shipping")))
    assert "belongs to another business" in problems[0]["message"]
    with pytest.raises(PermissionDenied):
        te.capture(db, world.users["inspector"], document(inspecting), source="api")


def test_only_the_lab_links_an_event_to_a_lab_record(db, world):
    testres = {"bizTransactionList": [{"type": "testres", "bizTransaction": te.record_uri(999_999)}]}
    inspecting = object_event(ANISE_LOT, step="inspecting", disposition="conformant", quantity=None, **testres)
    assert "Only the lab" in _refused(db, world.users["farmer"], document(inspecting))[0]["message"]
    assert "no record 999999" in _refused(db, world.users["tech"], document(inspecting))[0]["message"]


def test_the_system_records_for_the_lab_organisation_or_the_one_named(db, world):
    job = te.capture(db, SYSTEM, document(object_event(ANISE_LOT)), source="import")
    assert job.owner_id == world.lab.id and job.user_id is None
    job = te.capture(db, SYSTEM, document(object_event(ANISE_LOT)), source="demo", owner_id=world.farm.id)
    assert job.owner_id == world.farm.id


def test_declare_error_records_the_event_again_and_keeps_the_original(db, world):
    """EPCIS 2.0 §7.4.1.5: the erroneous event recorded again with the same eventID and an
    errorDeclaration naming the reason and the corrective event; nothing deleted."""
    te.capture(db, world.users["farmer"], document(object_event(ANISE_LOT, quantity=100)), source="form")
    wrong = te.batch_events(db, world.batches["anise"])[0]
    fix = object_event(ANISE_LOT, quantity=10)
    job = te.declare_error(db, world.users["farmer"], wrong.event_id, reason="incorrect_data", corrective=[fix])
    assert job.event_count == 2
    rows = te.batch_events(db, world.batches["anise"])
    declared = [r for r in rows if r.error_declared]
    assert len(rows) == 3 and len(declared) == 1 and declared[0].event_id == wrong.event_id
    declaration = declared[0].document["errorDeclaration"]
    corrective = [r for r in rows if r.event_id in declaration["correctiveEventIDs"]]
    assert declaration["reason"] == "incorrect_data" and [r.document["quantityList"][0]["quantity"]
                                                         for r in corrective] == [10]
    assert [r.event_id for r in te.batch_events(db, world.batches["anise"], include_errors=False)] == \
        [corrective[0].event_id]
    assert_schema_valid(te.batch_document(db, world.batches["anise"]))
    # Declared once only; only by who recorded it; only an event that exists.
    problems = _refused(db, world.users["farmer"], document(declared[0].document))
    assert any("already declared erroneous" in p["message"] for p in problems)
    with pytest.raises(te.CaptureRefused) as other:
        te.declare_error(db, world.users["tech"], corrective[0].event_id, reason="did_not_occur", corrective=[])
    assert "another organisation" in other.value.problems[0].message
    with pytest.raises(NotFound):
        te.declare_error(db, world.users["farmer"], "urn:uuid:00000000-0000-4000-8000-000000000000",
                         reason="did_not_occur", corrective=[])


def test_a_declaration_naming_a_corrective_event_that_does_not_exist_is_refused(db, world):
    te.capture(db, world.users["farmer"], document(object_event(ANISE_LOT)), source="form")
    original = te.batch_events(db, world.batches["anise"])[0].document
    from traceability.epcis_events import error_declaration

    declaration = error_declaration(original, reason="incorrect_data", declared=datetime.now(UTC),
                                    corrective_ids=["urn:uuid:11111111-2222-4333-8444-555555555555"])
    problems = _refused(db, world.users["farmer"], document(declaration))
    assert problems[0]["field"] == "errorDeclaration/correctiveEventIDs/0"


def test_the_lab_links_an_inspecting_event_to_its_record_with_the_verdict(db, world, lab):
    """Issue 13 part 2: "for inspecting, a link to the lab or inspection record and its verdict"."""
    from tests.services.workflow_factory import open_scale_record

    record = open_scale_record(db, lab)
    testres = {"bizTransactionList": [{"type": "testres", "bizTransaction": te.record_uri(record.id)}]}
    event = object_event(ANISE_LOT, step="inspecting", disposition="non_conformant", quantity=None, **testres)
    te.capture(db, world.users["tech"], document(event), source="lab")
    stored = te.batch_events(db, world.batches["anise"])[-1]
    assert (stored.record_id, stored.verdict) == (record.id, "non_conformant")
    record.verdict = "pass"
    db.flush()
    again = object_event(ANISE_LOT, step="inspecting", disposition="non_conformant", quantity=None, **testres)
    problems = _refused(db, world.users["tech"], document(again))
    assert problems[0]["field"] == "disposition" and "must be conformant" in problems[0]["message"]
