"""Scale-out: two ``lims serve`` processes over one PostgreSQL database and one Redis
(docs/reliability.md, "Scale-out").

``bench/scaleout.py`` drives the load (16 client threads across both servers for 10 s here; the
full minute when run as a benchmark); this test seeds the lab, runs it, and checks the database
itself afterwards.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from lims.models import Certificate, Record, RecordPoint

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/10"


def _redis_answers() -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", 6379)) == 0


def _numbers_run_from_one(numbers: list[str]) -> bool:
    groups: dict[str, list[int]] = {}
    for number in numbers:
        prefix, _, seq = number.rpartition("-")
        groups.setdefault(prefix, []).append(int(seq))
    return len(set(numbers)) == len(numbers) and all(sorted(s) == list(range(1, len(s) + 1)) for s in groups.values())


@pytest.mark.slow
@pytest.mark.committed  # two server processes read and write the data
@pytest.mark.skipif(not (os.environ.get("LIMS_TEST_DATABASE_URL") or "").startswith("postgresql"),
                    reason="scale-out means several processes over one PostgreSQL: set LIMS_TEST_DATABASE_URL")
@pytest.mark.skipif(not _redis_answers(), reason="needs the Redis at 127.0.0.1:6379 (shared rate limits)")
def test_two_servers_over_one_database_and_one_redis(db, lab, token_for, database_url, instance_dir, tmp_path):
    setup = {"technicians": [token_for(lab.tech)["Authorization"].split()[1],
                             token_for(lab.tech2)["Authorization"].split()[1]],
             "reviewer": token_for(lab.reviewer)["Authorization"].split()[1],
             "instrument_id": lab.instruments["scale"].id, "instance_path": str(instance_dir)}
    (tmp_path / "setup.json").write_text(json.dumps(setup))
    done = subprocess.run([sys.executable, "bench/scaleout.py", "--seconds", "10", "--clients", "16",
                           "--workers", "1", "--threads", "8", "--database-url", database_url,
                           "--redis-url", REDIS_URL, "--setup", str(tmp_path / "setup.json"), "--json", "--no-checks"],
                          cwd=ROOT, capture_output=True, text=True, timeout=240)
    out = json.loads(done.stdout.strip().splitlines()[-1])

    # No 5xx, no client stopped by an error, no traceback in either server's log.
    assert not [k for k in out["statuses"] if int(k.rsplit(" ", 1)[1]) >= 500], out["statuses"]
    assert out["errors"] == [] and out["server_tracebacks"] == 0
    assert len(out["approved"]) >= 16, out["statuses"]  # work was done on both servers' threads

    db.expire_all()
    certificates = db.scalars(select(Certificate)).all()
    # Unique and gap-free numbers, one certificate per approved record.
    assert _numbers_run_from_one([c.number for c in certificates])
    assert _numbers_run_from_one([c.stamp_number for c in certificates if c.stamp_number])
    assert sorted(c.record_id for c in certificates) == sorted(out["approved"])
    approved = db.scalars(select(Record.id).where(Record.status == "approved")).all()
    assert sorted(approved) == sorted(out["approved"])
    # No lost update: each record holds the readings of its last successful save.
    stored = {(p.record_id, p.seq): p.readings for p in db.scalars(select(RecordPoint))}
    assert out["saved"] and all(stored[(int(rec), int(seq))] == readings
                                for rec, points in out["saved"].items() for seq, readings in points.items())
    # The audit chain verifies.
    audit = subprocess.run([sys.executable, "-m", "lims.cli", "audit", "verify"], cwd=ROOT, capture_output=True,
                           text=True, env={**os.environ, "LIMS_DATABASE_URL": database_url,
                                           "LIMS_INSTANCE_PATH": str(instance_dir)})
    assert audit.returncode == 0, audit.stdout + audit.stderr
    # LIMS_VERIFY_RATE_LIMIT=10 per minute, counted in Redis: checks alternating between the two
    # servers, the 11th is refused.
    assert out["rate_limit"] == [200] * 10 + [429]
    assert done.returncode == 0
