"""Every conflict is a 409 (issue 11, finding 3): reviewers approving one record at once got
1×200, 12×409 and 3×500 (StaleDataError) on both databases. A stale optimistic-locking update,
a unique violation and a lock not obtained in time are answered with the stale-save message,
rolled back; one approval wins."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from lims.models import AuditEvent, Certificate, Organisation, Record
from lims.services import audit, workflow
from lims.services.workflow import transitions
from lims.web.conflicts import database_conflict
from lims.web.errors import database_error
from tests.services.workflow_factory import complete_scale_record, open_scale_record

STALE_EN = ("This record was changed by someone else after you opened it; your changes were not saved. "
            "Reload it, then make your changes again.")
REVIEWERS = 6


@pytest.mark.committed  # each request runs in a thread with a session and connection of its own
def test_concurrent_approvals_of_one_record_answer_one_200_and_409_for_the_rest(db, lab, app, make_user,
                                                                                  token_for, monkeypatch):
    """Finding 3: concurrent approvals gave 500 (StaleDataError) besides 200 and 409s."""
    rec = complete_scale_record(db, lab, open_scale_record(db, lab))
    workflow.submit_record(db, lab.tech, rec.id, workflow.Version(version_id=rec.version_id))
    db.commit()
    tokens = [token_for(make_user(f"reviewer{n}", "reviewer")) for n in range(REVIEWERS)]
    for headers in tokens:  # a token's first use is written (last_used_at); here, not inside the race
        assert app.test_client().get(f"/api/v1/records/{rec.id}", headers=headers).status_code == 200

    # Every request passes the version check before any of them writes: the losers' UPDATE ...
    # WHERE version_id = ... then matches no row (or waits for the winner's lock).
    barrier = threading.Barrier(REVIEWERS, timeout=60)
    check_version = transitions.check_version

    def check_then_wait(obj, version_id, what):
        check_version(obj, version_id, what)
        barrier.wait()

    monkeypatch.setattr(transitions, "check_version", check_then_wait)
    answers: list[tuple[int, dict]] = []

    def approve(headers: dict) -> None:
        resp = app.test_client().post(f"/api/v1/records/{rec.id}/approve", json={"version_id": rec.version_id},
                                      headers={**headers, "Accept-Language": "en"})
        answers.append((resp.status_code, resp.get_json()))

    threads = [threading.Thread(target=approve, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] + [409] * (REVIEWERS - 1), answers
    for status, body in answers:
        if status == 409:
            assert body["error"] == STALE_EN and body["detail"]["reason"] in ("stale", "locked"), body
    db.expire_all()
    assert db.get(Record, rec.id).status == "approved"
    assert db.scalar(select(func.count()).select_from(Certificate).where(Certificate.record_id == rec.id)) == 1
    approvals = db.scalars(select(AuditEvent.actor).where(AuditEvent.action == "record.approve",
                                                          AuditEvent.entity_id == str(rec.id))).all()
    assert len(approvals) == 1
    assert audit.verify_chain(db).ok


def _answer(app, exc, lang="en"):
    with app.test_request_context(f"/api/v1/records?lang={lang}", headers={"Accept": "application/json"}):
        resp = app.make_response(database_error(exc))
    return resp.status_code, resp.get_json()


def test_a_stale_update_is_a_409_with_the_stale_save_message(app):
    """Finding 3: StaleDataError (optimistic locking) is answered 409, in both languages."""
    exc = StaleDataError("UPDATE statement on table 'record' expected to update 1 row(s); 0 were matched.")
    assert _answer(app, exc) == (409, {"error": STALE_EN, "detail": {"reason": "stale"}})
    status, body = _answer(app, exc, "vi")
    assert status == 409 and body["error"].startswith("Biên bản này đã được người khác thay đổi sau khi bạn mở")


def test_a_unique_violation_is_a_409(app, db):
    """Finding 3: an IntegrityError from a unique constraint is a conflict, rolled back."""
    db.add(Organisation(name="Twin", kind="business", tax_code="0109999999"))
    db.flush()
    db.add(Organisation(name="Twin", kind="business", tax_code="0109999999"))
    with pytest.raises(IntegrityError) as raised:
        db.flush()
    db.rollback()
    status, body = _answer(app, raised.value)
    assert status == 409 and body["detail"] == {"reason": "unique"}
    assert body["error"].endswith("your changes were not saved. Reload it, then make your changes again.")


def test_an_integrity_error_that_is_no_conflict_stays_a_500(app, db):
    """Only unique violations are conflicts: a missing required value is the server's fault."""
    with pytest.raises(IntegrityError) as raised:
        db.execute(text("INSERT INTO organisation (kind) VALUES ('business')"))
    db.rollback()
    assert database_conflict(raised.value) is None
    assert _answer(app, raised.value)[0] == 500


@pytest.mark.committed  # a second connection must wait for the first one's lock
def test_a_lock_not_obtained_in_time_is_a_409(app, engine):
    """Finding 3: a lock timeout (PostgreSQL lock_timeout / LockNotAvailable, SQLite "database is
    locked") is a conflict, not a 500."""
    holder, waiter = engine.connect(), engine.connect()
    try:
        if engine.dialect.name == "postgresql":
            holder.begin()
            holder.execute(text("LOCK TABLE organisation IN ACCESS EXCLUSIVE MODE"))
            waiter.begin()
            waiter.execute(text("SET LOCAL lock_timeout = '50ms'"))
            with pytest.raises(OperationalError) as raised:
                waiter.execute(text("SELECT count(*) FROM organisation"))
        else:
            holder.exec_driver_sql("PRAGMA busy_timeout = 0")
            waiter.exec_driver_sql("PRAGMA busy_timeout = 0")
            holder.exec_driver_sql("BEGIN IMMEDIATE")
            with pytest.raises(OperationalError) as raised:
                waiter.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        waiter.rollback()
        holder.rollback()
        waiter.close()
        holder.close()
    status, body = _answer(app, raised.value)
    assert status == 409 and body["detail"] == {"reason": "locked"}


def test_a_page_transition_that_meets_a_conflict_flashes_the_stale_save_message(db, lab, client, login,
                                                                                   monkeypatch):
    """Finding 3 on the pages: the approval that lost the race is told so (flash and redirect), not a 500."""
    rec = complete_scale_record(db, lab, open_scale_record(db, lab))
    workflow.submit_record(db, lab.tech, rec.id, workflow.Version(version_id=rec.version_id))
    db.commit()

    def lost_the_race(*_args):
        raise StaleDataError("UPDATE statement on table 'record' expected to update 1 row(s); 0 were matched.")

    monkeypatch.setattr(workflow, "approve_record", lost_the_race)
    login("reviewer")
    resp = client.post(f"/records/{rec.id}/approve?lang=en", data={"version_id": rec.version_id})
    assert resp.status_code == 302
    page = client.get(f"/records/{rec.id}?lang=en").get_data(as_text=True)
    assert STALE_EN in page
