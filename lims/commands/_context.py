"""Shared set-up for commands that use the database."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker


@contextmanager
def unit_of_work() -> Iterator[Session]:
    from lims.config import database_url
    from lims.db import make_engine, make_session_factory, session_scope

    engine = make_engine(database_url())
    try:
        with session_scope(make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


@contextmanager
def session_factory() -> Iterator[sessionmaker[Session]]:
    """Sessions on one engine, for a command that commits in several short transactions."""
    from lims.config import database_url
    from lims.db import make_engine, make_session_factory

    engine = make_engine(database_url())
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()
