"""One instrument's page, and the page that corrects it.

* ``/admin/instruments/<id>`` — its data, next due date, records, certificates and (staff only)
  the audit history of it and its records and certificates; a business user sees its own
  instruments only (404 for another's, as the API answers).
* ``/admin/instruments/<id>/edit`` — the registration form filled with its values and the
  ``version_id`` read; a stale save is refused (409) with the stale-save message, a wrong
  field (422) is named; fields frozen by approved records or certificates are shown, not editable.

Views parse, call one service (:mod:`lims.services.instruments`) and render.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from lims.config import reminder_days
from lims.errors import Conflict, ValidationError
from lims.models import Role
from lims.services import catalog, instruments, policy
from lims.services.workflow import due_requests
from lims.web.admin_sections import KIND_LABELS, SECTIONS, STATUS_LABELS
from lims.web.auth import acting_user, roles_required
from lims.web.context import get_db
from lims.web.transaction import rollback

bp = Blueprint("instruments", __name__)

EDIT_ROLES = policy.INSTRUMENT_EDITORS


def field_labels() -> dict[str, str]:
    """The form's label of each field (the audit history names fields as the form does)."""
    return {f.name: str(f.label) for f in SECTIONS["instruments"].fields}


def _event_words(history: instruments.InstrumentHistory) -> dict[int, str]:
    """Each audit event of the page as a short sentence (the record or certificate named by number)."""
    records = {str(r.id): r.number for r in history.records}
    certs = {str(c.id): c.number for c in history.certificates}
    words = {
        "instrument.create": _("Instrument registered"), "instrument.update": _("Instrument corrected"),
        "instrument.next_due": _("Next due date set"), "record.open": _("Record %(n)s opened"),
        "record.save": _("Record %(n)s saved"), "record.submit": _("Record %(n)s submitted for review"),
        "record.return": _("Record %(n)s returned to the technician"), "record.approve": _("Record %(n)s approved"),
        "certificate.issue": _("Certificate %(n)s issued"), "certificate.amend": _("Certificate %(n)s amended"),
        "certificate.revoke": _("Certificate %(n)s revoked"),
        "certificate.supersede": _("Certificate %(n)s superseded"),
    }
    out = {}
    for ev in history.events:
        number = records.get(ev.entity_id) if ev.entity_type == "record" else certs.get(ev.entity_id, "")
        text = words.get(ev.action)
        out[ev.seq] = text.replace("%(n)s", number or "") if text else ev.action
    return out


@bp.route("/admin/instruments/<int:instrument_id>")
@roles_required(Role.technician, Role.reviewer, Role.inspector, Role.business)
def instrument_page(instrument_id: int) -> ResponseReturnValue:
    actor = acting_user()
    history = instruments.instrument_history(get_db(), actor, instrument_id)
    inst = history.instrument
    # A business is offered "Request verification" when the instrument is due or overdue.
    due_state = None
    if (policy.asks_for_own_instruments(actor) and inst.next_due is not None and inst.status == "in_service"
            and inst.next_due <= date.today() + timedelta(days=reminder_days())):
        due_state = due_requests.request_states(get_db(), [inst.id])[inst.id]
    return render_template("admin/instrument.html", h=history, inst=inst, due_state=due_state,
                           no_procedure=due_requests.no_procedure_message("verification"),
                           labels=field_labels(), status_labels=STATUS_LABELS, kind_labels=KIND_LABELS,
                           event_words=_event_words(history),
                           can_edit=policy.can_edit_instruments(actor), staff=policy.is_staff(actor),
                           history_shown=policy.can_see_instrument_history(actor))


def _form_value(value: Any) -> Any:
    """A stored value as the form shows it: a number in full, with the page's decimal mark."""
    if value is None:
        return ""
    if isinstance(value, float):
        text = format(Decimal(repr(value)).normalize(), "f")
        return text.replace(".", ",") if g.get("lang", "vi") == "vi" else text
    return value


def _form_data(inst: Any) -> dict[str, Any]:
    """What the form sent, for the fields it may change (frozen fields are not sent: disabled)."""
    data: dict[str, Any] = {"version_id": request.form.get("version_id", "")}
    for f in SECTIONS["instruments"].fields:
        if f.name in request.form:
            data[f.name] = request.form.get(f.name, "")
    return data


@bp.route("/admin/instruments/<int:instrument_id>/edit", methods=["GET", "POST"])
@roles_required(*EDIT_ROLES)
def instrument_edit(instrument_id: int) -> ResponseReturnValue:
    db, actor = get_db(), acting_user()
    inst = catalog.get_visible_instrument(db, actor, instrument_id)
    frozen = instruments.frozen_fields(db, inst)
    errors: dict[str, str] = {}
    status = 200
    data = {k: _form_value(v) for k, v in instruments.current_values(inst).items()}
    version = inst.version_id
    if request.method == "POST":
        sent = _form_data(inst)
        try:
            instruments.update_instrument(db, actor, instrument_id, instruments.change_input(inst, sent))
        except ValidationError as exc:
            rollback()
            errors, status = exc.errors or {"": exc.message}, 422
        except Conflict as exc:
            rollback()
            errors, status = {"": exc.message}, 409
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("instruments.instrument_page", instrument_id=instrument_id))
        data.update({k: v for k, v in sent.items() if k != "version_id"})
        version = sent.get("version_id", "")
    return render_template("admin/form.html", section=SECTIONS["instruments"], data=data, errors=errors,
                           hidden={"version_id": version}, frozen=frozen,
                           title=_("Correct instrument %(serial)s", serial=inst.serial_number),
                           cancel=url_for("instruments.instrument_page", instrument_id=instrument_id)), status
