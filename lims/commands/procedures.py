"""``lims procedures load [FILE ...]`` and ``lims procedures list``: procedures as data files."""
from __future__ import annotations

from pathlib import Path

import click

from lims.commands._context import unit_of_work


@click.group("procedures")
def command() -> None:
    """Verification and calibration procedures (quy trình), kept as JSON files."""


@command.command("load")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=True, path_type=Path))
def load(files: tuple[Path, ...]) -> None:
    """Load procedure files (default: the ones shipped in lims/procedures/).

    A file equal to the latest version of its code is left alone; a changed one becomes a new
    version (records keep the version they were made with). Nothing is written when a file is wrong.
    """
    # The services load the models and the measurement core: imported when the command runs, so that
    # `lims --help` stays quick.
    from lims.services.policy import SYSTEM
    from lims.services.workflow.procedures import load_procedures

    paths: list[Path] = []
    for item in files:
        paths.extend(sorted(item.glob("*.json")) if item.is_dir() else [item])
    skipped: list[tuple[str, str]] = []
    with unit_of_work() as session:
        # The shipped files: a procedure whose instrument type the lab has not registered waits for it.
        for proc, action in load_procedures(session, SYSTEM, paths or None, skipped=None if paths else skipped):
            click.echo(f"{proc.code} v{proc.version}: {action}")
    for code, type_code in skipped:
        click.echo(f"{code}: skipped, no instrument type {type_code} (register it, then load again)")


@command.command("list")
@click.option("--all", "show_all", is_flag=True, help="include versions no longer in use")
def list_(show_all: bool) -> None:
    """List the procedures in the database."""
    from lims.services.catalog import list_procedures

    with unit_of_work() as session:
        for proc in list_procedures(session, active_only=not show_all):
            state = "" if proc.active else " (no longer in use)"
            click.echo(f"{proc.code} v{proc.version} [{proc.kind}] {proc.title_vi}{state}")
