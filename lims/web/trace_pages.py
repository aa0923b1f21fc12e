"""The public product and batch pages that a package's QR code leads to (no login).

``/trace/01/<gtin>/10/<lot>`` is the default link of a batch's GS1 Digital Link and
``/trace/01/<gtin>`` that of a product (:mod:`lims.web.resolver` redirects there). Both are
standalone, phone-first pages in the site's language (``?lang=vi|en``), showing only what the
product's disclosure settings make public (:mod:`lims.services.trace_public`). A GTIN that is
not 14 digits long is redirected (301) to its 14-digit path; a malformed one is answered 400
with the reason, an unknown product or lot 404. Rate-limited like the certificate check page.
The batch page's usual answer is given again, while the batch's rows are unchanged, by the
resolver's front door (:mod:`lims.web.trace_front_door`).
"""
from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, g, make_response, redirect, render_template, request, url_for
from sqlalchemy.engine import Engine
from werkzeug.wrappers import Response as BaseResponse

from certificates import tokens
from lims.i18n import gettext, translator
from lims.services import trace_public_views as views
from lims.services.trace_public import BIZ_STEP_LABELS, DISPOSITION_LABELS
from lims.web.auth import public
from lims.web.context import wants_json
from lims.web.errors import problem
from lims.web.extensions import limiter
from lims.web.front_door import counted_in_front
from lims.web.public_certificates import certificate_context, verify_limit
from lims.web.public_reads import read_kept, read_rows_kept
from traceability.gs1 import GS1Error, gtin

bp = Blueprint("trace_pages", __name__)
T = TypeVar("T")

PAGE_CACHE = "private, max-age=60"  # the page's language follows the visitor's session


def base_url() -> str:
    """The resolver's root (``LIMS_BASE_URL``)."""
    return str(current_app.config["LIMS"].base_url)


def public_url(endpoint: str, **values: Any) -> str:
    """A page of this blueprint at the resolver's root (``LIMS_BASE_URL``), like the Digital Links."""
    return base_url() + url_for(endpoint, **values)[len(request.script_root):]


def digital_link(gtin14: str, lot: str | None = None) -> str:
    """The GS1 Digital Link of a product or one of its batches on this resolver."""
    return views.digital_link(base_url(), gtin14, lot)


def render(template: str, code: int = 200, **context: object) -> Response:
    """A public traceability page, translated with the cached service-layer catalog."""
    lang = g.get("lang", "vi")
    translate = translator(lang)  # the language's catalog, looked up once
    html = render_template(template, lang=lang, _=translate, gettext=translate, **context)
    return make_response(html, code)


def refusal(status: int, message: str, detail: dict | None = None) -> Response:
    """A 400 (malformed identifier) or 404 (unknown product or lot), as JSON or as a page."""
    if wants_json() or "json" in request.headers.get("Accept", ""):
        resp = problem(status, message, detail or {})
    else:
        resp = render("public/trace_problem.html", status, status=status, message=message)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def unknown_product(gtin14: str) -> Response:
    return refusal(404, gettext("No product with GTIN %(gtin)s is registered here.", gtin=gtin14),
                   {"gtin": gtin14})


def unknown_lot(product: views.ProductFacts, lot: str) -> Response:
    return refusal(404, gettext("%(product)s (GTIN %(gtin)s) has no lot %(lot)s registered here.",
                                product=product.name(g.get("lang", "vi")), gtin=product.gtin, lot=lot),
                   {"gtin": product.gtin, "lot": lot})


def read(fn: Callable[..., T], *args: Any) -> T:
    """``fn(connection, *args)`` on a kept autocommit connection (:func:`lims.web.public_reads.read_kept`):
    these pages only read, and every scan of a package opens one."""
    return read_kept(current_app.extensions["lims.engine"], lambda conn: fn(conn, *args))


