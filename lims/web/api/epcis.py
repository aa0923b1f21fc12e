"""The EPCIS 2.0 repository (the REST binding's subset a province needs): ``POST /epcis/capture`` (an
EPCISDocument in JSON-LD: every event stored or none), ``GET /epcis/capture/{id}`` (the capture job),
``GET /epcis/events`` (an EPCISQueryDocument, paged with ``perPage`` and ``nextPageToken``).
docs/traceability.md, "Product traceability: the EPCIS repository"."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from lims.errors import LimsError, ValidationError
from lims.i18n import _
from lims.models import Role, TraceCapture
from lims.services import trace_events
from lims.services.trace_queries import DEFAULT_PER_PAGE, MAX_PER_PAGE
from lims.web.api.blueprints import api_blueprint
from lims.web.auth import acting_user, roles_required
from lims.web.context import get_db
from lims.web.openapi import ErrorSchema
from traceability.epcis_document import query_document

bp = Blueprint("api_epcis", __name__, url_prefix="/epcis",
               description="EPCIS 2.0 repository: capture events from partner systems (all or none), read them back")
api_blueprint(bp)

#: The largest document taken (bytes): some 10,000 events.
MAX_CAPTURE_BYTES = 10 * 1024 * 1024
CAPTURE_TYPES = ("application/json", "application/ld+json")
RECORDERS = (Role.business, Role.technician, Role.reviewer)
READERS = (Role.business, Role.technician, Role.reviewer, Role.inspector)


class CaptureProblemSchema(Schema):
    index = fields.Int(allow_none=True, metadata={"description": "the event's index in eventList (none: the "
                                                                 "document as a whole)"})
    field = fields.Str(metadata={"description": "the field in the event, as a path: quantityList/0/epcClass"})
    message = fields.Str(metadata={"description": "what is wrong, in the request's language"})


class CaptureJobSchema(Schema):
    """A capture job (the REST binding's CaptureJob): captures are done at once, so a job is never running."""

    captureID = fields.Str(metadata={"description": "the job's id"})
    createdAt = fields.DateTime()
    finishedAt = fields.DateTime()
    running = fields.Bool(metadata={"description": "always false: the capture was done before the answer"})
    success = fields.Bool()
    captureErrorBehaviour = fields.Str(metadata={"enum": ["rollback"], "description": "all events or none"})
    errors = fields.List(fields.Nested(CaptureProblemSchema))
    eventCount = fields.Int(metadata={"description": "events stored"})
    source = fields.Str(metadata={"enum": list(trace_events.SOURCES)})


class QueryDocumentSchema(Schema):
    """An EPCISQueryDocument (EPCIS 2.0 JSON-LD); it validates against GS1's EPCIS 2.0 JSON Schema."""

    context = fields.List(fields.Raw(), data_key="@context", attribute="@context", required=True)
    type = fields.Str(required=True, metadata={"enum": ["EPCISQueryDocument"]})
    schemaVersion = fields.Str(required=True)
    creationDate = fields.Str(required=True, metadata={"format": "date-time"})
    epcisBody = fields.Dict(required=True, metadata={
        "description": "queryResults: {queryName, resultsBody: {eventList: [...]}}; each event as captured, "
                       "with its recordTime"})


LOCATION_DOC = {"Location": {"description": "the capture job: /api/v1/epcis/capture/{id}",
                             "schema": {"type": "string"}, "required": True}}
NEXT_DOC = {"Link": {"description": "the next page, as <URL>; rel=\"next\" (absent on the last page)",
                     "schema": {"type": "string"}}}


def _list_param(name: str, description: str, fmt: str | None = None) -> dict:
    item = {"type": "string", **({"format": fmt} if fmt else {})}
    return {"name": name, "in": "query", "required": False, "description": description, "style": "pipeDelimited",
            "explode": False, "schema": {"type": "array", "items": item, "maxItems": 50}}


QUERY_PARAMS = [
    _list_param("EQ_bizStep", "CBV business steps (shipping, or its URI); several separated by |"),
    _list_param("MATCH_anyEPCClass", "Digital Link URIs or EPC class URNs of lots; a product's class "
                                     "(…/01/{gtin}) matches each of its lots", "uri"),
    {"name": "GE_eventTime", "in": "query", "required": False, "schema": {"type": "string", "format": "date-time"},
     "description": "events at or after this time (with its offset)"},
    {"name": "LT_eventTime", "in": "query", "required": False, "schema": {"type": "string", "format": "date-time"},
     "description": "events before this time (with its offset)"},
    _list_param("EQ_bizLocation", "place ids, as events write them (…/414/{GLN})"),
    {"name": "perPage", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
     "description": f"events per page (default {DEFAULT_PER_PAGE}, at most {MAX_PER_PAGE})"},
    {"name": "nextPageToken", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 500},
     "description": "the token of the Link header of the page before, with the same other parameters"},
]


