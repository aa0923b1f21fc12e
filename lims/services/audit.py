"""Audit chain: each event's hash covers its content and the previous event's hash.

Events are hashed with HMAC-SHA256 under the audit key (:mod:`lims.services.audit_keys`), kept
outside the database, so someone who can write to the database but has not the key can
neither edit an event nor recompute the hashes after it. Chains begun by earlier releases
were plain SHA-256: ``lims db upgrade`` re-anchors them with an ``audit.keyed`` event
(:func:`reanchor`), itself keyed; the events before it stay as they were and are checked as
SHA-256. :mod:`lims.services.audit_verify` walks the chain, checks the signed checkpoints of
its head kept outside the database (:mod:`lims.services.audit_checkpoints`) and compares the
statuses stored in the tables with the last events about them.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, func, select, text
from sqlalchemy.orm import ORMExecuteState, Session

from lims.models import AuditEvent
from lims.services import policy
from lims.services.audit_hashing import COLUMNS as _COLUMNS
from lims.services.audit_hashing import (
    GENESIS,
    KEY_FILE_INFO,
    KEYED,
    RESTORED,
    canonical,
    jsonable,
    key_file,
    keyed_digest,
    session_key,
)
from lims.services.audit_hashing import event_fields as _fields
from lims.services.audit_hashing import plain_digest as _digest
from lims.services.audit_keys import key_id
from lims.services.audit_verify import ChainReport, verify_chain
from lims.services.policy import SYSTEM, Actor

__all__ = [
    "GENESIS", "KEYED", "KEY_FILE_INFO", "RESTORED", "ChainReport", "canonical", "count_events", "jsonable",
    "key_file", "keyed_digest", "lock_chain", "reanchor", "record", "scheme", "session_key", "snapshot",
    "verify_chain", "_digest", "_fields",
]

_PG_LOCK_KEY = 7_410_171  # advisory lock that serialises appends on PostgreSQL
_LOCKED = "lims.audit.chain_locked"  # session.info: the transaction that holds the chain's lock


#: Columns computed from others (the folded search text, lims.models.search): no fact of their own,
#: never part of an audit snapshot.
DERIVED = frozenset({"search_text"})


def snapshot(obj: Any, exclude: tuple[str, ...] = ("password_hash",)) -> dict:
    """The column values of a model instance, as JSON (derived columns left out)."""
    mapper = obj.__mapper__
    return {
        col.key: jsonable(getattr(obj, col.key))
        for col in mapper.column_attrs
        if col.key not in exclude and col.key not in DERIVED
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
    key = session_key(session)
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
    ev.hash = keyed_digest(key, _fields(ev))
    session.add(ev)
    session.flush()
    return ev


def scheme(session: Session, key: bytes) -> str:
    """``"empty"``, ``"keyed"`` (an ``audit.keyed`` event, or a keyed first event), ``"plain"``
    (a chain of earlier releases, not re-anchored yet) or ``"unknown"`` (the first event matches
    neither: edited, or written with another key)."""
    first = session.execute(select(*_COLUMNS).order_by(AuditEvent.seq).limit(1)).first()
    if first is None:
        return "empty"
    if session.scalar(select(AuditEvent.seq).where(AuditEvent.action == KEYED).limit(1)) is not None:
        return "keyed"
    if keyed_digest(key, _fields(first)) == first.hash:
        return "keyed"
    return "plain" if _digest(_fields(first)) == first.hash else "unknown"


def reanchor(session: Session) -> AuditEvent | None:
    """Key a plain chain from here on: append the ``audit.keyed`` event (keyed itself) after
    the last plain event. Nothing when the chain is empty, keyed already, or cannot be read as
    plain (``lims audit verify`` says why)."""
    key = session_key(session)
    lock_chain(session)
    if scheme(session, key) != "plain":
        return None
    head = session.scalar(select(func.max(AuditEvent.seq))) or 0
    return record(session, SYSTEM, KEYED, entity_type="audit", entity_id=head, after={
        "scheme": "hmac-sha256", "plain_until_seq": head, "key_id": key_id(key),
        "note": f"chain re-anchored: events up to seq {head} were hashed with SHA-256; from here on keyed",
    })


def count_events(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0
