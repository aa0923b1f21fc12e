"""Batch rendering beside the app: a client's latency with and without ``render --all-missing``.

One ``lims serve`` (its defaults: two workers per core, at most 4, of 8 threads) over PostgreSQL.
``--certificates`` N (200) certificates are made to miss their files (copies of an issued one,
without PDF or DCC). A client — a technician through ``/api/v1`` — opens a draft record and saves
its readings, again and again: first for ``--seconds`` (20) alone, then while
``lims certificates render --all-missing`` draws the N PDFs and N DCCs beside it (one process per
core). Printed: the render's duration, and the client's latency (median, p95, max) for opening
(``GET /api/v1/records/<id>``) and saving (``PUT``) in both phases.

By default the database ``lims_bench_render`` on the local PostgreSQL is emptied and seeded with
the demo; ``--setup FILE`` uses a database that already holds a lab (the JSON of
``bench/scaleout.py``: ``technicians``, ``reviewer``, ``instrument_id``, ``instance_path``; a
certificate is issued through the API when none has its PDF yet). Run from the project root::

    python bench/render_beside.py [--certificates 200] [--seconds 20] [--workers W] [--threads T]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/lims_bench_render] [--setup FILE] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE.parent))

from scaleout import CHECKS, demo_setup, readings_for
from served import ROOT, Client, Server, figures
from sqlalchemy import create_engine, insert, select

from lims.models import Certificate

BENCH_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/lims_bench_render"


def _save_body(rec: dict[str, Any], standards: list[int], variant: int) -> dict[str, Any]:
    return {"version_id": rec["version_id"], "environment": {"temperature": "23.1 degC", "humidity": 45 + variant},
            "standards": standards, "points": readings_for(rec["points"], variant),
            "checks": {k: {"ok": True} for k in CHECKS}}


def draft_record(tech: Client, instrument_id: int) -> tuple[dict[str, Any], list[int]]:
    status, rec, _ = tech.call("POST", "/api/v1/records", {"instrument_id": instrument_id, "kind": "verification"})
    if status != 201:
        raise RuntimeError(f"opening a record: {status} {rec}")
    status, choices, _ = tech.call("GET", f"/api/v1/records/{rec['id']}/standards")
    return rec, [c["id"] for c in choices if c["usable"]]


def issue_one(tech: Client, reviewer: Client, instrument_id: int) -> None:
    """A certificate through the API: open, save, submit, approve."""
    rec, standards = draft_record(tech, instrument_id)
    status, rec, _ = tech.call("PUT", f"/api/v1/records/{rec['id']}", _save_body(rec, standards, 1))
    status, rec, _ = tech.call("POST", f"/api/v1/records/{rec['id']}/submit", {"version_id": rec["version_id"]})
    status, body, _ = reviewer.call("POST", f"/api/v1/records/{rec['id']}/approve", {"version_id": rec["version_id"]})
    if status != 200:
        raise RuntimeError(f"approving a record: {status} {body}")


def make_missing(url: str, count: int) -> list[int]:
    """``count`` copies of the first certificate that has its PDF, without PDF or DCC file."""
    engine = create_engine(url)
    table = Certificate.__table__
    with engine.begin() as conn:
        template = conn.execute(select(table).where(table.c.pdf_path.is_not(None))
                                .order_by(table.c.id)).mappings().first()
        if template is None:
            raise RuntimeError("no certificate with its PDF to copy")
        top = conn.scalar(select(table.c.id).order_by(table.c.id.desc()).limit(1)) or 0
        rows = []
        for i in range(1, count + 1):
            row = {k: v for k, v in template.items() if k != "id"}
            row.update(number=f"{template['year']}-BENCH-{top + i:07d}", seq=1_000_000 + top + i, stamp_number=None,
                       pdf_path=None, dcc_path=None, dcc_sha256=None, supersedes_id=None)
            rows.append(row)
        conn.execute(insert(table), rows)
        ids = list(conn.scalars(select(table.c.id).where(table.c.pdf_path.is_(None)).order_by(table.c.id)))
    engine.dispose()
    return ids


def client_phase(tech: Client, rec: dict[str, Any], standards: list[int], until: Any) -> tuple[dict[str, list[float]],
                                                                                               list[int]]:
    """Open the record and save it, again and again, until ``until()`` is true (once at least)."""
    latency: dict[str, list[float]] = {"open": [], "save": []}
    statuses: list[int] = []
    variant = 1
    while not (latency["open"] and until()):
        status, body, t = tech.call("GET", f"/api/v1/records/{rec['id']}")
        latency["open"].append(t)
        statuses.append(status)
        if status == 200:
            rec = body
        variant = 3 - variant
        status, body, t = tech.call("PUT", f"/api/v1/records/{rec['id']}", _save_body(rec, standards, variant))
        latency["save"].append(t)
        statuses.append(status)
    return latency, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--certificates", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20.0, help="the client alone, before the render")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (lims serve's default)")
    parser.add_argument("--threads", type=int, default=None, help="threads per worker (lims serve's default)")
    parser.add_argument("--database-url", default=BENCH_DATABASE)
    parser.add_argument("--setup", type=Path, help="JSON: technicians, reviewer, instrument_id, instance_path")
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
    args = parser.parse_args()

    setup = json.loads(args.setup.read_text()) if args.setup else demo_setup(args.database_url)
    env = {"LIMS_DATABASE_URL": args.database_url, "LIMS_INSTANCE_PATH": setup["instance_path"],
           "LIMS_SECRET_KEY": "render-beside"}
    serve_args = [*(["--workers", str(args.workers)] if args.workers else []),
                  *(["--threads", str(args.threads)] if args.threads else [])]
    server = Server(env, *serve_args)
    try:
        server.wait()
        tech = Client(server.port, {"Authorization": f"Bearer {setup['technicians'][0]}", "Accept-Language": "en"})
        reviewer = Client(server.port, {"Authorization": f"Bearer {setup['reviewer']}"})
        engine = create_engine(args.database_url)
        with engine.connect() as conn:
            has_pdf = conn.scalar(select(Certificate.id).where(Certificate.pdf_path.is_not(None)).limit(1))
        engine.dispose()
        if has_pdf is None:
            issue_one(tech, reviewer, setup["instrument_id"])
        missing = make_missing(args.database_url, args.certificates)
        rec, standards = draft_record(tech, setup["instrument_id"])

        deadline = time.monotonic() + args.seconds
        alone, alone_statuses = client_phase(tech, rec, standards, lambda: time.monotonic() > deadline)

        started = time.monotonic()
        render = subprocess.Popen([sys.executable, "-m", "lims.cli", "certificates", "render", "--all-missing"],
                                  cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
        beside, beside_statuses = client_phase(tech, rec, standards, lambda: render.poll() is not None)
        render_seconds = time.monotonic() - started
        render_out, render_err = render.communicate()
        tech.close()
        reviewer.close()
    finally:
        server.stop()
    outcome = {
        "certificates": len(missing), "render_seconds": round(render_seconds, 1), "render_exit": render.returncode,
        "render_output": render_out.strip().splitlines()[-4:], "render_errors": render_err.strip()[-2000:],
        "alone": {step: figures(v) for step, v in alone.items()},
        "beside": {step: figures(v) for step, v in beside.items()},
        "statuses": sorted(set(alone_statuses + beside_statuses)), "missing_ids": missing,
    }
    if args.json:
        print(json.dumps(outcome))
        return
    print(f"== A client opening and saving a record, alone and beside `render --all-missing` of "
          f"{len(missing)} certificates (PDF and DCC) ==")
    print(f"render: {render_seconds:.1f} s, exit code {render.returncode}; statuses seen: {outcome['statuses']}")
    for phase in ("alone", "beside"):
        for step, f in outcome[phase].items():
            print(f"  {phase:<7}{step:<5} n={f['n']:<5} median {f['median_ms']:>7.1f} ms  p95 {f['p95_ms']:>7.1f} ms  "
                  f"max {f['max_ms']:>7.1f} ms")


if __name__ == "__main__":
    main()
