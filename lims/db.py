"""Engine and session factory. One engine per database URL and process."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(url, **kwargs)
        _create_private(engine.url.database)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _create_private(database: str | None) -> None:
    """Create a new SQLite database file with mode 0600 before SQLite opens it: it holds password
    and token hashes. SQLite gives its -wal and -shm files the database file's mode, so they are
    0600 too. An existing file is left as it is (its owner may have given a group access)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    try:
        fd = os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError:  # no such folder, no permission: SQLite reports it on connecting
        return
    os.close(fd)
    os.chmod(database, 0o600)  # whatever the umask


#: ``Session.info`` key: the audit key file of an app's sessions (:func:`lims.services.audit.key_file`).
AUDIT_KEY_FILE_INFO = "lims.audit.key_file"


def make_session_factory(engine: Engine, audit_key_file: os.PathLike | str | None = None) -> sessionmaker[Session]:
    """Sessions on ``engine``; ``audit_key_file``: the key their audit events are hashed with
    (default: ``LIMS_AUDIT_KEY_FILE`` or ``<instance>/audit.key``)."""
    info = {AUDIT_KEY_FILE_INFO: str(audit_key_file)} if audit_key_file else {}
    return sessionmaker(bind=engine, expire_on_commit=False, info=info)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def check_database(session: Session) -> str:
    """Ask the database a trivial question (raises if it cannot answer); its dialect's name."""
    session.execute(text("SELECT 1"))
    return session.get_bind().dialect.name
