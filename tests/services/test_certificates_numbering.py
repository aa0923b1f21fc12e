"""Certificate numbers stay unique and gap-free when several processes issue at once.

Each worker is a separate operating-system process (as gunicorn workers or app hosts are),
with its own engine and connections, issuing certificates for its own approved records. On
PostgreSQL (``LIMS_TEST_DATABASE_URL``) the counter row lock of ``next_value`` serialises
them; on SQLite the database write lock does. Some issues are rolled back after they took a
number, as a failed approval would be: the number must come back, leaving no gap.
"""
from __future__ import annotations

import multiprocessing
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from certificates.hashing import sha256_file
from certificates.keystore import KeyStore
from lims.models import Certificate, NumberSequence
from lims.services.demo_certificates import sample_lab

WORKERS = 4
PER_WORKER = 4
ISSUE = date(2026, 6, 1)


def _issue_many(url: str, instance: str, record_ids: list[int], barrier, results) -> None:
    from pathlib import Path

    from lims.db import make_engine, make_session_factory
    from lims.models import Record
    from lims.services import certificates as certs
    from lims.services.policy import SYSTEM

    ctx = certs.CertificateContext(instance_path=Path(instance), base_url="https://lims.tdc.gov.vn",
                                   keystore=KeyStore.in_directory(Path(instance) / "keys"))
    engine = make_engine(url)
    factory = make_session_factory(engine)
    got = []
    try:
        barrier.wait(timeout=120)
        for n, record_id in enumerate(record_ids):
            if n % 2 == 0:  # an approval that fails after the number was taken: rolled back
                with factory() as session:
                    certs.issue_for_record(session, SYSTEM, session.get(Record, record_id), issue_date=ISSUE,
                                           context=ctx)
                    session.rollback()
            with factory() as session:
                cert = certs.issue_for_record(session, SYSTEM, session.get(Record, record_id), issue_date=ISSUE,
                                              context=ctx)
                session.commit()
                certs.write_pending(session)
                got.append((cert.number, cert.seq))
        results.put(("ok", got))
    except Exception as exc:  # reported to the parent, which fails the test with it
        results.put(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        engine.dispose()


@pytest.mark.committed  # the workers are processes with engines of their own
def test_concurrent_issuance_from_several_processes_is_unique_and_gap_free(db, database_url, tmp_path):
    lab = sample_lab(db)
    lab.work_date = ISSUE - timedelta(days=1)
    ids = [lab.scale_record(db, (0, 0, n % 2, 1)).id for n in range(WORKERS * PER_WORKER)]
    db.commit()
    KeyStore.in_directory(tmp_path / "keys").current_signing_key()  # created once, before the workers start

    spawn = multiprocessing.get_context("spawn")  # fresh interpreters: nothing shared with this process
    barrier = spawn.Barrier(WORKERS)
    results = spawn.Queue()
    procs = [spawn.Process(target=_issue_many, args=(database_url, str(tmp_path), ids[w::WORKERS], barrier, results))
             for w in range(WORKERS)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert [o for o in outcomes if o[0] != "ok"] == []
    issued = [item for _, got in outcomes for item in got]

    n = WORKERS * PER_WORKER
    assert len(issued) == n
    assert sorted(seq for _, seq in issued) == list(range(1, n + 1))  # unique and gap-free
    assert sorted(number for number, _ in issued) == [f"2026-KD-{i:06d}" for i in range(1, n + 1)]
    db.expire_all()
    rows = db.scalars(select(Certificate).order_by(Certificate.seq)).all()
    assert [c.seq for c in rows] == list(range(1, n + 1))
    assert db.scalar(select(NumberSequence.last_value).where(NumberSequence.name == "certificate:verification")) == n
    stamps = [c.stamp_number for c in rows]
    assert sorted(stamps) == [f"T26-{i:07d}" for i in range(1, n + 1)]  # the stamp register too
    for cert in rows:
        assert sha256_file(tmp_path / cert.pdf_path) == cert.pdf_sha256
