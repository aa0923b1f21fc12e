"""``lims jobs run-due``: the one entry point for what runs on a schedule (a systemd timer or cron).

Runs every job of :mod:`lims.services.scheduled` in turn, each on its own (one failing does not
stop the next), prints each one's outcome, and exits 1 if any failed. Running it again at once
does nothing new.
"""
from __future__ import annotations

from collections.abc import Callable

import click

Outcome = tuple[str, list[str]]  # ("ok" | "skipped" | "failed", lines to print)


def _reminders() -> Outcome:
    from lims.commands import reminders
    from lims.config import smtp_settings
    from lims.i18n import _

    if smtp_settings() is None:
        return "skipped", [_("no mail server is configured (LIMS_SMTP_HOST)")]
    lines: list[str] = []
    ok = reminders.run(echo=lambda text, err=False: lines.append(text))
    return ("ok" if ok else "failed"), lines


def _audit_checkpoint() -> Outcome:
    from lims.commands._context import unit_of_work
    from lims.config import audit_checkpoint_dir
    from lims.i18n import _
    from lims.services.scheduled import checkpoint_if_moved

    with unit_of_work() as session:
        path, head = checkpoint_if_moved(session, audit_checkpoint_dir())
    if not head:
        return "skipped", [_("The audit chain is empty: no checkpoint written.")]
    if path is None:
        return "ok", [_("a checkpoint of event #%(seq)s exists already", seq=head)]
    return "ok", [_("checkpoint written: %(path)s", path=str(path))]


JOBS: list[tuple[str, Callable[[], Outcome]]] = [
    ("reminders", _reminders),
    ("audit-checkpoint", _audit_checkpoint),
]


@click.group("jobs")
def command() -> None:
    """Scheduled jobs."""


@command.command("run-due")
def run_due() -> None:
    """Run every scheduled job once (reminders by e-mail, an audit checkpoint); safe to repeat.
    Exit 1 if any job failed."""
    from lims.cli import _describe
    from lims.i18n import _

    labels = {"ok": _("done"), "skipped": _("skipped"), "failed": _("FAILED")}
    counts = {"ok": 0, "skipped": 0, "failed": 0}
    for name, job in JOBS:
        try:
            status, lines = job()
        except Exception as exc:  # noqa: BLE001 - one job's fault is reported; the next still runs
            status, lines = "failed", [_describe(exc)]
        counts[status] += 1
        click.echo(f"{name}: {labels[status]}", err=status == "failed")
        for line in lines:
            click.echo("  " + line, err=status == "failed")
    click.echo(_("jobs: %(ok)s done, %(skipped)s skipped, %(failed)s failed", ok=counts["ok"],
                 skipped=counts["skipped"], failed=counts["failed"]))
    if counts["failed"]:
        raise click.exceptions.Exit(1)
