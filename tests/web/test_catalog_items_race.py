"""Admins correcting one organisation, or one user's roles, at the same moment: one correction
wins, the others get a 409 (never a 500), and the audit trail holds exactly one event of it.

The organisation's save runs inside a savepoint (a tax code taken at the same moment is a field
error); the user's roles are rows of their own, whose version is raised by the service: both
must still lose to the winner's write with a 409."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from lims.models import AuditEvent, Organisation, User
from lims.services import catalog_edits, user_edits

EDITORS = 4


def _race(app, monkeypatch, module, tokens, url, bodies):
    """PATCH ``url`` with each body at the same moment (every request past its version check
    before any writes); the answers."""
    barrier = threading.Barrier(len(tokens), timeout=60)
    check_version = module.check_version

    def check_then_wait(obj, version_id, what):
        check_version(obj, version_id, what)
        barrier.wait()

    monkeypatch.setattr(module, "check_version", check_then_wait)
    answers: list[tuple[int, dict]] = []

    def correct(headers: dict, body: dict) -> None:
        resp = app.test_client().patch(url, json=body, headers={**headers, "Accept-Language": "en"})
        answers.append((resp.status_code, resp.get_json()))

    threads = [threading.Thread(target=correct, args=(t, b)) for t, b in zip(tokens, bodies, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return answers


def _admins(app, make_user, token_for, url):
    tokens = [token_for(make_user(f"admin{n}", "admin")) for n in range(EDITORS)]
    for headers in tokens:  # a token's first use is written (last_used_at); here, not inside the race
        assert app.test_client().get(url, headers=headers).status_code == 200
    return tokens


@pytest.mark.committed  # each request runs in a thread with a session and connection of its own
def test_concurrent_organisation_corrections_answer_one_200_and_409_for_the_rest(db, lab, app, make_user,
                                                                                 token_for, monkeypatch):
    org = lab.business
    url = f"/api/v1/organisations/{org.id}"
    tokens = _admins(app, make_user, token_for, url)
    answers = _race(app, monkeypatch, catalog_edits, tokens, url,
                    [{"version_id": org.version_id, "phone": f"0205 000 00{n}"} for n in range(EDITORS)])
    assert sorted(status for status, _ in answers) == [200] + [409] * (EDITORS - 1), answers
    db.expire_all()
    winner = next(body for status, body in answers if status == 200)
    assert db.get(Organisation, org.id).phone == winner["phone"]
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "organisation.update")).all()
    assert len(events) == 1 and events[0].after == {"phone": winner["phone"]}


@pytest.mark.committed
def test_concurrent_role_changes_answer_one_200_and_409_for_the_rest(db, lab, app, make_user, token_for,
                                                                     monkeypatch):
    tech = lab.tech
    url = f"/api/v1/users/{tech.id}"
    tokens = _admins(app, make_user, token_for, url)
    extra = ["reviewer", "inspector", "reviewer", "inspector"]
    answers = _race(app, monkeypatch, user_edits, tokens, url,
                    [{"version_id": tech.version_id, "roles": ["technician", extra[n]]} for n in range(EDITORS)])
    assert sorted(status for status, _ in answers) == [200] + [409] * (EDITORS - 1), answers
    db.expire_all()
    winner = next(body for status, body in answers if status == 200)
    assert db.get(User, tech.id).roles == set(winner["roles"])
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "user.update")).all()
    assert len(events) == 1 and events[0].after == {"roles": sorted(winner["roles"])}
