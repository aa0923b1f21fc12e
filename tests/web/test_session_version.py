"""Sessions that can be ended (issue 11, finding 5): the session and the remember cookie carry the
user's session version ("<id>:<version>"); logout, a password change and deactivation raise it, so
every copy of an older cookie is refused at its next request — pages go to the login page, the API
answers 401. A cookie from before versions existed ("<id>") counts as version 0."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask_login.utils import encode_cookie
from sqlalchemy import select

from lims.models import AuditEvent, User
from lims.services.login_throttle import Rules, Throttle
from tests.helpers import PASSWORD

JSON = {"Accept": "application/json"}


def _signed_in(app, username: str, *, remember: bool = False, password: str = PASSWORD):
    client = app.test_client()
    data = {"username": username, "password": password}
    if remember:
        data["remember"] = "y"
    resp = client.post("/login", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    return client


def _cookie(client, name: str) -> str:
    cookie = client.get_cookie(name)
    assert cookie is not None, f"no {name} cookie"
    return cookie.value


def _with_cookie(app, name: str, value: str):
    """A fresh browser holding only a copy of one cookie (what an attacker replays)."""
    client = app.test_client()
    client.set_cookie(name, value)
    return client


def _refused(client) -> bool:
    page = client.get("/dashboard")
    api = client.get("/api/v1/me", headers=JSON)
    return page.status_code == 302 and "/login" in page.headers["Location"] and api.status_code == 401


def _version(db, username: str) -> int:
    db.expire_all()
    return db.scalar(select(User.session_version).where(User.username == username))


def test_the_session_cookie_replayed_after_logout_is_refused(app, db, make_user):
    make_user("ktv.replay", "technician")
    browser = _signed_in(app, "ktv.replay")
    copied = _cookie(browser, "session")
    assert _with_cookie(app, "session", copied).get("/dashboard").status_code == 200  # the copy works

    assert browser.post("/logout").status_code == 302
    assert _refused(_with_cookie(app, "session", copied))
    assert _refused(browser)
    assert _version(db, "ktv.replay") == 1


def test_the_remember_cookie_replayed_after_logout_is_refused(app, db, make_user):
    make_user("ktv.remember", "technician")
    browser = _signed_in(app, "ktv.remember", remember=True)
    remembered = _cookie(browser, "remember_token")
    fresh = _with_cookie(app, "remember_token", remembered)
    assert fresh.get("/dashboard").status_code == 200  # signed in by the remember cookie alone

    assert browser.post("/logout").status_code == 302
    assert _refused(_with_cookie(app, "remember_token", remembered))
    assert _refused(fresh)  # the session it had opened ends too


def test_logout_in_one_browser_ends_the_other(app, make_user):
    make_user("ktv.two", "technician")
    office, phone = _signed_in(app, "ktv.two"), _signed_in(app, "ktv.two", remember=True)
    assert office.get("/dashboard").status_code == 200 and phone.get("/dashboard").status_code == 200

    office.post("/logout")
    assert _refused(phone)
    again = _signed_in(app, "ktv.two")  # signing in again works, with the new version
    assert again.get("/dashboard").status_code == 200


def test_logout_leaves_api_tokens_valid(app, make_user, token_for):
    user = make_user("ktv.bearer", "technician")
    bearer = token_for(user)
    _signed_in(app, "ktv.bearer").post("/logout")
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 200


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app, db, make_user):
    make_user("ktv.pw", "technician")
    here, elsewhere = _signed_in(app, "ktv.pw", remember=True), _signed_in(app, "ktv.pw", remember=True)
    remembered = _cookie(elsewhere, "remember_token")

    resp = here.post("/account/password", data={"current_password": PASSWORD, "new_password": "a-new-password-1",
                                                 "new_password_again": "a-new-password-1"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/dashboard")
    assert here.get("/dashboard").status_code == 200  # this browser stays signed in
    assert _refused(elsewhere)
    assert _refused(_with_cookie(app, "remember_token", remembered))
    assert _with_cookie(app, "remember_token", _cookie(here, "remember_token")).get("/dashboard").status_code == 200
    assert app.test_client().post("/login", data={"username": "ktv.pw", "password": PASSWORD}).status_code == 401
    _signed_in(app, "ktv.pw", password="a-new-password-1")
    [event] = db.scalars(select(AuditEvent).where(AuditEvent.action == "user.password")).all()
    assert event.actor == "ktv.pw" and "password_hash" not in (event.after or {})


def test_a_refused_password_change_changes_nothing(app, db, make_user):
    make_user("ktv.pw2", "technician")
    browser, other = _signed_in(app, "ktv.pw2"), _signed_in(app, "ktv.pw2")
    before = db.scalar(select(User.password_hash).where(User.username == "ktv.pw2"))
    cases = [
        ({"current_password": "wrong-password", "new_password": "long-enough-1", "new_password_again": "long-enough-1"},
         "current_password", "This is not your current password."),
        ({"current_password": PASSWORD, "new_password": "short", "new_password_again": "short"},
         "new_password", "At least 8 characters."),
        ({"current_password": PASSWORD, "new_password": "long-enough-1", "new_password_again": "long-enough-2"},
         "new_password_again", "The two new passwords differ."),
        ({"current_password": PASSWORD, "new_password": PASSWORD, "new_password_again": PASSWORD},
         "new_password", "The new password is the same as the current one."),
    ]
    for data, field, message in cases:
        resp = browser.post("/account/password?lang=en", data=data)
        assert resp.status_code == 422
        assert f'data-field="{field}">{message}<' in resp.get_data(as_text=True)
    vi = browser.post("/account/password?lang=vi", data=cases[0][0])
    assert vi.status_code == 422 and "Đây không phải mật khẩu hiện tại của bạn." in vi.get_data(as_text=True)
    db.expire_all()
    assert db.scalar(select(User.password_hash).where(User.username == "ktv.pw2")) == before
    assert _version(db, "ktv.pw2") == 0
    assert other.get("/dashboard").status_code == 200
    assert db.scalar(select(AuditEvent.id).where(AuditEvent.action == "user.password")) is None


def test_deactivation_ends_the_session_and_the_remember_cookie(app, db, make_user):
    from lims.services import users
    from lims.services.policy import SYSTEM

    user = make_user("ktv.off", "technician")
    browser = _signed_in(app, "ktv.off", remember=True)
    remembered = _cookie(browser, "remember_token")
    users.deactivate_user(db, SYSTEM, user.id, users.DeactivateUser())
    db.commit()
    assert _refused(browser)
    assert _refused(_with_cookie(app, "remember_token", remembered))
    assert _version(db, "ktv.off") == 1


def test_a_session_from_before_versions_still_works(app, make_user):
    user = make_user("ktv.old", "technician")
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)  # what the release before session versions stored
        session["_fresh"] = True
    assert client.get("/dashboard").status_code == 200
    assert client.get("/api/v1/me", headers=JSON).get_json()["username"] == "ktv.old"
    with app.test_request_context():
        old_remember = encode_cookie(str(user.id))
    assert _with_cookie(app, "remember_token", old_remember).get("/dashboard").status_code == 200

    client.post("/logout")  # the next logout ends them like any other
    assert _refused(_with_cookie(app, "remember_token", old_remember))


def test_a_user_at_version_3_signs_in(app, db, make_user):
    user = make_user("ktv.three", "technician")
    user.session_version = 3
    db.commit()
    browser = _signed_in(app, "ktv.three")
    assert browser.get("/dashboard").status_code == 200
    assert browser.get("/api/v1/me", headers=JSON).status_code == 200
    browser.post("/logout")
    assert _version(db, "ktv.three") == 4


def test_a_forged_or_malformed_session_id_is_anonymous(app, make_user):
    user = make_user("ktv.forged", "technician")
    for value in (f"{user.id}:1", f"{user.id}:x", "x", f"{user.id}:-1", "99999999999:0", ""):
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = value
        assert _refused(client), value


@pytest.mark.usefixtures("fresh_login_counts")
def test_guessing_the_current_password_is_limited_as_sign_ins_are(make_app, make_user, token_for):
    """A wrong current password counts as a failed sign-in (docs/reliability.md, "Sign-in limits"):
    after the 5 free ones the next is 429, in the browser and then in the API alike (one count)."""
    app = make_app(extra={"TESTING": True, "WTF_CSRF_ENABLED": False})
    now = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)  # a clock that stands still: the 2 s block outlasts a slow run
    app.extensions["lims.login_throttle"] = Throttle(Rules(free_attempts=5, max_delay=900), clock=lambda: now)
    bearer = token_for(make_user("ktv.guess", "technician"))
    browser = _signed_in(app, "ktv.guess")
    guess = {"current_password": "guess-0000", "new_password": "a-new-password-1",
             "new_password_again": "a-new-password-1"}
    statuses = [browser.post("/account/password", data=guess).status_code for _ in range(6)]
    assert statuses == [422] * 5 + [429]
    api = app.test_client().post("/api/v1/me/password", headers=bearer,
                                 json={"current_password": PASSWORD, "new_password": "x" * 12})
    assert api.status_code == 429 and int(api.headers["Retry-After"]) > 0
    assert browser.get("/dashboard").status_code == 200  # nothing changed: still signed in


def test_a_browser_changing_its_password_through_the_api_stays_signed_in(app, make_user):
    make_user("ktv.apipw", "technician")
    browser, other = _signed_in(app, "ktv.apipw"), _signed_in(app, "ktv.apipw")
    page = browser.get("/dashboard").get_data(as_text=True)
    csrf = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    resp = browser.post("/api/v1/me/password", json={"current_password": PASSWORD, "new_password": "y" * 12},
                        headers={"X-CSRFToken": csrf})
    assert resp.status_code == 204
    assert browser.get("/api/v1/me", headers=JSON).status_code == 200
    assert _refused(other)
