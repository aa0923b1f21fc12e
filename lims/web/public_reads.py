"""The public check page's database read: one prepared statement on a kept autocommit connection.

The page is the lab's busiest (every QR scan). A kept connection skips the pool's check-out
and liveness ping, and autocommit skips BEGIN and ROLLBACK, so a scan costs one round trip.
Used by the Flask view and by the front door (:mod:`lims.web.front_door`); the GS1 resolver's
pages and front door read the same way (:func:`read_rows_kept`). On PostgreSQL the kept
connections plan their prepared statements once (``plan_cache_mode = force_generic_plan``).
"""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Executable
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from lims.services import certificates as certs

__all__ = ["Readers", "read_kept", "read_public_view", "read_rows_kept", "readers"]


class Readers:
    """Autocommit connections kept between requests (at most ``KEEP``). Connections belong to no
    thread (threaded servers start a thread per request); a new engine (as in tests) replaces
    the kept ones."""

    KEEP = 8

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.engine: Engine | None = None
        self.idle: list[Connection] = []

    def take(self, engine: Engine) -> Connection:
        with self.lock:
            if self.engine is not engine:
                for conn in self.idle:
                    with contextlib.suppress(Exception):
                        conn.close()
                self.engine, self.idle = engine, []
            while self.idle:
                conn = self.idle.pop()
                if not conn.closed and not conn.invalidated:
                    return conn
        conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        if engine.dialect.name == "postgresql":
            # Only prepared public reads run here: plan them once per connection, not at each run.
            conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
        return conn

    def give_back(self, engine: Engine, conn: Connection) -> None:
        with self.lock:
            if self.engine is engine and len(self.idle) < self.KEEP and not conn.invalidated:
                self.idle.append(conn)
                return
        with contextlib.suppress(Exception):
            conn.close()

    def release(self, engine: Engine) -> None:
        """Close the connections kept on ``engine`` (before the engine itself is disposed)."""
        with self.lock:
            if self.engine is not engine:
                return
            for conn in self.idle:
                with contextlib.suppress(Exception):
                    conn.close()
            self.engine, self.idle = None, []


#: One keeper per process (the engine is the app's; a process serves one app).
readers = Readers()
T = TypeVar("T")


def read_kept(engine: Engine, read: Callable[[Connection], T]) -> T:
    """``read(connection)`` on a kept autocommit connection (no pool check-out, no BEGIN/COMMIT):
    the reads of the other public pages a QR code opens (the GS1 resolver's). A connection the
    database dropped is replaced once; any other error closes it and is raised."""
    for attempt in (1, 2):
        conn = readers.take(engine)
        try:
            found = read(conn)
        except DBAPIError as exc:
            with contextlib.suppress(Exception):
                conn.invalidate()
            if attempt == 2 or not (exc.connection_invalidated or isinstance(exc, OperationalError)):
                raise
            continue
        except BaseException:
            with contextlib.suppress(Exception):
                conn.close()
            raise
        readers.give_back(engine, conn)
        return found
    raise AssertionError("unreachable")  # pragma: no cover


_compiled: dict[tuple[str, Executable], tuple[str, dict[str, Any]]] = {}


def _driver_statement(dialect: Any, statement: Any) -> tuple[str, dict[str, Any]]:
    """``statement`` as the driver takes it (SQL text and its fixed parameters), compiled once."""
    key = (dialect.name, statement)
    found = _compiled.get(key)
    if found is None:
        compiled = statement.compile(dialect=dialect)
        found = _compiled[key] = (str(compiled), dict(compiled.params))
    return found


