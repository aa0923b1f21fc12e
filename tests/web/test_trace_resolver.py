"""The GS1 Digital Link resolver at the root: redirects, linkset, EPCIS answer, refusals
(GS1-Conformant Resolver standard 1.2; RFC 9264 linksets; EPCIS 2.0 JSON-LD)."""
from __future__ import annotations

import html
from urllib.parse import urlsplit

import pytest

from lims.models import Batch
from tests.services.trace_public_factory import ANISE_GTIN, ERRONEOUS_ID, LOT, PARTNER, make_trace
from tests.traceability.epcis_reference import assert_schema_valid

VOC = "https://gs1.org/voc/"
# The resolver and its pages read on a kept connection of their own (lims.web.public_reads.read_kept),
# as the certificate check page does: they see committed data only.
pytestmark = pytest.mark.committed


@pytest.fixture
def world(db):
    return make_trace(db)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_resolver_standard_a_plain_request_is_307_to_the_batch_page_with_a_link_header_naming_the_linkset(
        client, world):
    resp = client.get(world.path)
    assert resp.status_code == 307
    assert _path(resp.headers["Location"]) == f"/trace/01/{ANISE_GTIN}/10/{LOT}"
    link = resp.headers["Link"]
    assert f"/01/{ANISE_GTIN}/10/{LOT}?linkType=all>; rel=\"linkset\"; type=\"application/linkset+json\"" in link
    assert f'rel="{VOC}pip"' in link and f'rel="{VOC}epcis"' in link
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    page = client.get(_path(resp.headers["Location"]))
    assert page.status_code == 200 and "Hoa hồi khô Văn Quan" in page.get_data(as_text=True)


def test_resolver_standard_head_answers_like_get_without_a_body(client, world):
    resp = client.head(world.path)
    assert resp.status_code == 307 and resp.headers["Link"] and not resp.data


def test_digital_link_standard_a_gtin_13_is_padded_and_redirected_301_keeping_the_query(client, world):
    resp = client.get(f"/01/{ANISE_GTIN[1:]}/10/{LOT}?17=270930&linkType=all")
    assert resp.status_code == 301
    assert _path(resp.headers["Location"]) == f"/01/{ANISE_GTIN}/10/{LOT}?17=270930&linkType=all"
    product = client.get(f"/01/{ANISE_GTIN[1:]}")
    assert product.status_code == 301 and _path(product.headers["Location"]) == f"/01/{ANISE_GTIN}"


def test_rfc_9264_linkset_of_every_link_by_link_type_all_or_by_accept(client, world):
    for resp in (client.get(f"{world.path}?linkType=all"),
                 client.get(world.path, headers={"Accept": "application/linkset+json"})):
        assert resp.status_code == 200 and resp.mimetype == "application/linkset+json"
        (context,) = resp.get_json()["linkset"]
        assert context["anchor"].endswith(f"/01/{ANISE_GTIN}/10/{LOT}")
        for name in ("defaultLink", "pip", "traceability", "epcis"):
            (target,) = context[VOC + name]
            assert target["href"] and target["title"] and target["type"]
        assert context[VOC + "defaultLink"][0]["hreflang"] == ["vi", "en"]
        assert context[VOC + "epcis"][0]["type"] == "application/ld+json"
        assert {t["language"] for t in context[VOC + "pip"][0]["title*"]} == {"en"}


def test_resolver_standard_a_link_type_picks_its_link_and_an_unknown_one_the_default(client, world):
    pip = client.get(f"{world.path}?linkType=gs1:pip")
    assert pip.status_code == 307 and _path(pip.headers["Location"]) == f"/trace/01/{ANISE_GTIN}"
    full_uri = client.get(f"{world.path}?linkType={VOC}pip")
    assert _path(full_uri.headers["Location"]) == f"/trace/01/{ANISE_GTIN}"
    unknown = client.get(f"{world.path}?linkType=gs1:recipeInfo")
    assert unknown.status_code == 307 and _path(unknown.headers["Location"]) == f"/trace/01/{ANISE_GTIN}/10/{LOT}"


def test_epcis_2_0_answer_is_schema_valid_and_holds_only_the_public_events(client, world):
    resp = client.get(f"{world.path}?linkType=gs1:epcis")
    assert resp.status_code == 200 and resp.mimetype == "application/ld+json"
    doc = resp.get_json()
    assert_schema_valid(doc)
    events = doc["epcisBody"]["eventList"]
    ids = [e["eventID"] for e in events]
    assert ERRONEOUS_ID not in ids and not any("errorDeclaration" in e for e in events)
    assert [e["bizStep"] for e in events] == ["commissioning", "inspecting", "shipping", "receiving"]
    receiving = events[-1]
    assert "bizLocation" not in receiving and "readPoint" not in receiving  # the partner's warehouse
    shipping = events[2]
    assert "destinationList" not in shipping and "bizTransactionList" not in shipping
    assert all("quantity" not in q for e in events for q in e.get("quantityList", []))


