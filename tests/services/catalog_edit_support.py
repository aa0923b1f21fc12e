"""What the tests of catalogue corrections share: the audit chain's length and a refusal that must
name its field and leave the entry and the audit chain as they were."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lims.errors import ValidationError
from lims.models import AuditEvent

__all__ = ["events", "refused"]


def events(db) -> int:
    return db.scalar(select(func.count()).select_from(AuditEvent))


def refused(db, row, entity_id, call, field):
    """``call`` is refused naming ``field``, and the entry (``row``) and the audit chain are unchanged."""
    before, count = row(db, entity_id), events(db)
    with pytest.raises(ValidationError) as exc:
        call()
    db.rollback()
    assert field in exc.value.errors, exc.value.errors
    assert row(db, entity_id) == before and events(db) == count
    return exc.value.errors[field]
