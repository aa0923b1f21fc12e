"""Recall list speed on a province's worth of data (issue 5, "Speed").

Targets, with 200,000 instruments and 1,000,000 records in the database (``bench/seed.py``):

* the overdue list of one business renders in under 100 ms — measured as the whole page
  ``GET /recall?owner_id=…&overdue=1`` through the Flask app (query, counts, template), for the
  business with the most instruments; the service call alone and the API answer are printed too;
* the province-wide overdue count takes under 1 s — ``lims.services.workflow.recall.overdue_count``; the
  counts shown on the province page (overdue and due within 30 days) and the whole province page
  (counts, the per-business summary and the first 200 rows) are printed too.

Each figure is the median of ``--repeat`` runs after two warm-up runs (p95 in brackets).

Run from the project root, on SQLite and on PostgreSQL::

    python bench/seed.py --url sqlite:///bench-recall.sqlite3
    python bench/recall.py --url sqlite:///bench-recall.sqlite3
    python bench/seed.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench_recall
    python bench/recall.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench_recall
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from sqlalchemy import func, select

from bench.seed import BENCH_PASSWORD, BENCH_USER


def timed(fn, repeat: int) -> tuple[float, float]:
    for _ in range(2):
        fn()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    runs.sort()
    return statistics.median(runs), runs[min(len(runs) - 1, int(0.95 * len(runs)))]


def line(label: str, figures: tuple[float, float], target_ms: float | None = None) -> None:
    median, p95 = figures
    verdict = ""
    if target_ms is not None:
        verdict = f"  target < {target_ms:g} ms: {'met' if median < target_ms else 'NOT MET'}"
    print(f"  {label:<58} {median:9.1f} ms  (p95 {p95:.1f}){verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    from lims.app import create_app
    from lims.models import Instrument, Record, User
    from lims.services.policy import SYSTEM
    from lims.services.workflow import recall

    app = create_app(database_url=args.url, instance_path=Path(tempfile.mkdtemp(prefix="lims-bench-")),
                     secret_key="bench", extra={"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    factory = app.extensions["lims.sessions"]
    session = factory()
    instruments = session.scalar(select(func.count()).select_from(Instrument))
    records = session.scalar(select(func.count()).select_from(Record))
    owner, owned = session.execute(select(Instrument.owner_id, func.count()).group_by(Instrument.owner_id)
                                   .order_by(func.count().desc()).limit(1)).one()
    user = session.scalar(select(User).where(User.username == BENCH_USER))
    if user is None:
        raise SystemExit("no bench user: seed the database with bench/seed.py first")
    print(f"{app.extensions['lims.engine'].dialect.name}: {instruments:,} instruments, {records:,} records; "
          f"largest business owns {owned:,} instruments")

    client = app.test_client()
    resp = client.post("/login", data={"username": BENCH_USER, "password": BENCH_PASSWORD})
    assert resp.status_code == 302, "cannot sign in as the bench user"

    overdue_rows = recall.due_list(session, user, owner_id=owner, overdue_only=True, limit=200)
    print(f"overdue list of business {owner}: {len(overdue_rows)} rows shown")

    def page_one_business():
        r = client.get(f"/recall?owner_id={owner}&overdue=1")
        assert r.status_code == 200 and r.data

    def api_one_business():
        r = client.get(f"/api/v1/recall?owner_id={owner}&overdue=true")
        assert r.status_code == 200

    def service_one_business():
        recall.due_list(session, user, owner_id=owner, overdue_only=True, limit=200)

    def province_count():
        recall.overdue_count(session, SYSTEM)

    def province_counts():
        recall.due_counts(session, SYSTEM, days=30)

    def page_province():
        r = client.get("/recall")
        assert r.status_code == 200

    print("one business:")
    line("overdue list page, rendered (GET /recall?owner_id=&overdue=1)", timed(page_one_business, args.repeat), 100)
    line("overdue list, service call", timed(service_one_business, args.repeat))
    line("overdue list, API JSON", timed(api_one_business, args.repeat))
    print("whole province:")
    line("overdue count (recall.overdue_count)", timed(province_count, args.repeat), 1000)
    print(f"    = {recall.overdue_count(session, SYSTEM):,} instruments overdue")
    line("overdue and due-within-30-days counts", timed(province_counts, args.repeat))
    line("province recall page (counts, by business, first 200 rows)", timed(page_province, max(5, args.repeat // 4)))
    session.close()
    app.extensions["lims.engine"].dispose()


if __name__ == "__main__":
    main()
