"""Service requests, records (save, capture, submit, return, approve), recall lists, bad-standard impact.

The same services, typed inputs (:mod:`lims.services.workflow.inputs`, parsed from the JSON body)
and permission rules as the pages: a stale ``version_id`` gets 409 and changes nothing, bad input
422 naming the field, a device fault 502 naming the port. The request's transaction commits.
"""
from __future__ import annotations

from datetime import date

from flask import Response, current_app, request, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint

from lims.errors import ValidationError
from lims.i18n import _, current_language
from lims.models import RecordStatus, RequestStatus, Role
from lims.services import search, workflow
from lims.services.inputs import parse
from lims.services.workflow import capture as cap
from lims.services.workflow import impact as standard_impact
from lims.services.workflow import recall
from lims.web.api.blueprints import api_blueprint
from lims.web.api.common import body, int_param, json_body, query_int
from lims.web.api.list_params import TOTAL_HEADERS_DOC, date_param, enum_param, list_params
from lims.web.api.workflow_schemas import (
    AcceptSchema,
    CancelSchema,
    CaptureSchema,
    ImpactSchema,
    OpenRecordSchema,
    OutOfToleranceSchema,
    RecallByBusinessSchema,
    RecallSchema,
    RecordSchema,
    ReturnSchema,
    SaveRecordSchema,
    ServiceRequestSchema,
    StandardChoiceSchema,
    VersionSchema,
)
from lims.web.auth import acting_user, roles_required
from lims.web.context import get_db
from lims.web.listing import api_paging, total_headers
from lims.web.lists import record_filter, request_filter
from lims.web.openapi import ERROR_RESPONSES

bp = Blueprint("api_workflow", __name__, url_prefix="",
               description="Service requests, records with computed results, review, recall and standard impact")
api_blueprint(bp)

PAGING = [int_param("limit", "at most this many (default 200, max 1000)"), int_param("offset", "skip this many")]


def _paging() -> dict:
    return {"limit": query_int("limit", 200, maximum=1000), "offset": query_int("offset", 0)}


# ---------------------------------------------------------------- service requests


@bp.route("/service-requests")
class ServiceRequests(MethodView):
    @roles_required(Role.technician, Role.reviewer, Role.business)
    @bp.doc(parameters=list_params(
        "requests", "the number, customer's name and tax code, site address and notes",
        enum_param("status", [s.value for s in RequestStatus]), enum_param("kind", ["verification", "calibration"]),
        int_param("customer_id", "only this customer's (staff)"),
        date_param("filed_from", "filed on or after"), date_param("filed_to", "filed on or before")))
    @bp.response(200, ServiceRequestSchema(many=True), headers=TOTAL_HEADERS_DOC)
    def get(self):
        """List service requests (a business sees its own): searched, filtered, sorted (newest first), paged."""
        found = search.search_requests(get_db(), acting_user(), request_filter(), **api_paging())
        return found.rows, total_headers(found)

    @roles_required(Role.technician, Role.business)
    @bp.doc(**body(ServiceRequestSchema))
    @bp.response(201, ServiceRequestSchema)
    def post(self):
        """File a service request (a business for its own instruments; the lab for a customer).

        Several instruments in one request (``instrument_ids``). Refused with 422 naming why,
        nothing created: an instrument not of the customer, scrapped, of a type without a
        procedure for the kind of work, or already in an open request of that kind."""
        db = get_db()
        req = workflow.create_service_request(db, acting_user(), parse(workflow.NewServiceRequest, json_body()))
        return req


@bp.route("/service-requests/<int:request_id>")
class ServiceRequestItem(MethodView):
    @roles_required(Role.technician, Role.reviewer, Role.business)
    @bp.response(200, ServiceRequestSchema)
    def get(self, request_id: int):
        """One service request with its instruments."""
        return workflow.get_service_request(get_db(), acting_user(), request_id)


@bp.route("/service-requests/<int:request_id>/accept", methods=["POST"])
@roles_required(Role.technician)
@bp.doc(**body(AcceptSchema))
@bp.response(200, ServiceRequestSchema)
def accept_request(request_id: int):
    """The lab has received the request (technician)."""
    db = get_db()
    req = workflow.accept_service_request(db, acting_user(), request_id, parse(workflow.AcceptRequest, json_body()))
    return req


@bp.route("/service-requests/<int:request_id>/cancel", methods=["POST"])
@roles_required(Role.technician, Role.business)
@bp.doc(**body(CancelSchema))
@bp.response(200, ServiceRequestSchema)
def cancel_request(request_id: int):
    """Withdraw a request before work starts."""
    db = get_db()
    req = workflow.cancel_service_request(db, acting_user(), request_id, parse(workflow.CancelRequest, json_body()))
    return req


