"""Sign-in limits: failed sign-ins counted in the database, per (account, address) and per address.

Every worker and process shares the counts (table ``login_throttle``, one row per scope and key),
so the limit does not grow with the number of workers. Two counters take each failure:

- ``account_ip``, keyed by "username|address": the first :attr:`Rules.free_attempts` failures
  cost nothing; each further one blocks the next attempt of that account from that address for
  2^k seconds (k = failures beyond the free ones), at most :attr:`Rules.max_delay`. Failures
  from another address count apart, so nobody can lock a signatory out from elsewhere.
- ``ip``, keyed by the address: :attr:`Rules.address_limit` failures within :attr:`Rules.window`
  (counted from the first) block the address, whatever account it tries, for a whole window, so
  one address cannot try a few passwords on many accounts.

A blocked attempt is refused before the password is checked (no scrypt spent on it). A successful
sign-in clears its (account, address) counter, not the address's. A counter left quiet for a
window after its last failure and block starts again from nothing; every
:attr:`Throttle.purge_every`-th counter a process creates deletes those left quiet (the table holds
what the last window or so saw, not every username ever guessed).

Each failure is one atomic upsert per counter (``INSERT … ON CONFLICT DO UPDATE SET failures =
failures + 1``), after the audit chain's lock (docs/reliability.md, "Lock order"): no failure is
lost when workers fail at once. A block that starts is audited once (``login.blocked``); the
failures themselves are counted, not audited — an attacker's every guess would otherwise grow
the audit chain and serialise on its lock for nothing the counter does not already say. The
event names the user when the account exists, else only a digest of what was typed (it may be
a password typed in the wrong box, and the chain keeps it for ever).

Time is injected (:attr:`Throttle.clock`), so tests control it.
"""
from __future__ import annotations

import hashlib
import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lims.models import LoginThrottle, User, utcnow
from lims.services import audit

__all__ = ["ACCOUNT", "ADDRESS", "Rules", "Throttle", "account_key"]

ACCOUNT = "account_ip"
ADDRESS = "ip"

_READABLE = re.compile(r"^[A-Za-z0-9_.\-@+]{1,64}$")
_MAX_ADDRESS = 64


@dataclass(frozen=True)
class Rules:
    """The numbers of the sign-in limits (settings ``LIMS_LOGIN_*``, lims/config.py)."""

    free_attempts: int = 5  #: failures per (account, address) answered without delay
    max_delay: int = 900  #: seconds: the cap of the growing delay per (account, address)
    address_limit: int = 30  #: failures from one address within a window that block it
    window: int = 900  #: seconds: the address's counting window, its block, and when quiet counters restart

    def account_delay(self, failures: int) -> int:
        """Seconds the ``failures``-th failure of an (account, address) blocks the next attempt."""
        beyond = failures - self.free_attempts
        if beyond <= 0:
            return 0
        return min(2 ** min(beyond, 40), self.max_delay)


