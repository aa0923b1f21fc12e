"""Slow clients cannot starve ``lims serve`` (docs/reliability.md, "Slow clients").

The server is started for real (``python -m lims.cli serve``: gunicorn, the worker of
:mod:`lims.commands.gworker`) on a free port, over the test database.
"""
from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from lims import i18n

ROOT = Path(__file__).resolve().parents[2]
HALF_A_REQUEST = b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str, timeout: float) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code


@contextmanager
def served(database_url: str, instance_dir: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """``lims serve`` on a free port until the block ends; its base URL, once it answers."""
    port = free_port()
    environ = {**os.environ, "LIMS_DATABASE_URL": database_url, "LIMS_INSTANCE_PATH": str(instance_dir),
               "LIMS_SECRET_KEY": "test-secret-key", "PYTHONUNBUFFERED": "1", **(env or {})}
    proc = subprocess.Popen([sys.executable, "-m", "lims.cli", "serve", "--port", str(port), *args],
                            cwd=ROOT, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:  # the workers import the app: wait until one answers
            if proc.poll() is not None:
                raise AssertionError(f"lims serve exited: {proc.stderr.read().decode() if proc.stderr else ''}")
            try:
                if get(f"{base}/api/v1/health", timeout=10) == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("lims serve did not answer within 120 s")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


@pytest.mark.slow
def test_half_sent_requests_do_not_make_the_server_unreachable(database_url, instance_dir):
    """8 connections each send half a request and then nothing; the health check still answers.

    2 workers of 2 threads: fewer threads than half-sent requests, so what keeps the server
    reachable is that a head is read whole before a thread is given to it. Run with gunicorn's
    ``sync`` worker (the worker ``lims serve`` used before) this test fails: the health check
    times out after 5 s (each worker waits for the rest of a half-sent request; gunicorn kills
    it only after its 30 s timeout). With plain ``gthread`` and 2 threads it fails the same way.
    """
    with served(database_url, instance_dir, "--workers", "2", "--threads", "2") as base:
        port = int(base.rsplit(":", 1)[1])
        slow = []
        try:
            for _ in range(8):
                sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                sock.sendall(HALF_A_REQUEST)
                slow.append(sock)
            time.sleep(1)  # every half-sent request accepted and waiting
            statuses = [get(f"{base}/api/v1/health", timeout=5) for _ in range(4)]
            assert statuses == [200, 200, 200, 200]
            # The half-sent requests are still open, unanswered (they are dropped after 10 s).
            for sock in slow:
                sock.setblocking(False)
                with pytest.raises(BlockingIOError):
                    sock.recv(1)
            # A head that arrives in pieces is served once complete, and a kept-alive connection's
            # next request goes the same way.
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                for piece in (HALF_A_REQUEST, b"\r\nAccept: application/json", b"\r\n\r\n"):
                    sock.sendall(piece)
                    time.sleep(0.3)
                assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")
            kept = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                for _ in range(2):
                    kept.request("GET", "/api/v1/health")
                    resp = kept.getresponse()
                    assert resp.status == 200 and json.loads(resp.read())["status"] == "ok"
            finally:
                kept.close()
        finally:
            for sock in slow:
                sock.close()


def test_a_request_leaves_its_language_to_no_later_request_of_the_same_thread(client):
    """A thread serves request after request: the language one chose is forgotten at its end."""
    assert client.get("/login?lang=en").status_code == 200
    assert i18n._language.get() is None
