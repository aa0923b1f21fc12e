"""Request and answer schemas of the workflow API (:mod:`lims.web.api.workflow`), for its OpenAPI document.

The request schemas describe the services' typed inputs (:mod:`lims.services.workflow.inputs`);
:data:`INPUT_SCHEMAS` pairs them, and a test checks that names and required fields agree.

A record's numbers are answered as reported (:mod:`lims.metrology.reported`: U to two significant
digits, the measured values to U's decimal place, k to two decimals, no binary noise), the same
numbers its page and certificate show; the values kept at full precision for recomputation are
under the record's ``stored`` key.
"""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_dump

from lims.metrology.reported import clean, reported_point, reported_results
from lims.services import workflow

REPORTED = ("as reported (JCGM 100 7.2.6, EA-4/02 M §5): U to two significant digits, rounded up where "
            "ordinary rounding would lower it by more than 5 %; indication, error and measured reference "
            "value to the decimal place of that U ('decimals'); k to two decimals; no binary noise. "
            "The full-precision values are under the record's 'stored'.")


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
    site_address = fields.Str(metadata={"description": "on-site work: where (default: the customer's address)"})
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


#: The stored columns of a point that its reported form rounds; ``stored`` keeps them as they are.
STORED_POINT_KEYS = ("seq", "nominal", "readings", "reference_value", "indication", "error", "uncertainty",
                     "coverage_factor", "mpe")


