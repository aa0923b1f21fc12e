"""Recording events from forms (issue 13 part 2, "Model": ObjectEvent commissioning, shipping, receiving,
storing; AggregationEvent packing; TransformationEvent; inspecting linked to a lab record; EPCIS 2.0
§7.4.1.5 error declarations). Every event goes through the capture service, and the batch's EPCIS
document validates against GS1's schema (tests/traceability/epcis_reference.assert_schema_valid)."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from lims.config import time_zone
from lims.errors import NotFound, PermissionDenied, ValidationError
from lims.models import Record, TraceEvent
from lims.services import trace_events
from lims.services.trace_recording import (
    DeclareError,
    NewEvent,
    RecordInspection,
    declare,
    incoming_batches,
    record_event,
    record_inspection,
)
from lims.services.trace_timeline import batch_timeline
from tests.services.trace_support import RAW_GTIN, make_world
from tests.traceability.epcis_reference import assert_schema_valid

pytestmark = pytest.mark.usefixtures("english")


def _ago(hours: float) -> str:
    return (datetime.now(time_zone()) - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def setup(db, make_user, lab):
    w = make_world(db, make_user)
    product = w.product(db)
    dryer = w.place(db, gln="8935123400005")
    store = w.place(db, w.seller, name="Kho Đồng Đăng")
    batch = w.batch(db, product, location_id=dryer.id)
    db.commit()
    return w, batch, dryer, store


def _record(db, setup, step, who=None, **given):
    w, batch, dryer, _store = setup
    data = {"step": step, "event_time": _ago(5), "place_id": dryer.id} | given
    return record_event(db, who or w.farmer, batch.id, NewEvent(**data))


def test_commissioning_shipping_storing_and_packing_are_captured_and_schema_valid(db, setup):
    w, batch, dryer, store = setup
    _record(db, setup, "commissioning", quantity=2000.0, quantity_unit="piece")
    _record(db, setup, "storing", event_time=_ago(4))
    _record(db, setup, "packing", event_time=_ago(3), sscc="106141411234567897", quantity=500.0,
            quantity_unit="kg")
    job = _record(db, setup, "shipping", event_time=_ago(2), destination_id=store.id, quantity=1000.0,
                  quantity_unit="piece")
    assert job.status == "accepted" and job.source == "form"
    rows = trace_events.batch_events(db, batch)
    assert [(r.event_type, r.biz_step) for r in rows] == [
        ("ObjectEvent", "commissioning"), ("ObjectEvent", "storing"), ("AggregationEvent", "packing"),
        ("ObjectEvent", "shipping")]
    shipping = rows[-1].document
    assert shipping["disposition"] == "in_transit" and "bizLocation" not in shipping
    assert shipping["destinationList"] == [{"type": "location", "destination": trace_events.location_uri(store)}]
    assert shipping["quantityList"][0] == {"epcClass": shipping["quantityList"][0]["epcClass"], "quantity": 1000.0,
                                           "uom": "H87"}
    assert rows[0].document["eventTimeZoneOffset"] == "+07:00"
    assert_schema_valid(trace_events.batch_document(db, batch))


def test_the_partner_receives_a_shipped_lot_at_its_own_place(db, setup):
    w, batch, _dryer, store = setup
    with pytest.raises(NotFound):  # nothing shipped to it yet: not its batch to see
        _record(db, setup, "receiving", who=w.seller, place_id=store.id)
    _record(db, setup, "shipping", event_time=_ago(3), destination_id=store.id)
    assert [b.id for b, _e in incoming_batches(db, w.seller)] == [batch.id]
    _record(db, setup, "receiving", who=w.seller, event_time=_ago(1), place_id=store.id, quantity=1000.0,
            quantity_unit="piece")
    received = trace_events.batch_events(db, batch)[-1]
    assert received.biz_step == "receiving" and received.owner_id == w.shop.id
    with pytest.raises(NotFound):  # it records receiving and storing only; the batch is not its own to see
        _record(db, setup, "commissioning", who=w.seller, place_id=store.id)


def test_a_transformation_turns_raw_lots_into_this_lot(db, setup):
    w, batch, dryer, _store = setup
    raw = w.product(db, gtin=RAW_GTIN, name_vi="Hồi tươi", net_quantity=None, net_unit="")
    fresh = w.batch(db, raw, lot="TUOI-01", quantity=4000.0, quantity_unit="kg")
    _record(db, setup, "transformation", input_1_batch_id=fresh.id, input_1_quantity=4000.0, input_1_unit="kg",
            quantity=1000.0, quantity_unit="kg")
    row = trace_events.batch_events(db, batch)[0]
    assert row.event_type == "TransformationEvent"
    assert {(link.batch_id, link.role) for link in row.batches} == {(fresh.id, "input"), (batch.id, "output")}
    assert_schema_valid(trace_events.batch_document(db, fresh))


@pytest.mark.parametrize(("given", "field", "words"), [
    ({"event_time": "2999-01-01T08:00"}, "event_time", "in the future"),
    ({"event_time": "hôm qua"}, "event_time", "not a date and time"),
    ({"quantity": 5.0, "quantity_unit": "L"}, "quantity_unit", "not one goods are measured in"),
    ({"quantity": 5.0}, "quantity_unit", "required"),
    ({"step": "shipping"}, "destination_id", "Choose the place"),
    ({"step": "packing", "sscc": "106141411234567890"}, "sscc", "Check digit"),
    ({"step": "transformation"}, "input_1_batch_id", "at least one input"),
])
def test_bad_input_names_the_field_and_records_nothing(db, setup, given, field, words):
    _w, batch, _dryer, _store = setup
    with pytest.raises(ValidationError) as exc:
        _record(db, setup, "commissioning" if "step" not in given else given.pop("step"), **given)
    assert words in exc.value.errors[field]
    assert trace_events.batch_events(db, batch) == []


def test_an_erroneous_event_is_declared_with_its_corrective_event_and_nothing_is_deleted(db, setup):
    """EPCIS 2.0 §7.4.1.5: the erroneous event again with errorDeclaration naming correctiveEventIDs."""
    w, batch, dryer, _store = setup
    _record(db, setup, "storing", quantity=2000.0, quantity_unit="piece")
    wrong = trace_events.batch_events(db, batch)[0]
    declare(db, w.farmer, wrong.id, DeclareError(reason="incorrect_data", step="storing", event_time=_ago(4),
                                                 place_id=dryer.id, quantity=1800.0, quantity_unit="piece"))
    rows = trace_events.batch_events(db, batch)
    assert len(rows) == 3 and sum(r.error_declared for r in rows) == 1
    declaration = next(r for r in rows if r.error_declared)
    assert declaration.event_id == wrong.event_id
    fix = next(r for r in rows if not r.error_declared and r.id != wrong.id)
    assert declaration.document["errorDeclaration"]["correctiveEventIDs"] == [fix.event_id]
    line = next(line for line in batch_timeline(db, batch) if line.event.id == wrong.id)
    assert line.reason == "incorrect_data" and line.corrective == [fix]
    assert_schema_valid(trace_events.batch_document(db, batch))
    with pytest.raises(NotFound):  # declared once only
        declare(db, w.farmer, declaration.id, DeclareError(reason="did_not_occur"))


def test_only_the_recorder_declares_an_error(db, setup):
    w, batch, _dryer, _store = setup
    _record(db, setup, "storing")
    row = trace_events.batch_events(db, batch)[0]
    with pytest.raises(PermissionDenied):
        declare(db, w.seller, row.id, DeclareError(reason="did_not_occur"))


def test_the_lab_records_an_inspecting_event_from_an_approved_record(db, setup, lab):
    """The record is linked as a testres business transaction; its verdict pass is disposition conformant."""
    w, batch, _dryer, _store = setup
    record = Record(number="BB-2025-0001", instrument_id=lab.instruments["scale"].id,
                    procedure_id=lab.procedures["r76"].id, kind="verification", technician_id=lab.users["tech"].id,
                    status="approved", verdict="pass")
    db.add(record)
    db.flush()
    record_inspection(db, lab.users["tech"], record.id, RecordInspection(batch_id=batch.id))
    row = db.scalars(select(TraceEvent).where(TraceEvent.biz_step == "inspecting")).one()
    assert (row.record_id, row.verdict, row.owner_id) == (record.id, "conformant", lab.lab.id)
    assert row.document["bizTransactionList"] == [{"type": "testres",
                                                   "bizTransaction": trace_events.record_uri(record.id)}]
    assert_schema_valid(trace_events.batch_document(db, batch))
    with pytest.raises(PermissionDenied):
        record_inspection(db, w.farmer, record.id, RecordInspection(batch_id=batch.id))
    draft = Record(number="BB-2025-0002", instrument_id=lab.instruments["scale"].id,
                   procedure_id=lab.procedures["r76"].id, kind="verification", technician_id=lab.users["tech"].id)
    db.add(draft)
    db.flush()
    with pytest.raises(ValidationError) as exc:
        record_inspection(db, lab.users["tech"], draft.id, RecordInspection(batch_id=batch.id))
    assert "record_id" in exc.value.errors