def kept_batch_rows(engine: Engine, gtin14: str, lot: str, with_documents: bool = False) -> views.BatchRows | None:
    """The rows of a batch (:func:`lims.services.trace_public_views.read_batch_rows`) on a kept
    autocommit connection, its statements sent together and prepared on the driver
    (:func:`lims.web.public_reads.read_rows_kept`); the front door reads them the same way."""
    return views.read_batch_rows(partial(read_rows_kept, engine), gtin14, lot, with_documents)


def batch_stamp(engine: Engine, gtin14: str, lot: str, with_documents: bool = False) -> Any:
    """A value equal between two reads exactly when what :func:`kept_batch_rows` reads is: on
    PostgreSQL with psycopg the MD5 the database computes of those rows
    (:func:`lims.services.trace_public_views.batch_stamp_statement`, one statement), elsewhere the
    rows themselves."""
    if engine.dialect.driver == "psycopg":
        ((stamp,),) = read_rows_kept(engine, [views.batch_stamp_statement(with_documents)],
                                     {"gtin": gtin14, "lot": lot})[0]
        return stamp
    return kept_batch_rows(engine, gtin14, lot, with_documents)


def read_batch(gtin14: str, lot: str, with_documents: bool = False) -> views.BatchFacts | None:
    """The facts of a batch (:func:`kept_batch_rows`), or None."""
    rows = kept_batch_rows(current_app.extensions["lims.engine"], gtin14, lot, with_documents)
    return views.batch_facts(rows) if rows is not None else None


def certificate_url(certificate_id: int) -> str:
    """The public check page of a certificate, its status-only token (no owner, no PDF)."""
    ctx = certificate_context(current_app)
    return ctx.verify_url(tokens.sign_token(certificate_id, ctx.keystore, scope=tokens.SCOPE_STATUS))


def _canonical(code: str) -> str | BaseResponse:
    """The GTIN-14 of ``code``; a refusal (400) or a 301 to the 14-digit path of this page."""
    try:
        found = gtin(code)
    except GS1Error as exc:
        return refusal(400, gettext("GTIN %(code)s: %(reason)s", code=code, reason=exc.reason),
                       {"field": "gtin", "reason": exc.reason})
    if found.digits != code:
        args = dict(request.view_args or {}, gtin=found.gtin14)
        target = url_for(str(request.endpoint), **args)
        if request.query_string:
            target += "?" + request.query_string.decode("latin-1")
        resp = redirect(target, 301)
        resp.headers["Cache-Control"] = "public, max-age=86400"
        return resp
    return found.gtin14


@bp.route("/trace/01/<gtin>")
@public
@limiter.limit(verify_limit)
def product(gtin: str):
    """A product, its producer and its batches."""
    checked = _canonical(gtin)
    if isinstance(checked, BaseResponse):
        return checked
    page = read(views.product_page, checked)
    if page is None:
        return unknown_product(checked)
    resp = render("public/trace_product.html", p=page, link=digital_link(checked))
    resp.headers["Cache-Control"] = PAGE_CACHE
    return resp


@bp.route("/trace/01/<gtin>/10/<path:lot>")
@public
@limiter.limit(verify_limit, exempt_when=counted_in_front)
def batch(gtin: str, lot: str):
    """A batch: product, producer, dates, timeline, chain of places, inspection results."""
    checked = _canonical(gtin)
    if isinstance(checked, BaseResponse):
        return checked
    facts = read_batch(checked, lot)
    if facts is None:
        product_facts = read(views.read_product, checked)
        return unknown_product(checked) if product_facts is None else unknown_lot(product_facts, lot)
    page = views.batch_page(facts, digital_link(checked, lot), certificate_url)
    resp = render("public/trace_batch.html", p=page, product_url=url_for("trace_pages.product", gtin=checked),
                  steps=BIZ_STEP_LABELS, dispositions=DISPOSITION_LABELS)
    resp.headers["Cache-Control"] = PAGE_CACHE
    return resp
