"""Public verification of certificates: ``/v/<token>`` (the QR code) and ``/v/keys``.

No login. A genuine token shows the certificate's number, kind, instrument, owner, dates,
status (valid, expired, revoked, superseded with a link to the certificate that replaced
it), the lab and the SHA-256 of the issued PDF; ``Accept: application/json`` returns the
same as JSON. A forged, altered or unknown token gets a "not a genuine certificate of this
lab" answer with status 404. Lookups are rate-limited per client address
(``LIMS_VERIFY_RATE_LIMIT``, default 60 per minute; storage ``LIMS_RATELIMIT_STORAGE_URL``,
so several processes share the count through Redis).

The usual answer of ``GET /v/<token>`` (a genuine token) is given by
:class:`VerificationFrontDoor`, a WSGI middleware in front of Flask that promises the same
(current status read at every scan, the same limit, page and JSON); the Flask view below
answers everything else (not genuine, language switch, signed-in users, over the limit).

This module also gives every request the certificate context (instance folder, base URL,
signing keys) the certificate services use.
"""
from __future__ import annotations

import contextlib
import threading
import time

from flask import Blueprint, Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from jinja2 import pass_context
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from lims.app import wants_json
from lims.config import LANGUAGES
from lims.i18n import gettext as fast_gettext
from lims.i18n import translator
from lims.services import certificates as certs
from lims.web import transaction
from lims.web.auth import public
from lims.web.errors import problem
from lims.web.extensions import limiter
from lims.web.filters import format_day

bp = Blueprint("public_certificates", __name__)


def certificate_context(app: Flask) -> certs.CertificateContext:
    """The app's certificate context, built once from its settings (:class:`lims.config.Settings`)."""
    ctx = app.extensions.get("lims.certificates")
    if ctx is None:
        ctx = certs.context_from_settings(app.config["LIMS"])
        app.extensions["lims.certificates"] = ctx
    return ctx


def _write_issued_files() -> None:
    """After a committed request: write the files the certificate services queued (issued PDFs)."""
    db = g.get("db")
    if db is not None:
        certs.write_pending(db)


@bp.record_once
def _install(state) -> None:
    app = state.app
    app.wsgi_app = VerificationFrontDoor(app, app.wsgi_app)

    @app.before_request
    def _certificate_context():
        # The workflow's approval issues a certificate without a context argument (see
        # lims.services.certificates.context): it finds the app's through the context variable.
        g._cert_ctx_token = certs.set_context(certificate_context(app))
        transaction.after_commit(_write_issued_files)

    @app.teardown_request
    def _forget_certificate_context(exc):
        token = g.pop("_cert_ctx_token", None)
        if token is not None:
            try:
                certs.reset_context(token)
            except ValueError:  # set in another context (streamed response); harmless
                pass


class _Readers:
    """Autocommit connections for the public page, kept between requests (at most ``KEEP``).

    The public page is the lab's busiest (every QR scan). A kept connection skips the pool's
    check-out and liveness ping, and autocommit skips BEGIN and ROLLBACK, so a scan costs one
    round trip to the database. Connections belong to no thread (threaded servers start a thread
    per request); a new engine (as in tests) replaces the kept ones.
    """

    KEEP = 8

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.engine: Engine | None = None
        self.idle: list[Connection] = []

    def take(self, engine: Engine) -> Connection:
        with self.lock:
            if self.engine is not engine:
                for conn in self.idle:
                    with contextlib.suppress(Exception):
                        conn.close()
                self.engine, self.idle = engine, []
            while self.idle:
                conn = self.idle.pop()
                if not conn.closed and not conn.invalidated:
                    return conn
        return engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def give_back(self, engine: Engine, conn: Connection) -> None:
        with self.lock:
            if self.engine is engine and len(self.idle) < self.KEEP and not conn.invalidated:
                self.idle.append(conn)
                return
        with contextlib.suppress(Exception):
            conn.close()


_readers = _Readers()


