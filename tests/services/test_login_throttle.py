"""Sign-in limits counted in the database (lims.services.login_throttle), with a clock of the test's own."""
from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from lims.db import make_session_factory
from lims.models import AuditEvent, LoginThrottle
from lims.services import audit
from lims.services.login_throttle import ACCOUNT, ADDRESS, Rules, Throttle, account_key
from tests.helpers import Clock

pytestmark = pytest.mark.usefixtures("fresh_login_counts")  # counts are committed: none of another test's

A, B = "203.0.113.7", "198.51.100.9"


def _throttle(**rules) -> tuple[Throttle, Clock]:
    clock = Clock()
    return Throttle(Rules(**rules), clock=clock), clock


def _fail(db, throttle: Throttle, username: str, address: str) -> int:
    seconds = throttle.failed(db, username, address)
    db.commit()
    return seconds


def _blocked_events(db) -> list[dict]:
    return [ev.after for ev in db.scalars(select(AuditEvent).where(AuditEvent.action == "login.blocked")
                                          .order_by(AuditEvent.seq))]


def _row(db, scope: str, key: str) -> LoginThrottle | None:
    return db.scalar(select(LoginThrottle).where(LoginThrottle.scope == scope, LoginThrottle.key == key))


def test_the_free_failures_cost_nothing_then_the_delay_doubles_up_to_its_cap(db):
    throttle, clock = _throttle(free_attempts=3, max_delay=20)
    waits = []
    for _ in range(9):
        waits.append(_fail(db, throttle, "ktv.lan", A))
        assert throttle.wait(db, "ktv.lan", A) == waits[-1]
        clock.advance(waits[-1])  # the next attempt comes as soon as it may
    assert waits == [0, 0, 0, 2, 4, 8, 16, 20, 20]
    assert _row(db, ACCOUNT, account_key("ktv.lan", A)).failures == 9
    assert throttle.rules.account_delay(10_000) == 20  # no overflow however many


def test_a_block_is_audited_once_with_account_and_address_and_the_chain_verifies(db, make_user):
    user = make_user("ktv.lan", "technician")
    throttle, clock = _throttle(free_attempts=1, max_delay=60)
    _fail(db, throttle, "ktv.lan", A)
    assert _blocked_events(db) == []
    assert _fail(db, throttle, "ktv.lan", A) == 2
    for _ in range(3):  # refused attempts are not checked, not counted, not audited
        assert throttle.wait(db, "ktv.lan", A) == 2
    events = _blocked_events(db)
    assert len(events) == 1
    assert events[0]["scope"] == "account" and events[0]["account"] == "ktv.lan"
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "login.blocked"))
    assert (event.entity_type, event.entity_id, event.actor) == ("user_account", str(user.id), "system")
    assert events[0]["address"] == A and events[0]["failures"] == 2 and events[0]["seconds"] == 2
    clock.advance(2)
    assert _fail(db, throttle, "ktv.lan", A) == 4  # a new block, a new event
    assert len(_blocked_events(db)) == 2
    assert audit.verify_chain(db).ok


def test_failures_from_one_address_never_block_the_account_from_another(db):
    throttle, _clock = _throttle(free_attempts=2, max_delay=900)
    for _ in range(8):
        _fail(db, throttle, "signer", A)
    assert throttle.wait(db, "signer", A) > 0
    assert throttle.wait(db, "signer", B) == 0
    assert _fail(db, throttle, "signer", B) == 0  # B has its own free attempts


def test_success_clears_the_account_counter_but_not_the_address_counter(db):
    throttle, _clock = _throttle(free_attempts=5, address_limit=30)
    for _ in range(4):
        _fail(db, throttle, "ktv.lan", A)
    throttle.succeeded(db, "ktv.lan", A)
    db.commit()
    assert _row(db, ACCOUNT, account_key("ktv.lan", A)) is None
    assert _row(db, ADDRESS, A).failures == 4
    assert [_fail(db, throttle, "ktv.lan", A) for _ in range(6)] == [0] * 5 + [2]  # five free again


def test_the_address_is_blocked_after_its_limit_across_accounts_for_a_window(db):
    throttle, clock = _throttle(free_attempts=5, address_limit=6, window=600)
    waits = [_fail(db, throttle, f"user{i}", A) for i in range(6)]
    assert waits == [0] * 5 + [600]
    assert throttle.wait(db, "someone.else", A) == 600  # any account from that address
    assert throttle.wait(db, "someone.else", B) == 0
    events = _blocked_events(db)
    assert [(e["scope"], e["address"], e["failures"]) for e in events] == [("address", A, 6)]
    clock.advance(600)
    assert throttle.wait(db, "someone.else", A) == 0
    assert _fail(db, throttle, "someone.else", A) == 0
    assert _row(db, ADDRESS, A).failures == 1  # the window ended: counting starts again


