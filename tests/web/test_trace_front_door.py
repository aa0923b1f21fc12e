"""The GS1 resolver's front door (lims.web.trace_front_door): a batch's page, its plain Digital Link
(307, GS1-Conformant Resolver standard 1.2) and its ``gs1:epcis`` answer (EPCIS 2.0) given before
Flask, byte for byte as the Flask views give them, counted once against the public limit, fresh
whenever the batch's data changes; everything uncommon still answered by Flask (issue 13, "Speed")."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.test import Client

from lims.models import TraceLocation
from lims.web.trace_front_door import TraceFrontDoor
from tests.services.trace_public_factory import ANISE_GTIN, LOT, PARTNER, make_trace
from tests.traceability.epcis_reference import assert_schema_valid

# The door and the views read on kept connections of their own: they see committed data only.
pytestmark = pytest.mark.committed

PAGE = f"/trace/01/{ANISE_GTIN}/10/{LOT}"
LINK = f"/01/{ANISE_GTIN}/10/{LOT}"
EPCIS = f"{LINK}?linkType=gs1:epcis"
CREATED = re.compile(r'"creationDate":"([^"]+)"')


def _door(app) -> TraceFrontDoor:
    wsgi = app.wsgi_app
    while not isinstance(wsgi, TraceFrontDoor):
        wsgi = wsgi.wsgi_app
    return wsgi


def _flask_only(app) -> Client:
    """A client of the app without the resolver's front door."""
    door = _door(app)
    return Client(door.wsgi_app, use_cookies=True)


def _served_by_flask(app) -> list[str]:
    """What the front door handed to the Flask app, recorded while the test runs."""
    door = _door(app)
    inner, seen = door.wsgi_app, []

    def spy(environ, start_response):
        query = environ.get("QUERY_STRING")
        seen.append(environ["PATH_INFO"] + (f"?{query}" if query else ""))
        return inner(environ, start_response)

    door.wsgi_app = spy
    return seen


def _comparable(resp):
    body = CREATED.sub('"creationDate":"…"', resp.get_data(as_text=True))
    return resp.status, {k: v for k, v in resp.headers.items() if k != "Date"}, body


@pytest.fixture(autouse=True)
def _nothing_kept(app):
    """Each test starts with no kept answer (the tables are emptied between tests, and the same
    rows again would rightly find the previous test's answer)."""
    _door(app).kept.clear()


@pytest.fixture
def world(db):
    return make_trace(db)


def test_the_front_door_answers_byte_for_byte_as_the_flask_views_do(app, client, world):
    """Batch page (HTML), 307 with its Link header, gs1:epcis: the first scan goes to Flask and its
    answer is kept; the next ones are answered in front, the same bytes and headers."""
    flask_only = _flask_only(app)
    seen = _served_by_flask(app)
    for path in (PAGE, LINK, EPCIS):
        first, again = client.get(path), client.get(path)
        assert _comparable(first) == _comparable(again) == _comparable(flask_only.get(path))
    assert seen == [PAGE, LINK, EPCIS]  # each answered once by Flask, then in front
    assert client.get(LINK).status_code == 307 and client.get(PAGE).status_code == 200
    assert seen == [PAGE, LINK, EPCIS]
    # English remembered in the session: the switch goes to Flask, later scans are answered in front.
    for who in (client, flask_only):
        assert "Văn Quan dried star anise" in who.get(f"{PAGE}?lang=en").get_data(as_text=True)
    for path in (PAGE, LINK, EPCIS):
        assert _comparable(client.get(path)) == _comparable(client.get(path)) == _comparable(flask_only.get(path))
    assert seen == [PAGE, LINK, EPCIS, f"{PAGE}?lang=en", PAGE, LINK, EPCIS]
    page = client.get(PAGE)
    assert "Văn Quan dried star anise" in page.get_data(as_text=True) and page.headers["Vary"] == "Cookie"


def test_resolver_standard_headers_security_cors_and_cache_in_front(client, world):
    client.get(LINK)
    resp = client.get(LINK)
    assert resp.status_code == 307 and resp.headers["Location"] == PAGE
    assert f"{LINK}?linkType=all>; rel=\"linkset\"" in resp.headers["Link"]
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert resp.headers["Access-Control-Expose-Headers"] == "Link"
    assert resp.headers["Cache-Control"] == "public, max-age=60"
    assert resp.headers["X-Frame-Options"] == "DENY" and "Content-Security-Policy" in resp.headers
    page = client.get(PAGE)
    assert page.headers["Cache-Control"] == "private, max-age=60"
    assert page.headers["X-Content-Type-Options"] == "nosniff"


def test_epcis_2_0_answer_in_front_has_its_own_creation_date_and_stays_schema_valid(client, world):
    client.get(EPCIS)
    before = datetime.now(UTC) - timedelta(seconds=1)
    resp = client.get(EPCIS)
    assert resp.status_code == 200 and resp.mimetype == "application/ld+json"
    doc = resp.get_json()
    assert_schema_valid(doc)
    assert datetime.fromisoformat(doc["creationDate"]) >= before
    assert len(resp.data) == int(resp.headers["Content-Length"])
    assert [e["bizStep"] for e in doc["epcisBody"]["eventList"]] == ["commissioning", "inspecting", "shipping",
                                                                     "receiving"]


