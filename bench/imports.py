"""Time of bringing a lab's history in (docs/import.md): a dry run and an import of N customers,
N instruments and N past certificates (default 1000 each), on a new database (``--url``; default
a new SQLite file; a PostgreSQL database given here must be empty and migrated, or is migrated).

Prints, per kind: rows, the dry run's and the import's wall time, and rows per second.

Run from the project root::

    python bench/imports.py
    python bench/imports.py --rows 5000 --url postgresql+psycopg://postgres@127.0.0.1:5432/bench_import
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))


def _files(rows: int) -> dict[str, bytes]:
    customers = ["name,tax_code,address"] + [f"Cơ sở {i},{1_000_000_000 + i},Số {i} Lê Lợi" for i in range(rows)]
    instruments = ["owner,type_code,serial_number,range_max,range_unit,resolution"] + [
        f'{1_000_000_000 + i},NAWI,SN-{i},60,kg,"0,02"' for i in range(rows)]
    certificates = ["number,kind,owner,serial_number,issue_date,valid_until,verdict,stamp_number"] + [
        f"KĐ-2024/{i:05d},verification,{1_000_000_000 + i},SN-{i},15/03/2024,14/03/2025,pass,T24-{i:07d}"
        for i in range(rows)]
    return {k: "\r\n".join(v).encode("utf-8-sig") for k, v in
            (("customers", customers), ("instruments", instruments), ("certificates", certificates))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="lims-bench-import-"))
    os.environ["LIMS_INSTANCE_PATH"] = str(folder)
    url = args.url or f"sqlite:///{folder / 'bench.db'}"

    from lims.db import make_engine, make_session_factory
    from lims.migrate import upgrade
    from lims.services import catalog, imports
    from lims.services.certificates import context_from_env, use_context
    from lims.services.policy import SYSTEM

    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session:
        catalog.create_organisation(session, SYSTEM, catalog.NewOrganisation(name="Lab", kind="lab"))
        catalog.create_instrument_type(session, SYSTEM, catalog.NewInstrumentType(
            code="NAWI", name_vi="Cân", quantity="mass", unit="kg"))
        session.commit()
    print(f"database: {engine.dialect.name}, {args.rows} rows per kind")
    with use_context(context_from_env()):
        for kind, data in _files(args.rows).items():
            timings = []
            for dry_run in (True, False):
                with factory() as session:
                    start = time.perf_counter()
                    result = imports.run_import(session, SYSTEM, kind, f"{kind}.csv", data, dry_run=dry_run)
                    session.commit()
                    timings.append(time.perf_counter() - start)
                    assert result.ok, result.errors[:3]
            print(f"{kind:<13} dry run {timings[0]:6.2f} s   import {timings[1]:6.2f} s   "
                  f"{args.rows / timings[1]:7.0f} rows/s")
    engine.dispose()


if __name__ == "__main__":
    main()
