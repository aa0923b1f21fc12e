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

from flask_babel import lazy_gettext as _l

from lims.models import Role
from lims.services import policy, workflow
from lims.services.workflow import recall as recall_service
from lims.web.auth import acting_user
from lims.web.context import get_db
from lims.web.nav import NavItem, add_dashboard_panel, add_nav
from lims.web.workflow import recall, records, requests, standards, workstation
from lims.web.workflow.blueprint import bp
from lims.web.workflow.helpers import input_number, quantity_text, sig2, unit_text, wf_helpers

__all__ = ["bp", "input_number", "quantity_text", "recall", "records", "requests", "sig2", "standards", "unit_text",
           "wf_helpers", "workflow_panel", "workstation"]

add_nav(NavItem("workflow.requests_list", _l("Service requests"), (Role.technician, Role.reviewer, Role.business),
                order=20))
add_nav(NavItem("workflow.records_list", _l("Records"), (Role.technician, Role.reviewer), order=21))
add_nav(NavItem("workflow.recall_page", _l("Recall"), policy.STAFF_ROLES + (Role.business,), order=22))
add_nav(NavItem("workflow.standards_overview", _l("Standards in use"), (Role.technician, Role.reviewer), order=23))
add_nav(NavItem("workflow.workstation_settings", _l("Workstation"), (Role.technician,), order=24))
add_dashboard_panel("workflow/panel.html", policy.STAFF_ROLES + (Role.business,))


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
