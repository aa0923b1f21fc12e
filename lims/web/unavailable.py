"""The database cannot be reached: 503 with ``Retry-After``, and one log line per outage.

While the database is down (server stopped, refused, unreachable, an SQLite file that cannot
be opened) every request that needs it is answered 503 Service Unavailable with
``Retry-After`` and a short page in the visitor's language — or the app's JSON problem
``{"error", "detail"}`` for the API and for clients asking for JSON. The page is drawn without
``base.html`` and without the context processors: both ask who is signed in, which needs the
database.

:func:`database_unreachable` tells "cannot reach the database" apart from conflicts
(:mod:`lims.web.conflicts`, still 409) and from every other error (still a logged 500).

:data:`outage` logs one warning when the first request fails, at most one line every
:attr:`Outage.REPEAT` seconds while it stays down, and one line when a connection is made
again (the engine's ``connect`` event). Recovery needs no restart: the pool connects anew on
the next request.
"""
from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

from flask import Flask, current_app, jsonify, request, session
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from lims.config import LANGUAGES
from lims.i18n import translator
from lims.web.conflicts import conflict_reason
from lims.web.context import wants_json

__all__ = ["RETRY_AFTER", "Outage", "database_unreachable", "init_unavailable", "message", "outage", "request_language",
           "unavailable"]

#: Seconds a client is asked to wait before trying again.
RETRY_AFTER = 5

#: What drivers say when no connection can be made or a connection was lost (lower case).
_LOST = (
    "connection refused", "could not connect", "unable to open database file", "connection timeout",
    "timeout expired", "server closed the connection", "terminating connection", "connection is closed",
    "the connection is closed", "connection is lost", "connection already closed", "could not translate host name",
    "name or service not known", "no route to host", "network is unreachable", "connection failed",
    "connection reset", "broken pipe", "the database system is starting up", "the database system is shutting down",
    "consuming input failed", "server conn crashed", "ssl syscall error", "connection to server",
)


def _says_lost(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(marker in text for marker in _LOST)


def database_unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database cannot be reached (not a conflict, not a bug)."""
    if conflict_reason(exc) is not None:
        return False
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        if isinstance(exc, (OperationalError, InterfaceError)):
            return _says_lost(exc.orig if exc.orig is not None else exc)
        return False
    # A driver's own error, not wrapped by SQLAlchemy (the public check page's direct reads).
    name = type(exc).__name__
    module = type(exc).__module__ or ""
    if name in ("OperationalError", "InterfaceError") and module.split(".")[0] in ("psycopg", "sqlite3", "psycopg2"):
        return _says_lost(exc)
    return False


class Outage:
    """One log line per failure burst: when it starts, every :attr:`REPEAT` s while it lasts,
    and when the database answers again."""

    REPEAT = 30.0

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.since: float | None = None
        self.logged = 0.0
        self.failures = 0

    def reset(self) -> None:
        with self.lock:
            self.since, self.logged, self.failures = None, 0.0, 0

    @property
    def down(self) -> bool:
        return self.since is not None

    def failed(self, exc: BaseException, logger: Any) -> None:
        now = time.monotonic()
        reason = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__])[0]
        with self.lock:
            self.failures += 1
            if self.since is None:
                self.since, self.logged = now, now
                logger.warning("database unreachable: %s (answering 503 until it is back)", reason)
            elif now - self.logged >= self.REPEAT:
                self.logged = now
                logger.warning("database still unreachable after %.0f s (%d requests answered 503): %s",
                               now - self.since, self.failures, reason)

    def connected(self, logger: Any) -> None:
        if self.since is None:
            return
        with self.lock:
            if self.since is None:
                return
            lasted, failures = time.monotonic() - self.since, self.failures
            self.since, self.failures = None, 0
        logger.warning("database reachable again after %.0f s (%d requests answered 503)", lasted, failures)


#: One per process (a process serves one app).
outage = Outage()


def request_language() -> str:
    """The page's language without the database: ?lang=, the session's, Accept-Language for
    the API, then LIMS_LANGUAGE (a signed-in user's preference needs the database)."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        with contextlib.suppress(Exception):  # remembered, as select_language would have
            session["lang"] = asked
        return str(asked)
    try:
        remembered = session.get("lang")
    except Exception:  # noqa: BLE001 - a session that cannot be read: the default
        remembered = None
    if remembered in LANGUAGES:
        return str(remembered)
    header = request.accept_languages.best_match(LANGUAGES) if request.path.startswith("/api/") else None
    return header or str(current_app.config["LIMS"].language)


def message(lang: str) -> str:
    _ = translator(lang)
    return _("The database cannot be reached just now. Please try again in a few seconds.")


def unavailable(exc: BaseException, detail: dict | None = None) -> Any:
    """The 503 answer (page or JSON problem), logged once per outage."""
    outage.failed(exc, current_app.logger)
    lang = request_language()
    text = message(lang)
    if wants_json():
        resp = jsonify({"error": text, "detail": detail or {"database": "unreachable"}})
    else:
        _ = translator(lang)
        # Drawn without the context processors: Flask-Login's asks the database who is signed in.
        again_url = request.full_path.rstrip("?") if request.method == "GET" else request.path
        page = current_app.jinja_env.get_template("unavailable.html").render(
            lang=lang, message=text, title=_("Temporarily unavailable"), again=_("Try again"), again_url=again_url)
        resp = current_app.response_class(page, mimetype="text/html")
    resp.status_code = 503
    resp.headers["Retry-After"] = str(RETRY_AFTER)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def init_unavailable(app: Flask) -> None:
    """Log when the app's engine connects again after an outage."""
    engine: Engine = app.extensions["lims.engine"]
    logger = app.logger

    @event.listens_for(engine, "connect")
    def _connected(_dbapi_conn: Any, _record: Any) -> None:
        outage.connected(logger)
