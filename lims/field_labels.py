"""A field's name as the form labels it, for messages people read.

Services and the API name fields by their internal path (``points.1.readings``,
``environment.temperature``): programs read those in ``detail.fields``. People read the
form's label instead ("Point 1 – readings", "Ambient temperature"). This is the one place that
maps one to the other, in the current language (:mod:`lims.i18n`); it imports neither Flask nor
the database, so :mod:`lims.errors` and the pure packages may use it.
"""
from __future__ import annotations

import re
from typing import Any

from lims.i18n import N_, _, current_language

__all__ = ["field_label"]

# Top-level fields of the forms and the API, named as the forms label them.
FIELDS = {
    "place": N_("Place"), "work_date": N_("Work date"), "work_date_reason": N_("Reason for a work date far back"),
    "remarks": N_("Remarks"), "standards": N_("Reference standards"), "environment": N_("Environmental conditions"),
    "points": N_("Measurement points"), "checks": N_("Visual and technical examination"),
    "version_id": N_("Version"), "customer_id": N_("Customer"), "instrument_id": N_("Instrument"),
    "instrument_ids": N_("Instruments"), "procedure_id": N_("Procedure"), "serial_number": N_("Serial number"),
    "code": N_("Code"), "tax_code": N_("Tax code"), "email": N_("E-mail"), "reason": N_("Reason"),
    "due_date": N_("Due date"), "resolution": N_("Resolution"), "technician_id": N_("Technician"),
    "year_of_manufacture": N_("Year of manufacture"), "calibration_date": N_("Calibration date"),
    "record_id": N_("Record"),
    # products, batches and places (lims/services/products.py, batches.py, trace_locations.py)
    "gtin": N_("GTIN"), "net_quantity": N_("Net quantity"), "net_unit": N_("Unit of the net quantity"),
    "category": N_("Category"), "description": N_("Description"), "product_id": N_("Product"),
    "lot": N_("Lot number"), "production_date": N_("Production date"), "expiry_date": N_("Expiry date"),
    "quantity_unit": N_("Unit of the quantity"), "location_id": N_("Place of production"), "gln": N_("GLN"),
    "local_id": N_("Local identifier"), "disclosure": N_("What the public sees"),
    # the catalogue's forms (lims/web/admin_sections.py)
    "accuracy_class": N_("Accuracy class"), "address": N_("Address"), "calibrated_by": N_("Calibrated by"),
    "calibration_interval_months": N_("Agreed calibration interval (months)"),
    "certificate_number": N_("Certificate number"), "coverage_factor": N_("Coverage factor k"),
    "expanded_uncertainty": N_("Expanded uncertainty U"), "full_name": N_("Full name"), "job_title": N_("Job title"),
    "kind": N_("Kind"), "location": N_("Location"), "manufacturer": N_("Manufacturer"),
    "max_tare": N_("Maximum additive tare T+ (scales)"), "model": N_("Model"), "name": N_("Name"),
    "name_en": N_("Name (English)"), "name_vi": N_("Name (Vietnamese)"), "notes": N_("Notes"),
    "organisation_id": N_("Organisation (for business users)"), "owner_id": N_("Owner"),
    "password": N_("Password"), "pattern_approval": N_("Pattern approval mark"), "phone": N_("Phone"),
    "quantity": N_("Quantity"), "range_max": N_("Range to"), "range_min": N_("Range from"),
    "range_unit": N_("Unit of the range"), "roles": N_("Roles"),
    "scale_interval": N_("Verification scale interval e (scales)"), "status": N_("Status"),
    "type_id": N_("Instrument type"), "uncertainty_unit": N_("Unit of U"), "unit": N_("Unit"),
    "username": N_("Username"), "verification_interval_months": N_("Verification interval (months)"),
}
# The conditions of the environment (the procedure's ``environment`` keys).
ENVIRONMENT = {
    "temperature": N_("Ambient temperature"), "humidity": N_("Relative humidity"),
    "pressure": N_("Air pressure"), "height_difference": N_("Height of the gauge above the reference"),
}
# The parts of one measurement point.
POINT_PARTS = {
    "readings": N_("readings"), "reference_value": N_("reference value"), "nominal": N_("nominal value"),
    "added_load": N_("additional load ΔL"), "source": N_("device reading"), "label": N_("label"),
    "test": N_("test"), "unit": N_("unit"),
}
_POINT = re.compile(r"^points\.(\d+)(?:\.(\w+))?$")


def _check_title(key: str, spec: dict[str, Any] | None, lang: str) -> str:
    for item in (spec or {}).get("checks", []) or []:
        if item.get("key") == key:
            return str(item.get("title_en") if lang == "en" else item.get("title_vi") or item.get("title_en"))
    return _("Checklist item %(n)s", n=key)


def field_label(field: str, spec: dict[str, Any] | None = None) -> str:
    """``field`` (an internal path) as the form labels it; ``spec`` (a procedure's) names checklist items."""
    if field in FIELDS:
        return _(FIELDS[field])
    point = _POINT.match(field)
    if point:
        seq, part = point.groups()
        if part is None:
            return _("Point %(n)s", n=seq)
        return _("Point %(n)s – %(part)s", n=seq, part=_(POINT_PARTS[part]) if part in POINT_PARTS else part)
    head, _dot, rest = field.partition(".")
    if head == "environment" and rest:
        return _(ENVIRONMENT[rest]) if rest in ENVIRONMENT else _("Environmental condition %(name)s", name=rest)
    if head == "checks" and rest:
        key, _dot, sub = rest.partition(".")
        title = _check_title(key, spec, current_language())
        return _("%(item)s – note", item=title) if sub == "note" else title
    return field