# ---------------------------------------------------------------- records


@bp.route("/records")
class Records(MethodView):
    @roles_required(Role.technician, Role.reviewer)
    @bp.doc(parameters=list_params(
        "records", "the number, instrument's serial number, manufacturer and model, owner's name, procedure code",
        enum_param("status", [s.value for s in RecordStatus]),
        enum_param("kind", ["verification", "calibration", "test"]),
        int_param("technician_id", "only this technician's"), int_param("instrument_id", "only this instrument's"),
        date_param("work_from", "work date on or after"), date_param("work_to", "work date on or before")))
    @bp.response(200, RecordSchema(many=True), headers=TOTAL_HEADERS_DOC)
    def get(self):
        """List records (staff): searched, filtered, sorted (newest first), paged.

        Numbers as reported, full precision under each record's `stored` (see `GET /records/{id}`).
        """
        found = search.search_records(get_db(), acting_user(), record_filter(), details=True, **api_paging())
        return found.rows, total_headers(found)

    @roles_required(Role.technician)
    @bp.doc(**body(OpenRecordSchema))
    @bp.response(201, RecordSchema)
    def post(self):
        """Open a record for an instrument with a procedure; its points come from the procedure."""
        db = get_db()
        rec = workflow.open_record(db, acting_user(), parse(workflow.OpenRecord, json_body()))
        return rec


@bp.route("/records/<int:record_id>")
class RecordItem(MethodView):
    @roles_required(Role.technician, Role.reviewer)
    @bp.response(200, RecordSchema)
    def get(self, record_id: int):
        """One record with its points, standards and computed results.

        Numbers are as reported (JCGM 100 7.2.6, EA-4/02 M §5): U to two significant digits,
        indication, error and measured reference value to U's decimal place (each point's
        `decimals`), k to two decimals, no binary noise. The values kept at full precision for
        recomputation are under `stored` (`stored.points`, `stored.results`).
        """
        return workflow.get_record(get_db(), acting_user(), record_id)

    @roles_required(Role.technician)
    @bp.doc(**body(SaveRecordSchema, "only the parts given change; version_id is required"))
    @bp.response(200, RecordSchema)
    def put(self, record_id: int):
        """Save conditions, standards and readings; the results are computed (409 when stale)."""
        db = get_db()
        rec = workflow.save_record(db, acting_user(), record_id, parse(workflow.SaveRecord, json_body()))
        return rec


@bp.route("/records/<int:record_id>/standards")
@roles_required(Role.technician, Role.reviewer)
@bp.response(200, StandardChoiceSchema(many=True))
def record_standards(record_id: int):
    """The reference standards of the procedure's quantity, and why any cannot be selected."""
    db = get_db()
    rec = workflow.get_record(db, acting_user(), record_id)
    return [{"id": s.id, "code": s.code, "name": s.name, "usable": problem is None, "reason": problem}
            for s, problem in workflow.standard_choices(db, rec)]


@bp.route("/records/<int:record_id>/points/<int:seq>/capture", methods=["POST"])
@roles_required(Role.technician)
@bp.doc(**body(CaptureSchema, "reads the device and saves the readings (or reference value) into the point"))
@bp.response(200, RecordSchema)
@bp.alt_response(502, response=ERROR_RESPONSES[502][0])
def capture(record_id: int, seq: int):
    """Read a point from a device on the lab PC and save it (502 when the device fails; nothing changes)."""
    db = get_db()
    rec = cap.capture_into_point(db, acting_user(), record_id, seq, parse(workflow.CaptureIntoPoint, json_body()))
    return rec


@bp.route("/records/<int:record_id>/submit", methods=["POST"])
@roles_required(Role.technician)
@bp.doc(**body(VersionSchema))
@bp.response(200, RecordSchema)
def submit(record_id: int):
    """Send a complete record for review."""
    db = get_db()
    rec = workflow.submit_record(db, acting_user(), record_id, parse(workflow.Version, json_body()))
    return rec


@bp.route("/records/<int:record_id>/return", methods=["POST"])
@roles_required(Role.reviewer)
@bp.doc(**body(ReturnSchema))
@bp.response(200, RecordSchema)
def return_(record_id: int):
    """Return a submitted record with a comment (a reviewer other than its technician)."""
    db = get_db()
    rec = workflow.return_record(db, acting_user(), record_id, parse(workflow.ReturnRecord, json_body()))
    return rec


