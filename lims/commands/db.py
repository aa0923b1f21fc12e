"""``lims db upgrade``: apply the Alembic migrations."""
from __future__ import annotations

import click


@click.group("db")
def command() -> None:
    """Database schema."""


@command.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (LIMS_DATABASE_URL, default SQLite under instance/)."""
    from lims.config import database_url
    from lims.migrate import upgrade as do_upgrade

    url = database_url()
    do_upgrade(url, revision)
    click.echo(f"database is at {revision}: {_safe(url)}")


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
