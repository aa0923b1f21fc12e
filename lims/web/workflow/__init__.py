"""Pages of the workflow: service requests, records with live device capture, review, recall, impact.

One module per page group, all on the ``workflow`` blueprint (:mod:`.blueprint`):
:mod:`.requests`, :mod:`.records`, :mod:`.workstation` (live capture and the device ports),
:mod:`.recall`, :mod:`.standards`; :mod:`.helpers` holds the labels and number formatting the
templates share, :mod:`.chart` the error chart. Views parse the input, call one service and
render; the request's transaction (:mod:`lims.web.transaction`) commits. A validation error
re-renders the form with the user's input and the messages (422), a stale save keeps the input
and says who changed the record (409).
"""
from __future__ import annotations

from typing import Any

from lims.config import reminder_days
from lims.models import Role
from lims.services import policy, workflow
from lims.services.workflow import due_requests
from lims.services.workflow import recall as recall_service
from lims.web.auth import acting_user
from lims.web.context import get_db
from lims.web.workflow import recall, records, requests, standards, workstation
from lims.web.workflow.blueprint import bp
from lims.web.workflow.helpers import input_number, quantity_text, sig2, unit_text, wf_helpers

__all__ = ["bp", "input_number", "quantity_text", "recall", "records", "requests", "sig2", "standards", "unit_text",
           "wf_helpers", "workflow_panel", "due_panel", "workstation"]



@bp.app_template_global("workflow_panel")
def workflow_panel() -> dict:
    """Numbers for the dashboard panel (what waits for this user) and what the user may open."""
    db = get_db()
    user = acting_user()
    out: dict[str, Any] = {"recall": recall_service.due_counts(db, user, days=30)}
    if policy.is_staff(user):
        out["records"] = workflow.counts_by_status(db, user)
        out["mine"] = workflow.counts_by_status(db, user, technician_id=policy.actor_id(user))
    out["requests"] = workflow.count_service_requests(db, user, status="submitted")
    out["can_see_requests"] = policy.has_role(user, Role.technician, Role.reviewer, Role.business)
    out["can_see_records"] = policy.has_role(user, Role.technician, Role.reviewer)
    out["own_work"] = user is not None and user.has_role(Role.technician)  # an admin has no records of their own
    return out


@bp.app_template_global("due_panel")
def due_panel() -> dict:
    """A business's instruments overdue or due within ``LIMS_REMINDER_DAYS``, each with what stands
    in the way of requesting its verification (the dashboard's "Due and overdue instruments")."""
    user = acting_user()
    if not policy.asks_for_own_instruments(user):  # an admin holds the business role too
        return {"shown": False}
    return {"shown": True, "offers": due_requests.due_offers(get_db(), user), "days": reminder_days(),
            "no_procedure": workflow.no_procedure_message("verification")}
