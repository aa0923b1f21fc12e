"""Public verification of certificates: ``/v/<token>`` (the QR code) and ``/v/keys``.

No login. A genuine token shows the certificate's number, kind, instrument, owner, dates,
status (valid, expired, revoked, superseded with a link to the certificate that replaced
it), the lab and the SHA-256 of the issued PDF; ``Accept: application/json`` returns the
same as JSON. A forged, altered or unknown token gets a "not a genuine certificate of this
lab" answer with status 404. Lookups are rate-limited per client address
(``LIMS_VERIFY_RATE_LIMIT``, default 60 per minute; storage ``LIMS_RATELIMIT_STORAGE_URL``,
so several processes share the count through Redis).

This module also gives every request the certificate context (instance folder, base URL,
signing keys) the certificate services use.
"""
from __future__ import annotations

import contextlib
import os
import threading

from flask import Blueprint, Flask, current_app, jsonify, render_template
from flask_babel import gettext as _
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from lims.app import wants_json
from lims.i18n import gettext as fast_gettext
from lims.services import certificates as certs
from lims.web.auth import public
from lims.web.errors import problem
from lims.web.extensions import limiter

bp = Blueprint("public_certificates", __name__)
DEFAULT_LIMIT = "60 per minute"


def certificate_context(app: Flask) -> certs.CertificateContext:
    """The app's certificate context, built once from its settings (config may override patterns)."""
    ctx = app.extensions.get("lims.certificates")
    if ctx is None:
        import dataclasses

        ctx = certs.context_from_settings(app.config["LIMS"])
        overrides = {k: app.config[c] for k, c in (("number_pattern", "LIMS_CERTIFICATE_NUMBER_PATTERN"),
                                                   ("stamp_pattern", "LIMS_STAMP_NUMBER_PATTERN"))
                     if app.config.get(c)}
        if overrides:
            ctx = dataclasses.replace(ctx, **overrides)
        app.extensions["lims.certificates"] = ctx
    return ctx


@bp.record_once
def _install(state) -> None:
    app = state.app

    @app.before_request
    def _certificate_context():
        from flask import g

        g._cert_ctx_token = certs.set_context(certificate_context(app))

    @app.teardown_request
    def _forget_certificate_context(exc):
        from flask import g

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
    """One read; a connection the database dropped (restart, idle timeout) is replaced once."""
    for attempt in (1, 2):
        conn = _readers.take(engine)
        try:
            view = certs.public_view(conn, certificate_id)
        except DBAPIError as exc:
            with contextlib.suppress(Exception):
                conn.invalidate()
            if attempt == 2 or not (exc.connection_invalidated or isinstance(exc, OperationalError)):
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


def verify_limit() -> str:
    return current_app.config.get("LIMS_VERIFY_RATE_LIMIT") or os.environ.get("LIMS_VERIFY_RATE_LIMIT") \
        or DEFAULT_LIMIT


@bp.route("/v/keys")
@public
def keys():
    """The lab's public signing keys (JWK Set, RFC 7517): anyone can check a token offline."""
    resp = jsonify(certs.public_keys(certificate_context(current_app)))
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp


@bp.route("/v/<token>")
@public
@limiter.limit(verify_limit)
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
