"""The admin pages' sections: what each list shows and what each create form asks.

A :class:`Section` is data: its columns, its form fields, the typed input its form is parsed
into and the one service that creates from it. The views in :mod:`lims.web.ui` are the same
for every section. One small function per entity builds its section; :data:`SECTIONS` is the
table of them.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import g, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from lims.metrology.errors import MetrologyError
from lims.metrology.units import format_quantity
from lims.models import InstrumentStatus, Role, StandardStatus
from lims.models.catalog import lab_text
from lims.services import catalog, standard_calibrations, users
from lims.services.catalog import min_capacity
from lims.services.policy import STAFF_ROLES, Actor
from lims.services.validation import QUANTITY_UNITS
from lims.web.context import get_db
from lims.web.filters import fmt_class, fmt_date, fmt_number, fmt_range, unit_symbol

#: A select's choices; called with the form's current value, so that an entry withdrawn since is
#: still shown as chosen where it is kept (a withdrawn entry is offered for nothing new).
Choices = Callable[..., list[tuple[str, str]]]


@dataclass(frozen=True)
class Field:
    name: str
    label: Any
    kind: str = "text"  # text, number, integer, date, select, checkbox, textarea, json, multiselect, password
    required: bool = False
    choices: Choices | None = None
    help: Any = ""
    step: str = "any"


@dataclass(frozen=True)
class Column:
    label: Any
    render: Callable[[Any], Any]


@dataclass(frozen=True)
class Section:
    key: str
    title: Any
    list_roles: tuple[Role, ...]
    create_roles: tuple[Role, ...]
    rows: Callable[[Session, Actor | None], list]
    columns: tuple[Column, ...]
    fields: tuple[Field, ...] = ()
    input: type | None = None  # the typed input the form is parsed into
    create: Callable[[Session, Actor | None, Any], Any] | None = None
    detail: Callable[[Any], str] | None = None  # the URL of a row's own page, linked from one cell
    detail_column: int = 0  # the cell that links it (the first unless said)
    badge: Callable[[Any], Any] | None = None  # a withdrawn row's badge text (None: none)


QUANTITY_LABELS = {
    "mass": _l("mass"), "volume": _l("volume"), "pressure": _l("pressure"), "temperature": _l("temperature"),
    "length": _l("length"), "force": _l("force"), "voltage": _l("voltage"), "current": _l("current"),
    "resistance": _l("resistance"), "power": _l("power"), "energy": _l("energy"), "frequency": _l("frequency"),
    "time": _l("time"), "speed": _l("speed"), "flow": _l("flow"), "density": _l("density"),
    "concentration": _l("concentration"), "relative_humidity": _l("relative humidity"),
    "dose_rate": _l("dose rate"),
}
STATUS_LABELS = {
    "in_service": _l("in service"), "out_of_service": _l("out of service"), "scrapped": _l("scrapped"),
    "in_use": _l("in use"), "out_of_tolerance": _l("out of tolerance"), "retired": _l("retired"),
}
ROLE_LABELS = {
    "admin": _l("administrator"), "technician": _l("technician"), "reviewer": _l("reviewer"),
    "inspector": _l("inspector"), "business": _l("business"),
}
KIND_LABELS = {"verification": _l("verification"), "calibration": _l("calibration"), "test": _l("testing"),
               "lab": _l("the lab"), "business": _l("business"), "calibration_lab": _l("calibration lab")}


def _lang() -> str:
    return g.get("lang", "vi")


def _withdrawn_label(text: str) -> str:
    return _("%(name)s (withdrawn)", name=text)


def _org_choices(current: str = "") -> list[tuple[str, str]]:
    """Active organisations, and the one the form holds if it was withdrawn since (marked so)."""
    return [(str(o.id), o.name if o.active else _withdrawn_label(o.name))
            for o in catalog.list_organisations(get_db()) if o.active or str(o.id) == current]


def _type_choices(current: str = "") -> list[tuple[str, str]]:
    """Active instrument types, and the one the form holds if it was withdrawn since (marked so)."""
    lang = _lang()
    return [(str(t.id), f"{t.code} — {t.name(lang)}" if t.active else _withdrawn_label(f"{t.code} — {t.name(lang)}"))
            for t in catalog.list_instrument_types(get_db()) if t.active or str(t.id) == current]


def _quantity_choices(current: str = "") -> list[tuple[str, str]]:
    return [(q, QUANTITY_LABELS.get(q, q)) for q in sorted(QUANTITY_UNITS)]


def _range(obj: Any) -> str:
    return fmt_range(obj.range_min, obj.range_max, obj.range_unit)


def _scale_intervals(inst: Any) -> str:
    """A scale's e, d and Min with the unit ("e = 0,1 g; d = 0,01 g; Min = 5 g"), else a dash."""
    if not inst.scale_interval:
        return "—"
    unit = unit_symbol(inst.range_unit)
    parts = [f"e = {fmt_number(inst.scale_interval)} {unit}"]
    if inst.resolution:
        parts.append(f"d = {fmt_number(inst.resolution)} {unit}")
    minimum = min_capacity(inst)
    if minimum is not None:
        parts.append(f"Min = {fmt_number(minimum)} {unit}")
    return "; ".join(parts)


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def organisations() -> Section:
    return Section(
        key="organisations", title=_l("Organisations"), list_roles=STAFF_ROLES, create_roles=(Role.admin,),
        rows=lambda db, actor: catalog.list_organisations(db),
        columns=(
            Column(_l("Name"), lambda o: o.name),
            Column(_l("Kind"), lambda o: KIND_LABELS.get(o.kind, o.kind)),
            Column(_l("Tax code"), lambda o: o.tax_code or "—"),
            Column(_l("Accreditation"), _vouches),
            Column(_l("Address"), lambda o: o.address),
        ),
        fields=(
            Field("name", _l("Name"), required=True),
            Field("kind", _l("Kind"), "select", True,
                  lambda *_: [(k, str(KIND_LABELS[k])) for k in ("business", "lab", "calibration_lab")]),
            Field("tax_code", _l("Tax code"), help=_l("10 digits, or 10 digits-3 digits for a branch")),
            Field("address", _l("Address")),
            Field("phone", _l("Phone")),
            Field("email", _l("E-mail")),
            Field("accreditation", _l("Accreditation"), help=_l("a calibration lab's, e.g. VILAS 003")),
            Field("national_institute", _l("National metrology institute"), "checkbox",
                  help=_l("a calibration lab that keeps national standards (CIPM MRA, CMCs in the BIPM KCDB)")),
        ),
        input=catalog.NewOrganisation, create=catalog.create_organisation,
        detail=lambda o: url_for("catalog_pages.organisation_page", organisation_id=o.id),
        badge=lambda o: None if o.active else _("withdrawn"),
    )


