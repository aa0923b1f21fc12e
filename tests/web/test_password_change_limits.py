"""A wrong current password in a password change counts as a failed sign-in of that account from
that address (docs/reliability.md, "Sign-in limits"): guessing it from a stolen session or token is
as slow as guessing it at the sign-in page, in every worker (the count is in the database).

Before, the page and the API had a per-process limit of 20 a minute (flask-limiter in memory), so
with 4 workers 80 guesses a minute went through.
"""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from lims.models import LoginThrottle, User
from lims.services.login_throttle import Rules, Throttle
from tests.helpers import PASSWORD

pytestmark = pytest.mark.usefixtures("fresh_login_counts")  # counts are committed: none of another test's

A, B = "203.0.113.7", "198.51.100.9"


NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def _limits(app, free_attempts: int = 2) -> None:
    """The app's sign-in limits with a clock that stands still: a 2 s block lasts however slow
    the machine running the test is."""
    app.extensions["lims.login_throttle"] = Throttle(Rules(free_attempts=free_attempts, max_delay=900),
                                                     clock=lambda: NOW)


def _change(client, current: str, address: str = A, lang: str = "en", **kw):
    return client.post(f"/account/password?lang={lang}",
                       data={"current_password": current, "new_password": "a-new-password-1",
                             "new_password_again": "a-new-password-1"},
                       environ_base={"REMOTE_ADDR": address}, **kw)


def _hash(db, username: str) -> str:
    db.expire_all()
    return db.scalar(select(User.password_hash).where(User.username == username))


def test_wrong_current_passwords_on_the_page_are_counted_and_then_refused_with_429(app, client, db, make_user, login):
    make_user("ktv.pw", "technician")
    login("ktv.pw")
    _limits(app)
    before = _hash(db, "ktv.pw")
    assert [_change(client, "wrong-guess").status_code for _ in range(2)] == [422, 422]
    blocked = _change(client, "wrong-guess")
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "2"
    assert "Too many failed sign-ins. Please try again in 2 seconds." in blocked.get_data(as_text=True)
    vi = _change(client, PASSWORD, lang="vi")  # even the right password waits: it is not checked
    assert vi.status_code == 429
    assert "Quá nhiều lần đăng nhập sai. Vui lòng thử lại sau 2 giây." in vi.get_data(as_text=True)
    assert _hash(db, "ktv.pw") == before
    db.expire_all()
    [row] = db.scalars(select(LoginThrottle).where(LoginThrottle.key == f"ktv.pw|{A}")).all()
    assert row.failures == 3
    # The sign-in page of the same account from the same address waits too: one count.
    signin = app.test_client().post("/login", data={"username": "ktv.pw", "password": PASSWORD},
                                    environ_base={"REMOTE_ADDR": A})
    assert signin.status_code == 429
    # From another address the account is not blocked (nobody can lock a signatory out).
    other = app.test_client().post("/login", data={"username": "ktv.pw", "password": PASSWORD},
                                   environ_base={"REMOTE_ADDR": B})
    assert other.status_code == 302


def test_other_refusals_of_a_password_change_are_not_counted(app, client, db, make_user, login):
    make_user("ktv.pw2", "technician")
    login("ktv.pw2")
    _limits(app, free_attempts=1)
    for _ in range(3):
        resp = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "short",
                                                      "new_password_again": "short"},
                           environ_base={"REMOTE_ADDR": A})
        assert resp.status_code == 422
    db.expire_all()
    assert db.scalars(select(LoginThrottle)).all() == []


def test_the_api_counts_wrong_current_passwords_and_answers_429_as_json(app, db, make_user, token_for):
    user = make_user("ktv.pw3", "technician")
    headers = token_for(user)
    _limits(app)
    api = app.test_client()
    before = _hash(db, "ktv.pw3")

    def change(current: str):
        return api.post("/api/v1/me/password?lang=en",
                        json={"current_password": current, "new_password": "a-new-password-1"},
                        headers=headers, environ_base={"REMOTE_ADDR": A})

    first = change("wrong-guess")
    assert first.status_code == 422 and first.get_json()["detail"]["field"] == "current_password"
    assert change("wrong-guess").status_code == 422
    blocked = change("wrong-guess")
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "2"
    assert change(PASSWORD).status_code == 429  # not checked while blocked
    assert blocked.get_json() == {"error": "Too many failed sign-ins. Please try again in 2 seconds.",
                                  "detail": {"retry_after": 2}}
    assert _hash(db, "ktv.pw3") == before
