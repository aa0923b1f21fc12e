"""The JSON API under /api/v1, described by OpenAPI 3 at /api/v1/openapi.json.

Authentication: ``Authorization: Bearer <token>`` (``lims user token USERNAME``), or the
browser session for pages that call the API (then unsafe methods need ``X-CSRFToken``).
Errors: ``{"error": "...", "detail": {...}}`` with a 4xx status; validation errors name the
field in ``detail.fields``.
"""
from __future__ import annotations

from flask import g, request
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError as WTFValidationError

from lims.web.api.catalog import bp as catalog_bp
from lims.web.api.meta import bp as meta_bp

BLUEPRINTS = [meta_bp, catalog_bp]

SAFE = {"GET", "HEAD", "OPTIONS"}


def _csrf_for_cookie_sessions():
    if request.method in SAFE or g.get("api_token_auth"):
        return None
    try:
        validate_csrf(request.headers.get("X-CSRFToken", ""))
    except WTFValidationError as exc:
        raise CSRFError(str(exc)) from exc
    return None


def register(api) -> None:
    for bp in BLUEPRINTS:
        api.register_blueprint(bp, url_prefix="/api/v1" + (bp.url_prefix or ""))


def api_blueprint(bp):
    """Add an API blueprint: CSRF check for cookie sessions, listed for registration."""
    bp.before_request(_csrf_for_cookie_sessions)
    if bp not in BLUEPRINTS:
        BLUEPRINTS.append(bp)
    return bp


for _bp in BLUEPRINTS:
    _bp.before_request(_csrf_for_cookie_sessions)

from lims.web.api import certificates as _certificates_api  # noqa: E402,F401  (registers itself)
from lims.web.api import workflow as _workflow_api  # noqa: E402,F401  (registers itself)
