"""Security headers on every answer of the app.

:func:`init_security_headers` adds them after every Flask request (pages, API answers, PDFs,
error pages, static files); the public check page's front door (:mod:`lims.web.front_door`),
which answers before Flask, adds the same list (:func:`headers_of`). A header a view has set
itself is kept.

* ``X-Content-Type-Options: nosniff`` — a stored file is never run as another type;
* ``Referrer-Policy: same-origin`` — certificate tokens in links do not leave the site;
* ``X-Frame-Options: DENY`` and ``frame-ancestors 'none'`` — no page is framed (clickjacking);
* ``Content-Security-Policy`` (:data:`CSP`): scripts, styles, images, fetches and form targets from
  this site only, no plugin objects, no ``<base>`` elsewhere. No ``'unsafe-inline'`` for scripts
  nor styles: the templates hold no inline ``<script>``, no ``on*=`` attribute, no ``<style>`` and
  no ``style=`` (their code and styles are files under ``lims/web/static/``; a test walks them);
* ``Strict-Transport-Security`` only when ``LIMS_BASE_URL`` is https.
"""
from __future__ import annotations

from flask import Flask, Response

__all__ = ["CSP", "HSTS", "headers_of", "init_security_headers", "security_headers"]

HSTS = "max-age=31536000"
CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
_KEY = "lims.security_headers"


def security_headers(*, https: bool) -> list[tuple[str, str]]:
    """The headers every answer carries (HSTS only over https)."""
    headers = [
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
        ("Content-Security-Policy", CSP),
    ]
    if https:
        headers.append(("Strict-Transport-Security", HSTS))
    return headers


def headers_of(app: Flask) -> list[tuple[str, str]]:
    """The security headers of ``app`` (as its settings' base URL asks)."""
    return list(app.extensions[_KEY])


def init_security_headers(app: Flask) -> None:
    app.extensions[_KEY] = tuple(security_headers(https=app.config["LIMS"].https))

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in app.extensions[_KEY]:
            response.headers.setdefault(name, value)
        return response
