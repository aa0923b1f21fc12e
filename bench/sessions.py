"""Sessions that can be ended (issue 11, finding 5): what a copied cookie gets after a logout, and
what the session version costs a signed-in request.

Signs one user in from two browsers (Flask test clients on the real app, CSRF off), one with
"remember me"; copies both cookies; logs out in the first; then replays the copied session
cookie, the copied remember cookie and the second browser, on a page and on the API, and prints
each status (before the session version: 200 for all; now 302 to the login page, or 401).

Then counts the SQL statements of one signed-in request (the user loader's one ``SELECT`` of the
user, by primary key, is the same query as before: the version is a column of that row) and times
``--requests`` signed-in ``GET /api/v1/me`` (median and p95 per request).

Run from the project root (a fresh SQLite file in a temporary folder unless ``--url`` names an
empty database)::

    python bench/sessions.py [--url postgresql+psycopg://postgres@127.0.0.1:5432/bench_sessions] [--requests 500]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from sqlalchemy import event  # noqa: E402

PASSWORD = "bench-sessions-password"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="")
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()

    from lims.app import create_app
    from lims.migrate import upgrade
    from lims.services.policy import SYSTEM
    from lims.services.users import NewUser, Password, create_user

    folder = Path(tempfile.mkdtemp(prefix="lims-bench-sessions-"))
    url = args.url or f"sqlite:///{folder / 'bench.sqlite3'}"
    upgrade(url)
    app = create_app(database_url=url, instance_path=folder, secret_key="bench",
                     extra={"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.extensions["lims.sessions"]() as session:
        create_user(session, SYSTEM, NewUser(username="bench.sessions", password=Password(PASSWORD),
                                             roles=("technician",)))
        session.commit()

    def signed_in(remember: bool):
        client = app.test_client()
        data = {"username": "bench.sessions", "password": PASSWORD, **({"remember": "y"} if remember else {})}
        assert client.post("/login", data=data).status_code == 302
        return client

    def holding(name: str, value: str):
        client = app.test_client()
        client.set_cookie(name, value)
        return client

    def statuses(client) -> str:
        page = client.get("/dashboard")
        api = client.get("/api/v1/me", headers={"Accept": "application/json"})
        where = " → login page" if page.status_code == 302 and "/login" in page.headers.get("Location", "") else ""
        return f"page {page.status_code}{where}, API {api.status_code}"

    first, second = signed_in(False), signed_in(True)
    session_cookie = first.get_cookie("session").value
    remember_cookie = second.get_cookie("remember_token").value
    print(f"database: {app.extensions['lims.engine'].dialect.name}")
    print(f"  before logout, copied session cookie:        {statuses(holding('session', session_cookie))}")
    first.post("/logout")
    print(f"  after logout, copied session cookie:         {statuses(holding('session', session_cookie))}")
    print(f"  after logout, copied remember cookie:        {statuses(holding('remember_token', remember_cookie))}")
    print(f"  after logout, the other browser:             {statuses(second)}")

    browser = signed_in(False)
    engine = app.extensions["lims.engine"]
    seen: list[str] = []
    listener = lambda *a: seen.append(a[2])  # noqa: E731 - (conn, cursor, statement, ...)
    event.listen(engine, "before_cursor_execute", listener)
    browser.get("/api/v1/me")
    event.remove(engine, "before_cursor_execute", listener)
    user_selects = [s for s in seen if "FROM user_account" in s and "user_account.id =" in s]
    print(f"  SQL statements of one signed-in GET /api/v1/me: {len(seen)} "
          f"(SELECT of the user by id: {len(user_selects)})")

    runs = []
    for _ in range(20):
        browser.get("/api/v1/me")
    for _ in range(args.requests):
        start = time.perf_counter()
        browser.get("/api/v1/me")
        runs.append((time.perf_counter() - start) * 1000)
    runs.sort()
    print(f"  signed-in GET /api/v1/me, {args.requests} requests: median {statistics.median(runs):.2f} ms, "
          f"p95 {runs[int(0.95 * len(runs)) - 1]:.2f} ms")


if __name__ == "__main__":
    main()
