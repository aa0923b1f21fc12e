"""``lims backup FILE``: the database, the stored files and the public keys in one archive."""
from __future__ import annotations

from pathlib import Path

import click


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--include-private-keys", is_flag=True,
              help="also store the signing key, secret_key and audit.key (keep such an archive like the keys)")
@click.option("--allow-missing", is_flag=True,
              help="write the archive even when certificate files are missing (they are listed in it)")
@click.option("--force", is_flag=True, help="replace FILE when it exists")
def command(file: Path, include_private_keys: bool, allow_missing: bool, force: bool) -> None:
    """Write one consistent backup archive of the configured database and instance folder to FILE."""
    from lims.config import Settings
    from lims.db import make_engine
    from lims.services.backup import backup
    from lims.services.backup_archive import ArchiveError

    if file.exists() and not force:
        click.echo(f"Error: {file} exists already; give another name (or --force to replace it)", err=True)
        raise click.exceptions.Exit(2)
    settings = Settings.from_env(secret_key="unused")
    engine = make_engine(settings.database_url)
    try:
        report = backup(engine, settings.instance_path, file, signing_key_path=settings.signing_key_path,
                        include_private_keys=include_private_keys, allow_missing=allow_missing, overwrite=force)
    except ArchiveError as exc:
        click.echo(f"Error: {exc.message}", err=True)
        raise click.exceptions.Exit(1) from None
    finally:
        engine.dispose()
    rows = sum(report.tables.values())
    click.echo(f"backup written: {report.path} ({report.size} bytes, sha256 {report.sha256})")
    click.echo(f"  {report.dialect} database at revision {report.revision}, taken at {report.created_at}: "
               f"{rows} rows in {len(report.tables)} tables, audit head #{report.audit_head_seq}")
    click.echo(f"  {report.files} stored certificate files; public signing key(s): "
               f"{', '.join(report.signing_key_ids) or 'none'}")
    for path in report.missing_files:
        click.echo(f"WARNING: missing from the archive (file absent or not as recorded): {path}", err=True)
    if report.private_keys:
        click.echo("!" * 72, err=True)
        click.echo(f"WARNING: this archive holds PRIVATE KEYS ({', '.join(report.private_keys)}). Whoever reads it "
                   f"can sign certificates in the lab's name. Keep it as safe as the keys themselves.", err=True)
        click.echo("!" * 72, err=True)
    else:
        click.echo("  no private key is in the archive: keep the signing key and audit key safe separately")
