"""Products, batches and places of businesses (issue 13 part 2, "Model" and "Who"): each rule with its
message naming the field, nothing written when refused; who may do what; optimistic locking; audit."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lims.errors import Conflict, NotFound, PermissionDenied, ValidationError
from lims.models import AuditEvent, Batch, Product, TraceLocation
from lims.services import batches, products, trace_locations
from lims.services.listing import Page
from tests.services.trace_support import RAW_GTIN, STAR_ANISE_GTIN, TEA_GTIN, make_world

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def w(db, make_user):
    return make_world(db, make_user)


def _count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def _refused(db, call, field, model=Product):
    db.commit()
    rows, events = _count(db, model), _count(db, AuditEvent)
    with pytest.raises(ValidationError) as exc:
        call()
    db.rollback()
    assert field in exc.value.errors, exc.value.errors
    assert _count(db, model) == rows and _count(db, AuditEvent) == events
    return exc.value.errors[field]


# ---------------------------------------------------------------- products


def test_a_gtin_13_is_stored_as_gtin_14_and_audited(db, w):
    """GS1 General Specifications 7.9: GTIN-13 8935123400012 padded to 14 digits; its business owns it."""
    p = w.product(db)
    assert p.gtin == "0" + STAR_ANISE_GTIN and p.owner_id == w.farm.id and p.net_unit == "g"
    ev = db.scalars(select(AuditEvent).where(AuditEvent.action == "product.create")).one()
    assert ev.entity_id == str(p.id) and ev.after["gtin"] == p.gtin


def test_a_wrong_check_digit_is_refused_naming_the_right_one(db, w):
    """GS1 modulo 10: the check digit of 893512340001 is 2, not 6."""
    msg = _refused(db, lambda: w.product(db, gtin="8935123400016"), "gtin")
    assert msg == "Check digit should be 2, not 6."


def test_a_gtin_is_unique_in_every_written_length(db, w):
    w.product(db)
    msg = _refused(db, lambda: w.product(db, w.seller, gtin="0" + STAR_ANISE_GTIN), "gtin")
    assert "registered already" in msg and "Hoa hồi" in msg


@pytest.mark.parametrize(("given", "field", "words"), [
    ({"net_quantity": 0.0}, "net_quantity", "greater than zero"),
    ({"net_quantity": -5.0}, "net_quantity", "greater than zero"),
    ({"net_unit": "bar"}, "net_unit", "not one goods are measured in"),
    ({"net_unit": ""}, "net_unit", "required"),
    ({"net_quantity": None}, "net_quantity", "or neither"),
])
def test_a_net_quantity_is_positive_in_a_mass_volume_or_length_unit(db, w, given, field, words):
    from lims.services.inputs import parse

    def call():
        data = {"gtin": TEA_GTIN, "name_vi": "Trà", "net_quantity": 100.0, "net_unit": "g"} | given
        return products.create_product(db, w.farmer, parse(products.NewProduct, data))
    assert words in _refused(db, call, field)


def test_a_net_quantity_may_be_left_out_for_goods_sold_loose(db, w):
    p = w.product(db, gtin=RAW_GTIN, name_vi="Hồi tươi", net_quantity=None, net_unit="")
    assert p.net_quantity is None and p.net_unit == ""


def test_a_business_registers_only_for_itself(db, w):
    with pytest.raises(PermissionDenied):
        w.product(db, w.farmer, owner_id=w.shop.id)
    assert _count(db, Product) == 0


def test_an_admin_names_the_business_and_the_lab_staff_register_nothing(db, w):
    assert "required" in _refused(db, lambda: w.product(db, w.admin), "owner_id")
    p = w.product(db, w.admin, owner_id=w.shop.id)
    assert p.owner_id == w.shop.id
    for who in (w.technician, w.inspector):
        with pytest.raises(PermissionDenied):
            w.product(db, who, gtin=TEA_GTIN, owner_id=w.shop.id)


def test_staff_and_inspectors_read_all_a_business_only_its_own(db, w):
    p = w.product(db)
    for who in (w.admin, w.technician, w.inspector, w.farmer):
        assert products.get_product(db, who, p.id) is p
    with pytest.raises(NotFound):
        products.get_product(db, w.seller, p.id)
    found = products.search_products(db, w.seller, products.ProductFilter(), limit=50, offset=0)
    assert isinstance(found, Page) and found.rows == []
    assert products.search_products(db, w.inspector, products.ProductFilter(q="hồi"), limit=50, offset=0).rows == [p]


def test_a_correction_needs_the_version_read_and_audits_the_changed_fields(db, w):
    p = w.product(db)
    version = p.version_id
    change = products.product_change(p, {"version_id": version, "name_en": "Dried star anise"})
    products.update_product(db, w.farmer, p.id, change)
    assert p.name_en == "Dried star anise" and p.version_id == version + 1
    ev = db.scalars(select(AuditEvent).where(AuditEvent.action == "product.update")).one()
    assert ev.before == {"name_en": "Lang Son dried star anise"} and ev.after == {"name_en": "Dried star anise"}
    stale = products.product_change(p, {"version_id": version, "category": "tea"})
    with pytest.raises(Conflict):
        products.update_product(db, w.farmer, p.id, stale)


def test_another_business_cannot_correct_a_product_it_cannot_see(db, w):
    p = w.product(db)
    change = products.product_change(p, {"version_id": p.version_id, "name_vi": "X"})
    with pytest.raises(NotFound):
        products.update_product(db, w.seller, p.id, change)
    with pytest.raises(PermissionDenied):
        products.update_product(db, w.inspector, p.id, change)


def test_withdrawing_a_product_refuses_new_batches(db, w):
    p = w.product(db)
    products.update_product(db, w.farmer, p.id, products.product_change(p, {"version_id": p.version_id,
                                                                            "active": False}))
    assert db.scalars(select(AuditEvent.action).where(AuditEvent.action.like("product.%"))).all()[-1] == \
        "product.withdraw"
    assert "withdrawn" in _refused(db, lambda: w.batch(db, p), "product_id", Batch)


def test_the_gtin_is_fixed_once_a_batch_exists(db, w):
    p = w.product(db)
    w.batch(db, p)
    change = products.product_change(p, {"version_id": p.version_id, "gtin": TEA_GTIN})
    assert "can no longer be changed" in _refused(db, lambda: products.update_product(db, w.farmer, p.id, change),
                                                  "gtin")


def test_disclosure_keeps_only_what_differs_from_the_defaults(db, w):
    """docs/traceability.md: partners' names hidden, the rest shown, unless the business says otherwise."""
    p = w.product(db)
    change = products.product_change(p, {"version_id": p.version_id,
                                         "disclosure": {"partners": True, "dates": True, "places": False}})
    products.update_product(db, w.farmer, p.id, change)
    assert p.disclosure == {"partners": True, "places": False}
    ev = db.scalars(select(AuditEvent).where(AuditEvent.action == "product.disclosure")).one()
    assert ev.after == {"disclosure": {"partners": True, "places": False}}
    bad = products.product_change(p, {"version_id": p.version_id, "disclosure": {"owner": True}})
    assert "Must be one of" in _refused(db, lambda: products.update_product(db, w.farmer, p.id, bad),
                                        "disclosure.owner")


