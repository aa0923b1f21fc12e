"""The Alembic migrations and the SQLAlchemy models describe the same schema."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from lims.migrate import current_heads, include_name
from lims.models import Base


def test_autogenerate_finds_no_difference_between_models_and_migrations(engine):
    """DESIGN.md Storage: schema changes only through migrations; autogenerate must be empty."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True,
                                                          "include_name": include_name})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def test_single_migration_head():
    assert len(current_heads()) == 1


def test_every_sqlite_search_index_is_kept_in_step_at_head(engine):
    """A migration that copies a searched table into a new one on SQLite (Alembic's batch mode, as
    0008 does for certificates) drops the triggers that keep the table's FTS5 search index in step
    with it; the index must come back with them, or new rows are never found (before the fix, a
    certificate issued after the upgrade was missing from every search). At head each searched
    table has its index and its three triggers; on PostgreSQL, which indexes the column itself, its
    trigram index."""
    searched = ("instrument", "service_request", "record", "certificate")
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            indexes = set(conn.execute(text("SELECT indexname FROM pg_indexes WHERE indexdef LIKE :gin"),
                                       {"gin": "%USING gin (search_text gin_trgm_ops)%"}).scalars())
        assert indexes >= {f"ix_trgm_{table}_search_text" for table in searched}
        return
    with engine.connect() as conn:
        triggers = set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars())
        tables = set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'").scalars())
    for table in searched:
        assert f"{table}_fts" in tables, table
        assert {f"{table}_fts_ai", f"{table}_fts_ad", f"{table}_fts_au"} <= triggers, table
