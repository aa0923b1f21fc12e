"""Admins correcting one instrument at the same moment: one correction wins, the others get the
stale-save 409 (never a 500), and the audit trail holds exactly one ``instrument.update``."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from lims.models import AuditEvent, Instrument
from lims.services import instruments

EDITORS = 4


@pytest.mark.committed  # each request runs in a thread with a session and connection of its own
def test_concurrent_corrections_answer_one_200_and_409_for_the_rest(db, lab, app, make_user, token_for,
                                                                    monkeypatch):
    inst = lab.instruments["scale"]
    tokens = [token_for(make_user(f"admin{n}", "admin")) for n in range(EDITORS)]
    for headers in tokens:  # a token's first use is written (last_used_at); here, not inside the race
        assert app.test_client().get(f"/api/v1/instruments/{inst.id}", headers=headers).status_code == 200

    # Every request passes the version check before any of them writes: the losers' UPDATE ...
    # WHERE version_id = ... then matches no row (or waits for the winner's lock).
    barrier = threading.Barrier(EDITORS, timeout=60)
    check_version = instruments.check_version

    def check_then_wait(obj, version_id, what):
        check_version(obj, version_id, what)
        barrier.wait()

    monkeypatch.setattr(instruments, "check_version", check_then_wait)
    answers: list[tuple[int, dict]] = []

    def correct(n: int, headers: dict) -> None:
        resp = app.test_client().patch(f"/api/v1/instruments/{inst.id}", json={
            "version_id": inst.version_id, "location": f"Kho {n}"}, headers={**headers, "Accept-Language": "en"})
        answers.append((resp.status_code, resp.get_json()))

    threads = [threading.Thread(target=correct, args=(n, t)) for n, t in enumerate(tokens)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] + [409] * (EDITORS - 1), answers
    assert all("after you opened it" in body["error"] for status, body in answers if status == 409)
    db.expire_all()
    winner = next(body for status, body in answers if status == 200)
    assert db.get(Instrument, inst.id).location == winner["location"]
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "instrument.update")).all()
    assert len(events) == 1 and events[0].after == {"location": winner["location"]}
