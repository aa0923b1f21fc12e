"""Shared fixtures.

Service and web tests run against SQLite by default and against PostgreSQL when
``LIMS_TEST_DATABASE_URL`` is set (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``).
The schema is built once per run by the Alembic migrations; the app and its engine are built
once per run too. With pytest-xdist each worker has its own: a SQLite file in its own temporary
folder, or the PostgreSQL database ``<name>_<worker>`` (``test_gw0``, ...) on the same server.

Each test runs inside one database transaction that is rolled back at its end (SQLAlchemy,
"Joining a Session into an External Transaction"): the app's session factory is bound to the
test's connection with ``join_transaction_mode="create_savepoint"``, so the ``db`` session and
every request made through the test client share that connection, and their commits release
savepoints. A test sees what a request committed; nothing is left behind.

Tests whose data must really be committed, because another connection or process reads or
writes it (the public check page's own connection, threads and processes, live servers, CLI
commands with an engine of their own, the golden test that relies on ids from 1), say so with
``@pytest.mark.committed`` or by requesting ``committed_db``: they get the shared app on its
own engine and tables emptied before and after (identities restarted).

Per-test changes to the shared app (``app.config``, ``app.extensions``, the WSGI stack) are
undone after each test; ``make_app`` builds a dedicated app for tests that need other settings
(rate limits on, trusted proxies).
"""
from __future__ import annotations

import copy
import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import pytest
from sqlalchemy import event, text

from tests.helpers import PASSWORD

