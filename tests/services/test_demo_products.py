"""The demo's products (issue 13 part 2, "Demo"): two local products of the two demo businesses with
places (one by GLN, one by a local identifier), batches, a transformation of raw-material lots, shipping
from one business and receiving at the other, an inspecting event linked to a lab record, and an event
declared erroneous with its corrective event; every batch's EPCIS document valid against GS1's schema."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lims.models import Batch, Product, TraceEvent, TraceLocation
from lims.services import trace_events
from lims.services.demo import seed_demo
from lims.services.demo_products import ANISE_GTIN, ANISE_LOT, TEA_GTIN, TEA_LOT, seed_products
from tests.traceability.epcis_reference import assert_schema_valid
from traceability.gs1 import gtin


@pytest.fixture
def demo(db, ctx):
    context = seed_demo(db, "demo-password-1")
    db.commit()
    return context


def _batch(db, gtin13: str, lot: str) -> Batch:
    return db.scalar(select(Batch).join(Product).where(Product.gtin == "0" + gtin13, Batch.lot == lot))


def test_two_products_of_the_two_businesses_and_every_batch_document_valid(db, demo):
    anise = db.scalar(select(Product).where(Product.gtin == "0" + ANISE_GTIN))
    tea = db.scalar(select(Product).where(Product.gtin == "0" + TEA_GTIN))
    assert {anise.owner_id, tea.owner_id} == {b.id for b in demo.businesses}
    for p in (anise, tea):
        assert p.gtin[1:4] == "893" and gtin(p.gtin).gtin14 == p.gtin  # the check digit is right
    assert (anise.net_quantity, anise.net_unit) == (500, "g")
    places = list(db.scalars(select(TraceLocation)))
    assert any(p.gln for p in places) and any(p.local_id and not p.gln for p in places)
    for batch in db.scalars(select(Batch)):
        document = trace_events.batch_document(db, batch)
        assert document["epcisBody"]["eventList"], batch.lot
        assert_schema_valid(document)


def test_the_star_anise_story(db, demo):
    """Fresh lots → TransformationEvent → dried lot; stored, packed, shipped by the cooperative,
    received and stored by the trading company, inspected by the lab with the record's verdict."""
    anise = _batch(db, ANISE_GTIN, ANISE_LOT)
    rows = trace_events.batch_events(db, anise)
    assert [r.biz_step for r in rows] == ["commissioning", "storing", "packing", "shipping", "receiving",
                                          "storing", "inspecting"]
    transformation = rows[0]
    assert transformation.event_type == "TransformationEvent"
    inputs = [link.batch for link in transformation.batches if link.role == "input"]
    assert len(inputs) == 2 and all(b.product.net_unit == "" for b in inputs)
    shipping, receiving = rows[3], rows[4]
    assert shipping.owner_id == anise.product.owner_id and receiving.owner_id != shipping.owner_id
    destination = shipping.document["destinationList"][0]["destination"]
    assert destination == receiving.biz_location
    inspecting = rows[-1]
    assert inspecting.record is not None and inspecting.record.status == "approved"
    assert inspecting.verdict == "conformant"


def test_the_tea_has_an_event_declared_erroneous_with_its_corrective_event_and_seeding_again_adds_nothing(db, demo):
    tea = _batch(db, TEA_GTIN, TEA_LOT)
    rows = trace_events.batch_events(db, tea)
    declaration = next(r for r in rows if r.error_declared)
    assert declaration.document["errorDeclaration"]["reason"] == "incorrect_data"
    (fix_id,) = declaration.document["errorDeclaration"]["correctiveEventIDs"]
    fix = next(r for r in rows if r.event_id == fix_id)
    assert [link.quantity for link in fix.batches] == [600.0]
    assert len(trace_events.batch_events(db, tea, include_errors=False)) == 2
    count = db.scalar(select(func.count()).select_from(TraceEvent))
    seed_products(db, demo)
    assert db.scalar(select(func.count()).select_from(TraceEvent)) == count
