"""The forms that record what happened to a batch, declare an event erroneous, and the lab's inspecting event.

* ``/batches/<id>/record?step=…`` — commissioning, shipping (to a partner's place), receiving,
  storing, packing, transformation: the time in local time, the place among the business's own,
  the quantity with its unit (:mod:`lims.services.trace_recording`);
* ``/incoming`` — the lots other businesses shipped to the business's places, to record their
  receiving and storing;
* ``/trace-events/<id>/declare`` — declare an event erroneous (CBV reason) with the event that
  replaces it (EPCIS 2.0 §7.4.1.5);
* ``/records/<id>/inspecting`` — the lab records an inspecting event on a chosen batch from an
  approved record, its verdict as the disposition.

A refusal shows the form again with every field named (422), nothing recorded.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lims.errors import NotFound, ValidationError
from lims.models import Role, TraceEvent
from lims.services import batches, policy, products, trace_locations, trace_recording, workflow
from lims.services.inputs import parse
from lims.web.auth import acting_user, roles_required
from lims.web.context import get_db
from lims.web.filters import unit_symbol
from lims.web.instruments import _form_value
from lims.web.products import REASON_LABELS, STEP_LABELS
from lims.web.transaction import rollback

bp = Blueprint("trace_recording", __name__)

LAB = (Role.technician, Role.reviewer)
HELP = {
    "commissioning": _l("The batch was produced (or its lot number first applied) at this place."),
    "shipping": _l("The goods left this place for a partner business's place."),
    "receiving": _l("The goods arrived at this place."),
    "storing": _l("The goods were put in store at this place."),
    "packing": _l("The goods were packed into a case or pallet identified by its SSCC."),
    "transformation": _l("This lot was made from the input lots below (e.g. fresh star anise dried into this lot)."),
}


def _unit_choices(units: list[str]) -> list[tuple[str, str]]:
    return [(u, _("packages, pieces") if u == products.COUNT_UNIT else unit_symbol(u)) for u in units]


def _form_context(batch: Any, step: str) -> dict[str, Any]:
    db, actor = get_db(), acting_user()
    own = policy.organisation_of(actor)
    owner = own if own is not None and not policy.has_role(actor, Role.admin) else batch.product.owner_id
    context: dict[str, Any] = {
        "b": batch, "step": step, "step_labels": STEP_LABELS, "help": HELP,
        "places": trace_locations.owned_locations(db, owner),
        "units": _unit_choices(batches.batch_units(batch.product)),
    }
    if step == "shipping":
        context["partners"] = trace_recording.partner_places(db, actor)
    if step == "transformation":
        mine = batches.search_batches(db, actor, batches.BatchFilter(owner_id=owner), limit=200, offset=0).rows
        received = [b for b, _event in trace_recording.incoming_batches(db, actor)]
        context["inputs"] = [b for b in [*mine, *received] if b.id != batch.id]
        context["input_units"] = _unit_choices([u for u in products.net_units()] + [products.COUNT_UNIT])
    return context


def _sent() -> dict[str, Any]:
    return {k: v for k, v in request.form.items() if k != "csrf_token"}


@bp.route("/batches/<int:batch_id>/record", methods=["GET", "POST"])
@roles_required(Role.business)
def record(batch_id: int) -> ResponseReturnValue:
    db, actor = get_db(), acting_user()
    step = (request.values.get("step") or "").strip()
    if step not in trace_recording.STEPS:
        abort(404)
    batch = trace_recording.batch_for(db, actor, batch_id, step)
    data: dict[str, Any] = {"event_time": trace_recording.default_time()}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        data = _sent()
        try:
            trace_recording.record_event(db, actor, batch_id, parse(trace_recording.NewEvent, {**data, "step": step}))
        except ValidationError as exc:
            rollback()
            errors, status = exc.errors or {"": exc.message}, 422
            if not set(errors) & set(data) and "" not in errors:
                errors[""] = exc.message  # a rule of the capture (its field is the event's, not the form's)
        else:
            flash(_("Recorded."), "success")
            target = url_for("products.batch_page", batch_id=batch_id) if policy.can_read_products(
                actor, batch.product.owner_id) else url_for("trace_recording.incoming")
            return redirect(target)
    return render_template("products/event_form.html", data=data, errors=errors,
                           title=STEP_LABELS[step], **_form_context(batch, step)), status


@bp.route("/incoming")
@roles_required(Role.business)
def incoming() -> ResponseReturnValue:
    db, actor = get_db(), acting_user()
    return render_template("products/incoming.html", rows=trace_recording.incoming_batches(db, actor))


@bp.route("/trace-events/<int:event_row_id>/declare", methods=["GET", "POST"])
@roles_required(Role.business, *LAB)
def declare(event_row_id: int) -> ResponseReturnValue:
    db, actor = get_db(), acting_user()
    row = db.get(TraceEvent, event_row_id)
    if row is None or row.error_declared:
        raise NotFound(_("There is no event %(id)s.", id=event_row_id))
    batch = next((link.batch for link in row.batches if link.role in ("object", "output", "child")), None)
    if batch is None or not policy.can_declare_event_error(actor, row.owner_id):
        abort(403)
    step = "transformation" if row.event_type == "TransformationEvent" else (row.biz_step or "")
    editable = step in trace_recording.STEPS
    if not editable:  # an inspecting event (or another system's step): declared as not having happened
        step = "storing"
    data: dict[str, Any] = {"reason": "incorrect_data" if editable else "did_not_occur", "step": step,
                            **({k: _form_value(v) for k, v in trace_recording.form_values(db, row, batch).items()}
                               if editable else {})}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        data = {**_sent(), "step": step}
        if not editable:
            data.update(reason="did_not_occur", event_time="")
        try:
            trace_recording.declare(db, actor, event_row_id, parse(trace_recording.DeclareError, data))
        except ValidationError as exc:
            rollback()
            errors, status = exc.errors or {"": exc.message}, 422
            if not set(errors) & set(data) and "" not in errors:
                errors[""] = exc.message
        else:
            flash(_("The event is declared erroneous."), "success")
            return redirect(url_for("products.batch_page", batch_id=batch.id))
    return render_template("products/declare.html", row=row, data=data, errors=errors, editable=editable,
                           reasons=REASON_LABELS, title=_("Declare an event erroneous"),
                           **_form_context(batch, step)), status


@bp.route("/records/<int:record_id>/inspecting", methods=["GET", "POST"])
@roles_required(*LAB)
def inspecting(record_id: int) -> ResponseReturnValue:
    db, actor = get_db(), acting_user()
    record = workflow.get_record(db, actor, record_id)
    found = batches.search_batches(db, actor, batches.BatchFilter(q=(request.args.get("q") or "").strip() or None),
                                   limit=100, offset=0)
    data: dict[str, Any] = {"event_time": trace_recording.default_time()}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        data = _sent()
        try:
            trace_recording.record_inspection(db, actor, record_id, parse(trace_recording.RecordInspection, data))
        except ValidationError as exc:
            rollback()
            errors, status = exc.errors or {"": exc.message}, 422
            if not set(errors) & set(data) and "" not in errors:
                errors[""] = exc.message
        else:
            flash(_("Inspecting event recorded."), "success")
            return redirect(url_for("products.batch_page", batch_id=int(data["batch_id"])))
    return render_template("products/inspecting.html", record=record, batches=found.rows, data=data, errors=errors,
                           verdict=trace_recording.verdict_disposition(record)), status
