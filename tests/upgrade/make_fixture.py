"""Export a database made by a release into the fixture the upgrade test loads.

Run it with that release installed, on the database its ``lims demo --no-serve`` made::

    python tests/upgrade/make_fixture.py <database URL> <instance folder> <fixture folder>

It writes ``rows.json.gz`` (every table's rows, by column name, in an engine-neutral form:
dates and times as ISO text, JSON as JSON), the stored certificate files under ``files/``
and the signing key under ``signing-keys/``, so the same fixture loads into SQLite and
PostgreSQL at the release's migration and is then upgraded by the migrations of this one.
"""
from __future__ import annotations

import gzip
import json
import shutil
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, select, text


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def export(url: str, instance: Path, out: Path) -> None:
    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    tables: dict[str, Any] = {}
    with engine.connect() as conn:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        for table in meta.sorted_tables:
            if table.name == "alembic_version":
                continue
            order = [c for c in table.primary_key.columns] or list(table.columns)
            rows = conn.execute(select(table).order_by(*order)).all()
            tables[table.name] = {"columns": [c.name for c in table.columns],
                                  "rows": [[_plain(v) for v in row] for row in rows]}
    out.mkdir(parents=True, exist_ok=True)
    with gzip.open(out / "rows.json.gz", "wt", encoding="utf-8") as fh:
        json.dump({"revision": revision, "tables": tables}, fh, ensure_ascii=False, indent=0, sort_keys=True)
    for sub in ("certificates", "signing-keys"):
        if (instance / sub).exists():
            shutil.copytree(instance / sub, out / ("files" if sub == "certificates" else sub), dirs_exist_ok=True)


if __name__ == "__main__":
    export(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
