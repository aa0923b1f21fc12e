"""Revoking API tokens and deactivating users from the admin pages and the API (issue 11, finding 5):
admins only (403 otherwise), an unknown user 404, a label naming no valid token 404, neither or both
of label and all 422, deactivating oneself 422 (an admin must not lock themselves out), a user
deactivated already 409; every refusal changes nothing; every action is audited."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lims.models import ApiToken, AuditEvent, User
from tests.helpers import PASSWORD

JSON = {"Accept": "application/json"}


@pytest.fixture
def people(make_user, token_for):
    admin = make_user("admin.users", "admin")
    tech = make_user("ktv.target", "technician")
    return admin, tech


def _signed_in(app, username: str, lang: str = "en"):
    client = app.test_client()
    assert client.post(f"/login?lang={lang}", data={"username": username, "password": PASSWORD}).status_code == 302
    client.get(f"/dashboard?lang={lang}")
    return client


def _tokens(db, user_id: int) -> list[tuple[str, bool]]:
    db.expire_all()
    return [(t.label, t.revoked) for t in db.scalars(select(ApiToken).where(ApiToken.user_id == user_id)
                                                      .order_by(ApiToken.id))]


def _events(db, action: str) -> list[AuditEvent]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def _make_tokens(db, user, *labels: str) -> dict[str, dict[str, str]]:
    from lims.services.policy import SYSTEM
    from lims.services.users import create_api_token

    made = {label: {"Authorization": f"Bearer {create_api_token(db, SYSTEM, user, label=label)}"} for label in labels}
    db.commit()
    return made


def _state(db, user_id: int) -> tuple:
    """What a refused action must leave unchanged."""
    db.expire_all()
    user = db.get(User, user_id)
    return (user.active, user.session_version, tuple(_tokens(db, user_id)),
            db.scalar(select(func.count()).select_from(AuditEvent)))


# ---------------------------------------------------------------- the admin pages


def test_the_users_list_links_each_user_to_their_page(app, people):
    admin, tech = people
    page = _signed_in(app, "admin.users").get("/admin/users").get_data(as_text=True)
    assert f'<a href="/admin/users/{tech.id}">ktv.target</a>' in page


def test_admin_page_revokes_by_label_then_all(app, db, people):
    admin, tech = people
    bearer = _make_tokens(db, tech, "phone", "laptop")
    client = _signed_in(app, "admin.users")
    page = client.get(f"/admin/users/{tech.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Revoke the tokens labelled phone" in text and "Revoke all API tokens" in text
    assert "lims_" not in text  # never a token itself

    resp = client.post(f"/admin/users/{tech.id}/tokens/revoke", data={"label": "phone"})
    assert resp.status_code == 302
    assert app.test_client().get("/api/v1/me", headers=bearer["phone"]).status_code == 401
    assert app.test_client().get("/api/v1/me", headers=bearer["laptop"]).status_code == 200
    assert "1 API token(s) revoked." in client.get(resp.headers["Location"]).get_data(as_text=True)

    assert client.post(f"/admin/users/{tech.id}/tokens/revoke", data={"all": "1"}).status_code == 302
    assert _tokens(db, tech.id) == [("phone", True), ("laptop", True)]
    assert [(e.actor, e.after["label"]) for e in _events(db, "api_token.revoke")] == [
        ("admin.users", "phone"), ("admin.users", "laptop")]


def test_admin_page_refusals_change_nothing(app, db, people):
    admin, tech = people
    _make_tokens(db, tech, "phone")
    client = _signed_in(app, "admin.users")
    before = _state(db, tech.id)

    missing = client.post(f"/admin/users/{tech.id}/tokens/revoke", data={"label": "tablet"})
    assert missing.status_code == 404
    assert "&#39;ktv.target&#39; has no active API token labelled &#39;tablet&#39;." in missing.get_data(as_text=True)
    neither = client.post(f"/admin/users/{tech.id}/tokens/revoke", data={})
    assert neither.status_code == 422 and "either a token label or all tokens" in neither.get_data(as_text=True)
    both = client.post(f"/admin/users/{tech.id}/tokens/revoke", data={"label": "phone", "all": "1"})
    assert both.status_code == 422
    unconfirmed = client.post(f"/admin/users/{tech.id}/deactivate", data={"reason": "left the lab"})
    assert unconfirmed.status_code == 422
    assert "Tick the box to confirm the deactivation." in unconfirmed.get_data(as_text=True)
    myself = client.post(f"/admin/users/{admin.id}/deactivate", data={"confirm": "1"})
    assert myself.status_code == 422
    assert "You cannot deactivate yourself: another administrator must do it." in myself.get_data(as_text=True)
    assert _state(db, tech.id) == before
    assert db.get(User, admin.id).active is True

    for url in (f"/admin/users/{2**31 - 1}", ):
        assert client.get(url).status_code == 404
    assert client.post(f"/admin/users/{2**31 - 1}/deactivate", data={"confirm": "1"}).status_code == 404
    assert client.post(f"/admin/users/{2**31 - 1}/tokens/revoke", data={"all": "1"}).status_code == 404
    assert _state(db, tech.id) == before


def test_admin_page_deactivates_with_a_confirmation(app, db, people):
    admin, tech = people
    victim = _signed_in(app, "ktv.target")
    client = _signed_in(app, "admin.users")
    resp = client.post(f"/admin/users/{tech.id}/deactivate", data={"confirm": "1", "reason": "left the lab"})
    assert resp.status_code == 302
    assert 'data-active="no"' in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert victim.get("/dashboard").status_code == 302  # their session ends at its next request
    [event] = _events(db, "user.deactivate")
    assert event.actor == "admin.users" and event.after == {"active": False, "reason": "left the lab"}

    twice = client.post(f"/admin/users/{tech.id}/deactivate", data={"confirm": "1"})
    assert twice.status_code == 409 and "already deactivated" in twice.get_data(as_text=True)


def test_the_admin_page_speaks_vietnamese(app, db, people):
    admin, tech = people
    client = _signed_in(app, "admin.users", lang="vi")
    page = client.get(f"/admin/users/{tech.id}").get_data(as_text=True)
    assert "Vô hiệu hoá người dùng này" in page
    refused = client.post(f"/admin/users/{tech.id}/deactivate", data={})
    assert "Hãy đánh dấu ô xác nhận để vô hiệu hoá." in refused.get_data(as_text=True)


def test_non_admins_get_403_on_the_pages(app, db, people):
    admin, tech = people
    _make_tokens(db, admin, "ops")
    make = _signed_in(app, "ktv.target")
    before = _state(db, admin.id)
    assert make.get(f"/admin/users/{admin.id}").status_code == 403
    assert make.post(f"/admin/users/{admin.id}/deactivate", data={"confirm": "1"}).status_code == 403
    assert make.post(f"/admin/users/{admin.id}/tokens/revoke", data={"all": "1"}).status_code == 403
    assert make.post(f"/admin/users/{2**31 - 1}/deactivate", data={"confirm": "1"}).status_code == 403
    assert _state(db, admin.id) == before


def test_the_page_forms_need_the_csrf_token(make_app, committed_db, make_user):
    app = make_app(extra={"TESTING": True, "RATELIMIT_ENABLED": False})  # CSRF on, as in production
    make_user("admin.csrf", "admin")
    tech = make_user("ktv.csrf", "technician")
    client = app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    csrf = login_page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    assert client.post("/login", data={"username": "admin.csrf", "password": PASSWORD, "csrf_token": csrf}
                       ).status_code == 302
    assert client.post(f"/admin/users/{tech.id}/deactivate", data={"confirm": "1"}).status_code == 400
    assert client.post(f"/admin/users/{tech.id}/tokens/revoke", data={"all": "1"}).status_code == 400
    page = client.get(f"/admin/users/{tech.id}").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert client.post(f"/admin/users/{tech.id}/deactivate", data={"confirm": "1", "csrf_token": token}
                       ).status_code == 302


# ---------------------------------------------------------------- the API


def test_api_revokes_by_label_then_all(app, db, people, token_for):
    admin, tech = people
    bearer = _make_tokens(db, tech, "phone", "laptop")
    as_admin = token_for(admin)
    client = app.test_client()

    listed = client.get(f"/api/v1/users/{tech.id}/tokens", headers=as_admin)
    assert listed.status_code == 200 and [t["label"] for t in listed.get_json()] == ["laptop", "phone"]
    resp = client.post(f"/api/v1/users/{tech.id}/tokens/revoke", json={"label": "phone"}, headers=as_admin)
    assert resp.status_code == 200
    assert [(t["label"], t["revoked"]) for t in resp.get_json()["revoked"]] == [("phone", True)]
    assert client.get("/api/v1/me", headers=bearer["phone"]).status_code == 401
    assert client.get("/api/v1/me", headers=bearer["laptop"]).status_code == 200
    every = client.post(f"/api/v1/users/{tech.id}/tokens/revoke", json={"all": True}, headers=as_admin)
    assert [t["label"] for t in every.get_json()["revoked"]] == ["laptop"]
    assert _tokens(db, tech.id) == [("phone", True), ("laptop", True)]
    assert len(_events(db, "api_token.revoke")) == 2


def test_api_deactivates_and_the_users_session_ends(app, db, people, token_for):
    admin, tech = people
    victim = _signed_in(app, "ktv.target")
    bearer = _make_tokens(db, tech, "phone")["phone"]
    resp = app.test_client().post(f"/api/v1/users/{tech.id}/deactivate", json={"reason": "left"},
                                  headers=token_for(admin))
    assert resp.status_code == 200 and resp.get_json()["active"] is False
    assert victim.get("/api/v1/me", headers=JSON).status_code == 401
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 401
    [event] = _events(db, "user.deactivate")
    assert event.actor == "admin.users" and event.after == {"active": False, "reason": "left"}
    no_body = app.test_client().post(f"/api/v1/users/{tech.id}/deactivate",
                                     headers={**token_for(admin), "Accept-Language": "en"})
    assert no_body.status_code == 409 and "already deactivated" in no_body.get_json()["error"]


@pytest.mark.parametrize("lang, texts", [
    ("en", ["No user with id 2147483647.", "has no active API token labelled 'tablet'.",
            "Give either a token label or all tokens", "You cannot deactivate yourself"]),
    ("vi", ["Không có người dùng mang mã 2147483647.", "không có token API còn hiệu lực mang nhãn 'tablet'.",
            "Chọn hoặc nhãn của token", "Bạn không thể tự vô hiệu hoá chính mình"]),
])
def test_api_refusals_change_nothing(app, db, people, token_for, lang, texts):
    admin, tech = people
    _make_tokens(db, tech, "phone")
    headers = {**token_for(admin), "Accept-Language": lang}
    before, admin_before = _state(db, tech.id), _state(db, admin.id)
    client = app.test_client()
    unknown = client.post(f"/api/v1/users/{2**31 - 1}/deactivate", json={}, headers=headers)
    label = client.post(f"/api/v1/users/{tech.id}/tokens/revoke", json={"label": "tablet"}, headers=headers)
    neither = client.post(f"/api/v1/users/{tech.id}/tokens/revoke", json={}, headers=headers)
    both = client.post(f"/api/v1/users/{tech.id}/tokens/revoke", json={"label": "phone", "all": True},
                       headers=headers)
    myself = client.post(f"/api/v1/users/{admin.id}/deactivate", json={}, headers=headers)
    not_json = client.post(f"/api/v1/users/{tech.id}/tokens/revoke", data="all", headers=headers)
    assert [r.status_code for r in (unknown, label, neither, both, myself, not_json)] == [404, 404, 422, 422, 422,
                                                                                          422]
    for resp, text in zip((unknown, label, neither, myself), texts, strict=True):
        assert text in resp.get_json()["error"]
        assert set(resp.get_json()) == {"error", "detail"}
    assert client.get(f"/api/v1/users/{2**31 - 1}/tokens", headers=headers).status_code == 404
    assert _state(db, tech.id) == before
    assert _state(db, admin.id)[:3] == admin_before[:3]


def test_api_non_admins_get_403_and_anonymous_401(app, db, people, token_for):
    admin, tech = people
    _make_tokens(db, admin, "ops")
    as_tech = token_for(tech)
    before = _state(db, admin.id)
    client = app.test_client()
    for url, body in ((f"/api/v1/users/{admin.id}/deactivate", {}),
                      (f"/api/v1/users/{admin.id}/tokens/revoke", {"all": True}),
                      (f"/api/v1/users/{2**31 - 1}/deactivate", {})):
        assert client.post(url, json=body, headers=as_tech).status_code == 403
        assert client.post(url, json=body, headers=JSON).status_code == 401
    assert client.get(f"/api/v1/users/{admin.id}/tokens", headers=as_tech).status_code == 403
    assert _state(db, admin.id) == before


def test_api_password_change_ends_sessions_but_not_tokens(app, db, people, token_for):
    admin, tech = people
    browser = _signed_in(app, "ktv.target")
    bearer = {**token_for(tech), "Accept-Language": "en"}
    client = app.test_client()
    wrong = client.post("/api/v1/me/password", json={"current_password": "nope-nope", "new_password": "x" * 12},
                        headers=bearer)
    assert wrong.status_code == 422 and wrong.get_json()["detail"]["fields"] == {
        "current_password": "This is not your current password."}
    assert browser.get("/dashboard").status_code == 200  # refused: nothing changed
    done = client.post("/api/v1/me/password", json={"current_password": PASSWORD, "new_password": "x" * 12},
                       headers=bearer)
    assert done.status_code == 204
    assert browser.get("/dashboard").status_code == 302
    assert client.get("/api/v1/me", headers=bearer).status_code == 200  # tokens are revoked one by one


def test_the_openapi_document_describes_the_new_operations(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    revoke = spec["paths"]["/api/v1/users/{user_id}/tokens/revoke"]["post"]
    schema = revoke["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/RevokeTokens"}
    assert set(spec["components"]["schemas"]["RevokeTokens"]["properties"]) == {"label", "all"}
    deactivate = spec["paths"]["/api/v1/users/{user_id}/deactivate"]["post"]
    assert deactivate["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/User"}
    assert "/api/v1/me/password" in spec["paths"]
