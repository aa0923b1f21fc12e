"""Input that gave 500 (issue 11, finding 6): ids and query integers out of the databases' range,
control characters in text. Runs on SQLite and on PostgreSQL (``LIMS_TEST_DATABASE_URL``)."""
from __future__ import annotations

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

from lims.services.validation import DB_INT_MAX

TOO_BIG = (2**31, 2**63, 10**20)


def _int_rules(app):
    for rule in app.url_map.iter_rules():
        ints = [name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]
        if ints:
            yield rule, ints


def _path(rule, ints: list[str], value: int) -> str:
    values: dict[str, object] = {}
    for name, conv in rule._converters.items():
        if name in ints:
            values[name] = value
        elif isinstance(conv, AnyConverter):
            values[name] = conv.items[0] if hasattr(conv, "items") else "x"
        else:
            values[name] = "x"
    return rule.build(values, append_unknown=False)[1]


def test_every_id_in_a_path_outside_the_integer_range_is_404(app, client, make_user, login):
    """Finding 6: an integer id in a URL path of 2^31, 2^63 or 10^20 gave 500 (an integer overflow in
    the database); every route with an ``<int:...>`` converter answers 404 for them, and 2^31 − 1
    (the largest id both databases hold) is still looked up, and not found."""
    make_user("root", "admin", "technician", "reviewer")
    login("root")
    rules = list(_int_rules(app))
    assert len(rules) > 30
    seen: list[tuple[str, str, int]] = []
    for rule, ints in rules:
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            for value in TOO_BIG:
                path = _path(rule, ints, value)
                resp = client.open(path, method=method, headers={"Accept": "application/json"})
                seen.append((method, path, resp.status_code))
            resp = client.open(_path(rule, ints, DB_INT_MAX), method=method, headers={"Accept": "application/json"})
            assert resp.status_code < 500, (method, rule.rule, resp.status_code)
    wrong = [s for s in seen if s[2] != 404]
    assert not wrong, wrong


def test_an_id_converter_documents_its_bounds_in_openapi(client):
    """The bounds are in the OpenAPI description of each id (flask-smorest reads the converter)."""
    spec = client.get("/api/v1/openapi.json").get_json()
    param = next(p for p in spec["paths"]["/api/v1/records/{record_id}"]["parameters"] if p["name"] == "record_id")
    assert param["schema"]["minimum"] == 1 and param["schema"]["maximum"] == DB_INT_MAX


API_QUERIES = [
    ("/api/v1/instruments", "offset"), ("/api/v1/instruments", "owner_id"), ("/api/v1/instruments", "limit"),
    ("/api/v1/records", "offset"), ("/api/v1/records", "technician_id"), ("/api/v1/records", "instrument_id"),
    ("/api/v1/service-requests", "offset"), ("/api/v1/certificates", "offset"), ("/api/v1/recall", "owner_id"),
    ("/api/v1/recall", "days"), ("/api/v1/recall", "offset"),
]


@pytest.mark.parametrize("path,param", API_QUERIES)
def test_an_api_query_integer_out_of_range_is_422_naming_it(lab, client, token_for, path, param):
    """Finding 6: ``?offset=`` and the other query integers of 2^31 and more gave 500; now 422
    naming the parameter, in English and in Vietnamese."""
    headers = {**token_for(lab.users["techrev"]), "Accept-Language": "en"}
    for value in TOO_BIG:
        resp = client.get(f"{path}?{param}={value}", headers=headers)
        assert resp.status_code == 422, (path, param, value, resp.get_data(as_text=True)[:300])
        body = resp.get_json()
        assert body["detail"]["fields"][param].startswith("Must be between") and body["error"].startswith(param)
    resp = client.get(f"{path}?{param}={2**63}&lang=vi", headers={**headers, "Accept-Language": "vi"})
    assert resp.status_code == 422 and resp.get_json()["detail"]["fields"][param].startswith("Phải nằm trong khoảng")


@pytest.mark.parametrize("path,param", [("/recall", "offset"), ("/recall", "owner_id"), ("/recall", "days"),
                                        ("/certificates", "page"), ("/recall.csv", "owner_id")])
def test_a_page_query_integer_out_of_range_is_422(lab, client, login, path, param):
    """Finding 6: the pages' query integers likewise (422 page naming the parameter, not 500)."""
    login("techrev")
    for value in TOO_BIG:
        resp = client.get(f"{path}?{param}={value}&lang=en")
        assert resp.status_code == 422, (path, param, value)
        assert param in resp.get_data(as_text=True)


NUL_NOTES = "Cân ở kho\x00 số 2"


def test_a_nul_in_a_request_s_notes_through_the_api_is_422(db, lab, client, token_for):
    """Finding 6: a business's service request with a NUL in its notes gave 500 on PostgreSQL;
    now 422 naming ``notes`` (vi/en), and nothing is written."""
    scale = lab.instruments["scale"].id
    for lang, words in (("en", "control character"), ("vi", "ký tự điều khiển")):
        resp = client.post("/api/v1/service-requests", json={"kind": "verification", "instrument_ids": [scale],
                                                             "notes": NUL_NOTES},
                           headers={**token_for(lab.users["biz"]), "Accept-Language": lang})
        assert resp.status_code == 422, resp.get_data(as_text=True)[:300]
        body = resp.get_json()
        assert list(body["detail"]["fields"]) == ["notes"] and words in body["detail"]["fields"]["notes"]
        assert "U+0000" in body["error"]
    ok = client.post("/api/v1/service-requests", json={"kind": "verification", "instrument_ids": [scale],
                                                       "notes": "dòng 1\r\ndòng 2\tcột"},
                     headers=token_for(lab.users["biz"]))
    assert ok.status_code == 201 and ok.get_json()["notes"] == "dòng 1\r\ndòng 2\tcột"


def test_a_control_character_in_a_form_is_422_naming_the_field(db, lab, client, login):
    """Finding 6: the request form refuses a NUL in the notes (422 page naming the field, no 500)."""
    login("biz")
    gauge = str(lab.instruments["gauge"].id)
    resp = client.post("/requests/new?lang=en", data={"kind": "calibration", "instrument_ids": [gauge],
                                                      "notes": NUL_NOTES})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "field-error" in page and "control character" in page
    resp = client.post("/requests/new", data={"kind": "calibration", "instrument_ids": [gauge], "notes": "ổn\nđịnh"})
    assert resp.status_code == 302


def test_a_control_character_in_a_query_or_a_path_text_is_refused(lab, client, token_for):
    """Finding 6: a NUL in a search (``?q=``) or in a certificate number in the path reached
    PostgreSQL (500); a query parameter holding one is 422 naming it, a path 404."""
    headers = {**token_for(lab.users["techrev"]), "Accept-Language": "en"}
    resp = client.get("/api/v1/certificates?q=a%00b", headers=headers)
    assert resp.status_code == 422 and list(resp.get_json()["detail"]["fields"]) == ["q"]
    assert resp.get_json()["error"] == "q: Contains a control character (U+0000), which text may not hold."
    assert client.get("/api/v1/certificates?status=%1b", headers=headers).status_code == 422
    assert client.get("/api/v1/certificates/by-number/KD%00-1", headers=headers).status_code == 404
    assert client.get("/api/v1/certificates?q=c%C3%A2n", headers=headers).status_code == 200


def test_a_nul_in_a_username_at_login_is_a_wrong_username(lab, client):
    """Finding 6: a NUL in the login form's username reached PostgreSQL (500); it is a wrong username."""
    resp = client.post("/login", data={"username": "biz\x00", "password": "x"})
    assert resp.status_code == 401
