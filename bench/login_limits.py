"""Sign-in limits across gunicorn workers (issue "Hardening", finding 10; docs/reliability.md,
"Sign-in limits").

Starts ``lims serve --workers N`` on a PostgreSQL database of its own (emptied and migrated
first), creates one user, and fires wrong passwords from several clients at once — each client
with its own cookie and CSRF token, all from 127.0.0.1 — until the first 429. Two runs:

* one account: wrong passwords for the same user (the per (account, address) limit);
* many accounts: one wrong password for each of many usernames (the per-address limit).

Prints, for each, the attempt whose answer was the first 429, the answers 401, the failures the
database counted for the address (the passwords checked; none where the code counts nothing
there) and how long it took. The counters are emptied before each run. ``--source DIR`` serves
the code of another checkout of the project (e.g. an older release, unpacked with ``git archive``)
for a before/after figure.

Run from the project root::

    python bench/login_limits.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench_login
"""
from __future__ import annotations

import argparse
import http.cookiejar
import itertools
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from served import empty_postgres
from sqlalchemy import create_engine, text

PASSWORD = "bench-login-password"
USER = "bench.user"
LIMS = [sys.executable, "-c", "import sys; from lims.cli import main; sys.exit(main())"]


def counted(url: str, forget: bool = False) -> int:
    """Failures counted in the database for the address (0 where the code counts none there)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        found = conn.execute(text("SELECT coalesce(sum(failures), 0) FROM login_throttle WHERE scope = 'ip'")).scalar()
        if forget:
            conn.execute(text("DELETE FROM login_throttle"))
    engine.dispose()
    return int(found or 0)


class Client:
    """A browser: its own cookies and CSRF token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = self.opener.open(f"{base}/login", timeout=30).read().decode()
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert found, "no CSRF token on the sign-in page"
        self.token = found.group(1)

    def sign_in(self, username: str, password: str) -> int:
        data = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": self.token})
        try:
            with self.opener.open(f"{self.base}/login", data=data.encode(), timeout=60) as resp:
                return resp.status
        except urllib.error.HTTPError as exc:
            return exc.code


def until_first_429(base: str, clients: int, usernames, limit: int) -> tuple[int | None, int, int, float]:
    """Fire at once from ``clients`` clients until an answer is 429 (or ``limit`` attempts).
    Returns (attempt of the first 429 in the order answers came, answers 401, attempts, seconds)."""
    browsers = [Client(base) for _ in range(clients)]
    lock = threading.Lock()
    answers: list[int] = []
    sent = itertools.count(1)
    stop = threading.Event()

    def run(browser: Client) -> None:
        while not stop.is_set():
            n = next(sent)
            if n > limit:
                return
            code = browser.sign_in(usernames(n), "wrong password")
            with lock:
                answers.append(code)
                if code == 429:
                    stop.set()

    start = time.perf_counter()
    threads = [threading.Thread(target=run, args=(b,)) for b in browsers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    first = answers.index(429) + 1 if 429 in answers else None
    others = sorted(set(answers) - {401, 429})
    assert not others, f"unexpected answers: {others}"
    return first, answers.count(401), len(answers), elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/bench_login",
                        help="a PostgreSQL database this script may create and empty")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=4, help="clients firing at once")
    parser.add_argument("--port", type=int, default=5097)
    parser.add_argument("--limit", type=int, default=300, help="give up after this many attempts")
    parser.add_argument("--source", type=Path, default=None, help="serve the code of this checkout instead")
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="bench-login-"))
    env = dict(os.environ, LIMS_DATABASE_URL=args.url, LIMS_INSTANCE_PATH=str(instance),
               LIMS_SECRET_KEY="bench-login-secret", LIMS_NEW_USER_PASSWORD=PASSWORD)
    env.pop("LIMS_RATELIMIT_STORAGE_URL", None)  # the default, each worker's memory, as the tester had
    if args.source:  # the commands run in the instance folder: ``lims`` is the source's, not the current folder's
        env["PYTHONPATH"] = str(args.source.resolve())
    empty_postgres(args.url)
    subprocess.run([*LIMS, "db", "upgrade"], env=env, cwd=instance, check=True, capture_output=True)
    subprocess.run([*LIMS, "user", "add", USER, "--role", "technician"], env=env, cwd=instance, check=True,
                   capture_output=True)
    server = subprocess.Popen([*LIMS, "serve", "--port", str(args.port), "--workers", str(args.workers)],
                              env=env, cwd=instance, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/api/v1/health", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("the server did not start")
        print(f"lims serve --workers {args.workers} on PostgreSQL, {args.clients} clients at once, "
              f"from one address{' (' + str(args.source) + ')' if args.source else ''}")
        runs = {"one account": lambda n: USER, "many accounts": lambda n: f"guess{n}"}
        for label, usernames in runs.items():
            counted(args.url, forget=True)
            first, refused, attempts, elapsed = until_first_429(base, args.clients, usernames, args.limit)
            where = f"attempt {first}" if first else f"none in {attempts} attempts"
            print(f"  {label:<14} first 429 at {where}; {refused} answers 401, "
                  f"{counted(args.url)} failures counted in the database, {attempts} answers in {elapsed:.1f} s")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
