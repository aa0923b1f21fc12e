"""Every route refuses anonymous requests, except an explicit public allow-list.

A new public page must be added to PUBLIC_ENDPOINTS below on purpose; anything else that
answers an anonymous request with content fails this test.
"""
from __future__ import annotations

import re

import pytest

# endpoint -> why it is public
PUBLIC_ENDPOINTS = {
    "static": "stylesheets and scripts",
    "public.home": "landing page that explains how to check a certificate",
    "ui.login": "the sign-in form",
    "password_reset.forgot": "asking for a password-reset link (same answer for any name, rate-limited)",
    "password_reset.reset": "the link of that mail: its signed, expiring, single-use token is the proof",
    "api_meta.health": "liveness probe for load balancers",
    "api-docs.openapi_json": "the API description",
}
# the certificate check page and the lab's public keys; the GS1 resolver and the public product and
# batch pages a package's QR code opens (what they show: lims.services.trace_public)
PUBLIC_PREFIXES = ("public_certificates.", "resolver.", "trace_pages.")


def _is_declared_public(endpoint: str) -> bool:
    return endpoint in PUBLIC_ENDPOINTS or endpoint.startswith(PUBLIC_PREFIXES)


def _fill(rule) -> str:
    url = rule.rule
    for conv in re.findall(r"<([^>]+)>", url):
        kind = conv.split(":")[0] if ":" in conv else "string"
        url = url.replace(f"<{conv}>", "1" if kind == "int" else "x")
    return url


def _routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_route_refuses_anonymous_requests_unless_allow_listed(app, client):
    from lims.web.auth import is_public_endpoint

    checked = 0
    problems = []
    for rule, method in _routes(app):
        if _is_declared_public(rule.endpoint):
            continue
        if is_public_endpoint(app, rule.endpoint):
            problems.append(f"{rule.endpoint} ({rule.rule}) is marked public but not on the allow-list")
            continue
        resp = client.open(_fill(rule), method=method)
        checked += 1
        if rule.rule.startswith("/api/"):
            ok = resp.status_code == 401
        else:
            ok = resp.status_code == 302 and "/login" in resp.headers.get("Location", "")
        if not ok:
            problems.append(f"{method} {rule.rule} -> {resp.status_code}")
    assert not problems, "\n".join(problems)
    assert checked >= 15  # the walk really covered the app


def test_paths_answered_in_front_of_flask_are_allow_listed_public_routes(app, client):
    """A WSGI front door answers some public paths before Flask's hooks run: each must be the
    path of an allow-listed public route of the app, and still refuse nothing it should not."""
    from lims.web.auth import is_public_endpoint

    front = app.extensions.get("lims.front_door", {})
    assert front  # /v/<token> is answered there
    rules = {rule.rule: rule.endpoint for rule in app.url_map.iter_rules()}
    for path, endpoint in front.items():
        assert rules.get(path) == endpoint, f"{path} is answered in front of Flask but is not the route of {endpoint}"
        assert _is_declared_public(endpoint), f"{path} ({endpoint}) is answered in front of Flask but not allow-listed"
        assert is_public_endpoint(app, endpoint)
        resp = client.get(_fill(next(r for r in app.url_map.iter_rules() if r.rule == path)))
        # a bogus value: a plain "not found" page, or a 400 naming what is wrong (a GTIN "x")
        assert resp.status_code in (200, 400, 404)


def test_the_allow_list_names_only_existing_public_views(app):
    from lims.web.auth import is_public_endpoint

    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    for endpoint in PUBLIC_ENDPOINTS:
        assert endpoint in endpoints, f"{endpoint} is allow-listed but does not exist"
        assert is_public_endpoint(app, endpoint)


@pytest.mark.parametrize("role,path,expected", [
    ("business", "/admin/users", 403),
    ("business", "/admin/organisations", 403),
    ("technician", "/admin/users", 403),
    ("technician", "/admin/organisations/new", 403),
    ("technician", "/admin/instruments/new", 200),
    ("admin", "/admin/users/new", 200),
    ("business", "/admin/instruments", 200),
])
def test_role_checks_on_pages(make_user, login, role, path, expected):
    make_user("someone", role)
    client = login("someone")
    assert client.get(path).status_code == expected


def test_api_refuses_a_wrong_token_and_accepts_a_real_one(client, make_user, token_for):
    user = make_user("apiuser", "technician")
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer lims_forged"}).status_code == 401
    resp = client.get("/api/v1/me", headers=token_for(user))
    assert resp.status_code == 200
    assert resp.get_json()["roles"] == ["technician"]
