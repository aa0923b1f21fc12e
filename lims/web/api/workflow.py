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
from marshmallow import Schema, fields

from lims.app import get_db
from lims.errors import ValidationError
from lims.i18n import _, current_language
from lims.models import Role
from lims.services import workflow
from lims.services.inputs import parse
from lims.services.workflow import capture as cap
from lims.services.workflow import impact as standard_impact
from lims.services.workflow import recall
from lims.web.api import api_blueprint
from lims.web.api.common import body, int_param, json_body, query_int
from lims.web.auth import acting_user, roles_required

bp = Blueprint("api_workflow", __name__, url_prefix="",
               description="Service requests, records with computed results, review, recall and standard impact")
api_blueprint(bp)

PAGING = [int_param("limit", "at most this many (default 200, max 1000)"), int_param("offset", "skip this many")]
QUANTITY = {"type": "object", "properties": {"value": {"type": "number"}, "unit": {"type": "string"}}}


class RequestItemSchema(Schema):
    id = fields.Int()
    instrument_id = fields.Int()
    serial_number = fields.Function(lambda i: i.instrument.serial_number)
    verification_type = fields.Str(allow_none=True)


class ServiceRequestSchema(Schema):
    id = fields.Int(dump_only=True)
    number = fields.Str(dump_only=True)
    customer_id = fields.Int(metadata={"description": "the business (staff only; a business files for itself)"})
    customer = fields.Function(lambda r: r.customer.name, dump_only=True)
    kind = fields.Str(required=True, metadata={"enum": ["verification", "calibration", "test"]})
    verification_type = fields.Str(load_only=True, metadata={"enum": ["initial", "periodic", "after_repair"]})
    instrument_ids = fields.List(fields.Int(), load_only=True, required=True)
    status = fields.Str(dump_only=True, metadata={"enum": ["submitted", "accepted", "in_progress", "completed",
                                                           "cancelled"]})
    on_site = fields.Bool()
    received_date = fields.Date(dump_only=True, allow_none=True)
    wanted_by = fields.Date(allow_none=True)
    notes = fields.Str()
    created_at = fields.DateTime(dump_only=True)
    version_id = fields.Int(dump_only=True)
    items = fields.List(fields.Nested(RequestItemSchema), dump_only=True)


class VersionSchema(Schema):
    version_id = fields.Int(required=True, metadata={"description": "the version you read (optimistic locking)"})


class AcceptSchema(VersionSchema):
    received_date = fields.Date()


class CancelSchema(VersionSchema):
    reason = fields.Str(required=True)


class ReturnSchema(VersionSchema):
    comment = fields.Str(required=True)


class PointSchema(Schema):
    seq = fields.Int()
    test = fields.Str(metadata={"description": "weighing, eccentricity, repeatability, rising, falling, calibration"})
    label = fields.Str()
    unit = fields.Str(metadata={"description": "unit of nominal, readings, reference value and indication; "
                                               "error, U and MPE are differences in it (delta_degC for degC)"})
    nominal = fields.Float(allow_none=True)
    readings = fields.List(fields.Float())
    reference_value = fields.Float(allow_none=True)
    source = fields.Dict(allow_none=True, metadata={"description": "port, driver and raw lines when captured"})
    indication = fields.Float(allow_none=True)
    error = fields.Float(allow_none=True)
    uncertainty = fields.Float(allow_none=True, metadata={"description": "expanded uncertainty U"})
    coverage_factor = fields.Float(allow_none=True)
    mpe = fields.Float(allow_none=True, metadata={"description": "maximum permissible error (± this)"})
    verdict = fields.Str(allow_none=True, metadata={"enum": ["pass", "fail", "conditional_pass", "conditional_fail"]})


class RecordStandardSchema(Schema):
    standard_id = fields.Int()
    code = fields.Function(lambda rs: rs.standard.code)
    calibration_id = fields.Int()
    certificate_number = fields.Function(lambda rs: rs.calibration.certificate_number)


