"""Reading the EPCIS repository: the query parameters of the EPCIS 2.0 REST binding's ``GET /events``
that a province needs, paged with ``perPage`` and ``nextPageToken`` (keyset on eventTime, then the
order of recording: each event once, however the pages are walked).

* ``EQ_bizStep``: CBV steps (bare word, CBV Web URI or URN), several separated by ``|``;
* ``MATCH_anyEPCClass``: Digital Link URIs or EPC class URNs of lots; a product-level class
  (``…/01/{gtin}`` or ``urn:epc:idpat:sgtin:….*``) matches every lot of the product;
* ``GE_eventTime`` / ``LT_eventTime``: date-times with their offsets;
* ``EQ_bizLocation``: place ids, as events write them;
* ``perPage`` (default 30, at most 1,000) and ``nextPageToken``, signed (HMAC of the position and
  the query, under a key derived from the audit key): a token altered, or used with other
  parameters, is refused.

Visibility: the lab's staff and inspectors read every event; a business, the events it recorded
and the events about its products.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session, lazyload

from lims.errors import ValidationError
from lims.i18n import _
from lims.models import Batch, Product, TraceEvent, TraceEventBatch
from lims.services import policy
from lims.services.audit_hashing import session_key
from lims.services.policy import Actor
from traceability.epcis_events import EventError, cbv_name, epc_class_key

__all__ = ["DEFAULT_PER_PAGE", "MAX_PER_PAGE", "PARAMETERS", "EventQuery", "exported", "query", "query_from_args"]

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 1000
PARAMETERS = ("EQ_bizStep", "MATCH_anyEPCClass", "GE_eventTime", "LT_eventTime", "EQ_bizLocation", "perPage",
              "nextPageToken")
_MAX_VALUES = 50
_MAC_BYTES = 16  # the token: the position as JSON, then this many bytes of its HMAC


@dataclass(frozen=True)
class EventQuery:
    """A query of the repository (every part optional)."""

    biz_steps: tuple[str, ...] = ()
    epc_classes: tuple[tuple[str, str | None], ...] = ()  # (GTIN-14, lot or None: every lot)
    ge_event_time: datetime | None = None
    lt_event_time: datetime | None = None
    biz_locations: tuple[str, ...] = ()
    per_page: int = DEFAULT_PER_PAGE
    next_page_token: str | None = None

    def fingerprint(self) -> str:
        """What the token is bound to: the filters (not the page size)."""
        parts = [sorted(self.biz_steps), sorted([g, lot or ""] for g, lot in self.epc_classes),
                 self.ge_event_time.isoformat() if self.ge_event_time else "",
                 self.lt_event_time.isoformat() if self.lt_event_time else "", sorted(self.biz_locations)]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]


def _values(args: Mapping[str, Sequence[str]], name: str) -> list[str]:
    found = [v for raw in args.get(name, ()) for v in raw.split("|") if v.strip()]
    if len(found) > _MAX_VALUES:
        raise ValidationError(_("At most %(count)s values.", count=_MAX_VALUES), field=name)
    return [v.strip() for v in found]


def _moment(args: Mapping[str, Sequence[str]], name: str) -> datetime | None:
    raw = list(args.get(name, ()))
    if not raw:
        return None
    text = raw[-1].strip().replace("z", "Z")
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or "T" not in text:
        raise ValidationError(_("Must be a date and time with its offset, e.g. 2026-11-02T08:00:00+07:00."),
                              field=name)
    return moment.astimezone(UTC)


def query_from_args(args: Mapping[str, Sequence[str]]) -> EventQuery:
    """An :class:`EventQuery` from the query string (each name with its list of values); a parameter
    this repository does not take, or a value it cannot read, is refused naming it."""
    for name in args:
        if name not in PARAMETERS and name != "lang":
            raise ValidationError(_("This repository does not take the query parameter %(name)s; it takes "
                                    "%(names)s.", name=name, names=", ".join(PARAMETERS)), field=name)
    classes = []
    for value in _values(args, "MATCH_anyEPCClass"):
        try:
            classes.append(epc_class_key(value, "MATCH_anyEPCClass"))
        except EventError as exc:
            raise ValidationError(exc.reason, field="MATCH_anyEPCClass") from None
    per_page = DEFAULT_PER_PAGE
    raw = list(args.get("perPage", ()))
    if raw:
        text = raw[-1].strip()
        if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_PER_PAGE:
            raise ValidationError(_("Must be a whole number from 1 to %(max)s.", max=MAX_PER_PAGE), field="perPage")
        per_page = int(text)
    tokens = list(args.get("nextPageToken", ()))
    return EventQuery(
        biz_steps=tuple(cbv_name("bizStep", v) for v in _values(args, "EQ_bizStep")),
        epc_classes=tuple(classes), ge_event_time=_moment(args, "GE_eventTime"),
        lt_event_time=_moment(args, "LT_eventTime"), biz_locations=tuple(_values(args, "EQ_bizLocation")),
        per_page=per_page, next_page_token=tokens[-1] if tokens else None)


def _token_key(session: Session) -> bytes:
    return hmac.new(session_key(session), b"lims epcis nextPageToken", hashlib.sha256).digest()


def _token(session: Session, params: EventQuery, row: TraceEvent) -> str:
    payload = json.dumps([row.event_time.isoformat(), row.id, params.fingerprint()], separators=(",", ":"))
    mac = hmac.new(_token_key(session), payload.encode(), hashlib.sha256).digest()[:_MAC_BYTES]
    return base64.urlsafe_b64encode(payload.encode() + mac).decode().rstrip("=")


def _position(session: Session, params: EventQuery) -> tuple[datetime, int] | None:
    token = params.next_page_token
    if token is None:
        return None
    refused = ValidationError(_("This nextPageToken is not one this repository gave for these parameters."),
                              field="nextPageToken")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
        expected = hmac.new(_token_key(session), payload, hashlib.sha256).digest()[:_MAC_BYTES]
        if not hmac.compare_digest(mac, expected):
            raise refused
        moment, row_id, fingerprint = json.loads(payload)
        if fingerprint != params.fingerprint():
            raise refused
        return datetime.fromisoformat(moment), int(row_id)
    except (ValueError, TypeError) as exc:
        raise refused from exc


def _classes(params: EventQuery) -> Any:
    wanted = [and_(Product.gtin == g, Batch.lot == lot) if lot else Product.gtin == g
              for g, lot in params.epc_classes]
    batches = select(Batch.id).join(Product, Batch.product_id == Product.id).where(or_(*wanted))
    return exists().where(TraceEventBatch.event_row_id == TraceEvent.id, TraceEventBatch.batch_id.in_(batches))


def query(session: Session, actor: Actor | None, params: EventQuery) -> tuple[list[TraceEvent], str | None]:
    """One page of the events ``actor`` may read that match ``params``, oldest first, and the token
    of the next page (None on the last)."""
    policy.require(actor, policy.Role.business, *policy.STAFF_ROLES)
    stmt = select(TraceEvent).options(lazyload(TraceEvent.batches))
    if params.biz_steps:
        stmt = stmt.where(TraceEvent.biz_step.in_(params.biz_steps))
    if params.epc_classes:
        stmt = stmt.where(_classes(params))
    if params.ge_event_time:
        stmt = stmt.where(TraceEvent.event_time >= params.ge_event_time)
    if params.lt_event_time:
        stmt = stmt.where(TraceEvent.event_time < params.lt_event_time)
    if params.biz_locations:
        stmt = stmt.where(TraceEvent.biz_location.in_(params.biz_locations))
    if not policy.sees_all_events(actor):
        org = policy.organisation_of(actor)
        theirs = select(Batch.id).join(Product, Batch.product_id == Product.id).where(Product.owner_id == org)
        stmt = stmt.where(or_(TraceEvent.owner_id == org, exists().where(
            TraceEventBatch.event_row_id == TraceEvent.id, TraceEventBatch.batch_id.in_(theirs))))
    position = _position(session, params)
    if position is not None:
        moment, row_id = position
        stmt = stmt.where(or_(TraceEvent.event_time > moment,
                              and_(TraceEvent.event_time == moment, TraceEvent.id > row_id)))
    rows = list(session.scalars(stmt.order_by(TraceEvent.event_time, TraceEvent.id).limit(params.per_page + 1)))
    if len(rows) > params.per_page:
        rows = rows[:params.per_page]
        return rows, _token(session, params, rows[-1])
    return rows, None


def exported(event: TraceEvent) -> dict[str, Any]:
    """The event as the repository gives it back: as captured, with its ``recordTime`` (EPCIS 2.0
    §7.4.1: present on every event read from a repository)."""
    document = dict(event.document)
    document["recordTime"] = event.record_time.astimezone(UTC).isoformat(timespec="milliseconds")
    return document
