"""The GS1 resolver's front door: a batch's usual answers given again before Flask while its data is unchanged.

Every scan of a package's QR opens ``/01/{gtin14}/10/{lot}`` (a 307 to the batch page, with the
``Link`` header naming the linkset), then ``/trace/01/{gtin14}/10/{lot}`` (the page); partner
systems ask ``?linkType=gs1:epcis``. This WSGI middleware, placed before Flask like the check
page's (:mod:`lims.web.front_door`, whose :class:`~lims.web.front_door.PublicFrontDoor` it
shares), answers those three without Flask's per-request machinery:

* the client is counted against ``LIMS_VERIFY_RATE_LIMIT`` with the keys of the view's own limit
  (endpoint ``trace_pages.batch`` or ``resolver.resolve``), so Flask's count and this one are one
  (shared through Redis when configured), and the request is marked counted;
* the language is chosen as the app chooses it (:meth:`PublicFrontDoor.language`);
* the batch is read at every request: its stamp (:func:`lims.web.trace_pages.batch_stamp`), on
  PostgreSQL the MD5 the database computes of every row the view reads, in one prepared
  statement on a kept connection (elsewhere the rows themselves), no ORM;
* the answer is the one the Flask view gave for the same stamp, language, link kind and signing
  key: the first time, and whenever the stamp differs (a new event, an error declared, a changed
  product, batch, place, name or certificate), the request goes to Flask and its answer —
  status, headers (security, CORS, cache, ``Link``), body — is kept, if the stamp read again
  after it is still the one read before (the data did not change while Flask read it). The
  ``gs1:epcis`` answer's ``creationDate`` is written afresh at each request
  (:data:`lims.web.resolver.CREATED`).

Everything else goes to Flask unchanged: other paths, methods (``HEAD``) and queries (``?lang=``,
other link types, data attributes), a GTIN not written with 14 digits, serials and variants, a
linkset asked by ``Accept``, unknown batches (404), malformed links (400), a client over its limit
(429), a signed-in user's session, and any unexpected error (logged). At most :attr:`KEEP`
answers are kept per process, the oldest dropped first.
"""
from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from flask import Flask

from lims.services import certificates as certs
from lims.web.front_door import Headers, PublicFrontDoor, WSGIApp
from lims.web.public_certificates import certificate_context, verify_limit_of
from lims.web.resolver import CREATED
from lims.web.trace_pages import batch_stamp
from traceability.gs1 import GS1Error, check_digit, parse_digital_link

__all__ = ["TraceFrontDoor", "install"]

PAGE, REDIRECT, EPCIS = "page", "307", "epcis"
PAGE_PREFIX, LINK_PREFIX = "/trace/01/", "/01/"
EPCIS_QUERY = "linkType=gs1:epcis"
#: The status of the answer each kind keeps.
EXPECTED = {PAGE: "200 OK", EPCIS: "200 OK", REDIRECT: "307 TEMPORARY REDIRECT"}


@dataclass(frozen=True)
class Kept:
    """A Flask answer kept with the stamp of the data it was made of; ``tail`` splits an EPCIS body
    at its ``creationDate`` (``head`` + the time + ``tail``)."""

    stamp: Any
    status: str
    headers: Headers
    head: bytes
    tail: bytes | None = None

    def body(self) -> bytes:
        if self.tail is None:
            return self.head
        return self.head + json.dumps(datetime.now(UTC).isoformat(timespec="milliseconds")).encode() + self.tail


def _gtin14(code: str) -> bool:
    return len(code) == 14 and code.isascii() and code.isdigit() and check_digit(code[:13]) == int(code[13])