def test_counters_left_quiet_for_a_window_start_again(db):
    throttle, clock = _throttle(free_attempts=2, max_delay=900, window=900)
    for _ in range(4):
        _fail(db, throttle, "ktv.lan", A)  # the 4th blocks for 4 s
    clock.advance(4 + 899)
    assert _fail(db, throttle, "ktv.lan", A) == 8  # not yet quiet for a whole window: it grows
    clock.advance(8 + 901)
    assert _fail(db, throttle, "ktv.lan", A) == 0
    row = _row(db, ACCOUNT, account_key("ktv.lan", A))
    assert row.failures == 1 and row.blocked_until is None and row.first_failure_at == clock.now


def test_odd_usernames_and_addresses_are_kept_as_digests(db):
    throttle, _clock = _throttle()
    odd = "x\x00y" + "z" * 5000
    _fail(db, throttle, odd, "::ffff:" + "f" * 200)
    keys = list(db.scalars(select(LoginThrottle.key)))
    assert all(len(k) <= 90 and "\x00" not in k for k in keys) and len(keys) == 2
    assert throttle.wait(db, odd, "::ffff:" + "f" * 200) == 0
    assert db.scalar(select(func.count()).select_from(LoginThrottle)) == 2


def test_a_block_of_an_unknown_account_keeps_only_a_digest_of_what_was_typed(db):
    """What was typed may be a password typed in the wrong box: the audit chain keeps it for ever."""
    throttle, _clock = _throttle(free_attempts=0)
    _fail(db, throttle, "MySecretPassw0rd", A)
    (event,) = _blocked_events(db)
    assert event["account"].startswith("#") and "MySecretPassw0rd" not in str(event)


def test_counters_quiet_for_a_window_are_deleted_now_and_then(db):
    clock = Clock()
    throttle = Throttle(Rules(free_attempts=5, window=900), clock=clock, purge_every=1)
    for i in range(3):
        _fail(db, throttle, f"user{i}", A)
    clock.advance(300)
    _fail(db, throttle, "user0", B)
    clock.advance(700)  # user0..2 at A quiet for 1000 s, A itself too; user0 at B and B for 700 s
    _fail(db, throttle, "user9", "192.0.2.1")  # new counters: the quiet ones go
    assert sorted(db.scalars(select(LoginThrottle.key))) == sorted(
        [account_key("user0", B), B, account_key("user9", "192.0.2.1"), "192.0.2.1"])
    blocked = Throttle(Rules(free_attempts=0, max_delay=900, window=60), clock=clock, purge_every=1)
    _fail(db, blocked, "user5", A)
    _fail(db, blocked, "user5", A)  # blocked for 4 s from now
    clock.advance(61)
    _fail(db, blocked, "user6", A)
    assert account_key("user5", A) in set(db.scalars(select(LoginThrottle.key)))  # its block ended < 60 s ago


@pytest.mark.committed  # real transactions: each one takes the chain's lock anew
def test_counting_and_clearing_take_the_audit_chain_lock_before_any_row(engine):
    """The lock order of docs/reliability.md: on PostgreSQL the chain's advisory lock comes before
    the counter's row; on SQLite the first statement is a write (the database write lock)."""
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()).upper())

    throttle, _clock = _throttle(free_attempts=0)
    steps = {"failed": lambda session: throttle.failed(session, "ktv.lan", A),
             "succeeded": lambda session: throttle.succeeded(session, "ktv.lan", A)}
    seen_by_step: dict[str, list[str]] = {}
    event.listen(engine, "before_cursor_execute", seen)
    try:
        with make_session_factory(engine)() as session:
            for name, step in steps.items():
                statements.clear()
                step(session)
                session.commit()
                seen_by_step[name] = list(statements)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    for name, run in seen_by_step.items():
        writes = [i for i, s in enumerate(run) if s.startswith(("INSERT", "UPDATE", "DELETE"))]
        assert writes, (name, run)
        if engine.dialect.name == "postgresql":
            locks = [i for i, s in enumerate(run) if "PG_ADVISORY_XACT_LOCK" in s]
            assert locks and locks[0] < writes[0], (name, run)
        elif name == "failed":
            assert writes[0] == 0, run  # the upsert first: the database write lock before any read
        else:
            assert [s.split()[0] for s in run] == ["SELECT", "DELETE"], run  # is there a counter; delete it
