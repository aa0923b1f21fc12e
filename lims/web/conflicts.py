"""Database errors that mean "someone else got there first", answered as 409 Conflict.

Two requests that change the same thing at once are a conflict, not a fault of the server:

* an optimistic-locking ``UPDATE … WHERE version_id = …`` that matched no row
  (:class:`sqlalchemy.orm.exc.StaleDataError`);
* a unique constraint hit by a concurrent insert (PostgreSQL SQLSTATE 23505, SQLite
  "UNIQUE constraint failed");
* a lock not obtained in time (PostgreSQL ``lock_timeout``: 55P03; SQLite "database is
  locked"), and PostgreSQL's deadlock and serialization failures (40P01, 40001), where the
  database itself chose the loser.

:func:`database_conflict` turns such an error into the :class:`~lims.errors.Conflict` the
pages already show for a stale save; any other database error is left alone (a 500).
"""
from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from lims.errors import Conflict

__all__ = ["CONFLICT_SQLSTATES", "database_conflict", "conflict_reason"]

UNIQUE_VIOLATION = "23505"
# lock_not_available (lock_timeout, NOWAIT), deadlock_detected, serialization_failure
CONFLICT_SQLSTATES = frozenset({"55P03", "40P01", "40001"})
_SQLITE_LOCKED = ("database is locked", "database table is locked")
_TABLE = re.compile(r"""(?:on table ['"]?|UNIQUE constraint failed: )(\w+)""")


def _sqlstate(exc: DBAPIError) -> str | None:
    orig = exc.orig
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


def conflict_reason(exc: BaseException) -> str | None:
    """Why ``exc`` is a conflict ("stale", "unique", "locked"), or None when it is not one."""
    if isinstance(exc, StaleDataError):
        return "stale"
    if not isinstance(exc, DBAPIError):
        return None
    state = _sqlstate(exc)
    text = str(exc.orig)
    if isinstance(exc, IntegrityError):
        return "unique" if state == UNIQUE_VIOLATION or "UNIQUE constraint failed" in text else None
    if state in CONFLICT_SQLSTATES or any(s in text for s in _SQLITE_LOCKED):
        return "locked"
    return None


def _what(exc: BaseException) -> str:
    """What was changed, as the stale-save message names it ("This record", ...)."""
    found = _TABLE.search(str(exc))
    table = found.group(1) if found else ""
    names = {"record": _("This record"), "record_point": _("This record"), "instrument": _("This instrument"),
             "service_request": _("This service request"), "certificate": _("This certificate")}
    return names.get(table, _("This item"))


def database_conflict(exc: SQLAlchemyError) -> Conflict | None:
    """The 409 for a database error that is a conflict (None for any other error)."""
    reason = conflict_reason(exc)
    if reason is None:
        return None
    return Conflict(
        _("%(what)s was changed by %(who)s after you opened it; your changes were not saved. "
          "Reload it, then make your changes again.", what=_what(exc), who=_("someone else")),
        detail={"reason": reason})
