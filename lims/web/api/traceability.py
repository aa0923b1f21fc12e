"""A certificate's metrological traceability chain as a graph (docs/traceability.md)."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from lims.models import Role
from lims.services import traceability_chain
from lims.web.api.blueprints import api_blueprint
from lims.web.auth import acting_user, roles_required
from lims.web.context import get_db

bp = Blueprint("api_traceability", __name__, url_prefix="/certificates",
               description="The traceability chain of a certificate, from the result to the SI")
api_blueprint(bp)

VIEWERS = (Role.technician, Role.reviewer, Role.inspector, Role.business)
NODE_KINDS = ["result", "standard", "calibration", "national", "si"]
BREAK_CODES = ["no_calibration", "no_upstream", "cycle", "out_of_tolerance", "not_traced_to_si"]


class LabSchema(Schema):
    name = fields.Str()
    accreditation = fields.Str(metadata={"description": "e.g. VILAS 003, or national metrology institute; "
                                                        "may be empty"})


class UncertaintySchema(Schema):
    value = fields.Float(metadata={"description": "expanded uncertainty U, in unit"})
    unit = fields.Str(metadata={"description": "the unit as stored, e.g. mg, mbar, delta_degC"})
    k = fields.Float(metadata={"description": "coverage factor"})
    text = fields.Str(metadata={"description": "U with its unit as people write it, in the request's language"})


class NodeSchema(Schema):
    id = fields.Str(required=True, metadata={"description": "e.g. standard:QC-F1-01@2026-03-10"})
    kind = fields.Str(required=True, metadata={"enum": NODE_KINDS})
    depth = fields.Int(required=True, metadata={"description": "0 for the result, growing towards the SI"})
    number = fields.Str(metadata={"description": "result: the certificate number"})
    work_date = fields.Date(metadata={"description": "result: the day the work was done"})
    code = fields.Str(metadata={"description": "standard: its code"})
    name = fields.Str(metadata={"description": "standard, national standard, SI: its name"})
    status = fields.Str(metadata={"description": "standard: in_use, out_of_tolerance or retired"})
    used_on = fields.Date(allow_none=True, metadata={
        "description": "standard: the day it was used (it picks the calibration in force)"})
    standard_id = fields.Int(allow_none=True, metadata={"description": "standard: its id (reference-standards)"})
    certificate_number = fields.Str(metadata={"description": "calibration: its certificate"})
    standard_code = fields.Str(metadata={"description": "calibration: the standard it calibrated"})
    lab = fields.Nested(LabSchema, metadata={"description": "calibration: the calibrating lab"})
    calibration_date = fields.Date(metadata={"description": "calibration"})
    due_date = fields.Date(metadata={"description": "calibration"})
    uncertainty = fields.Nested(UncertaintySchema, metadata={"description": "calibration: U with unit and k"})
    institute = fields.Str(metadata={"description": "national standard: the national metrology institute"})
    kcdb_ref = fields.Str(metadata={"description": "national standard: CMC / BIPM KCDB reference"})


class EdgeSchema(Schema):
    source = fields.Str(required=True)
    target = fields.Str(required=True, metadata={"description": "what source is traced through"})
    broken = fields.Bool(required=True, metadata={"description": "true: the link closes a cycle"})


class BreakSchema(Schema):
    code = fields.Str(required=True, metadata={"enum": BREAK_CODES})
    node = fields.Str(required=True, metadata={"description": "the id of the node it is on"})
    params = fields.Dict(keys=fields.Str(), values=fields.Str(), required=True,
                         metadata={"description": "the facts of the reason (codes, ISO dates)"})
    reason = fields.Str(required=True, metadata={"description": "a sentence in the request's language"})


class TraceabilitySchema(Schema):
    number = fields.Str(required=True)
    work_date = fields.Date(required=True)
    reaches_si = fields.Bool(required=True, metadata={"description": "every path reaches the SI unbroken"})
    nodes = fields.List(fields.Nested(NodeSchema), required=True,
                        metadata={"description": "the result first, the SI last (when reached)"})
    edges = fields.List(fields.Nested(EdgeSchema), required=True)
    breaks = fields.List(fields.Nested(BreakSchema), required=True)


@bp.route("/<int:certificate_id>/traceability")
class CertificateTraceability(MethodView):
    @roles_required(*VIEWERS)
    @bp.response(200, TraceabilitySchema)
    def get(self, certificate_id: int):
        """The certificate's traceability chain: each standard used with its calibration in force on the
        work date (U, k), its calibrating lab and certificate, up through internal calibrations to the
        national standard and the SI; and where it breaks, with the reason in the request's language.
        The lab's staff and the certificate's own customer (404 for others)."""
        _cert, view = traceability_chain.certificate_chain(get_db(), acting_user(), certificate_id)
        return traceability_chain.chain_json(view)
