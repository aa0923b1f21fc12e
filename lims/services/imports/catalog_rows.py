"""Rows of customers, instruments and reference standards (with their calibrations): each row is
read into the same input a form gives and created by the same service
(:mod:`lims.services.catalog`), so an imported row obeys every rule a typed one does and writes the
same audit events."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from lims.errors import ValidationError
from lims.i18n import N_, _
from lims.models import Organisation, ReferenceStandard
from lims.services import catalog, standard_calibrations
from lims.services.imports.context import ImportContext, merge_errors
from lims.services.imports.table import Column, cells
from lims.services.inputs import parse

__all__ = ["CUSTOMER_COLUMNS", "INSTRUMENT_COLUMNS", "STANDARD_COLUMNS", "customer_row", "instrument_row",
           "standard_row"]

CUSTOMER_COLUMNS = (
    Column("name", N_("Name"), True, example="Công ty TNHH Cân Hữu Nghị"),
    Column("tax_code", N_("Tax code"), example="0101234567"),
    Column("address", N_("Address"), example="12 Lê Lợi, Vinh, Nghệ An"),
    Column("phone", N_("Phone"), example="0238 3841 234"),
    Column("email", N_("E-mail"), example="kythuat@huunghi.vn"),
)

INSTRUMENT_COLUMNS = (
    Column("owner", N_("Owner (tax code or name)"), True, example="0101234567"),
    Column("type_code", N_("Instrument type (code)"), True, example="NAWI"),
    Column("serial_number", N_("Serial number"), True, example="HN-2019-0457"),
    Column("manufacturer", N_("Manufacturer"), example="Mettler Toledo"),
    Column("model", N_("Model"), example="ICS425"),
    Column("range_min", N_("Range from"), kind="number", example="0"),
    Column("range_max", N_("Range to"), True, kind="number", example="60"),
    Column("range_unit", N_("Unit of the range"), True, example="kg"),
    Column("resolution", N_("Resolution d"), kind="number", example="0,02"),
    Column("scale_interval", N_("Verification scale interval e"), kind="number", example="0,02"),
    Column("accuracy_class", N_("Accuracy class"), example="III"),
    Column("location", N_("Location"), example="Chợ Vinh, quầy 12"),
    Column("next_due", N_("Next due date"), kind="date", example="15/03/2027"),
)

STANDARD_COLUMNS = (
    Column("standard_code", N_("Standard code"), True, example="QC-F1-01"),
    Column("name", N_("Name"), True, example="Bộ quả cân F1 1 mg – 2 kg"),
    Column("quantity", N_("Quantity"), True, example="mass"),
    Column("range_min", N_("Range from"), kind="number", example="0"),
    Column("range_max", N_("Range to"), True, kind="number", example="2"),
    Column("range_unit", N_("Unit of the range"), True, example="kg"),
    Column("manufacturer", N_("Manufacturer"), example="Häfner"),
    Column("model", N_("Model"), example=""),
    Column("serial_number", N_("Serial number"), example="F1-2291"),
    Column("accuracy_class", N_("Accuracy class"), example="F1"),
    Column("certificate_number", N_("Certificate number"), example="V03.VMI-2025/118"),
    Column("calibrated_by", N_("Calibrated by"), example="Viện Đo lường Việt Nam (VMI)"),
    Column("calibration_date", N_("Calibration date"), kind="date", example="10/01/2025"),
    Column("due_date", N_("Due date"), kind="date", example="10/01/2027"),
    Column("expanded_uncertainty", N_("Expanded uncertainty U"), kind="number", example="0,0003"),
    Column("uncertainty_unit", N_("Unit of U"), example="g"),
    Column("coverage_factor", N_("Coverage factor k"), kind="number", example="2"),
)

_CALIBRATION_KEYS = ("certificate_number", "calibrated_by", "calibration_date", "due_date",
                     "expanded_uncertainty", "uncertainty_unit", "coverage_factor")


def _filled(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in (None, "")}


def customer_row(ctx: ImportContext, row: int, values: dict[str, Any]) -> dict[str, str]:
    got, errors = cells(values, CUSTOMER_COLUMNS)
    tax = got.get("tax_code")
    if tax and (first := ctx.repeated(("tax_code", tax), row)):
        errors.setdefault("tax_code", _("The same tax code is in row %(row)s.", row=first))
    try:
        new = parse(catalog.NewOrganisation, _filled({k: v for k, v in got.items() if k not in errors}))
    except ValidationError as exc:
        merge_errors(errors, exc)
        return errors
    if not errors:
        try:
            catalog.create_organisation(ctx.session, ctx.actor, new)
        except ValidationError as exc:
            merge_errors(errors, exc)
    return errors


def instrument_row(ctx: ImportContext, row: int, values: dict[str, Any]) -> dict[str, str]:
    got, errors = cells(values, INSTRUMENT_COLUMNS)
    data = _filled({k: v for k, v in got.items() if k not in errors and k not in ("owner", "type_code")})
    owner = ctx.owner(got["owner"]) if got.get("owner") else None
    if isinstance(owner, str):
        errors.setdefault("owner", owner)
    elif isinstance(owner, Organisation):
        data["owner_id"] = owner.id
        serial = got.get("serial_number")
        if serial and (first := ctx.repeated(("instrument", owner.id, serial), row)):
            errors.setdefault("serial_number", _("The same owner and serial number are in row %(row)s.", row=first))
    itype = ctx.instrument_type(got["type_code"]) if got.get("type_code") else None
    if got.get("type_code") and itype is None:
        errors.setdefault("type_code", _("No instrument type has this code."))
    elif itype is not None:
        data["type_id"] = itype.id
    columns = {"owner_id": "owner", "type_id": "type_code"}
    try:
        new = parse(catalog.NewInstrument, data)
    except ValidationError as exc:
        merge_errors(errors, exc, columns)
        return errors
    if not errors:
        try:
            catalog.create_instrument(ctx.session, ctx.actor, new)
        except ValidationError as exc:
            merge_errors(errors, exc, columns)
    return errors


def standard_row(ctx: ImportContext, row: int, values: dict[str, Any]) -> dict[str, str]:
    """One calibration of a reference standard; the standard is created by the first row of its code."""
    got, errors = cells(values, STANDARD_COLUMNS)
    code = got.get("standard_code", "")
    std = ctx.session.scalar(select(ReferenceStandard).where(ReferenceStandard.code == code)) if code else None
    cal = {k: got[k] for k in _CALIBRATION_KEYS if k in got and got[k] not in (None, "")}
    columns = {"code": "standard_code"}
    if std is None and code:
        data = _filled({k: v for k, v in got.items() if k not in errors and k not in _CALIBRATION_KEYS})
        data["code"] = data.pop("standard_code", code)
        try:
            new_std = parse(catalog.NewReferenceStandard, data)
        except ValidationError as exc:
            merge_errors(errors, exc, columns)
        else:
            if not errors:
                try:
                    std = catalog.create_reference_standard(ctx.session, ctx.actor, new_std)
                except ValidationError as exc:
                    merge_errors(errors, exc, columns)
    number = cal.get("certificate_number")
    if number and code and (first := ctx.repeated(("calibration", code, number), row)):
        errors.setdefault("certificate_number", _("The same certificate number of this standard is in row "
                                                  "%(row)s.", row=first))
    elif number and std is not None and std.id is not None and any(
            c.certificate_number == number for c in std.calibrations):
        errors.setdefault("certificate_number", _("This calibration of the standard is recorded already."))
    if not cal:
        return errors
    lab_name = cal.pop("calibrated_by", None)
    if lab_name and "calibrated_by" not in errors and not errors:
        # the calibrating lab by its name: made a calibration lab when new (audited)
        cal["lab_id"] = standard_calibrations.calibration_lab_named(ctx.session, ctx.actor, str(lab_name)).id
    columns = {"lab_id": "calibrated_by"}
    try:
        new_cal = parse(standard_calibrations.NewStandardCalibration,
                        {k: v for k, v in cal.items() if k not in errors})
    except ValidationError as exc:
        merge_errors(errors, exc, columns)
        return errors
    if not errors and std is not None:
        try:
            standard_calibrations.add_standard_calibration(ctx.session, ctx.actor, std.id, new_cal)
        except ValidationError as exc:
            merge_errors(errors, exc, columns)
    return errors