class PointSchema(Schema):
    seq = fields.Int()
    test = fields.Str(metadata={"description": "zero, weighing, weighing_down, eccentricity, repeatability, "
                                               "discrimination, tare, rising, falling, calibration"})
    label = fields.Str()
    unit = fields.Str(metadata={"description": "unit of nominal, readings, reference value and indication; "
                                               "error, U and MPE are differences in it (delta_degC for degC)"})
    nominal = fields.Float(allow_none=True)
    readings = fields.List(fields.Float())
    reference_value = fields.Float(allow_none=True, metadata={"description": f"measured reference value, {REPORTED}"})
    added_load = fields.Float(allow_none=True, metadata={
        "description": "OIML R76-1 A.4.4.3 change-point method: the additional load ΔL (in unit); the error is "
                       "E = I + ½e − ΔL − L"})
    source = fields.Dict(allow_none=True, metadata={"description": "port, driver and raw lines when captured"})
    indication = fields.Float(allow_none=True, metadata={"description": REPORTED})
    error = fields.Float(allow_none=True, metadata={"description": REPORTED})
    uncertainty = fields.Float(allow_none=True, metadata={"description": f"expanded uncertainty U, {REPORTED}"})
    coverage_factor = fields.Float(allow_none=True, metadata={"description": "k, two decimals"})
    mpe = fields.Float(allow_none=True, metadata={"description": "maximum permissible error (± this)"})
    verdict = fields.Str(allow_none=True, metadata={"enum": ["pass", "fail", "conditional_pass", "conditional_fail"]})
    decimals = fields.Int(dump_only=True, allow_none=True,
                          metadata={"description": "decimal places of indication, error and reference value as "
                                                   "reported (those of the rounded U); print them with this many "
                                                   "places, e.g. 0.01 with decimals 3 reads 0.010"})


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
    work_date_reason = fields.Str()
    environment = fields.Dict(metadata={"description": "{key: {value, unit}}, e.g. temperature in degC"})
    checks = fields.Dict(metadata={"description": "answers to the procedure's checklist: {key: {ok, note}}"})
    verdict = fields.Str(allow_none=True)
    results = fields.Dict(metadata={"description": "computed results with units, decision rule and budget; "
                                                   "points and budget " + REPORTED})
    remarks = fields.Str()
    return_comment = fields.Str()
    submitted_at = fields.DateTime(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    version_id = fields.Int()
    points = fields.List(fields.Nested(PointSchema))
    standards = fields.List(fields.Nested(RecordStandardSchema))
    stored = fields.Dict(dump_only=True, metadata={
        "description": "the values as computed and kept, at full precision, for recomputation and comparison: "
                       "'points' (seq, nominal, readings, reference_value, indication, error, uncertainty, "
                       "coverage_factor, mpe of each point) and 'results' (the computed results as stored). "
                       "Every other number of the record is as reported."})

    @post_dump(pass_original=True)
    def _reported(self, data: dict[str, Any], record: Any, **_kwargs: Any) -> dict[str, Any]:
        """Round what is read (JCGM 100 7.2.6, EA-4/02 M §5); keep the stored values under 'stored'."""
        resolution = getattr(record.instrument, "resolution", None) if record.instrument else None
        points = data.get("points")
        if points is None and "results" not in data:
            return data
        data["stored"] = {"points": [{key: p.get(key) for key in STORED_POINT_KEYS} for p in points or []],
                          "results": data.get("results")}
        if points is not None:
            data["points"] = [reported_point(p, resolution) for p in points]
        if data.get("results") is not None:
            data["results"] = reported_results(data["results"], resolution)
        if "environment" in data:
            data["environment"] = clean(data["environment"])
        return data


class OpenRecordSchema(Schema):
    request_item_id = fields.Int(metadata={"description": "the request item (or give instrument_id and kind)"})
    instrument_id = fields.Int()
    kind = fields.Str(metadata={"enum": ["verification", "calibration", "test"]})
    procedure_id = fields.Int(metadata={"description": "optional when only one procedure fits"})
    verification_type = fields.Str(metadata={"enum": ["initial", "periodic", "after_repair"]})
    place = fields.Str()
    work_date = fields.Date()
    work_date_reason = fields.Str(metadata={"description": "required for a work date more than "
                                                           "LIMS_WORK_DATE_MAX_DAYS_BACK (30) days back"})
    technician_id = fields.Int(metadata={"description": "only when the system opens a record; a technician opens "
                                                        "their own"})


class PointInputSchema(Schema):
    seq = fields.Int(required=True)
    readings = fields.List(fields.Raw(), metadata={"description": "numbers in the point's unit, or text with a "
                                                                  "unit such as '20001 g' (plain notation 1000.5, "
                                                                  "else as the request's language writes numbers)"})
    nominal = fields.Raw()
    reference_value = fields.Raw()
    added_load = fields.Raw(metadata={"description": "OIML R76-1 A.4.4.3: the additional 0.1 e weights ΔL put on "
                                                     "until the indication went up by e (0 … e); blank: not used"})
    source = fields.Dict()


class SaveRecordSchema(VersionSchema):
    place = fields.Str()
    work_date = fields.Date(metadata={"description": "not before receipt, not after today"})
    work_date_reason = fields.Str(metadata={"description": "required for a work date more than "
                                                           "LIMS_WORK_DATE_MAX_DAYS_BACK (30) days back"})
    environment = fields.Dict(metadata={"description": "{key: value} with the procedure's keys, e.g. "
                                                       "{\"temperature\": \"23.1 degC\", \"humidity\": 55}"})
    standards = fields.List(fields.Int(), metadata={"description": "ids of the reference standards used"})
    points = fields.List(fields.Nested(PointInputSchema))
    checks = fields.Dict(metadata={"description": "the procedure's checklist (OIML R76-1 A.1): {item key: {\"ok\": "
                                                  "true | false | null, \"note\": text}}; an item not ok fails"})
    remarks = fields.Str()
    adjusted = fields.Bool()


class CaptureSchema(VersionSchema):
    port = fields.Str(required=True, metadata={
        "description": "/dev/ttyUSB0, COM3, mock://mt-sics?weight=... (when LIMS_MOCK_DEVICES is on), or "
                       "socket:// / rfc2217://host:port listed in LIMS_DEVICE_SERVERS; anything else is 422"})
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


class BusinessDueSchema(Schema):
    owner_id = fields.Int()
    owner = fields.Str()
    overdue = fields.Int(metadata={"description": "instruments past their due date"})
    due_soon = fields.Int(metadata={"description": "instruments due within the days asked"})


class RecallByBusinessSchema(Schema):
    items = fields.List(fields.Nested(BusinessDueSchema))


def _iso_date(**kwargs: Any) -> fields.Field:
    """A date already written as YYYY-MM-DD (the impact's dictionary), documented as one."""
    metadata = {"format": "date", **kwargs.pop("metadata", {})}
    return fields.Str(metadata=metadata, **kwargs)


class ImpactStandardSchema(Schema):
    id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    status = fields.Str()


class ImpactCalibrationSchema(Schema):
    id = fields.Int()
    certificate_number = fields.Str()
    calibration_date = _iso_date()


class ImpactRecordSchema(Schema):
    id = fields.Int()
    number = fields.Str()
    status = fields.Str()
    kind = fields.Str()
    work_date = _iso_date(allow_none=True)
    instrument_id = fields.Int()
    serial_number = fields.Str()
    owner = fields.Str()
    verdict = fields.Str(allow_none=True)


class ImpactCertificateSchema(Schema):
    id = fields.Int()
    number = fields.Str()
    status = fields.Str()
    kind = fields.Str()
    issue_date = _iso_date()
    record_id = fields.Int()
    customer = fields.Str()


class ImpactSchema(Schema):
    """:meth:`lims.services.workflow.impact.Impact.to_dict`."""

    standard = fields.Nested(ImpactStandardSchema)
    found_bad_on = _iso_date(allow_none=True, metadata={"description": "when it was found out of tolerance"})
    last_good_calibration = fields.Nested(ImpactCalibrationSchema, allow_none=True)
    since = _iso_date(allow_none=True, metadata={"description": "records worked on from this day are listed"})
    records = fields.List(fields.Nested(ImpactRecordSchema))
    certificates = fields.List(fields.Nested(ImpactCertificateSchema))


class OutOfToleranceSchema(Schema):
    since = fields.Date(required=True)
    reason = fields.Str(required=True)

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
