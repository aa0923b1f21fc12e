"""The API of products, batches and places (issue 13 part 2): list with X-Total-Count, get, create,
correct; 422 naming the field, 409 on a stale version, 404 for another business's, 403 for a reader's write."""
from __future__ import annotations

import pytest

from tests.services.trace_support import STAR_ANISE_GTIN, TEA_GTIN, make_world


@pytest.fixture
def w(db, make_user):
    return make_world(db, make_user)


def _product(client, headers, **given):
    data = {"gtin": STAR_ANISE_GTIN, "name_vi": "Hoa hồi khô Lạng Sơn", "net_quantity": 500, "net_unit": "g"} | given
    return client.post("/api/v1/products", json=data, headers=headers)


def test_a_business_registers_lists_and_reads_its_product(client, w, token_for):
    h = token_for(w.farmer)
    resp = _product(client, h)
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert body["gtin"] == "0" + STAR_ANISE_GTIN and body["owner_id"] == w.farm.id and body["version_id"] == 1
    assert body["digital_link"].endswith(f"/01/0{STAR_ANISE_GTIN}")
    listed = client.get("/api/v1/products?q=h%E1%BB%93i", headers=h)
    assert listed.status_code == 200 and listed.headers["X-Total-Count"] == "1"
    assert client.get(f"/api/v1/products/{body['id']}", headers=h).json["name_vi"] == "Hoa hồi khô Lạng Sơn"


def test_a_wrong_check_digit_is_422_naming_gtin(client, w, token_for):
    resp = _product(client, token_for(w.farmer), gtin="8935123400016")
    assert resp.status_code == 422
    message = resp.json["detail"]["fields"]["gtin"]  # in Vietnamese, the default language
    assert "2" in message and "6" in message and message != "Check digit should be 2, not 6."


def test_the_error_is_in_english_when_asked(client, w, token_for):
    resp = client.post("/api/v1/products?lang=en", json={"gtin": "8935123400016", "name_vi": "X"},
                       headers=token_for(w.farmer))
    assert resp.status_code == 422 and resp.json["detail"]["fields"]["gtin"] == "Check digit should be 2, not 6."
    assert resp.json["error"].startswith("GTIN: ")


def test_a_json_type_mismatch_is_422(client, w, token_for):
    resp = _product(client, token_for(w.farmer), net_quantity="500")
    assert resp.status_code == 422 and "net_quantity" in resp.json["detail"]["fields"]


def test_another_business_gets_404_and_a_reader_403(client, w, token_for):
    pid = _product(client, token_for(w.farmer)).json["id"]
    other = token_for(w.seller)
    assert client.get(f"/api/v1/products/{pid}", headers=other).status_code == 404
    assert client.patch(f"/api/v1/products/{pid}", json={"version_id": 1, "name_en": "x"},
                        headers=other).status_code == 404
    assert client.get("/api/v1/products", headers=other).headers["X-Total-Count"] == "0"
    inspector = token_for(w.inspector)
    assert client.get(f"/api/v1/products/{pid}", headers=inspector).status_code == 200
    assert client.patch(f"/api/v1/products/{pid}", json={"version_id": 1, "name_en": "x"},
                        headers=inspector).status_code == 403
    assert _product(client, inspector, gtin=TEA_GTIN, owner_id=w.farm.id).status_code == 403


def test_a_stale_version_is_409(client, w, token_for):
    h = token_for(w.farmer)
    pid = _product(client, h).json["id"]
    ok = client.patch(f"/api/v1/products/{pid}", json={"version_id": 1, "category": "spice"}, headers=h)
    assert ok.status_code == 200 and ok.json["version_id"] == 2
    stale = client.patch(f"/api/v1/products/{pid}", json={"version_id": 1, "category": "tea"}, headers=h)
    assert stale.status_code == 409 and stale.json["detail"]["current_version_id"] == 2


def test_disclosure_is_set_through_the_product(client, w, token_for):
    h = token_for(w.farmer)
    pid = _product(client, h).json["id"]
    resp = client.patch(f"/api/v1/products/{pid}", json={"version_id": 1, "disclosure": {"partners": True}},
                        headers=h)
    assert resp.status_code == 200 and resp.json["disclosure"] == {"partners": True}


def test_batches_created_listed_and_refused_with_the_field(client, w, token_for):
    h = token_for(w.farmer)
    pid = _product(client, h).json["id"]
    resp = client.post("/api/v1/batches", json={"product_id": pid, "lot": "HOI-2025-01", "production_date":
                                                "2025-10-02", "expiry_date": "2027-10-02", "quantity": 2000,
                                                "quantity_unit": "piece"}, headers=h)
    assert resp.status_code == 201, resp.json
    assert resp.json["digital_link"].endswith(f"/01/0{STAR_ANISE_GTIN}/10/HOI-2025-01")
    listed = client.get(f"/api/v1/batches?product_id={pid}", headers=h)
    assert listed.headers["X-Total-Count"] == "1" and listed.json[0]["lot"] == "HOI-2025-01"
    bad = client.post("/api/v1/batches?lang=en", json={"product_id": pid, "lot": "HOI-2", "production_date":
                                                       "2025-10-02", "expiry_date": "2025-09-01",
                                                       "quantity": 5, "quantity_unit": "L"}, headers=h)
    assert bad.status_code == 422
    assert set(bad.json["detail"]["fields"]) == {"expiry_date", "quantity_unit"}
    bid = resp.json["id"]
    assert client.get(f"/api/v1/batches/{bid}", headers=token_for(w.seller)).status_code == 404
    patched = client.patch(f"/api/v1/batches/{bid}", json={"quantity": 1800}, headers=h)
    assert patched.status_code == 200 and patched.json["quantity"] == 1800


def test_places_created_with_a_generated_identifier_and_withdrawn(client, w, token_for):
    h = token_for(w.farmer)
    resp = client.post("/api/v1/trace-locations", json={"name": "Xưởng sấy Lộc Bình"}, headers=h)
    assert resp.status_code == 201 and resp.json["local_id"] == "LOC-001" and resp.json["gln"] is None
    lid = resp.json["id"]
    bad = client.post("/api/v1/trace-locations", json={"name": "Kho", "gln": "9506000164907"}, headers=h)
    assert bad.status_code == 422 and "gln" in bad.json["detail"]["fields"]
    off = client.patch(f"/api/v1/trace-locations/{lid}", json={"active": False}, headers=h)
    assert off.status_code == 200 and off.json["active"] is False
    listed = client.get("/api/v1/trace-locations?active=false", headers=h)
    assert listed.headers["X-Total-Count"] == "1"
    assert client.get(f"/api/v1/trace-locations/{lid}", headers=token_for(w.seller)).status_code == 404


def test_an_admin_names_the_business(client, w, token_for):
    h = token_for(w.admin)
    assert "owner_id" in _product(client, h).json["detail"]["fields"]
    resp = _product(client, h, owner_id=w.shop.id)
    assert resp.status_code == 201 and resp.json["owner_name"] == w.shop.name
