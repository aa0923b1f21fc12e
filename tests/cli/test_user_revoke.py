"""`lims user revoke-token` and `lims user deactivate` (issue 11, finding 5): a revoked token's
bearer request is 401, a deactivated user's signed-in session is refused at its next request and
cannot sign in again; both audited; unknown users end with a message and exit code 1."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.cli import main
from lims.i18n import use_language
from lims.models import ApiToken, AuditEvent, User
from tests.helpers import PASSWORD


@pytest.fixture
def cli_env(committed_db, database_url, instance_dir, monkeypatch):
    """The commands open an engine of their own: the data is committed."""
    monkeypatch.setenv("LIMS_DATABASE_URL", database_url)
    monkeypatch.setenv("LIMS_INSTANCE_PATH", str(instance_dir))
    return CliRunner()


class Lims:
    """`lims ...` in one language (a request earlier in the test may have left another set)."""

    def __init__(self, runner: CliRunner, lang: str) -> None:
        self.runner, self.lang = runner, lang

    def __call__(self, *args: str):
        with use_language(self.lang):
            return self.runner.invoke(main, list(args))


@pytest.fixture
def lims(cli_env):
    return Lims(cli_env, "en")


def _events(engine, action: str) -> list[AuditEvent]:
    with Session(engine) as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def _token(lims: Lims, username: str, label: str) -> dict[str, str]:
    result = lims("user", "token", username, "--label", label)
    assert result.exit_code == 0, result.output
    return {"Authorization": f"Bearer {result.output.strip()}"}


def test_revoke_token_by_label_then_all(lims, client, make_user, engine):
    make_user("ktv.token", "technician")
    phone, laptop, script = (_token(lims, "ktv.token", label) for label in ("phone", "laptop", "script"))
    assert all(client.get("/api/v1/me", headers=h).status_code == 200 for h in (phone, laptop, script))

    result = lims("user", "revoke-token", "ktv.token", "--label", "phone")
    assert result.exit_code == 0, result.output
    assert "1 API token(s) of ktv.token revoked." in result.output
    assert client.get("/api/v1/me", headers=phone).status_code == 401
    assert client.get("/api/v1/me", headers=laptop).status_code == 200

    again = lims("user", "revoke-token", "ktv.token", "--label", "phone")
    assert again.exit_code == 1 and "no active API token labelled 'phone'" in again.output

    every = lims("user", "revoke-token", "ktv.token", "--all")
    assert every.exit_code == 0 and "2 API token(s)" in every.output
    assert [client.get("/api/v1/me", headers=h).status_code for h in (phone, laptop, script)] == [401, 401, 401]
    with Session(engine) as s:
        assert set(s.scalars(select(ApiToken.revoked))) == {True}
    events = _events(engine, "api_token.revoke")
    assert [(e.actor, e.after["label"]) for e in events] == [("system", "phone"), ("system", "laptop"),
                                                              ("system", "script")]


def test_revoke_token_needs_a_label_or_all_and_a_known_user(lims, make_user):
    make_user("ktv.token2", "technician")
    for args in ([], ["--label", "x", "--all"]):
        result = lims("user", "revoke-token", "ktv.token2", *args)
        assert result.exit_code == 1 and "either a token label or all tokens" in result.output, result.output
    unknown = lims("user", "revoke-token", "nobody", "--all")
    assert unknown.exit_code == 1 and "No user named 'nobody'" in unknown.output
    assert "Traceback" not in unknown.output


def test_deactivate_ends_the_session_refuses_sign_in_and_tokens(lims, app, make_user, engine):
    make_user("ktv.gone", "technician")
    pages = app.test_client()
    assert pages.post("/login", data={"username": "ktv.gone", "password": PASSWORD, "remember": "y"}
                      ).status_code == 302
    assert pages.get("/dashboard").status_code == 200
    bearer = _token(lims, "ktv.gone", "cli")
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 200

    result = lims("user", "deactivate", "ktv.gone")
    assert result.exit_code == 0, result.output
    assert "User ktv.gone deactivated." in result.output

    refused = pages.get("/dashboard")  # the same session (and remember cookie) at its next request
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    assert pages.get("/api/v1/me", headers={"Accept": "application/json"}).status_code == 401
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 401
    again = app.test_client().post("/login", data={"username": "ktv.gone", "password": PASSWORD})
    assert again.status_code == 401

    with Session(engine) as s:
        assert s.scalar(select(User.active).where(User.username == "ktv.gone")) is False
    [event] = _events(engine, "user.deactivate")
    assert event.actor == "system" and event.before == {"active": True} and event.after == {"active": False}

    twice = lims("user", "deactivate", "ktv.gone")
    assert twice.exit_code == 1 and "already deactivated" in twice.output
    unknown = lims("user", "deactivate", "nobody")
    assert unknown.exit_code == 1 and "No user named 'nobody'" in unknown.output

    # Reactivated from the command line too: they sign in again, and their token (refused while they
    # were deactivated, never revoked) answers again; `lims user revoke-token` ends it for good.
    back = lims("user", "reactivate", "ktv.gone", "--reason", "quay lại làm việc")
    assert back.exit_code == 0, back.output
    assert pages.get("/dashboard").status_code == 302  # the session ended by the deactivation stays ended
    assert "User ktv.gone reactivated: they can sign in again." in back.output
    assert app.test_client().post("/login", data={"username": "ktv.gone", "password": PASSWORD}).status_code == 302
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 200
    [event] = _events(engine, "user.reactivate")
    assert event.actor == "system" and event.before == {"active": False} and event.after["active"] is True
    active = lims("user", "reactivate", "ktv.gone")
    assert active.exit_code == 1 and "Traceback" not in active.output


def test_the_messages_are_in_vietnamese_too(cli_env, make_user):
    lims = Lims(cli_env, "vi")
    make_user("ktv.vi", "technician")
    lims("user", "token", "ktv.vi", "--label", "phone")
    result = lims("user", "revoke-token", "ktv.vi", "--label", "phone")
    assert result.exit_code == 0 and "Đã thu hồi 1 token API của ktv.vi." in result.output
    missing = lims("user", "revoke-token", "ktv.vi", "--label", "phone")
    assert missing.exit_code == 1 and "không có token API còn hiệu lực" in missing.output
    both = lims("user", "revoke-token", "ktv.vi")
    assert both.exit_code == 1 and "Chọn hoặc nhãn của token" in both.output
    done = lims("user", "deactivate", "ktv.vi")
    assert done.exit_code == 0 and "Đã vô hiệu hoá người dùng ktv.vi." in done.output
    twice = lims("user", "deactivate", "ktv.vi")
    assert twice.exit_code == 1 and "đã bị vô hiệu hoá từ trước" in twice.output


def test_services_refuse_non_admins_and_self_deactivation(db, make_user):
    from lims.errors import PermissionDenied, ValidationError
    from lims.services import users

    tech = make_user("ktv.plain", "technician")
    admin = make_user("admin.self", "admin")
    with pytest.raises(PermissionDenied):
        users.deactivate_user(db, tech, admin.id, users.DeactivateUser())
    with pytest.raises(PermissionDenied):
        users.revoke_api_tokens(db, tech, tech.id, users.RevokeTokens(all=True))
    with pytest.raises(ValidationError):
        users.deactivate_user(db, admin, admin.id, users.DeactivateUser())