def _read(engine: Engine, certificate_id: int) -> certs.PublicView:
    """One read; a connection the database dropped (restart, idle timeout) is replaced once.

    On PostgreSQL with psycopg the statement goes to the driver directly, prepared on each kept
    connection (SQLAlchemy's per-execution work costs more than the query itself); elsewhere
    through SQLAlchemy.
    """
    dialect = engine.dialect
    direct = dialect.driver == "psycopg"
    driver_errors = (dialect.loaded_dbapi.OperationalError, dialect.loaded_dbapi.InterfaceError) if direct else ()
    for attempt in (1, 2):
        conn = _readers.take(engine)
        try:
            view = _read_on_driver(conn, dialect, certificate_id) if direct else certs.public_view(conn, certificate_id)
        except DBAPIError as exc:
            with contextlib.suppress(Exception):
                conn.invalidate()
            if attempt == 2 or not (exc.connection_invalidated or isinstance(exc, OperationalError)):
                raise
            continue
        except driver_errors:
            with contextlib.suppress(Exception):
                conn.invalidate()
            if attempt == 2:
                raise
            continue
        except certs.NotGenuine:
            _readers.give_back(engine, conn)
            raise
        except BaseException:
            with contextlib.suppress(Exception):
                conn.close()
            raise
        _readers.give_back(engine, conn)
        return view
    raise AssertionError("unreachable")  # pragma: no cover


def _read_on_driver(conn: Connection, dialect, certificate_id: int) -> certs.PublicView:
    sql, params = certs.public_statement(dialect)
    with conn.connection.driver_connection.cursor() as cur:
        cur.execute(sql, {**params, "certificate_id": certificate_id}, prepare=True)
        return certs.public_view_from_row(cur.fetchone())


def verify_limit() -> str:
    return _limit_of(current_app)


def _limit_of(app: Flask) -> str:
    return app.config.get("LIMS_VERIFY_RATE_LIMIT") or app.config["LIMS"].verify_rate_limit


#: Set in the WSGI environ by :class:`VerificationFrontDoor` when it has already counted the
#: request against the client's limit (clients cannot set environ keys, only HTTP_* ones).
COUNTED = "lims.verify.counted"


def _counted_in_front() -> bool:
    return request.environ.get(COUNTED) is True


@bp.route("/v/keys")
@public
def keys():
    """The lab's public signing keys (JWK Set, RFC 7517): anyone can check a token offline."""
    resp = jsonify(certs.public_keys(certificate_context(current_app)))
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp


@bp.route("/v/<token>")
@public
@limiter.limit(verify_limit, exempt_when=_counted_in_front)
def verify(token: str):
    """What the QR code on a certificate or stamp opens."""
    ctx = certificate_context(current_app)
    try:
        certificate_id = certs.genuine_certificate_id(token, ctx)  # before any database work
        view = _read(current_app.extensions["lims.engine"], certificate_id)
    except certs.NotGenuine:
        message = _("This is not a genuine certificate of this lab.")
        if wants_json():
            return problem(404, message, {"genuine": False})
        return render_template("public/not_genuine.html", message=message), 404
    if wants_json():
        resp = jsonify(view.as_json(ctx.base_url))
    else:
        newer_url = None
        if view.superseded_by_token:
            from flask import url_for

            newer_url = url_for("public_certificates.verify", token=view.superseded_by_token)
        # The page is translated with the service-layer catalog, cached per language (lims.i18n):
        # flask_babel's gettext looks its catalog up again at every call.
        resp = current_app.make_response(render_template("public/verify.html", v=view, newer_url=newer_url,
                                                         _=fast_gettext, gettext=fast_gettext))
    resp.headers["Cache-Control"] = "no-store"
    resp.vary.add("Accept")
    return resp


# ---------------------------------------------------------------- the front door of /v/<token>


