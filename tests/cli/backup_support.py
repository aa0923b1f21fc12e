"""Databases of their own for the backup and restore tests: a fresh SQLite file, or a fresh
PostgreSQL database on the server of ``LIMS_TEST_DATABASE_URL``; the demo seeded by ``lims demo``;
every row of every table, to compare."""
from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from sqlalchemy import MetaData, create_engine, select, text
from sqlalchemy.engine import make_url

from lims.cli import main
from tests.conftest import TEST_DB_URL

DEMO_PASSWORD = "backup-demo-pw-1"
#: The engines these tests can use: SQLite always, PostgreSQL when the suite runs there.
ENGINES = ("sqlite", "postgresql") if TEST_DB_URL else ("sqlite",)


@dataclass
class Site:
    """One lab installation: its database and its instance folder."""

    url: str
    instance: Path

    @property
    def env(self) -> dict[str, str | None]:
        return {"LIMS_DATABASE_URL": self.url, "LIMS_INSTANCE_PATH": str(self.instance),
                "LIMS_SIGNING_KEY_FILE": None, "LIMS_AUDIT_KEY_FILE": None, "LIMS_SECRET_KEY": None,
                "LIMS_DEMO_PASSWORD": DEMO_PASSWORD}

    def lims(self, *args: str) -> Result:
        return CliRunner().invoke(main, list(args), env=self.env)


class Databases:
    """Makes empty databases named ``<label>``; drops the PostgreSQL ones at :meth:`close`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.made: list[str] = []

    def new(self, engine: str, label: str) -> str:
        if engine == "sqlite":
            return f"sqlite:///{self.folder / f'{label}.sqlite3'}"
        assert TEST_DB_URL
        parsed = make_url(TEST_DB_URL)
        name = f"{parsed.database}_bk_{label}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
        self.made.append(name)
        return parsed.set(database=name).render_as_string(hide_password=False)

    def copy(self, url: str, label: str) -> str:
        """A new database holding what ``url`` holds (no connection may be open on it)."""
        if url.startswith("sqlite"):
            target = self.folder / f"{label}.sqlite3"
            shutil.copyfile(make_url(url).database or "", target)
            return f"sqlite:///{target}"
        parsed = make_url(url)
        name = f"{parsed.database}_{label}"
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                    f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"')
        self.made.append(name)
        return parsed.set(database=name).render_as_string(hide_password=False)

    def _admin(self, *statements: str) -> None:
        assert TEST_DB_URL
        server = create_engine(TEST_DB_URL, isolation_level="AUTOCOMMIT")
        try:
            with server.connect() as conn:
                for statement in statements:
                    conn.execute(text(statement))
        finally:
            server.dispose()

    def close(self) -> None:
        for name in self.made:
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def databases(folder: Path) -> Iterator[Databases]:
    made = Databases(folder)
    try:
        yield made
    finally:
        made.close()


def seed_demo(site: Site) -> None:
    result = site.lims("demo", "--no-serve")
    assert result.exit_code == 0, result.output


def rows(url: str) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table (``alembic_version`` and SQLite's search index aside) by column, in
    primary-key order, each value as JSON text (so SQLite and PostgreSQL answers compare)."""
    from lims.models.search_sqlite import is_fts_table

    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(engine, only=lambda name, _meta: not is_fts_table(name))
    out = {}
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            if table.name == "alembic_version":
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            out[table.name] = [tuple(_text(table.c[c.name], v) for c, v in zip(table.columns, row, strict=True))
                               for row in conn.execute(select(table).order_by(*order))]
    engine.dispose()
    return out


def _text(column: Any, value: Any) -> str:
    if isinstance(value, str) and column.name in ("before", "after", "document", "results", "environment",
                                                  "checks", "readings", "source", "spec", "data"):
        try:  # JSON text (record readings, stored documents); a plain word (a capture's source) stays as it is
            value = json.loads(value)
        except ValueError:
            pass
    return json.dumps(value, sort_keys=True, default=str)


def tables_empty(url: str) -> bool:
    """Whether the database has no table at all (nothing was created in it)."""
    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    engine.dispose()
    return not meta.tables


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
