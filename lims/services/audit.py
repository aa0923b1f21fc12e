"""Audit chain: each event's hash covers its content and the previous event's hash.

``verify_chain`` walks the chain in order and reports the first event whose stored hash,
link or sequence number does not match what it recomputes, so an edit made behind the
application's back (SQL console, restored backup) is caught.
"""
from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, func, select, text
from sqlalchemy.orm import ORMExecuteState, Session

from lims.models import AuditEvent
from lims.services import policy
from lims.services.policy import Actor

GENESIS = "0" * 64
_PG_LOCK_KEY = 7_410_171  # advisory lock that serialises appends on PostgreSQL
_LOCKED = "lims.audit.chain_locked"  # session.info: the transaction that holds the chain's lock


def jsonable(value: Any) -> Any:
    """Convert a value to plain JSON types, deterministically."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [jsonable(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    return str(value)


def snapshot(obj: Any, exclude: tuple[str, ...] = ("password_hash",)) -> dict:
    """The column values of a model instance, as JSON."""
    mapper = obj.__mapper__
    return {
        col.key: jsonable(getattr(obj, col.key))
        for col in mapper.column_attrs
        if col.key not in exclude
    }


def _digest(fields: dict) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _fields(ev: AuditEvent) -> dict:
    at = ev.at.astimezone(UTC).isoformat(timespec="microseconds")
    return {
        "seq": ev.seq,
        "at": at,
        "actor": ev.actor,
        "action": ev.action,
        "entity_type": ev.entity_type,
        "entity_id": ev.entity_id,
        "before": ev.before,
        "after": ev.after,
        "prev_hash": ev.prev_hash,
    }


def lock_chain(session: Session) -> None:
    """Take the audit chain's lock for the rest of the caller's transaction.

    The first lock of every writing transaction (docs/reliability.md, "Lock order"): taken
    before a session's first flush and first ORM ``INSERT``/``UPDATE``/``DELETE`` (listeners
    below), by :func:`lims.services.numbering.next_value` and by :func:`record`, so no
    transaction holds a row or number lock while it waits for the chain. Once per transaction.
    On PostgreSQL a transaction-scoped advisory lock (released at commit or rollback); SQLite
    allows one writer at a time, whose database write lock — taken by the first write — is
    the chain's lock, so nothing is done there.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    connection = session.connection()
    transaction = connection.get_transaction()
    if transaction is not None and session.info.get(_LOCKED) is transaction:
        return
    connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    session.info[_LOCKED] = transaction


@event.listens_for(Session, "before_flush")
def _chain_before_flush(session: Session, _context: Any, _instances: Any) -> None:
    lock_chain(session)


@event.listens_for(Session, "do_orm_execute")
def _chain_before_orm_write(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        lock_chain(state.session)


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    entity: Any = None,
    *,
    entity_type: str | None = None,
    entity_id: Any = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Append one event to the chain inside the caller's transaction (``actor`` None or SYSTEM: "system")."""
    if entity is not None:
        session.flush()
        entity_type = entity_type or entity.__tablename__
        entity_id = entity_id if entity_id is not None else entity.id
    lock_chain(session)
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    now = datetime.now(UTC)
    ev = AuditEvent(
        seq=seq,
        at=now,
        actor_id=policy.actor_id(actor),
        actor=policy.actor_name(actor),
        action=action,
        entity_type=entity_type or "",
        entity_id=str(entity_id) if entity_id is not None else "",
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        prev_hash=prev,
        hash="",
    )
    ev.hash = _digest(_fields(ev))
    session.add(ev)
    session.flush()
    return ev


@dataclass
class ChainReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    first_bad_id: int | None = None
    reason: str = ""


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Walk the chain in sequence order; stop at the first event that does not match."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    last_seq = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.seq > last_seq).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            break
        for ev in rows:
            if ev.seq != expected_seq:
                return ChainReport(False, checked, ev.seq, ev.id,
                                   f"sequence jumps from {expected_seq - 1} to {ev.seq}: an event is missing")
            if ev.prev_hash != prev:
                return ChainReport(False, checked, ev.seq, ev.id,
                                   "its link to the previous event does not match")
            if _digest(_fields(ev)) != ev.hash:
                return ChainReport(False, checked, ev.seq, ev.id,
                                   "its content does not match its hash (edited after it was written)")
            prev = ev.hash
            expected_seq += 1
            checked += 1
            last_seq = ev.seq
        session.expunge_all()
    return ChainReport(True, checked)


def count_events(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0
