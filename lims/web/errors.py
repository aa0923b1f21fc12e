"""Errors as a page for people and as a JSON problem for programs.

One handler answers every :class:`~lims.errors.LimsError` — also those of the pure packages'
hierarchies made subclasses of it (certificates, instruments), which may carry only a
message: it reads ``status`` (else 400), ``message`` (else ``str(exc)``) and ``detail`` (else
``{}``) from the error, rolls the request's session back, and answers ``{"error", "detail"}``
or the error page, by what the client accepts (:func:`lims.app.wants_json`).

A database error that is a conflict — a stale optimistic-locking update, a unique violation,
a lock not obtained in time (:mod:`lims.web.conflicts`) — is answered as that 409, whether the
service's flush or the request's commit raised it; one that means the database cannot be reached
is a 503 with ``Retry-After``, logged once per outage (:mod:`lims.web.unavailable`); any other is
a logged 500.
"""
from __future__ import annotations

import contextlib
from typing import Any

from flask import Flask, current_app, g, has_request_context, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from lims.errors import LimsError
from lims.field_labels import field_label
from lims.i18n import N_, _, set_language
from lims.web import transaction
from lims.web.conflicts import conflict_reason, database_conflict
from lims.web.context import wants_json
from lims.web.unavailable import database_unreachable, unavailable
from lims.web.validation_messages import translated

INTERNAL = N_("Internal error; it has been logged.")

# What each HTTP status says to people, in the page's language, instead of werkzeug's stock
# English ("The requested URL was not found on the server..."): pages and API bodies alike.
STATUS_MESSAGES = {
    400: N_("The request could not be understood. Please check what was sent."),
    401: N_("Please sign in first."),
    403: N_("You are not allowed to open this page or to do this."),
    404: N_("This page or item does not exist. Check the address, or go back and follow a link."),
    405: N_("This action cannot be done this way (the method is not allowed here)."),
    406: N_("This address cannot answer in the format asked for."),
    408: N_("The request took too long. Please try again."),
    409: N_("This conflicts with a change made meanwhile. Reload and try again."),
    410: N_("This item is gone for good."),
    411: N_("The request must say how long its body is."),
    412: N_("The item was changed meanwhile. Reload and try again."),
    413: N_("What was sent is too large."),
    414: N_("The address is too long."),
    415: N_("This kind of content cannot be accepted here."),
    416: N_("The requested part of the file does not exist."),
    422: N_("Some fields are not valid. Please correct them."),
    428: N_("The request must name the version it changes."),
    429: N_("Too many requests; please wait a moment and try again."),
    431: N_("The request's headers are too large."),
    500: INTERNAL,
    501: N_("This is not available on this server."),
    502: N_("A service this one relies on did not answer properly. Please try again later."),
    503: N_("The service is unavailable for a moment. Please try again later."),
    504: N_("A service this one relies on did not answer in time. Please try again later."),
}


def status_message(status: int) -> str:
    """What ``status`` says to people, in the current language."""
    if status in STATUS_MESSAGES:
        return _(STATUS_MESSAGES[status])
    return _(STATUS_MESSAGES[500]) if status >= 500 else _(STATUS_MESSAGES[400])


def problem(status: int, error: str, detail: dict | None = None):
    resp = jsonify({"error": error, "detail": detail or {}})
    resp.status_code = status
    return resp


def answer(status: int, message: str, detail: dict | None = None) -> ResponseReturnValue:
    """The JSON problem or the error page for ``status``."""
    if wants_json():
        return problem(status, message, detail)
    return render_template("error.html", status=status, message=message), status


def status_of(exc: BaseException) -> int:
    """The HTTP status a domain error asks for (400 when it names none, 500 when it names no 4xx/5xx)."""
    status = getattr(exc, "status", 400)
    return status if isinstance(status, int) and 400 <= status <= 599 else 500


def domain_error(exc: LimsError) -> ResponseReturnValue:
    transaction.rollback()
    message = getattr(exc, "message", None) or str(exc)
    detail = getattr(exc, "detail", None)
    return answer(status_of(exc), str(message), detail if isinstance(detail, dict) else {})


def database_error(exc: SQLAlchemyError) -> ResponseReturnValue:
    """409 for a conflict (logged as one line, no traceback), 503 when the database cannot be
    reached (one log line per outage), else the logged 500."""
    conflict = database_conflict(exc)
    if conflict is None:
        if database_unreachable(exc):
            return _unreachable(exc)
        return unexpected(exc)
    current_app.logger.warning("conflict (%s): %s", conflict_reason(exc), str(exc).splitlines()[0])
    return domain_error(conflict)


def _unreachable(exc: BaseException) -> ResponseReturnValue:
    with contextlib.suppress(Exception):  # the session's connection may be gone already
        transaction.rollback()
    return unavailable(exc)


def unexpected(exc: Exception) -> ResponseReturnValue:
    if database_unreachable(exc):  # a driver's own error, not wrapped by SQLAlchemy
        return _unreachable(exc)
    current_app.logger.exception("unhandled error")
    transaction.rollback()
    return answer(500, status_message(500))


def _fields_of(data: Any) -> dict[str, str]:
    """webargs/flask-smorest validation messages as one message per field; a nested field is
    named by its path (``points.0.seq``), as the services name theirs."""
    fields: dict[str, str] = {}

    def walk(prefix: str, msgs: Any) -> None:
        if isinstance(msgs, dict):
            for key, inner in msgs.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        else:
            items = msgs if isinstance(msgs, list) else [msgs]
            fields[prefix] = "; ".join(translated(str(m)) for m in items)

    for _location, messages in data["messages"].items():
        walk("", messages)
    return fields


def request_language() -> None:
    """Choose the request's language if nothing has yet: an error raised before the request's own
    choice (Flask-WTF's CSRF refusal, the rate limiter's 429) speaks the page's language too."""
    if has_request_context() and "lang" not in g:
        g.lang = str(get_locale() or "vi")
        g._lang_token = set_language(g.lang)


def http_error(exc: HTTPException) -> ResponseReturnValue:
    request_language()
    status = exc.code or 500
    detail: dict = {}
    data = getattr(exc, "data", None)
    if isinstance(data, dict) and "messages" in data:
        fields = _fields_of(data)
        detail["fields"] = fields
        first = next(iter(fields.items()), None)
        message = f"{field_label(first[0])}: {first[1]}" if first else status_message(status)
    elif status == 429 or not exc.description or exc.description == type(exc).description:
        # werkzeug's stock English, or the rate limiter's "5 per 1 minute"
        message = status_message(status)
    else:  # a message of our own (abort(404, _("..."))), or a library's that the catalogs translate (CSRF)
        message = translated(str(exc.description))
    return answer(status, message, detail)


def init_errors(app: Flask) -> None:
    app.register_error_handler(LimsError, domain_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(SQLAlchemyError, database_error)
    app.register_error_handler(Exception, unexpected)
