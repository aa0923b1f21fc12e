"""Pages for staff (admin, technicians, reviewers, inspectors) and business users."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select

from lims.app import get_db
from lims.errors import ValidationError
from lims.models import (
    Instrument,
    InstrumentStatus,
    InstrumentType,
    Organisation,
    ReferenceStandard,
    Role,
    User,
)
from lims.services import catalog, users
from lims.services.validation import QUANTITY_UNITS
from lims.web.auth import acting_user, public, roles_required
from lims.web.extensions import limiter
from lims.web.nav import NavItem, add_nav, nav_context

bp = Blueprint("ui", __name__)

STAFF = (Role.technician, Role.reviewer, Role.inspector)


# ---------------------------------------------------------------- sign in / out


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("ui.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit("20 per minute", methods=["POST"])
def login():
    error = None
    if request.method == "POST":
        user = users.authenticate(get_db(), request.form.get("username", ""), request.form.get("password", ""))
        if user is None:
            error = _("Wrong username or password.")
        else:
            login_user(user, remember=bool(request.form.get("remember")))
            return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", error=error), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    return redirect(url_for("ui.login"))


@bp.route("/dashboard")
def dashboard():
    db = get_db()
    owner = catalog.visible_owner(current_user)
    q = select(func.count()).select_from(Instrument)
    if owner is not None:
        q = q.where(Instrument.owner_id == owner)
    counts = {
        "instruments": db.scalar(q) or 0,
        "organisations": db.scalar(select(func.count()).select_from(Organisation)) or 0,
        "standards": db.scalar(select(func.count()).select_from(ReferenceStandard)) or 0,
    }
    return render_template("dashboard.html", counts=counts)


# ---------------------------------------------------------------- generic list + create pages


@dataclass
class Field:
    name: str
    label: Any
    kind: str = "text"  # text, number, integer, date, select, checkbox, textarea, multiselect, password
    required: bool = False
    choices: Callable[[], list[tuple[str, str]]] | None = None
    help: Any = ""
    step: str = "any"


@dataclass
class Column:
    label: Any
    render: Callable[[Any], Any]


@dataclass
class Section:
    key: str
    title: Any
    list_roles: tuple
    create_roles: tuple
    rows: Callable[[], list]
    columns: list[Column]
    fields: list[Field] = field(default_factory=list)
    create: Callable[[dict], Any] | None = None


def _org_choices(kind: str | None = None) -> Callable[[], list[tuple[str, str]]]:
    return lambda: [(str(o.id), o.name) for o in catalog.list_organisations(get_db(), kind)]


def _type_choices() -> list[tuple[str, str]]:
    lang = _current_lang()
    return [(str(t.id), f"{t.code} — {t.name(lang)}") for t in catalog.list_instrument_types(get_db())]


def _current_lang() -> str:
    from flask import g

    return g.get("lang", "vi")


def _quantity_choices() -> list[tuple[str, str]]:
    return [(q, QUANTITY_LABELS.get(q, q)) for q in sorted(QUANTITY_UNITS)]


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
               "lab": _l("the lab"), "business": _l("business")}


def _range(obj) -> str:
    from lims.web.filters import fmt_number, unit_symbol

    return f"{fmt_number(obj.range_min)} … {fmt_number(obj.range_max)} {unit_symbol(obj.range_unit)}"


def _sections() -> dict[str, Section]:
    db = get_db
    return {
        "organisations": Section(
            key="organisations", title=_l("Organisations"), list_roles=STAFF, create_roles=(Role.admin,),
            rows=lambda: catalog.list_organisations(db()),
            columns=[
                Column(_l("Name"), lambda o: o.name),
                Column(_l("Kind"), lambda o: KIND_LABELS.get(o.kind, o.kind)),
                Column(_l("Tax code"), lambda o: o.tax_code or "—"),
                Column(_l("Address"), lambda o: o.address),
            ],
            fields=[
                Field("name", _l("Name"), required=True),
                Field("kind", _l("Kind"), "select", True,
                      lambda: [("business", str(KIND_LABELS["business"])), ("lab", str(KIND_LABELS["lab"]))]),
                Field("tax_code", _l("Tax code"), help=_l("10 digits, or 10 digits-3 digits for a branch")),
                Field("address", _l("Address")),
                Field("phone", _l("Phone")),
                Field("email", _l("E-mail")),
            ],
            create=lambda data: catalog.create_organisation(db(), acting_user(), data),
        ),
        "instrument-types": Section(
            key="instrument-types", title=_l("Instrument types"), list_roles=STAFF, create_roles=(Role.admin,),
            rows=lambda: catalog.list_instrument_types(db()),
            columns=[
                Column(_l("Code"), lambda t: t.code),
                Column(_l("Name"), lambda t: t.name(_current_lang())),
                Column(_l("Quantity"), lambda t: QUANTITY_LABELS.get(t.quantity, t.quantity)),
                Column(_l("Unit"), lambda t: t.unit),
                Column(_l("Legal control"), lambda t: _("yes") if t.requires_verification else _("no")),
                Column(_l("Verification interval"),
                       lambda t: _("%(n)s months", n=t.verification_interval_months)
                       if t.verification_interval_months else "—"),
            ],
            fields=[
                Field("code", _l("Code"), required=True),
                Field("name_vi", _l("Name (Vietnamese)"), required=True),
                Field("name_en", _l("Name (English)")),
                Field("quantity", _l("Quantity"), "select", True, _quantity_choices),
                Field("unit", _l("Unit"), required=True, help=_l("e.g. kg, g, bar, kPa, degC, L, V")),
                Field("requires_verification", _l("Subject to legal control (mandatory verification)"), "checkbox"),
                Field("verification_interval_months", _l("Verification interval (months)"), "integer"),
            ],
            create=lambda data: catalog.create_instrument_type(db(), acting_user(), data),
        ),
        "instruments": Section(
            key="instruments", title=_l("Instruments"), list_roles=STAFF + (Role.business,),
            create_roles=(Role.admin, Role.technician),
            rows=lambda: catalog.list_instruments(db(), owner_id=catalog.visible_owner(current_user), limit=500),
            columns=[
                Column(_l("Owner"), lambda i: i.owner.name),
                Column(_l("Type"), lambda i: i.type.name(_current_lang())),
                Column(_l("Manufacturer / model"), lambda i: " ".join(x for x in (i.manufacturer, i.model) if x)),
                Column(_l("Serial number"), lambda i: i.serial_number),
                Column(_l("Range"), _range),
                Column(_l("Accuracy class"), lambda i: i.accuracy_class or "—"),
                Column(_l("Status"), lambda i: STATUS_LABELS.get(i.status, i.status)),
                Column(_l("Next due"), lambda i: i.next_due),
            ],
            fields=[
                Field("owner_id", _l("Owner"), "select", True, _org_choices()),
                Field("type_id", _l("Instrument type"), "select", True, _type_choices),
                Field("manufacturer", _l("Manufacturer")),
                Field("model", _l("Model")),
                Field("serial_number", _l("Serial number"), required=True),
                Field("range_min", _l("Range from"), "number"),
                Field("range_max", _l("Range to"), "number", True),
                Field("range_unit", _l("Unit of the range"), required=True, help=_l("e.g. kg, bar, degC")),
                Field("resolution", _l("Resolution (in the range's unit)"), "number"),
                Field("accuracy_class", _l("Accuracy class")),
                Field("location", _l("Location")),
                Field("calibration_interval_months", _l("Agreed calibration interval (months)"), "integer"),
                Field("status", _l("Status"), "select", True,
                      lambda: [(s.value, str(STATUS_LABELS[s.value])) for s in InstrumentStatus]),
            ],
            create=lambda data: catalog.create_instrument(db(), acting_user(), data),
        ),
        "standards": Section(
            key="standards", title=_l("Reference standards"), list_roles=STAFF, create_roles=(Role.admin,),
            rows=lambda: catalog.list_reference_standards(db()),
            columns=[
                Column(_l("Code"), lambda s: s.code),
                Column(_l("Name"), lambda s: s.name),
                Column(_l("Range"), _range),
                Column(_l("Certificate"), lambda s: s.current_calibration.certificate_number
                       if s.current_calibration else "—"),
                Column(_l("Calibrated by"), lambda s: s.current_calibration.calibrated_by
                       if s.current_calibration else "—"),
                Column(_l("Calibration due"), lambda s: s.current_calibration.due_date
                       if s.current_calibration else None),
                Column(_l("Status"), lambda s: STATUS_LABELS.get(s.status, s.status)),
            ],
            fields=[
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
            ],
            create=lambda data: catalog.create_reference_standard(db(), acting_user(), data),
        ),
        "users": Section(
            key="users", title=_l("Users"), list_roles=(Role.admin,), create_roles=(Role.admin,),
            rows=lambda: list(db().scalars(select(User).order_by(User.username))),
            columns=[
                Column(_l("Username"), lambda u: u.username),
                Column(_l("Full name"), lambda u: u.full_name),
                Column(_l("Roles"), lambda u: ", ".join(str(ROLE_LABELS.get(r, r)) for r in sorted(u.roles))),
                Column(_l("Organisation"), lambda u: u.organisation.name if u.organisation else "—"),
                Column(_l("Active"), lambda u: _("yes") if u.active else _("no")),
            ],
            fields=[
                Field("username", _l("Username"), required=True),
                Field("full_name", _l("Full name")),
                Field("email", _l("E-mail")),
                Field("password", _l("Password"), "password", True, help=_l("at least 8 characters")),
                Field("roles", _l("Roles"), "multiselect", True,
                      lambda: [(r.value, str(ROLE_LABELS[r.value])) for r in Role]),
                Field("organisation_id", _l("Organisation (for business users)"), "select", False, _org_choices()),
            ],
            create=lambda data: users.create_user(
                db(), acting_user(), username=data.get("username", ""), password=data.get("password", ""),
                roles=data.get("roles") or [], full_name=data.get("full_name", ""), email=data.get("email", ""),
                organisation_id=int(data["organisation_id"]) if str(data.get("organisation_id") or "").isdigit()
                else None,
            ),
        ),
    }


def _section(key: str, roles_attr: str) -> Section:
    section = _sections().get(key)
    if section is None:
        abort(404)
    roles = getattr(section, roles_attr)
    if not (current_user.has_role(Role.admin) or current_user.has_role(*roles)):
        abort(403)
    return section


def _form_data(section: Section) -> dict:
    data: dict[str, Any] = {}
    for f in section.fields:
        if f.kind == "checkbox":
            data[f.name] = bool(request.form.get(f.name))
        elif f.kind == "multiselect":
            data[f.name] = request.form.getlist(f.name)
        else:
            data[f.name] = request.form.get(f.name, "")
    return data


@bp.route("/admin/<key>")
def section_list(key: str):
    section = _section(key, "list_roles")
    can_create = current_user.has_role(Role.admin) or current_user.has_role(*section.create_roles)
    return render_template("admin/list.html", section=section, rows=section.rows(), can_create=can_create)


@bp.route("/admin/<key>/new", methods=["GET", "POST"])
def section_create(key: str):
    section = _section(key, "create_roles")
    errors: dict[str, str] = {}
    data: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        data = _form_data(section)
        db = get_db()
        try:
            section.create(data)
            db.commit()
        except ValidationError as exc:
            db.rollback()
            errors = exc.errors or {"": exc.message}
            status = 422
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("ui.section_list", key=key))
    return render_template("admin/form.html", section=section, data=data, errors=errors), status


@bp.route("/admin/standards/<int:standard_id>/calibrations/new", methods=["GET", "POST"])
@roles_required(Role.admin)
def standard_calibration_create(standard_id: int):
    db = get_db()
    std = db.get(ReferenceStandard, standard_id)
    if std is None:
        abort(404)
    fields = [
        Field("certificate_number", _l("Certificate number"), required=True),
        Field("calibrated_by", _l("Calibrated by"), required=True),
        Field("calibration_date", _l("Calibration date"), "date", True),
        Field("due_date", _l("Due date"), "date", True),
        Field("expanded_uncertainty", _l("Expanded uncertainty U"), "number", True),
        Field("uncertainty_unit", _l("Unit of U"), required=True),
        Field("coverage_factor", _l("Coverage factor k"), "number"),
        Field("notes", _l("Notes"), "textarea"),
    ]
    section = Section(key="standards", title=_l("Calibration of %(code)s", code=std.code), list_roles=(),
                      create_roles=(Role.admin,), rows=list, columns=[], fields=fields)
    errors: dict[str, str] = {}
    data: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        data = _form_data(section)
        try:
            catalog.add_standard_calibration(db, acting_user(), standard_id, data)
            db.commit()
        except ValidationError as exc:
            db.rollback()
            errors = exc.errors or {"": exc.message}
            status = 422
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("ui.section_list", key="standards"))
    return render_template("admin/form.html", section=section, data=data, errors=errors), status


for _order, (_key, _title, _roles) in enumerate([
    ("instruments", _l("Instruments"), STAFF + (Role.business,)),
    ("organisations", _l("Organisations"), STAFF),
    ("instrument-types", _l("Instrument types"), STAFF),
    ("standards", _l("Reference standards"), STAFF),
    ("users", _l("Users"), ()),
]):
    add_nav(NavItem("ui.section_list", _title, _roles, {"key": _key}, order=50 + _order))


@bp.app_context_processor
def _nav():
    return nav_context()