def _job(job: TraceCapture) -> dict:
    return {"captureID": str(job.id), "createdAt": job.created_at, "finishedAt": job.created_at, "running": False,
            "success": job.status == "accepted", "captureErrorBehaviour": "rollback", "errors": job.errors or [],
            "eventCount": job.event_count, "source": job.source}


def _document() -> dict:
    size = request.content_length
    if size is not None and size > MAX_CAPTURE_BYTES:
        raise _TooLarge()
    raw = request.get_data(cache=False)
    if len(raw) > MAX_CAPTURE_BYTES:
        raise _TooLarge()
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ValidationError(_("The body is not JSON."), field="body") from None
    if not isinstance(document, dict):
        raise ValidationError(_("Send an EPCIS 2.0 document (a JSON object)."), field="body")
    return document


class _TooLarge(LimsError):
    status = 413
    code = "too_large"

    def __init__(self) -> None:
        super().__init__(_("The document is larger than %(size)s MB: send its events in several captures.",
                           size=MAX_CAPTURE_BYTES // (1024 * 1024)), field="body")


class _UnsupportedType(LimsError):
    status = 415
    code = "unsupported_media_type"


@bp.route("/capture", methods=["POST"])
@roles_required(*RECORDERS)
@bp.doc(requestBody={"required": True, "description": "an EPCISDocument (or EPCISQueryDocument) in JSON-LD",
                     "content": {t: {"schema": {"type": "object", "required": ["type", "epcisBody"],
                                                "properties": {"type": {"type": "string"},
                                                               "epcisBody": {"type": "object"}}}}
                                 for t in CAPTURE_TYPES}})
@bp.response(202, CaptureJobSchema, headers=LOCATION_DOC)
@bp.alt_response(413, schema=ErrorSchema, description="the document is larger than 10 MB")
@bp.alt_response(415, schema=ErrorSchema, description="not application/json or application/ld+json")
@bp.alt_response(422, schema=ErrorSchema, description="refused: nothing was stored; detail.problems lists every "
                                                      "problem as {index, field, message}")
def capture():
    """Capture an EPCIS 2.0 document: checked against GS1's schema and the repository's rules, then every
    event stored, or none. The answer is the capture job (done already) and its URL in ``Location``."""
    if request.mimetype not in CAPTURE_TYPES:
        raise _UnsupportedType(_("Send the EPCIS document as application/json or application/ld+json."),
                               field="body")
    job = trace_events.capture(get_db(), acting_user(), _document(), source="api")
    return _job(job), {"Location": url_for("api_epcis.CaptureJob", capture_id=job.id)}


@bp.route("/capture/<int:capture_id>")
class CaptureJob(MethodView):
    @roles_required(*READERS)
    @bp.response(200, CaptureJobSchema)
    def get(self, capture_id: int):
        """A capture job: its status, the number of events stored."""
        return _job(trace_events.get_capture(get_db(), acting_user(), capture_id))


@bp.route("/events")
class Events(MethodView):
    @roles_required(*READERS)
    @bp.doc(parameters=QUERY_PARAMS)
    @bp.response(200, QueryDocumentSchema, headers=NEXT_DOC)
    def get(self):
        """The events the user may read (a business: those it recorded and those about its products), oldest
        first, as an EPCISQueryDocument; the next page's URL in the ``Link`` header."""
        args = request.args.to_dict(flat=False)
        params = trace_events.query_from_args(args)
        events, token = trace_events.query(get_db(), acting_user(), params)
        document = query_document([trace_events.exported(e) for e in events], datetime.now(UTC))
        headers = {}
        if token:
            args = {k: v for k, v in args.items() if k != "nextPageToken"}
            query = urlencode([*((k, v) for k, vs in args.items() for v in vs), ("nextPageToken", token)])
            headers["Link"] = f'<{url_for("api_epcis.Events", _external=True)}?{query}>; rel="next"'
        return document, headers
