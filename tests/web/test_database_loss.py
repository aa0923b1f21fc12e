"""While the database cannot be reached every route answers 503 with Retry-After (a page in the
visitor's language, or the JSON problem), the health endpoint names the database, the log gets
one line per outage instead of a traceback per request, and the app recovers by itself."""
from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from lims.web import unavailable
from tests.conftest import build_app, dispose, limiter_restored

DOWN_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:1/x?connect_timeout=1"
MESSAGE_EN = "The database cannot be reached just now. Please try again in a few seconds."
MESSAGE_VI = "Hiện không kết nối được cơ sở dữ liệu. Vui lòng thử lại sau vài giây."


def _unopenable_sqlite(tmp_path: Path) -> str:
    """An SQLite path that cannot be opened: a folder stands where the file should be."""
    path = tmp_path / "lims.sqlite3"
    path.mkdir()
    return f"sqlite:///{path}"


@pytest.fixture(autouse=True)
def _fresh_outage():
    unavailable.outage.reset()
    yield
    unavailable.outage.reset()


@pytest.fixture(params=["sqlite", "postgresql"])
def down_app(request, tmp_path):
    """An app whose database cannot be reached: an SQLite file that cannot be opened, or a
    PostgreSQL server that refuses connections."""
    url = _unopenable_sqlite(tmp_path) if request.param == "sqlite" else DOWN_POSTGRES
    with limiter_restored():
        app = build_app(url, tmp_path / "instance")
        yield app
        dispose(app)


def _signed_in(client) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = "1"


def _is_503(resp) -> None:
    assert resp.status_code == 503, resp.get_data(as_text=True)[:500]
    assert resp.headers["Retry-After"] == str(unavailable.RETRY_AFTER)


def test_a_page_is_503_in_the_visitors_language(down_app):
    client = down_app.test_client()
    _signed_in(client)
    resp = client.get("/dashboard")
    _is_503(resp)
    page = resp.get_data(as_text=True)
    assert resp.mimetype == "text/html" and MESSAGE_VI in page and 'lang="vi"' in page
    resp = client.get("/dashboard?lang=en")
    _is_503(resp)
    assert MESSAGE_EN in resp.get_data(as_text=True)
    resp = client.get("/dashboard")  # the language is remembered in the session
    assert MESSAGE_EN in resp.get_data(as_text=True)


def test_a_page_asked_for_as_json_is_the_json_problem(down_app):
    client = down_app.test_client()
    _signed_in(client)
    resp = client.get("/dashboard?lang=en", headers={"Accept": "application/json"})
    _is_503(resp)
    assert resp.get_json() == {"error": MESSAGE_EN, "detail": {"database": "unreachable"}}


def test_an_api_route_is_the_json_problem(down_app):
    from lims.services.users import TOKEN_PREFIX

    resp = down_app.test_client().get("/api/v1/instruments", headers={
        "Authorization": f"Bearer {TOKEN_PREFIX}checked-in-the-database", "Accept-Language": "en"})
    _is_503(resp)
    assert resp.get_json() == {"error": MESSAGE_EN, "detail": {"database": "unreachable"}}


def test_the_health_endpoint_names_the_database(down_app):
    resp = down_app.test_client().get("/api/v1/health")
    _is_503(resp)
    body = resp.get_json()
    assert body["detail"] == {"database": "unreachable"} and body["error"] == MESSAGE_VI


def test_the_login_post_is_503(down_app):
    resp = down_app.test_client().post("/login?lang=en", data={"username": "admin", "password": "x"})
    _is_503(resp)
    assert MESSAGE_EN in resp.get_data(as_text=True)


def test_the_public_check_page_is_503(down_app):
    """A genuine token needs the database (its current status); a forged one is refused before
    any database work, so it stays 404."""
    from certificates import tokens
    from lims.web.public_certificates import certificate_context

    token = tokens.sign_token(1, certificate_context(down_app).keystore)
    client = down_app.test_client()
    _is_503(client.get(f"/v/{token}"))
    resp = client.get(f"/v/{token}", headers={"Accept": "application/json"})
    _is_503(resp)
    assert resp.get_json()["detail"] == {"database": "unreachable"}


