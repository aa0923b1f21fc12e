"""Recall pages: instruments due for verification or calibration, as a page, CSV or XLSX."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, current_app, render_template, request, stream_with_context
from flask_babel import gettext as _

from lims.models import Role
from lims.services import policy
from lims.services.workflow import recall
from lims.web.auth import acting_user, roles_required
from lims.web.context import get_db
from lims.web.query import query_int
from lims.web.workflow.blueprint import bp
from lims.web.workflow.helpers import lang


def _recall_args() -> dict[str, Any]:
    return {"days": query_int("days", 30, maximum=recall.MAX_DAYS), "owner_id": query_int("owner_id"),
            "overdue_only": request.args.get("overdue") == "1"}


PAGE = 200


@bp.route("/recall")
@roles_required(Role.technician, Role.reviewer, Role.inspector, Role.business)
def recall_page():
    db = get_db()
    user = acting_user()
    args = _recall_args()
    offset = query_int("offset", 0)
    rows = recall.due_list(db, user, limit=PAGE + 1, offset=offset, **args)
    counts = recall.due_counts(db, user, days=args["days"], owner_id=args["owner_id"])
    staff = policy.is_staff(user)
    by_business = recall.due_by_business(db, user, days=args["days"]) if staff and args["owner_id"] is None else []
    owner = recall.owner(db, user, args["owner_id"]) if staff and args["owner_id"] else None
    businesses = recall.businesses(db, user) if staff else []
    return render_template("workflow/recall.html", rows=rows[:PAGE], more=len(rows) > PAGE, offset=offset,
                           page=PAGE, counts=counts, args=args, staff=staff, by_business=by_business,
                           owner=owner, businesses=businesses, today=date.today())


def _export_name(ext: str) -> str:
    return f"recall-{date.today().isoformat()}.{ext}"


@bp.route("/recall.csv")
@roles_required(Role.technician, Role.reviewer, Role.inspector, Role.business)
def recall_csv():
    db = get_db()
    args = _recall_args()
    recall.due_counts(db, acting_user(), days=args["days"], owner_id=args["owner_id"])  # checks the input first
    rows = recall.iter_due_own_session(current_app.extensions["lims.sessions"], acting_user(), **args)
    resp = Response(stream_with_context(recall.export_csv(rows, lang())), mimetype="text/csv; charset=utf-8")
    resp.headers["Content-Disposition"] = f'attachment; filename="{_export_name("csv")}"'
    return resp


@bp.route("/recall.xlsx")
@roles_required(Role.technician, Role.reviewer, Role.inspector, Role.business)
def recall_xlsx():
    db = get_db()
    args = _recall_args()
    data = recall.export_xlsx(recall.iter_due(db, acting_user(), **args), lang(), title=_("Recall"))
    resp = Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp.headers["Content-Disposition"] = f'attachment; filename="{_export_name("xlsx")}"'
    return resp
