"""Sending mail through the SMTP server of ``LIMS_SMTP_*`` (standard library ``smtplib``).

One :class:`Mailer` connection may send several messages (a reminder run); a failure raises
:class:`MailError` with a message an operator understands, never a traceback.
"""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from types import TracebackType

from lims.config import SmtpSettings
from lims.errors import LimsError
from lims.i18n import _


class MailError(LimsError):
    """The mail server could not be reached or refused the message."""

    status = 503


def message(settings: SmtpSettings, to: list[str], subject: str, body: str, sender_name: str = "") -> EmailMessage:
    """A plain-text UTF-8 message from ``LIMS_MAIL_FROM`` to ``to``."""
    msg = EmailMessage()
    msg["From"] = formataddr((sender_name, settings.mail_from)) if sender_name else settings.mail_from
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2] or None)
    msg.set_content(body)
    return msg


class Mailer:
    """A connection to the mail server, opened on entering and closed on leaving."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        s = self.settings
        try:
            if s.security == "ssl":
                self._smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout,
                                              context=ssl.create_default_context())
            else:
                self._smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    self._smtp.starttls(context=ssl.create_default_context())
            if s.user:
                self._smtp.login(s.user, s.password)
        except (OSError, smtplib.SMTPException) as exc:
            self._close()
            raise MailError(_("The mail server %(server)s cannot be used: %(reason)s",
                              server=f"{s.host}:{s.port}", reason=_reason(exc))) from exc
        return self

    def send(self, msg: EmailMessage) -> None:
        if self._smtp is None:
            raise MailError(_("The mail server connection is closed."))
        try:
            self._smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(_("The mail server refused the message to %(to)s: %(reason)s",
                              to=msg["To"], reason=_reason(exc))) from exc

    def _close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._close()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {text}"
    return str(exc) or type(exc).__name__


def send_one(settings: SmtpSettings, msg: EmailMessage) -> None:
    """Open a connection, send ``msg``, close it."""
    with Mailer(settings) as mailer:
        mailer.send(msg)
