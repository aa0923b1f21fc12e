"""schemathesis against the served API: every operation of the OpenAPI document, a bounded number
of generated requests each (derandomized), with an admin's token, a business user's and a
technician's, checking that no answer is a server error and that each answer's status, content
type, headers and body are the ones the document declares — every status one the operation lists
itself, not only its ``default`` (which stays in the served document for the errors no request of
a client should meet: a 500, a 405).

The app is served for real — ``lims serve`` (gunicorn, four workers) on a free port — over a
database of the test's own filled by ``lims demo --no-serve``, with tokens made by the service of ``lims user
token``: the generated requests change its data, so it is neither the test run's database nor kept.
On PostgreSQL that database is ``<test database>_api_fuzz`` on the same server; on SQLite a file
in the test's folder. It runs on both, like every test (about 40 s each on two idle cores).
"""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import TEST_DB_URL

pytestmark = pytest.mark.slow

CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
          "response_headers_conformance")
MAX_EXAMPLES = 15
PHASES = "examples,fuzzing"
#: The demo's admin (every operation open to it but a technician's own work on records), a business
#: user (its own instruments, requests and certificates; 403 elsewhere) and a technician (records:
#: open, save, capture, submit).
USERS = ("admin", "dn.huunghi", "ktv.lan")


def _own_database(tmp_path: Path) -> str:
    """An empty database for this test alone (see the module's docstring)."""
    if not TEST_DB_URL:
        return f"sqlite:///{tmp_path / 'api-fuzz.sqlite3'}"
    parsed = make_url(TEST_DB_URL)
    name = f"{parsed.database}_api_fuzz"
    server = create_engine(TEST_DB_URL, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        server.dispose()
    url = parsed.set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:  # whatever an earlier run left
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    return url


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _lims(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "lims.cli", *args], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _tokens(url: str, usernames: tuple[str, ...]) -> dict[str, str]:
    """A new API token of each user (the service ``lims user token`` calls)."""
    from lims.db import make_engine, make_session_factory, session_scope
    from lims.services.policy import SYSTEM
    from lims.services.users import create_api_token, get_user

    engine = make_engine(url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            return {name: create_api_token(session, SYSTEM, get_user(session, name), label="api-fuzz")
                    for name in usernames}
    finally:
        engine.dispose()


def _wait_until_served(url: str, server: subprocess.Popen) -> None:
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"lims serve exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url + "/api/v1/health", timeout=5) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("lims serve did not answer within 60 s")


@pytest.fixture
def served(tmp_path: Path):
    """The app served by ``lims serve`` over demo data; yields (base URL, {username: token})."""
    env = {**os.environ, "LIMS_DATABASE_URL": _own_database(tmp_path), "LIMS_INSTANCE_PATH": str(tmp_path / "i"),
           "LIMS_SECRET_KEY": "api-fuzz-secret", "LIMS_DEMO_PASSWORD": "api-fuzz-password", "PYTHONUNBUFFERED": "1"}
    port = _free_port()
    env["LIMS_BASE_URL"] = base = f"http://127.0.0.1:{port}"
    _lims(env, "demo", "--no-serve")
    tokens = _tokens(env["LIMS_DATABASE_URL"], USERS)
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "lims.cli", "serve", "--port", str(port), "--workers", "4"],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_served(base, server)
        yield base, tokens
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _without_default(base: str, folder: Path) -> Path:
    """The served document less each operation's ``default`` response (any other error: a 500, a
    405 ...), so that status_code_conformance holds every status answered to the ones the
    operation lists itself; written to a file schemathesis reads."""
    import urllib.request

    with urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=30) as resp:
        spec = json.load(resp)
    for operations in spec["paths"].values():
        for operation in operations.values():
            if isinstance(operation, dict):
                operation.get("responses", {}).pop("default", None)
    path = folder / "openapi.json"
    path.write_text(json.dumps(spec))
    return path


def _schemathesis(base: str, document: Path, token: str, report: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "schemathesis.cli", "run", str(document), "--url", base,
         "--header", f"Authorization: Bearer {token}", "--checks", CHECKS, "--max-examples", str(MAX_EXAMPLES),
         "--phases", PHASES, "--generation-deterministic", "--workers", "2", "--no-color",
         "--request-timeout", "30", "--report", "junit", "--report-junit-path", str(report)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=report.parent)  # its cache: there


def test_every_operation_answers_as_the_document_says(served, tmp_path: Path, capsys):
    """The users' runs go side by side (the server has four workers)."""
    base, tokens = served
    started = time.monotonic()
    document = _without_default(base, tmp_path)
    runs = {user: _schemathesis(base, document, token, tmp_path / f"{user}.xml") for user, token in tokens.items()}
    outputs = {user: run.communicate(timeout=600)[0] for user, run in runs.items()}
    seconds = time.monotonic() - started
    lines = []
    for user, run in runs.items():
        out = outputs[user]
        tested = re.search(r"Tested: (\d+)", out)
        cases = re.search(r"(\d+) generated", out)
        lines.append(f"schemathesis as {user}: {tested.group(1) if tested else '?'} operations, "
                     f"{cases.group(1) if cases else '?'} test cases")
        assert run.returncode == 0, f"{lines[-1]}\n{out[-20000:]}"
        assert tested and int(tested.group(1)) >= 44 and cases and int(cases.group(1)) > 0, out[-3000:]
    with capsys.disabled():
        print("\n" + "\n".join(lines) + f"\nside by side in {seconds:.1f} s")
