"""Alembic environment: the models' metadata, the URL from the caller or LIMS_DATABASE_URL."""
from __future__ import annotations

from alembic import context
from sqlalchemy import pool

from lims.config import database_url
from lims.db import make_engine
from lims.migrate import include_name
from lims.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return config.attributes.get("url") or config.get_main_option("sqlalchemy.url") or database_url()


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True, compare_type=True, include_name=include_name)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:
    """Run the migrations on ``connection``.

    On SQLite a batch migration rebuilds a table (copy, drop, rename); with foreign keys
    enforced, dropping a table other rows refer to fails. They are switched off for the
    migration, as Alembic's batch-mode guide says, and the references are checked before they
    are switched back on: a migration that broke one fails and is rolled back.
    """
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()  # the pragma holds outside a transaction; Alembic then begins its own
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                      compare_type=True, include_name=include_name)
    try:
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration broke references: {broken[:5]}")
    finally:
        if sqlite:
            connection.rollback()  # nothing left open (Alembic committed or rolled back its work)
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
