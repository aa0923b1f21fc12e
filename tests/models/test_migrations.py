"""The Alembic migrations and the SQLAlchemy models describe the same schema."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

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
