"""Public verification of certificates: ``/v/<token>`` (the QR code) and ``/v/keys``.

No login. A genuine token shows the certificate's number, kind, instrument, owner, dates,
status (valid, expired, revoked, superseded with a link to the certificate that replaced
it), the lab and the SHA-256 of the issued PDF; ``Accept: application/json`` returns the
same as JSON. A forged, altered or unknown token gets a "not a genuine certificate of this
lab" answer with status 404. Lookups are rate-limited per client address
(``LIMS_VERIFY_RATE_LIMIT``, default 60 per minute; storage ``LIMS_RATELIMIT_STORAGE_URL``,
so several processes share the count through Redis).

The usual answer of ``GET /v/<token>`` (a genuine token) is given by
:class:`lims.web.front_door.VerificationFrontDoor`, a WSGI middleware in front of Flask that
promises the same (current status read at every scan, the same limit, page and JSON); the
Flask view below answers everything else (not genuine, language switch, signed-in users, over
the limit).

``GET /v/<token>/pdf`` gives the certificate's PDF to whoever holds its own (full) token; a
status-only token (the QR on a stamp sticker) gets 404. ``GET /v/lookup?number=…&stamp=…``
finds a certificate by its number and stamp number (a damaged QR) and answers the status-only
page, under the same limit; a miss says "not found" without telling which number was wrong.

This module also gives every request the certificate context (instance folder, base URL,
signing keys) the certificate services use.
"""
from __future__ import annotations

import threading
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from certificates import tokens
from lims.errors import ValidationError
from lims.i18n import gettext as fast_gettext
from lims.services import certificates as certs
from lims.web import transaction
from lims.web.auth import public
from lims.web.context import get_db, wants_json
from lims.web.errors import problem
from lims.web.extensions import limiter
from lims.web.front_door import COUNTED, VerificationFrontDoor
from lims.web.public_reads import read_public_view

bp = Blueprint("public_certificates", __name__)
_context_lock = threading.Lock()


def certificate_context(app: Flask) -> certs.CertificateContext:
    """The app's certificate context, built once from its settings (:class:`lims.config.Settings`)."""
    ctx = app.extensions.get("lims.certificates")
    if ctx is None:
        with _context_lock:  # the threads of one worker: built once
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
    door = VerificationFrontDoor(app, app.wsgi_app, context=lambda: certificate_context(app),
                                 limit=lambda: verify_limit_of(app))
    app.wsgi_app = door  # type: ignore[method-assign]  # the middleware pattern Flask documents

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


def verify_limit() -> str:
    return verify_limit_of(current_app)


def verify_limit_of(app: Flask) -> str:
    return app.config.get("LIMS_VERIFY_RATE_LIMIT") or app.config["LIMS"].verify_rate_limit


def _counted_in_front() -> bool:
    return request.environ.get(COUNTED) is True


@bp.route("/v/keys")
@public
def keys():
    """The lab's public signing keys (JWK Set, RFC 7517): anyone can check a token offline."""
    resp = jsonify(certs.public_keys(certificate_context(current_app)))
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp


def _not_genuine_answer():
    message = _("This is not a genuine certificate of this lab.")
    if wants_json():
        return problem(404, message, {"genuine": False})
    return render_template("public/not_genuine.html", message=message), 404


def _page(view: certs.PublicView, ctx: certs.CertificateContext, pdf_url: str | None = None,
          keep_query: str = "") -> Response:
    """The check page (or its JSON) of ``view``, whose scope is already applied; ``keep_query``
    (``a=b&``) is kept by the language links."""
    if wants_json():
        resp = jsonify(view.as_json(ctx.base_url))
    else:
        newer_url = None
        if view.superseded_by_token:
            newer_url = url_for("public_certificates.verify", token=view.superseded_by_token)
        # The page is translated with the service-layer catalog, cached per language (lims.i18n):
        # flask_babel's gettext looks its catalog up again at every call.
        resp = current_app.make_response(render_template("public/verify.html", v=view, newer_url=newer_url,
                                                         pdf_url=pdf_url, keep_query=keep_query,
                                                         _=fast_gettext, gettext=fast_gettext))
    resp.headers["Cache-Control"] = "no-store"
    resp.vary.add("Accept")
    return resp


@bp.route("/v/<token>")
@public
@limiter.limit(verify_limit, exempt_when=_counted_in_front)
def verify(token: str):
    """What the QR code on a certificate or stamp opens."""
    ctx = certificate_context(current_app)
    try:
        certificate_id, scope = certs.genuine_token(token, ctx)  # before any database work
        view = read_public_view(current_app.extensions["lims.engine"], certificate_id).for_scope(scope, ctx)
    except certs.NotGenuine:
        return _not_genuine_answer()
    pdf_url = url_for("public_certificates.holder_pdf", token=token) if scope == tokens.SCOPE_FULL else None
    return _page(view, ctx, pdf_url)


@bp.route("/v/<token>/pdf")
@public
@limiter.limit(verify_limit)
def holder_pdf(token: str):
    """The certificate's PDF for whoever holds its own QR token (404 for a status-only token)."""
    ctx = certificate_context(current_app)
    try:
        cert, data = certs.holder_pdf(get_db(), token, ctx)
    except certs.NotGenuine:
        return _not_genuine_answer()
    resp = current_app.response_class(data, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f'inline; filename="{certs.file_name_of(cert.number)}.pdf"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _no_lookup_asked() -> bool:
    return "number" not in request.args and "stamp" not in request.args


@bp.route("/v/lookup")
@public
@limiter.limit(verify_limit, exempt_when=_no_lookup_asked)
def lookup():
    """Find a certificate by its number and stamp number (for a damaged QR): the status-only page."""
    number, stamp = request.args.get("number", ""), request.args.get("stamp", "")
    if _no_lookup_asked():
        return render_template("public/lookup.html", number="", stamp="", message=None)
    keep_query = f"{urlencode({'number': number, 'stamp': stamp})}&"
    ctx = certificate_context(current_app)
    try:
        view, _token = certs.lookup_by_numbers(get_db(), number, stamp, ctx)
    except (certs.NoSuchCertificate, ValidationError) as exc:
        if wants_json():
            return problem(exc.status, exc.message, {"found": False})
        return render_template("public/lookup.html", number=number, stamp=stamp, message=exc.message,
                               keep_query=keep_query), exc.status
    return _page(view, ctx, keep_query=keep_query)
