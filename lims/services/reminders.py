"""Reminders by e-mail: each business hears once, ``LIMS_REMINDER_DAYS`` before an instrument's
due date, and once more when it is overdue.

Who is written to: the business's own address (``organisation.email``) and the address of each
of its active users with the business role, all in one mail (duplicates dropped). A business
with no address at all is listed as skipped. The mail's language is the one most of those users
chose (ties: Vietnamese first), or ``LIMS_LANGUAGE`` when none chose one.

One mail per business per run lists all of its instruments newly due (those already reminded of
for the same due date and kind are left out), overdue ones first: number, type, maker and model,
serial number, due date (dd/mm/yyyy), and the link to the recall page where verification is
requested. Once a mail is accepted by the mail server, its instruments are written to
``reminder_sent`` (unique per instrument, due date and kind) with one audit event
(``reminder.sent``), and committed; so a second run sends nothing new, and a new due date (after a
new verification) starts again. A mail the server does not accept marks nothing and is reported.
"""
from __future__ import annotations

import fcntl
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import cast

from sqlalchemy import Engine, and_, case, exists, literal, select, text
from sqlalchemy.orm import Session, sessionmaker

from lims.config import SmtpSettings
from lims.i18n import _, use_language
from lims.metrology.units_format import page_day
from lims.models import (
    Instrument,
    InstrumentStatus,
    InstrumentType,
    Organisation,
    OrgKind,
    ReminderKind,
    ReminderSent,
    Role,
    User,
    UserRole,
)
from lims.services import audit
from lims.services.mail import Mailer, MailError, message
from lims.services.policy import SYSTEM

RECALL_PATH = "/recall"
OVERDUE, BEFORE_DUE = ReminderKind.overdue.value, ReminderKind.before_due.value  # plain str: read per row
_PG_RUN_LOCK = 7_410_172  # one reminder run at a time, on every host (audit.py holds 7_410_171)


@contextmanager
def one_run_at_a_time(engine: Engine) -> Iterator[bool]:
    """Whether this process may run the reminders now (False: another run holds the lock). On
    PostgreSQL a session advisory lock, held on a connection of its own for the whole run; on
    SQLite (one host) an exclusive ``flock`` on ``<database file>.reminders.lock``."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            got = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": _PG_RUN_LOCK}))
            conn.commit()
            try:
                yield got
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_RUN_LOCK})
                    conn.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield True
        return
    fd = os.open(database + ".reminders.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@dataclass(frozen=True, slots=True)
class DueItem:
    instrument_id: int
    kind: str  # ReminderKind value
    type_name_vi: str
    type_name_en: str
    manufacturer: str
    model: str
    serial_number: str
    due: date

    def type_name(self, lang: str) -> str:
        return self.type_name_en if lang == "en" and self.type_name_en else self.type_name_vi


@dataclass
class Reminder:
    """The mail one business gets in this run."""

    owner_id: int
    owner: str
    to: list[str]
    language: str
    items: list[DueItem] = field(default_factory=list)

    @property
    def overdue(self) -> list[DueItem]:
        return [i for i in self.items if i.kind == OVERDUE]

    @property
    def due_soon(self) -> list[DueItem]:
        return [i for i in self.items if i.kind == BEFORE_DUE]


@dataclass
class RunReport:
    sent: list[Reminder] = field(default_factory=list)
    skipped: list[Reminder] = field(default_factory=list)  # no address to write to
    failed: list[tuple[Reminder | None, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def pending(session: Session, *, today: date, days: int, default_language: str) -> list[Reminder]:
    """The mails a run would send now, one per business, businesses by name."""
    horizon = today + timedelta(days=days)
    kind_now = _kind_expr(today)
    already = exists().where(and_(ReminderSent.instrument_id == Instrument.id,
                                  ReminderSent.due_date == Instrument.next_due, ReminderSent.kind == kind_now))
    q = (select(Instrument.id, Instrument.owner_id, Organisation.name, Organisation.email, InstrumentType.name_vi,
                InstrumentType.name_en, Instrument.manufacturer, Instrument.model, Instrument.serial_number,
                Instrument.next_due)
         .join(Organisation, Organisation.id == Instrument.owner_id)
         .join(InstrumentType, InstrumentType.id == Instrument.type_id)
         .where(Organisation.kind == OrgKind.business.value, Instrument.status == InstrumentStatus.in_service.value,
                Instrument.next_due.is_not(None), Instrument.next_due <= horizon, ~already)
         .order_by(Organisation.name, Organisation.id, Instrument.next_due, Instrument.id))
    out: dict[int, Reminder] = {}
    emails: dict[int, str] = {}
    rows = session.connection().execute(q).all()  # the query's next_due IS NOT NULL: every due is a date
    for iid, owner_id, name, email, name_vi, name_en, maker, model, serial, next_due in rows:
        due = cast(date, next_due)
        reminder = out.get(owner_id)
        if reminder is None:
            reminder = out[owner_id] = Reminder(owner_id, name, [], default_language)
            emails[owner_id] = email or ""
        reminder.items.append(DueItem(iid, OVERDUE if due < today else BEFORE_DUE, name_vi, name_en or "",
                                      maker or "", model or "", serial, due))
    _recipients(session, out, emails, default_language)
    for reminder in out.values():  # overdue first, each part by due date
        reminder.items.sort(key=lambda i: (i.kind != OVERDUE, i.due, i.instrument_id))
    return list(out.values())


def _kind_expr(today: date):  # noqa: ANN202 - a SQL expression
    return case((Instrument.next_due < literal(today), OVERDUE), else_=BEFORE_DUE)


def _recipients(session: Session, reminders: dict[int, Reminder], emails: dict[int, str], default: str) -> None:
    if not reminders:
        return
    rows = session.execute(
        select(User.organisation_id, User.email, User.language).join(UserRole, UserRole.user_id == User.id)
        .where(User.organisation_id.in_(list(reminders)), User.active.is_(True), UserRole.role == Role.business.value)
        .order_by(User.id)).all()
    languages: dict[int, Counter[str]] = {}
    addresses: dict[int, list[str]] = {owner: [emails[owner].strip()] if emails[owner].strip() else []
                                       for owner in reminders}
    for owner_id, email, language in rows:
        owner = int(owner_id or 0)
        if email and email.strip() and email.strip().lower() not in {a.lower() for a in addresses[owner]}:
            addresses[owner].append(email.strip())
        if language in ("vi", "en"):
            languages.setdefault(owner, Counter())[language] += 1
    for owner, reminder in reminders.items():
        reminder.to = addresses[owner]
        counts = languages.get(owner)
        if counts:
            reminder.language = max(("vi", "en"), key=lambda lang: counts[lang])  # ties: vi (first)


def subject_and_body(reminder: Reminder, *, base_url: str, days: int) -> tuple[str, str]:
    """The mail's subject and text, in the reminder's language."""
    with use_language(reminder.language):
        subject = (_("Overdue verification: %(n)s instrument(s) of %(business)s", n=len(reminder.items),
                     business=reminder.owner) if reminder.overdue else
                   _("Verification due soon: %(n)s instrument(s) of %(business)s", n=len(reminder.items),
                     business=reminder.owner))
        lines = [_("Dear %(business)s,", business=reminder.owner), ""]
        number = 0
        for part, heading in ((reminder.overdue, _("These instruments are past their verification or calibration "
                                                   "due date and should not be used until verified again:")),
                              (reminder.due_soon, _("These instruments are due for verification or calibration "
                                                    "within %(days)s days:", days=days))):
            if not part:
                continue
            lines += [heading, ""]
            for item in part:
                number += 1
                maker = " ".join(x for x in (item.manufacturer, item.model) if x)
                lines.append(_("%(no)s. %(type)s%(maker)s, serial number %(serial)s, due %(due)s", no=number,
                               type=item.type_name(reminder.language), maker=f" ({maker})" if maker else "",
                               serial=item.serial_number, due=page_day(item.due, reminder.language)))
            lines.append("")
        lines += [_("To request verification, sign in and open the recall page:"), base_url + RECALL_PATH, "",
                  _("This message is sent automatically; you will be reminded once before each due date and "
                    "once when it has passed.")]
    return subject, "\n".join(lines) + "\n"


def send(factory: sessionmaker[Session], smtp: SmtpSettings | None, *, today: date, days: int, base_url: str,
         default_language: str, dry_run: bool = False) -> RunReport:
    """Send every pending reminder (:func:`pending`), each business's mail in a transaction of its own."""
    report = RunReport()
    if dry_run:  # sends and marks nothing: no need to wait for a run under way
        return _send(factory, smtp, report, today=today, days=days, base_url=base_url,
                     default_language=default_language, dry_run=True)
    engine = factory.kw["bind"]
    with one_run_at_a_time(engine.engine if hasattr(engine, "engine") else engine) as mine:
        if not mine:
            report.failed.append((None, _("Another reminder run is under way; this one sent nothing.")))
            return report
        return _send(factory, smtp, report, today=today, days=days, base_url=base_url,
                     default_language=default_language, dry_run=dry_run)


