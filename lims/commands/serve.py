"""``lims serve``: gunicorn when installed, the Flask server otherwise."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from lims.config import access_log

if TYPE_CHECKING:
    from flask import Flask


def run_server(host: str, port: int, workers: int | None = None) -> None:
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
            self.cfg.set("workers", workers or min(4, (os.cpu_count() or 1) * 2))
            self.cfg.set("accesslog", "-" if access_log() else None)
            self.cfg.set("graceful_timeout", 5)

        # types-gunicorn's WSGI callable takes a two-argument start_response; werkzeug's also takes exc_info.
        def load(self) -> Flask:  # type: ignore[override]
            from lims.app import create_app

            return create_app()

    click.echo(f"serving on {url} (gunicorn; Ctrl-C stops)")
    _Gunicorn().run()


def _flask_server(host: str, port: int, url: str) -> None:
    from lims.app import create_app

    click.echo(f"serving on {url} (Flask server; Ctrl-C stops)")
    create_app().run(host=host, port=port, debug=False)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="gunicorn worker processes")
def command(host: str, port: int, workers: int | None) -> None:
    """Serve the web app and the API."""
    run_server(host, port, workers)
