"""Scale-out check: two ``lims serve`` processes over one PostgreSQL database and one Redis.

``--clients`` threads (16), split across both servers, repeat a technician's and a reviewer's
work through ``/api/v1`` for ``--seconds`` (60): open a verification record of the 60 kg scale,
save its readings twice (the second save with other readings), submit it, and approve it as the
reviewer (the certificate is issued, its PDF written). Then 11 public checks of one certificate
(``/v/<token>``), alternately on the two servers, from one client address, with
``LIMS_VERIFY_RATE_LIMIT=10 per minute``.

Printed: requests per second and latency (median, p95, max) of each step, the statuses, and the
checks: no 5xx; certificate and stamp numbers unique and gap-free; every certificate approved is
there; every record holds the readings of its last save (no lost update); ``lims audit verify``
passes; the 11th public check is 429 (the limit is counted in Redis, across both processes).
Exit code 1 when a check fails.

By default the database ``lims_bench_scaleout`` on the local PostgreSQL is emptied and seeded with
the demo (``lims demo --no-serve``; the technicians ``ktv.lan`` and ``ktv.hung``, the reviewer
``soatxet.minh``). ``--setup FILE`` uses a database that already holds its data instead: a JSON
object ``{"technicians": [token, ...], "reviewer": token, "instrument_id": id, "instance_path": dir}``
(tests/web/test_scaleout.py does so). Run from the project root::

    python bench/scaleout.py [--seconds 60] [--clients 16] [--workers 2] [--threads 8]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/lims_bench_scaleout]
        [--redis-url redis://127.0.0.1:6379/10] [--setup FILE] [--json] [--no-checks]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE.parent))

from served import ROOT, Client, Server, empty_postgres, figures
from sqlalchemy import create_engine, text

BENCH_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/lims_bench_scaleout"
CHECKS = ("markings", "seals", "levelling", "zero_indicator", "condition")
RATE_LIMIT = "10 per minute"


# ---------------------------------------------------------------- set-up


def _lims(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lims.cli", *args], cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, check=False)


def demo_setup(url: str) -> dict[str, Any]:
    """Empty the database, seed the demo, make the API tokens."""
    empty_postgres(url)
    instance = tempfile.mkdtemp(prefix="lims-scaleout-")
    env = {"LIMS_DATABASE_URL": url, "LIMS_INSTANCE_PATH": instance, "LIMS_DEMO_PASSWORD": secrets.token_urlsafe(12)}
    done = _lims(env, "demo", "--no-serve")
    if done.returncode:
        raise RuntimeError(f"lims demo failed: {done.stderr}")

    def token(username: str) -> str:
        made = _lims(env, "user", "token", username)
        if made.returncode:
            raise RuntimeError(f"lims user token {username} failed: {made.stderr}")
        return made.stdout.strip().splitlines()[-1]

    engine = create_engine(url)
    with engine.connect() as conn:
        scale = conn.scalar(text("SELECT id FROM instrument WHERE serial_number = 'MT-8823911'"))
    engine.dispose()
    return {"technicians": [token("ktv.lan"), token("ktv.hung")], "reviewer": token("soatxet.minh"),
            "instrument_id": scale, "instance_path": instance}


# ---------------------------------------------------------------- the clients


def readings_for(points: list[dict[str, Any]], variant: int) -> list[dict[str, Any]]:
    """Readings of a 60 kg class III scale (e = 0.01 kg) at every point; ``variant`` changes
    the repeatability readings, so that each save is told apart."""
    out = []
    for p in points:
        n = p["nominal"] or 0.0
        if p["test"] in ("weighing", "weighing_down", "eccentricity", "zero"):
            out.append({"seq": p["seq"], "readings": [round(n, 2)], "added_load": 0.005})
        elif p["test"] == "discrimination":
            out.append({"seq": p["seq"], "readings": [round(n, 2), round(n + 0.01, 2)]})
        else:
            out.append({"seq": p["seq"], "readings": [round(n, 2), round(n + 0.01 * (variant - 1), 2), round(n, 2)]})
    return out


class Run:
    """What the clients saw, shared by their threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = {}
        self.statuses: Counter[str] = Counter()
        self.saved: dict[int, dict[int, list[float]]] = {}
        self.approved: list[int] = []
        self.errors: list[str] = []

    def note(self, step: str, status: int, seconds: float, body: Any) -> None:
        with self.lock:
            self.latency.setdefault(step, []).append(seconds)
            self.statuses[f"{step} {status}"] += 1
            if status >= 500 and len(self.errors) < 20:
                self.errors.append(f"{step}: {status} {body}")


