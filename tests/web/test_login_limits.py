"""Sign-in limits on POST /login: counted in the database, per (account, address) and per address,
shared by every app process (docs/reliability.md, "Sign-in limits")."""
from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from lims.models import AuditEvent, LoginThrottle
from lims.services import users
from lims.services.login_throttle import ACCOUNT, ADDRESS, Rules, Throttle, account_key
from tests.helpers import PASSWORD, Clock

A, B = "203.0.113.7", "198.51.100.9"
WRONG = "not the password"


def _limits(app, clock: Clock, **rules) -> None:
    """The app's sign-in limits with ``rules`` and the test's clock (undone after the test)."""
    app.extensions["lims.login_throttle"] = Throttle(Rules(**rules), clock=clock)


def _post(client, username: str, password: str = WRONG, address: str = A, lang: str = "en", **kw):
    return client.post(f"/login?lang={lang}", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address}, **kw)


@pytest.fixture
def checks(monkeypatch):
    """How many passwords were checked (each check is a scrypt)."""
    seen = []
    check = users.check_password_hash
    monkeypatch.setattr(users, "check_password_hash", lambda h, p: seen.append(p) or check(h, p))
    return seen


def _counts(db) -> dict[tuple[str, str], int]:
    db.expire_all()
    return {(r.scope, r.key): r.failures for r in db.scalars(select(LoginThrottle))}


@pytest.fixture(autouse=True)
def _fresh_counts(fresh_login_counts):
    """Each test starts with no counter and counts only its own block events."""
    global _FIRST_SEQ
    _FIRST_SEQ = fresh_login_counts


_FIRST_SEQ = 0


def _blocked_events(db) -> int:
    return db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "login.blocked", AuditEvent.seq > _FIRST_SEQ)) or 0


def test_the_failure_after_the_free_ones_is_429_with_retry_after_in_english_and_vietnamese(app, client, make_user):
    make_user("ktv.lan", "technician")
    _limits(app, Clock(), free_attempts=3, max_delay=900)
    codes = [_post(client, "ktv.lan").status_code for _ in range(3)]
    assert codes == [401, 401, 401]
    blocked = _post(client, "ktv.lan")
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "2"
    assert "Too many failed sign-ins. Please try again in 2 seconds." in blocked.get_data(as_text=True)
    vi = _post(client, "ktv.lan", lang="vi")
    assert vi.status_code == 429 and vi.headers["Retry-After"] == "2"
    assert "Quá nhiều lần đăng nhập sai. Vui lòng thử lại sau 2 giây." in vi.get_data(as_text=True)
    as_json = _post(client, "ktv.lan", headers={"Accept": "application/json"})
    assert as_json.status_code == 429 and as_json.headers["Retry-After"] == "2"
    assert as_json.get_json() == {"error": "Too many failed sign-ins. Please try again in 2 seconds.",
                                  "detail": {"retry_after": 2}}


def test_while_blocked_no_password_is_checked_not_even_the_right_one_and_nothing_changes(app, client, db,
                                                                                         make_user, checks):
    make_user("ktv.lan", "technician")
    clock = Clock()
    _limits(app, clock, free_attempts=2, max_delay=900)
    for _ in range(3):
        _post(client, "ktv.lan")
    assert len(checks) == 3
    counts, events = _counts(db), _blocked_events(db)
    right = _post(client, "ktv.lan", PASSWORD)
    assert right.status_code == 429 and "Location" not in right.headers
    assert len(checks) == 3  # refused before the password check: no scrypt spent
    assert _counts(db) == counts and _blocked_events(db) == events == 1  # the refusal changed nothing
    assert client.get("/dashboard").status_code == 302  # not signed in
    clock.advance(2)
    assert _post(client, "ktv.lan", PASSWORD).status_code == 302


def test_the_delay_grows_and_is_capped(app, client, make_user):
    make_user("ktv.lan", "technician")
    clock = Clock()
    _limits(app, clock, free_attempts=1, max_delay=10)
    retry = []
    for _ in range(6):
        resp = _post(client, "ktv.lan")
        retry.append(resp.headers.get("Retry-After"))
        clock.advance(int(resp.headers.get("Retry-After", 0)))
    assert retry == [None, "2", "4", "8", "10", "10"]


def test_a_successful_sign_in_clears_the_account_counter(app, client, db, make_user):
    make_user("ktv.lan", "technician")
    _limits(app, Clock(), free_attempts=3)
    for _ in range(3):
        _post(client, "ktv.lan")
    assert _post(client, "ktv.lan", PASSWORD).status_code == 302
    assert (ACCOUNT, account_key("ktv.lan", A)) not in _counts(db)
    assert _counts(db)[(ADDRESS, A)] == 3  # the address keeps its count
    client.post("/logout")
    assert [_post(client, "ktv.lan").status_code for _ in range(4)] == [401, 401, 401, 429]


def test_failures_from_another_address_do_not_block_the_signatory(app, client, make_user):
    """Nobody can lock a signatory out from elsewhere."""
    make_user("signer", "reviewer")
    _limits(app, Clock(), free_attempts=2, max_delay=900)
    attacker = [_post(client, "signer", address=A).status_code for _ in range(6)]
    assert attacker[-1] == 429
    assert _post(app.test_client(), "signer", PASSWORD, address=B).status_code == 302


