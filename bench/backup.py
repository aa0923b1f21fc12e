"""Benchmark for ``lims backup`` and ``lims restore`` on the demo (issue "Hardening", backup and restore).

Seeds the demo (``lims demo --no-serve``) into a temporary instance folder — on SQLite, or on the
PostgreSQL database ``--database-url`` names (emptied first) — then times the backup service
(median of ``--rounds``), prints the archive's size, and times one restore into an empty
database (a new SQLite file, or ``--restore-url``, emptied first) and an empty instance folder.
Only the services are timed, not the interpreter's start-up.

Run from the project root::

    python bench/backup.py [--rounds 5] [--database-url URL] [--restore-url URL]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and would shadow the packages.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from lims.db import make_engine  # noqa: E402
from lims.services.backup import backup  # noqa: E402
from lims.services.restore import restore  # noqa: E402


def _emptied(url: str) -> str:
    engine = create_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", default="", help="PostgreSQL database for the demo (emptied first)")
    parser.add_argument("--restore-url", default="", help="database to restore into (emptied first)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-backup-"))
    try:
        instance = folder / "instance"
        url = _emptied(args.database_url) if args.database_url else f"sqlite:///{instance / 'lims.sqlite3'}"
        os.environ.update(LIMS_INSTANCE_PATH=str(instance), LIMS_DATABASE_URL=url, LIMS_DEMO_PASSWORD="bench-pw-1")
        from click.testing import CliRunner

        from lims.cli import main as lims

        seeded = CliRunner().invoke(lims, ["demo", "--no-serve"])
        assert seeded.exit_code == 0, seeded.output
        engine = make_engine(url)
        times = []
        for n in range(args.rounds):
            target = folder / f"demo-{n}.backup"
            start = time.perf_counter()
            report = backup(engine, instance, target, signing_key_path=instance / "signing-keys")
            times.append(time.perf_counter() - start)
        engine.dispose()
        rows = sum(report.tables.values())
        print(f"demo on {report.dialect}: {rows} rows in {len(report.tables)} tables, {report.files} stored files "
              f"({sum(p.stat().st_size for p in (instance / 'certificates').rglob('*') if p.is_file())} bytes)")
        print(f"backup: median {statistics.median(times) * 1000:.0f} ms over {args.rounds} rounds "
              f"(min {min(times) * 1000:.0f} ms), archive {report.size} bytes")

        restored_instance = folder / "restored" / "instance"
        shutil.copytree(instance / "signing-keys", restored_instance / "signing-keys")
        restore_url = _emptied(args.restore_url) if args.restore_url \
            else f"sqlite:///{folder / 'restored' / 'lims.sqlite3'}"
        target_engine = make_engine(restore_url)
        start = time.perf_counter()
        restored = restore(target_engine, restored_instance, report.path,
                           signing_key_path=restored_instance / "signing-keys")
        elapsed = time.perf_counter() - start
        print(f"restore into an empty {target_engine.dialect.name} database: {elapsed * 1000:.0f} ms "
              f"({sum(restored.tables.values())} rows, {restored.files} files, schema built and migrated to head, "
              f"audit event #{restored.restored_event_seq})")
        target_engine.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
