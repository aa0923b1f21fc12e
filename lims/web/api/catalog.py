"""Organisations, instruments and standards, procedures and users.

Thin resources: parse the JSON body into the service's typed input, call one service, dump
the answer. The request schemas document the inputs of :mod:`lims.services.catalog` and
:mod:`lims.services.users`; :data:`INPUT_SCHEMAS` pairs each input with its schema and
``tests/web/test_input_schemas.py`` checks that they agree.
"""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from lims.models import Role
from lims.services import catalog, instruments, policy, search, standard_calibrations, users
from lims.services.inputs import parse
from lims.services.policy import STAFF_ROLES
from lims.web.api.blueprints import api_blueprint
from lims.web.api.common import body, int_param, json_body
from lims.web.api.list_params import TOTAL_HEADERS_DOC, date_param, enum_param, list_params
from lims.web.auth import acting_user, roles_required
from lims.web.context import get_db
from lims.web.listing import api_paging, total_headers
from lims.web.lists import instrument_filter, organisation_filter

bp = Blueprint("api_catalog", __name__, url_prefix="", description="Organisations, instruments and standards")
api_blueprint(bp)


class OrganisationSchema(Schema):
    id = fields.Int(dump_only=True)
    kind = fields.Str(metadata={"enum": ["lab", "business", "calibration_lab"]})
    name = fields.Str(required=True)
    tax_code = fields.Str(allow_none=True, metadata={"description": "Vietnamese tax code (mã số thuế)"})
    address = fields.Str()
    phone = fields.Str()
    email = fields.Str()
    accreditation = fields.Str(metadata={"description": "a calibration lab's accreditation, e.g. VILAS 003"})
    national_institute = fields.Bool(metadata={
        "description": "a national metrology institute (a calibration lab keeping national standards)"})
    active = fields.Bool(dump_only=True, metadata={"description": "false: withdrawn (no new work)"})
    version_id = fields.Int(dump_only=True)


class InstrumentTypeSchema(Schema):
    id = fields.Int(dump_only=True)
    code = fields.Str(required=True)
    name_vi = fields.Str(required=True)
    name_en = fields.Str()
    quantity = fields.Str(required=True, metadata={"description": "mass, pressure, temperature, volume, ..."})
    unit = fields.Str(required=True, metadata={"description": "unit of readings, e.g. kg, bar, degC"})
    requires_verification = fields.Bool(metadata={"description": "subject to legal control (nhóm 2)"})
    verification_interval_months = fields.Int(allow_none=True)
    active = fields.Bool(dump_only=True, metadata={"description": "false: withdrawn (no new instrument or request)"})
    version_id = fields.Int(dump_only=True)


class InstrumentSchema(Schema):
    id = fields.Int(dump_only=True)
    owner_id = fields.Int(required=True)
    type_id = fields.Int(required=True)
    manufacturer = fields.Str()
    model = fields.Str()
    serial_number = fields.Str(required=True)
    range_min = fields.Float()
    range_max = fields.Float(required=True)
    range_unit = fields.Str(required=True)
    resolution = fields.Float(allow_none=True, metadata={"description": "in range_unit; for a scale the actual "
                                                                          "scale interval d"})
    scale_interval = fields.Float(allow_none=True, metadata={
        "description": "scales: the verification scale interval e in range_unit, d <= e (OIML R76-1 3.4.2); "
                       "null: e = d"})
    load_supports = fields.Int(allow_none=True, metadata={
        "description": "scales: number of load receptor supports (eccentricity positions, OIML R76-1 A.4.7)"})
    max_tare = fields.Float(allow_none=True, metadata={"description": "scales: maximum additive tare T+ in range_unit"})
    min_capacity = fields.Function(lambda inst: catalog.min_capacity(inst), dump_only=True, allow_none=True, metadata={
        "description": "scales: Min in range_unit from the accuracy class and e (OIML R76-1 Table 3)"})
    year_of_manufacture = fields.Int(allow_none=True)
    pattern_approval = fields.Str(metadata={"description": "pattern approval mark (ký hiệu phê duyệt mẫu)"})
    accuracy_class = fields.Str()
    location = fields.Str()
    status = fields.Str()
    calibration_interval_months = fields.Int(allow_none=True)
    next_due = fields.Date(allow_none=True)
    version_id = fields.Int(dump_only=True)


