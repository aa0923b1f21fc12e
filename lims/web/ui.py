"""Pages for staff (admin, technicians, reviewers, inspectors) and business users.

Sign in and out, the dashboard, and the admin list and create pages, whose sections are
described in :mod:`lims.web.admin_sections`. Views parse, call one service and render; the
request's transaction is committed by :mod:`lims.web.transaction`.
"""
from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from markupsafe import Markup

from lims.errors import ValidationError
from lims.models import Role
from lims.services import catalog, policy, standard_calibrations, standard_edits, traceability_chain, users
from lims.services.inputs import parse
from lims.web import login_limits
from lims.web.admin_sections import (
    QUANTITY_LABELS,
    SECTIONS,
    STATUS_LABELS,
    Section,
    calibration_rows,
    calibration_section,
)
from lims.web.auth import acting_user, public, roles_required
from lims.web.catalog_pages import events_of, labels_of, standard_section
from lims.web.context import get_db
from lims.web.lists import SEARCHABLE, section_page
from lims.web.nav import NavItem

bp = Blueprint("ui", __name__)

#: Menu entries of the admin lists (collected by lims.web.nav.init_nav).
NAV = tuple(NavItem("ui.section_list", s.title, s.list_roles, {"key": key}, order=50 + i)
            for i, (key, s) in enumerate(SECTIONS.items()))


# ---------------------------------------------------------------- sign in / out


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("ui.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> ResponseReturnValue:
    """Sign in. Failed sign-ins are limited per (account, address) and per address, counted in the
    database (:mod:`lims.web.login_limits`): a blocked attempt is 429 before any password check."""
    error = None
    if request.method == "POST":
        username = request.form.get("username", "")
        seconds = login_limits.wait(username)
        if seconds:
            return login_limits.too_many(seconds)
        user = users.authenticate(get_db(), username, request.form.get("password", ""))
        if user is None:
            seconds = login_limits.count_failure(username)
            if seconds:
                return login_limits.too_many(seconds)
            error = _("Wrong username or password.")
        else:
            login_limits.count_success(username)
            login_user(user, remember=bool(request.form.get("remember")))
            return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", error=error), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    """Sign out, and end every other session and remember cookie of the user too (a copied cookie
    replayed later is refused); API bearer tokens stay valid (revoked one by one)."""
    user = acting_user()
    if user is not None and not g.get("api_token_auth"):
        users.end_sessions(get_db(), user)
    logout_user()
    return redirect(url_for("ui.login"))


@bp.route("/dashboard")
def dashboard() -> ResponseReturnValue:
    return render_template("dashboard.html", counts=catalog.dashboard_counts(get_db(), acting_user()))


# ---------------------------------------------------------------- admin list + create pages


def _section(key: str, roles_attr: str) -> Section:
    section = SECTIONS.get(key)
    if section is None:
        abort(404)
    if not policy.has_role(current_user, *getattr(section, roles_attr)):
        abort(403)
    return section


def _form_data(section: Section) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for f in section.fields:
        if f.kind == "checkbox":
            data[f.name] = bool(request.form.get(f.name))
        elif f.kind == "multiselect":
            data[f.name] = request.form.getlist(f.name)
        else:
            data[f.name] = request.form.get(f.name, "")
    return data


def _form_page(section: Section, save: Any, done: str) -> ResponseReturnValue:
    """GET: the empty form. POST: parse the form into the section's input, ``save`` it, go to ``done``.

    A refused input shows the form again with what was typed and a message at each wrong field.
    """
    errors: dict[str, str] = {}
    data: dict[str, Any] = {}
    assert section.input is not None
    if request.method == "POST":
        data = _form_data(section)
        try:
            save(parse(section.input, data))
        except ValidationError as exc:
            errors = exc.errors or {"": exc.message}
        else:
            flash(_("Saved."), "success")
            return redirect(done)
    return render_template("admin/form.html", section=section, data=data, errors=errors), 422 if errors else 200


@bp.route("/admin/<key>")
def section_list(key: str) -> ResponseReturnValue:
    section = _section(key, "list_roles")
    actor = acting_user()
    if key in SEARCHABLE:
        return section_page(section, actor, can_create=policy.has_role(actor, *section.create_roles))
    return render_template(
        "admin/list.html", section=section, rows=section.rows(get_db(), actor),
        can_create=policy.has_role(actor, *section.create_roles),
        can_add_calibration=key == "standards" and policy.has_role(actor, Role.admin),
    )


@bp.route("/admin/<key>/new", methods=["GET", "POST"])
def section_create(key: str) -> ResponseReturnValue:
    section = _section(key, "create_roles")
    create = section.create
    assert create is not None
    return _form_page(section, lambda new: create(get_db(), acting_user(), new),
                      url_for("ui.section_list", key=key))


@bp.route("/admin/standards/<int:standard_id>/calibrations/new", methods=["GET", "POST"])
@roles_required(Role.admin)
def standard_calibration_create(standard_id: int) -> ResponseReturnValue:
    db = get_db()
    std = catalog.get_reference_standard(db, standard_id)
    section = calibration_section(_l("Calibration of %(code)s", code=std.code), std)
    return _form_page(section, lambda new: standard_calibrations.add_standard_calibration(db, acting_user(),
                                                                                          standard_id, new),
                      url_for("ui.section_list", key="standards"))


@bp.route("/admin/standards/<int:standard_id>")
@roles_required(Role.admin, Role.technician, Role.reviewer)
def standard_detail(standard_id: int) -> ResponseReturnValue:
    """A reference standard with its calibrations and what each certificate states point by point,
    the records that used it and its history; for an admin: Correct, Retire / Put back in use."""
    db, actor = get_db(), acting_user()
    std, refs = standard_edits.standard_refs(db, actor, standard_id)
    calibrations = [(cal, *calibration_rows(cal)) for cal in refs.calibrations]
    chain = traceability_chain.standard_chain(db, std, date.today())  # as a record of today would trace it
    return render_template("admin/standard.html", std=std, calibrations=calibrations, refs=refs,
                           chain=chain, chain_svg=Markup(chain.svg()),
                           can_add_calibration=policy.has_role(actor, Role.admin),
                           is_admin=policy.has_role(actor, Role.admin), status_labels=STATUS_LABELS,
                           quantity_labels=QUANTITY_LABELS, labels=labels_of(standard_section()),
                           events=events_of(db, "reference_standard", std.id))
