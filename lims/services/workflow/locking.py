"""Optimistic locking: a change names the version it started from; a stale one changes nothing."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import object_session

from lims.errors import Conflict
from lims.i18n import _
from lims.models import AuditEvent

__all__ = ["check_version", "last_actor"]


def check_version(obj: Any, version_id: int | None, what: str) -> None:
    """Refuse the change unless ``version_id`` is the object's current version (409 names who changed it)."""
    if version_id != obj.version_id:
        who = last_actor(obj)
        raise Conflict(
            _("%(what)s was changed by %(who)s after you opened it; your changes were not saved. "
              "Reload it, then make your changes again.", what=what, who=who),
            field="version_id", detail={"current_version_id": obj.version_id})


def last_actor(obj: Any) -> str:
    """Who made the object's latest audited change ("someone else" when unknown)."""
    session = object_session(obj)
    if session is None:
        return _("someone else")
    name = session.scalar(
        select(AuditEvent.actor).where(AuditEvent.entity_type == obj.__tablename__,
                                       AuditEvent.entity_id == str(obj.id))
        .order_by(AuditEvent.seq.desc()).limit(1))
    return name or _("someone else")
