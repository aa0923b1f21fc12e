"""Due and overdue instruments a business can ask the lab to verify, several at once.

For each instrument of the viewer's business overdue or due within ``LIMS_REMINDER_DAYS`` (the
reminder setting), whether it can be put in a new request: not when its type has no procedure
for the kind of work (the lab could not do it), nor when it is already in an open request of
that kind (submitted, accepted or in progress) — that request is named instead.
The same check refuses such an instrument when a request is filed
(:func:`lims.services.workflow.requests.create_service_request`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.config import reminder_days
from lims.models import Instrument
from lims.services.policy import Actor
from lims.services.workflow.recall import DueRow, due_list
from lims.services.workflow.requests import (
    OPEN_REQUEST_STATUSES,
    no_procedure_message,
    open_requests_of,
    serviceable_type_ids,
)

__all__ = ["OPEN_REQUEST_STATUSES", "DueOffer", "RequestState", "due_offers", "no_procedure_message",
           "open_requests_of", "request_states"]


@dataclass(frozen=True)
class RequestState:
    """Whether an instrument can be put in a new request of a kind of work, and if not, why."""

    serviceable: bool  # its type has a procedure for the kind of work
    open_request_id: int | None = None  # the open request of that kind it is already in
    open_request_number: str | None = None

    @property
    def can_request(self) -> bool:
        return self.serviceable and self.open_request_id is None


@dataclass(frozen=True)
class DueOffer:
    """One due or overdue instrument and whether it can be requested."""

    due: DueRow
    state: RequestState


def request_states(session: Session, instrument_ids: list[int], kind: str = "verification") -> dict[int, RequestState]:
    """What stands in the way of requesting each instrument for ``kind`` (the caller has checked
    that the viewer may see them)."""
    if not instrument_ids:
        return {}
    allowed = serviceable_type_ids(session, kind)
    types = dict(session.execute(select(Instrument.id, Instrument.type_id)
                                 .where(Instrument.id.in_(instrument_ids))).all())
    open_ = open_requests_of(session, instrument_ids, kind)
    out = {}
    for iid in instrument_ids:
        rid, number = open_.get(iid, (None, None))
        out[iid] = RequestState(types.get(iid) in allowed, rid, number)
    return out


def due_offers(session: Session, viewer: Actor | None, *, kind: str = "verification", days: int | None = None,
               today: date | None = None, limit: int = 200) -> list[DueOffer]:
    """The viewer's instruments overdue or due within ``days`` (default ``LIMS_REMINDER_DAYS``),
    most overdue first, each with what stands in the way of requesting it (a business sees its own;
    staff see every business's)."""
    rows = due_list(session, viewer, days=reminder_days() if days is None else days, today=today, limit=limit)
    states = request_states(session, [r.instrument_id for r in rows], kind)
    return [DueOffer(r, states[r.instrument_id]) for r in rows]
