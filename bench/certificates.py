"""Benchmark for issue 6, "Speed": certificate rendering (and, later, the public verification page).

Rendering half, measured side by side in one run (same process, same fonts, cases interleaved
round by round so machine noise hits all alike):

* certificate: ``certificates.pdf.render_pdf`` — page header, number and "Trang x/y" on every
  page, all tables, the QR code (made afresh each round: a new URL every time) and the
  error-versus-±MPE chart;
* bare document, same tables: a plain ``SimpleDocTemplate`` holding the very same tables and
  paragraphs (identification, standards, results, conformity, signatures), without QR code,
  chart or page furniture. The issue's target: certificate ≤ 2 × this;
* bare document, results table only: printed for information (a one-table page is a much
  smaller document than a two-page certificate).

Web half, :func:`bench_verification_endpoint`: the public check page ``GET /v/<token>``, served by
gunicorn as ``lims serve`` ran it when measured (sync workers, two per core) over PostgreSQL holding 1,000,000
certificates (``--certificates``), against a trivial JSON route added to the same app on the same
server; two servers side by side, the app as deployed and the same app without its front door
(:mod:`lims.web.front_door`), every phase of both interleaved round by round, with a Python load
generator on loopback (closed loop, one request per connection). The issue's target: the check
page sustains at least 60 % of the trivial route's requests per second. The certificates are
seeded once into the database named by ``--database-url`` (default: ``lims_bench_certificates``
on the local PostgreSQL) and reused by later runs.

Run from the project root::

    python bench/certificates.py [--rounds 200] [--skip-render] [--skip-web] [--certificates 1000000]
"""
from __future__ import annotations

import argparse
import io
import json
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and the file itself would shadow
# the `certificates` package: take the folder off and put the project root in its place.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

from certificates.examples import example_verification
from certificates.fonts import register_fonts
from certificates.formatting import format_measure, format_number
from certificates.model import CertificateDocument
from certificates.pdf import render_pdf, results, sections

BASE_URL = "https://lims.tdc.gov.vn"


def bare_results_table_pdf(doc: CertificateDocument, font: str) -> bytes:
    """A plain reportlab document with a title and the first results table, plain strings."""
    rows = [["TT", "Giá trị chuẩn", "Số chỉ", "Sai số", "U", "MPE", "Đánh giá"]]
    for i, r in enumerate(doc.results[0].rows, start=1):
        rows.append([
            str(i),
            format_measure(r.nominal.value, r.nominal.unit),
            format_measure(r.indication.value, r.indication.unit) if r.indication else "",
            format_measure(r.error.value, r.error.unit) if r.error else "",
            format_measure(r.uncertainty.expanded.value, r.uncertainty.expanded.unit) if r.uncertainty else "",
            "±" + format_number(r.mpe.value) if r.mpe else "",
            "Đạt",
        ])
    out = io.BytesIO()
    template = SimpleDocTemplate(out, pagesize=A4, invariant=1)
    table = Table(rows, repeatRows=1)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("GRID", (0, 0), (-1, -1), 0.4, "grey")]))
    template.build([Paragraph(doc.number, ParagraphStyle("t", fontName=font, fontSize=14)), table])
    return out.getvalue()


def bare_same_tables_pdf(doc: CertificateDocument, lang: str = "vi") -> bytes:
    """The certificate's own tables and paragraphs in a plain document: no QR, chart or furniture."""
    regular, bold = register_fonts()
    styles = sections.make_styles(regular, bold)
    out = io.BytesIO()
    template = SimpleDocTemplate(out, pagesize=A4, invariant=1)
    width = template.width
    story = [Paragraph(doc.number, styles.title)]
    story += sections.identification(doc, lang, styles, width)
    story += sections.standards(doc, lang, styles, width)
    for section in doc.results:
        story.append(results.results_table(section, lang, styles, width))
    story += sections.conformity(doc, lang, styles, width)
    story += sections.closing(doc, lang, styles, width)
    template.build(story)
    return out.getvalue()


