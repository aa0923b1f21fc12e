"""``lims audit verify``: check the audit hash chain."""
from __future__ import annotations

import click

from lims.commands._context import unit_of_work


@click.group("audit")
def command() -> None:
    """Audit trail."""


@command.command("verify")
def verify() -> None:
    """Walk the audit chain; name the first event that does not match. Exit 1 if any."""
    from lims.services.audit import verify_chain

    with unit_of_work() as session:
        report = verify_chain(session)
    if report.ok:
        click.echo(f"audit chain intact: {report.checked} events checked")
        return
    raise click.ClickException(
        f"audit chain broken at event #{report.first_bad_seq} (id {report.first_bad_id}): {report.reason}; "
        f"{report.checked} events before it are intact"
    )
