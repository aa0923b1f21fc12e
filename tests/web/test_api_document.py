"""The OpenAPI document tells the truth: the error body it documents is the one sent
(``{"error", "detail"}``), every operation lists the error statuses it can answer, and each
operation's content types are those it sends."""
from __future__ import annotations

import jsonschema
import pytest
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import func, select

from lims.models import Organisation
from lims.web import unavailable
from tests.conftest import build_app, dispose, limiter_restored

METHODS = ("get", "post", "put", "patch", "delete")


def _spec(client) -> dict:
    return client.get("/api/v1/openapi.json").get_json()


def _operations(spec: dict):
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method in METHODS:
                yield path, method, op


def _response(spec: dict, response: dict) -> dict:
    ref = response.get("$ref")
    return spec["components"]["responses"][ref.rsplit("/", 1)[1]] if ref else response


def _error_schema(spec: dict) -> dict:
    """The Error schema as a JSON Schema (the document's components, for $refs)."""
    return {**spec["components"]["schemas"]["Error"], "components": spec["components"]}


def test_the_documented_error_body_is_error_and_detail(client):
    spec = _spec(client)
    error = spec["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"error", "detail"}
    assert error["properties"]["error"]["type"] == "string" and error["properties"]["detail"]["type"] == "object"
    assert sorted(error["required"]) == ["detail", "error"]
    for path, method, op in _operations(spec):
        for status, response in op["responses"].items():
            if status.startswith("2"):
                continue
            if status == "414":  # answered by gunicorn before the app (its own text/html page), documented as such
                continue
            content = _response(spec, response)["content"]
            assert list(content) == ["application/json"], (method, path, status)
            assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}, (method, path)


def test_every_operation_lists_the_error_statuses_it_can_answer(client):
    spec = _spec(client)
    count = 0
    for path, method, op in _operations(spec):
        count += 1
        statuses = set(op["responses"])
        assert {"503", "default"} <= statuses, (method, path)
        if op.get("security") == []:  # public: the health check
            assert "401" not in statuses
            continue
        assert "401" in statuses, (method, path)
        if "{" in path:
            assert {"403", "404"} <= statuses, (method, path)
        if method != "get":
            assert {"400", "403", "409"} <= statuses, (method, path)
        if "requestBody" in op or any(p["in"] == "query" for p in op.get("parameters", [])):
            assert "422" in statuses, (method, path)
    assert count >= 44
    unavailable_response = spec["components"]["responses"]["Unavailable"]
    assert unavailable_response["headers"]["Retry-After"]["required"] is True
    capture = spec["paths"]["/api/v1/records/{record_id}/points/{seq}/capture"]["post"]["responses"]
    assert "502" in capture  # a device fault


def test_errors_sent_follow_the_documented_schema(client, db, make_user, token_for):
    schema = _error_schema(_spec(client))
    tech = token_for(make_user("tech", "technician"))
    admin = token_for(make_user("boss", "admin"))
    answers = {
        401: client.get("/api/v1/instruments"),
        403: client.post("/api/v1/organisations", json={"name": "X"}, headers=tech),
        404: client.get("/api/v1/instruments/999", headers=admin),
        405: client.delete("/api/v1/instruments", headers=admin),
        422: client.post("/api/v1/organisations", json={"name": ""}, headers=admin),
    }
    for status, resp in answers.items():
        assert resp.status_code == status and resp.mimetype == "application/json"
        jsonschema.validate(resp.get_json(), schema)
    assert answers[422].get_json()["detail"]["fields"]["name"]
    assert db.scalar(select(func.count()).select_from(Organisation)) == 0


class _PartSchema(Schema):
    seq = fields.Int(required=True)


class _CountSchema(Schema):
    n = fields.Int(required=True)
    parts = fields.List(fields.Nested(_PartSchema))


