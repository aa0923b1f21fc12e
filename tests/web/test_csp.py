"""A Content-Security-Policy without inline script (issue 11, finding 5): scripts, styles and the
rest from this site only, no ``'unsafe-inline'``; so no template may hold an inline ``<script>``,
an ``on*=`` event attribute, a ``<style>`` element or a ``style=`` attribute — their code and
styles are files under ``lims/web/static/``. The header is on pages, API answers and the public
check page (from the front door and from Flask). The browser test
``tests/browser/test_csp_browser.py`` shows that Chromium reports no violation on the pages with
scripts."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from lims.services import certificates as certs
from lims.web.headers import CSP

TEMPLATES = Path(__file__).resolve().parents[2] / "lims" / "web" / "templates"
STATIC = TEMPLATES.parent / "static"
WANTED = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self'",
    "object-src": "'none'", "base-uri": "'self'", "form-action": "'self'", "frame-ancestors": "'none'",
}

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)
EVENT_ATTR = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I | re.S)
STYLE_TAG = re.compile(r"<style\b", re.I)
STYLE_ATTR = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I | re.S)


def _directives(value: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in value.split(";"))


def test_the_policy_allows_no_inline_script_nor_style():
    assert _directives(CSP) == WANTED
    assert "unsafe" not in CSP


def _templates() -> list[Path]:
    found = sorted(TEMPLATES.rglob("*.html"))
    assert len(found) > 20
    return found


@pytest.mark.parametrize("pattern, what", [
    (SCRIPT_TAG, "an inline <script>"), (EVENT_ATTR, "an on*= event attribute"),
    (STYLE_TAG, "a <style> element"), (STYLE_ATTR, "a style= attribute"),
])
def test_no_template_holds_inline_code_or_style(pattern, what):
    offending = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for match in pattern.finditer(text):
            if pattern is SCRIPT_TAG and re.search(r"\bsrc\s*=", match.group(1)):
                continue  # <script src="..."> is a file of this site
            line = text.count("\n", 0, match.start()) + 1
            offending.append(f"{path.relative_to(TEMPLATES)}:{line}")
    assert not offending, f"{what} in: {', '.join(offending)}"


def test_the_scripts_the_templates_load_exist():
    loaded = set()
    for path in _templates():
        loaded |= set(re.findall(r"filename='([^']+\.(?:js|css))'", path.read_text(encoding="utf-8")))
        loaded |= set(re.findall(r'href="/static/([^"]+)"', path.read_text(encoding="utf-8")))
    assert {"lims.js", "record.js", "lims.css", "workflow.css", "certificates.css", "verify.css"} <= loaded
    assert all((STATIC / name).is_file() for name in loaded), loaded


def _assert_csp(resp) -> None:
    assert resp.headers.get("Content-Security-Policy") == CSP, (resp.request.path, resp.status_code)


def test_the_header_on_a_page_an_api_answer_and_an_error(client, make_user, login, token_for):
    admin = make_user("admin.csp", "admin")
    api = client.get("/api/v1/me", headers=token_for(admin))
    assert api.status_code == 200 and api.is_json
    login("admin.csp")
    page = client.get("/requests")
    assert page.status_code == 200 and page.mimetype == "text/html"
    refused = client.get("/api/v1/instruments/999999", headers={"Accept": "application/json"})
    assert refused.status_code == 404
    static = client.get("/static/lims.js")
    static.close()  # a file response: its file is closed
    assert static.status_code == 200
    for resp in (api, page, refused, static):
        _assert_csp(resp)


@pytest.mark.committed
def test_the_header_on_the_public_check_page(issued, client):
    path = urlsplit(certs.verify_url(issued.cert)).path
    page = client.get(path)  # the front door answers before Flask
    in_english = client.get(path + "?lang=en")  # Flask answers (a language switch)
    assert page.status_code == 200 and in_english.status_code == 200
    assert '<link rel="stylesheet" href="/static/verify.css">' in page.get_data(as_text=True)
    css = client.get("/static/verify.css")
    css.close()
    assert css.status_code == 200
    for resp in (page, in_english):
        _assert_csp(resp)
