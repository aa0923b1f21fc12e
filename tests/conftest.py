"""Shared fixtures.

Service and web tests run against SQLite by default and against PostgreSQL when
``LIMS_TEST_DATABASE_URL`` is set (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``).
The schema is built once per run by the Alembic migrations; every test starts from empty
tables and leaves them empty.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

TEST_DB_URL = os.environ.get("LIMS_TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def database_url(instance_dir: Path) -> str:
    """A migrated, empty database for this test run."""
    from lims.db import make_engine
    from lims.migrate import upgrade

    url = TEST_DB_URL or f"sqlite:///{instance_dir / 'test.sqlite3'}"
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        # Start clean whatever an earlier, interrupted run left behind.
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def engine(database_url: str):
    from lims.db import make_engine

    eng = make_engine(database_url)
    yield eng
    eng.dispose()


def _truncate_all(engine) -> None:
    from lims.models import Base

    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))
            conn.execute(text("DELETE FROM sqlite_sequence")) if _has_sqlite_sequence(conn) else None


def _has_sqlite_sequence(conn) -> bool:
    return bool(conn.execute(text("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'")).first())


@pytest.fixture
def clean_db(engine):
    _truncate_all(engine)
    yield engine
    _truncate_all(engine)


@pytest.fixture
def app(clean_db, database_url, instance_dir):
    from lims.app import create_app

    app = create_app(
        instance_path=instance_dir,
        database_url=database_url,
        secret_key="test-secret-key",
        extra={"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False},
    )
    yield app
    app.extensions["lims.engine"].dispose()


@pytest.fixture
def db(app):
    session = app.extensions["lims.sessions"]()
    yield session
    session.rollback()
    session.close()


@pytest.fixture
def client(app):
    return app.test_client()


PASSWORD = "correct horse battery"


@pytest.fixture
def make_user(db):
    """Create a user with the given roles (and a business for business users)."""
    from lims.services import catalog
    from lims.services.policy import SYSTEM
    from lims.services.users import NewUser, Password, create_user

    def make(username: str, *roles: str, organisation_id: int | None = None):
        if "business" in roles and organisation_id is None:
            org = catalog.create_organisation(db, SYSTEM, catalog.NewOrganisation(name=f"Business of {username}"))
            organisation_id = org.id
        user = create_user(db, SYSTEM, NewUser(username=username, password=Password(PASSWORD), roles=roles,
                                               full_name=username.title(), organisation_id=organisation_id))
        db.commit()
        return user

    return make


@pytest.fixture
def login(client):
    def do(username: str, password: str = PASSWORD):
        resp = client.post("/login", data={"username": username, "password": password})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return client

    return do


@pytest.fixture
def token_for(db):
    from lims.services.policy import SYSTEM
    from lims.services.users import create_api_token

    def make(user) -> dict[str, str]:
        token = create_api_token(db, SYSTEM, user)
        db.commit()
        return {"Authorization": f"Bearer {token}"}

    return make