def client(run: Run, port: int, tech: str, reviewer: str, instrument_id: int, until: float) -> None:
    techc = Client(port, {"Authorization": f"Bearer {tech}", "Accept-Language": "en"})
    revc = Client(port, {"Authorization": f"Bearer {reviewer}", "Accept-Language": "en"})
    standards: list[int] | None = None
    try:
        while time.monotonic() < until:
            status, rec, t = techc.call("POST", "/api/v1/records", {"instrument_id": instrument_id,
                                                                    "kind": "verification"})
            run.note("open", status, t, rec)
            if status != 201:
                continue
            if standards is None:
                status, choices, t = techc.call("GET", f"/api/v1/records/{rec['id']}/standards")
                run.note("standards", status, t, choices)
                standards = [c["id"] for c in choices if c["usable"]] if status == 200 else []
            for variant, humidity in ((1, 45), (2, 55)):
                points = readings_for(rec["points"], variant)
                status, body, t = techc.call("PUT", f"/api/v1/records/{rec['id']}", {
                    "version_id": rec["version_id"], "environment": {"temperature": "23.1 degC", "humidity": humidity},
                    "standards": standards, "points": points, "checks": {k: {"ok": True} for k in CHECKS}})
                run.note("save", status, t, body)
                if status != 200:
                    break
                rec = body
                with run.lock:
                    run.saved[rec["id"]] = {p["seq"]: p["readings"] for p in points}
            else:
                status, body, t = techc.call("POST", f"/api/v1/records/{rec['id']}/submit",
                                             {"version_id": rec["version_id"]})
                run.note("submit", status, t, body)
                if status != 200:
                    continue
                status, body, t = revc.call("POST", f"/api/v1/records/{rec['id']}/approve",
                                            {"version_id": body["version_id"]})
                run.note("approve", status, t, body)
                if status == 200:
                    with run.lock:
                        run.approved.append(rec["id"])
    except Exception as exc:  # noqa: BLE001 - reported: a client that stops is a failure
        with run.lock:
            run.errors.append(f"client on port {port}: {type(exc).__name__}: {exc}")
    finally:
        techc.close()
        revc.close()


def public_checks(ports: list[int], reviewer: str) -> list[int]:
    """11 checks of one certificate, alternately on each server, from one (forwarded) address."""
    status, listing, _ = Client(ports[0], {"Authorization": f"Bearer {reviewer}"}).call("GET", "/api/v1/certificates")
    if status != 200 or not listing["items"]:
        return [status]
    path = urlsplit(listing["items"][0]["verify_url"]).path
    address = f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
    headers = {"X-Forwarded-For": address, "Accept": "application/json"}
    return [Client(ports[i % 2]).call("GET", path, headers=headers)[0] for i in range(11)]


# ---------------------------------------------------------------- the checks


def _contiguous(numbers: list[str]) -> bool:
    """Numbers ``<prefix>-<seq>``: unique, and each prefix's sequence numbers run 1, 2, 3 … without a gap."""
    groups: dict[str, list[int]] = {}
    for number in numbers:
        prefix, _, seq = number.rpartition("-")
        groups.setdefault(prefix, []).append(int(seq))
    return len(set(numbers)) == len(numbers) and all(sorted(s) == list(range(1, len(s) + 1)) for s in groups.values())