def test_epcis_answer_with_partners_and_quantities_made_public_keeps_them_and_stays_schema_valid(client, db):
    world = make_trace(db, disclosure={"partners": True, "quantities": True})
    doc = client.get(f"{world.path}?linkType=gs1:epcis").get_json()
    assert_schema_valid(doc)
    events = doc["epcisBody"]["eventList"]
    assert events[-1]["bizLocation"]["id"].endswith("/KHO-1")
    assert events[2]["destinationList"] and events[2]["quantityList"][0]["quantity"] == 800


def test_unknown_product_or_lot_is_404_with_a_clear_page_or_json(client, world):
    missing_lot = client.get(f"/01/{ANISE_GTIN}/10/NOPE-1?lang=en")
    assert missing_lot.status_code == 404
    assert "has no lot NOPE-1 registered here" in missing_lot.get_data(as_text=True)
    other = "09506000134352"
    missing = client.get(f"/01/{other}", headers={"Accept": "application/json"})
    assert missing.status_code == 404 and missing.get_json()["detail"] == {"gtin": other}
    vi = client.get(f"/01/{other}?lang=vi").get_data(as_text=True)
    assert "Không có sản phẩm nào mang GTIN 09506000134352" in vi


@pytest.mark.parametrize(("path", "english", "vietnamese"), [
    ("/01/08934567012340/10/X", "Check digit should be 8, not 0.", "Số kiểm tra phải là 8, không phải 0."),
    ("/01/0893456701234A", 'GTIN must contain digits only; found "A".', None),
    (f"/01/{ANISE_GTIN}/21/S1/10/{LOT}", "must come in the order 22, 10, 21; 10 is out of place", None),
    (f"/01/{ANISE_GTIN}/10", "AI 10 has no value.", None),
    (f"/01/{ANISE_GTIN}/10/{LOT}?17=271345", "must be a date YYMMDD", None),
])
def test_a_malformed_digital_link_is_400_naming_what_is_wrong(client, world, path, english, vietnamese):
    joiner = "&" if "?" in path else "?"
    resp = client.get(f"{path}{joiner}lang=en")
    assert resp.status_code == 400 and english in html.unescape(resp.get_data(as_text=True))
    as_json = client.get(path, headers={"Accept": "application/json"})
    assert as_json.status_code == 400 and english in as_json.get_json()["error"]
    if vietnamese:
        assert vietnamese in client.get(f"{path}{joiner}lang=vi").get_data(as_text=True)


def test_a_serial_is_resolved_to_its_batch_and_a_lot_holding_a_slash_keeps_it(client, db, world):
    serial = client.get(f"{world.path}/21/0042")
    assert serial.status_code == 307 and _path(serial.headers["Location"]) == f"/trace/01/{ANISE_GTIN}/10/{LOT}"
    db.add(Batch(product_id=world.product.id, lot="A/B-2"))
    db.commit()
    slashed = client.get(f"/01/{ANISE_GTIN}/10/A%2FB-2")
    assert slashed.status_code == 307
    page = client.get(_path(slashed.headers["Location"]))
    assert page.status_code == 200 and "A/B-2" in page.get_data(as_text=True)


def test_product_level_link_redirects_to_the_product_page_listing_its_batches(client, world):
    resp = client.get(f"/01/{ANISE_GTIN}")
    assert resp.status_code == 307 and _path(resp.headers["Location"]) == f"/trace/01/{ANISE_GTIN}"
    page = client.get(_path(resp.headers["Location"]) + "?lang=en").get_data(as_text=True)
    assert "Văn Quan dried star anise" in page and f'data-lot="{LOT}"' in page and "500\u00a0g" in page


def test_well_known_gs1resolver_describes_the_resolver(client, app):
    resp = client.get("/.well-known/gs1resolver")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["resolverRoot"] == app.config["LIMS"].base_url
    assert body["supportedPrimaryKeys"] == ["01"] and body["name"]
    assert {"gs1:epcis", "gs1:pip", "gs1:defaultLink"} <= {t["linkType"] for t in body["linkTypes"]}
    assert body["supportedLinkType"][0]["prefix"] == "gs1:"


def test_the_inspection_links_to_the_status_only_check_page_of_the_records_certificate(client, db, issued):
    world = make_trace(db, record_id=issued.cert.record_id, lab=issued.lab)
    links = client.get(f"{world.path}?linkType=all").get_json()["linkset"][0]
    (cert_link,) = links[VOC + "certificationInfo"]
    page = client.get(f"/trace/01/{ANISE_GTIN}/10/{LOT}?lang=en").get_data(as_text=True)
    assert f"Check certificate {issued.cert.number}" in page and _path(cert_link["href"]) in page
    check = client.get(_path(cert_link["href"]) + "?lang=en").get_data(as_text=True)
    assert issued.cert.number in check and "Download the certificate" not in check  # status only: no PDF


def test_partner_names_hidden_by_default_and_shown_when_marked_public(client, db):
    hidden = make_trace(db)
    page = client.get(f"/trace/01/{ANISE_GTIN}/10/{LOT}?lang=en").get_data(as_text=True)
    assert PARTNER not in page and "Kho Chè Xứ Lạng" not in page and "A partner&#39;s place" in page
    hidden.product.disclosure = {"partners": True}
    db.commit()
    shown = client.get(f"/trace/01/{ANISE_GTIN}/10/{LOT}?lang=en").get_data(as_text=True)
    assert PARTNER in shown and "Kho Chè Xứ Lạng" in shown