class InstrumentChangeSchema(InstrumentSchema):
    """A correction (PATCH): only the fields given change, checked as a registration is; the
    version_id read is required. Type, owner, serial number, range, unit, d, e and class are
    refused (422, naming them) once the instrument has an approved record or a certificate."""

    version_id = fields.Int(required=True, metadata={"description": "the version_id read (409 when stale)"})


#: What a registration requires and a correction (PATCH) may leave out.
PATCH_OPTIONAL = ("owner_id", "type_id", "serial_number", "range_max", "range_unit")


class StandardCalibrationSchema(Schema):
    id = fields.Int(dump_only=True)
    certificate_number = fields.Str(required=True)
    lab_id = fields.Int(required=True, metadata={
        "description": "the calibrating lab: an organisation of kind calibration_lab, or the lab itself"})
    calibrated_by = fields.Str(dump_only=True, metadata={"description": "the lab's name and accreditation"})
    national_standard_id = fields.Int(allow_none=True, metadata={
        "description": "upstream: the national standard it was made against (/national-standards)"})
    record_id = fields.Int(allow_none=True, metadata={
        "description": "upstream of an internal calibration: the approved calibration record of this standard "
                       "(its instrument), whose standards are the higher standards. Neither upstream: the "
                       "traceability chain breaks here."})
    calibration_date = fields.Date(required=True)
    due_date = fields.Date(required=True)
    expanded_uncertainty = fields.Float(required=True)
    uncertainty_unit = fields.Str(required=True)
    coverage_factor = fields.Float()
    notes = fields.Str()
    data = fields.Dict(metadata={
        "description": "What the certificate states point by point, every quantity with its unit. Weights: "
                       "{\"use\": \"corrections\" | \"nominal\", \"class\": \"F1\", \"pieces\": [{\"id\": "
                       "\"20kg\", \"nominal\": \"20 kg\", \"correction\": \"12 mg\", \"U\": \"30 mg\", "
                       "\"k\": 2}]}; thermometers and pressure references: {\"points\": [{\"at\": \"0 degC\", "
                       "\"correction\": \"-0.004 delta_degC\", \"U\": \"0.010 delta_degC\", \"k\": 2}], "
                       "\"resolution\": \"0.001 delta_degC\"} (pressure also \"medium\": \"gas\" | \"liquid\", "
                       "\"medium_density\"). Empty: the one U for the whole range. Wrong fields are named "
                       "data.pieces.N.field / data.points.N.field.",
        "example": {"class": "F1", "pieces": [{"id": "20kg", "nominal": "20 kg", "correction": "12 mg",
                                               "U": "30 mg", "k": 2}]},
    })


class NationalStandardSchema(Schema):
    id = fields.Int(dump_only=True)
    institute_id = fields.Int(required=True, metadata={"description": "a national metrology institute"})
    name = fields.Str(required=True)
    quantity = fields.Str(required=True)
    kcdb_ref = fields.Str(metadata={"description": "its CMC / BIPM KCDB reference"})
    active = fields.Bool(dump_only=True)


class ReferenceStandardSchema(Schema):
    id = fields.Int(dump_only=True)
    code = fields.Str(required=True)
    name = fields.Str(required=True)
    quantity = fields.Str(required=True)
    manufacturer = fields.Str()
    model = fields.Str()
    serial_number = fields.Str()
    range_min = fields.Float()
    range_max = fields.Float(required=True)
    range_unit = fields.Str(required=True)
    accuracy_class = fields.Str()
    status = fields.Str(dump_only=True, metadata={"enum": ["in_use", "out_of_tolerance", "retired"]})
    instrument_id = fields.Int(allow_none=True, metadata={
        "description": "the standard as one of the lab's instruments, so that the lab can calibrate it with a "
                       "record (an internal calibration)"})
    calibrations = fields.List(fields.Nested(StandardCalibrationSchema), dump_only=True)
    version_id = fields.Int(dump_only=True)


