"""``lims import KIND FILE [--dry-run] [--pdf PDF ...]`` and ``lims export KIND FILE``: bringing a
lab's history in from the command line, as the admin pages do (docs/import.md).

Exit codes: 0 when the file was imported (or, with ``--dry-run``, when every row is correct); 1 when
rows are at fault (each printed as ``row N, column: message``; nothing was written); 2 for bad usage
(an unknown kind, a file that cannot be read).
"""
from __future__ import annotations

from pathlib import Path

import click

from lims.commands._context import unit_of_work

KINDS = ("customers", "instruments", "standards", "certificates")


@click.command("import")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and write nothing.")
@click.option("--pdf", "pdfs", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A PDF of a past certificate, named by its number (repeatable; or put them in a ZIP with FILE).")
def command(kind: str, file: Path, dry_run: bool, pdfs: tuple[Path, ...]) -> None:
    """Import KIND (customers, instruments, standards, certificates) from FILE (CSV, XLSX or ZIP): all rows or none."""
    from lims.i18n import _
    from lims.services import certificates as certs
    from lims.services import imports
    from lims.services.policy import SYSTEM

    ctx = certs.context_from_env()
    beside = {p.name: p.read_bytes() for p in pdfs}
    try:
        with unit_of_work() as session:
            result = imports.run_import(session, SYSTEM, kind, file.name, file.read_bytes(), pdfs=beside,
                                        dry_run=dry_run, context=ctx)
            if result.errors:
                raise imports.ImportRefused(result)
        certs.write_pending(session)
    except imports.ImportRefused as refused:
        for e in refused.result.errors:
            click.echo(_("row %(row)s, %(column)s: %(what)s", row=e.row, column=e.column or "—", what=e.message),
                       err=True)
        click.echo(_("%(count)s faults: nothing was imported.", count=len(refused.result.errors)), err=True)
        raise click.exceptions.Exit(1) from None
    if dry_run:
        click.echo(_("%(rows)s rows checked: all correct (nothing written).", rows=result.rows))
    else:
        click.echo(_("Imported %(count)s rows from %(file)s.", count=result.rows, file=file.name))