class TraceFrontDoor(PublicFrontDoor):
    """WSGI middleware answering a batch's page, its 307 and its ``gs1:epcis`` answer before Flask."""

    PAGE_ENDPOINT = "trace_pages.batch"
    RESOLVE_ENDPOINT = "resolver.resolve"
    NAME = "GS1 resolver"
    KEEP = 256

    def __init__(self, app: Flask, wsgi_app: WSGIApp, *, limit: Callable[[], str],
                 context: Callable[[], certs.CertificateContext]) -> None:
        super().__init__(app, wsgi_app, limit=limit, routes={
            "/trace/01/<gtin>/10/<path:lot>": self.PAGE_ENDPOINT, "/01/<path:rest>": self.RESOLVE_ENDPOINT})
        self.context = context
        self.kept: dict[tuple[Any, ...], Kept] = {}
        self._lock = threading.Lock()
        self._links: dict[str, tuple[str, str] | None] = {}

    # -- which requests

    def match(self, environ: dict[str, Any]) -> tuple[str, Any] | None:
        path: str = environ.get("PATH_INFO", "")
        query = environ.get("QUERY_STRING", "")
        if path.startswith(PAGE_PREFIX):
            if not path.isascii():  # WSGI's latin-1: read as werkzeug reads it
                path = path.encode("latin-1").decode("utf-8", "replace")
            gtin14, sep, lot = path[len(PAGE_PREFIX):].partition("/10/")
            if query or not sep or not lot or lot.startswith("/") or "//" in lot or not _gtin14(gtin14):
                return None
            return self.PAGE_ENDPOINT, (PAGE, gtin14, lot)
        if not path.startswith(LINK_PREFIX):
            return None
        if query == EPCIS_QUERY:
            kind = EPCIS
        elif not query and "linkset" not in environ.get("HTTP_ACCEPT", ""):
            kind = REDIRECT
        else:
            return None
        found = self._batch_link(environ, query)
        return (self.RESOLVE_ENDPOINT, (kind, *found)) if found else None

    def _batch_link(self, environ: dict[str, Any], query: str) -> tuple[str, str] | None:
        """(GTIN-14, lot) of a batch's Digital Link written with its GTIN-14 and no other qualifier,
        read from the path as sent as the resolver reads it; None for anything else."""
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        path = raw.split("?", 1)[0] if raw else quote(environ.get("PATH_INFO", ""))
        if "://" in path:  # an absolute-form request target
            path = urlsplit(path).path
        root = environ.get("SCRIPT_NAME", "")
        if root and path.startswith(root):
            path = path[len(root):]
        uri = f"{path}?{query}" if query else path
        if uri in self._links:
            return self._links[uri]
        try:
            link = parse_digital_link(f"https://resolver.invalid{uri}")
        except GS1Error:
            found = None
        else:
            given = path.split("/")[2]
            qualifiers = tuple(link.qualifiers)
            simple = len(qualifiers) == 1 and qualifiers[0][0] == "10"
            found = (link.value, qualifiers[0][1]) if simple and len(given) == 14 else None
        if len(self._links) < 4096:
            self._links[uri] = found
        return found

    # -- the answer

    def answer(self, environ: dict[str, Any], found: Any, limit_headers: Headers,
               start_response: Callable[..., Any]) -> Iterable[bytes] | None:
        kind, gtin14, lot = found
        lang = self.language(environ)
        if lang is None:
            return None
        stamp = self._stamp(kind, gtin14, lot)
        key = (kind, gtin14, lot, lang, environ.get("SCRIPT_NAME", ""), self.context().keystore.current_key_id)
        kept = self.kept.get(key)
        if kept is None or kept.stamp != stamp:
            return self._through_flask(environ, start_response, limit_headers, key, stamp)
        body = kept.body()
        start_response(kept.status, [*kept.headers, ("Content-Length", str(len(body))), *limit_headers])
        return [body]

    def _stamp(self, kind: str, gtin14: str, lot: str) -> Any:
        return batch_stamp(self.app.extensions["lims.engine"], gtin14, lot, kind == EPCIS)

    def _through_flask(self, environ: dict[str, Any], start_response: Callable[..., Any], limit_headers: Headers,
                       key: tuple[Any, ...], stamp: Any) -> Iterable[bytes]:
        """Flask answers; its answer is kept when the data it was made of was ``stamp`` throughout."""
        seen: dict[str, Any] = {}

        def capture(status: str, headers: Headers, exc_info: Any = None) -> Any:
            seen["status"], seen["headers"] = status, list(headers)
            return start_response(status, list(headers) + limit_headers, exc_info)

        answered = self.wsgi_app(environ, capture)
        try:
            body = b"".join(answered)
        finally:
            close = getattr(answered, "close", None)
            if close is not None:
                close()
        kind, gtin14, lot = key[:3]
        kept = self._keepable(environ, kind, seen, body, {name.lower() for name, _ in limit_headers}, stamp)
        if kept is not None and self._stamp(kind, gtin14, lot) == stamp:
            with self._lock:
                while len(self.kept) >= self.KEEP:
                    del self.kept[next(iter(self.kept))]
                self.kept[key] = kept
        return [body]

    @staticmethod
    def _keepable(environ: dict[str, Any], kind: str, seen: dict[str, Any], body: bytes, per_request: set[str],
                  stamp: Any) -> Kept | None:
        if stamp is None or seen.get("status") != EXPECTED[kind]:
            return None
        headers = [(k, v) for k, v in seen["headers"] if k.lower() not in per_request and k.lower() != "content-length"]
        if any(k.lower() == "set-cookie" for k, _ in headers):
            return None
        if kind != EPCIS:
            return Kept(stamp, seen["status"], headers, body)
        created = environ.get(CREATED)
        marker = json.dumps(created).encode() if isinstance(created, str) else b""
        head, sep, tail = body.partition(marker) if marker else (b"", b"", b"")
        return Kept(stamp, seen["status"], headers, head, tail) if sep else None


def install(app: Flask) -> None:
    """Put the front door before the app's Flask answer (``app.wsgi_app``)."""
    door = TraceFrontDoor(app, app.wsgi_app, limit=lambda: verify_limit_of(app),
                          context=lambda: certificate_context(app))
    app.wsgi_app = door  # type: ignore[method-assign]  # the middleware pattern Flask documents
