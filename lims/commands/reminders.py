"""``lims reminders send``: e-mail each business about its instruments due soon or overdue (for cron).

Exit codes: 0 when every mail was accepted (or there was nothing to send); 1 when the mail server
could not be used or refused a mail (nothing is marked sent for those); 2 when no mail server is
configured (``LIMS_SMTP_HOST``) for a real run.
"""
from __future__ import annotations

from datetime import date

import click

from lims.commands._context import session_factory


def run(*, dry_run: bool = False, today: date | None = None, echo=click.echo) -> bool:
    """Send (or list, ``dry_run``) the pending reminders, printing what happens; False if any failed."""
    from lims.config import Settings, database_url, instance_path, reminder_days, smtp_settings
    from lims.i18n import _
    from lims.services import reminders

    smtp = smtp_settings()
    if smtp is None and not dry_run:
        raise click.UsageError(_("No mail server is configured: set LIMS_SMTP_HOST (see the README)."))
    settings = Settings.from_env(instance_path=instance_path(), database_url=database_url(), secret_key="-")
    days = reminder_days()
    with session_factory() as factory:
        report = reminders.send(factory, smtp, today=today or date.today(), days=days,
                                base_url=settings.base_url, default_language=settings.language, dry_run=dry_run)
    line = (_("would send: %(business)s -> %(to)s (%(lang)s): %(n)s instrument(s), %(overdue)s overdue")
            if dry_run else _("sent: %(business)s -> %(to)s (%(lang)s): %(n)s instrument(s), %(overdue)s overdue"))
    for reminder in report.sent:
        echo(line % {"business": reminder.owner, "to": ", ".join(reminder.to), "lang": reminder.language,
                     "n": len(reminder.items), "overdue": len(reminder.overdue)})
        if dry_run:
            for item in reminder.items:
                state = _("overdue") if item.kind == "overdue" else _("due soon")
                echo(f"    {state} {item.due.strftime('%d/%m/%Y')} {item.type_name(reminder.language)} "
                     f"{item.serial_number}")
    for reminder in report.skipped:
        echo(_("skipped: %(business)s has no e-mail address (%(n)s instrument(s) due)",
               business=reminder.owner, n=len(reminder.items)))
    for failed, reason in report.failed:
        who = failed.owner if failed is not None else _("every business")
        echo(_("FAILED: %(business)s: %(reason)s", business=who, reason=reason), err=True)
    summary = (_("reminders: %(sent)s mail(s) would be sent, %(skipped)s business(es) without an address")
               if dry_run else
               _("reminders: %(sent)s mail(s) sent, %(skipped)s business(es) without an address, %(failed)s failed"))
    echo(summary % {"sent": len(report.sent), "skipped": len(report.skipped), "failed": len(report.failed)})
    return report.ok


@click.group("reminders")
def command() -> None:
    """Reminders by e-mail to businesses about instruments due for verification."""


@command.command("send")
@click.option("--dry-run", is_flag=True, help="List what would be sent; send and mark nothing.")
def send(dry_run: bool) -> None:
    """Mail each business once LIMS_REMINDER_DAYS before an instrument's due date and once when it is
    overdue. Exit 1 if a mail could not be sent (nothing is marked sent for it)."""
    if not run(dry_run=dry_run):
        raise click.exceptions.Exit(1)
