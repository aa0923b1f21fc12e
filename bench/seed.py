"""Seed a database with a province's worth of instruments and records, for bench/recall.py.

Builds (by default) 200,000 instruments of 2,000 businesses and 1,000,000 records (five per
instrument: approved verifications of past years, the latest one setting the instrument's next
due date), with a progress bar. Business sizes are skewed as in a real province: one large
distributor owns 5,000 instruments, a few dozen own hundreds, most own a few dozen. About a
fifth of the instruments are overdue.

Rows go in with bulk INSERTs of SQLAlchemy Core in batches (no ORM, no audit events: this is
bench data, not a history). The schema comes from the Alembic migrations.

Run from the project root::

    python bench/seed.py --url sqlite:///bench-recall.sqlite3
    python bench/seed.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench_recall

``--reset`` empties the tables first; without it the script refuses a database that already
holds instruments.

``--add-work`` adds, to a database seeded already, what the search lists need besides instruments
and records (bench/search.py): a service request for every fourth instrument (one item each, in all
statuses) and a verification certificate for every instrument's latest record. Either way the search
text of the rows put in is filled at the end (lims.models.search.refresh_all: the rows go in with
Core INSERTs, which no ORM flush sees).
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from sqlalchemy import func, insert, select, text
from tqdm import tqdm

BENCH_USER = "bench"
BENCH_PASSWORD = "bench-password-123"
BATCH = 10_000
LARGEST = 5_000


def business_sizes(instruments: int, businesses: int, rng: random.Random) -> list[int]:
    """How many instruments each business owns: one large, some medium, most small; sums to ``instruments``."""
    sizes = [min(LARGEST, instruments // 4)]
    medium = max(0, min(40, businesses // 50))
    sizes += [rng.randint(200, 800) for _ in range(medium)]
    rest = businesses - len(sizes)
    left = instruments - sum(sizes)
    if rest <= 0 or left <= 0:
        raise SystemExit("too few instruments for that many businesses")
    base = left // rest
    sizes += [base] * rest
    sizes[-1] += instruments - sum(sizes)
    return sizes


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    last = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31,
            30, 31][month - 1]
    return date(year, month, min(day.day, last))


def seed(url: str, instruments: int, records_per: int, businesses: int, reset: bool, seed_value: int) -> None:
    from werkzeug.security import generate_password_hash

    from lims.db import make_engine
    from lims.migrate import upgrade
    from lims.models import (
        Base,
        Instrument,
        InstrumentType,
        Organisation,
        Procedure,
        Record,
        ReferenceStandard,
        StandardCalibration,
        User,
        UserRole,
    )

    rng = random.Random(seed_value)
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        existing = conn.scalar(select(func.count()).select_from(Instrument))
        if existing and not reset:
            raise SystemExit(f"the database holds {existing} instruments already; use --reset to start again")
        if reset:
            tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
            if engine.dialect.name == "postgresql":
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
            else:
                for t in tables:
                    conn.execute(text(f'DELETE FROM "{t}"'))
    now = datetime.now(UTC)
    today = date.today()
    started = time.perf_counter()
    with engine.begin() as conn:
        lab_id = conn.execute(insert(Organisation).values(kind="lab", name="Trung tâm TĐC (bench)", tax_code=None,
                                                          address="", phone="", email="", created_at=now)
                              .returning(Organisation.id)).scalar_one()
        user_id = conn.execute(insert(User).values(
            username=BENCH_USER, full_name="Bench", email="", password_hash=generate_password_hash(BENCH_PASSWORD),
            organisation_id=lab_id, active=True, created_at=now).returning(User.id)).scalar_one()
        conn.execute(insert(UserRole), [{"user_id": user_id, "role": r} for r in ("technician", "reviewer")])
        types = []
        for code, name, quantity, unit, months in (("CAN", "Cân", "mass", "kg", 12),
                                                   ("AP", "Áp kế", "pressure", "bar", 12),
                                                   ("CDXD", "Cột đo xăng dầu", "volume", "L", 12),
                                                   ("CTD", "Công tơ điện", "energy", "kWh", 60)):
            types.append((conn.execute(insert(InstrumentType).values(
                code=code, name_vi=name, name_en=code, quantity=quantity, unit=unit, requires_verification=True,
                verification_interval_months=months, created_at=now).returning(InstrumentType.id)).scalar_one(),
                unit, months))
        procs = {tid: conn.execute(insert(Procedure).values(
            code=f"BENCH-{tid}", version=1, title_vi="Quy trình (bench)", title_en="", kind="verification",
            instrument_type_id=tid, spec={}, active=True, created_at=now).returning(Procedure.id)).scalar_one()
            for tid, _u, _m in types}
        std = conn.execute(insert(ReferenceStandard).values(
            code="BENCH-STD", name="Bench standard", quantity="mass", manufacturer="", model="", serial_number="",
            range_min=0, range_max=1000, range_unit="kg", accuracy_class="", status="in_use", created_at=now)
            .returning(ReferenceStandard.id)).scalar_one()
        vmi = conn.execute(insert(Organisation).values(
            kind="calibration_lab", name="VMI", national_institute=True, address="", phone="", email="",
            created_at=now).returning(Organisation.id)).scalar_one()
        conn.execute(insert(StandardCalibration).values(
            standard_id=std, certificate_number="B-1", lab_id=vmi, calibration_date=today - timedelta(days=30),
            due_date=today + timedelta(days=300), expanded_uncertainty=1, uncertainty_unit="g", coverage_factor=2,
            notes="", created_at=now))

    sizes = business_sizes(instruments, businesses, rng)
    with engine.begin() as conn:
        rows = [{"kind": "business", "name": f"Doanh nghiệp {n:05d}", "tax_code": f"{4900000000 + n}",
                 "address": f"Số {n}, Lạng Sơn", "phone": "", "email": "", "created_at": now}
                for n in range(1, len(sizes) + 1)]
        conn.execute(insert(Organisation), rows)
        owner_ids = list(conn.scalars(select(Organisation.id).where(Organisation.kind == "business")
                                      .order_by(Organisation.id)))
    owners = [oid for oid, size in zip(owner_ids, sizes, strict=False) for _ in range(size)]

    bar = tqdm(total=instruments + instruments * records_per, unit="row", desc="instruments + records")
    record_no = 0
    with engine.connect() as conn:
        for start in range(0, instruments, BATCH):
            chunk = owners[start:start + BATCH]
            inst_rows, plans = [], []
            for k, owner in enumerate(chunk):
                tid, unit, months = types[rng.randrange(len(types))]
                # Last verification between 0 and 15 months ago: about a fifth are overdue.
                last = today - timedelta(days=rng.randint(0, 455))
                due = add_months(last, months)
                status = "in_service" if rng.random() > 0.03 else "out_of_service"
                inst_rows.append({
                    "owner_id": owner, "type_id": tid, "manufacturer": "Nhơn Hòa", "model": "NH",
                    "serial_number": f"S{start + k:08d}", "range_min": 0.0, "range_max": 150.0, "range_unit": unit,
                    "resolution": 0.05, "accuracy_class": "III", "location": "", "status": status,
                    "calibration_interval_months": None, "next_due": due, "created_at": now, "version_id": 1})
                plans.append((tid, last, months))
            result = conn.execute(insert(Instrument).returning(Instrument.id, sort_by_parameter_order=True), inst_rows)
            ids = [r[0] for r in result]
            bar.update(len(inst_rows))
            rec_rows = []
            for iid, (tid, last, months) in zip(ids, plans, strict=True):
                for back in range(records_per):
                    record_no += 1
                    work = add_months(last, -months * back)
                    approved = datetime(work.year, work.month, work.day, 15, tzinfo=UTC)
                    rec_rows.append({
                        "number": f"B{record_no:08d}", "request_item_id": None, "instrument_id": iid,
                        "procedure_id": procs[tid], "kind": "verification", "verification_type": "periodic",
                        "status": "approved", "technician_id": user_id, "reviewer_id": user_id, "place": "",
                        "received_date": work, "work_date": work, "environment": {}, "adjusted": False,
                        "results": {}, "verdict": "pass", "remarks": "", "return_comment": "", "created_at": approved,
                        "updated_at": approved, "submitted_at": approved, "approved_at": approved, "version_id": 1})
                if len(rec_rows) >= BATCH:
                    conn.execute(insert(Record), rec_rows)
                    bar.update(len(rec_rows))
                    rec_rows = []
            if rec_rows:
                conn.execute(insert(Record), rec_rows)
                bar.update(len(rec_rows))
            conn.commit()
    bar.close()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    fill_search_text(engine, ("organisation", "instrument", "record"))
    engine.dispose()
    print(f"seeded {instruments:,} instruments of {len(sizes):,} businesses and {instruments * records_per:,} "
          f"records in {time.perf_counter() - started:.1f} s ({url.split('@')[-1]})")


def fill_search_text(engine, tables: tuple[str, ...]) -> None:
    """Fill the search text of ``tables`` (rows put in with Core INSERTs), then refresh the statistics."""
    from lims.models.search import refresh_all

    for table in tables:
        with engine.begin() as conn:
            started = time.perf_counter()
            n = refresh_all(conn, table)
            print(f"search text of {n:,} rows of {table} in {time.perf_counter() - started:.1f} s")
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


REQUEST_STATUSES = ("submitted", "accepted", "in_progress", "completed", "completed", "completed", "cancelled")


def add_work(url: str, seed_value: int) -> None:
    """Service requests (every fourth instrument) and certificates (every instrument's latest record)."""
    from lims.db import make_engine
    from lims.migrate import upgrade
    from lims.models import Certificate, Instrument, Record, ServiceRequest, ServiceRequestItem

    rng = random.Random(seed_value)
    upgrade(url)
    engine = make_engine(url)
    now = datetime.now(UTC)
    started = time.perf_counter()
    with engine.begin() as conn:
        if conn.scalar(select(func.count()).select_from(Certificate)):
            raise SystemExit("the database holds certificates already")
        latest = conn.execute(select(Record.instrument_id, func.min(Record.id), Instrument.owner_id,
                                     Instrument.next_due)
                              .join(Instrument, Instrument.id == Record.instrument_id)
                              .group_by(Record.instrument_id, Instrument.owner_id, Instrument.next_due)
                              .order_by(Record.instrument_id)).all()
        work = dict(conn.execute(select(Record.id, Record.work_date).where(Record.id.in_(
            select(func.min(Record.id)).group_by(Record.instrument_id)))).all())
    seqs: dict[int, int] = {}
    bar = tqdm(total=len(latest) + len(latest) // 4, unit="row", desc="certificates + requests")
    with engine.connect() as conn:
        for start in range(0, len(latest), BATCH):
            cert_rows, req_rows = [], []
            for inst_id, rec_id, owner, due in latest[start:start + BATCH]:
                day = work[rec_id]
                seqs[day.year] = seq = seqs.get(day.year, 0) + 1
                cert_rows.append({
                    "number": f"KĐ-{day.year}-{seq:07d}", "kind": "verification", "year": day.year, "seq": seq,
                    "record_id": rec_id, "instrument_id": inst_id, "customer_id": owner, "issue_date": day,
                    "valid_until": due, "status": "valid", "stamp_number": f"T{day.year % 100:02d}{seq:07d}",
                    "language": "vi", "document": {}, "revoke_reason": "", "created_at": now})
                if inst_id % 4 == 0:
                    req_rows.append((inst_id, owner, day))
            conn.execute(insert(Certificate), cert_rows)
            if req_rows:
                ids = conn.execute(insert(ServiceRequest).returning(ServiceRequest.id, sort_by_parameter_order=True), [
                    {"number": f"YC-{day.year}-{inst_id:07d}", "customer_id": owner, "requested_by_id": None,
                     "kind": "verification", "status": rng.choice(REQUEST_STATUSES), "on_site": False,
                     "site_address": "", "received_date": day, "wanted_by": day + timedelta(days=14), "notes": "",
                     "created_at": datetime(day.year, day.month, day.day, 8, tzinfo=UTC), "version_id": 1}
                    for inst_id, owner, day in req_rows]).scalars().all()
                conn.execute(insert(ServiceRequestItem), [
                    {"request_id": rid, "instrument_id": inst_id, "verification_type": "periodic"}
                    for rid, (inst_id, _o, _d) in zip(ids, req_rows, strict=True)])
            conn.commit()
            bar.update(len(cert_rows) + len(req_rows))
    bar.close()
    print(f"added {len(latest):,} certificates and {len(latest) // 4:,} service requests in "
          f"{time.perf_counter() - started:.1f} s")
    fill_search_text(engine, ("service_request", "certificate"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="SQLAlchemy URL of the database to fill")
    parser.add_argument("--instruments", type=int, default=200_000)
    parser.add_argument("--records-per-instrument", type=int, default=5)
    parser.add_argument("--businesses", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reset", action="store_true", help="empty the tables first")
    parser.add_argument("--add-work", action="store_true",
                        help="add service requests and certificates to a database seeded already")
    args = parser.parse_args()
    if args.add_work:
        add_work(args.url, args.seed)
        return
    seed(args.url, args.instruments, args.records_per_instrument, args.businesses, args.reset, args.seed)


if __name__ == "__main__":
    main()
