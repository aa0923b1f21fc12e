"""Office dashboard speed on a province's worth of data (issue 12, "Office dashboard").

Target: the whole page ``GET /office`` (the five tables for the last 12 months, their charts, the
template) renders in under 300 ms — measured through the Flask app on the data of
``bench/seed.py``. Each table's service call is printed too.

``bench/seed.py`` writes instruments and approved records but no requests and no certificates;
``--add-history`` adds them once with INSERT … SELECT (no ORM): for every approved record a
certificate issued on its work date, valid for the type's interval, and for the records of the
last 400 days a service request received 0 to 14 days before the work (so turnaround has figures);
as these rows bypass the services, it then recomputes the dashboard's summaries
(``lims.services.office_summary.rebuild``). A database seeded at an older schema and upgraded
afterwards has them filled by migration 0009.

Each figure is the median of ``--repeat`` runs after two warm-up runs (p95 in brackets).

Run from the project root, on SQLite and on PostgreSQL::

    python bench/seed.py --url sqlite:///bench-recall.sqlite3
    python bench/office.py --url sqlite:///bench-recall.sqlite3 --add-history
    python bench/seed.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench_recall
    python bench/office.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench_recall --add-history
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bench.recall import line, timed
from bench.seed import BENCH_PASSWORD, BENCH_USER

SQLITE = {
    "valid_until": "date(r.work_date, '+' || t.verification_interval_months || ' months')",
    "received": "date(r.work_date, '-' || (r.id % 15) || ' days')",
    "recent": "r.work_date >= date('now', '-400 days')",
}
POSTGRES = {
    "valid_until": "r.work_date + make_interval(months => t.verification_interval_months)",
    "received": "r.work_date - (r.id % 15)",
    "recent": "r.work_date >= current_date - 400",
}


def add_history(engine) -> None:
    sql = POSTGRES if engine.dialect.name == "postgresql" else SQLITE
    started = time.perf_counter()
    with engine.begin() as conn:
        if conn.scalar(text("SELECT count(*) FROM certificate")):
            print("certificates present already: history not added")
            return
        conn.execute(text(
            "INSERT INTO service_request (number, customer_id, kind, status, on_site, site_address, received_date, "
            "notes, created_at, version_id) "
            f"SELECT 'BR' || r.id, i.owner_id, 'verification', 'completed', false, '', {sql['received']}, '', "
            "r.created_at, 1 FROM record r JOIN instrument i ON i.id = r.instrument_id "
            f"WHERE r.status = 'approved' AND {sql['recent']}"))
        conn.execute(text(
            "INSERT INTO service_request_item (request_id, instrument_id, verification_type) "
            "SELECT q.id, r.instrument_id, 'periodic' FROM service_request q JOIN record r ON 'BR' || r.id = q.number"))
        conn.execute(text(
            "UPDATE record SET request_item_id = (SELECT it.id FROM service_request_item it JOIN service_request q "
            "ON q.id = it.request_id WHERE q.number = 'BR' || record.id) "
            "WHERE id IN (SELECT CAST(substr(number, 3) AS INTEGER) FROM service_request WHERE number LIKE 'BR%')"))
        conn.execute(text(
            "INSERT INTO certificate (number, kind, year, seq, record_id, instrument_id, customer_id, issue_date, "
            "valid_until, status, language, document, revoke_reason, created_at) "
            "SELECT 'BC' || r.id, 'verification', 2000, r.id, r.id, r.instrument_id, i.owner_id, r.work_date, "
            f"{sql['valid_until']}, 'valid', 'vi', '{{}}', '', r.approved_at "
            "FROM record r JOIN instrument i ON i.id = r.instrument_id JOIN instrument_type t ON t.id = i.type_id "
            "WHERE r.status = 'approved'"))
    from lims.services import office_summary

    with Session(engine) as session:  # the rows above bypassed the services: recompute the summaries
        office_summary.rebuild(session)
        session.commit()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    print(f"history added in {time.perf_counter() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--add-history", action="store_true", help="add requests and certificates (once)")
    args = parser.parse_args()

    from lims.app import create_app
    from lims.models import Certificate, Instrument, Record, ServiceRequest, User
    from lims.services import office

    app = create_app(database_url=args.url, instance_path=Path(tempfile.mkdtemp(prefix="lims-bench-")),
                     secret_key="bench", extra={"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    engine = app.extensions["lims.engine"]
    if args.add_history:
        add_history(engine)
    session = app.extensions["lims.sessions"]()
    counts = [session.scalar(select(func.count()).select_from(m))
              for m in (Instrument, Record, Certificate, ServiceRequest)]
    user = session.scalar(select(User).where(User.username == BENCH_USER))
    if user is None:
        raise SystemExit("no bench user: seed the database with bench/seed.py first")
    print(f"{engine.dialect.name}: {counts[0]:,} instruments, {counts[1]:,} records, {counts[2]:,} certificates, "
          f"{counts[3]:,} requests")

    client = app.test_client()
    resp = client.post("/login", data={"username": BENCH_USER, "password": BENCH_PASSWORD})
    assert resp.status_code == 302, "cannot sign in as the bench user"
    f = office.default_filters()

    def page():
        r = client.get("/office")
        assert r.status_code == 200 and b"office-chart" in r.data

    line("office page, rendered (GET /office, last 12 months)", timed(page, args.repeat), 300)
    for key in office.TABLES:
        line(f"  {key} (service call)", timed(lambda key=key: office.table(session, user, key, f), args.repeat))
    overdue = office.table(session, user, "overdue", f)
    print("    overdue at month ends: " + ", ".join(f"{d.isoformat()} {n:,}" for d, n in overdue.rows))
    session.close()
    engine.dispose()


if __name__ == "__main__":
    main()
