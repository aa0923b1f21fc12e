"""Benchmark for issue 13 part 2, "Speed": the EPCIS repository over PostgreSQL holding 100,000 batches
and 1,000,000 events (``--batches``, ``--events``), figures printed side by side in one run:

* capture of a 1,000-event EPCISDocument (``lims.services.trace_events.capture``: GS1's schema, the
  rules, one flush, the audit event, the commit) — target under 2 s;
* export of a batch with 1,000 events as an EPCIS document (``batch_document_json``, what
  ``lims trace export`` writes) — target under 200 ms; the schema check of that document
  (jsonschema-rs) is printed beside it, and the document must pass it;
* the resolver's figures, when ``bench/trace_resolver.py`` provides ``resolver_figures(url, gtin, lot)``
  (the public batch page and its ``gs1:epcis`` answer against a trivial route on the same server).

The data is seeded once with COPY into the database named by ``--database-url`` (default
``lims_bench_trace`` on the local PostgreSQL, created when missing) and reused by later runs of the same
size; ``--reset`` seeds again. Each figure is the median of ``--rounds`` runs after a warm-up (min and
max in brackets).

Run from the project root::

    python bench/traceability.py [--batches 100000] [--events 1000000] [--rounds 7] [--reset]
    python bench/traceability.py --batches 2000 --events 20000        # a quick run
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/lims_bench_trace"
ICT = timezone(timedelta(hours=7))
BUSINESSES = 100
PRODUCTS_PER_BUSINESS = 10
HEAVY_EVENTS = 1000  # events of the first batch, the one exported
STEPS = ("commissioning", "storing", "shipping", "receiving", "inspecting")
CAPTURE_TARGET_S = 2.0
EXPORT_TARGET_MS = 200.0


def gtin14(n: int) -> str:
    from traceability.gs1 import check_digit

    data = f"0893{n:09d}"
    return data + str(check_digit(data))


def ensure_database(url: str) -> None:
    parsed = make_url(url)
    server = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}).first():
                conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        server.dispose()


def _copy(raw: Any, table: str, columns: tuple[str, ...], rows: Any) -> None:
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _event_document(n: int, gtin: str, lot: str, moment: datetime, step: str, base: str) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "ObjectEvent", "eventID": f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
        "eventTime": moment.astimezone(ICT).isoformat(timespec="milliseconds"), "eventTimeZoneOffset": "+07:00",
        "action": "ADD" if step == "commissioning" else "OBSERVE", "bizStep": step,
        "quantityList": [{"epcClass": f"{base}/01/{gtin}/10/{lot}", "quantity": 10 + n % 90, "uom": "KGM"}],
        "readPoint": {"id": f"{base}/loc/1/P{n % 50}"}}
    if step == "inspecting":
        event["disposition"] = "conformant"
    return event


def seed(url: str, batches: int, events: int, base: str) -> None:
    """Organisations, places, products and batches, then the events and their batch links, with COPY."""
    from lims.db import make_engine
    from lims.migrate import upgrade
    from lims.models import Base

    upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    with engine.begin() as conn:
        tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
        conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    now = datetime.now(UTC).replace(tzinfo=None)
    raw = engine.raw_connection()
    try:
        _copy(raw, "organisation", ("id", "kind", "name", "address", "phone", "email", "active", "created_at",
                                    "version_id", "search_text"),
              [(1, "lab", "Trung tâm TĐC (bench)", "", "", "", True, now, 1, "")]
              + [(1 + b, "business", f"Doanh nghiệp {b:03d}", "", "", "", True, now, 1, "")
                 for b in range(1, BUSINESSES + 1)])
        _copy(raw, "trace_location", ("id", "owner_id", "name", "address", "local_id", "active", "created_at"),
              [(b, 1 + b, f"Kho {b}", "", f"P{b}", True, now) for b in range(1, BUSINESSES + 1)])
        products = BUSINESSES * PRODUCTS_PER_BUSINESS
        _copy(raw, "product", ("id", "owner_id", "gtin", "name_vi", "name_en", "net_unit", "category", "description",
                               "disclosure", "active", "created_at", "version_id"),
              [(p, 2 + (p - 1) // PRODUCTS_PER_BUSINESS, gtin14(p), f"Sản phẩm {p}", "", "kg", "", "", "{}", True,
                now, 1) for p in range(1, products + 1)])
        lots = [(b, 1 + (b - 1) % products, f"L{b:07d}") for b in range(1, batches + 1)]
        _copy(raw, "batch", ("id", "product_id", "lot", "quantity", "quantity_unit", "location_id", "created_at"),
              [(b, p, lot, 1000.0, "kg", 1 + (p - 1) // PRODUCTS_PER_BUSINESS, now) for b, p, lot in lots])
        raw.commit()
        start = datetime.now(UTC) - timedelta(days=365)
        span = 364 * 86400 / max(events, 1)

        def batch_of(n: int) -> int:
            return 1 if n <= HEAVY_EVENTS else 2 + (n - HEAVY_EVENTS) % max(batches - 1, 1)

        def event_rows():
            for n in range(1, events + 1):
                b = batch_of(n)
                _b, p, lot = lots[b - 1]
                moment = start + timedelta(seconds=n * span)
                step = STEPS[n % len(STEPS)]
                owner = 2 + (p - 1) // PRODUCTS_PER_BUSINESS
                document = _event_document(n, gtin14(p), lot, moment, step, base)
                yield (n, document["eventID"], "ObjectEvent", document["action"], step, document.get("disposition"),
                       moment.replace(tzinfo=None), "+07:00", now, document["readPoint"]["id"], None, owner, None,
                       "conformant" if step == "inspecting" else None, False, json.dumps(document))
        _copy(raw, "trace_event", ("id", "event_id", "event_type", "action", "biz_step", "disposition", "event_time",
                                   "time_zone", "record_time", "read_point", "biz_location", "owner_id", "capture_id",
                                   "verdict", "error_declared", "document"), event_rows())
        _copy(raw, "trace_event_batch", ("id", "event_row_id", "batch_id", "role", "quantity", "uom"),
              ((n, n, batch_of(n), "object", float(10 + n % 90), "KGM") for n in range(1, events + 1)))
        raw.commit()
    finally:
        raw.close()
    with engine.begin() as conn:
        for table in ("organisation", "trace_location", "product", "batch", "trace_event", "trace_event_batch"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(SELECT max(id) FROM {table}))"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    print(f"seeded {batches:,} batches and {events:,} events in {time.perf_counter() - started:.1f} s")


def timed(fn: Callable[[], Any], rounds: int) -> tuple[float, float, float]:
    fn()  # warm-up
    runs = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), min(runs), max(runs)


def capture_document(base: str, batches: int) -> dict[str, Any]:
    """1,000 shipping events of the first business's lots, as its partner system would send them."""
    from traceability.epcis_document import epcis_document
    from traceability.epcis_events import Quantity, object_event

    moment = datetime.now(ICT) - timedelta(hours=1)
    owned = [b for b in range(2, batches + 1) if 1 + (b - 1) % (BUSINESSES * PRODUCTS_PER_BUSINESS)
             <= PRODUCTS_PER_BUSINESS][:200]  # not batch 1, the one exported
    events = []
    for k in range(1000):
        b = owned[k % len(owned)]
        p = 1 + (b - 1) % (BUSINESSES * PRODUCTS_PER_BUSINESS)
        events.append(object_event(event_time=moment - timedelta(seconds=k), action="OBSERVE", biz_step="shipping",
                                   disposition="in_transit", read_point=f"{base}/loc/2/P1", biz_location=None,
                                   quantities=[Quantity(f"{base}/01/{gtin14(p)}/10/L{b:07d}", 5, "KGM")],
                                   event_id=f"urn:uuid:{uuid.uuid4()}"))
    return epcis_document(events, moment)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--batches", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--reset", action="store_true", help="seed again even if the data is there")
    args = parser.parse_args()
    os.environ.setdefault("LIMS_INSTANCE_PATH", tempfile.mkdtemp(prefix="bench-trace-"))
    from lims.config import base_url
    from lims.db import make_engine, make_session_factory
    from lims.models import Batch, TraceEvent, User, UserRole
    from lims.services import trace_events
    from traceability.epcis_document import schema_problems

    base = base_url()
    ensure_database(args.database_url)
    engine = make_engine(args.database_url)
    try:
        with engine.connect() as conn:
            have = (conn.scalar(select(func.count()).select_from(Batch)),
                    conn.scalar(select(func.count()).select_from(TraceEvent)))
    except Exception:  # noqa: BLE001 — an empty database: no tables yet
        have = (0, 0)
    if args.reset or have[0] != args.batches or have[1] < args.events:
        seed(args.database_url, args.batches, args.events, base)
    sessions = make_session_factory(engine)
    with sessions() as session:
        user = session.scalar(select(User).where(User.username == "bench.trace"))
        if user is None:
            user = User(username="bench.trace", password_hash="!", organisation_id=2,
                        role_rows=[UserRole(role="business")])
            session.add(user)
            session.commit()
        heavy = session.get(Batch, 1)
        assert heavy is not None
        gtin, lot = heavy.product.gtin, heavy.lot
        count = session.scalar(select(func.count()).select_from(TraceEvent))

    def capture() -> None:
        with sessions() as session:
            actor = session.get(User, user.id)
            trace_events.capture(session, actor, capture_document(base, args.batches), source="api")
            session.commit()

    exported: dict[str, Any] = {}

    def export() -> None:
        with sessions() as session:
            batch = session.get(Batch, 1)
            assert batch is not None
            exported["json"] = trace_events.batch_document_json(session, batch)

    capture_s = timed(capture, args.rounds)
    export_s = timed(export, args.rounds)
    exported["doc"] = json.loads(exported["json"])
    problems = schema_problems(exported["doc"])
    validate_s = timed(lambda: schema_problems(exported["doc"]), args.rounds)
    events_out = len(exported["doc"]["epcisBody"]["eventList"])
    print(f"\nEPCIS repository on {make_url(args.database_url).database}: {args.batches:,} batches, {count:,} events")
    print(f"{'':48} {'median':>10} {'min':>10} {'max':>10}  target")
    print(f"{'capture, 1,000-event document':48} {capture_s[0] * 1000:8.0f} ms {capture_s[1] * 1000:7.0f} ms "
          f"{capture_s[2] * 1000:7.0f} ms  < {CAPTURE_TARGET_S * 1000:.0f} ms "
          f"{'ok' if capture_s[0] < CAPTURE_TARGET_S else 'MISSED'}")
    print(f"{f'export, batch of {events_out:,} events':48} {export_s[0] * 1000:8.1f} ms {export_s[1] * 1000:7.1f} ms "
          f"{export_s[2] * 1000:7.1f} ms  < {EXPORT_TARGET_MS:.0f} ms "
          f"{'ok' if export_s[0] * 1000 < EXPORT_TARGET_MS else 'MISSED'}")
    print(f"{'  schema check of that document (jsonschema-rs)':48} {validate_s[0] * 1000:8.1f} ms "
          f"{validate_s[1] * 1000:7.1f} ms {validate_s[2] * 1000:7.1f} ms  "
          f"{'valid' if not problems else f'{len(problems)} PROBLEMS'}")
    resolver = _HERE / "trace_resolver.py"
    if resolver.exists():
        spec = importlib.util.spec_from_file_location("bench_trace_resolver", resolver)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        figures = module.resolver_figures(args.database_url, gtin, lot)
        if isinstance(figures, dict):
            for name, value in figures.items():
                print(f"{name:48} {value}")
    else:
        print("(bench/trace_resolver.py not here: no resolver figures)")
    engine.dispose()


if __name__ == "__main__":
    main()