class VerificationFrontDoor:
    """WSGI middleware answering the common case of ``GET /v/<token>`` before Flask.

    Every QR scan lands here, so the usual answer (a genuine token, HTML or JSON) is made
    without Flask's request machinery: the client is counted against ``LIMS_VERIFY_RATE_LIMIT``
    with Flask-Limiter's own strategy, storage and keys (so the count is the one the view's
    ``@limiter.limit`` keeps, shared through Redis when configured), the signature is checked
    (remembered per process), the certificate's current status is read from the database with
    the page's one query, and the page is drawn from the same template with the cached catalog
    of its language. The page promises the same as the Flask view, which stays registered.

    Everything else goes to the Flask app unchanged: other paths and methods, ``/v/keys``, a
    client over its limit (Flask-Limiter counts it again, still over, and answers 429), a
    token that is not genuine (the 404 page, in the site's layout), a language switch with
    ``?lang=`` (remembered in the session), a signed-in user's session or remember cookie
    (their language preference), a permanent session (its cookie is refreshed), and any
    unexpected error (logged; the app answers, or shows its error page). A request counted
    here is marked with :data:`COUNTED` so the view's limit does not count it twice.
    """

    #: The Flask endpoint whose answers this front door gives; it is public (``@public``).
    ENDPOINT = "public_certificates.verify"
    PREFIX = "/v/"
    RESERVED = frozenset({"keys"})  # /v/keys and any other static rule under /v/

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self._env = None
        self._accept: dict[str, bool] = {}
        self._limits: tuple[str, list] = ("", [])
        self._serializer = None
        app.extensions.setdefault("lims.front_door", {})[f"{self.PREFIX}<token>"] = self.ENDPOINT

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith(self.PREFIX) or environ.get("REQUEST_METHOD") != "GET":
            return self.wsgi_app(environ, start_response)
        token = path[len(self.PREFIX):]
        if not token or "/" in token or token in self.RESERVED:
            return self.wsgi_app(environ, start_response)
        try:
            limit_headers = self._count(environ)
        except Exception:  # storage trouble: Flask-Limiter's settings decide (fallback, swallow, error)
            return self.wsgi_app(environ, start_response)
        if limit_headers is None:  # over the limit
            return self.wsgi_app(environ, start_response)
        try:
            answer = self._answer(environ, token)
        except Exception:
            self.app.logger.exception("public check page: the full app answers after an error")
            answer = None
        if answer is None:
            if not limit_headers:
                return self.wsgi_app(environ, start_response)

            def start_with_limits(status, headers, exc_info=None):
                return start_response(status, list(headers) + limit_headers, exc_info)

            return self.wsgi_app(environ, start_with_limits)
        body, headers = answer
        start_response("200 OK", headers + limit_headers)
        return [body]

    # -- rate limit

    def _count(self, environ) -> list[tuple[str, str]] | None:
        """Count the request as the view's ``@limiter.limit`` does; the X-RateLimit headers,
        or None when the client is over its limit."""
        config = self.app.config
        if not (config.get("RATELIMIT_ENABLED", True) and limiter.enabled and limiter.initialized):
            return []
        from flask_limiter.constants import HeaderNames

        text = _limit_of(self.app)
        if self._limits[0] != text:
            from limits import parse_many

            self._limits = (text, sorted(parse_many(text)))
        strategy = limiter.limiter
        args = [environ.get("REMOTE_ADDR") or "127.0.0.1", self.ENDPOINT]
        # The prefix Flask-Limiter itself applies (it keeps the first one it was given).
        prefix = getattr(limiter, "_key_prefix", None) or config.get("RATELIMIT_KEY_PREFIX")
        if prefix:
            args.insert(0, prefix)
        limits = self._limits[1]
        for item in limits:
            if not strategy.hit(item, *args):
                return None
        environ[COUNTED] = True
        if not limits or not config.get("RATELIMIT_HEADERS_ENABLED"):
            return []
        item = limits[0]  # the smallest window, as Flask-Limiter reports it
        window = strategy.get_window_stats(item, *args)
        reset_at = int(window[0] + 1)
        if config.get("RATELIMIT_HEADER_RETRY_AFTER_VALUE") == "http-date":
            from werkzeug.http import http_date

            retry_after = http_date(reset_at)
        else:
            retry_after = str(int(reset_at - time.time()))
        return [(config.get("RATELIMIT_HEADER_LIMIT", HeaderNames.LIMIT.value), str(item.amount)),
                (config.get("RATELIMIT_HEADER_REMAINING", HeaderNames.REMAINING.value), str(window[1])),
                (config.get("RATELIMIT_HEADER_RESET", HeaderNames.RESET.value), str(reset_at)),
                (config.get("RATELIMIT_HEADER_RETRY_AFTER", HeaderNames.RETRY_AFTER.value), retry_after)]

    # -- the answer

    def _answer(self, environ, token: str) -> tuple[bytes, list[tuple[str, str]]] | None:
        lang = self._language(environ)
        if lang is None:
            return None
        app = self.app
        ctx = certificate_context(app)
        try:
            certificate_id = certs.genuine_certificate_id(token, ctx)  # before any database work
            view = _read(app.extensions["lims.engine"], certificate_id)
        except certs.NotGenuine:
            return None
        if self._wants_json(environ.get("HTTP_ACCEPT", "")):
            provider = app.json
            compact = getattr(provider, "compact", None)
            args = {"indent": 2} if (compact is None and app.debug) or compact is False \
                else {"separators": (",", ":")}
            body = f"{provider.dumps(view.as_json(ctx.base_url), **args)}\n".encode()
            content_type = getattr(provider, "mimetype", "application/json")
        else:
            newer_url = None
            if view.superseded_by_token:
                from urllib.parse import quote

                newer_url = f"{environ.get('SCRIPT_NAME', '')}{self.PREFIX}{quote(view.superseded_by_token)}"
            translate = translator(lang)
            body = self._template().render(v=view, newer_url=newer_url, lang=lang, languages=LANGUAGES,
                                           _=translate, gettext=translate).encode()
            content_type = "text/html; charset=utf-8"
        return body, [("Content-Type", content_type), ("Content-Length", str(len(body))),
                      ("Cache-Control", "no-store"), ("Vary", "Accept, Cookie")]

    def _language(self, environ) -> str | None:
        """The page's language as :func:`lims.web.select_language` chooses it, or None when
        only the full app can choose (or must remember) it."""
        query = environ.get("QUERY_STRING")
        if query and "lang" in query:
            from urllib.parse import parse_qs

            if (parse_qs(query).get("lang") or [None])[0] in LANGUAGES:
                return None  # a switch: the app remembers it in the session
        cookie = environ.get("HTTP_COOKIE")
        if cookie:
            from werkzeug.http import parse_cookie

            cookies = parse_cookie(cookie)
            value = cookies.get(self.app.config["SESSION_COOKIE_NAME"])
            if value:
                session = self._session(value)
                if "_user_id" in session or session.get("_permanent"):
                    return None
                if session.get("lang") in LANGUAGES:
                    return session["lang"]
            if self.app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in cookies:
                return None
        return self.app.config["LIMS"].language

    def _session(self, value: str) -> dict:
        """The signed session cookie's content, as Flask reads it (empty when not valid)."""
        from itsdangerous import BadSignature

        if self._serializer is None:
            self._serializer = self.app.session_interface.get_signing_serializer(self.app)
        if self._serializer is None:
            return {}
        try:
            data = self._serializer.loads(value, max_age=int(self.app.permanent_session_lifetime.total_seconds()))
        except BadSignature:
            return {}
        return data if isinstance(data, dict) else {}

    def _wants_json(self, header: str) -> bool:
        """:func:`lims.app.wants_json` for this path, remembered per Accept header."""
        found = self._accept.get(header)
        if found is None:
            from werkzeug.datastructures import MIMEAccept
            from werkzeug.http import parse_accept_header

            accept = parse_accept_header(header or None, MIMEAccept)
            best = accept.best_match(["application/json", "text/html"])
            found = best == "application/json" and accept[best] > accept["text/html"]
            if len(self._accept) < 256:
                self._accept[header] = found
        return found

    def _template(self):
        """``public/verify.html`` from the app's templates, in an environment whose ``day``
        filter takes the language from the page rather than from ``flask.g``."""
        env = self._env
        if env is None:
            env = self.app.jinja_env.overlay(cache_size=16)
            env.filters = {**env.filters, "day": _day_in_page_language}
            self._env = env
        return env.get_template("public/verify.html")


@pass_context
def _day_in_page_language(context, value):
    return format_day(value, context.get("lang") or "vi")
