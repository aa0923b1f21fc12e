"""The search box, filters, sorting and paging of every list, on the pages and in the API.

The workflow lab (tests/services/workflow_factory.py): "Công ty Cân Việt" owns SC-60, PG-16 and TH-104,
"HTX Rau sạch" owns SC-OTHER. The issued certificate's customer is "Công ty TNHH Cân Đo Hải Đăng".
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.services.workflow_factory import open_scale_record


def cells(html: str, serials: tuple[str, ...]) -> list[str]:
    """The serial numbers of ``serials`` in the order the page shows them."""
    return [s for _, s in sorted((html.index(f">{s}<"), s) for s in serials if f">{s}<" in html)]


SERIALS = ("SC-60", "PG-16", "TH-104", "SC-OTHER")


def test_instrument_page_searches_without_diacritics_and_counts(db, lab, login):
    """"can viet" finds Công ty Cân Việt's three instruments; the pager says "1–3 trong 3"."""
    client = login("tech")
    html = client.get("/admin/instruments?q=can+viet").get_data(as_text=True)
    assert cells(html, SERIALS) == ["SC-60", "PG-16", "TH-104"]
    assert "1–3 trong 3" in html
    assert 'value="can viet"' in html  # the search box keeps what was typed
    html = client.get("/admin/instruments?q=can+viet&lang=en").get_data(as_text=True)
    assert "1–3 of 3" in html


def test_instrument_page_sorts_and_pages_keeping_the_filters(db, lab, login):
    client = login("tech")
    html = client.get("/admin/instruments?sort=-serial&per_page=2").get_data(as_text=True)
    assert cells(html, SERIALS) == ["TH-104", "SC-OTHER"]
    assert "1–2 trong 4" in html
    # the link to page 2 keeps the sort and the page size; the Serial number header reverses the order
    assert 'href="/admin/instruments?sort=-serial&amp;per_page=2&amp;page=2"' in html
    assert 'aria-sort="descending"><a class="sort descending" href="/admin/instruments?sort=serial&amp;per_page=2"' \
        in html
    html = client.get("/admin/instruments?sort=-serial&per_page=2&page=2").get_data(as_text=True)
    assert cells(html, SERIALS) == ["SC-60", "PG-16"]
    assert "3–4 trong 4" in html


def test_a_business_sees_only_its_own_instruments_whatever_it_searches(db, lab, login):
    client = login("biz")
    html = client.get("/admin/instruments?q=sc").get_data(as_text=True)
    assert cells(html, SERIALS) == ["SC-60"]
    html = client.get(f"/admin/instruments?owner_id={lab.other_business.id}").get_data(as_text=True)
    assert cells(html, SERIALS) == []


def test_instrument_page_due_filter(db, lab, login):
    lab.instruments["gauge"].next_due = date.today() - timedelta(days=3)
    db.commit()
    html = login("tech").get("/admin/instruments?due=overdue").get_data(as_text=True)
    assert cells(html, SERIALS) == ["PG-16"]


@pytest.mark.parametrize(("query", "field"), [
    ("sort=owner", "sort"), ("status=lost", "status"), ("due=someday", "due"), ("due_from=2026-02-30", "due_from"),
    ("page=0", "page"), ("per_page=500", "per_page"), ("type_id=x", "type_id"), ("q=" + "a" * 201, "q"),
    ("due_from=2026-03-02&due_to=2026-03-01", "due_to"),
])
def test_bad_parameters_are_refused_on_the_page_and_in_the_api(db, lab, login, token_for, query, field):
    client = login("tech")
    resp = client.get(f"/admin/instruments?{query}")
    assert resp.status_code == 422
    resp = client.get(f"/api/v1/instruments?{query}", headers=token_for(lab.users["tech"]))
    if field in ("page", "per_page"):  # paging in the API is limit and offset
        assert resp.status_code == 200
        return
    assert resp.status_code == 422
    assert resp.get_json()["detail"]["field"] == field and field in resp.get_json()["detail"]["fields"]


def test_organisation_page_search_and_filter(db, lab, login):
    client = login("tech")
    html = client.get("/admin/organisations?q=rau+sach").get_data(as_text=True)
    assert "HTX Rau sạch" in html and "Công ty Cân Việt" not in html
    html = client.get("/admin/organisations?kind=lab").get_data(as_text=True)
    assert "Trung tâm TĐC" in html and "HTX Rau sạch" not in html


