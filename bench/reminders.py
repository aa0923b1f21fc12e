"""Reminder run speed on a province's worth of instruments (``lims reminders send``).

Seeds a scratch database with ``bench/seed.py``'s instruments and businesses (no records: the
reminders read none), gives every business an e-mail address, then measures, against a real
SMTP server started in this process (aiosmtpd, from the test extra):

* the dry run (which businesses, which instruments): median of ``--repeat`` runs after one warm-up;
* the first real run: every mail sent and recorded (``reminder_sent`` rows and one audit event
  per mail, one transaction per mail), total and per mail;
* a second run, which finds nothing new to send: median of ``--repeat`` runs.

Run from the project root::

    python bench/reminders.py                                  # SQLite in a temporary folder
    python bench/reminders.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench_reminders --reset

The database given is emptied first (``--reset``) and filled: use a scratch one.
"""
from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from sqlalchemy import text  # noqa: E402

from bench.seed import seed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="SQLAlchemy URL of a scratch database (default: SQLite in a temporary folder)")
    parser.add_argument("--reset", action="store_true", help="empty the database first")
    parser.add_argument("--instruments", type=int, default=200_000)
    parser.add_argument("--businesses", type=int, default=2_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from aiosmtpd.controller import Controller

    from lims.config import SmtpSettings
    from lims.db import make_engine, make_session_factory
    from lims.services import reminders

    folder = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    url = args.url or f"sqlite:///{folder / 'bench.sqlite3'}"
    seed(url, args.instruments, 0, args.businesses, args.reset, 7)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE organisation SET email = 'office' || id || '@example.vn' WHERE kind = 'business'"))
    factory = make_session_factory(engine, audit_key_file=folder / "audit.key")

    class Count:
        mails = 0

        async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001
            Count.mails += 1
            return "250 OK"

    with socket.socket() as sock:  # a free port (aiosmtpd's controller cannot be given 0)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(Count(), hostname="127.0.0.1", port=port)
    controller.start()
    smtp = SmtpSettings(host="127.0.0.1", port=controller.port, security="none", user="", password="",
                        mail_from="lims@example.vn")
    today = date.today()

    def run(dry_run: bool) -> reminders.RunReport:
        return reminders.send(factory, smtp, today=today, days=args.days, base_url="https://lims.example.vn",
                              default_language="vi", dry_run=dry_run)

    def timed(fn, repeat: int) -> float:
        fn()
        runs = []
        for _ in range(repeat):
            start = time.perf_counter()
            fn()
            runs.append((time.perf_counter() - start) * 1000)
        return statistics.median(runs)

    try:
        dry = run(True)
        items = sum(len(r.items) for r in dry.sent)
        print(f"{engine.dialect.name}: {args.instruments:,} instruments of {args.businesses:,} businesses; "
              f"due within {args.days} days or overdue: {items:,} instruments of {len(dry.sent):,} businesses")
        print(f"  dry run (who, which instruments)        {timed(lambda: run(True), args.repeat):9.1f} ms (median)")
        start = time.perf_counter()
        first = run(False)
        total = (time.perf_counter() - start) * 1000
        assert first.ok and len(first.sent) == Count.mails == len(dry.sent), first.failed[:3]
        print(f"  first run: {Count.mails:,} mails sent and recorded  {total:9.1f} ms "
              f"({total / max(1, Count.mails):.2f} ms per mail)")
        again = timed(lambda: run(False), args.repeat)
        assert Count.mails == len(dry.sent)
        print(f"  second run (nothing new to send)        {again:9.1f} ms (median)")
    finally:
        controller.stop()
        engine.dispose()


if __name__ == "__main__":
    main()
