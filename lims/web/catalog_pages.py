"""The pages of one organisation, instrument type or reference standard, and their correction.

* ``/admin/organisations/<id>`` — its data, its instruments, users and service requests, its
  history in sentences; for an admin: Correct, and Withdraw / Reinstate (POST, CSRF).
* ``/admin/instrument-types/<id>`` — its data, the instruments registered with it and its
  procedures, its history; the same buttons.
* ``/admin/standards/<id>/edit`` — the correction of a standard (its page is
  :func:`lims.web.ui.standard_detail`), ``/admin/standards/<id>/status`` — retire it or put it
  back in use.
* ``/…/edit`` — the creation form filled with the values and the ``version_id`` read; a stale
  save is refused (409) with the stale-save message and what was typed kept, a wrong field
  (422) is named; a field fixed by what refers to the entry is shown, not editable.

Views parse, call one service (:mod:`lims.services.catalog_edits`,
:mod:`lims.services.standard_edits`) and render.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.errors import Conflict, LimsError, ValidationError
from lims.models import AuditEvent, Role, StandardStatus
from lims.services import catalog, catalog_edits, policy, standard_edits
from lims.services.audit_sentences import history
from lims.web.admin_sections import KIND_LABELS, QUANTITY_LABELS, ROLE_LABELS, SECTIONS, STATUS_LABELS, Field, Section
from lims.web.auth import acting_user, roles_required
from lims.web.context import get_db
from lims.web.instruments import _form_value
from lims.web.transaction import rollback

bp = Blueprint("catalog_pages", __name__)

STAFF = (Role.technician, Role.reviewer, Role.inspector)


# ---------------------------------------------------------------- shared


def events_of(db: Session, entity_type: str, entity_id: int) -> list[tuple[Any, Any]]:
    """The entry's audit events, newest first, each with its sentence (:mod:`lims.services.audit_sentences`)."""
    events = list(db.scalars(select(AuditEvent).where(AuditEvent.entity_type == entity_type,
                                                      AuditEvent.entity_id == str(entity_id))
                             .order_by(AuditEvent.seq.desc()).limit(200)))
    return list(zip(events, history(db, events), strict=True))


def labels_of(section: Section) -> dict[str, str]:
    """The form's label of each field (the history names fields as the form does), and of the
    fields changed by the buttons."""
    labels = {"active": _("Active"), "out_of_tolerance_since": _("Out of tolerance since")}
    return labels | {f.name: str(f.label) for f in section.fields}


@bp.app_template_global("value_words")
def value_words() -> dict[str, dict[str, str]]:
    """The words of the values the history shows, by field (a role, a kind, a status … as people say it)."""
    def words(labels: dict) -> dict[str, str]:
        return {k: str(v) for k, v in labels.items()}

    return {"kind": words(KIND_LABELS), "status": words(STATUS_LABELS), "roles": words(ROLE_LABELS),
            "quantity": words(QUANTITY_LABELS), "language": {"vi": "Tiếng Việt", "en": "English"}}


def edit_page(section: Section, obj: Any, values: dict[str, Any], change: Callable[[Any, dict], Any],
              save: Callable[[Any], Any], *, frozen: tuple[str, ...] = (), frozen_help: str = "",
              title: str, page: str) -> ResponseReturnValue:
    """GET: the form with the entry's values and its version. POST: the fields sent over the
    current values, saved; a refusal shows the form again with what was typed (422 or 409)."""
    errors: dict[str, str] = {}
    status = 200
    data = {k: _form_value(v) for k, v in values.items()}
    version = obj.version_id
    if request.method == "POST":
        sent: dict[str, Any] = {"version_id": request.form.get("version_id", "")}
        for f in section.fields:
            if f.name in frozen:
                continue  # disabled: not sent
            if f.kind == "checkbox":
                sent[f.name] = bool(request.form.get(f.name))
            elif f.kind == "multiselect":
                sent[f.name] = request.form.getlist(f.name)
            elif f.name in request.form:
                sent[f.name] = request.form.get(f.name, "")
        try:
            save(change(obj, sent))
        except ValidationError as exc:
            rollback()
            errors, status = exc.errors or {"": exc.message}, 422
        except Conflict as exc:
            rollback()
            errors, status = {"": exc.message}, 409
        else:
            flash(_("Saved."), "success")
            return redirect(page)
        data.update({k: v for k, v in sent.items() if k != "version_id"})
        version = sent["version_id"]
    return render_template("admin/form.html", section=section, data=data, errors=errors,
                           hidden={"version_id": version}, frozen=frozen, frozen_help=frozen_help,
                           title=title, cancel=page), status


def set_active(obj: Any, change: Callable[[Any, dict], Any], save: Callable[[Any], Any], page: str,
               done: str) -> ResponseReturnValue:
    """Withdraw or reinstate (the form's ``active``, with the version read): flashed, back to the page."""
    try:
        save(change(obj, {"version_id": request.form.get("version_id", ""),
                          "active": request.form.get("active", "")}))
    except LimsError as exc:
        rollback()
        flash(exc.message, "error")
    else:
        flash(done, "success")
    return redirect(page)


# ---------------------------------------------------------------- organisations


@bp.route("/admin/organisations/<int:organisation_id>")
@roles_required(*STAFF)
def organisation_page(organisation_id: int) -> ResponseReturnValue:
    db, actor = get_db(), acting_user()
    org, refs = catalog_edits.organisation_refs(db, actor, organisation_id)
    return render_template("admin/organisation.html", org=org, refs=refs, kind_labels=KIND_LABELS,
                           status_labels=STATUS_LABELS, role_labels=ROLE_LABELS,
                           labels=labels_of(SECTIONS["organisations"]),
                           events=events_of(db, "organisation", org.id), is_admin=policy.has_role(actor, Role.admin))