def test_request_and_record_pages_search(db, lab, login):
    rec = open_scale_record(db, lab)
    client = login("tech")
    html = client.get("/requests?q=can+viet").get_data(as_text=True)
    assert rec.request_item.request.number in html
    assert rec.request_item.request.number not in client.get("/requests?q=rau+sach").get_data(as_text=True)
    html = client.get("/records?q=sc-60+viet").get_data(as_text=True)
    assert rec.number in html and "1–1 trong 1" in html
    assert rec.number not in client.get("/records?q=sc-other").get_data(as_text=True)
    assert rec.number not in client.get("/records?status=approved").get_data(as_text=True)
    assert client.get("/records?status=lost").status_code == 422


def test_certificate_page_search_without_diacritics(issued, login):
    client = login("reviewer1")
    number = issued.cert.number
    assert number in client.get("/certificates?q=hai+dang").get_data(as_text=True)
    assert number in client.get("/certificates?q=HẢI+ĐĂNG+mt-0001").get_data(as_text=True)
    assert number not in client.get("/certificates?q=huu+nghi").get_data(as_text=True)
    assert client.get("/certificates?sort=customer").status_code == 422


def test_api_instruments_search_sort_page_and_total(db, lab, app, token_for):
    client = app.test_client()
    headers = token_for(lab.users["tech"])
    resp = client.get("/api/v1/instruments?q=can+viet&sort=serial&limit=2", headers=headers)
    assert resp.status_code == 200
    assert [i["serial_number"] for i in resp.get_json()] == ["PG-16", "SC-60"]
    assert resp.headers["X-Total-Count"] == "3" and "X-Total-Count-Capped" not in resp.headers
    resp = client.get("/api/v1/instruments?q=can+viet&sort=serial&limit=2&offset=2", headers=headers)
    assert [i["serial_number"] for i in resp.get_json()] == ["TH-104"]
    biz = token_for(lab.users["biz"])
    resp = client.get("/api/v1/instruments?q=sc", headers=biz)
    assert [i["serial_number"] for i in resp.get_json()] == ["SC-60"] and resp.headers["X-Total-Count"] == "1"


def test_api_requests_records_organisations_and_certificates_search(db, lab, app, token_for):
    rec = open_scale_record(db, lab)
    client = app.test_client()
    tech = token_for(lab.users["tech"])
    resp = client.get("/api/v1/service-requests?q=CÂN+VIỆT", headers=tech)
    assert [r["number"] for r in resp.get_json()] == [rec.request_item.request.number]
    assert resp.headers["X-Total-Count"] == "1"
    resp = client.get("/api/v1/records?q=sc-60&status=draft", headers=tech)
    assert [r["number"] for r in resp.get_json()] == [rec.number]
    resp = client.get("/api/v1/records?kind=repair", headers=tech)
    assert resp.status_code == 422 and resp.get_json()["detail"]["field"] == "kind"
    resp = client.get("/api/v1/organisations?q=tdc", headers=tech)
    assert [o["name"] for o in resp.get_json()] == ["Trung tâm TĐC"]
    resp = client.get("/api/v1/organisations?sort=-name&kind=business", headers=tech)
    assert [o["name"] for o in resp.get_json()] == ["HTX Rau sạch", "Công ty Cân Việt"]
    assert resp.headers["X-Total-Count"] == "2"


def test_api_certificates_search(issued, app, token_for):
    client = app.test_client()
    resp = client.get("/api/v1/certificates?q=hai+dang", headers=token_for(issued.reviewer))
    body = resp.get_json()
    assert [c["number"] for c in body["items"]] == [issued.cert.number]
    assert body["total"] == 1 and resp.headers["X-Total-Count"] == "1"
    resp = client.get("/api/v1/certificates?issued_from=2000-01-01&issued_to=2000-12-31",
                      headers=token_for(issued.reviewer))
    assert resp.get_json()["items"] == [] and resp.headers["X-Total-Count"] == "0"


def test_the_openapi_document_names_the_list_parameters_and_the_total_header(app):
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    get = doc["paths"]["/api/v1/instruments"]["get"]
    names = {p["name"] for p in get["parameters"]}
    assert {"q", "sort", "status", "type_id", "owner_id", "due", "due_from", "due_to", "limit", "offset"} <= names
    sort = next(p for p in get["parameters"] if p["name"] == "sort")
    assert set(sort["schema"]["enum"]) == {"id", "serial", "due", "-id", "-serial", "-due"}
    assert "X-Total-Count" in get["responses"]["200"]["headers"]

