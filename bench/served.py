"""What the benchmarks of a served app share: ``lims serve`` started for real, and an HTTP client.

Imported by ``bench/scaleout.py`` and ``bench/render_beside.py`` (run as scripts, this folder is
first on ``sys.path``).
"""
from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``lims serve --port <free port> <args>`` with ``env`` added to the environment."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, "-m", "lims.cli", "serve", "--port", str(self.port), *args],
                                     cwd=ROOT, env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def wait(self, seconds: float = 120.0) -> None:
        """Until ``/api/v1/health`` answers 200."""
        deadline = time.monotonic() + seconds
        while True:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"lims serve exited: {err}")
            try:
                if Client(self.port, timeout=10).call("GET", "/api/v1/health")[0] == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"lims serve on port {self.port} did not answer within {seconds:.0f} s")
            time.sleep(0.2)

    def stop(self) -> str:
        """Stop it (SIGTERM, gunicorn's graceful stop); what it wrote to stderr."""
        self.proc.terminate()
        try:
            _, err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        return err.decode(errors="replace") if err else ""


class Client:
    """One kept-alive HTTP connection to 127.0.0.1:<port> (one per client thread)."""

    def __init__(self, port: int, headers: dict[str, str] | None = None, timeout: float = 60.0) -> None:
        self.port, self.headers, self.timeout = port, dict(headers or {}), timeout
        self.conn: http.client.HTTPConnection | None = None

    def call(self, method: str, path: str, body: Any = None,
             headers: dict[str, str] | None = None) -> tuple[int, Any, float]:
        """(status, JSON body or None, seconds) of one request; a connection the server closed
        while idle (keep-alive timeout) is opened again once."""
        data = json.dumps(body).encode() if body is not None else None
        sent = {**self.headers, **(headers or {}), **({"Content-Type": "application/json"} if data else {})}
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            start = time.perf_counter()
            try:
                self.conn.request(method, path, body=data, headers=sent)
                resp = self.conn.getresponse()
                raw = resp.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise
                continue
            elapsed = time.perf_counter() - start
            if resp.getheader("Connection", "").lower() == "close":
                self.close()
            try:
                parsed = json.loads(raw) if raw and "json" in (resp.getheader("Content-Type") or "") else None
            except ValueError:
                parsed = None
            return resp.status, parsed, elapsed
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def empty_postgres(url: str) -> None:
    """Create the PostgreSQL database of ``url`` when missing, then empty its public schema."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    server = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}).first():
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    server.dispose()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def figures(seconds: list[float]) -> dict[str, float]:
    """Median, 95th percentile and maximum, in milliseconds."""
    if not seconds:
        return {"n": 0, "median_ms": 0.0, "p95_ms": 0.0, "max_ms": 0.0}
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"n": len(ordered), "median_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(p95 * 1000, 1), "max_ms": round(ordered[-1] * 1000, 1)}
