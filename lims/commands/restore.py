"""``lims restore FILE``: a backup archive back into the configured database and instance folder."""
from __future__ import annotations

from pathlib import Path

import click


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="empty a database that holds data (and replace differing files) first")
def command(file: Path, force: bool) -> None:
    """Restore the backup archive FILE into the configured (empty) database and instance folder.

    The archive is checked whole first; a damaged one, or a database that holds data (without
    --force), is refused with nothing changed. Exit 2 then."""
    from lims.config import Settings
    from lims.db import make_engine
    from lims.services.backup_archive import ArchiveError
    from lims.services.restore import RestoreRefused, restore

    settings = Settings.from_env(secret_key="unused")
    engine = make_engine(settings.database_url)
    try:
        report = restore(engine, settings.instance_path, file, signing_key_path=settings.signing_key_path,
                         force=force)
    except (ArchiveError, RestoreRefused) as exc:
        click.echo(f"Error: {exc.message}", err=True)
        raise click.exceptions.Exit(2) from None
    finally:
        engine.dispose()
    if report.emptied:
        click.echo("the database held data: it was emptied first (--force)")
    click.echo(f"restored {sum(report.tables.values())} rows in {len(report.tables)} tables and {report.files} "
               f"stored files from the backup of {report.backup_at} (revision {report.revision}, then upgraded)")
    click.echo(f"audit chain: events 1-{report.audit_head_seq} from the archive, #{report.restored_event_seq} "
               f"records the restore (archive sha256 {report.archive_sha256})")
    for name in report.private_keys:
        click.echo(f"private key restored from the archive: {name}")
    for warning in report.warnings:
        click.echo(f"WARNING: {warning}", err=True)