def test_a_change_to_the_batch_its_product_or_a_place_is_shown_at_the_next_scan(app, client, db, world):
    seen = _served_by_flask(app)
    assert PARTNER not in client.get(PAGE).get_data(as_text=True)
    client.get(PAGE)
    world.product.disclosure = {"partners": True}  # the product's disclosure settings
    db.commit()
    assert PARTNER in client.get(PAGE).get_data(as_text=True)
    db.get(TraceLocation, world.warehouse.id).name = "Kho mới Xứ Lạng"  # a place renamed: no version column
    db.commit()
    assert "Kho mới Xứ Lạng" in client.get(PAGE).get_data(as_text=True)
    world.batch.expiry_date = world.batch.expiry_date + timedelta(days=1)
    db.commit()
    assert "01/10/2027" in client.get(PAGE).get_data(as_text=True)
    assert client.get(PAGE).status_code == 200
    assert seen == [PAGE] * 4  # Flask answered each change once; the unchanged scans in front


def test_what_the_front_door_hands_to_flask_is_counted_once(make_app, world):
    app = make_app(secret_key="k", extra={"TESTING": True, "LIMS_VERIFY_RATE_LIMIT": "3 per minute",
                                          "RATELIMIT_STORAGE_URI": "memory://"})
    client = app.test_client()
    seen = _served_by_flask(app)
    answers = [client.get(PAGE) for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert [r.headers.get("X-RateLimit-Remaining") for r in answers[:3]] == ["2", "1", "0"]
    assert seen == [PAGE, PAGE]  # kept from Flask once; the refusal comes from Flask-Limiter
    other = [client.get(LINK, environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code for _ in range(4)]
    assert other == [307, 307, 307, 429]  # the resolver's own limit, per client


@pytest.mark.parametrize(("path", "headers", "status"), [
    (f"{PAGE}?lang=en", {}, 200),  # a language switch: remembered in the session
    (f"{LINK}?linkType=all", {}, 200),  # the linkset
    (LINK, {"Accept": "application/linkset+json"}, 200),
    (f"{LINK}?linkType=gs1:pip", {}, 307),
    (f"/01/{ANISE_GTIN[1:]}/10/{LOT}", {}, 301),  # a GTIN-13: the canonical path
    (f"/trace/01/{ANISE_GTIN[1:]}/10/{LOT}", {}, 200),  # the page of a GTIN-13 itself
    (f"{LINK}/21/0042", {}, 307),  # a serial
    (f"/01/{ANISE_GTIN}/10/NOPE-1", {}, 404),
    (f"/trace/01/{ANISE_GTIN}/10/NOPE-1", {}, 404),
    ("/01/08934567012340/10/X", {}, 400),  # a wrong check digit
    (f"/trace/01/{ANISE_GTIN[:-1]}0/10/{LOT}", {}, 400),
    (f"/trace/01/{ANISE_GTIN[:-1]}\u0668/10/{LOT}", {}, 400),  # an Arabic-Indic digit is no GS1 digit
])
def test_uncommon_requests_are_answered_by_flask(app, client, world, path, headers, status):
    seen = _served_by_flask(app)
    sent = path.encode().decode("latin-1")  # as WSGI writes it
    resp = client.get(path, headers=headers)
    assert resp.status_code == status and seen == [sent]
    assert client.head(LINK).status_code == 307 and seen == [sent, LINK]  # HEAD: Flask


def test_a_signed_in_users_scan_is_answered_by_flask_in_their_language(app, client, db, login, make_user, world):
    client.get(PAGE)
    user = make_user("trace-reader", "technician")
    user.language = "en"
    db.commit()
    login("trace-reader")
    seen = _served_by_flask(app)
    client.get(PAGE)
    page = client.get(PAGE).get_data(as_text=True)
    assert "Văn Quan dried star anise" in page and seen == [PAGE, PAGE]


def test_the_inspections_certificate_link_is_kept_with_its_signing_key(app, client, db, issued):
    """The batch of an inspection linked to a lab record: certificates read (and raw-material lots)."""
    make_trace(db, record_id=issued.cert.record_id, lab=issued.lab)
    seen = _served_by_flask(app)
    first, again = client.get(f"{PAGE}"), client.get(f"{PAGE}")
    assert _comparable(first) == _comparable(again) and seen == [PAGE]
    assert issued.cert.number in again.get_data(as_text=True)
    assert "Hoa hồi tươi" in again.get_data(as_text=True)  # made from the raw lot
    (key,) = _door(app).kept
    assert key[0] == "page" and key[-1] == issued.ctx.keystore.current_key_id


def test_an_answer_is_kept_only_if_the_data_did_not_change_while_flask_made_it(app, client, world, monkeypatch):
    door = _door(app)
    seen = _served_by_flask(app)
    stamps = iter(["before", "after", "after", "after", "after"])  # read before and after each Flask answer
    monkeypatch.setattr(door, "_stamp", lambda *_: next(stamps))
    for _ in range(3):
        assert client.get(PAGE).status_code == 200
    assert seen == [PAGE, PAGE]  # changed during the first: not kept; kept after the second
    assert [k.stamp for k in door.kept.values()] == ["after"]