def _vouches(org: Any) -> str:
    """What vouches for a calibration lab: its accreditation, or being a national metrology institute."""
    if org.national_institute:
        return _("national metrology institute") + (f" · {org.accreditation}" if org.accreditation else "")
    return org.accreditation or "—"


def _interval(months: int | None) -> str:
    return _("%(n)s months", n=months) if months else "—"


def instrument_types() -> Section:
    return Section(
        key="instrument-types", title=_l("Instrument types"), list_roles=STAFF_ROLES, create_roles=(Role.admin,),
        rows=lambda db, actor: catalog.list_instrument_types(db),
        columns=(
            Column(_l("Code"), lambda t: t.code),
            Column(_l("Name"), lambda t: t.name(_lang())),
            Column(_l("Quantity"), lambda t: QUANTITY_LABELS.get(t.quantity, t.quantity)),
            Column(_l("Unit"), lambda t: unit_symbol(t.unit)),
            Column(_l("Legal control"), lambda t: _yes_no(t.requires_verification)),
            Column(_l("Verification interval"), lambda t: _interval(t.verification_interval_months)),
        ),
        fields=(
            Field("code", _l("Code"), required=True),
            Field("name_vi", _l("Name (Vietnamese)"), required=True),
            Field("name_en", _l("Name (English)")),
            Field("quantity", _l("Quantity"), "select", True, _quantity_choices),
            Field("unit", _l("Unit"), required=True, help=_l("e.g. kg, g, bar, kPa, degC, L, V")),
            Field("requires_verification", _l("Subject to legal control (mandatory verification)"), "checkbox"),
            Field("verification_interval_months", _l("Verification interval (months)"), "integer"),
        ),
        input=catalog.NewInstrumentType, create=catalog.create_instrument_type,
        detail=lambda t: url_for("catalog_pages.type_page", type_id=t.id),
        badge=lambda t: None if t.active else _("withdrawn"),
    )


