"""Slow clients: ``/api/v1/health`` while connections hold half-sent requests open.

``lims serve --workers 2 --threads 2`` (its worker reads request heads before a thread is busy)
against gunicorn's ``sync`` worker (what ``lims serve`` ran before), both with 2 workers over
the same SQLite database. For each count of half-sent requests (``--slow``: 0, 8, 64, 256), the
connections are opened, each sends half a request and then nothing, and ``--requests`` (20)
health checks follow one after another, each waiting at most 5 s (after 3 without an answer the
rest are counted unanswered). Printed per server and count:
how many answered and their latency (median, p95, max). Run from the project root::

    python bench/slow_clients.py [--slow 0,8,64,256] [--requests 20]
"""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE.parent))

from served import ROOT, Client, Server, figures, free_port

HALF_A_REQUEST = b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow"


class SyncGunicorn(Server):
    """gunicorn's sync worker serving the same app, as ``lims serve`` did before."""

    def __init__(self, env: dict[str, str]) -> None:  # noqa: D107 - same life as Server
        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-k", "sync", "-w", "2", "--graceful-timeout",
                                      "5", "-b", f"127.0.0.1:{self.port}", "lims.app:create_app()"],
                                     cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)


def measure(port: int, slow: int, requests: int) -> tuple[int, dict[str, float]]:
    held = []
    try:
        for _ in range(slow):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(HALF_A_REQUEST)
            held.append(sock)
        time.sleep(0.5)
        answered, latency, missed = 0, [], 0
        for _ in range(requests):
            client = Client(port, timeout=5)
            start = time.perf_counter()
            try:
                if client.call("GET", "/api/v1/health")[0] == 200:
                    answered += 1
                    latency.append(time.perf_counter() - start)
            except OSError:  # no answer within 5 s
                missed += 1
                if missed == 3:  # the rest would wait the same: counted unanswered
                    break
            finally:
                client.close()
        return answered, figures(latency)
    finally:
        for sock in held:
            sock.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slow", default="0,8,64,256", help="counts of half-sent requests, comma separated")
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    counts = [int(n) for n in args.slow.split(",")]
    instance = tempfile.mkdtemp(prefix="lims-slow-clients-")
    env = {"LIMS_INSTANCE_PATH": instance, "LIMS_DATABASE_URL": f"sqlite:///{instance}/lims.sqlite3",
           "LIMS_SECRET_KEY": "slow-clients"}
    subprocess.run([sys.executable, "-m", "lims.cli", "db", "upgrade"], cwd=ROOT, env={**os.environ, **env},
                   check=True, capture_output=True)
    print(f"== /api/v1/health, {args.requests} requests one after another (5 s client timeout), "
          "while N connections hold half a request ==")
    for name, server in (("lims serve (2 workers x 2 threads)", Server(env, "--workers", "2", "--threads", "2")),
                         ("gunicorn sync (2 workers)", SyncGunicorn(env))):
        try:
            server.wait()
            for slow in counts:
                answered, f = measure(server.port, slow, args.requests)
                time.sleep(0.5)
                shown = (f"median {f['median_ms']:>7.1f} ms  p95 {f['p95_ms']:>7.1f} ms  max {f['max_ms']:>7.1f} ms"
                         if f["n"] else "no answer within 5 s")
                print(f"  {name:<36} N={slow:<4} answered {answered:>3}/{args.requests}  {shown}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
