"""Reference standard pages: which can be used today, and what one found out of tolerance affected."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lims.errors import Conflict, ValidationError
from lims.models import Role
from lims.services import policy, workflow
from lims.services.inputs import parse
from lims.services.workflow import impact as standard_impact
from lims.web import transaction
from lims.web.auth import acting_user, roles_required
from lims.web.context import get_db
from lims.web.workflow.blueprint import bp
from lims.web.workflow.helpers import fail_page


@bp.route("/standards/<int:standard_id>/impact")
@roles_required(Role.technician, Role.reviewer)
def standard_impact_page(standard_id: int):
    db = get_db()
    impact = standard_impact.impact_of_standard(db, acting_user(), standard_id)
    return render_template("workflow/impact.html", impact=impact, errors={}, data={},
                           can_mark=policy.has_role(acting_user(), Role.reviewer))


@bp.route("/standards/<int:standard_id>/out-of-tolerance", methods=["POST"])
@roles_required(Role.reviewer)
def standard_out_of_tolerance(standard_id: int):
    db = get_db()
    data = request.form.to_dict()
    try:
        standard_impact.mark_out_of_tolerance(db, acting_user(), standard_id,
                                              parse(workflow.MarkOutOfTolerance, data))
    except ValidationError as exc:
        transaction.rollback()
        impact = standard_impact.impact_of_standard(db, acting_user(), standard_id)
        return fail_page("workflow/impact.html", 422, impact=impact, errors=exc.errors, data=data, can_mark=True)
    except Conflict as exc:
        transaction.rollback()
        flash(exc.message, "error")
    else:
        flash(_("Marked out of tolerance; it can no longer be selected in records."), "success")
    return redirect(url_for("workflow.standard_impact_page", standard_id=standard_id))


@bp.route("/standards")
@roles_required(Role.technician, Role.reviewer)
def standards_overview():
    db = get_db()
    rows = workflow.standards_in_use(db, acting_user())
    return render_template("workflow/standards.html", rows=rows)
