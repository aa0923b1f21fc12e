"""The audit chain's hashing: the fields of an event, their canonical JSON, the plain SHA-256
of earlier releases and the HMAC-SHA256 under the audit key; shared by
:mod:`lims.services.audit` (writing) and :mod:`lims.services.audit_verify` (checking)."""
from __future__ import annotations

import enum
import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from lims import config
from lims.db import AUDIT_KEY_FILE_INFO
from lims.models import AuditEvent
from lims.services.audit_keys import load_key, mac

GENESIS = "0" * 64
KEYED = "audit.keyed"  # the event from which the chain is keyed (re-anchored on upgrade)
RESTORED = "audit.restored"  # appended after a restore from backup (lims.services.audit_verify)
KEY_FILE_INFO = AUDIT_KEY_FILE_INFO  # Session.info: the audit key file of the app's sessions


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


def canonical(fields: dict) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def plain_digest(fields: dict) -> str:
    """The plain SHA-256 hash of earlier releases (events before the ``audit.keyed`` one)."""
    return hashlib.sha256(canonical(fields)).hexdigest()


def keyed_digest(key: bytes, fields: dict) -> str:
    """The HMAC-SHA256 of an event's fields under the audit key."""
    return mac(key, canonical(fields))


def key_file(session: Session) -> Path:
    """The audit key file of this session: its app's (``Session.info``), else the configured one."""
    path = session.info.get(KEY_FILE_INFO)
    if not path:  # resolved once per session, not at each event
        path = session.info[KEY_FILE_INFO] = str(config.audit_key_file())
    return Path(path)


def session_key(session: Session, *, create: bool = True) -> bytes:
    """The audit key of this session's chain (read once per process, made on first use)."""
    return load_key(key_file(session), create=create)


def event_fields(ev: Any) -> dict:
    """The hashed fields of an event (an :class:`AuditEvent` or a row with the same names)."""
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


COLUMNS = (AuditEvent.id, AuditEvent.seq, AuditEvent.at, AuditEvent.actor, AuditEvent.action,
            AuditEvent.entity_type, AuditEvent.entity_id, AuditEvent.before, AuditEvent.after,
            AuditEvent.prev_hash, AuditEvent.hash)