def _account(username: str) -> str:
    """The account as kept in a key and the audit trail: the username as typed when it is an
    ordinary one, else a digest (no control character or overlong text reaches the table)."""
    username = (username or "").strip()
    if _READABLE.match(username):
        return username
    return "#" + hashlib.sha256(username.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def _address(address: str | None) -> str:
    address = (address or "").strip() or "unknown"
    return address if len(address) <= _MAX_ADDRESS else "#" + hashlib.sha256(address.encode()).hexdigest()[:40]


def account_key(username: str, address: str | None) -> str:
    return f"{_account(username)}|{_address(address)}"


def _seconds(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


def _upsert(session: Session) -> Any:
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert
    if name == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"sign-in limits need PostgreSQL or SQLite, not {name}")


@dataclass(frozen=True)
class Throttle:
    """The sign-in limits with their rules and clock; every method takes the caller's session."""

    rules: Rules = Rules()
    clock: Callable[[], datetime] = utcnow
    purge_every: int = 32
    _created: itertools.count = field(default_factory=lambda: itertools.count(1), compare=False, repr=False)

    def _keys(self, username: str, address: str | None) -> list[tuple[str, str]]:
        return [(ACCOUNT, account_key(username, address)), (ADDRESS, _address(address))]

    def wait(self, session: Session, username: str, address: str | None) -> int:
        """Seconds before ``username`` may try again from ``address`` (0: now). Reads only."""
        now = self.clock()
        rows = or_(*(and_(LoginThrottle.scope == scope, LoginThrottle.key == key)
                     for scope, key in self._keys(username, address)))
        until = session.scalar(select(func.max(LoginThrottle.blocked_until)).where(rows))
        return _seconds(until, now) if until is not None and until > now else 0

    def failed(self, session: Session, username: str, address: str | None) -> int:
        """Count a failed sign-in of ``username`` from ``address`` in both counters; the seconds
        the account must now wait from there (0: none). The caller commits."""
        now = self.clock()
        audit.lock_chain(session)  # the first lock of every writer (docs/reliability.md)
        waits = [0]
        for scope, key in self._keys(username, address):
            until = self._count(session, scope, key, now, username, address)
            if until is not None and until > now:
                waits.append(_seconds(until, now))
        return max(waits)

    def succeeded(self, session: Session, username: str, address: str | None) -> None:
        """Clear the (account, address) counter after a successful sign-in (the address's stays)."""
        key = account_key(username, address)
        where = (LoginThrottle.scope == ACCOUNT, LoginThrottle.key == key)
        if session.scalar(select(LoginThrottle.id).where(*where)) is not None:
            session.execute(delete(LoginThrottle).where(*where), execution_options={"synchronize_session": False})

    def _count(self, session: Session, scope: str, key: str, now: datetime, username: str,
               address: str | None) -> datetime | None:
        """One more failure in the counter ``scope``/``key``: the atomic upsert, then (the row now
        locked by it) the window's reset, the block, and its audit event when one starts."""
        insert = _upsert(session)
        stmt = insert(LoginThrottle).values(scope=scope, key=key, failures=1, first_failure_at=now,
                                            last_failure_at=now, blocked_until=None)
        stmt = stmt.on_conflict_do_update(index_elements=[LoginThrottle.scope, LoginThrottle.key],
                                          set_={"failures": LoginThrottle.failures + 1})
        row = session.execute(stmt.returning(
            LoginThrottle.id, LoginThrottle.failures, LoginThrottle.first_failure_at,
            LoginThrottle.last_failure_at, LoginThrottle.blocked_until)).one()
        if row.failures == 1:  # a new counter (an existing one counts 2 or more now)
            self._purge_now_and_then(session, now)
        failures, first, blocked = row.failures, row.first_failure_at, row.blocked_until
        was_blocked = blocked is not None and blocked > now
        window = timedelta(seconds=self.rules.window)
        if scope == ACCOUNT:
            quiet_since = max(row.last_failure_at, blocked or row.last_failure_at)
            stale = now - quiet_since > window
        else:
            stale = now - first >= window and not was_blocked
        if stale:
            failures, first, blocked, was_blocked = 1, now, None, False
        if scope == ACCOUNT:
            delay = self.rules.account_delay(failures)
        else:
            delay = self.rules.window if failures >= self.rules.address_limit else 0
        if delay:
            until = now + timedelta(seconds=delay)
            blocked = until if blocked is None else max(blocked, until)
        session.execute(
            update(LoginThrottle).where(LoginThrottle.id == row.id)
            .values(failures=failures, first_failure_at=first, last_failure_at=now, blocked_until=blocked),
            execution_options={"synchronize_session": False})
        if delay and not was_blocked:
            assert blocked is not None
            self._audit_block(session, scope, username, address, failures, blocked, now)
        return blocked

    def _audit_block(self, session: Session, scope: str, username: str, address: str | None, failures: int,
                     blocked: datetime, now: datetime) -> None:
        after: dict[str, Any] = {"scope": "account" if scope == ACCOUNT else "address",
                                 "address": _address(address), "failures": failures,
                                 "blocked_until": blocked, "seconds": _seconds(blocked, now)}
        entity_type, entity_id = LoginThrottle.__tablename__, ""
        if scope == ACCOUNT:
            name = (username or "").strip()
            user_id = session.scalar(select(User.id).where(User.username == name)) \
                if _READABLE.match(name) else None
            if user_id is not None:
                after["account"], entity_type, entity_id = name, User.__tablename__, str(user_id)
            else:  # no such user: what was typed may be a password, kept only as a digest
                after["account"] = "#" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:40]
        audit.record(session, None, "login.blocked", entity_type=entity_type, entity_id=entity_id, after=after)

    def _purge_now_and_then(self, session: Session, now: datetime) -> None:
        """Every ``purge_every``-th new counter: delete the counters quiet for a whole window, which
        would start again from nothing anyway (their last failure and block ended a window ago)."""
        if next(self._created) % self.purge_every:
            return
        before = now - timedelta(seconds=self.rules.window)
        session.execute(delete(LoginThrottle).where(
            LoginThrottle.last_failure_at < before,
            or_(LoginThrottle.blocked_until.is_(None), LoginThrottle.blocked_until < before)),
            execution_options={"synchronize_session": False})