def check(url: str, instance: str, run: Run, rate_limit: list[int]) -> dict[str, bool]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT number, stamp_number, record_id FROM certificate")).all()
        # A correction keeps the stamp of the certificate it supersedes: stamps are counted once each.
        stamps = list(conn.scalars(text("SELECT stamp_number FROM certificate WHERE stamp_number IS NOT NULL "
                                        "AND supersedes_id IS NULL")))
        stored = {(r, s): readings for r, s, readings in conn.execute(text(
            "SELECT record_id, seq, readings FROM record_point WHERE readings IS NOT NULL"))}
    engine.dispose()
    certified = {r for _, _, r in rows}
    lost = [(rec, seq) for rec, points in run.saved.items() for seq, readings in points.items()
            if stored.get((rec, seq)) != readings]
    audit = _lims({"LIMS_DATABASE_URL": url, "LIMS_INSTANCE_PATH": instance}, "audit", "verify")
    return {
        "no 5xx": not any(int(k.rsplit(" ", 1)[1]) >= 500 for k in run.statuses) and not run.errors,
        "certificate numbers unique and gap-free": _contiguous([n for n, _, _ in rows]),
        "stamp numbers unique and gap-free": _contiguous(stamps),
        "every approval issued its certificate": set(run.approved) <= certified,
        "no lost update (last saved readings kept)": not lost,
        "lims audit verify passes": audit.returncode == 0,
        "11th public check is 429 across both servers": rate_limit == [200] * 10 + [429],
    }


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of each lims serve")
    parser.add_argument("--threads", type=int, default=8, help="threads of each worker")
    parser.add_argument("--database-url", default=BENCH_DATABASE)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/10")
    parser.add_argument("--setup", type=Path, help="JSON: technicians, reviewer, instrument_id, instance_path")
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
    parser.add_argument("--no-checks", action="store_true", help="only the load and its figures (a caller checks)")
    args = parser.parse_args()

    setup = json.loads(args.setup.read_text()) if args.setup else demo_setup(args.database_url)
    env = {"LIMS_DATABASE_URL": args.database_url, "LIMS_INSTANCE_PATH": setup["instance_path"],
           "LIMS_SECRET_KEY": "scale-out-check", "LIMS_RATELIMIT_STORAGE_URL": args.redis_url,
           "LIMS_VERIFY_RATE_LIMIT": RATE_LIMIT, "LIMS_TRUSTED_PROXIES": "1"}
    servers = [Server(env, "--workers", str(args.workers), "--threads", str(args.threads)) for _ in range(2)]
    run = Run()
    begun = time.monotonic()
    try:
        for server in servers:
            server.wait()
        boot = time.monotonic() - begun
        ports = [s.port for s in servers]
        until = time.monotonic() + args.seconds
        started = time.monotonic()
        threads = [threading.Thread(target=client, args=(run, ports[i % 2], setup["technicians"][
            i % len(setup["technicians"])], setup["reviewer"], setup["instrument_id"], until))
            for i in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        rate_limit = public_checks(ports, setup["reviewer"])
    finally:
        logs = [server.stop() for server in servers]
    checks = {} if args.no_checks else check(args.database_url, setup["instance_path"], run, rate_limit)
    requests = sum(run.statuses.values())
    outcome = {
        "seconds": round(elapsed, 1), "boot_seconds": round(boot, 1),
        "total_seconds": round(time.monotonic() - begun, 1), "clients": args.clients, "requests": requests,
        "requests_per_second": round(requests / elapsed, 1), "records_approved": len(run.approved),
        "latency": {step: figures(v) for step, v in run.latency.items()},
        "statuses": dict(sorted(run.statuses.items())), "rate_limit": rate_limit, "checks": checks,
        "errors": run.errors, "saved": {str(k): {str(s): r for s, r in v.items()} for k, v in run.saved.items()},
        "approved": run.approved,
        "server_tracebacks": sum(log.count("Traceback") for log in logs),
    }
    if args.json:
        print(json.dumps(outcome))
    else:
        print(f"== Two lims serve ({args.workers} workers x {args.threads} threads each) over one PostgreSQL "
              f"and one Redis; {args.clients} clients for {elapsed:.0f} s ==")
        print(f"requests: {requests} ({outcome['requests_per_second']}/s); records approved: {len(run.approved)}; "
              f"tracebacks in the servers' logs: {outcome['server_tracebacks']}")
        for step, f in outcome["latency"].items():
            print(f"  {step:<10} n={f['n']:<5} median {f['median_ms']:>7.1f} ms  p95 {f['p95_ms']:>7.1f} ms  "
                  f"max {f['max_ms']:>7.1f} ms")
        print("statuses: " + ", ".join(f"{k}: {v}" for k, v in outcome["statuses"].items()))
        print(f"public checks, alternating servers: {rate_limit}")
        for name, ok in checks.items():
            print(f"  [{'ok' if ok else 'FAILED'}] {name}")
        for error in run.errors:
            print(f"  error: {error}")
    sys.exit(0 if all(checks.values()) else 1)


if __name__ == "__main__":
    main()