class ProcedureSchema(Schema):
    id = fields.Int(dump_only=True)
    code = fields.Str(required=True)
    version = fields.Int(dump_only=True)
    title_vi = fields.Str(required=True)
    title_en = fields.Str()
    kind = fields.Str(required=True, metadata={"enum": ["verification", "calibration", "test"]})
    instrument_type_id = fields.Int(allow_none=True)
    spec = fields.Dict()
    active = fields.Bool(dump_only=True)


class UserSchema(Schema):
    id = fields.Int(dump_only=True)
    username = fields.Str(required=True)
    full_name = fields.Str()
    job_title = fields.Str(metadata={"description": "printed under the signature on certificates"})
    email = fields.Str()
    password = fields.Str(load_only=True, required=True)
    roles = fields.List(fields.Str(), required=True)
    organisation_id = fields.Int(allow_none=True)
    active = fields.Bool(dump_only=True)
    language = fields.Str(dump_only=True, allow_none=True)
    version_id = fields.Int(dump_only=True)


#: Each typed service input with the schema that documents it in the API (checked by a test).
INPUT_SCHEMAS: tuple[tuple[type, type[Schema]], ...] = (
    (catalog.NewOrganisation, OrganisationSchema),
    (catalog.NewInstrumentType, InstrumentTypeSchema),
    (catalog.NewInstrument, InstrumentSchema),
    (catalog.NewReferenceStandard, ReferenceStandardSchema),
    (standard_calibrations.NewStandardCalibration, StandardCalibrationSchema),
    (standard_calibrations.NewNationalStandard, NationalStandardSchema),
    (catalog.NewProcedure, ProcedureSchema),
    (users.NewUser, UserSchema),
)

@bp.route("/organisations")
class Organisations(MethodView):
    @roles_required(*STAFF_ROLES)
    @bp.doc(parameters=list_params("organisations", "the name, tax code, address, phone or e-mail",
                                   enum_param("kind", ["lab", "business", "calibration_lab"]),
                                   enum_param("active", ["true", "false"], "in use (true) or withdrawn (false)")))
    @bp.response(200, OrganisationSchema(many=True), headers=TOTAL_HEADERS_DOC)
    def get(self):
        """List organisations (staff): searched, filtered, sorted (default by name), paged."""
        found = search.search_organisations(get_db(), acting_user(), organisation_filter(), **api_paging())
        return found.rows, total_headers(found)

    @bp.doc(**body(OrganisationSchema))
    @bp.response(201, OrganisationSchema)
    def post(self):
        """Create an organisation (admin)."""
        return catalog.create_organisation(get_db(), acting_user(), parse(catalog.NewOrganisation, json_body()))


@bp.route("/instrument-types")
class InstrumentTypes(MethodView):
    @bp.response(200, InstrumentTypeSchema(many=True))
    def get(self):
        """List instrument types."""
        return catalog.list_instrument_types(get_db())

    @bp.doc(**body(InstrumentTypeSchema))
    @bp.response(201, InstrumentTypeSchema)
    def post(self):
        """Create an instrument type (admin)."""
        return catalog.create_instrument_type(get_db(), acting_user(), parse(catalog.NewInstrumentType, json_body()))


@bp.route("/instruments")
class Instruments(MethodView):
    @bp.doc(parameters=list_params(
        "instruments", "the serial number, manufacturer, model, location, class, owner's name and tax code, type",
        enum_param("status", ["in_service", "out_of_service", "scrapped"]),
        int_param("type_id", "only this type's instruments"), int_param("owner_id", "only this owner's instruments"),
        enum_param("due", list(search.DUE_CHOICES),
                   f"overdue: next due before today; soon: due within {search.DUE_SOON_DAYS} days"),
        date_param("due_from", "next due on or after"), date_param("due_to", "next due on or before")))
    @bp.response(200, InstrumentSchema(many=True), headers=TOTAL_HEADERS_DOC)
    def get(self):
        """List instruments (a business user sees only its own): searched, filtered, sorted, paged."""
        found = search.search_instruments(get_db(), acting_user(), instrument_filter(), **api_paging())
        return found.rows, total_headers(found)

    @bp.doc(**body(InstrumentSchema))
    @bp.response(201, InstrumentSchema)
    def post(self):
        """Register an instrument (admin, technician)."""
        return catalog.create_instrument(get_db(), acting_user(), parse(catalog.NewInstrument, json_body()))


