"""Service request pages: list, file, see, accept, cancel, and open a record for one of its instruments."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lims.errors import Conflict, ValidationError
from lims.models import InstrumentStatus, OrgKind, Role
from lims.services import catalog, policy, search, workflow
from lims.services import instruments as instrument_service
from lims.services.inputs import parse
from lims.web import transaction
from lims.web.auth import acting_user, roles_required
from lims.web.context import get_db
from lims.web.listing import page_paging, pager
from lims.web.lists import request_filter
from lims.web.workflow.blueprint import bp
from lims.web.workflow.helpers import fail_page, transition


@bp.route("/requests")
@roles_required(Role.technician, Role.reviewer, Role.business)
def requests_list():
    """Service requests searched, filtered, sorted and paged (a business sees its own)."""
    number, per_page, offset = page_paging()
    f = request_filter()
    found = search.search_requests(get_db(), acting_user(), f, limit=per_page, offset=offset)
    return render_template("workflow/requests.html", rows=found.rows, f=f,
                           pager=pager(found, number, per_page, f.sort, search.SORTS["requests"][1]),
                           statuses=["submitted", "accepted", "in_progress", "completed", "cancelled"],
                           can_file=policy.has_role(acting_user(), Role.technician, Role.business))


#: Instruments of one customer the request form lists (a distributor may own thousands).
FORM_INSTRUMENTS = 1000


def _request_form_context(data: dict, errors: dict) -> dict:
    db = get_db()
    user = acting_user()
    staff = policy.is_staff(user)
    if staff:
        customers = catalog.list_organisations(db, OrgKind.business.value, active_only=True)
        customer_id = data.get("customer_id") or (str(customers[0].id) if customers else "")
    else:
        customers = []
        customer_id = str(policy.organisation_of(user))
    kind: str = data["kind"] if data.get("kind") in KINDS else KINDS[0]
    data["kind"] = kind
    instruments = []
    more = 0
    if str(customer_id).isdigit():
        owned = catalog.list_instruments(db, owner_id=int(customer_id), limit=FORM_INSTRUMENTS + 1)
        if len(owned) > FORM_INSTRUMENTS:  # said on the form, never cut silently
            owned = owned[:FORM_INSTRUMENTS]
            more = instrument_service.count_instruments(db, owner_id=int(customer_id)) - FORM_INSTRUMENTS
            # What was ticked elsewhere (the instruments list, the due panel) is offered whatever its place.
            ticked = {int(i) for i in data.get("instrument_ids") or [] if str(i).isdigit()} - {i.id for i in owned}
            owned += instrument_service.instruments_of(db, int(customer_id), sorted(ticked))
        # A withdrawn (scrapped) instrument is refused by the service; the form does not offer it.
        instruments = [i for i in owned if i.status != InstrumentStatus.scrapped.value]
    # An instrument of a withdrawn type is refused by the service; the form names it, not offered.
    withdrawn = [i for i in instruments if not i.type.active]
    instruments = [i for i in instruments if i.type.active]
    # Only what the lab can work on: a type without a procedure for this kind of work is not offered.
    allowed = workflow.serviceable_type_ids(db, kind)
    offered = [i for i in instruments if i.type_id in allowed]
    # One already in an open request of this kind links to it instead of a checkbox.
    open_requests = workflow.open_requests_of(db, [i.id for i in offered], kind)
    return {"data": data, "errors": errors, "customers": customers, "customer_id": str(customer_id),
            "instruments": offered, "open_requests": open_requests,
            "not_offered": [i for i in instruments if i.type_id not in allowed],
            "withdrawn_type": withdrawn, "more_instruments": more, "form_instruments": FORM_INSTRUMENTS,
            "no_procedure": workflow.no_procedure_message(kind), "kinds": KINDS, "staff": staff}


KINDS = ("verification", "calibration")


@bp.route("/requests/new", methods=["GET", "POST"])
@roles_required(Role.technician, Role.business)
def request_new():
    if request.method == "GET":
        # instrument_ids pre-checks instruments (the dashboard's due list, the instruments list)
        data = {"customer_id": request.args.get("customer_id", ""), "kind": request.args.get("kind", ""),
                "instrument_ids": request.args.getlist("instrument_ids")}
        return render_template("workflow/request_form.html", **_request_form_context(data, {}))
    data = request.form.to_dict()
    data["instrument_ids"] = request.form.getlist("instrument_ids")
    data["on_site"] = bool(request.form.get("on_site"))
    try:
        req = workflow.create_service_request(get_db(), acting_user(), parse(workflow.NewServiceRequest, data))
    except ValidationError as exc:
        return fail_page("workflow/request_form.html", 422, **_request_form_context(data, exc.errors))
    flash(_("Service request %(number)s filed.", number=req.number), "success")
    return redirect(url_for("workflow.request_detail", request_id=req.id))


@bp.route("/requests/<int:request_id>")
@roles_required(Role.technician, Role.reviewer, Role.business)
def request_detail(request_id: int):
    db = get_db()
    user = acting_user()
    req = workflow.get_service_request(db, user, request_id)
    records = workflow.records_of_request(db, [i.id for i in req.items])
    options = {i.id: [p for p in workflow.procedures_for(db, i.instrument.type_id, req.kind)
                      if workflow.usable_procedure(p)]
               for i in req.items}
    return render_template("workflow/request.html", req=req, records=records, options=options,
                           staff=policy.is_staff(user), can_work=policy.has_role(user, Role.technician))


@bp.route("/requests/<int:request_id>/accept", methods=["POST"])
@roles_required(Role.technician)
def request_accept(request_id: int):
    return transition(workflow.accept_service_request, workflow.AcceptRequest, request_id,
                      _("Request accepted."), "workflow.request_detail", request_id=request_id)


@bp.route("/requests/<int:request_id>/cancel", methods=["POST"])
@roles_required(Role.technician, Role.business)
def request_cancel(request_id: int):
    return transition(workflow.cancel_service_request, workflow.CancelRequest, request_id,
                      _("Request cancelled."), "workflow.request_detail", request_id=request_id)


@bp.route("/requests/<int:request_id>/items/<int:item_id>/record", methods=["POST"])
@roles_required(Role.technician)
def record_open(request_id: int, item_id: int):
    try:
        rec = workflow.open_record(get_db(), acting_user(),
                                   parse(workflow.OpenRecord, request.form, request_item_id=item_id))
    except (ValidationError, Conflict) as exc:
        transaction.rollback()
        flash(exc.message, "error")
        return redirect(url_for("workflow.request_detail", request_id=request_id))
    flash(_("Record %(number)s opened.", number=rec.number), "success")
    return redirect(url_for("workflow.record_detail", record_id=rec.id))
