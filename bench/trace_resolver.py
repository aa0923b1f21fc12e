"""Benchmark of the GS1 resolver's public answers (issue 13, "Speed"): requests per second of a
batch's public page and of its ``?linkType=gs1:epcis`` answer, side by side with a trivial route
of the same app on the same server. The issue's target: both sustain at least 70 % of the
trivial route's requests per second.

The method is that of ``bench/certificates.py``: the app served by gunicorn as ``lims serve``
runs it (:class:`lims.commands.gworker.HeadFirstWorker`, two workers per core at most four,
eight threads each) with a trivial JSON route added, a Python load generator on loopback
(closed loop, ``concurrency`` clients, one request per connection), every case measured in
turn, round after round, so machine noise hits all alike. The rate limiter stays on with a limit
no client reaches, so its cost is measured too.

:func:`resolver_figures` measures a server already started by :func:`served` (the big data set
of ``bench/traceability.py`` calls it); run as a script, this file seeds a small data set into
PostgreSQL (``--database-url``) and prints the figures::

    python bench/trace_resolver.py [--batches 2000] [--events 10] [--seconds 5] [--rounds 3] [--flask-only]

``--flask-only`` starts a second server beside it, the same app without the resolver's front door
(:mod:`lims.web.trace_front_door`), measured in the same rounds. The case "another batch each
request" cycles through ``--spread`` batches, so that the front door seldom finds a kept answer
(each worker keeps 256): the cost of a scan of a batch nobody scanned lately.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/lims_bench_trace_resolver"
TRIVIAL = "trivial JSON route"
BATCH_PAGE = "batch page (HTML)"
EPCIS = "?linkType=gs1:epcis (EPCIS 2.0 JSON-LD)"
REDIRECT = "plain Digital Link (307 to the page)"
SPREAD = "batch page, another batch each request"
TARGET = 0.70
#: The two servers run side by side: the app as deployed, and the same app without the
#: resolver's front door (lims.web.trace_front_door): Flask answers every request.
SERVERS = {"front door": "door", "Flask only": "flask"}

SERVE = """
import sys
from flask import jsonify
from gunicorn.app.base import BaseApplication

from lims.app import create_app
from lims.commands import gworker
from lims.commands.serve import DEFAULT_THREADS, default_workers
from lims.web.auth import public


class Bench(BaseApplication):
    def load_config(self):  # as `lims serve` runs the app
        self.cfg.set("bind", "127.0.0.1:" + sys.argv[1])
        self.cfg.set("workers", default_workers())
        self.cfg.set("worker_class", "lims.commands.gworker.HeadFirstWorker")
        self.cfg.set("threads", DEFAULT_THREADS)
        self.cfg.set("keepalive", gworker.KEEPALIVE)
        self.cfg.set("accesslog", None)
        self.cfg.set("loglevel", "warning")

    def load(self):
        app = create_app()
        if sys.argv[2] == "flask":  # the same app without the resolver's front door
            from lims.web.trace_front_door import TraceFrontDoor
            outer = app
            while not isinstance(outer.wsgi_app, TraceFrontDoor):
                outer = outer.wsgi_app
            outer.wsgi_app = outer.wsgi_app.wsgi_app

        @public
        def trivial():
            return jsonify(status="ok")

        app.add_url_rule("/bench/trivial", "bench_trivial", trivial)
        return app


Bench().run()
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(database_url: str, *, public_root: str = "https://truyxuat.tdc.gov.vn",
           variant: str = "door") -> Iterator[str]:
    """The app served as ``lims serve`` serves it, plus ``/bench/trivial``; yields its base URL.
    ``variant="flask"``: the same app without the resolver's front door."""
    port = _free_port()
    instance = tempfile.mkdtemp(prefix="lims-bench-resolver-")
    env = {**os.environ, "LIMS_DATABASE_URL": database_url, "LIMS_INSTANCE_PATH": instance,
           "LIMS_BASE_URL": public_root, "LIMS_SECRET_KEY": "bench", "LIMS_VERIFY_RATE_LIMIT": "100000000 per minute",
           "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-c", SERVE, str(port), variant], env=env, cwd=str(ROOT))
    try:
        for _ in range(600):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


async def _load(host: str, port: int, requests: list[bytes], ok_status: bytes, seconds: float,
                concurrency: int) -> tuple[int, int]:
    """Closed-loop load, the requests in turn: (answers with ``ok_status``, other answers) within ``seconds``."""
    ok = bad = 0
    stop = time.perf_counter() + seconds
    turn = itertools.cycle(requests)

    async def client() -> None:
        nonlocal ok, bad
        while time.perf_counter() < stop:
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(next(turn))
            status = (await reader.readline())[9:12]
            await reader.read()  # until the server closes
            writer.close()
            if status == ok_status:
                ok += 1
            else:
                bad += 1

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return ok, bad