# ---------------------------------------------------------------- batches


def test_a_batch_of_packages_is_counted_and_audited(db, w):
    b = w.batch(db, w.product(db))
    assert (b.lot, b.quantity, b.quantity_unit) == ("HOI-2025-01", 2000.0, "piece")
    assert db.scalars(select(AuditEvent.action).where(AuditEvent.action == "batch.create")).one()


@pytest.mark.parametrize(("given", "field", "words"), [
    ({"lot": "HỒI-01"}, "lot", "not in GS1 character set 82"),  # GS1 General Specifications 7.11
    ({"lot": "LOT 01"}, "lot", "not in GS1 character set 82"),
    ({"expiry_date": date(2025, 10, 1)}, "expiry_date", "comes before the production date (2025-10-02)"),
    ({"production_date": date.today() + timedelta(days=3)}, "production_date", "in the future"),
    ({"quantity_unit": "L"}, "quantity_unit", "not one goods are measured in"),
    ({"quantity_unit": "bar"}, "quantity_unit", "not one goods are measured in"),
    ({"quantity_unit": ""}, "quantity_unit", "required"),
    ({"quantity": 0.0}, "quantity", "greater than zero"),
])
def test_batch_rules(db, w, given, field, words):
    p = w.product(db)
    assert words in _refused(db, lambda: w.batch(db, p, **given), field, Batch)


def test_a_lot_is_at_most_20_characters(db, w):
    """GS1 AI (10) is X..20."""
    from lims.services.inputs import parse

    p = w.product(db)
    data = {"product_id": p.id, "lot": "L" * 21}
    assert "20" in _refused(db, lambda: batches.create_batch(db, w.farmer, parse(batches.NewBatch, data)), "lot",
                            Batch)


