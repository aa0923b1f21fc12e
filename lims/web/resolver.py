"""The GS1 Digital Link resolver at the root of ``LIMS_BASE_URL`` (GS1-Conformant Resolver standard).

``/01/{gtin}`` names a product and ``/01/{gtin}/10/{lot}`` one of its batches (a CPV ``22`` or a
serial ``21`` is accepted and resolved to the product or batch above it). Every path is read by
:func:`traceability.gs1.parse_digital_link` from the request as sent (so a lot holding ``%2F``
keeps its slash):

* malformed (a wrong check digit, a qualifier out of order, an unknown AI in the query): 400
  naming what is wrong, as a page or JSON;
* a GTIN of 8, 12 or 13 digits: 301 to the same path with the GTIN-14 (query kept);
* unknown product or lot: 404;
* ``linkType=all`` (or ``linkset``), or ``Accept: application/linkset+json``: the RFC 9264
  linkset of every link;
* ``linkType=gs1:epcis`` on a batch: its public events as an EPCIS 2.0 document
  (``application/ld+json``);
* otherwise 307 to the requested link type's target, or to the default link (the public batch
  or product page) when none is asked for or the type is not offered, with a ``Link`` header
  naming the linkset and the links.

``/.well-known/gs1resolver`` describes the resolver. Answers allow any origin (CORS) and are
rate-limited like the certificate check page. The usual answers of a batch's link (the 307 and
``gs1:epcis``) are given again, while the batch's rows are unchanged, by the front door
(:mod:`lims.web.trace_front_door`).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from flask import Blueprint, g, jsonify, redirect, request
from werkzeug.wrappers import Response as BaseResponse

from lims.i18n import N_, translator
from lims.services import trace_public_views as views
from lims.web.auth import public
from lims.web.extensions import limiter
from lims.web.front_door import counted_in_front
from lims.web.public_certificates import verify_limit
from lims.web.trace_pages import (
    base_url,
    certificate_url,
    digital_link,
    public_url,
    read,
    read_batch,
    refusal,
    unknown_lot,
    unknown_product,
)
from traceability import resolver as rs
from traceability.epcis_document import epcis_document
from traceability.gs1 import DigitalLink, GS1Error, parse_digital_link

bp = Blueprint("resolver", __name__)

RESOLVER_CACHE = "public, max-age=60"
LANGS = ("vi", "en")
TITLES = {
    rs.DEFAULT_LINK: N_("Batch %(lot)s of %(product)s"),
    rs.TRACEABILITY: N_("Traceability of batch %(lot)s of %(product)s"),
    rs.PIP: N_("Product information: %(product)s"),
    rs.EPCIS: N_("EPCIS events of batch %(lot)s (JSON-LD)"),
    rs.CERTIFICATION_INFO: N_("Inspection certificate %(number)s"),
}
PRODUCT_DEFAULT = N_("Product information: %(product)s")
#: Where the ``gs1:epcis`` answer leaves its ``creationDate`` in the WSGI environ (the front door
#: keeps the rest of the answer and writes the time of each request there).
CREATED = "lims.trace.created"


def _with_cors(resp: BaseResponse, cache: str = RESOLVER_CACHE) -> BaseResponse:
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Access-Control-Expose-Headers"] = "Link"
    resp.headers["Cache-Control"] = cache
    resp.vary.add("Accept")
    return resp


def _raw_path() -> str:
    """The path as the client sent it (percent-encoding kept), without the app's own prefix."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    path = raw.split("?", 1)[0] if raw else quote(request.path)
    if "://" in path:  # an absolute-form request target
        path = urlsplit(path).path
    root = request.script_root
    return path[len(root):] if root and path.startswith(root) else path


def _link(link_type: str, href: str, values: Callable[[str], dict[str, Any]], kind: str = "text/html",
          hreflang: tuple[str, ...] = LANGS, template: str | None = None) -> rs.Link:
    """A link titled in the page's language, with its title in the other language too."""
    lang = g.get("lang", "vi")
    template = template or TITLES[link_type]
    others = tuple((o, translator(o)(template, **values(o))) for o in LANGS if o != lang)
    return rs.Link(link_type, href, translator(lang)(template, **values(lang)), kind, hreflang, lang, others)


def _number(number: str) -> Callable[[str], dict[str, Any]]:
    return lambda _lang: {"number": number}


