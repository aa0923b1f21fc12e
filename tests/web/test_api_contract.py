"""The OpenAPI description is valid OpenAPI 3, covers every API route, and the API's
cookie-session path is protected against cross-site requests."""
from __future__ import annotations

import re

from openapi_spec_validator import validate


def test_openapi_document_is_valid_and_lists_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops
                  if method in ("get", "post", "put", "patch", "delete")}
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith("api-docs."):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            if (path, method) not in documented:
                missing.append(f"{method} {path}")
    assert not missing, f"API routes missing from the OpenAPI description: {missing}"


def test_api_writes_over_a_cookie_session_need_the_csrf_header(app, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    make_user("boss", "admin")
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/login", data={"username": "boss", "password": "correct horse battery", "csrf_token": token})
    assert client.get("/api/v1/me").status_code == 200  # reads need no header
    refused = client.post("/api/v1/organisations", json={"name": "X"})
    assert refused.status_code == 400 and "error" in refused.get_json()
    accepted = client.post("/api/v1/organisations", json={"name": "X"}, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201