@bp.route("/instruments/<int:instrument_id>")
class InstrumentItem(MethodView):
    @bp.response(200, InstrumentSchema)
    def get(self, instrument_id: int):
        """One instrument."""
        return catalog.get_visible_instrument(get_db(), acting_user(), instrument_id)

    @bp.doc(**body(InstrumentChangeSchema(partial=PATCH_OPTIONAL), "only the fields given change; version_id required"))
    @bp.response(200, InstrumentSchema)
    def patch(self, instrument_id: int):
        """Correct an instrument (admin, technician); withdraw it with status "scrapped" (409 when stale)."""
        db, actor = get_db(), acting_user()
        policy.require(actor, *policy.INSTRUMENT_EDITORS)
        inst = catalog.get_visible_instrument(db, actor, instrument_id)
        return instruments.update_instrument(db, actor, instrument_id, instruments.change_input(inst, json_body()))


@bp.route("/reference-standards")
class ReferenceStandards(MethodView):
    @roles_required(*STAFF_ROLES)
    @bp.response(200, ReferenceStandardSchema(many=True))
    def get(self):
        """List the lab's reference standards with their calibrations."""
        return catalog.list_reference_standards(get_db())

    @bp.doc(**body(ReferenceStandardSchema))
    @bp.response(201, ReferenceStandardSchema)
    def post(self):
        """Add a reference standard (admin)."""
        return catalog.create_reference_standard(get_db(), acting_user(),
                                                 parse(catalog.NewReferenceStandard, json_body()))


@bp.route("/reference-standards/<int:standard_id>/calibrations")
class StandardCalibrations(MethodView):
    @bp.doc(**body(StandardCalibrationSchema))
    @bp.response(201, StandardCalibrationSchema)
    def post(self, standard_id: int):
        """Record a calibration certificate of a reference standard, with its calibrating lab and
        upstream (admin)."""
        return standard_calibrations.add_standard_calibration(
            get_db(), acting_user(), standard_id, parse(standard_calibrations.NewStandardCalibration, json_body()))


@bp.route("/national-standards")
class NationalStandards(MethodView):
    @roles_required(*STAFF_ROLES)
    @bp.response(200, NationalStandardSchema(many=True))
    def get(self):
        """List the national standards the lab's calibrations trace to."""
        return standard_calibrations.list_national_standards(get_db())

    @bp.doc(**body(NationalStandardSchema))
    @bp.response(201, NationalStandardSchema)
    def post(self):
        """Add a national standard of a national metrology institute (admin)."""
        return standard_calibrations.create_national_standard(
            get_db(), acting_user(), parse(standard_calibrations.NewNationalStandard, json_body()))


@bp.route("/procedures")
class Procedures(MethodView):
    @roles_required(*STAFF_ROLES)
    @bp.response(200, ProcedureSchema(many=True))
    def get(self):
        """List active procedures."""
        return catalog.list_procedures(get_db())

    @bp.doc(**body(ProcedureSchema))
    @bp.response(201, ProcedureSchema)
    def post(self):
        """Add a procedure, or a new version of one (admin)."""
        return catalog.create_procedure(get_db(), acting_user(), parse(catalog.NewProcedure, json_body()))


@bp.route("/users")
class Users(MethodView):
    @roles_required(Role.admin)
    @bp.response(200, UserSchema(many=True))
    def get(self):
        """List users (admin)."""
        return users.list_users(get_db(), acting_user())

    @bp.doc(**body(UserSchema))
    @bp.response(201, UserSchema)
    def post(self):
        """Create a user (admin)."""
        return users.create_user(get_db(), acting_user(), parse(users.NewUser, json_body()))
