"""``lims db upgrade``: apply the Alembic migrations, then key an audit chain of earlier releases."""
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
    if revision == "head":
        _reanchor_audit_chain()


def _reanchor_audit_chain() -> None:
    """A chain begun by an earlier release is plain SHA-256: append the ``audit.keyed`` event
    (with the instance's audit key, made if missing) and checkpoint the new head."""
    from lims.commands._context import unit_of_work
    from lims.config import audit_checkpoint_dir
    from lims.i18n import _
    from lims.services.audit import reanchor, scheme, session_key
    from lims.services.audit_verify import take_checkpoint

    with unit_of_work() as session:
        event = reanchor(session)
        if event is None and scheme(session, session_key(session)) == "unknown":
            click.echo(_("The first audit event matches neither SHA-256 nor this instance's audit key: the chain "
                         "was not re-anchored. Run `lims audit verify`."), err=True)
    if event is None:
        return
    click.echo(_("audit chain re-anchored: events up to #%(plain)s were hashed with SHA-256; from event #%(seq)s on "
                 "they are keyed", plain=event.seq - 1, seq=event.seq))
    with unit_of_work() as session:
        path = take_checkpoint(session, audit_checkpoint_dir())
    click.echo(_("checkpoint written: %(path)s", path=str(path)))


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
