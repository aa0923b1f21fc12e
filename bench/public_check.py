"""The public check page's new answers, side by side: what a status-only token (a stamp's QR)
and a lookup by numbers cost next to the certificate's own QR.

Cases, through the app's WSGI stack in process (front door included, rate limit off), on the
demo data in a fresh database (SQLite by default, or ``--url``):

* ``GET /v/<full token>`` — the certificate's QR (answered by the front door);
* ``GET /v/<status token>`` — the stamp's QR (front door; the status view drops the owner and
  hashes);
* ``GET /v/lookup?number=…&stamp=…`` — a damaged QR (Flask view, one indexed query);
* ``GET /v/<full token>/pdf`` — the holder's PDF (the issued file, read from disk).

Each figure is the median of ``--repeat`` runs after two warm-up runs (p95 in brackets),
cases interleaved round by round.

Run from the project root::

    python bench/public_check.py [--url postgresql+psycopg://…] [--repeat 300]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: a new SQLite file); it must hold no demo yet")
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()

    from sqlalchemy import select

    from lims.app import create_app
    from lims.migrate import upgrade
    from lims.models import Certificate
    from lims.services import certificates as certs
    from lims.services.demo import seed_demo
    from lims.web.public_certificates import certificate_context

    instance = Path(tempfile.mkdtemp(prefix="lims-bench-public-"))
    url = args.url or f"sqlite:///{instance / 'bench.sqlite3'}"
    upgrade(url)
    app = create_app(database_url=url, instance_path=instance, secret_key="bench",
                     extra={"RATELIMIT_ENABLED": False})
    ctx = certificate_context(app)
    session = app.extensions["lims.sessions"]()
    with certs.use_context(ctx):
        seed_demo(session, "bench-password", base_url=ctx.base_url)
        session.commit()
        certs.write_pending(session)
    cert = session.scalars(select(Certificate).where(Certificate.status == "valid",
                                                     Certificate.stamp_number.is_not(None))).first()
    assert cert is not None, "the demo has no valid certificate with a stamp"
    full = urlsplit(certs.verify_url(cert, ctx)).path
    status = urlsplit(certs.status_url(cert, ctx)).path
    client = app.test_client()
    cases = {
        "GET /v/<full token> (certificate's QR)": lambda: client.get(full),
        "GET /v/<status token> (stamp's QR)": lambda: client.get(status),
        "GET /v/lookup?number=…&stamp=…": lambda: client.get(
            "/v/lookup", query_string={"number": cert.number, "stamp": cert.stamp_number}),
        "GET /v/<full token>/pdf (holder's PDF)": lambda: client.get(full + "/pdf"),
    }
    for fn in cases.values():
        for _ in range(2):
            assert fn().status_code == 200
    runs: dict[str, list[float]] = {label: [] for label in cases}
    for _ in range(args.repeat):
        for label, fn in cases.items():
            start = time.perf_counter()
            fn()
            runs[label].append((time.perf_counter() - start) * 1000)
    print(f"{app.extensions['lims.engine'].dialect.name}, certificate {cert.number}, {args.repeat} runs each:")
    for label, times in runs.items():
        times.sort()
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        print(f"  {label:<42} {statistics.median(times):7.2f} ms  (p95 {p95:.2f})")
    session.close()


if __name__ == "__main__":
    main()