@bp.route("/records/<int:record_id>/approve", methods=["POST"])
@roles_required(Role.reviewer)
@bp.doc(**body(VersionSchema))
@bp.response(200, RecordSchema)
def approve(record_id: int):
    """Approve a submitted record: the certificate is issued and the instrument's next due date moves."""
    db = get_db()
    rec = workflow.approve_record(db, acting_user(), record_id, parse(workflow.Version, json_body()))
    return rec


# ---------------------------------------------------------------- recall


def _recall_args() -> dict:
    raw = request.args.get("overdue", "")
    if raw not in ("", "0", "1", "true", "false"):
        raise ValidationError(_("Must be true or false."), field="overdue")
    return {"days": query_int("days", 30, maximum=recall.MAX_DAYS), "owner_id": query_int("owner_id"),
            "overdue_only": raw in ("1", "true")}


RECALL_PARAMS = [int_param("days", "due within this many days (default 30)"),
                 int_param("owner_id", "one business (a business user always sees its own)"),
                 {"name": "overdue", "in": "query", "schema": {"type": "boolean"}, "description": "overdue only"}]


@bp.route("/recall")
@roles_required(Role.technician, Role.reviewer, Role.inspector, Role.business)
@bp.doc(parameters=RECALL_PARAMS + PAGING)
@bp.response(200, RecallSchema)
def recall_list():
    """Instruments overdue or due within N days, for one business or the whole province, with counts."""
    db = get_db()
    args = _recall_args()
    counts = recall.due_counts(db, acting_user(), days=args["days"], owner_id=args["owner_id"])
    rows = recall.due_list(db, acting_user(), **args, **_paging())
    return {**counts, "items": [{**row.__dict__, "overdue": row.overdue} for row in rows]}


@bp.route("/recall/by-business")
@roles_required(Role.technician, Role.reviewer, Role.inspector)
@bp.doc(parameters=RECALL_PARAMS[:1])
@bp.response(200, RecallByBusinessSchema)
def recall_by_business():
    """Per business: how many instruments are overdue and due soon (most overdue first)."""
    rows = recall.due_by_business(get_db(), acting_user(), days=query_int("days", 30, maximum=recall.MAX_DAYS))
    return {"items": [{"owner_id": o, "owner": n, "overdue": a, "due_soon": b} for o, n, a, b in rows]}


@bp.route("/recall/export")
@roles_required(Role.technician, Role.reviewer, Role.inspector, Role.business)
@bp.doc(parameters=RECALL_PARAMS + [{"name": "format", "in": "query", "required": True,
                                     "schema": {"type": "string", "enum": ["csv", "xlsx"]}}],
        responses={"200": {"description": "the list as CSV (UTF-8) or XLSX",
                           "content": {"text/csv": {},
                                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}})
def recall_export():
    """The recall list as a CSV or XLSX file."""
    db = get_db()
    fmt = request.args.get("format", "")
    if fmt not in ("csv", "xlsx"):
        raise ValidationError(_("Must be one of: %(choices)s.", choices="csv, xlsx"), field="format")
    args = _recall_args()
    recall.due_counts(db, acting_user(), days=args["days"], owner_id=args["owner_id"])  # checks the input first
    name = f"recall-{date.today().isoformat()}.{fmt}"
    if fmt == "csv":
        rows = recall.iter_due_own_session(current_app.extensions["lims.sessions"], acting_user(), **args)
        resp = Response(stream_with_context(recall.export_csv(rows, current_language())),
                        mimetype="text/csv; charset=utf-8")
    else:
        resp = Response(recall.export_xlsx(recall.iter_due(db, acting_user(), **args), current_language()),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp


# ---------------------------------------------------------------- impact of a bad standard


@bp.route("/reference-standards/<int:standard_id>/impact")
@roles_required(Role.technician, Role.reviewer)
@bp.response(200, ImpactSchema, description="records and certificates that used the standard since its last "
                                             "good calibration")
def impact(standard_id: int):
    """Every record and certificate that used a reference standard since its last good calibration."""
    return standard_impact.impact_of_standard(get_db(), acting_user(), standard_id).to_dict()


@bp.route("/reference-standards/<int:standard_id>/out-of-tolerance", methods=["POST"])
@roles_required(Role.reviewer)
@bp.doc(**body(OutOfToleranceSchema))
@bp.response(200, ImpactSchema, description="the standard's impact (as GET .../impact)")
def out_of_tolerance(standard_id: int):
    """Mark a standard found out of tolerance; it can no longer be selected. Returns its impact."""
    db = get_db()
    standard_impact.mark_out_of_tolerance(db, acting_user(), standard_id,
                                          parse(workflow.MarkOutOfTolerance, json_body()))
    return standard_impact.impact_of_standard(db, acting_user(), standard_id).to_dict()