def _rows_on_driver(conn: Connection, dialect: Any, statements: Sequence[Executable],
                    params: Mapping[str, Any]) -> list[list[Any]]:
    """The statements sent together (psycopg's pipeline: one round trip), each prepared on the
    connection; rows as named tuples (attributes and positions, as SQLAlchemy's rows)."""
    from psycopg.rows import namedtuple_row  # only with psycopg (the postgres extra)

    raw = conn.connection.driver_connection  # a checked-out connection always has one (psycopg's here)
    cursors = [raw.cursor(row_factory=namedtuple_row) for _ in statements]  # type: ignore[union-attr]
    try:
        with raw.pipeline() if len(statements) > 1 else contextlib.nullcontext():  # type: ignore[union-attr]
            for cur, statement in zip(cursors, statements, strict=True):
                sql, fixed = _driver_statement(dialect, statement)
                cur.execute(sql, {**fixed, **params}, prepare=True)
        return [cur.fetchall() for cur in cursors]
    finally:
        for cur in cursors:
            cur.close()


def read_rows_kept(engine: Engine, statements: Sequence[Executable], params: Mapping[str, Any]) -> list[list[Any]]:
    """The rows of each statement, run with ``params`` on a kept autocommit connection. On PostgreSQL
    with psycopg the statements go to the driver directly, sent together and prepared on each kept
    connection (no SQLAlchemy per-execution work, no result processing: timestamps come back as
    the database holds them, naive UTC); elsewhere through SQLAlchemy, one after the other. A
    connection the database dropped is replaced and the read retried once."""
    if not statements:
        return []
    dialect = engine.dialect
    if dialect.driver != "psycopg":
        return read_kept(engine, lambda conn: [list(conn.execute(s, params).all()) for s in statements])
    driver_errors = (dialect.loaded_dbapi.OperationalError, dialect.loaded_dbapi.InterfaceError)
    for attempt in (1, 2):
        conn = readers.take(engine)
        try:
            found = _rows_on_driver(conn, dialect, statements, params)
        except (DBAPIError, *driver_errors) as exc:
            with contextlib.suppress(Exception):
                conn.invalidate()
            dropped = not isinstance(exc, DBAPIError) or exc.connection_invalidated \
                or isinstance(exc, OperationalError)
            if attempt == 2 or not dropped:
                raise
            continue
        except BaseException:
            with contextlib.suppress(Exception):
                conn.close()
            raise
        readers.give_back(engine, conn)
        return found
    raise AssertionError("unreachable")  # pragma: no cover


def _read_on_driver(conn: Connection, dialect: Any, certificate_id: int) -> certs.PublicView:
    sql, params = certs.public_statement(dialect)
    # driver_connection is typed Any | None; a checked-out connection always has one (psycopg's here).
    with conn.connection.driver_connection.cursor() as cur:  # type: ignore[union-attr]
        cur.execute(sql, {**params, "certificate_id": certificate_id}, prepare=True)
        return certs.public_view_from_row(cur.fetchone())


def read_public_view(engine: Engine, certificate_id: int) -> certs.PublicView:
    """One read; a connection the database dropped (restart, idle timeout) is replaced once.

    On PostgreSQL with psycopg the statement goes to the driver directly, prepared on each kept
    connection (SQLAlchemy's per-execution work costs more than the query itself); elsewhere
    through SQLAlchemy.
    """
    dialect = engine.dialect
    direct = dialect.driver == "psycopg"
    driver_errors = (dialect.loaded_dbapi.OperationalError, dialect.loaded_dbapi.InterfaceError) if direct else ()
    for attempt in (1, 2):
        conn = readers.take(engine)
        try:
            view = _read_on_driver(conn, dialect, certificate_id) if direct else certs.public_view(conn, certificate_id)
        except DBAPIError as exc:
            with contextlib.suppress(Exception):
                conn.invalidate()
            if attempt == 2 or not (exc.connection_invalidated or isinstance(exc, OperationalError)):
                raise
            continue
        except driver_errors:
            with contextlib.suppress(Exception):
                conn.invalidate()
            if attempt == 2:
                raise
            continue
        except certs.NotGenuine:
            readers.give_back(engine, conn)
            raise
        except BaseException:
            with contextlib.suppress(Exception):
                conn.close()
            raise
        readers.give_back(engine, conn)
        return view
    raise AssertionError("unreachable")  # pragma: no cover
