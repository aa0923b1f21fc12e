"""The jobs ``lims jobs run-due`` runs on a schedule, each safe to run again at any time.

* ``reminders`` — :func:`lims.services.reminders.send`: each instrument, due date and kind is
  mailed once, whatever the number of runs (skipped when no mail server is configured).
* ``audit-checkpoint`` — :func:`checkpoint_if_moved`: a signed checkpoint of the audit chain's
  head, unless a checkpoint of that very head exists already.

Not run here: backups (``lims backup FILE``: where archives go and how long they are kept is the
site's choice, so it has a timer of its own, docs/operations.md); retention: nothing stored
expires (sign-in failure counters delete themselves, :mod:`lims.services.login_throttle`).
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.models import AuditEvent
from lims.services.audit_checkpoints import read_checkpoints
from lims.services.audit_hashing import session_key
from lims.services.audit_verify import take_checkpoint


def checkpoint_if_moved(session: Session, folder: Path) -> tuple[Path | None, int]:
    """Write a checkpoint of the chain's head unless a valid one of the same head exists; the file
    written (None: none needed) and the head's sequence number (0: the chain is empty)."""
    head = session.scalar(select(func.max(AuditEvent.seq)))
    if head is None:
        return None, 0
    good, _bad = read_checkpoints(folder, session_key(session, create=False))
    if any(c.seq == head for c in good):
        return None, int(head)
    return take_checkpoint(session, folder), int(head)
