"""``lims trace``: product traceability from the command line (docs/traceability.md).

* ``lims trace import EPCIS.json [--as USERNAME]``: capture a partner's EPCIS 2.0 document, every event
  or none; as the lab (the system) unless ``--as`` names the user whose organisation records it.
  Exit 0 when stored, 2 when refused (each problem on stderr as ``event N, field: message``).
* ``lims trace export GTIN LOT -o FILE.json``: every event of the batch as an EPCIS 2.0 document.

``lims trace list`` and ``lims trace label`` are in :mod:`lims.commands.trace_labels`; this group
holds all four.
"""
from __future__ import annotations

import json
from pathlib import Path

import click

from lims.commands import trace_labels
from lims.commands._context import unit_of_work


@click.group("trace")
def command() -> None:
    """Product traceability: products and batches, their package labels, and EPCIS 2.0 events."""


def _refuse(message: str) -> None:
    click.echo(message, err=True)
    raise click.exceptions.Exit(2)


@command.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--as", "username", default=None, help="Record as this user (for their organisation).")
def import_(file: Path, username: str | None) -> None:
    """Capture the EPCIS 2.0 document FILE (JSON-LD): every event stored, or none."""
    from lims.errors import LimsError
    from lims.i18n import _
    from lims.services import trace_events, users
    from lims.services.policy import SYSTEM

    try:
        document = json.loads(file.read_text("utf-8"))
    except OSError as exc:
        _refuse(_("Cannot read %(file)s: %(reason)s", file=str(file), reason=exc.strerror or str(exc)))
    except (ValueError, UnicodeDecodeError) as exc:
        _refuse(_("%(file)s is not JSON: %(reason)s", file=str(file), reason=str(exc)))
    try:
        with unit_of_work() as session:
            actor = users.get_user(session, username) if username else SYSTEM
            job = trace_events.capture(session, actor, document, source="import")
            count, job_id = job.event_count, job.id
    except trace_events.CaptureRefused as refused:
        for p in refused.problems:
            if p.index is None:
                click.echo(f"{p.field}: {p.message}", err=True)
            else:
                click.echo(_("event %(index)s, %(field)s: %(reason)s", index=p.index, field=p.field,
                             reason=p.message), err=True)
        _refuse(_("%(count)s problems: nothing was stored.", count=len(refused.problems)))
    except LimsError as exc:
        _refuse(exc.message)
    click.echo(_("Stored %(count)s events (capture %(id)s).", count=count, id=job_id))


@command.command("export")
@click.argument("gtin")
@click.argument("lot")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The JSON file to write.")
def export(gtin: str, lot: str, output: Path) -> None:
    """Write every event of the batch GTIN LOT as an EPCIS 2.0 document (JSON-LD) to OUTPUT."""
    from lims.i18n import _
    from lims.services import trace_events
    from traceability.gs1 import GS1Error
    from traceability.gs1 import gtin as checked_gtin

    try:
        gtin14 = checked_gtin(gtin).gtin14
    except GS1Error as exc:
        _refuse(_("GTIN: %(reason)s", reason=exc.reason))
        return
    with unit_of_work() as session:
        batch = trace_events.find_batch(session, gtin14, lot)
        if batch is None:
            _refuse(_("There is no lot %(lot)s of GTIN %(gtin)s.", lot=lot, gtin=gtin14))
            return
        written = trace_events.batch_document_json(session, batch)
    output.write_text(written + "\n", "utf-8")
    count = len(json.loads(written)["epcisBody"]["eventList"])
    click.echo(_("Wrote %(count)s events of %(gtin)s lot %(lot)s to %(file)s.", count=count, gtin=gtin14, lot=lot,
                 file=str(output)))


command.add_command(trace_labels.trace_list)
command.add_command(trace_labels.trace_label)
