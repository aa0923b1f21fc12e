"""Password reset by e-mail, end to end against a real SMTP server (aiosmtpd in this process):
the login page links to the form; the answer is the same whoever is named; the mail's link works
once, before it expires; every session ends; the request form is rate-limited; the sign-in limits
still hold afterwards."""
from __future__ import annotations

import re
import time
from dataclasses import replace

import pytest
from sqlalchemy import select

from lims.config import smtp_settings
from lims.models import AuditEvent, LoginThrottle, User
from lims.services import password_reset
from lims.services.login_throttle import Rules, Throttle
from tests.helpers import PASSWORD
from tests.mail_server import smtp_server  # noqa: F401 - the fixture

NEW = "a-brand-new-password"
LINK = re.compile(r"http://127\.0\.0\.1:5000(/password/reset/[A-Za-z0-9_.\-]+)")


@pytest.fixture
def mailing_app(app, smtp_server):  # noqa: F811
    """The shared app sending through the test's SMTP server (its settings are restored afterwards)."""
    app.config["LIMS"] = replace(app.config["LIMS"], smtp=smtp_settings())
    return app


@pytest.fixture
def lan(db, make_user):
    user = make_user("lan.dn", "business")
    user.email, user.language = "lan@huunghi.example", "vi"
    db.commit()
    return user


def _hash(db, username):
    db.expire_all()
    return db.scalar(select(User.password_hash).where(User.username == username))


def _ask(client, identifier, lang="en"):
    return client.post(f"/password/forgot?lang={lang}", data={"identifier": identifier})


def _set(client, path, new=NEW, again=None, lang="en"):
    return client.post(f"{path}?lang={lang}", data={"new_password": new, "new_password_again": again or new})


def test_the_login_page_links_to_the_form(client):
    page = client.get("/login?lang=en").get_data(as_text=True)
    assert 'href="/password/forgot"' in page and "Forgot password?" in page
    assert "Username or e-mail address" in client.get("/password/forgot?lang=en").get_data(as_text=True)


def test_the_mailed_link_sets_a_new_password_once_and_ends_every_session(mailing_app, client, db, lan, login,
                                                                         smtp_server):  # noqa: F811
    other = mailing_app.test_client()  # another browser, signed in
    assert other.post("/login", data={"username": "lan.dn", "password": PASSWORD}).status_code == 302
    assert other.get("/dashboard").status_code == 200

    asked = _ask(client, "lan.dn")
    assert asked.status_code == 200 and 'id="reset-asked"' in asked.get_data(as_text=True)
    (mail,) = smtp_server.messages
    assert mail.rcpt_tos == ["lan@huunghi.example"] and mail.mail_from == "lims@lab.example"
    assert mail.subject == "Đặt lại mật khẩu"  # the user's own language, whatever the page's
    assert "tài khoản lan.dn" in mail.body and "60 phút" in mail.body
    path = LINK.search(mail.body).group(1)

    form = client.get(f"{path}?lang=en")
    assert form.status_code == 200 and 'name="new_password"' in form.get_data(as_text=True)
    done = _set(client, path)
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert other.get("/dashboard").status_code == 302  # every session ended
    db.expire_all()
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "user.password_reset")).all()
    assert [(e.actor, e.entity_id) for e in events] == [("lan.dn", str(lan.id))]
    assert client.post("/login", data={"username": "lan.dn", "password": PASSWORD}).status_code == 401
    assert client.post("/login", data={"username": "lan.dn", "password": NEW}).status_code == 302

    # The link works once: the second use is refused and changes nothing.
    before = _hash(db, "lan.dn")
    again = client.get(f"{path}?lang=en")
    assert again.status_code == 400
    assert "already been used or is no longer valid" in again.get_data(as_text=True)
    assert _set(client, path, new="yet-another-password").status_code == 400
    assert _hash(db, "lan.dn") == before