@bp.route("/admin/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@roles_required(Role.admin)
def organisation_edit(organisation_id: int) -> ResponseReturnValue:
    db, actor = get_db(), acting_user()
    org = catalog_edits.get_organisation(db, organisation_id)
    values = catalog_edits.values_of(org, catalog_edits.OrganisationChange)
    return edit_page(SECTIONS["organisations"], org, values, catalog_edits.organisation_change,
                     lambda change: catalog_edits.update_organisation(db, actor, organisation_id, change),
                     frozen=catalog_edits.organisation_frozen_fields(db, org),
                     frozen_help=_("Fixed: instruments or service requests were registered for this kind of "
                                   "organisation."),
                     title=_("Correct organisation %(name)s", name=org.name),
                     page=url_for("catalog_pages.organisation_page", organisation_id=organisation_id))


@bp.route("/admin/organisations/<int:organisation_id>/active", methods=["POST"])
@roles_required(Role.admin)
def organisation_active(organisation_id: int) -> ResponseReturnValue:
    db, actor = get_db(), acting_user()
    org = catalog_edits.get_organisation(db, organisation_id)
    done = _("Reinstated.") if request.form.get("active") == "1" else _("Withdrawn from new work.")
    return set_active(org, catalog_edits.organisation_change,
                      lambda change: catalog_edits.update_organisation(db, actor, organisation_id, change),
                      url_for("catalog_pages.organisation_page", organisation_id=organisation_id), done)


# ---------------------------------------------------------------- instrument types


@bp.route("/admin/instrument-types/<int:type_id>")
@roles_required(*STAFF)
def type_page(type_id: int) -> ResponseReturnValue:
    db, actor = get_db(), acting_user()
    itype, refs = catalog_edits.type_refs(db, actor, type_id)
    return render_template("admin/instrument_type.html", t=itype, refs=refs, kind_labels=KIND_LABELS,
                           status_labels=STATUS_LABELS, quantity_labels=QUANTITY_LABELS,
                           labels=labels_of(SECTIONS["instrument-types"]),
                           frozen=catalog_edits.type_frozen_fields(db, itype),
                           events=events_of(db, "instrument_type", itype.id),
                           is_admin=policy.has_role(actor, Role.admin))


@bp.route("/admin/instrument-types/<int:type_id>/edit", methods=["GET", "POST"])
@roles_required(Role.admin)
def type_edit(type_id: int) -> ResponseReturnValue:
    db, actor = get_db(), acting_user()
    itype = catalog_edits.get_instrument_type(db, type_id)
    values = catalog_edits.values_of(itype, catalog_edits.InstrumentTypeChange)
    return edit_page(SECTIONS["instrument-types"], itype, values, catalog_edits.type_change,
                     lambda change: catalog_edits.update_instrument_type(db, actor, type_id, change),
                     frozen=catalog_edits.type_frozen_fields(db, itype),
                     frozen_help=_("Fixed: instruments are registered with this type. If it really differs, "
                                   "add a new instrument type."),
                     title=_("Correct instrument type %(code)s", code=itype.code),
                     page=url_for("catalog_pages.type_page", type_id=type_id))


@bp.route("/admin/instrument-types/<int:type_id>/active", methods=["POST"])
@roles_required(Role.admin)
def type_active(type_id: int) -> ResponseReturnValue:
    db, actor = get_db(), acting_user()
    itype = catalog_edits.get_instrument_type(db, type_id)
    done = _("Reinstated.") if request.form.get("active") == "1" else _("Withdrawn from new work.")
    return set_active(itype, catalog_edits.type_change,
                      lambda change: catalog_edits.update_instrument_type(db, actor, type_id, change),
                      url_for("catalog_pages.type_page", type_id=type_id), done)


# ---------------------------------------------------------------- reference standards


def standard_section() -> Section:
    """The standard's creation form with its status."""
    status = Field("status", _l("Status"), "select", True,
                   lambda *_: [(s.value, str(STATUS_LABELS[s.value])) for s in StandardStatus])
    return replace(SECTIONS["standards"], fields=SECTIONS["standards"].fields + (status,))


@bp.route("/admin/standards/<int:standard_id>/edit", methods=["GET", "POST"])
@roles_required(Role.admin)
def standard_edit(standard_id: int) -> ResponseReturnValue:
    db, actor = get_db(), acting_user()
    std = catalog.get_reference_standard(db, standard_id)
    values = catalog_edits.values_of(std, standard_edits.StandardChange)
    return edit_page(standard_section(), std, values, standard_edits.standard_change,
                     lambda change: standard_edits.update_reference_standard(db, actor, standard_id, change),
                     frozen=standard_edits.standard_frozen_fields(db, std),
                     frozen_help=_("Fixed: records or calibrations of this standard were made in it. If the "
                                   "standard really differs, add a new reference standard."),
                     title=_("Correct reference standard %(code)s", code=std.code),
                     page=url_for("ui.standard_detail", standard_id=standard_id))


@bp.route("/admin/standards/<int:standard_id>/status", methods=["POST"])
@roles_required(Role.admin)
def standard_status(standard_id: int) -> ResponseReturnValue:
    db, actor = get_db(), acting_user()
    std = catalog.get_reference_standard(db, standard_id)
    try:
        standard_edits.update_reference_standard(db, actor, standard_id, standard_edits.standard_change(std, {
            "version_id": request.form.get("version_id", ""), "status": request.form.get("status", "")}))
    except LimsError as exc:
        rollback()
        flash(exc.message, "error")
    else:
        flash(_("Saved."), "success")
    return redirect(url_for("ui.standard_detail", standard_id=standard_id))