def _batch_links(facts: views.BatchFacts, gtin14: str, lot: str) -> list[rs.Link]:
    def names(lang: str) -> dict[str, Any]:
        return {"product": facts.product.name(lang), "lot": lot}

    page = public_url("trace_pages.batch", gtin=gtin14, lot=lot)
    links = [_link(rs.DEFAULT_LINK, page, names), _link(rs.TRACEABILITY, page, names),
             _link(rs.PIP, public_url("trace_pages.product", gtin=gtin14), names),
             _link(rs.EPCIS, f"{digital_link(gtin14, lot)}?linkType={rs.EPCIS}", names, rs.EPCIS_TYPE, ())]
    for cert_id, number in views.certificate_links(facts):
        links.append(_link(rs.CERTIFICATION_INFO, certificate_url(cert_id), _number(number)))
    return links


def _product_links(product: views.ProductFacts) -> list[rs.Link]:
    def names(lang: str) -> dict[str, Any]:
        return {"product": product.name(lang)}

    page = public_url("trace_pages.product", gtin=product.gtin)
    return [_link(rs.DEFAULT_LINK, page, names, template=PRODUCT_DEFAULT), _link(rs.PIP, page, names)]


def _here(href: str) -> str:
    """A target on this resolver as a path: the client stays on the host it came through."""
    root = base_url()
    return request.script_root + href[len(root):] if href.startswith(root + "/") else href


def _wants_linkset(link_type: str | None) -> bool:
    if link_type == "all":
        return True
    accept = request.accept_mimetypes
    return accept.best_match([rs.LINKSET_TYPE, "text/html"]) == rs.LINKSET_TYPE and accept[rs.LINKSET_TYPE] > 0 \
        and rs.LINKSET_TYPE in request.headers.get("Accept", "")


def _answer(anchor: str, links: list[rs.Link], link_type: str | None, description: str) -> BaseResponse:
    """The linkset, or a 307 to the chosen link with the Link header."""
    if _wants_linkset(link_type):
        found = jsonify(rs.linkset(anchor, links, description=description))
        found.mimetype = rs.LINKSET_TYPE
        return _with_cors(found)
    chosen = next((k for k in links if k.link_type == link_type), links[0])
    moved = redirect(_here(chosen.href), 307)
    moved.headers["Link"] = rs.link_header(f"{anchor}?linkType=all", links)
    return _with_cors(moved)


def _epcis_answer(facts: views.BatchFacts, anchor: str, links: list[rs.Link]) -> BaseResponse:
    document = epcis_document(views.public_documents(facts), datetime.now(UTC))
    request.environ[CREATED] = document["creationDate"]
    resp = jsonify(document)
    resp.mimetype = rs.EPCIS_TYPE
    resp.headers["Link"] = rs.link_header(f"{anchor}?linkType=all", links)
    return _with_cors(resp)


@bp.route("/01/<path:rest>")
@public
@limiter.limit(verify_limit, exempt_when=counted_in_front)
def resolve(rest: str):
    """A product's or batch's GS1 Digital Link (GET and HEAD)."""
    path, query = _raw_path(), request.query_string.decode("latin-1")
    try:
        link = parse_digital_link(f"https://resolver.invalid{path}" + (f"?{query}" if query else ""))
    except GS1Error as exc:
        return refusal(400, exc.reason, {"path": path, "reason": exc.reason})
    given = path.split("/")[2]
    if len(given) != 14:
        canonical = DigitalLink("", link.key, link.value, link.qualifiers).uri
        resp = redirect(request.script_root + canonical + (f"?{query}" if query else ""), 301)
        return _with_cors(resp, "public, max-age=86400")
    lot = dict(link.qualifiers).get("10")
    link_type = rs.requested_link_type(request.args.get("linkType"))
    if lot is None:
        product = read(views.read_product, link.value)
        if product is None:
            return unknown_product(link.value)
        return _answer(digital_link(link.value), _product_links(product), link_type,
                       product.name(g.get("lang", "vi")))
    facts = read_batch(link.value, lot, link_type == rs.EPCIS)
    if facts is None:
        product = read(views.read_product, link.value)
        return unknown_product(link.value) if product is None else unknown_lot(product, lot)
    anchor = digital_link(link.value, lot)
    links = _batch_links(facts, link.value, lot)
    if link_type == rs.EPCIS:
        return _epcis_answer(facts, anchor, links)
    return _answer(anchor, links, link_type, f"{facts.product.name(g.get('lang', 'vi'))} · {lot}")


@bp.route("/.well-known/gs1resolver")
@public
def description():
    """The resolver description file (GS1-Conformant Resolver standard)."""
    body = rs.resolver_description(
        name=translator(g.get("lang", "vi"))(N_("Product traceability resolver of the metrology centre")),
        root=base_url(), extra={"supportedLanguages": list(LANGS), "defaultLinkType": rs.DEFAULT_LINK,
                                "linksetMediaType": rs.LINKSET_TYPE})
    return _with_cors(jsonify(body), "public, max-age=3600")