def test_one_address_trying_many_accounts_is_blocked_at_the_address_limit(app, client, db, make_user):
    make_user("ktv.lan", "technician")
    _limits(app, Clock(), free_attempts=5, address_limit=8, window=900)
    codes = [_post(client, f"guess{i}").status_code for i in range(8)]
    assert codes == [401] * 7 + [429]
    blocked = _post(client, "ktv.lan", PASSWORD)
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "900"
    assert _post(app.test_client(), "ktv.lan", PASSWORD, address=B).status_code == 302
    assert _blocked_events(db) == 1


def test_behind_a_trusted_proxy_each_client_has_its_own_counters(make_app, monkeypatch):
    """With LIMS_TRUSTED_PROXIES=1 the address is the X-Forwarded-For client's."""
    monkeypatch.setenv("LIMS_TRUSTED_PROXIES", "1")
    monkeypatch.setenv("LIMS_LOGIN_ADDRESS_LIMIT", "5")
    proxied = make_app(secret_key="k", extra={"TESTING": True, "WTF_CSRF_ENABLED": False})
    client = proxied.test_client()

    def attempt(ip: str) -> int:
        return client.post("/login", data={"username": "x", "password": "y"},
                           headers={"X-Forwarded-For": ip}).status_code

    assert [attempt("203.0.113.7") for _ in range(6)][-2:] == [429, 429]
    assert attempt("198.51.100.9") == 401  # another phone behind the same proxy is not blocked


def _workers(make_app, n: int = 2) -> list:
    return [make_app(secret_key="k", extra={"TESTING": True, "WTF_CSRF_ENABLED": False}) for _ in range(n)]


@pytest.mark.committed  # each app has an engine and connections of its own, as workers do
def test_two_app_processes_share_the_counts(make_app, make_user):
    """Two apps on one database stand in for two gunicorn workers: before, each worker counted
    alone in its memory (with 4 workers the first 429 came at attempt 49)."""
    make_user("ktv.lan", "technician")
    workers = _workers(make_app)
    clock = Clock()
    for worker in workers:
        worker.extensions["lims.login_throttle"] = replace(worker.extensions["lims.login_throttle"], clock=clock)
    clients = [w.test_client() for w in workers]
    codes = [_post(clients[i % 2], "ktv.lan").status_code for i in range(8)]
    assert codes == [401] * 5 + [429] * 3  # the defaults: five free failures in all, not per worker


def test_the_settings_give_the_rules(make_app, monkeypatch):
    for name, value in {"LIMS_LOGIN_FREE_ATTEMPTS": "3", "LIMS_LOGIN_MAX_DELAY": "60",
                        "LIMS_LOGIN_ADDRESS_LIMIT": "12", "LIMS_LOGIN_WINDOW": "300"}.items():
        monkeypatch.setenv(name, value)
    made = make_app(secret_key="k")
    assert made.extensions["lims.login_throttle"].rules == Rules(free_attempts=3, max_delay=60,
                                                                 address_limit=12, window=300)
    monkeypatch.setenv("LIMS_LOGIN_MAX_DELAY", "0")
    with pytest.raises(ValueError, match="LIMS_LOGIN_MAX_DELAY must be a whole number"):
        make_app(secret_key="k")


def _burst(workers: list, threads: int, each: int, username: str, address: str) -> tuple[list[int], list[str]]:
    """``threads`` clients, spread over the apps, each posting ``each`` wrong passwords at once."""
    barrier = threading.Barrier(threads)
    codes: list[int] = []
    errors: list[str] = []

    def run(i: int) -> None:
        client = workers[i % len(workers)].test_client()
        try:
            barrier.wait(timeout=30)
            for _ in range(each):
                codes.append(_post(client, username, address=address).status_code)
        except Exception as exc:  # noqa: BLE001 - reported and failing the test
            errors.append(f"{type(exc).__name__}: {exc}")

    started = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for t in started:
        t.start()
    for t in started:
        t.join(timeout=120)
    return codes, errors


@pytest.mark.committed
def test_many_workers_failing_at_once_lose_no_count_and_never_answer_500(make_app, make_user, db, checks):
    from lims.services import audit

    make_user("ktv.lan", "technician")
    workers = _workers(make_app)
    for worker in workers:
        worker.extensions["lims.login_throttle"] = Throttle(Rules(free_attempts=1000, address_limit=1000))
    codes, errors = _burst(workers, threads=8, each=3, username="ktv.lan", address=A)
    assert errors == [] and codes == [401] * 24
    assert _counts(db) == {(ACCOUNT, account_key("ktv.lan", A)): 24, (ADDRESS, A): 24}  # no lost update

    for worker in workers:  # now blocks start while they race: every checked password is counted
        worker.extensions["lims.login_throttle"] = Throttle(Rules(free_attempts=3, address_limit=1000))
    before = len(checks)
    codes, errors = _burst(workers, threads=8, each=3, username="ktv.minh", address=B)
    assert errors == [] and sorted(set(codes)) == [401, 429] and len(codes) == 24
    counts = _counts(db)
    assert counts[(ACCOUNT, account_key("ktv.minh", B))] == counts[(ADDRESS, B)] == len(checks) - before
    assert codes.count(401) == 3  # each failure has its own number: only the first three are free
    assert _blocked_events(db) >= 1 and audit.verify_chain(db).ok
