"""What has been mailed, so that a scheduled job never sends the same thing twice."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lims.models.base import Base, UTCDateTime, utcnow


class ReminderKind(str, enum.Enum):
    before_due = "before_due"  # LIMS_REMINDER_DAYS before the due date
    overdue = "overdue"  # the due date has passed


class ReminderSent(Base):
    """One instrument named in a reminder mail: once per instrument, due date and kind. A new
    verification moves the instrument's due date, and the reminders start again for the new one."""

    __tablename__ = "reminder_sent"
    __table_args__ = (
        UniqueConstraint("instrument_id", "due_date", "kind"),
        CheckConstraint("kind IN ('before_due', 'overdue')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"), index=True)
    due_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(1000))  # the addresses the mail went to, comma separated
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
