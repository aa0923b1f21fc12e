"""The front door of ``GET /v/<token>``: a WSGI middleware answering the common case before Flask.

Every QR scan lands here, so the usual answer (a genuine token, HTML or JSON) is made without
Flask's per-request machinery (app and request contexts, login manager, CSRF, Babel selector,
Flask-Limiter's hooks, the transaction wrapper). It keeps the page's promises:

* the client is counted against ``LIMS_VERIFY_RATE_LIMIT`` with Flask-Limiter's strategy
  (:attr:`flask_limiter.Limiter.limiter`, public) and the keys its per-route limit uses
  (``RATELIMIT_KEY_PREFIX``, client address, endpoint), so the count is the one the view's
  ``@limiter.limit`` keeps, shared through Redis when configured; this mirrors Flask-Limiter
  4's key layout, hence the version range pinned in ``pyproject.toml`` and the tests that
  compare both paths;
* the signature is checked before the database (remembered in the certificate context), the
  current status read at every scan (:func:`lims.web.public_reads.read_public_view`);
* the language is chosen by :func:`lims.web.language.remembered_language` from the session
  Flask's own session interface opens; JSON is chosen by :func:`lims.web.language.prefers_json`;
* the page is drawn from the same template with the cached catalog of its language.
* the answer carries the security headers of every answer (:func:`lims.web.headers.headers_of`).

Everything else goes to the Flask app unchanged: other paths and methods, ``/v/keys``, a client
over its limit (Flask-Limiter counts it again, still over, and answers 429), a token that is
not genuine (the 404 page, in the site's layout), a language switch with ``?lang=`` (remembered
in the session), a signed-in user's session or remember cookie (their language preference), a
permanent session (its cookie is refreshed), and any unexpected error (logged; the app answers).
A request counted here is marked with :data:`COUNTED` so the view's limit does not count it twice.

Kept because it earns its place: see the benchmark figures in docs/certificates.md. What any front
door shares (the path test, the count, the language, handing over to Flask) is
:class:`PublicFrontDoor`; the GS1 resolver's (:mod:`lims.web.trace_front_door`) is another.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

from flask import Flask, Request, request
from flask_limiter import HeaderNames
from flask_login.config import COOKIE_NAME as REMEMBER_COOKIE
from jinja2 import Environment, Template, pass_context
from limits import RateLimitItem, parse_many
from werkzeug.http import http_date

from certificates import tokens
from lims.config import LANGUAGES
from lims.i18n import translator
from lims.services import certificates as certs
from lims.web.extensions import limiter
from lims.web.filters import format_day
from lims.web.headers import headers_of
from lims.web.language import prefers_json, remembered_language
from lims.web.public_reads import read_public_view
from lims.web.unavailable import database_unreachable

__all__ = ["COUNTED", "Headers", "PublicFrontDoor", "VerificationFrontDoor", "counted_in_front"]

#: Set in the WSGI environ when the front door has already counted the request against the
#: client's limit (clients cannot set environ keys, only HTTP_* ones).
COUNTED = "lims.verify.counted"

Headers = list[tuple[str, str]]


def counted_in_front() -> bool:
    """For a view's ``@limiter.limit(..., exempt_when=counted_in_front)``: a front door counted it."""
    return request.environ.get(COUNTED) is True
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class PublicFrontDoor:
    """What every front door shares: the path test, counting the client against the page's limit
    as its Flask view would, the page's language, and handing the rest to Flask. A subclass says
    which requests it takes (:meth:`match`) and answers them (:meth:`answer`)."""

    #: What the log says when an error sends a request to the full app.
    NAME = "public page"

    def __init__(self, app: Flask, wsgi_app: WSGIApp, *, limit: Callable[[], str], routes: dict[str, str]) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.limit = limit
        self._accept: dict[str, bool] = {}
        self._limits: tuple[str, list[RateLimitItem]] = ("", [])
        app.extensions.setdefault("lims.front_door", {}).update(routes)  # rule -> endpoint, for the tests

    def match(self, environ: dict[str, Any]) -> tuple[str, Any] | None:
        """(endpoint, what :meth:`answer` needs) for a request this door may answer, else None."""
        raise NotImplementedError

    def answer(self, environ: dict[str, Any], found: Any, limit_headers: Headers,
               start_response: Callable[..., Any]) -> Iterable[bytes] | None:
        """Answer (``start_response`` called, body returned) or None: the full app answers."""
        raise NotImplementedError

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "GET":
            return self.wsgi_app(environ, start_response)
        matched = self.match(environ)
        if matched is None:
            return self.wsgi_app(environ, start_response)
        endpoint, found = matched
        try:
            limit_headers = self._count(environ, endpoint)
        except Exception:  # noqa: BLE001 - storage trouble: Flask-Limiter's settings decide (fallback, swallow, error)
            return self.wsgi_app(environ, start_response)
        if limit_headers is None:  # over the limit
            return self.wsgi_app(environ, start_response)
        try:
            body = self.answer(environ, found, limit_headers, start_response)
        except Exception as exc:  # noqa: BLE001 - the full app answers (a 503 when the database is down)
            if not database_unreachable(exc):
                self.app.logger.exception("%s: the full app answers after an error", self.NAME)
            body = None
        if body is None:
            return self._to_flask(environ, start_response, limit_headers)
        return body

    def _to_flask(self, environ: dict[str, Any], start_response: Callable[..., Any],
                  limit_headers: Headers) -> Iterable[bytes]:
        if not limit_headers:
            return self.wsgi_app(environ, start_response)

        def start_with_limits(status: str, headers: Headers, exc_info: Any = None) -> Any:
            return start_response(status, list(headers) + limit_headers, exc_info)

        return self.wsgi_app(environ, start_with_limits)

    # -- rate limit

    def _parsed_limits(self) -> list[RateLimitItem]:
        text = self.limit()
        if self._limits[0] != text:
            self._limits = (text, sorted(parse_many(text)))
        return self._limits[1]

    def _count(self, environ: dict[str, Any], endpoint: str) -> Headers | None:
        """Count the request as the view's ``@limiter.limit`` does; the X-RateLimit headers,
        or None when the client is over its limit."""
        config = self.app.config
        if not (config.get("RATELIMIT_ENABLED", True) and limiter.enabled and limiter.initialized):
            return []
        strategy = limiter.limiter
        args = [environ.get("REMOTE_ADDR") or "127.0.0.1", endpoint]
        prefix = config.get("RATELIMIT_KEY_PREFIX")  # what Flask-Limiter applies (our Limiter sets none itself)
        if prefix:
            args.insert(0, prefix)
        limits = self._parsed_limits()
        for item in limits:
            if not strategy.hit(item, *args):
                return None
        environ[COUNTED] = True
        if not limits or not config.get("RATELIMIT_HEADERS_ENABLED"):
            return []
        return self._limit_headers(limits[0], strategy.get_window_stats(limits[0], *args))

    def _limit_headers(self, item: RateLimitItem, window: Any) -> Headers:
        """The headers Flask-Limiter sends for the smallest window."""
        config = self.app.config
        reset_at = int(window[0] + 1)
        if config.get("RATELIMIT_HEADER_RETRY_AFTER_VALUE") == "http-date":
            retry_after = http_date(reset_at)
        else:
            retry_after = str(int(reset_at - time.time()))
        return [(config.get("RATELIMIT_HEADER_LIMIT", HeaderNames.LIMIT.value), str(item.amount)),
                (config.get("RATELIMIT_HEADER_REMAINING", HeaderNames.REMAINING.value), str(window[1])),
                (config.get("RATELIMIT_HEADER_RESET", HeaderNames.RESET.value), str(reset_at)),
                (config.get("RATELIMIT_HEADER_RETRY_AFTER", HeaderNames.RETRY_AFTER.value), retry_after)]

    # -- the language

    def language(self, environ: dict[str, Any]) -> str | None:
        """The page's language as :func:`lims.web.language.select_language` chooses it, or None
        when only the full app can choose (or must remember) it."""
        request = None
        if "lang" in environ.get("QUERY_STRING", ""):
            request = Request(environ)
            if request.args.get("lang") in LANGUAGES:
                return None  # a switch: the app remembers it in the session
        if environ.get("HTTP_COOKIE"):
            request = request or Request(environ)
            stored: Any = self.app.session_interface.open_session(self.app, request) or {}  # Flask's own reading
            if "_user_id" in stored or stored.get("_permanent"):
                return None
            remembered = remembered_language(stored)
            if remembered:
                return remembered
            if self.app.config.get("REMEMBER_COOKIE_NAME", REMEMBER_COOKIE) in request.cookies:
                return None
        return str(self.app.config["LIMS"].language)


