"""One lock order for the audit chain and the number sequences (docs/reliability.md, "Lock order").

Amending a certificate and approving a record both append audit events and take certificate
numbers. Each worker here is a thread with an engine and session of its own, as gunicorn workers
are; on PostgreSQL (``LIMS_TEST_DATABASE_URL``) their connections take real row and advisory
locks, on SQLite the database write lock serialises them.
"""
from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from certificates.keystore import KeyStore
from lims.db import make_engine, make_session_factory
from lims.models import Certificate, NumberSequence, RecordStatus, User
from lims.services import audit, workflow
from lims.services import certificates as certs
from lims.services.certificates.context import use_context
from lims.services.demo_certificates import sample_lab
from lims.services.demo_sample import approved_record, scale_points

PAIRS = 8
ISSUE = date(2026, 6, 1)
TIME_LIMIT = 60.0  # seconds for the whole burst; it takes a few


def _engine(url: str):
    """An engine of the worker's own; on PostgreSQL a lock wait longer than 20 s is an error,
    so that a lock cycle the database cannot see (an advisory lock) fails instead of hanging."""
    if url.startswith("postgresql"):
        return make_engine(url, connect_args={"options": "-c lock_timeout=20000"})
    return make_engine(url)


def _worker(url: str, ctx, barrier, reviewer_id: int, job: tuple[str, int, int], errors: list[str]) -> None:
    kind, target, version = job
    engine = _engine(url)
    factory = make_session_factory(engine)
    try:
        with use_context(ctx), factory() as session:
            barrier.wait(timeout=30)
            actor = session.get(User, reviewer_id)
            if kind == "amend":
                certs.amend_certificate(session, actor, target, certs.AmendCertificate(
                    reason="Sửa tên cơ sở sử dụng"), issue_date=ISSUE, context=ctx)
            else:
                workflow.approve_record(session, actor, target, workflow.Version(version_id=version))
            session.commit()
            certs.write_pending(session)
    except Exception as exc:  # noqa: BLE001 - every failure is reported and fails the test
        errors.append(f"{kind} {target}: {type(exc).__name__}: {exc}")
    finally:
        engine.dispose()


@pytest.mark.committed  # the workers have engines and connections of their own
def test_amends_and_approvals_at_once_neither_deadlock_nor_fail(db, database_url, tmp_path):
    """Issue 11, finding 2 (deadlock on PostgreSQL): 8 amends and 8 approvals at once.

    Amend took the ``number_sequence`` row lock before the audit chain's advisory lock, approve
    the other way round: 7-8 of 16 failed with ``DeadlockDetected``. Now every one succeeds and
    the certificate numbers stay unique and gap-free.
    """
    lab = sample_lab(db)
    lab.work_date = ISSUE - timedelta(days=1)
    ctx = certs.CertificateContext(instance_path=tmp_path, base_url="https://lims.tdc.gov.vn",
                                   keystore=KeyStore.in_directory(tmp_path / "keys"))
    issued = [certs.issue_for_record(db, lab.reviewer, lab.scale_record(db), issue_date=ISSUE, context=ctx)
              for _ in range(PAIRS)]
    submitted = []
    for _ in range(PAIRS):
        rec = approved_record(db, instrument=lab.scale, procedure=lab.scale_procedure, technician=lab.technician,
                              reviewer=lab.reviewer, points=scale_points(lab.scale, (0, 0, 1, 1)),
                              standards=[lab.weights], kind="verification", work_date=lab.work_date,
                              status=RecordStatus.submitted.value)
        rec.results = {**rec.results, "complete": True}
        submitted.append(rec)
    db.flush()
    jobs = [("amend", c.id, 0) for c in issued] + [("approve", r.id, r.version_id) for r in submitted]
    db.commit()

    errors: list[str] = []
    barrier = threading.Barrier(len(jobs))
    threads = [threading.Thread(target=_worker, args=(database_url, ctx, barrier, lab.reviewer.id, job, errors))
               for job in jobs]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(1.0, TIME_LIMIT - (time.monotonic() - started)))
    assert [t for t in threads if t.is_alive()] == [], "the burst did not finish in time"
    assert errors == []

    db.expire_all()
    rows = db.scalars(select(Certificate).order_by(Certificate.seq)).all()
    n = 3 * PAIRS  # issued first, then an amendment of each and a certificate of each approval
    assert [c.seq for c in rows] == list(range(1, n + 1))  # unique and gap-free
    assert len({c.number for c in rows}) == n
    assert db.scalar(select(NumberSequence.last_value).where(
        NumberSequence.name == "certificate:verification")) == n
    stamps = sorted(c.stamp_number for c in rows if c.supersedes_id is None)  # an amendment keeps its stamp
    assert stamps == [f"T26-{i:07d}" for i in range(1, 2 * PAIRS + 1)]
    assert sum(c.status == "superseded" for c in rows) == PAIRS
    assert audit.verify_chain(db).ok
