"""``lims audit verify`` and ``lims audit checkpoint``: the audit chain, its checkpoints, the state.

Exit codes: 0 when everything holds; 1 when a check answers no (a broken or truncated chain,
a checkpoint that does not match, a status that disagrees with its last event) or the audit
key cannot be read.
"""
from __future__ import annotations

import click

from lims.commands._context import unit_of_work


@click.group("audit")
def command() -> None:
    """Audit trail."""


@command.command("verify")
def verify() -> None:
    """Walk the chain, check every checkpoint and the stored statuses; write a checkpoint when
    the chain holds. Exit 1 if anything does not."""
    from lims.config import audit_checkpoint_dir
    from lims.i18n import _
    from lims.services.audit import session_key
    from lims.services.audit_checkpoints import write_checkpoint
    from lims.services.audit_verify import verify_chain

    folder = audit_checkpoint_dir()
    written = None
    with unit_of_work() as session:
        report = verify_chain(session, checkpoint_dir=folder)
        if report.chain_ok and report.checked:
            written = write_checkpoint(folder, session_key(session, create=False), report.head_seq,
                                       report.head_hash, report.checked)
    click.echo(_("events checked: %(n)s", n=report.checked))
    if report.keyed_from == 1:
        click.echo(_("scheme: HMAC-SHA256 (keyed) from the first event"))
    elif report.keyed_from:
        click.echo(_("scheme: SHA-256 up to event #%(plain)s, HMAC-SHA256 (keyed) from event #%(seq)s (audit.keyed)",
                     plain=report.keyed_from - 1, seq=report.keyed_from))
    failures = [f for f in report.checkpoint_findings if f.failure]
    superseded = [f for f in report.checkpoint_findings if not f.failure]
    click.echo(_("checkpoints checked: %(n)s (%(bad)s failed, %(superseded)s superseded by a restore)",
                 n=report.checkpoints_checked, bad=len(failures), superseded=len(superseded)))
    for finding in superseded:
        click.echo("  " + finding.message)
    click.echo(_("disagreements between stored state and the audit trail: %(n)s", n=len(report.disagreements)))
    problems = []
    if not report.walk_ok:
        where = (_("audit chain broken at event #%(seq)s (id %(id)s): %(reason)s", seq=report.first_bad_seq,
                   id=report.first_bad_id, reason=report.reason) if report.first_bad_id is not None
                 else _("audit chain not keyed: %(reason)s", reason=report.reason))
        problems.append(where)
    problems += [f.message for f in failures] + report.restore_problems
    problems += [d.message() for d in report.disagreements]
    if written is not None:
        click.echo(_("checkpoint written: %(path)s", path=str(written)))
    if not problems:
        click.echo(_("audit chain intact"))
        return
    for problem in problems:
        click.echo("  " + problem, err=True)
    raise click.ClickException(_("%(n)s problem(s) found in the audit trail.", n=len(problems)))


@command.command("checkpoint")
def checkpoint() -> None:
    """Write a signed checkpoint of the chain's head (LIMS_AUDIT_CHECKPOINT_DIR); for a daily timer."""
    from lims.config import audit_checkpoint_dir
    from lims.i18n import _
    from lims.services.audit_verify import take_checkpoint

    with unit_of_work() as session:
        path = take_checkpoint(session, audit_checkpoint_dir())
    if path is None:
        click.echo(_("The audit chain is empty: no checkpoint written."))
    else:
        click.echo(_("checkpoint written: %(path)s", path=str(path)))
