"""Search, filter and paging speed of every list (issue "Daily use"), through the app over HTTP.

Target: with 200,000 instruments and 1,000,000 records (``bench/seed.py``, then ``--add-work`` for
50,000 service requests and 200,000 certificates), a searched or filtered list page renders in under
100 ms (median), on SQLite and on PostgreSQL. Each page is ``GET``-ed through the Flask test client
as the bench user (query, count, template, all of it): for every list a search with diacritics, the
same typed without, a word found in every row (the count is capped there), a filter, and a deep page;
a few API answers too. Each figure is the median of ``--repeat`` runs after two warm-up runs (p95 in
brackets); the total each page shows is printed after it.

Run from the project root, on a seeded database upgraded to migration 0007::

    python bench/seed.py --url sqlite:///bench-search.sqlite3
    python bench/seed.py --url sqlite:///bench-search.sqlite3 --add-work
    python bench/search.py --url sqlite:///bench-search.sqlite3
    (the same with --url postgresql+psycopg://postgres@127.0.0.1:5432/bench_search)
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from bench.seed import BENCH_PASSWORD, BENCH_USER

TARGET_MS = 100


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


def cases() -> list[tuple[str, str]]:
    month_ago = date.today() - timedelta(days=30)
    return [
        ("instruments: owner typed with diacritics", "/admin/instruments?q=Doanh+nghiệp+01234"),
        ("instruments: the same without", "/admin/instruments?q=doanh+nghiep+01234"),
        ("instruments: a serial number", "/admin/instruments?q=s00123456"),
        ("instruments: a word in every row (count capped)", "/admin/instruments?q=nhơn+hòa"),
        ("instruments: filter overdue", "/admin/instruments?due=overdue"),
        ("instruments: filter overdue + search, by due date", "/admin/instruments?due=overdue&q=lang+son&sort=due"),
        ("instruments: deep page (page 200, by serial)", "/admin/instruments?sort=serial&page=200"),
        ("organisations: name typed with diacritics", "/admin/organisations?q=Doanh+nghiệp+0123"),
        ("organisations: the same without", "/admin/organisations?q=doanh+nghiep+0123"),
        ("organisations: filter businesses, page 20", "/admin/organisations?kind=business&page=20"),
        ("requests: customer typed with diacritics", "/requests?q=Doanh+nghiệp+01234"),
        ("requests: the same without", "/requests?q=doanh+nghiep+01234"),
        ("requests: filter completed", "/requests?status=completed"),
        ("requests: deep page (page 200)", "/requests?page=200"),
        ("records: owner typed with diacritics", "/records?q=Doanh+nghiệp+01234"),
        ("records: the same without", "/records?q=doanh+nghiep+01234"),
        ("records: a serial number", "/records?q=S00123456"),
        ("records: a word in every row (count capped)", "/records?q=nhon+hoa"),
        ("records: filter approved, last 30 days", f"/records?status=approved&work_from={month_ago}"),
        ("records: deep page (page 200, by work date)", "/records?sort=-work_date&page=200"),
        ("certificates: customer typed with diacritics", "/certificates?q=Doanh+nghiệp+01234"),
        ("certificates: the same without", "/certificates?q=doanh+nghiep+01234"),
        ("certificates: a number", "/certificates?q=kđ-2025-0001234"),
        ("certificates: filter expired", "/certificates?status=expired"),
        ("certificates: issued last 30 days", f"/certificates?issued_from={month_ago}"),
        ("certificates: deep page (page 200)", "/certificates?page=200"),
        ("API instruments: search, limit 200", "/api/v1/instruments?q=doanh+nghiep+01234"),
        ("API records: search", "/api/v1/records?q=doanh+nghiep+01234&limit=50"),
        ("API certificates: filter, offset 5000", "/api/v1/certificates?status=valid&limit=50&offset=5000"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--only", default="", help="only the cases whose label contains this text")
    args = parser.parse_args()

    from sqlalchemy import func, select

    from lims.app import create_app
    from lims.models import Certificate, Instrument, Record, ServiceRequest

    app = create_app(database_url=args.url, instance_path=Path(tempfile.mkdtemp(prefix="lims-bench-")),
                     secret_key="bench", extra={"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.extensions["lims.sessions"]() as session:
        counts = [session.scalar(select(func.count()).select_from(m))
                  for m in (Instrument, Record, ServiceRequest, Certificate)]
    print(f"{app.extensions['lims.engine'].dialect.name}: {counts[0]:,} instruments, {counts[1]:,} records, "
          f"{counts[2]:,} service requests, {counts[3]:,} certificates")
    client = app.test_client()
    resp = client.post("/login", data={"username": BENCH_USER, "password": BENCH_PASSWORD})
    assert resp.status_code == 302, "cannot sign in as the bench user"

    missed = []
    for label, path in cases():
        if args.only not in label:
            continue
        def get(path: str = path) -> str:
            r = client.get(path)
            assert r.status_code == 200, (path, r.status_code, r.get_data(as_text=True)[:300])
            total = r.headers.get("X-Total-Count")
            if total is None:
                m = re.search(r'data-total="(\d+)"( data-capped)?', r.get_data(as_text=True))
                total = (m.group(1) + ("+" if m.group(2) else "")) if m else "?"
            elif r.headers.get("X-Total-Count-Capped"):
                total += "+"
            return total
        median, p95 = timed(get, args.repeat)
        met = median < TARGET_MS
        if not met:
            missed.append(label)
        print(f"  {label:<52} {median:8.1f} ms  (p95 {p95:7.1f})  total {get():>7}  {'' if met else 'NOT MET'}")
    print(f"target < {TARGET_MS} ms median: {'met by every case' if not missed else 'NOT MET by ' + str(len(missed))}")
    app.extensions["lims.engine"].dispose()


if __name__ == "__main__":
    main()