def instruments() -> Section:
    return Section(
        key="instruments", title=_l("Instruments"), list_roles=STAFF_ROLES + (Role.business,),
        create_roles=(Role.admin, Role.technician),
        rows=lambda db, actor: catalog.list_visible_instruments(db, actor, limit=500),
        columns=(
            Column(_l("Owner"), lambda i: i.owner.name),
            Column(_l("Type"), lambda i: i.type.name(_lang())),
            Column(_l("Manufacturer / model"), lambda i: " ".join(x for x in (i.manufacturer, i.model) if x)),
            Column(_l("Serial number"), lambda i: i.serial_number),
            Column(_l("Range"), _range),
            Column(_l("Accuracy class"), lambda i: fmt_class(i.accuracy_class)),
            Column(_l("e / d"), _scale_intervals),
            Column(_l("Status"), lambda i: STATUS_LABELS.get(i.status, i.status)),
            Column(_l("Next due"), lambda i: i.next_due),
        ),
        fields=(
            Field("owner_id", _l("Owner"), "select", True, _org_choices),
            Field("type_id", _l("Instrument type"), "select", True, _type_choices),
            Field("manufacturer", _l("Manufacturer")),
            Field("model", _l("Model")),
            Field("serial_number", _l("Serial number"), required=True),
            Field("range_min", _l("Range from"), "number"),
            Field("range_max", _l("Range to"), "number", True),
            Field("range_unit", _l("Unit of the range"), required=True, help=_l("e.g. kg, bar, degC")),
            Field("resolution", _l("Resolution (in the range's unit)"), "number",
                  help=_l("for a scale: the actual scale interval d")),
            Field("scale_interval", _l("Verification scale interval e (scales)"), "number",
                  help=_l("OIML R76-1: d ≤ e; empty: e = d")),
            Field("load_supports", _l("Load receptor supports (scales)"), "integer",
                  help=_l("decides the eccentricity test's positions (OIML R76-1 A.4.7)")),
            Field("max_tare", _l("Maximum additive tare T+ (scales)"), "number"),
            Field("accuracy_class", _l("Accuracy class")),
            Field("year_of_manufacture", _l("Year of manufacture"), "integer"),
            Field("pattern_approval", _l("Pattern approval mark")),
            Field("location", _l("Location")),
            Field("calibration_interval_months", _l("Agreed calibration interval (months)"), "integer"),
            Field("status", _l("Status"), "select", True,
                  lambda *_: [(s.value, str(STATUS_LABELS[s.value])) for s in InstrumentStatus]),
        ),
        input=catalog.NewInstrument, create=catalog.create_instrument,
        detail=lambda i: url_for("instruments.instrument_page", instrument_id=i.id), detail_column=3,  # serial
    )


def _lab_instrument_choices(current: str = "") -> list[tuple[str, str]]:
    """The lab's own instruments (what a standard calibrated internally is)."""
    lab = catalog.the_lab(get_db())
    if lab is None:
        return []
    return [(str(i.id), f"{i.serial_number} — {i.type.name(_lang())}")
            for i in catalog.list_instruments(get_db(), owner_id=lab.id)]


def _current_calibration(attr: str, missing: Any = "—") -> Callable[[Any], Any]:
    return lambda s: getattr(s.current_calibration, attr) if s.current_calibration else missing


