"""Summaries read by the office dashboard (lims/services/office.py) instead of the raw rows.

Each is kept by the service that changes its inputs, in the same transaction, and can be
recomputed from the raw rows at any time (``lims.services.office_summary.rebuild``; migration
0009 fills them on upgrade):

* :class:`OfficeDay` — approved records per UTC day of approval, instrument type and technician
  (written at approval; an approved record never changes).
* :class:`OfficeTurnaround` — first certificates (not amendments) issued for a request, per issue
  date, instrument type and turnaround in days (written at issue; a certificate is never changed
  in place).
* :class:`OverdueSpan` — per instrument, the days on which it has had a certificate and has none
  in force (rewritten for the instrument whenever one of its certificates is issued, amended or
  revoked).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lims.models.base import Base

#: ``OverdueSpan.end_day`` of a span still open (no certificate issued since): the far future, so
#: that "spans that reach day D" is one index range ``end_day >= D``.
OPEN_END = date(9999, 12, 31)


class OfficeDay(Base):
    """Approved records of one UTC day, one instrument type and one technician."""

    __tablename__ = "office_day"
    __table_args__ = (UniqueConstraint("day", "type_id", "technician_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    type_id: Mapped[int] = mapped_column(ForeignKey("instrument_type.id"))
    technician_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    approved: Mapped[int] = mapped_column(Integer, default=0)  # records approved
    verifications: Mapped[int] = mapped_column(Integer, default=0)  # of which kind "verification"
    passed: Mapped[int] = mapped_column(Integer, default=0)  # of which verdict "pass"


class OfficeTurnaround(Base):
    """First certificates issued on one day for one instrument type ``days`` days after their request."""

    __tablename__ = "office_turnaround"
    __table_args__ = (UniqueConstraint("day", "type_id", "days"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    type_id: Mapped[int] = mapped_column(ForeignKey("instrument_type.id"))
    days: Mapped[int] = mapped_column(Integer)
    certificates: Mapped[int] = mapped_column(Integer, default=0)


class OverdueSpan(Base):
    """Days ``start_day`` … ``end_day`` (both included; :data:`OPEN_END` when still open) on which
    the instrument has had a certificate and none is in force (see docs/office.md)."""

    __tablename__ = "overdue_span"
    __table_args__ = (Index("ix_overdue_span_end_start", "end_day", "start_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"), index=True)
    start_day: Mapped[date] = mapped_column(Date)
    end_day: Mapped[date] = mapped_column(Date)
