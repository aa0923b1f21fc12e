"""``lims export KIND FILE``: every row of KIND in the import template's columns (``.csv`` or
``.xlsx`` by FILE's suffix), so that it imports into an empty system (docs/import.md)."""
from __future__ import annotations

from pathlib import Path

import click

from lims.commands._context import unit_of_work


@click.command("export")
@click.argument("kind", type=click.Choice(("customers", "instruments", "standards", "certificates")))
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def command(kind: str, file: Path) -> None:
    """Write every row of KIND to FILE (.csv or .xlsx)."""
    from lims.i18n import _
    from lims.services import imports
    from lims.services.policy import SYSTEM

    fmt = file.suffix.lower().lstrip(".")
    if fmt not in imports.FORMATS:
        raise click.UsageError(_("The file name must end in .csv or .xlsx."))
    with unit_of_work() as session:
        file.write_bytes(imports.export_file(session, SYSTEM, kind, fmt))
    click.echo(str(file))