def test_a_new_blueprint_gets_the_error_documentation_and_its_parse_errors_are_the_problem(make_app, make_user,
                                                                                         token_for):
    """flask-smorest's own argument parsing (webargs) answers 422 as ``{"error", "detail": {"fields"}}``."""
    app = make_app()
    api = app.extensions["flask-smorest"]["blp_name_to_api"]["api_meta"]
    bp = Blueprint("api_test_extra", __name__, url_prefix="/api/v1/test-extra")

    @bp.route("/<int:item_id>")
    class Item(MethodView):
        @bp.arguments(_CountSchema)
        @bp.response(200, _CountSchema)
        def post(self, data: dict, item_id: int):
            return data

    api.register_blueprint(bp)
    client = app.test_client()
    spec = _spec(client)
    responses = spec["paths"]["/api/v1/test-extra/{item_id}"]["post"]["responses"]
    assert {"400", "401", "403", "404", "409", "422", "503", "default"} <= set(responses)

    headers = token_for(make_user("extra", "admin"))
    resp = client.post("/api/v1/test-extra/1", json={"n": "many"}, headers=headers)
    assert resp.status_code == 422
    body = resp.get_json()
    jsonschema.validate(body, _error_schema(spec))
    assert body["error"].startswith("n: ") and "n" in body["detail"]["fields"]
    nested = client.post("/api/v1/test-extra/1", json={"n": 1, "parts": [{"seq": 1}, {"seq": "x"}]}, headers=headers)
    assert nested.status_code == 422 and list(nested.get_json()["detail"]["fields"]) == ["parts.1.seq"]
    assert client.post("/api/v1/test-extra/1", json={"n": 2}, headers=headers).get_json() == {"n": 2}


def test_the_503_of_a_database_that_cannot_be_reached_follows_the_schema(client, tmp_path):
    schema = _error_schema(_spec(client))
    folder = tmp_path / "lims.sqlite3"
    folder.mkdir()  # a folder where the SQLite file should be: it cannot be opened
    unavailable.outage.reset()
    with limiter_restored():
        down = build_app(f"sqlite:///{folder}", tmp_path / "instance")
        try:
            resp = down.test_client().get("/api/v1/instruments", headers={"Authorization": "Bearer lims_x"})
        finally:
            dispose(down)
            unavailable.outage.reset()
    assert resp.status_code == 503 and resp.headers["Retry-After"] == str(unavailable.RETRY_AFTER)
    jsonschema.validate(resp.get_json(), schema)


@pytest.mark.parametrize("suffix, mimetype", [
    ("pdf", "application/pdf"), ("document", "application/json"), ("dcc", "application/xml"),
    ("stamp", "application/pdf"), ("", "application/json"),
])
def test_each_download_is_sent_as_documented(issued, client, token_for, suffix, mimetype):
    spec = _spec(client)
    path = "/api/v1/certificates/{certificate_id}" + (f"/{suffix}" if suffix else "")
    documented = spec["paths"][path]["get"]["responses"]["200"]["content"]
    assert list(documented) == [mimetype]
    resp = client.get(path.replace("{certificate_id}", str(issued.cert.id)), headers=token_for(issued.reviewer))
    assert resp.status_code == 200 and resp.mimetype == mimetype
    if suffix == "document":
        schema = documented[mimetype]["schema"]
        jsonschema.validate(resp.get_json(), {**schema, "components": spec["components"]})


def test_request_schemas_state_the_text_lengths_the_services_check(client, db, make_user, token_for):
    organisation = _spec(client)["components"]["schemas"]["Organisation"]["properties"]
    assert (organisation["name"]["minLength"], organisation["name"]["maxLength"]) == (1, 255)
    assert "minLength" not in organisation["tax_code"] and organisation["tax_code"]["maxLength"] == 14
    admin = token_for(make_user("boss", "admin"))
    longest = organisation["name"]["maxLength"]
    too_long = client.post("/api/v1/organisations", json={"name": "x" * (longest + 1)}, headers=admin)
    assert too_long.status_code == 422 and "name" in too_long.get_json()["detail"]["fields"]
    assert db.scalar(select(func.count()).select_from(Organisation)) == 0
    assert client.post("/api/v1/organisations", json={"name": "x" * longest}, headers=admin).status_code == 201


def test_request_schemas_state_the_number_ranges_the_services_check(client):
    instrument = _spec(client)["components"]["schemas"]["Instrument"]["properties"]
    assert (instrument["range_max"]["minimum"], instrument["range_max"]["exclusiveMinimum"]) == (0, True)
    assert "exclusiveMinimum" not in instrument["max_tare"] and instrument["max_tare"]["minimum"] == 0
    assert (instrument["load_supports"]["minimum"], instrument["load_supports"]["maximum"]) == (1, 2**31 - 1)
    assert (instrument["owner_id"]["minimum"], instrument["owner_id"]["maximum"]) == (-(2**31), 2**31 - 1)
