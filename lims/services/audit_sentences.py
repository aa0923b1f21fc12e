"""The audit trail as people read it: one sentence per event ("Lan opened the record").

The events keep their internal action names (``record.open``) for programs and for
``lims audit verify``; pages show :func:`history` instead — the actor's full name and a
translated sentence per action, a generic sentence for an action this table does not know
(never the internal name).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.i18n import N_, _
from lims.models import AuditEvent, User

__all__ = ["HistoryLine", "history", "history_of", "sentence"]

# action -> sentence with %(who)s; translated when shown.
SENTENCES = {
    "record.open": N_("%(who)s opened the record"),
    "record.save": N_("%(who)s saved the record"),
    "record.submit": N_("%(who)s submitted the record for review"),
    "record.approve": N_("%(who)s approved"),
    "record.return": N_("%(who)s returned the record for correction"),
    "certificate.issue": N_("%(who)s issued the certificate"),
    "certificate.amend": N_("%(who)s issued a corrected certificate"),
    "certificate.supersede": N_("%(who)s marked the certificate as replaced by a corrected one"),
    "certificate.revoke": N_("%(who)s revoked the certificate"),
    "certificate.rerender": N_("%(who)s rebuilt the certificate's files"),
    "certificate.import": N_("%(who)s imported the certificate from the lab's earlier records"),
    "import.run": N_("%(who)s imported a file of the lab's records"),
    "instrument.create": N_("%(who)s registered the instrument"),
    "instrument.next_due": N_("%(who)s set the instrument's next due date"),
    "instrument.update": N_("%(who)s corrected the instrument"),
    "instrument_type.create": N_("%(who)s added the instrument type"),
    "instrument_type.update": N_("%(who)s corrected the instrument type"),
    "instrument_type.withdraw": N_("%(who)s withdrew the instrument type"),
    "instrument_type.reinstate": N_("%(who)s reinstated the instrument type"),
    "organisation.create": N_("%(who)s added the organisation"),
    "organisation.update": N_("%(who)s corrected the organisation"),
    "organisation.withdraw": N_("%(who)s withdrew the organisation"),
    "organisation.reinstate": N_("%(who)s reinstated the organisation"),
    "procedure.create": N_("%(who)s added the procedure"),
    "procedure.deactivate": N_("%(who)s withdrew the procedure"),
    "product.create": N_("%(who)s registered the product"),
    "product.update": N_("%(who)s corrected the product"),
    "product.withdraw": N_("%(who)s withdrew the product"),
    "product.reinstate": N_("%(who)s reinstated the product"),
    "product.disclosure": N_("%(who)s changed what the public sees of the product"),
    "batch.create": N_("%(who)s registered the batch"),
    "batch.update": N_("%(who)s corrected the batch"),
    "trace_location.create": N_("%(who)s registered the place"),
    "trace_location.update": N_("%(who)s corrected the place"),
    "trace_location.withdraw": N_("%(who)s withdrew the place"),
    "trace_location.reinstate": N_("%(who)s put the place back in use"),
    "reference_standard.create": N_("%(who)s added the reference standard"),
    "reference_standard.update": N_("%(who)s corrected the reference standard"),
    "reference_standard.out_of_tolerance": N_("%(who)s took the reference standard out of use (out of tolerance)"),
    "reference_standard.back_in_use": N_("%(who)s put the reference standard back in use"),
    "standard_calibration.create": N_("%(who)s entered a calibration of the reference standard"),
    "service_request.create": N_("%(who)s filed the service request"),
    "service_request.accept": N_("%(who)s accepted the service request"),
    "service_request.accepted": N_("%(who)s accepted the service request"),
    "service_request.in_progress": N_("Work on the service request started (%(who)s)"),
    "service_request.completed": N_("The service request was completed (%(who)s)"),
    "service_request.cancel": N_("%(who)s cancelled the service request"),
    "service_request.cancelled": N_("%(who)s cancelled the service request"),
    "user.create": N_("%(who)s created the user account"),
    "user.deactivate": N_("%(who)s deactivated the user account"),
    "user.update": N_("%(who)s corrected the user account"),
    "user.reactivate": N_("%(who)s reactivated the user account"),
    "user.password": N_("%(who)s changed the password"),
    "api_token.create": N_("%(who)s created an API token"),
    "api_token.revoke": N_("%(who)s revoked an API token"),
    "login.blocked": N_("Sign-in was blocked after repeated failures (%(who)s)"),
    "audit.restored": N_("%(who)s restored the data from a backup"),
    "trace.capture": N_("%(who)s recorded traceability events (EPCIS)"),
}
GENERIC = N_("%(who)s changed this item")


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    text: str
    action: str  # the internal name, for programs (a data attribute), never shown as text


def sentence(action: str, who: str) -> str:
    """The sentence for ``action`` done by ``who``, in the current language."""
    return _(SENTENCES.get(action, GENERIC), who=who)


def history(session: Session, events: Iterable[AuditEvent]) -> list[HistoryLine]:
    """``events`` as sentences naming each actor by full name (the username when there is none)."""
    events = list(events)
    ids = {e.actor_id for e in events if e.actor_id is not None}
    names = {u.id: (u.full_name or u.username)
             for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    out = []
    for e in events:
        who = names.get(e.actor_id) if e.actor_id is not None else None
        if who is None:
            who = _("the system") if e.actor in ("system", "") else e.actor
        out.append(HistoryLine(at=e.at, text=sentence(e.action, who), action=e.action))
    return out


def history_of(session: Session, entity_type: str, entity_id: int | str) -> list[HistoryLine]:
    """The audit trail of one entity (``"certificate"``, 12), oldest first, as sentences."""
    events = session.scalars(select(AuditEvent).where(AuditEvent.entity_type == entity_type,
                                                      AuditEvent.entity_id == str(entity_id))
                             .order_by(AuditEvent.seq))
    return history(session, events)