def standards() -> Section:
    return Section(
        key="standards", title=_l("Reference standards"), list_roles=STAFF_ROLES, create_roles=(Role.admin,),
        rows=lambda db, actor: catalog.list_reference_standards(db),
        columns=(
            Column(_l("Code"), lambda s: s.code),
            Column(_l("Name"), lambda s: s.name),
            Column(_l("Range"), _range),
            Column(_l("Certificate"), _current_calibration("certificate_number")),
            Column(_l("Calibrating lab"), _current_calibration("calibrated_by")),
            Column(_l("Calibration due"), _current_calibration("due_date", None)),
            Column(_l("Status"), lambda s: STATUS_LABELS.get(s.status, s.status)),
        ),
        fields=(
            Field("code", _l("Code"), required=True),
            Field("name", _l("Name"), required=True),
            Field("quantity", _l("Quantity"), "select", True, _quantity_choices),
            Field("manufacturer", _l("Manufacturer")),
            Field("model", _l("Model")),
            Field("serial_number", _l("Serial number")),
            Field("range_min", _l("Range from"), "number"),
            Field("range_max", _l("Range to"), "number", True),
            Field("range_unit", _l("Unit of the range"), required=True),
            Field("accuracy_class", _l("Accuracy class")),
            Field("instrument_id", _l("As an instrument of the lab"), "select", False, _lab_instrument_choices,
                  help=_l("for a standard the lab calibrates itself: its calibration records are of this instrument")),
        ),
        input=catalog.NewReferenceStandard, create=catalog.create_reference_standard,
        detail=lambda s: url_for("ui.standard_detail", standard_id=s.id),
        badge=lambda s: STATUS_LABELS["retired"] if s.status == StandardStatus.retired.value else None,
    )


def _roles_text(user: Any) -> str:
    return ", ".join(str(ROLE_LABELS.get(r, r)) for r in sorted(user.roles))


def user_section() -> Section:
    return Section(
        key="users", title=_l("Users"), list_roles=(Role.admin,), create_roles=(Role.admin,),
        rows=users.list_users,
        columns=(
            Column(_l("Username"), lambda u: u.username),
            Column(_l("Full name"), lambda u: u.full_name),
            Column(_l("Job title"), lambda u: u.job_title or "—"),
            Column(_l("Roles"), _roles_text),
            Column(_l("Organisation"), lambda u: u.organisation.name if u.organisation else "—"),
            Column(_l("Active"), lambda u: _yes_no(u.active)),
        ),
        fields=(
            Field("username", _l("Username"), required=True),
            Field("full_name", _l("Full name")),
            Field("job_title", _l("Job title"), help=_l("printed under the signature on certificates")),
            Field("email", _l("E-mail")),
            Field("password", _l("Password"), "password", True, help=_l("at least 8 characters")),
            Field("roles", _l("Roles"), "multiselect", True,
                  lambda: [(r.value, str(ROLE_LABELS[r.value])) for r in Role]),
            Field("organisation_id", _l("Organisation (for business users)"), "select", False, _org_choices),
        ),
        input=users.NewUser, create=users.create_user,
        detail=lambda u: url_for("accounts.user_detail", user_id=u.id),
        badge=lambda u: None if u.active else _("deactivated"),
    )


def _lab_choices(current: str = "") -> list[tuple[str, str]]:
    return [(str(o.id), lab_text(o)) for o in standard_calibrations.calibration_labs(get_db())]


def _national_choices(current: str = "") -> list[tuple[str, str]]:
    return [(str(n.id), f"{n.name} — {n.institute.name}")
            for n in standard_calibrations.list_national_standards(get_db(), active_only=True)]


def _record_choices(std: Any) -> Choices:
    def choices(current: str = "") -> list[tuple[str, str]]:
        return [(str(r.id), f"{r.number} ({fmt_date(r.work_date)})" if r.work_date else r.number)
                for r in standard_calibrations.internal_records(get_db(), std)]
    return choices