def _request(path: str, accept: str) -> bytes:
    return (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: {accept}\r\nConnection: close\r\n\r\n").encode()


def resolver_figures(base_url: str, gtin: str, lot: str, *, seconds: float = 5.0, rounds: int = 3,
                     concurrency: int = 16, lots: list[str] | None = None) -> dict[str, Any]:
    """Requests per second of the batch page, its ``gs1:epcis`` answer, the plain Digital Link (307)
    and the trivial route of the server at ``base_url`` (started by :func:`served`), each case in
    turn for ``seconds``, ``rounds`` times; with each case's ratio to the trivial route. With
    ``lots`` (of the same GTIN), the page of another of them at each request too."""
    return side_by_side({"server": base_url}, gtin, lot, seconds=seconds, rounds=rounds, concurrency=concurrency,
                        lots=lots)["server"]


def side_by_side(servers: dict[str, str], gtin: str, lot: str, *, seconds: float = 5.0, rounds: int = 3,
                 concurrency: int = 16, lots: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """:func:`resolver_figures` of several servers (name -> base URL), every case of every server
    measured in turn, round after round, so that machine noise hits them alike."""
    from urllib.parse import quote, urlsplit

    link = f"/01/{gtin}/10/{quote(lot, safe='')}"
    cases = {TRIVIAL: ([_request("/bench/trivial", "application/json")], b"200"),
             BATCH_PAGE: ([_request(f"/trace/01/{gtin}/10/{quote(lot, safe='')}", "text/html")], b"200"),
             EPCIS: ([_request(f"{link}?linkType=gs1:epcis", "application/ld+json")], b"200"),
             REDIRECT: ([_request(link, "text/html")], b"307")}
    if lots:
        cases[SPREAD] = ([_request(f"/trace/01/{gtin}/10/{quote(other, safe='')}", "text/html") for other in lots],
                         b"200")
    where = {name: urlsplit(url) for name, url in servers.items()}
    counts = {(server, case): [0, 0] for server in servers for case in cases}

    def run(server: str, case: str, duration: float) -> tuple[int, int]:
        requests, status = cases[case]
        host, port = where[server].hostname or "127.0.0.1", where[server].port or 80
        return asyncio.run(_load(host, port, requests, status, duration, concurrency))

    for server in servers:  # warm-up: every worker loads templates, catalogs, connections
        for case in cases:
            run(server, case, 1.0)
    for _ in range(rounds):
        for server in servers:
            for case in cases:
                ok, bad = run(server, case, seconds)
                counts[server, case][0] += ok
                counts[server, case][1] += bad
    figures = {}
    for server in servers:
        rates = {case: counts[server, case][0] / (seconds * rounds) for case in cases}
        ratios = {case: rates[case] / rates[TRIVIAL] for case in cases if case != TRIVIAL}
        figures[server] = {"requests_per_second": rates, "ratio_to_trivial": ratios,
                           "unexpected_answers": {case: counts[server, case][1] for case in cases
                                                  if counts[server, case][1]},
                           "target": TARGET, "met": all(ratios[case] >= TARGET for case in (BATCH_PAGE, EPCIS))}
    return figures


def print_figures(figures: dict[str, Any]) -> None:
    for name, rate in figures["requests_per_second"].items():
        print(f"  {name:<42} {rate:8.0f} requests/s")
    for name, ratio in figures["ratio_to_trivial"].items():
        met = "met" if ratio >= TARGET else "NOT met"
        verdict = "" if name in (REDIRECT, SPREAD) else f" (target >= {TARGET:.2f}: {met})"
        print(f"  ratio {name} / {TRIVIAL}: {ratio:.2f}{verdict}")
    for name, bad in figures["unexpected_answers"].items():
        print(f"  warning: {bad} unexpected answers for {name}")


# ---------------------------------------------------------------- a small data set (run as a script)


def seed(url: str, batches: int, events: int) -> tuple[str, str]:
    """``batches`` batches of one product, ``events`` events each (commissioning, an inspection by
    the lab, shipping, receiving at a partner's, storing...), into an emptied PostgreSQL database;
    the (GTIN-14, lot) of the batch to measure."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.orm import Session

    from lims.migrate import upgrade
    from lims.models import Organisation, Product, TraceLocation
    from traceability.gs1 import check_digit

    target = make_url(url)
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}).first():
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    server.dispose()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(url)
    gtin = "0893456701234" + str(check_digit("0893456701234"))
    base = "https://truyxuat.tdc.gov.vn"
    steps = ["commissioning", "inspecting", "shipping", "receiving", "storing"]
    engine = create_engine(url)
    with Session(engine) as session:
        producer = Organisation(id=1, name="Hợp tác xã Hồi Văn Quan", address="Văn Quan, Lạng Sơn")
        partner = Organisation(id=2, name="Công ty Chè Xứ Lạng", address="Lạng Sơn")
        lab = Organisation(id=3, name="Trung tâm TĐC Lạng Sơn", kind="lab", address="Lạng Sơn")
        session.add_all([producer, partner, lab])
        session.flush()
        session.add_all([TraceLocation(id=1, owner_id=1, name="Xưởng sấy", address="Văn Quan", local_id="XUONG-1"),
                         TraceLocation(id=2, owner_id=2, name="Kho Xứ Lạng", address="Lạng Sơn", local_id="KHO-1"),
                         Product(id=1, owner_id=1, gtin=gtin, name_vi="Hoa hồi khô", name_en="Dried star anise",
                                 net_quantity=500, net_unit="g", category="spice")])
        session.commit()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO batch (id, product_id, lot, production_date, expiry_date, quantity, "
                          "quantity_unit, location_id, created_at) SELECT b, 1, 'L' || lpad(b::text, 7, '0'), "
                          "DATE '2025-01-01' + (b % 300), DATE '2027-01-01' + (b % 300), 1200, 'kg', 1, now() "
                          "FROM generate_series(1, :n) AS b"), {"n": batches})
        rows = []
        for b in range(1, batches + 1):
            lot = f"L{b:07d}"
            for k in range(events):
                step = steps[k % len(steps)]
                owner, place = (2, "KHO-1") if step in ("receiving", "storing") else (3 if step == "inspecting" else 1,
                                                                                     "XUONG-1")
                when = f"2025-10-{1 + k % 28:02d}T{8 + k % 10:02d}:00:00.000+07:00"
                doc = {"type": "ObjectEvent", "eventID": f"urn:uuid:00000000-0000-4000-8000-{b:06d}{k:06d}",
                       "eventTime": when, "eventTimeZoneOffset": "+07:00", "action": "OBSERVE", "bizStep": step,
                       "disposition": "conformant" if step == "inspecting" else "active",
                       "quantityList": [{"epcClass": f"{base}/01/{gtin}/10/{lot}", "quantity": 100, "uom": "KGM"}],
                       "readPoint": {"id": f"{base}/trace/places/{owner}/{place}"},
                       "bizLocation": {"id": f"{base}/trace/places/{owner}/{place}"}}
                rows.append({"id": (b - 1) * events + k + 1, "eid": doc["eventID"], "step": step,
                             "disp": doc["disposition"], "time": when, "owner": owner,
                             "loc": doc["bizLocation"]["id"], "verdict": "conformant" if step == "inspecting" else None,
                             "doc": json.dumps(doc, ensure_ascii=False), "batch": b})
        for chunk in (rows[i:i + 5000] for i in range(0, len(rows), 5000)):
            conn.execute(text("INSERT INTO trace_event (id, event_id, event_type, action, biz_step, disposition, "
                              "event_time, time_zone, record_time, read_point, biz_location, owner_id, verdict, "
                              "error_declared, document) VALUES (:id, :eid, 'ObjectEvent', 'OBSERVE', :step, :disp, "
                              "CAST(:time AS timestamptz), '+07:00', now(), :loc, :loc, :owner, :verdict, false, "
                              "CAST(:doc AS json))"), chunk)
            conn.execute(text("INSERT INTO trace_event_batch (event_row_id, batch_id, role, quantity, uom) "
                              "VALUES (:id, :batch, 'object', 100, 'KGM')"), chunk)
        for table in ("organisation", "trace_location", "product", "batch", "trace_event"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return gtin, f"L{max(1, batches // 2):07d}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=BENCH_DATABASE, help="PostgreSQL database (emptied and seeded)")
    parser.add_argument("--batches", type=int, default=2000)
    parser.add_argument("--events", type=int, default=10, help="events per batch")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per case and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--spread", type=int, default=2000, help="batches the spread case cycles through (0: none)")
    parser.add_argument("--flask-only", action="store_true", help="also a server without the front door")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    started = time.perf_counter()
    gtin, lot = seed(args.database_url, args.batches, args.events)
    print(f"== seeded {args.batches:,} batches with {args.events} events each in "
          f"{time.perf_counter() - started:.0f} s; measuring GTIN {gtin} lot {lot} ==")
    lots = [f"L{b:07d}" for b in range(1, min(args.spread, args.batches) + 1)]
    variants = SERVERS if args.flask_only else {"front door": "door"}
    with contextlib.ExitStack() as stack:
        servers = {name: stack.enter_context(served(args.database_url, variant=variant))
                   for name, variant in variants.items()}
        figures = side_by_side(servers, gtin, lot, seconds=args.seconds, rounds=args.rounds,
                               concurrency=args.concurrency, lots=lots)
    print(f"== GS1 resolver under gunicorn: {args.rounds} rounds of {args.seconds:g} s per case, "
          f"{args.concurrency} clients ==")
    for name, found in figures.items():
        print(f"-- {name}")
        print_figures(found)


if __name__ == "__main__":
    main()
