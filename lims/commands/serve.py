"""``lims serve``: gunicorn when installed, the Flask server otherwise.

gunicorn runs :class:`lims.commands.gworker.HeadFirstWorker`: gunicorn's ``gthread`` worker
(``--workers`` processes of ``--threads`` threads each) whose main loop reads each request's head
before a thread serves it, so clients that send half a request and then nothing cannot keep the
threads busy (docs/reliability.md, "Slow clients"). Each request has its own database session
(:func:`lims.web.context.get_db`, kept in Flask's per-request ``g``) from the engine's pool.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from lims.config import access_log

if TYPE_CHECKING:
    from flask import Flask


#: Threads per worker process: requests one process serves at once (each with its own session).
DEFAULT_THREADS = 8


def default_workers() -> int:
    """Worker processes when ``--workers`` is not given: two per core, at most four."""
    return min(4, (os.cpu_count() or 1) * 2)


def run_server(host: str, port: int, workers: int | None = None, threads: int = DEFAULT_THREADS) -> None:
    """Serve ``lims.app:create_app`` until Ctrl-C."""
    url = f"http://{host}:{port}"
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:  # pragma: no cover - gunicorn is a dependency on Unix
        _flask_server(host, port, url)
        return
    if os.name == "nt":
        _flask_server(host, port, url)
        return

    class _Gunicorn(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            from lims.commands import gworker

            self.cfg.set("workers", workers or default_workers())
            self.cfg.set("worker_class", "lims.commands.gworker.HeadFirstWorker")
            self.cfg.set("threads", threads)
            self.cfg.set("keepalive", gworker.KEEPALIVE)
            self.cfg.set("accesslog", "-" if access_log() else None)
            self.cfg.set("graceful_timeout", 5)

        # types-gunicorn's WSGI callable takes a two-argument start_response; werkzeug's also takes exc_info.
        def load(self) -> Flask:  # type: ignore[override]
            from lims.app import create_app

            return create_app()

    click.echo(f"serving on {url} (gunicorn, {workers or default_workers()} workers of {threads} threads; "
               "Ctrl-C stops)")
    _Gunicorn().run()


def _flask_server(host: str, port: int, url: str) -> None:
    from lims.app import create_app

    click.echo(f"serving on {url} (Flask server; Ctrl-C stops)")
    create_app().run(host=host, port=port, debug=False)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="gunicorn worker processes  [default: two per core, at most 4]")
@click.option("--threads", type=click.IntRange(1, 256), default=DEFAULT_THREADS, show_default=True,
              help="threads per worker: requests each worker serves at once")
def command(host: str, port: int, workers: int | None, threads: int) -> None:
    """Serve the web app and the API (behind a reverse proxy in production: docs/deployment.md)."""
    run_server(host, port, workers, threads)