def calibration_section(title: Any, std: Any = None) -> Section:
    """The form for a calibration of a reference standard (listed under standards): its lab and
    what it was made against (a national standard, or an internal calibration record)."""
    return Section(
        key="standards", title=title, list_roles=(), create_roles=(Role.admin,), rows=lambda db, actor: [],
        columns=(),
        fields=(
            Field("certificate_number", _l("Certificate number"), required=True),
            Field("lab_id", _l("Calibrating lab"), "select", True, _lab_choices,
                  help=_l("a calibration lab (admin: organisations), or the lab itself for an internal calibration")),
            Field("national_standard_id", _l("Upstream: national standard"), "select", False, _national_choices,
                  help=_l("the national standard the calibration was made against")),
            Field("record_id", _l("Upstream: internal calibration record"), "select", False, _record_choices(std),
                  help=_l("an internal calibration: the approved record of this standard's calibration, "
                          "whose standards are the higher standards")),
            Field("calibration_date", _l("Calibration date"), "date", True),
            Field("due_date", _l("Due date"), "date", True),
            Field("expanded_uncertainty", _l("Expanded uncertainty U"), "number", True),
            Field("uncertainty_unit", _l("Unit of U"), required=True),
            Field("coverage_factor", _l("Coverage factor k"), "number"),
            Field("notes", _l("Notes"), "textarea"),
            Field("data", _l("The certificate's values point by point (JSON)"), "json", help=_l(
                "Optional; left empty, U above holds for the whole range. Every quantity with its unit. "
                "Weights (OIML R111): {\"use\": \"corrections\", \"class\": \"F1\", \"pieces\": "
                "[{\"id\": \"20kg\", \"nominal\": \"20 kg\", \"correction\": \"12 mg\", \"U\": \"30 mg\", "
                "\"k\": 2}, ...]} — \"use\": \"nominal\" to use them within their class's MPE. "
                "Thermometers and pressure references: {\"points\": [{\"at\": \"0 degC\", \"correction\": "
                "\"-0.004 delta_degC\", \"U\": \"0.010 delta_degC\", \"k\": 2}, ...], \"resolution\": "
                "\"0.001 delta_degC\"}; a pressure reference also \"medium\": \"gas\" or \"liquid\" with "
                "\"medium_density\": \"860 kg/m**3\".")),
        ),
        input=standard_calibrations.NewStandardCalibration,
    )


def national_standards() -> Section:
    return Section(
        key="national-standards", title=_l("National standards"), list_roles=STAFF_ROLES,
        create_roles=(Role.admin,), rows=lambda db, actor: standard_calibrations.list_national_standards(db),
        columns=(
            Column(_l("Name"), lambda n: n.name),
            Column(_l("National metrology institute"), lambda n: n.institute.name),
            Column(_l("Quantity"), lambda n: QUANTITY_LABELS.get(n.quantity, n.quantity)),
            Column(_l("CMC / KCDB reference"), lambda n: n.kcdb_ref or "—"),
        ),
        fields=(
            Field("institute_id", _l("National metrology institute"), "select", True,
                  lambda *_: [(str(o.id), o.name) for o in catalog.list_organisations(get_db(), "calibration_lab")
                              if o.national_institute and o.active]),
            Field("name", _l("Name"), required=True),
            Field("quantity", _l("Quantity"), "select", True, _quantity_choices),
            Field("kcdb_ref", _l("CMC / KCDB reference")),
        ),
        input=standard_calibrations.NewNationalStandard, create=standard_calibrations.create_national_standard,
    )


def _text(quantity: Any) -> str:
    """A quantity of the calibration data (text with its unit) as the page's language prints it."""
    if quantity in (None, ""):
        return "—"
    try:
        return format_quantity(str(quantity), "en" if _lang() == "en" else "vi")
    except MetrologyError:
        return str(quantity)


def calibration_rows(cal: Any) -> tuple[list[Any], list[list[str]], str]:
    """The header, rows and readout resolution of a calibration's data as the standard's page shows
    them (nothing for ``{}``)."""
    data = cal.data or {}
    resolution = _text(data["resolution"]) if data.get("resolution") else ""
    if "pieces" in data:
        head = [_l("Piece"), _l("Nominal value"), _l("Class"), _l("Correction"), "U", "k"]
        return head, [[str(p.get("id", "")), _text(p.get("nominal")), str(p.get("class") or data.get("class", "")),
                       _text(p.get("correction")), _text(p.get("U")), fmt_number(float(p.get("k") or 2))]
                      for p in data["pieces"]], ""
    if "points" in data:
        head = [_l("Reference reading"), _l("Correction"), "U", "k"]
        return head, [[_text(p.get("at")), _text(p.get("correction")), _text(p.get("U")),
                       fmt_number(float(p.get("k") or 2))] for p in data["points"]], resolution
    return [], [], ""


#: The admin list/create pages, by URL key, in menu order.
SECTIONS: dict[str, Section] = {s.key: s for s in (instruments(), organisations(), instrument_types(),
                                                     standards(), national_standards(), user_section())}
