"""What every API blueprint shares: the CSRF check for cookie sessions, and input checked as typed JSON
(a leaf: API modules import it)."""
from __future__ import annotations

from typing import Any

from flask import g, request
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError as WTFValidationError

from lims.services.validation import typed_input

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


def _typed_on() -> None:
    typed_input.set(True)


def _typed_off(_exc: BaseException | None) -> None:
    typed_input.set(False)  # not reset(token): a streamed answer may end in another context


def api_blueprint(bp: Any) -> Any:
    """Make ``bp`` an API blueprint: unsafe requests of a cookie session need ``X-CSRFToken``, and
    the JSON body's values are checked as typed, never converted
    (:data:`lims.services.validation.typed_input`)."""
    bp.before_request(_typed_on)
    bp.before_request(_csrf_for_cookie_sessions)
    bp.teardown_request(_typed_off)
    return bp