TEST_DB_URL = os.environ.get("LIMS_TEST_DATABASE_URL")
_TEST_NUMBERS = itertools.count(1)
APP_EXTRA = {"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}


# ---------------------------------------------------------------- database and app, once per run


@pytest.fixture(scope="session", autouse=True)
def instance_dir(tmp_path_factory) -> Path:
    """The run's instance folder. Its ``audit.key`` is the audit key of every app and every
    session of the run (``LIMS_AUDIT_KEY_FILE``), wherever a test points ``LIMS_INSTANCE_PATH``."""
    folder = tmp_path_factory.mktemp("instance")
    os.environ["LIMS_AUDIT_KEY_FILE"] = str(folder / "audit.key")
    return folder


@pytest.fixture(scope="session")
def _checkpoint_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("audit-checkpoints")


@pytest.fixture(autouse=True)
def _audit_checkpoints(_checkpoint_root, monkeypatch) -> None:
    """Each test has a checkpoint folder of its own (``LIMS_AUDIT_CHECKPOINT_DIR``, made when a
    command first writes there): the checkpoints of one test's chain say nothing of the next's."""
    monkeypatch.setenv("LIMS_AUDIT_CHECKPOINT_DIR", str(_checkpoint_root / str(next(_TEST_NUMBERS))))


@pytest.fixture(scope="session")
def database_url(instance_dir: Path, remembered_password_hashes) -> str:
    """A migrated, empty database for this test run (password hashes remembered, see below)."""
    from lims.db import make_engine
    from lims.migrate import upgrade

    url = _with_lock_timeout(_worker_database(TEST_DB_URL)) if TEST_DB_URL \
        else f"sqlite:///{instance_dir / 'test.sqlite3'}"
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        # Start clean whatever an earlier, interrupted run left behind.
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(url)
    return url


def _with_lock_timeout(url: str) -> str:
    """On PostgreSQL, a test that writes from a second connection while its own transaction
    holds the lock (the audit chain's advisory lock, a counter row) fails after 30 s instead of
    waiting for ever, as on SQLite with its busy timeout."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql" or "options" in parsed.query:
        return url
    return parsed.update_query_dict({"options": "-c lock_timeout=30s"}).render_as_string(hide_password=False)


def _worker_database(url: str) -> str:
    """Under pytest-xdist each worker has a database of its own (``<name>_gw0``, ...), created
    on the PostgreSQL server of ``url`` when missing; without workers, ``url`` itself."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    parsed = make_url(url)
    if not worker or parsed.get_backend_name() != "postgresql":
        return url
    name = f"{parsed.database}_{worker}"
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        server.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def engine(database_url: str):
    """An engine of its own on the test database (committed reads and writes)."""
    from lims.db import make_engine

    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def transaction_engine(database_url: str):
    """The engine whose connections hold each test's rolled-back transaction.

    pysqlite begins transactions on its own and a released outermost SAVEPOINT commits; here
    the driver is left in autocommit and SQLAlchemy's ``begin`` emits BEGIN itself, so the
    savepoints nest inside the test's transaction (SQLAlchemy's pysqlite guide, "Serializable
    isolation / Savepoints / Transactional DDL").
    """
    from lims.db import make_engine

    eng = make_engine(database_url)
    if eng.dialect.name == "sqlite":
        @event.listens_for(eng, "connect")
        def _driver_autocommit(dbapi_conn, _record):
            dbapi_conn.isolation_level = None

        @event.listens_for(eng, "begin")
        def _begin(conn):
            conn.exec_driver_sql("BEGIN")
    yield eng
    eng.dispose()


def build_app(database_url: str, instance_dir: Path, **overrides):
    """An app on the test database; ``overrides`` go to ``create_app`` (``extra`` is its config)."""
    from lims.app import create_app

    overrides.setdefault("instance_path", instance_dir)
    overrides.setdefault("secret_key", "test-secret-key")
    overrides.setdefault("extra", dict(APP_EXTRA))
    return create_app(database_url=database_url, **overrides)


def dispose(app) -> None:
    """Close an app's engine, with the connections the public check page keeps open on it."""
    from lims.web.public_reads import readers

    engine = app.extensions["lims.engine"]
    readers.release(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def shared_app(database_url, instance_dir):
    """The app, built once per run; tests use it through ``app``."""
    app = build_app(database_url, instance_dir)
    yield app
    dispose(app)


# ---------------------------------------------------------------- one transaction per test, or committed data


def _truncate_all(engine) -> None:
    """Empty every table and restart the identities (DELETE is much quicker than TRUNCATE on
    PostgreSQL for tables this small)."""
    from lims.models import Base

    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
        if engine.dialect.name == "postgresql":
            for (sequence,) in conn.execute(text(
                    "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) FROM pg_sequences")):
                conn.execute(text(f"ALTER SEQUENCE {sequence} RESTART"))
        elif conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")).first():
            conn.execute(text("DELETE FROM sqlite_sequence"))


def wants_committed(request) -> bool:
    return request.node.get_closest_marker("committed") is not None or "committed_db" in request.fixturenames


@pytest.fixture
def committed_db(engine):
    """The test's data is really committed: tables are emptied (identities restarted) before
    and after it. Only for tests that need other connections or processes to see their data."""
    _truncate_all(engine)
    yield engine
    _truncate_all(engine)


@pytest.fixture
def test_connection(request, transaction_engine):
    """The connection holding the test's transaction, rolled back at the end; ``None`` for a
    test that asked for committed data."""
    if wants_committed(request):
        request.getfixturevalue("committed_db")
        yield None
        return
    conn = transaction_engine.connect()
    outer = conn.begin()
    try:
        yield conn
    finally:
        if outer.is_active:
            outer.rollback()
        conn.close()


@contextmanager
def bound_to(app, connection) -> Iterator[None]:
    """The app's sessions join ``connection``'s transaction (their commits release savepoints)."""
    factory = app.extensions["lims.sessions"]
    saved = dict(factory.kw)
    if connection is not None:
        factory.configure(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield
    finally:
        factory.kw.clear()
        factory.kw.update(saved)


# ---------------------------------------------------------------- the app of a test


def _wsgi_stack(app) -> list[tuple[object, str, object]]:
    """Every (object, attribute, value) link of the app's WSGI middleware chain."""
    links, obj = [(app, "wsgi_app", app.wsgi_app)], app.wsgi_app
    while True:
        name = next((n for n in ("wsgi_app", "app") if hasattr(obj, n) and getattr(obj, n) is not app), None)
        if name is None or not callable(getattr(obj, name)):
            return links
        links.append((obj, name, getattr(obj, name)))
        obj = getattr(obj, name)


@contextmanager
def restored(app) -> Iterator[None]:
    """Undo what a test changes on a long-lived app: config, extensions (caches such as
    ``lims.certificates``) and the WSGI middleware chain."""
    config = dict(app.config)
    extensions = dict(app.extensions)
    stack = _wsgi_stack(app)
    try:
        yield
    finally:
        app.config.clear()
        app.config.update(config)
        app.extensions.clear()
        app.extensions.update(extensions)
        for obj, name, value in stack:
            setattr(obj, name, value)


@contextmanager
def limiter_restored() -> Iterator[None]:
    """Flask-Limiter keeps one extension object for every app: building another app re-configures
    it (enabled, storage, strategy). Put it back as it was."""
    from lims.web.extensions import limiter

    saved = {k: copy.copy(v) if isinstance(v, (dict, list, set)) else v for k, v in vars(limiter).items()}
    try:
        yield
    finally:
        vars(limiter).clear()
        vars(limiter).update(saved)


@pytest.fixture
def app(shared_app, test_connection):
    with limiter_restored(), restored(shared_app), bound_to(shared_app, test_connection):
        yield shared_app


@pytest.fixture
def make_app(database_url, instance_dir, test_connection):
    """Build a dedicated app for settings the shared one has not (``make_app(extra={...})``,
    or environment variables set before the call). Its sessions join the test's transaction;
    its engine is disposed and the shared extensions restored after the test."""
    made = []

    def make(**overrides):
        app = build_app(database_url, instance_dir, **overrides)
        made.append(app)
        if test_connection is not None:
            app.extensions["lims.sessions"].configure(bind=test_connection,
                                                      join_transaction_mode="create_savepoint")
        return app

    with limiter_restored():
        yield make
        for app in made:
            dispose(app)


@pytest.fixture
def db(app):
    session = app.extensions["lims.sessions"]()
    yield session
    session.rollback()
    session.close()


@pytest.fixture
def client(app):
    return app.test_client()


# ---------------------------------------------------------------- users, logins, tokens


@pytest.fixture(scope="session")
def remembered_password_hashes():
    """Password hashing is slow on purpose (scrypt); tests hash the same few passwords again and
    again, so each hash and each check is computed once per run. Wrong passwords still fail."""
    from lims.services import users

    generate, check = users.generate_password_hash, users.check_password_hash
    users.generate_password_hash = lru_cache(maxsize=None)(generate)
    users.check_password_hash = lru_cache(maxsize=None)(check)
    yield
    users.generate_password_hash, users.check_password_hash = generate, check


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


# ---------------------------------------------------------------- test data shared by several folders


@pytest.fixture
def lab(db):
    """The workflow lab of ``tests/services/workflow_factory.py`` (users, standards, instruments,
    procedures)."""
    from tests.services.workflow_factory import make_lab

    return make_lab(db)


@pytest.fixture(autouse=True)
def _language_reset() -> Iterator[None]:
    """Each test starts in the configured language: a request or a service that set the language
    of the running thread (``lims.i18n.set_language``) leaves it to no other test."""
    from lims import i18n

    token = i18n.set_language(None)
    yield
    i18n._language.reset(token)


@pytest.fixture
def fresh_login_counts(db) -> int:
    """No sign-in counter left by another test (failures are committed at once, in a session of
    their own); the audit chain's last sequence number before the test."""
    from sqlalchemy import delete, func, select

    from lims.models import AuditEvent, LoginThrottle

    db.execute(delete(LoginThrottle))
    db.commit()
    return db.scalar(select(func.max(AuditEvent.seq))) or 0
