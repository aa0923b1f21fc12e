"""Apply and check Alembic migrations from code (``lims db upgrade``)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str | None = None, connection=None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.attributes["url"] = url
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """What autogenerate compares: not the search indexes the models do not declare (migration 0007:
    SQLite's FTS5 tables and their shadow tables, PostgreSQL's trigram indexes)."""
    if type_ == "table" and name is not None:
        from lims.models.search_sqlite import is_fts_table

        return not is_fts_table(name)
    if type_ == "index" and name is not None:
        return not name.startswith("ix_trgm_")
    return True


def current_heads() -> tuple[str, ...]:
    from alembic.script import ScriptDirectory

    return tuple(ScriptDirectory.from_config(alembic_config()).get_heads())