class RecordSchema(Schema):
    id = fields.Int()
    number = fields.Str()
    status = fields.Str(metadata={"enum": ["draft", "submitted", "returned", "approved"]})
    kind = fields.Str()
    verification_type = fields.Str(allow_none=True)
    instrument_id = fields.Int()
    procedure_id = fields.Int()
    procedure = fields.Function(lambda r: f"{r.procedure.code} v{r.procedure.version}")
    request_item_id = fields.Int(allow_none=True)
    technician_id = fields.Int()
    reviewer_id = fields.Int(allow_none=True)
    place = fields.Str()
    work_date = fields.Date(allow_none=True)
    environment = fields.Dict(metadata={"description": "{key: {value, unit}}, e.g. temperature in degC"})
    verdict = fields.Str(allow_none=True)
    results = fields.Dict(metadata={"description": "computed results with units, decision rule and budget"})
    remarks = fields.Str()
    return_comment = fields.Str()
    submitted_at = fields.DateTime(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    version_id = fields.Int()
    points = fields.List(fields.Nested(PointSchema))
    standards = fields.List(fields.Nested(RecordStandardSchema))


class OpenRecordSchema(Schema):
    request_item_id = fields.Int(metadata={"description": "the request item (or give instrument_id and kind)"})
    instrument_id = fields.Int()
    kind = fields.Str(metadata={"enum": ["verification", "calibration", "test"]})
    procedure_id = fields.Int(metadata={"description": "optional when only one procedure fits"})
    verification_type = fields.Str(metadata={"enum": ["initial", "periodic", "after_repair"]})
    place = fields.Str()
    work_date = fields.Date()
    technician_id = fields.Int(metadata={"description": "only when the system opens a record; a technician opens "
                                                        "their own"})


class PointInputSchema(Schema):
    seq = fields.Int(required=True)
    readings = fields.List(fields.Raw(), metadata={"description": "numbers in the point's unit, or text with a "
                                                                  "unit such as '20001 g'"})
    nominal = fields.Raw()
    reference_value = fields.Raw()
    source = fields.Dict()


class SaveRecordSchema(VersionSchema):
    place = fields.Str()
    work_date = fields.Date()
    environment = fields.Dict(metadata={"description": "{key: value} with the procedure's keys, e.g. "
                                                       "{\"temperature\": \"23.1 degC\", \"humidity\": 55}"})
    standards = fields.List(fields.Int(), metadata={"description": "ids of the reference standards used"})
    points = fields.List(fields.Nested(PointInputSchema))
    remarks = fields.Str()
    adjusted = fields.Bool()


class CaptureSchema(VersionSchema):
    port = fields.Str(required=True, metadata={"description": "/dev/ttyUSB0, COM3, or mock://mt-sics?weight=..."})
    driver = fields.Str(required=True, metadata={"description": "mt-sics, pace, hart-152x, hmt330, ..."})
    target = fields.Str(metadata={"enum": ["readings", "reference"]})
    count = fields.Int()
    timeout = fields.Float(metadata={"description": "seconds (default 20)"})
    baudrate = fields.Int()


class StandardChoiceSchema(Schema):
    id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    usable = fields.Bool()
    reason = fields.Str(allow_none=True, metadata={"description": "why it cannot be selected"})


class DueRowSchema(Schema):
    instrument_id = fields.Int()
    owner_id = fields.Int()
    owner = fields.Str()
    tax_code = fields.Str(allow_none=True)
    type_code = fields.Str()
    manufacturer = fields.Str()
    model = fields.Str()
    serial_number = fields.Str()
    location = fields.Str()
    next_due = fields.Date()
    days_left = fields.Int(metadata={"description": "negative: overdue by that many days"})
    overdue = fields.Bool()


class RecallSchema(Schema):
    overdue = fields.Int()
    due_soon = fields.Int()
    items = fields.List(fields.Nested(DueRowSchema))


class OutOfToleranceSchema(Schema):
    since = fields.Date(required=True)
    reason = fields.Str(required=True)


def _paging() -> dict:
    return {"limit": query_int("limit", 200, maximum=1000), "offset": query_int("offset", 0)}


# ---------------------------------------------------------------- service requests


@bp.route("/service-requests")
class ServiceRequests(MethodView):
    @roles_required(Role.technician, Role.reviewer, Role.business)
    @bp.doc(parameters=PAGING + [{"name": "status", "in": "query", "schema": {"type": "string"}}])
    @bp.response(200, ServiceRequestSchema(many=True))
    def get(self):
        """List service requests (a business sees its own)."""
        return workflow.list_service_requests(get_db(), acting_user(), status=request.args.get("status") or None,
                                              **_paging())

    @roles_required(Role.technician, Role.business)
    @bp.doc(**body(ServiceRequestSchema))
    @bp.response(201, ServiceRequestSchema)
    def post(self):
        """File a service request (a business for its own instruments; the lab for a customer)."""
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
    @bp.doc(parameters=PAGING + [{"name": "status", "in": "query", "schema": {"type": "string"}},
                                 int_param("technician_id", "only this technician's"),
                                 int_param("instrument_id", "only this instrument's")])
    @bp.response(200, RecordSchema(many=True))
    def get(self):
        """List records (staff)."""
        return workflow.list_records(get_db(), acting_user(), status=request.args.get("status") or None,
                                     technician_id=query_int("technician_id"),
                                     instrument_id=query_int("instrument_id"), **_paging())

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
        """One record with its points, standards and computed results."""
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
def recall_by_business():
    """Per business: how many instruments are overdue and due soon (most overdue first)."""
    rows = recall.due_by_business(get_db(), acting_user(), days=query_int("days", 30, maximum=recall.MAX_DAYS))
    return {"items": [{"owner_id": o, "owner": n, "overdue": a, "due_soon": b} for o, n, a, b in rows]}


@bp.route("/recall/export")
@roles_required(Role.technician, Role.reviewer, Role.inspector, Role.business)
@bp.doc(parameters=RECALL_PARAMS + [{"name": "format", "in": "query", "required": True,
                                     "schema": {"type": "string", "enum": ["csv", "xlsx"]}}],
        responses={"200": {"description": "the list as CSV (UTF-8) or XLSX",
                           "content": {"text/csv": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}})
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
@bp.doc(responses={"200": {"description": "records and certificates that used the standard since its last "
                                          "good calibration"}})
def impact(standard_id: int):
    """Every record and certificate that used a reference standard since its last good calibration."""
    return standard_impact.impact_of_standard(get_db(), acting_user(), standard_id).to_dict()


@bp.route("/reference-standards/<int:standard_id>/out-of-tolerance", methods=["POST"])
@roles_required(Role.reviewer)
@bp.doc(**body(OutOfToleranceSchema))
def out_of_tolerance(standard_id: int):
    """Mark a standard found out of tolerance; it can no longer be selected. Returns its impact."""
    db = get_db()
    standard_impact.mark_out_of_tolerance(db, acting_user(), standard_id,
                                          parse(workflow.MarkOutOfTolerance, json_body()))
    return standard_impact.impact_of_standard(db, acting_user(), standard_id).to_dict()


#: The schema documenting each typed input of the workflow (tests check that they agree).
INPUT_SCHEMAS: dict[type, type[Schema]] = {
    workflow.Version: VersionSchema,
    workflow.NewServiceRequest: ServiceRequestSchema,
    workflow.AcceptRequest: AcceptSchema,
    workflow.CancelRequest: CancelSchema,
    workflow.OpenRecord: OpenRecordSchema,
    workflow.SaveRecord: SaveRecordSchema,
    workflow.ReturnRecord: ReturnSchema,
    workflow.CaptureIntoPoint: CaptureSchema,
    workflow.MarkOutOfTolerance: OutOfToleranceSchema,
}
