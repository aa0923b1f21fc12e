"""The ``workflow`` blueprint that every page module of the workflow registers its views on,
and the menu entries and dashboard panel it declares (collected by :func:`lims.web.nav.init_nav`)."""
from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from lims.models import Role
from lims.services import policy
from lims.web.nav import NavItem, Panel

bp = Blueprint("workflow", __name__)

NAV = (
    NavItem("workflow.requests_list", _l("Service requests"), (Role.technician, Role.reviewer, Role.business),
            order=20),
    NavItem("workflow.records_list", _l("Records"), (Role.technician, Role.reviewer), order=21),
    NavItem("workflow.recall_page", _l("Recall"), policy.STAFF_ROLES + (Role.business,), order=22),
    NavItem("workflow.standards_overview", _l("Standards in use"), (Role.technician, Role.reviewer), order=23),
    NavItem("workflow.workstation_settings", _l("Workstation"), (Role.technician,), order=24),
)
PANELS = (Panel("workflow/panel.html", policy.STAFF_ROLES + (Role.business,)),
          Panel("workflow/due_panel.html", (Role.business,)))