def test_one_log_line_per_outage_and_no_traceback(down_app, caplog):
    client = down_app.test_client()
    _signed_in(client)
    with caplog.at_level(logging.INFO):
        for path in ("/dashboard", "/api/v1/health", "/dashboard?lang=en") * 4:
            assert client.get(path).status_code == 503
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(records) == 1, [r.getMessage() for r in records]
    assert records[0].getMessage().startswith("database unreachable: ")
    assert not any(r.exc_info for r in caplog.records)


def test_a_long_outage_logs_again_after_the_repeat_interval(down_app, caplog, monkeypatch):
    monkeypatch.setattr(unavailable.Outage, "REPEAT", 0.0)
    client = down_app.test_client()
    _signed_in(client)
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            client.get("/dashboard")
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0].startswith("database unreachable")
    assert all(m.startswith("database still unreachable") for m in messages[1:]) and len(messages) == 3


def test_the_app_recovers_without_a_restart(database_url, tmp_path, caplog):
    """An SQLite file swapped away (a folder in its place) and put back: 503, then 200 again."""
    from lims.migrate import upgrade

    path = tmp_path / "lims.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url)
    with limiter_restored():
        app = build_app(url, tmp_path / "instance")
        try:
            client = app.test_client()
            aside = tmp_path / "aside.sqlite3"
            path.rename(aside)
            path.mkdir()
            with caplog.at_level(logging.WARNING):
                _is_503(client.get("/api/v1/health"))
                _is_503(client.get("/api/v1/health"))
                path.rmdir()
                aside.rename(path)
                resp = client.get("/api/v1/health")
                assert resp.status_code == 200, resp.get_data(as_text=True)
                assert resp.get_json()["database"] == "sqlite"
            messages = [r.getMessage() for r in caplog.records]
            assert len(messages) == 2, messages
            assert messages[0].startswith("database unreachable")
            assert messages[1].startswith("database reachable again") and "(2 requests answered 503)" in messages[1]
        finally:
            dispose(app)
            shutil.rmtree(tmp_path / "instance", ignore_errors=True)


def test_conflicts_and_other_errors_are_not_database_loss():
    from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

    class Locked(Exception):
        sqlstate = "55P03"

    assert not unavailable.database_unreachable(OperationalError("UPDATE", {}, Locked("lock timeout")))
    assert not unavailable.database_unreachable(OperationalError("UPDATE", {}, Exception("database is locked")))
    unique = IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed: x.y"))
    assert not unavailable.database_unreachable(unique)
    assert not unavailable.database_unreachable(OperationalError("SELECT", {}, Exception("no such table: user")))
    assert not unavailable.database_unreachable(ProgrammingError("SELECT", {}, Exception("syntax error")))
    assert not unavailable.database_unreachable(ValueError("connection refused"))
    assert unavailable.database_unreachable(OperationalError("connect", {}, Exception(
        'connection failed: connection to server at "127.0.0.1", port 1 failed: Connection refused')))
    assert unavailable.database_unreachable(OperationalError("connect", {}, Exception("unable to open database file")))


def test_the_health_endpoint_names_a_shared_rate_limit_storage_that_is_down(database_url, instance_dir):
    """With Redis for the rate limits (LIMS_RATELIMIT_STORAGE_URL), health asks it too."""
    from tests.conftest import APP_EXTRA

    extra = {**APP_EXTRA, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1"}
    with limiter_restored():
        app = build_app(database_url, instance_dir, extra=extra)
        try:
            resp = app.test_client().get("/api/v1/health")
        finally:
            dispose(app)
    _is_503(resp)
    assert resp.get_json() == {"error": "Không kết nối được kho đếm giới hạn truy cập (Redis).",
                               "detail": {"rate_limit_storage": "unreachable"}}


def test_the_health_endpoint_when_all_is_well(client):
    resp = client.get("/api/v1/health")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["status"] == "ok" and body["rate_limit_storage"] == "memory"
    assert body["database"] in ("sqlite", "postgresql")
