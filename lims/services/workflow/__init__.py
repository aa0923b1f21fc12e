"""The technician's daily work: service requests, records, submit → review → approve.

One module per concern; every name callers use is importable from here:

* :mod:`.requests` — service requests (file, accept, cancel, list, count, progress);
* :mod:`.records` — open, get and list records, the audit trail, counts by status;
* :mod:`.record_input` — reading what was entered (values with units, readings, points,
  environment, chosen standards); :mod:`.saving` — save a record and compute its results with
  :mod:`lims.metrology.results`;
* :mod:`.standards` — which reference standards a record may use on a day;
* :mod:`.transitions` — submit, return, approve (the certificate is issued), next due date;
* :mod:`.locking` — optimistic locking by ``version_id``; :mod:`.labels` — status words;
* :mod:`.inputs` — the typed inputs of every use case;
* :mod:`.procedures` — procedures as data and the points they plan;
* :mod:`.devices` and :mod:`.capture` — reading workstation devices into a record;
* :mod:`.recall` — instruments due for verification or calibration; :mod:`.impact` — what a
  standard found out of tolerance affected.

Every function validates its whole input before writing, refuses a stale ``version_id``,
asks :mod:`lims.services.policy` who may act, and appends an audit event per change. Approved
records are immutable: :mod:`lims.models.work` refuses any change to them.
"""
from __future__ import annotations

from lims.services.policy import is_staff
from lims.services.workflow.capture import capture_into_point, capture_point, plan_capture, point_update, run_capture
from lims.services.workflow.common import (
    EDITABLE,
    OPEN_STATUSES,
    RECORD_NUMBER,
    REQUEST_NUMBER,
    VERIFICATION_TYPES,
    facts_of,
    today,
    usable_procedure,
)
from lims.services.workflow.inputs import (
    KEEP,
    AcceptRequest,
    CancelRequest,
    CaptureIntoPoint,
    MarkOutOfTolerance,
    NewServiceRequest,
    OpenRecord,
    ReturnRecord,
    SaveRecord,
    Version,
)
from lims.services.workflow.labels import record_status_label, request_status_label
from lims.services.workflow.locking import check_version, last_actor
from lims.services.workflow.procedures import MAX_READINGS, load_procedures, plan_points, procedures_for
from lims.services.workflow.record_input import parse_value, readings_bounds, split_readings
from lims.services.workflow.records import (
    counts_by_status,
    get_record,
    latest_certificate,
    list_records,
    open_record,
    record_events,
    records_of_request,
    require_editable,
)
from lims.services.workflow.requests import (
    accept_service_request,
    cancel_service_request,
    count_service_requests,
    create_service_request,
    get_service_request,
    list_service_requests,
    no_procedure_message,
    open_requests_of,
    serviceable_type_ids,
    update_request_progress,
)
from lims.services.workflow.saving import record_summary, save_record
from lims.services.workflow.standards import (
    calibration_in_force,
    range_text,
    standard_choices,
    standard_data,
    standard_problem,
    standards_in_use,
)
from lims.services.workflow.transitions import (
    approve_record,
    missing_for_submission,
    next_due_after,
    return_record,
    submit_record,
    unfit_points,
)

__all__ = [
    "EDITABLE", "OPEN_STATUSES", "RECORD_NUMBER", "REQUEST_NUMBER", "VERIFICATION_TYPES", "MAX_READINGS", "KEEP",
    "AcceptRequest", "CancelRequest", "CaptureIntoPoint", "MarkOutOfTolerance", "NewServiceRequest", "OpenRecord",
    "ReturnRecord", "SaveRecord", "Version",
    "accept_service_request", "approve_record", "calibration_in_force", "cancel_service_request",
    "capture_into_point", "capture_point", "check_version", "count_service_requests", "counts_by_status",
    "create_service_request", "facts_of", "get_record", "get_service_request", "is_staff", "last_actor",
    "latest_certificate", "list_records", "list_service_requests", "load_procedures", "missing_for_submission",
    "unfit_points", "next_due_after", "open_record", "parse_value", "plan_capture", "plan_points", "point_update",
    "procedures_for", "range_text", "readings_bounds", "record_events", "record_status_label", "record_summary",
    "records_of_request", "request_status_label", "require_editable", "return_record", "run_capture",
    "save_record", "split_readings", "standard_choices", "standard_data", "standard_problem", "standards_in_use",
    "submit_record", "today", "update_request_progress", "usable_procedure",
    "no_procedure_message", "open_requests_of", "serviceable_type_ids",
]
