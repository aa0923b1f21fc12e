"""What every API blueprint shares: the CSRF check for cookie sessions (a leaf: API modules import it)."""
from __future__ import annotations

from typing import Any

from flask import g, request
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError as WTFValidationError

__all__ = ["api_blueprint"]

SAFE = {"GET", "HEAD", "OPTIONS"}


def _csrf_for_cookie_sessions() -> None:
    if request.method in SAFE or g.get("api_token_auth"):
        return None
    try:
        validate_csrf(request.headers.get("X-CSRFToken", ""))
    except WTFValidationError as exc:
        raise CSRFError(str(exc)) from exc
    return None


def api_blueprint(bp: Any) -> Any:
    """Make ``bp`` an API blueprint: unsafe requests of a cookie session need ``X-CSRFToken``."""
    bp.before_request(_csrf_for_cookie_sessions)
    return bp