class VerificationFrontDoor(PublicFrontDoor):
    """WSGI middleware answering the common case of ``GET /v/<token>`` before Flask."""

    #: The Flask endpoint whose answers this front door gives; it is public (``@public``).
    ENDPOINT = "public_certificates.verify"
    PREFIX = "/v/"
    RESERVED = frozenset({"keys", "lookup"})  # /v/keys and any other static rule under /v/
    NAME = "public check page"

    def __init__(self, app: Flask, wsgi_app: WSGIApp, *, context: Callable[[], certs.CertificateContext],
                 limit: Callable[[], str]) -> None:
        super().__init__(app, wsgi_app, limit=limit, routes={f"{self.PREFIX}<token>": self.ENDPOINT})
        self.context = context
        self._env: Environment | None = None

    def match(self, environ: dict[str, Any]) -> tuple[str, Any] | None:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(self.PREFIX):
            return None
        token = path[len(self.PREFIX):]
        if not token or "/" in token or token in self.RESERVED:
            return None
        return self.ENDPOINT, token

    def answer(self, environ: dict[str, Any], found: Any, limit_headers: Headers,
               start_response: Callable[..., Any]) -> Iterable[bytes] | None:
        answer = self._answer(environ, found)
        if answer is None:
            return None
        body, headers = answer
        start_response("200 OK", headers + limit_headers)
        return [body]

    # -- the answer

    def _answer(self, environ: dict[str, Any], token: str) -> tuple[bytes, Headers] | None:
        req = Request(environ)
        lang = self.language(environ)
        if lang is None:
            return None
        ctx = self.context()
        try:
            certificate_id, scope = certs.genuine_token(token, ctx)  # before any database work
            view = read_public_view(self.app.extensions["lims.engine"], certificate_id).for_scope(scope, ctx)
        except certs.NotGenuine:
            return None
        if self._wants_json(environ.get("HTTP_ACCEPT", ""), req):
            body, content_type = self._json(view, ctx)
        else:
            root = f"{environ.get('SCRIPT_NAME', '')}{self.PREFIX}"
            newer_url = f"{root}{quote(view.superseded_by_token)}" if view.superseded_by_token else None
            pdf_url = f"{root}{quote(token)}/pdf" if scope == tokens.SCOPE_FULL else None
            translate = translator(lang)
            body = self._template().render(v=view, newer_url=newer_url, pdf_url=pdf_url, lang=lang,
                                           languages=LANGUAGES, _=translate, gettext=translate).encode()
            content_type = "text/html; charset=utf-8"
        return body, [("Content-Type", content_type), ("Content-Length", str(len(body))),
                      ("Cache-Control", "no-store"), ("Vary", "Accept, Cookie"), *headers_of(self.app)]

    def _json(self, view: certs.PublicView, ctx: certs.CertificateContext) -> tuple[bytes, str]:
        """The JSON as ``flask.jsonify`` writes it (the app's JSON provider and its settings)."""
        provider = self.app.json
        compact = getattr(provider, "compact", None)
        args: dict[str, Any] = {"indent": 2} if (compact is None and self.app.debug) or compact is False \
            else {"separators": (",", ":")}
        body = f"{provider.dumps(view.as_json(ctx.base_url), **args)}\n".encode()
        return body, getattr(provider, "mimetype", "application/json")

    def _wants_json(self, header: str, req: Request) -> bool:
        """:func:`lims.web.language.prefers_json` of the Accept header, remembered per header."""
        found = self._accept.get(header)
        if found is None:
            found = prefers_json(req.accept_mimetypes)
            if len(self._accept) < 256:
                self._accept[header] = found
        return found

    def _template(self) -> Template:
        """``public/verify.html`` from the app's templates, in an environment whose ``day``
        filter takes the language from the page rather than from ``flask.g``."""
        env = self._env
        if env is None:
            env = self.app.jinja_env.overlay(cache_size=16)
            env.filters = {**env.filters, "day": _day_in_page_language}
            self._env = env
        return env.get_template("public/verify.html")


@pass_context
def _day_in_page_language(context: Any, value: Any) -> str:
    return format_day(value, context.get("lang") or "vi")