def test_a_lot_is_unique_per_product_not_across_products(db, w):
    p = w.product(db)
    w.batch(db, p)
    assert "already" in _refused(db, lambda: w.batch(db, p), "lot", Batch)
    tea = w.product(db, w.seller, gtin=TEA_GTIN, name_vi="Trà", net_quantity=100.0, net_unit="g")
    assert w.batch(db, tea, w.seller).lot == "HOI-2025-01"


def test_a_batch_in_kilograms_fits_a_product_in_grams(db, w):
    b = w.batch(db, w.product(db), quantity=1000.0, quantity_unit="kg")
    assert b.quantity_unit == "kg"


def test_a_batch_of_another_business_is_neither_made_nor_seen(db, w):
    p = w.product(db)
    b = w.batch(db, p)
    with pytest.raises(ValidationError):  # the product is not found for it
        w.batch(db, p, w.seller, lot="X1")
    with pytest.raises(NotFound):
        batches.get_batch(db, w.seller, b.id)
    assert batches.get_batch(db, w.inspector, b.id) is b
    assert batches.search_batches(db, w.seller, batches.BatchFilter(), limit=10, offset=0).rows == []


def test_the_place_of_production_is_one_of_the_business_s_own(db, w):
    p = w.product(db)
    other = w.place(db, w.seller, name="Kho Đồng Đăng")
    assert "No place" in _refused(db, lambda: w.batch(db, p, location_id=other.id), "location_id", Batch)
    own = w.place(db)
    assert w.batch(db, p, location_id=own.id).location_id == own.id


def test_a_batch_correction_audits_what_changed(db, w):
    b = w.batch(db, w.product(db))
    batches.update_batch(db, w.farmer, b.id, batches.batch_change(b, {"expiry_date": "2027-12-31"}))
    assert b.expiry_date == date(2027, 12, 31)
    ev = db.scalars(select(AuditEvent).where(AuditEvent.action == "batch.update")).one()
    assert ev.after == {"expiry_date": "2027-12-31"}


# ---------------------------------------------------------------- places


def test_a_place_without_gln_gets_a_generated_local_identifier(db, w):
    a, b = w.place(db), w.place(db, name="Kho 2")
    assert (a.local_id, b.local_id, a.gln) == ("LOC-001", "LOC-002", None)


def test_a_gln_is_checked_and_unique(db, w):
    """GLN 9506000164908 (GS1's example) is valid; 9506000164907 is not."""
    assert w.place(db, gln="9506000164908").gln == "9506000164908"
    assert "Check digit" in _refused(db, lambda: w.place(db, name="B", gln="9506000164907"), "gln",
                                     TraceLocation)
    assert "another place" in _refused(db, lambda: w.place(db, w.seller, name="C", gln="9506000164908"), "gln",
                                       TraceLocation)


@pytest.mark.parametrize(("given", "field"), [({"local_id": "kho 1"}, "local_id"),
                                              ({"local_id": "LOC-001"}, "local_id"),
                                              ({"name": "Xưởng sấy Lộc Bình"}, "name")])
def test_a_place_name_and_local_identifier_are_unique_in_the_business(db, w, given, field):
    w.place(db)
    _refused(db, lambda: w.place(db, **({"name": "Other"} | given)), field, TraceLocation)


def test_another_business_may_use_the_same_name_and_identifier(db, w):
    w.place(db, local_id="KHO-1")
    assert w.place(db, w.seller, local_id="KHO-1").owner_id == w.shop.id


def test_withdrawing_a_place_refuses_it_for_new_batches(db, w):
    place = w.place(db)
    trace_locations.update_location(db, w.farmer, place.id, trace_locations.location_change(place, {"active": False}))
    assert db.scalars(select(AuditEvent.action).where(AuditEvent.action == "trace_location.withdraw")).one()
    p = w.product(db)
    assert "no longer in use" in _refused(db, lambda: w.batch(db, p, location_id=place.id), "location_id", Batch)


def test_a_place_s_identifier_is_fixed_once_a_batch_was_produced_there(db, w):
    place = w.place(db)
    w.batch(db, w.product(db), location_id=place.id)
    change = trace_locations.location_change(place, {"local_id": "NEW-1"})
    assert "can no longer be changed" in _refused(
        db, lambda: trace_locations.update_location(db, w.farmer, place.id, change), "local_id", TraceLocation)


def test_places_are_read_by_staff_and_their_business_only(db, w):
    place = w.place(db)
    assert trace_locations.get_location(db, w.inspector, place.id) is place
    with pytest.raises(NotFound):
        trace_locations.get_location(db, w.seller, place.id)
    with pytest.raises(PermissionDenied):
        trace_locations.update_location(db, w.technician, place.id,
                                        trace_locations.location_change(place, {"name": "X"}))