def _time(fn: Callable[[], bytes]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


CERTIFICATE = "certificate (QR + chart + page furniture)"
SAME_TABLES = "bare document, same tables"
ONE_TABLE = "bare document, results table only"


def bench_rendering(rounds: int) -> dict[str, float]:
    """Median milliseconds per document of each case."""
    regular, _ = register_fonts()
    doc = example_verification()
    urls = (f"{BASE_URL}/v/{secrets.token_urlsafe(71)}" for _ in iter(int, 1))  # 95 characters, as a real token
    cases: dict[str, Callable[[], bytes]] = {
        CERTIFICATE: lambda: render_pdf(doc, verify_url=next(urls)),
        SAME_TABLES: lambda: bare_same_tables_pdf(doc),
        ONE_TABLE: lambda: bare_results_table_pdf(doc, regular),
    }
    for fn in cases.values():  # warm-up: imports, font parsing, caches
        for _ in range(5):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, fn in cases.items():
            samples[name].append(_time(fn))
    return {name: statistics.median(values) * 1000 for name, values in samples.items()}


# ---------------------------------------------------------------- web half: the public check page

BENCH_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/lims_bench_certificates"
TRIVIAL = "trivial JSON route"
VERIFY_HTML = "GET /v/<token> (HTML page)"
VERIFY_JSON = "GET /v/<token> (Accept: application/json)"


def _ensure_database(url: str) -> None:
    """Create the PostgreSQL database of the benchmark when it does not exist."""
    import psycopg
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = target.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (target.database,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{target.database}"')


def seed_certificates(url: str, instance: Path, count: int, *, reseed: bool = False) -> None:
    """``count`` certificates: one issued through the service (the template), the rest in bulk SQL
    with the same stored document (full size: the public query reads its summary out of it);
    every 50th supersedes the one before it, every 101st is revoked."""
    from sqlalchemy import func, select, text

    from lims.db import make_engine, make_session_factory
    from lims.migrate import upgrade
    from lims.models import Certificate
    from lims.services import certificates as certs
    from lims.services.demo_certificates import sample_lab

    _ensure_database(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        have = conn.execute(text("SELECT to_regclass('public.certificate') IS NOT NULL")).scalar()
        existing = conn.execute(text("SELECT count(*) FROM certificate")).scalar() if have else 0
    if existing == count and not reseed:
        print(f"  database already holds {existing:,} certificates; reusing them (--reseed to rebuild)")
        engine.dispose()
        return
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(url)
    ctx = certs.CertificateContext(instance_path=instance, base_url=BASE_URL,
                                   keystore=certs.keystore_at(instance / "signing-keys", directory=True))
    started = time.perf_counter()
    with make_session_factory(engine)() as session:
        lab = sample_lab(session)
        template = certs.issue_for_record(session, lab.reviewer, lab.scale_record(session), context=ctx)
        session.commit()
        summary = json.dumps(template.document["summary"], ensure_ascii=False)
        document = json.dumps(template.document["certificate"], ensure_ascii=False)  # full size, as issued
        session.execute(text("""
            INSERT INTO certificate (id, number, kind, year, seq, record_id, instrument_id, customer_id, issue_date,
                valid_until, status, stamp_number, language, document, pdf_sha256, pdf_path, signing_key_id,
                issued_by_id, supersedes_id, revoked_at, revoked_by_id, revoke_reason, created_at)
            SELECT g + 1, '2025-KD-' || lpad(g::text, 7, '0'), 'verification', 2025, g, :record, :instrument,
                :customer, DATE '2025-01-01' + (g % 365), DATE '2026-01-01' + (g % 365) + 300,
                CASE WHEN g % 50 = 49 THEN 'superseded' WHEN g % 101 = 0 THEN 'revoked' ELSE 'valid' END,
                'T25-' || lpad(g::text, 7, '0'), 'vi',
                json_build_object('summary', CAST(:summary AS json), 'verification',
                                  json_build_object('token', 'token-' || g, 'url', '', 'key_id', CAST(:kid AS text)),
                                  'certificate', CAST(:certificate AS json)),
                md5(g::text) || md5((g + 7)::text), NULL, CAST(:kid AS text), :issuer,
                CASE WHEN g % 50 = 0 THEN g END,
                CASE WHEN g % 101 = 0 THEN now() END, CASE WHEN g % 101 = 0 THEN :issuer END, '', now()
            FROM generate_series(1, :n) AS g
        """), {"record": template.record_id, "instrument": template.instrument_id, "customer": template.customer_id,
               "summary": summary, "certificate": document, "kid": template.signing_key_id,
               "issuer": lab.reviewer.id, "n": count - 1})
        session.execute(text("SELECT setval(pg_get_serial_sequence('certificate', 'id'), :n)"), {"n": count})
        session.commit()
        total = session.scalar(select(func.count()).select_from(Certificate))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE certificate"))
    engine.dispose()
    print(f"  seeded {total:,} certificates in {time.perf_counter() - started:.0f} s")


SERVE = """
import sys
from flask import jsonify
from gunicorn.app.base import BaseApplication

from lims.app import create_app
from lims.web.auth import public
from lims.web.front_door import VerificationFrontDoor


class Bench(BaseApplication):
    def load_config(self):  # `lims serve` as measured: gunicorn sync workers, 2 per core (at most 4)
        import os
        self.cfg.set("bind", "127.0.0.1:" + sys.argv[1])
        self.cfg.set("workers", min(4, (os.cpu_count() or 1) * 2))
        self.cfg.set("accesslog", None)
        self.cfg.set("loglevel", "warning")

    def load(self):
        app = create_app()
        if sys.argv[2] == "flask":  # the same app without the front door: Flask answers /v/<token>
            assert isinstance(app.wsgi_app, VerificationFrontDoor)
            app.wsgi_app = app.wsgi_app.wsgi_app

        @public
        def trivial():
            return jsonify(status="ok")

        app.add_url_rule("/bench/trivial", "bench_trivial", trivial)
        return app


Bench().run()
"""
#: The web half's two servers, run side by side: the app as deployed, and without the front door.
SERVERS = {"front door": "door", "Flask only": "flask"}


async def _load(host: str, port: int, requests: list[bytes], seconds: float, concurrency: int) -> tuple[int, int]:
    """Closed-loop load: ``concurrency`` clients, one request per connection (gunicorn's sync workers
    close every connection); returns (answers with status 200, other answers) within ``seconds``."""
    import asyncio
    import itertools

    ok = bad = 0
    stop = time.perf_counter() + seconds
    cycle = itertools.cycle(requests)

    async def client() -> None:
        nonlocal ok, bad
        while time.perf_counter() < stop:
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(next(cycle))
            status = (await reader.readline())[9:12]
            await reader.read()  # until the server closes
            writer.close()
            if status == b"200":
                ok += 1
            else:
                bad += 1

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return ok, bad


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(env: dict[str, str], variant: str) -> tuple[object, int]:
    """A gunicorn serving the app (``door``) or the app without its front door (``flask``)."""
    import socket
    import subprocess

    port = _free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVE, str(port), variant], env=env, cwd=str(_HERE.parent))
    for _ in range(300):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    return server, port


def _cases(paths: list[str]) -> dict[str, list[bytes]]:
    def requests(path_list: list[str], accept: str) -> list[bytes]:
        return [f"GET {p} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: {accept}\r\nConnection: close\r\n\r\n"
                .encode() for p in path_list]

    return {TRIVIAL: requests(["/bench/trivial"], "application/json"),
            VERIFY_HTML: requests(paths, "text/html"), VERIFY_JSON: requests(paths, "application/json")}


def bench_verification_endpoint(count: int = 1_000_000, *, url: str = BENCH_DATABASE, seconds: float = 6.0,
                                rounds: int = 3, concurrency: int = 16, reseed: bool = False,
                                tokens_needed: int = 50_000) -> dict[str, dict[str, float]]:
    """Requests per second of ``GET /v/<token>`` (HTML and JSON) and of a trivial JSON route, on two
    gunicorns (``lims serve`` set-up) over PostgreSQL holding ``count`` certificates: the app as
    deployed and the same app without its front door; every phase of both interleaved round by
    round. The rate limiter stays on (memory storage) with a limit no client reaches, so its
    cost is measured too."""
    import asyncio
    import os
    import random
    import tempfile

    from certificates import tokens
    from lims.services import certificates as certs

    instance = Path(tempfile.mkdtemp(prefix="lims-bench-"))
    seed_certificates(url, instance, count, reseed=reseed)
    store = certs.keystore_at(instance / "signing-keys", directory=True)  # the servers read the same folder
    rng = random.Random(6)
    # Distinct tokens, more than the run sends, so that almost every request checks a signature
    # afresh, as QR codes scanned in the field do.
    paths = [f"/v/{tokens.sign_token(rng.randrange(1, count + 1), store)}" for _ in range(tokens_needed)]
    env = {**os.environ, "LIMS_DATABASE_URL": url, "LIMS_INSTANCE_PATH": str(instance), "LIMS_BASE_URL": BASE_URL,
           "LIMS_SECRET_KEY": "bench", "LIMS_VERIFY_RATE_LIMIT": "100000000 per minute",
           "PYTHONPATH": str(_HERE.parent)}
    env.pop("LIMS_SIGNING_KEY_FILE", None)
    servers = {name: _start_server(env, variant) for name, variant in SERVERS.items()}
    cases = _cases(paths)
    done = {(server, case): [0, 0] for server in servers for case in cases}
    try:
        for _, port in servers.values():  # warm-up: every worker loads templates, keys, connections
            for reqs in cases.values():
                asyncio.run(_load("127.0.0.1", port, reqs, 1.5, concurrency))
        for _ in range(rounds):
            for (server, case), counts in done.items():
                ok, bad = asyncio.run(_load("127.0.0.1", servers[server][1], cases[case], seconds, concurrency))
                counts[0] += ok
                counts[1] += bad
    finally:
        for process, _ in servers.values():
            process.terminate()  # type: ignore[attr-defined]
            process.wait(timeout=30)  # type: ignore[attr-defined]
    rates: dict[str, dict[str, float]] = {server: {} for server in servers}
    for (server, case), (ok, bad) in done.items():
        rates[server][case] = ok / (seconds * rounds)
        if bad:
            print(f"  warning: {bad} non-200 answers for {case} ({server})")
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200, help="measurements per case (default 200)")
    parser.add_argument("--skip-render", action="store_true", help="only the web half")
    parser.add_argument("--skip-web", action="store_true", help="only the rendering half")
    parser.add_argument("--certificates", type=int, default=1_000_000, help="certificates in the database")
    parser.add_argument("--database-url", default=BENCH_DATABASE, help="PostgreSQL database of the web half")
    parser.add_argument("--reseed", action="store_true", help="rebuild the certificates even if present")
    parser.add_argument("--seconds", type=float, default=6.0, help="seconds per phase of the web half")
    parser.add_argument("--web-rounds", type=int, default=3, help="interleaved rounds of the web half")
    parser.add_argument("--concurrency", type=int, default=16, help="simultaneous clients of the web half")
    args = parser.parse_args()

    if not args.skip_render:
        print(f"== Certificate rendering: median of {args.rounds} interleaved rounds ==")
        result = bench_rendering(args.rounds)
        for name, ms in result.items():
            print(f"  {name:<44} {ms:8.2f} ms")
        ratio = result[CERTIFICATE] / result[SAME_TABLES]
        print(f"  ratio certificate / bare document with the same tables: {ratio:.2f}x "
              f"(target <= 2.00x: {'met' if ratio <= 2 else 'NOT met'})")
        print(f"  ratio certificate / bare one-table document: {result[CERTIFICATE] / result[ONE_TABLE]:.2f}x "
              "(information only)")
    if not args.skip_web:
        print(f"== Public check page under gunicorn, {args.certificates:,} certificates in PostgreSQL: "
              f"{args.web_rounds} interleaved rounds of {args.seconds:g} s, {args.concurrency} clients ==")
        rates = bench_verification_endpoint(args.certificates, url=args.database_url, seconds=args.seconds,
                                            rounds=args.web_rounds, concurrency=args.concurrency,
                                            reseed=args.reseed)
        for server, by_case in rates.items():
            print(f"  -- {server}")
            for name, rate in by_case.items():
                print(f"  {name:<44} {rate:8.0f} requests/s")
            for name in (VERIFY_HTML, VERIFY_JSON):
                ratio = by_case[name] / by_case[TRIVIAL]
                print(f"  ratio {name} / {TRIVIAL}: {ratio:.2f} "
                      f"(target >= 0.60: {'met' if ratio >= 0.6 else 'NOT met'})")


if __name__ == "__main__":
    main()
