"""The pages of products, batches, places and event recording (issue 13 part 2, "Who": a business on
its own products' pages, the lab and inspectors read everything), in Vietnamese and English."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from lims.config import time_zone
from lims.models import Product, Record, TraceEvent
from lims.services import trace_events
from lims.services.trace_recording import NewEvent, record_event
from tests.services.trace_support import STAR_ANISE_GTIN, make_world


@pytest.fixture
def w(db, make_user):
    return make_world(db, make_user)


@pytest.fixture
def stocked(db, w):
    product = w.product(db)
    place = w.place(db)
    store = w.place(db, w.seller, name="Kho Đồng Đăng")
    batch = w.batch(db, product, location_id=place.id)
    db.commit()
    return product, batch, place, store


def _ago(hours: float) -> str:
    return (datetime.now(time_zone()) - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def _csrf(client, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize(("lang", "words"), [("vi", ("Sản phẩm", "Lô")), ("en", ("Products", "Batches"))])
def test_a_business_reads_its_product_and_batch_in_both_languages(client, login, w, stocked, lang, words):
    product, batch, _place, _store = stocked
    login("dn.farm")
    listing = client.get(f"/products?lang={lang}").get_data(as_text=True)
    assert words[0] in listing and product.name(lang) in listing and "0" + STAR_ANISE_GTIN in listing
    page = client.get(f"/products/{product.id}").get_data(as_text=True)
    assert batch.lot in page and f"/01/0{STAR_ANISE_GTIN}" in page and 'id="edit-product"' in page
    batch_page = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert 'id="record-event"' in batch_page and f"/01/0{STAR_ANISE_GTIN}/10/{batch.lot}" in batch_page
    expected = "2.000" if lang == "vi" else "2,000"  # the quantity produced as the page's language writes it
    assert expected in batch_page


def test_another_business_gets_404_and_the_inspector_reads_without_buttons(client, login, w, stocked):
    product, batch, _place, _store = stocked
    login("dn.shop")
    assert client.get(f"/products/{product.id}").status_code == 404
    assert client.get(f"/batches/{batch.id}").status_code == 404
    assert client.get(f"/products/{product.id}/edit").status_code == 404
    client.post("/logout")
    login("thanhtra")
    page = client.get(f"/batches/{batch.id}?lang=en").get_data(as_text=True)
    assert "HOI-2025-01" in page and 'id="record-event"' not in page and 'id="edit-batch"' not in page
    assert client.get(f"/products/{product.id}/edit").status_code == 403


def test_a_product_form_names_the_wrong_field_and_saves_nothing(client, login, db, w):
    login("dn.farm")
    token = _csrf(client, "/products/new?lang=en")
    resp = client.post("/products/new", data={"csrf_token": token, "gtin": "8935123400016", "name_vi": "Trà",
                                              "net_quantity": "100", "net_unit": "g"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Check digit should be 2, not 6." in html
    assert db.scalar(select(Product.id)) is None
    ok = client.post("/products/new", data={"csrf_token": token, "gtin": STAR_ANISE_GTIN, "name_vi": "Hoa hồi",
                                            "net_quantity": "500", "net_unit": "g"})
    assert ok.status_code == 302 and "/products/" in ok.headers["Location"]


def test_a_vietnamese_number_is_read_with_its_decimal_comma(client, login, db, w):
    login("dn.farm")
    token = _csrf(client, "/products/new?lang=vi")
    resp = client.post("/products/new", data={"csrf_token": token, "gtin": STAR_ANISE_GTIN, "name_vi": "Hoa hồi",
                                              "net_quantity": "0,5", "net_unit": "kg"})
    assert resp.status_code == 302
    assert db.scalar(select(Product.net_quantity)) == 0.5


def test_disclosure_settings_state_the_defaults_and_save(client, login, db, w, stocked):
    product, _batch, _place, _store = stocked
    login("dn.farm")
    url = f"/products/{product.id}/disclosure?lang=en"
    html = client.get(url).get_data(as_text=True)
    assert "By default: hidden" in html and "By default: shown" in html
    token = _csrf(client, url)
    form = {"csrf_token": token, "version_id": str(product.version_id), "product": "1", "lot": "1", "dates": "1",
            "inspections": "1", "places": "1", "partners": "1"}
    assert client.post(url, data=form).status_code == 302
    db.expire_all()
    assert db.get(Product, product.id).disclosure == {"partners": True}


def test_recording_a_storing_event_from_the_form(client, login, db, w, stocked):
    _product, batch, place, _store = stocked
    login("dn.farm")
    url = f"/batches/{batch.id}/record?step=storing&lang=en"
    token = _csrf(client, url)
    bad = client.post(url, data={"csrf_token": token, "event_time": "2999-01-01T08:00", "place_id": str(place.id)})
    assert bad.status_code == 422 and "in the future" in bad.get_data(as_text=True)
    ok = client.post(url, data={"csrf_token": token, "event_time": _ago(2), "place_id": str(place.id),
                                "quantity": "1000", "quantity_unit": "piece"})
    assert ok.status_code == 302
    row = db.scalars(select(TraceEvent)).one()
    assert row.biz_step == "storing" and row.document["quantityList"][0]["quantity"] == 1000
    page = client.get(f"/batches/{batch.id}?lang=en").get_data(as_text=True)
    assert 'data-step="storing"' in page and "Declare erroneous" in page


def test_declaring_an_event_erroneous_strikes_it_through_with_links_to_its_replacement(client, login, db, w,
                                                                                        stocked):
    _product, batch, place, _store = stocked
    record_event(db, w.farmer, batch.id, NewEvent(step="storing", event_time=_ago(5), place_id=place.id))
    db.commit()
    row = db.scalars(select(TraceEvent)).one()
    login("dn.farm")
    url = f"/trace-events/{row.id}/declare?lang=en"
    token = _csrf(client, url)
    resp = client.post(url, data={"csrf_token": token, "reason": "incorrect_data", "event_time": _ago(4),
                                  "place_id": str(place.id), "quantity": "1800", "quantity_unit": "piece"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    page = client.get(f"/batches/{batch.id}?lang=en").get_data(as_text=True)
    assert 'data-declared="yes"' in page and "<del>" in page and "its data were wrong" in page
    fix = db.scalars(select(TraceEvent).where(TraceEvent.error_declared.is_(False), TraceEvent.id != row.id)).one()
    assert f'href="#event-{fix.id}"' in page


def test_the_partner_records_receiving_from_its_incoming_goods(client, login, db, w, stocked):
    _product, batch, place, store = stocked
    record_event(db, w.farmer, batch.id, NewEvent(step="shipping", event_time=_ago(5), place_id=place.id,
                                                  destination_id=store.id))
    db.commit()
    login("dn.shop")
    incoming = client.get("/incoming?lang=en").get_data(as_text=True)
    assert batch.lot in incoming and f"/batches/{batch.id}/record?step=receiving" in incoming
    url = f"/batches/{batch.id}/record?step=receiving&lang=en"
    token = _csrf(client, url)
    resp = client.post(url, data={"csrf_token": token, "event_time": _ago(1), "place_id": str(store.id)})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/incoming")
    assert [e.biz_step for e in trace_events.batch_events(db, batch)] == ["shipping", "receiving"]


def test_places_list_and_form(client, login, db, w):
    login("dn.farm")
    token = _csrf(client, "/places/new?lang=en")
    bad = client.post("/places/new", data={"csrf_token": token, "name": "Kho", "gln": "9506000164907"})
    assert bad.status_code == 422 and "Check digit" in bad.get_data(as_text=True)
    assert client.post("/places/new", data={"csrf_token": token, "name": "Kho 1"}).status_code == 302
    assert "LOC-001" in client.get("/places").get_data(as_text=True)


def test_the_lab_records_an_inspecting_event_from_an_approved_record(client, login, db, w, stocked, lab):
    _product, batch, _place, _store = stocked
    record = Record(number="BB-2025-0001", instrument_id=lab.instruments["scale"].id,
                    procedure_id=lab.procedures["r76"].id, kind="verification", technician_id=lab.users["tech"].id,
                    status="approved", verdict="pass")
    db.add(record)
    db.commit()
    login("tech")
    assert f"/records/{record.id}/inspecting" in client.get(f"/records/{record.id}").get_data(as_text=True)
    url = f"/records/{record.id}/inspecting?lang=en"
    html = client.get(url).get_data(as_text=True)
    assert "conformant" in html and batch.lot in html
    token = _csrf(client, url)
    resp = client.post(url, data={"csrf_token": token, "batch_id": str(batch.id), "event_time": _ago(1)})
    assert resp.status_code == 302
    page = client.get(f"/batches/{batch.id}?lang=en").get_data(as_text=True)
    assert 'data-verdict="conformant"' in page and "BB-2025-0001" in page