def test_an_unknown_name_gets_the_same_page_and_no_mail(mailing_app, client, lan, smtp_server):  # noqa: F811
    known = _ask(client, "LAN@huunghi.example").get_data(as_text=True)  # an address, in any case
    assert len(smtp_server.messages) == 1 and smtp_server.messages[0].rcpt_tos == ["lan@huunghi.example"]
    for nobody in ("nobody", "nobody@huunghi.example", "", "x" * 300):
        resp = _ask(client, nobody)
        assert resp.status_code == 200 and resp.get_data(as_text=True) == known
    assert len(smtp_server.messages) == 1


def test_no_link_for_a_deactivated_account_or_one_without_an_address(mailing_app, client, db, lan, make_user,
                                                                     smtp_server):  # noqa: F811
    make_user("no.mail", "technician")
    lan.active = False
    db.commit()
    assert _ask(client, "no.mail").status_code == 200 and _ask(client, "lan.dn").status_code == 200
    assert smtp_server.messages == []


def test_an_expired_or_forged_link_is_refused_and_changes_nothing(mailing_app, client, db, lan):
    secret = mailing_app.config["LIMS"].secret_key
    expired = password_reset.make_token(secret, lan, issued_at=int(time.time()) - 61 * 60)
    before = _hash(db, "lan.dn")
    page = client.get(f"/password/reset/{expired}?lang=en")
    assert page.status_code == 400 and "This password-reset link has expired." in page.get_data(as_text=True)
    assert _set(client, f"/password/reset/{expired}").status_code == 400
    forged = password_reset.make_token("another-secret", lan)
    page = client.get(f"/password/reset/{forged}?lang=vi")
    assert page.status_code == 400 and "Liên kết đặt lại mật khẩu này không hợp lệ." in page.get_data(as_text=True)
    assert _hash(db, "lan.dn") == before
    fresh = password_reset.make_token(secret, lan, issued_at=int(time.time()) - 59 * 60)
    assert client.get(f"/password/reset/{fresh}").status_code == 200


def test_a_refused_new_password_changes_nothing_and_the_link_still_works(mailing_app, client, db, lan):
    path = "/password/reset/" + password_reset.make_token(mailing_app.config["LIMS"].secret_key, lan)
    before = _hash(db, "lan.dn")
    short = _set(client, path, new="short")
    assert short.status_code == 422 and "At least 8 characters." in short.get_data(as_text=True)
    differ = _set(client, path, new=NEW, again=NEW + "x")
    assert differ.status_code == 422 and "The two new passwords differ." in differ.get_data(as_text=True)
    assert _hash(db, "lan.dn") == before
    assert _set(client, path).status_code == 302


def test_a_reset_neither_signs_in_nor_clears_the_sign_in_limits(mailing_app, client, db, lan):
    mailing_app.extensions["lims.login_throttle"] = Throttle(Rules(free_attempts=2, max_delay=900))
    address = {"REMOTE_ADDR": "203.0.113.7"}
    codes = [client.post("/login", data={"username": "lan.dn", "password": "guess"}, environ_base=address).status_code
             for _ in range(3)]
    assert codes == [401, 401, 429]
    path = "/password/reset/" + password_reset.make_token(mailing_app.config["LIMS"].secret_key, lan)
    assert _set(client, path).status_code == 302
    assert client.get("/dashboard").status_code == 302  # not signed in by the reset
    blocked = client.post("/login", data={"username": "lan.dn", "password": NEW}, environ_base=address)
    assert blocked.status_code == 429  # the count of failures stands
    db.expire_all()
    assert db.scalar(select(LoginThrottle.failures).where(LoginThrottle.key == "lan.dn|203.0.113.7")) == 3


def test_the_request_form_is_rate_limited_per_address(make_app, smtp_server, db, lan):  # noqa: F811
    app = make_app(secret_key="k", extra={"TESTING": True, "WTF_CSRF_ENABLED": False,
                                          "LIMS_RESET_RATE_LIMIT": "2 per minute",
                                          "RATELIMIT_STORAGE_URI": "memory://"})
    client = app.test_client()
    codes = [_ask(client, "lan.dn").status_code for _ in range(3)]
    other = client.post("/password/forgot", data={"identifier": "lan.dn"},
                        environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code
    assert codes == [200, 200, 429] and other == 200
    assert len(smtp_server.messages) == 3  # the refused request sent nothing
    assert client.get("/password/forgot").status_code == 200  # only asking is counted
