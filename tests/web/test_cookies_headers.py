"""Cookies and security headers (issue 11, finding 5): HttpOnly and SameSite=Lax on every cookie,
Secure with an https base URL, a remember cookie of LIMS_REMEMBER_DAYS; nosniff, Referrer-Policy,
no framing and HSTS (https only) on every answer, the public check page and the PDFs included."""
from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import pytest

from lims.services import certificates as certs
from lims.web.headers import CSP
from tests.helpers import PASSWORD

FRAMING = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": CSP,
}


def _cookies(resp) -> dict[str, str]:
    """Each Set-Cookie header by cookie name (the whole header, attributes included)."""
    return {h.split("=", 1)[0]: h for h in resp.headers.getlist("Set-Cookie")}


def _attributes(header: str) -> set[str]:
    return {part.strip().lower() for part in header.split(";")[1:]}


def _lifetime_days(header: str) -> float:
    """Days from now until the cookie's Expires."""
    expires = next(a.split("=", 1)[1] for a in _attributes(header) if a.startswith("expires="))
    return (parsedate_to_datetime(expires) - datetime.now(UTC)).total_seconds() / 86400


def _signed_in_remembered(app, make_user):
    make_user("ktv.cookie", "technician")
    client = app.test_client()
    resp = client.post("/login", data={"username": "ktv.cookie", "password": PASSWORD, "remember": "y"})
    assert resp.status_code == 302
    return _cookies(resp)


@pytest.mark.parametrize("base_url, secure", [("http://127.0.0.1:5000", False), ("https://lims.tdc.gov.vn", True)])
def test_session_and_remember_cookies_are_httponly_lax_and_secure_only_over_https(
        make_app, make_user, monkeypatch, base_url, secure):
    monkeypatch.setenv("LIMS_BASE_URL", base_url)
    monkeypatch.delenv("LIMS_REMEMBER_DAYS", raising=False)
    cookies = _signed_in_remembered(make_app(), make_user)
    assert set(cookies) == {"session", "remember_token"}
    for header in cookies.values():
        attrs = _attributes(header)
        assert "httponly" in attrs and "samesite=lax" in attrs
        assert ("secure" in attrs) is secure
    assert 13.9 < _lifetime_days(cookies["remember_token"]) <= 14  # not Flask-Login's 365 days


def test_the_remember_cookie_lasts_lims_remember_days(make_app, make_user, monkeypatch):
    monkeypatch.setenv("LIMS_REMEMBER_DAYS", "3")
    cookies = _signed_in_remembered(make_app(), make_user)
    assert 2.9 < _lifetime_days(cookies["remember_token"]) <= 3


def test_a_bad_lims_remember_days_is_refused(monkeypatch):
    from lims.config import remember_days

    monkeypatch.setenv("LIMS_REMEMBER_DAYS", "0")
    with pytest.raises(ValueError, match="LIMS_REMEMBER_DAYS"):
        remember_days()


def _assert_security_headers(resp, *, https: bool) -> None:
    for name, value in FRAMING.items():
        assert resp.headers.get(name) == value, (resp.request.path, name)
    assert ("Strict-Transport-Security" in resp.headers) is https, resp.request.path
    assert "unsafe-inline" not in resp.headers["Content-Security-Policy"]  # tests/web/test_csp.py


def test_security_headers_on_pages_api_errors_and_public_pages(client, make_user, login, token_for):
    admin = make_user("admin.headers", "admin")
    answers = [
        client.get("/"),  # public
        client.get("/login"),
        client.get("/dashboard"),  # redirect to login
        client.get("/api/v1/instruments"),  # 401 JSON
        client.get("/api/v1/me", headers=token_for(admin)),  # API answer
        client.get("/no-such-page"),  # 404 page
        client.get("/v/keys"),  # public keys (Flask)
    ]
    assert [r.status_code for r in answers] == [200, 200, 302, 401, 200, 404, 200]
    login("admin.headers")
    answers.append(client.get("/dashboard"))
    assert answers[-1].status_code == 200
    for resp in answers:
        _assert_security_headers(resp, https=False)


@pytest.mark.committed
def test_security_headers_on_the_public_check_page_and_the_pdf(issued, client, login):
    path = urlsplit(certs.verify_url(issued.cert)).path
    page = client.get(path)  # answered by the front door, before Flask
    json = client.get(path, headers={"Accept": "application/json"})
    forged = client.get(path[:-1] + ("A" if path[-1] != "A" else "B"))  # Flask's not-genuine page
    assert [page.status_code, json.status_code, forged.status_code] == [200, 200, 404]
    pdf = login("reviewer1").get(f"/certificates/{issued.cert.id}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    for resp in (page, json, forged, pdf):
        _assert_security_headers(resp, https=False)


def test_hsts_only_when_the_base_url_is_https(make_app, monkeypatch):
    monkeypatch.setenv("LIMS_BASE_URL", "https://lims.tdc.gov.vn")
    client = make_app().test_client()
    for resp in (client.get("/"), client.get("/api/v1/instruments"), client.get("/v/keys")):
        _assert_security_headers(resp, https=True)
        assert resp.headers["Strict-Transport-Security"].startswith("max-age=")