def _send(factory: sessionmaker[Session], smtp: SmtpSettings | None, report: RunReport, *, today: date, days: int,
          base_url: str, default_language: str, dry_run: bool) -> RunReport:
    with factory() as session:
        reminders = pending(session, today=today, days=days, default_language=default_language)
    to_send: list[Reminder] = []
    for reminder in reminders:
        (to_send if reminder.to else report.skipped).append(reminder)
    if dry_run or not to_send:
        report.sent = to_send if dry_run else []
        return report
    if smtp is None:
        report.failed.append((None, _("No mail server is configured (LIMS_SMTP_HOST).")))
        return report
    try:
        with Mailer(smtp) as mailer:
            for reminder in to_send:
                subject, body = subject_and_body(reminder, base_url=base_url, days=days)
                try:
                    mailer.send(message(smtp, reminder.to, subject, body))
                except MailError as exc:
                    report.failed.append((reminder, exc.message))
                    continue
                try:
                    _mark_sent(factory, reminder)
                except Exception as exc:  # noqa: BLE001 - reported: the mail went but is not recorded
                    report.failed.append((reminder, _("The mail was sent but could not be recorded (it may be "
                                                      "sent again): %(reason)s", reason=str(exc).splitlines()[0])))
                    continue
                report.sent.append(reminder)
    except MailError as exc:
        report.failed.append((None, exc.message))
    return report


def _mark_sent(factory: sessionmaker[Session], reminder: Reminder) -> None:
    with factory() as session, session.begin():
        to = ", ".join(reminder.to)
        for item in reminder.items:
            session.add(ReminderSent(instrument_id=item.instrument_id, due_date=item.due, kind=item.kind,
                                     recipient=to[:1000]))
        session.flush()
        audit.record(session, SYSTEM, "reminder.sent", entity_type="organisation", entity_id=reminder.owner_id,
                     after={"to": reminder.to, "language": reminder.language,
                            "instruments": [{"id": i.instrument_id, "due": i.due.isoformat(), "kind": i.kind}
                                           for i in reminder.items]})
