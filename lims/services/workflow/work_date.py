"""The work date of a record, and what makes it believable.

The work date is the date of performance a certificate states (ISO/IEC 17025:2017 7.8.2.1 i)
and the day the standards are judged at (their calibration in force, 6.4.13 / 6.5); a
verification's valid-until date is counted from it (Circular 23/2013/TT-BKHCN). Setting it
freely would let an expired standard be chosen again or a verification last longer, so:

* not before the instrument was received (the record's, else its request's, received date:
  receipt ≤ work, 7.8.2.1 h, i);
* not after today;
* more than ``LIMS_WORK_DATE_MAX_DAYS_BACK`` days back (default 30) only with a reason, which
  is kept in the record (``Record.work_date_reason``) and in its ``record.save`` audit event.
"""
from __future__ import annotations

from datetime import date, timedelta

from lims.config import work_date_max_days_back
from lims.i18n import _
from lims.metrology.units_format import page_day
from lims.models import Record
from lims.services.validation import Checker

__all__ = ["check_work_date", "received_on"]


def received_on(record: Record) -> date | None:
    """When the instrument was received: the record's date, else its request's."""
    if record.received_date is not None:
        return record.received_date
    request = record.request_item.request if record.request_item else None
    return request.received_date if request is not None else None


def check_work_date(c: Checker, work_date: date | None, received: date | None, reason: str, today: date) -> None:
    """Refuse, naming the field, a work date before receipt, in the future, or too far back
    without a reason (see the module docstring)."""
    if work_date is None:
        return
    if work_date > today:
        c.fail("work_date", _("The date is in the future."))
    elif received is not None and work_date < received:
        c.fail("work_date", _("The work date is before the instrument was received (%(day)s).",
                              day=page_day(received)))
    limit = work_date_max_days_back()
    if work_date < today - timedelta(days=limit) and not reason.strip():
        c.fail("work_date_reason", _("A work date more than %(n)s days back needs a reason.", n=limit))
