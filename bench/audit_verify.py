"""Time of ``lims audit verify`` on the demo and on a long audit chain (docs/reliability.md, "Audit chain").

Prints:

* the demo (``lims demo --no-serve`` in a new SQLite instance): the events, and the wall time
  of the command ``lims audit verify`` (a process of its own: start-up, walk, checkpoints,
  state cross-check, the checkpoint written);
* a chain of ``--events`` keyed events (default 100 000) written straight into a new database
  (``--url``; default a new SQLite file; a PostgreSQL database given here is emptied first),
  the wall time of ``lims audit verify`` and of
  ``lims audit checkpoint``, the service call ``verify_chain`` alone, and the median time of
  one ``audit.record`` on that chain (the key is read once per process).

Run from the project root::

    python bench/audit_verify.py
    python bench/audit_verify.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench_audit
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from sqlalchemy import func, select, text  # noqa: E402


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def lims(env: dict[str, str], *args: str) -> tuple[str, str]:
    """Run ``lims ARGS`` in a process of its own: "wall s (CPU s)" — on a shared machine the
    CPU time is the steadier figure — and its output."""
    start, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run([sys.executable, "-m", "lims.cli", *args], env=env, capture_output=True, text=True)
    took = f"{time.perf_counter() - start:.2f} s wall ({_children_cpu() - cpu:.2f} s CPU)"
    if done.returncode != 0:
        raise SystemExit(f"lims {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return took, done.stdout


def demo(folder: Path) -> None:
    env = {**os.environ, "LIMS_INSTANCE_PATH": str(folder), "LIMS_LANGUAGE": "en",
           "LIMS_DATABASE_URL": f"sqlite:///{folder / 'lims.sqlite3'}", "LIMS_DEMO_PASSWORD": "bench-demo-pw"}
    env.pop("LIMS_AUDIT_KEY_FILE", None)
    env.pop("LIMS_AUDIT_CHECKPOINT_DIR", None)
    lims(env, "demo", "--no-serve")
    took, out = lims(env, "audit", "verify")
    events = next(line for line in out.splitlines() if line.startswith("events checked"))
    print(f"demo (SQLite): {events}; lims audit verify {took}")


def fresh_database(url: str | None, folder: Path) -> str:
    from lims.db import make_engine
    from lims.migrate import upgrade

    url = url or f"sqlite:///{folder / 'chain.sqlite3'}"
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(url)
    return url


def fill(url: str, n: int, key: bytes) -> None:
    """``n`` keyed events, inserted in bulk (organisations: no state to cross-check; the demo has)."""
    from lims.db import make_engine
    from lims.models import AuditEvent
    from lims.services.audit import GENESIS, _fields, jsonable, keyed_digest

    engine = make_engine(url)
    start = datetime.now(UTC) - timedelta(days=365)
    prev, rows = GENESIS, []
    with engine.begin() as conn:
        for seq in range(1, n + 1):
            after = {"id": seq, "name": f"Organisation {seq}", "tax_code": f"{seq:010d}",
                     "address": "Đường 3/2, Ninh Kiều, Cần Thơ", "kind": "business", "phone": "0292 3 123 456"}
            ev = {"seq": seq, "at": start + timedelta(seconds=seq), "actor_id": None, "actor": "system",
                  "action": "organisation.create", "entity_type": "organisation", "entity_id": str(seq),
                  "before": None, "after": jsonable(after), "prev_hash": prev, "hash": ""}
            ev["hash"] = keyed_digest(key, _fields(type("E", (), ev)))
            prev = ev["hash"]
            rows.append(ev)
            if len(rows) == 5000:
                conn.execute(AuditEvent.__table__.insert(), rows)
                rows = []
        if rows:
            conn.execute(AuditEvent.__table__.insert(), rows)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database for the long chain (emptied first); default a new SQLite file")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--skip-demo", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if not args.skip_demo:
            (folder / "demo").mkdir()
            demo(folder / "demo")
        os.environ["LIMS_AUDIT_KEY_FILE"] = str(folder / "audit.key")
        os.environ["LIMS_AUDIT_CHECKPOINT_DIR"] = str(folder / "checkpoints")
        os.environ["LIMS_LANGUAGE"] = "en"
        from lims.db import make_engine, make_session_factory
        from lims.models import AuditEvent
        from lims.services import audit
        from lims.services.audit_keys import load_key
        from lims.services.audit_verify import verify_chain

        url = fresh_database(args.url, folder)
        os.environ["LIMS_DATABASE_URL"] = url
        started = time.perf_counter()
        fill(url, args.events, load_key(folder / "audit.key"))
        print(f"chain of {args.events} events written in {time.perf_counter() - started:.1f} s "
              f"({make_engine(url).dialect.name})")
        env = dict(os.environ)
        took, out = lims(env, "audit", "verify")
        print(f"  lims audit verify (first, no checkpoint yet): {took}; "
              f"{out.splitlines()[0]}")
        took, out = lims(env, "audit", "verify")
        print(f"  lims audit verify (one checkpoint to check): {took}; "
              f"{[line for line in out.splitlines() if line.startswith('checkpoints')][0]}")
        took, _ = lims(env, "audit", "checkpoint")
        print(f"  lims audit checkpoint: {took}")

        engine = make_engine(url)
        factory = make_session_factory(engine)
        with factory() as session:
            started, cpu = time.perf_counter(), time.process_time()
            report = verify_chain(session, checkpoint_dir=folder / "checkpoints")
            print(f"  verify_chain in process: {time.perf_counter() - started:.2f} s wall "
                  f"({time.process_time() - cpu:.2f} s CPU; {report.checked} events, ok={report.ok})")
        runs = []
        with factory() as session:
            for i in range(300):
                started = time.perf_counter()
                audit.record(session, None, "bench.event", entity_type="bench", entity_id=i, after={"i": i})
                session.commit()
                runs.append((time.perf_counter() - started) * 1000)
            count = session.scalar(select(func.count()).select_from(AuditEvent))
        print(f"  audit.record + commit on that chain: median {statistics.median(runs):.2f} ms "
              f"over {len(runs)} (chain now {count} events)")
        with factory() as session:
            ev = session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
            started, cpu = time.perf_counter(), time.process_time()
            for _ in range(10_000):
                audit.keyed_digest(audit.session_key(session), audit._fields(ev))
            wall, cpu = (time.perf_counter() - started) * 100, (time.process_time() - cpu) * 100
            print(f"  of which the key (cached) and the HMAC of one event: {wall:.1f} µs wall ({cpu:.1f} µs CPU)")
        engine.dispose()


if __name__ == "__main__":
    main()
