"""The office dashboard's figures as JSON, and each table as CSV or XLSX (reviewers and admins)."""
from __future__ import annotations

from flask import Response, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from lims.errors import ValidationError
from lims.i18n import _, current_language
from lims.models import Role
from lims.services import office
from lims.web.api.blueprints import api_blueprint
from lims.web.auth import acting_user, roles_required
from lims.web.context import get_db

bp = Blueprint("api_office", __name__, url_prefix="/office",
               description="The office dashboard: workload, turnaround, pass rates, overdue trend")
api_blueprint(bp)

FILTERS = [
    {"name": "from", "in": "query", "required": False, "schema": {"type": "string", "format": "date"},
     "description": "first day of the period (default: the first day of the month 11 months back)"},
    {"name": "to", "in": "query", "required": False, "schema": {"type": "string", "format": "date"},
     "description": "last day of the period (default: today)"},
    {"name": "type_id", "in": "query", "required": False, "schema": {"type": "integer"},
     "description": "one instrument type"},
]
KEY = {"name": "key", "in": "path", "required": True, "schema": {"type": "string", "enum": list(office.TABLES)}}


class ColumnSchema(Schema):
    name = fields.Str()
    unit = fields.Str(metadata={"description": "days, %, records ... (empty for a label column)"})


class TableSchema(Schema):
    key = fields.Str()
    title = fields.Str()
    columns = fields.List(fields.Nested(ColumnSchema))
    rows = fields.List(fields.List(fields.Raw()), metadata={"description": "one list per row, in the order of "
                                                                            "the columns (dates as YYYY-MM-DD)"})


class DashboardSchema(Schema):
    date_from = fields.Str(metadata={"format": "date"})
    date_to = fields.Str(metadata={"format": "date"})
    type_id = fields.Int(allow_none=True)
    tables = fields.List(fields.Nested(TableSchema))


def _filters() -> office.Filters:
    return office.parse_filters(get_db(), request.args)


@bp.route("")
@roles_required(Role.reviewer)
@bp.doc(parameters=FILTERS)
@bp.response(200, DashboardSchema)
def dashboard():
    """Every table of the office dashboard for the period and instrument type."""
    f = _filters()
    tables = office.dashboard(get_db(), acting_user(), f, current_language())
    return {"date_from": f.date_from.isoformat(), "date_to": f.date_to.isoformat(), "type_id": f.type_id,
            "tables": [t.to_dict() for t in tables.values()]}


@bp.route("/<key>")
@roles_required(Role.reviewer)
@bp.doc(parameters=[KEY] + FILTERS)
@bp.response(200, TableSchema)
def one_table(key: str):
    """One table of the office dashboard."""
    return office.table(get_db(), acting_user(), key, _filters(), current_language()).to_dict()


@bp.route("/<key>/export")
@roles_required(Role.reviewer)
@bp.doc(parameters=[KEY] + FILTERS + [{"name": "format", "in": "query", "required": True,
                                       "schema": {"type": "string", "enum": ["csv", "xlsx"]}}],
        responses={"200": {"description": "the table as CSV (UTF-8) or XLSX",
                           "content": {"text/csv": {},
                                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}})
def export(key: str):
    """One table of the office dashboard as a CSV or XLSX file."""
    fmt = request.args.get("format", "")
    if fmt not in ("csv", "xlsx"):
        raise ValidationError(_("Must be one of: %(choices)s.", choices="csv, xlsx"), field="format")
    f = _filters()
    t = office.table(get_db(), acting_user(), key, f, current_language())
    if fmt == "csv":
        resp = Response(office.export_csv(t), mimetype="text/csv; charset=utf-8")
    else:
        resp = Response(office.export_xlsx(t, current_language()),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp.headers["Content-Disposition"] = f'attachment; filename="office-{key}.{fmt}"'
    return resp
