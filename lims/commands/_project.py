"""Where a ``lims`` command finds its project, said before it touches anything.

A command that works on the lab's data (users, certificates, audit, backups, serving) run from a
folder that holds no ``instance/``, with neither ``LIMS_INSTANCE_PATH`` nor ``LIMS_DATABASE_URL``
set, would create an empty instance folder and an empty SQLite file there and then fail on a
missing table. Instead it says where it looked and how to point to the right place, and exits 1
having created nothing. A database whose schema is missing or behind the program's migrations
is named the same way, with the command that brings it up to date. ``lims demo`` and ``lims db
upgrade`` create the project and are not checked; nor is ``lims restore``, which fills a new one.
"""
from __future__ import annotations

import os
from pathlib import Path

import click

from lims.i18n import _

#: Top-level commands that need the project's instance folder and an up-to-date database.
PROJECT_COMMANDS = frozenset({"audit", "backup", "certificates", "procedures", "serve", "trace", "user"})
#: Commands that need the instance folder only: the signing keys, and a backup (taken of a database at
#: any revision, before its upgrade; it refuses a database without schema itself).
INSTANCE_ONLY = frozenset({("certificates", "keys"), ("backup", "")})


def safe_url(url: str) -> str:
    """The URL with its password hidden."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unreadable URL is shown as given by the sqlalchemy error later
        return url


def _where(folder: Path, url: str) -> str:
    return _("Looked for the instance folder %(folder)s and the database %(url)s.", folder=str(folder),
             url=safe_url(url))


def _how() -> str:
    return _("Run the command from the project folder (the one holding instance/), or set LIMS_INSTANCE_PATH to "
             "the instance folder or LIMS_DATABASE_URL to the database.")


def check_location() -> tuple[Path, str]:
    """The instance folder and database URL, or a refusal (exit 1) when there is no project here."""
    from lims.config import instance_path

    folder = instance_path()
    env_url = os.environ.get("LIMS_DATABASE_URL")
    url = env_url or f"sqlite:///{folder / 'lims.sqlite3'}"
    if not env_url and not os.environ.get("LIMS_INSTANCE_PATH") and not folder.is_dir():
        raise click.ClickException(" ".join((_("No project here: nothing was created."), _where(folder, url),
                                             _how())))
    return folder, url


def check_schema(folder: Path, url: str) -> None:
    """Refuses (exit 1) a database that is missing, has no schema, or is behind the migrations."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy.engine import make_url

    from lims.db import make_engine
    from lims.migrate import current_heads

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:" \
            and not Path(parsed.database).exists():  # connecting would create an empty file
        raise click.ClickException(" ".join((_("No database here: nothing was created."), _where(folder, url),
                                             _how(), _("A new database is made by `lims db upgrade`."))))
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            found = set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()
    wanted = set(current_heads())
    if found == wanted:
        return
    if not found:
        message = _("The database %(url)s has no schema: run `lims db upgrade`.", url=safe_url(url))
    else:
        message = _("The database %(url)s is at revision %(found)s and this program needs %(wanted)s: run "
                    "`lims db upgrade` (after a backup).", url=safe_url(url), found=", ".join(sorted(found)),
                    wanted=", ".join(sorted(wanted)))
    raise click.ClickException(message)


def check_project(name: str, args: list[str]) -> None:
    """The checks a top-level command ``name`` (with its remaining ``args``) needs before it runs."""
    if name not in PROJECT_COMMANDS or {"--help", "-h"} & set(args):
        return
    folder, url = check_location()
    if (name, args[0] if args else "") not in INSTANCE_ONLY and (name, "") not in INSTANCE_ONLY:
        check_schema(folder, url)
