"""Pages of the workflow: service requests, records with live device capture, review, recall, impact.

Views parse the form, call one service, commit, and render; a validation error re-renders the
form with the user's input and the messages (422), a stale save keeps the input and says who
changed the record (409). Live capture streams each reading to the page as server-sent events.
"""
from __future__ import annotations

import contextvars
import json
import math
import queue
import threading
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from lims.app import get_db
from lims.errors import Conflict, LimsError, ValidationError
from lims.models import Certificate, Instrument, Organisation, OrgKind, Procedure, Record, ReferenceStandard, Role
from lims.services import catalog, recall, standard_impact, workflow
from lims.services import workflow_capture as cap
from lims.services.procedures import procedures_for
from lims.web.auth import acting_user, roles_required
from lims.web.filters import fmt_number
from lims.web.nav import NavItem, add_dashboard_panel, add_nav
from lims.web.workflow_chart import error_chart_svg

bp = Blueprint("workflow", __name__)

STAFF = (Role.technician, Role.reviewer, Role.inspector)
TEST_LABELS = {"weighing": _l("weighing"), "eccentricity": _l("eccentricity"), "repeatability": _l("repeatability"),
               "rising": _l("rising pressure"), "falling": _l("falling pressure"), "calibration": _l("calibration point")}
VERDICT_LABELS = {"pass": _l("pass"), "fail": _l("fail"), "conditional_pass": _l("conditional pass"),
                  "conditional_fail": _l("conditional fail")}
VERDICT_CLASS = {"pass": "ok", "fail": "bad", "conditional_pass": "warn", "conditional_fail": "bad"}
STATUS_CLASS = {"draft": "", "submitted": "warn", "returned": "bad", "approved": "ok", "accepted": "",
                "in_progress": "warn", "completed": "ok", "cancelled": "bad"}
KIND_LABELS = {"verification": _l("verification"), "calibration": _l("calibration"), "test": _l("testing")}
VTYPE_LABELS = {"initial": _l("initial"), "periodic": _l("periodic"), "after_repair": _l("after repair")}
ENV_LABELS = {"temperature": _l("Temperature"), "humidity": _l("Relative humidity"), "pressure": _l("Air pressure")}
ROLE_LABELS = {"balance": _l("Balance"), "pressure_reference": _l("Reference pressure gauge or controller"),
               "temperature_reference": _l("Reference thermometer"), "thermo_hygrometer": _l("Thermo-hygrometer")}
TARGET_LABELS = {"readings": _l("readings"), "reference": _l("reference value")}


def _lang() -> str:
    return g.get("lang", "vi")


@bp.app_template_global("wf")
def wf_helpers() -> dict:
    """Labels and formatters the workflow templates share."""
    def resolved(labels: dict) -> dict[str, str]:  # translate once per page, not once per row
        return {k: str(v) for k, v in labels.items()}

    return {"test": resolved(TEST_LABELS), "verdict": resolved(VERDICT_LABELS), "verdict_class": VERDICT_CLASS,
            "status_class": STATUS_CLASS, "kind": resolved(KIND_LABELS), "vtype": resolved(VTYPE_LABELS),
            "env": resolved(ENV_LABELS),
            "record_status": workflow.record_status_label, "request_status": workflow.request_status_label,
            "u": unit_text, "q": quantity_text, "sig2": sig2, "role": resolved(ROLE_LABELS), "target": resolved(TARGET_LABELS),
            "inp": input_number, "places": result_places, "inp_list": lambda values: "; ".join(input_number(v) for v in values or [])}


def input_number(value: Any) -> str:
    """A number as typed into a form field: no digit grouping, the page's decimal separator."""
    if value is None or value == "":
        return ""
    text = f"{float(value):.12g}"
    return text.replace(".", ",") if _lang() == "vi" else text


def unit_text(unit: str | None) -> str:
    if not unit:
        return ""
    try:
        from lims.metrology.units import format_unit

        return format_unit(unit)
    except Exception:  # noqa: BLE001 - show the stored text rather than fail the page
        return unit


def sig2(value: float | None) -> float | None:
    """An uncertainty rounded to two significant digits (JCGM 100 7.2.6)."""
    if value is None or value == 0:
        return value
    digits = 1 - int(math.floor(math.log10(abs(value))))
    return round(value, digits)


def result_places(uncertainty: float | None, resolution: float | None) -> int | None:
    """Decimal places of a result: those of U rounded to two significant digits (JCGM 100 7.2.6),
    else one more than the instrument's resolution."""
    if uncertainty:
        return max(0, 1 - int(math.floor(math.log10(abs(uncertainty)))))
    if resolution:
        return max(0, -int(math.floor(math.log10(abs(resolution)))) + 1)
    return None


def quantity_text(value: Any, unit: str | None = None, digits: int | None = None) -> str:
    if isinstance(value, dict):
        value, unit = value.get("value"), value.get("unit")
    if value is None:
        return "—"
    text = fmt_number(value, digits)
    symbol = unit_text(unit)
    return f"{text}\u00a0{symbol}" if symbol else text


def _fail_page(template: str, status: int, **context):
    return render_template(template, **context), status


# ================================================================ service requests


@bp.route("/requests")
@roles_required(Role.technician, Role.reviewer, Role.business)
def requests_list():
    db = get_db()
    status = request.args.get("status") or None
    rows = workflow.list_service_requests(db, acting_user(), status=status)
    return render_template("workflow/requests.html", rows=rows, status=status,
                           statuses=["submitted", "accepted", "in_progress", "completed", "cancelled"])


def _request_form_context(data: dict, errors: dict) -> dict:
    db = get_db()
    user = acting_user()
    if workflow.is_staff(user):
        customers = catalog.list_organisations(db, OrgKind.business.value)
        customer_id = data.get("customer_id") or (str(customers[0].id) if customers else "")
    else:
        customers = []
        customer_id = str(user.organisation_id)
    instruments = []
    if str(customer_id).isdigit():
        instruments = catalog.list_instruments(db, owner_id=int(customer_id), limit=1000)
    return {"data": data, "errors": errors, "customers": customers, "customer_id": str(customer_id),
            "instruments": instruments, "staff": workflow.is_staff(user)}


@bp.route("/requests/new", methods=["GET", "POST"])
@roles_required(Role.technician, Role.business)
def request_new():
    db = get_db()
    if request.method == "GET":
        data = {"customer_id": request.args.get("customer_id", ""), "kind": "verification"}
        return render_template("workflow/request_form.html", **_request_form_context(data, {}))
    data = request.form.to_dict()
    data["instrument_ids"] = request.form.getlist("instrument_ids")
    data["on_site"] = bool(request.form.get("on_site"))
    try:
        req = workflow.create_service_request(db, acting_user(), data)
        db.commit()
    except ValidationError as exc:
        db.rollback()
        return _fail_page("workflow/request_form.html", 422, **_request_form_context(data, exc.errors))
    flash(_("Service request %(number)s filed.", number=req.number), "success")
    return redirect(url_for("workflow.request_detail", request_id=req.id))


@bp.route("/requests/<int:request_id>")
@roles_required(Role.technician, Role.reviewer, Role.business)
def request_detail(request_id: int):
    db = get_db()
    req = workflow.get_service_request(db, acting_user(), request_id)
    records = {}
    if req.items:
        for rec in db.scalars(select(Record).where(Record.request_item_id.in_([i.id for i in req.items]))
                              .order_by(Record.id)):
            records.setdefault(rec.request_item_id, []).append(rec)
    options = {i.id: [p for p in procedures_for(db, i.instrument.type_id, req.kind) if workflow.usable_procedure(p)]
               for i in req.items}
    return render_template("workflow/request.html", req=req, records=records, options=options,
                           staff=workflow.is_staff(acting_user()),
                           can_work=current_user.has_role(Role.technician, Role.admin))


def _transition(fn, obj_id: int, data: dict, ok_message: str, endpoint: str, **values):
    db = get_db()
    try:
        fn(db, acting_user(), obj_id, data)
        db.commit()
    except (ValidationError, Conflict) as exc:
        db.rollback()
        flash(exc.message, "error")
    else:
        flash(ok_message, "success")
    return redirect(url_for(endpoint, **values))


@bp.route("/requests/<int:request_id>/accept", methods=["POST"])
@roles_required(Role.technician)
def request_accept(request_id: int):
    return _transition(workflow.accept_service_request, request_id, request.form.to_dict(),
                       _("Request accepted."), "workflow.request_detail", request_id=request_id)


@bp.route("/requests/<int:request_id>/cancel", methods=["POST"])
@roles_required(Role.technician, Role.business)
def request_cancel(request_id: int):
    return _transition(workflow.cancel_service_request, request_id, request.form.to_dict(),
                       _("Request cancelled."), "workflow.request_detail", request_id=request_id)


@bp.route("/requests/<int:request_id>/items/<int:item_id>/record", methods=["POST"])
@roles_required(Role.technician)
def record_open(request_id: int, item_id: int):
    db = get_db()
    data = request.form.to_dict()
    data["request_item_id"] = item_id
    try:
        rec = workflow.open_record(db, acting_user(), data)
        db.commit()
    except (ValidationError, Conflict) as exc:
        db.rollback()
        flash(exc.message, "error")
        return redirect(url_for("workflow.request_detail", request_id=request_id))
    flash(_("Record %(number)s opened.", number=rec.number), "success")
    return redirect(url_for("workflow.record_detail", record_id=rec.id))


# ================================================================ records


@bp.route("/records")
@roles_required(Role.technician, Role.reviewer)
def records_list():
    db = get_db()
    status = request.args.get("status") or None
    mine = request.args.get("mine") == "1"
    rows = workflow.list_records(db, acting_user(), status=status,
                                 technician_id=current_user.id if mine else None)
    return render_template("workflow/records.html", rows=rows, status=status, mine=mine,
                           statuses=["draft", "submitted", "returned", "approved"],
                           counts=workflow.counts_by_status(db))


def workstation() -> dict[str, dict[str, str]]:
    """This browser's device ports (the lab PC's), the demo's simulated devices until set."""
    saved = session.get("workstation") or {}
    return {role: {**cap.DEMO_PORTS[role], **saved.get(role, {})} for role in cap.ROLES}


def _record_context(record: Record, *, form: dict | None = None, errors: dict | None = None,
                    conflict: str | None = None) -> dict:
    db = get_db()
    spec = record.procedure.spec
    user = acting_user()
    editable = record.status in workflow.EDITABLE and user.has_role(Role.technician, Role.admin)
    reviewable = (record.status == "submitted" and user.has_role(Role.reviewer, Role.admin)
                  and record.technician_id != user.id)
    results = record.results or {}
    chart = error_chart_svg(results, fmt=fmt_number, unit_label=unit_text(results.get("error_unit")),
                            labels={k: str(v) for k, v in TEST_LABELS.items()},
                            title=_("Error at each point with its expanded uncertainty, against ±MPE"))
    by_seq = {p["seq"]: p for p in results.get("points", [])}
    certificate = db.scalar(select(Certificate).where(Certificate.record_id == record.id)
                            .order_by(Certificate.id.desc()).limit(1))
    targets = cap.capture_targets(spec)
    ws = workstation()
    expected = {t["test"]: (int(t.get("readings", 1)), bool(t.get("reference_required"))) for t in spec.get("tests", [])}
    return {
        "record": record, "spec": spec, "inst": record.instrument, "results": results, "by_seq": by_seq,
        "chart": chart, "editable": editable, "reviewable": reviewable,
        "own_record": record.technician_id == user.id, "form": form, "errors": errors or {},
        "conflict": conflict, "standards": workflow.standard_choices(db, record) if editable else [],
        "selected": {rs.standard_id for rs in record.standards},
        "missing": workflow.missing_for_submission(record) if editable else {},
        "events": workflow.record_events(db, record), "certificate": certificate,
        "targets": targets, "workstation": ws, "expected": expected,
        "env_device": ws.get("thermo_hygrometer"),
    }


@bp.route("/records/<int:record_id>")
@roles_required(Role.technician, Role.reviewer)
def record_detail(record_id: int):
    record = workflow.get_record(get_db(), acting_user(), record_id)
    return render_template("workflow/record.html", **_record_context(record))


def form_to_data(record: Record, form) -> dict[str, Any]:
    """The record form as the service's input."""
    data: dict[str, Any] = {"version_id": form.get("version_id"), "place": form.get("place", ""),
                            "work_date": form.get("work_date", ""), "remarks": form.get("remarks", ""),
                            "adjusted": bool(form.get("adjusted")), "standards": form.getlist("standards")}
    env = {}
    for item in record.procedure.spec.get("environment", []):
        key = item["key"]
        if f"env-{key}" in form:
            value = form.get(f"env-{key}", "").strip()
            device = form.get(f"env-{key}-device", "").strip()
            env[key] = {"value": value, "device": device} if device and value else value
    data["environment"] = env
    points = []
    for p in record.points:
        prefix = f"p-{p.seq}-"
        if prefix + "readings" not in form:
            continue
        entry: dict[str, Any] = {"seq": p.seq, "readings": form.get(prefix + "readings", "")}
        if prefix + "nominal" in form:
            entry["nominal"] = form.get(prefix + "nominal", "")
        if prefix + "reference" in form:
            entry["reference_value"] = form.get(prefix + "reference", "")
        source = form.get(prefix + "source", "").strip()
        if source:
            try:
                entry["source"] = json.loads(source)
            except ValueError:
                entry["source"] = "invalid"
        points.append(entry)
    data["points"] = points
    return data


@bp.route("/records/<int:record_id>", methods=["POST"])
@roles_required(Role.technician)
def record_save(record_id: int):
    db = get_db()
    record = workflow.get_record(db, acting_user(), record_id)
    data = form_to_data(record, request.form)
    try:
        workflow.save_record(db, acting_user(), record_id, data)
        db.commit()
    except ValidationError as exc:
        db.rollback()
        record = workflow.get_record(db, acting_user(), record_id)
        return _fail_page("workflow/record.html", 422, **_record_context(record, form=request.form, errors=exc.errors))
    except Conflict as exc:
        db.rollback()
        record = workflow.get_record(db, acting_user(), record_id)
        return _fail_page("workflow/record.html", 409,
                          **_record_context(record, form=request.form, conflict=exc.message))
    flash(_("Saved; the results were computed."), "success")
    return redirect(url_for("workflow.record_detail", record_id=record_id) + "#results")


@bp.route("/records/<int:record_id>/submit", methods=["POST"])
@roles_required(Role.technician)
def record_submit(record_id: int):
    db = get_db()
    try:
        workflow.submit_record(db, acting_user(), record_id, request.form.to_dict())
        db.commit()
    except (ValidationError, Conflict) as exc:
        db.rollback()
        flash(exc.message, "error")
    else:
        flash(_("Submitted for review."), "success")
    return redirect(url_for("workflow.record_detail", record_id=record_id))


@bp.route("/records/<int:record_id>/return", methods=["POST"])
@roles_required(Role.reviewer)
def record_return(record_id: int):
    return _transition(workflow.return_record, record_id, request.form.to_dict(),
                       _("Returned to the technician."), "workflow.record_detail", record_id=record_id)


@bp.route("/records/<int:record_id>/approve", methods=["POST"])
@roles_required(Role.reviewer)
def record_approve(record_id: int):
    return _transition(workflow.approve_record, record_id, request.form.to_dict(),
                       _("Approved; the certificate was issued."), "workflow.record_detail", record_id=record_id)


@bp.route("/records/<int:record_id>/chart.svg")
@roles_required(Role.technician, Role.reviewer)
def record_chart(record_id: int):
    record = workflow.get_record(get_db(), acting_user(), record_id)
    results = record.results or {}
    svg = error_chart_svg(results, fmt=fmt_number, unit_label=unit_text(results.get("error_unit")),
                          labels={k: str(v) for k, v in TEST_LABELS.items()},
                          title=_("Error at each point with its expanded uncertainty, against ±MPE"))
    if svg is None:
        abort(404)
    return Response(str(svg), mimetype="image/svg+xml")


# ---------------------------------------------------------------- live capture


def _sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"


@bp.route("/records/<int:record_id>/capture")
@roles_required(Role.technician)
def record_capture(record_id: int):
    """Server-sent events: ``reading`` for every reading as it arrives, then ``done`` or ``failed``.

    Nothing is saved: the page puts the values into the form, and the technician saves.
    """
    db = get_db()
    user = acting_user()
    record = workflow.get_record(db, user, record_id)
    target = request.args.get("target", "readings")
    try:
        seq = int(request.args.get("seq", ""))
    except ValueError:
        seq = -1
    role = cap.capture_targets(record.procedure.spec).get(target)
    device = workstation().get(role or "", {})
    try:
        plan = cap.plan_capture(db, user, record.id, seq, target=target, port=device.get("port"),
                                driver=device.get("driver"))
    except LimsError as exc:
        return Response(_sse("failed", {"error": exc.message, "field": exc.field}), mimetype="text/event-stream")
    results: queue.Queue = queue.Queue()
    ctx = contextvars.copy_context()

    def work() -> None:  # only the device is read here: no database in this thread
        try:
            captured = ctx.run(cap.run_capture, plan, lambda r: results.put(("reading", r.to_dict())))
            results.put(("done", captured))
        except LimsError as exc:
            results.put(("failed", {"error": exc.message, "field": exc.field}))
        except Exception as exc:  # noqa: BLE001 - reported to the page, never a half-written record
            results.put(("failed", {"error": str(exc)}))
        finally:
            results.put(None)

    def stream():
        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        yield ": capture started\n\n"
        while True:
            item = results.get()
            if item is None:
                break
            yield _sse(*item)
        thread.join(timeout=1)

    resp = Response(stream_with_context(stream()), mimetype="text/event-stream")
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Accel-Buffering"] = "no"
    return resp


@bp.route("/records/<int:record_id>/environment/read", methods=["POST"])
@roles_required(Role.technician)
def record_read_environment(record_id: int):
    """One sample of the workstation's thermo-hygrometer, as JSON for the form (nothing is saved)."""
    db = get_db()
    record = workflow.get_record(db, acting_user(), record_id)
    device = workstation()["thermo_hygrometer"]
    try:
        env = cap.read_environment(device["port"], device["driver"], record.procedure.spec)
    except LimsError as exc:
        return jsonify({"error": exc.message, "detail": exc.detail}), exc.status
    return jsonify({"environment": env})


@bp.route("/workstation", methods=["GET", "POST"])
@roles_required(Role.technician)
def workstation_settings():
    errors: dict[str, str] = {}
    current = workstation()
    if request.method == "POST":
        if request.form.get("reset"):
            session.pop("workstation", None)
            flash(_("The simulated devices are used again."), "success")
            return redirect(url_for("workflow.workstation_settings"))
        new = {}
        for role in cap.ROLES:
            port, driver = request.form.get(f"{role}-port", ""), request.form.get(f"{role}-driver", "")
            try:
                new[role] = {"port": cap.check_port(port, f"{role}-port"),
                             "driver": cap.check_driver(driver, f"{role}-driver")}
            except ValidationError as exc:
                errors.update(exc.errors)
            current[role] = {"port": port, "driver": driver}
        if not errors:
            session["workstation"] = new
            flash(_("Saved."), "success")
            return redirect(url_for("workflow.workstation_settings"))
    from instruments import driver_names

    return render_template("workflow/workstation.html", ports=current, errors=errors, drivers=driver_names(),
                           roles=cap.ROLES), (422 if errors else 200)


# ================================================================ recall


def _recall_args() -> dict[str, Any]:
    def integer(name: str, default: int | None) -> int | None:
        raw = request.args.get(name, "")
        if raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise ValidationError(_("%(value)s is not a whole number.", value=repr(raw)), field=name) from None

    return {"days": integer("days", 30), "owner_id": integer("owner_id", None),
            "overdue_only": request.args.get("overdue") == "1"}


PAGE = 200


@bp.route("/recall")
@roles_required(Role.technician, Role.reviewer, Role.inspector, Role.business)
def recall_page():
    db = get_db()
    user = acting_user()
    args = _recall_args()
    try:
        offset = max(0, int(request.args.get("offset", "0") or 0))
    except ValueError:
        offset = 0
    rows = recall.due_list(db, user, limit=PAGE + 1, offset=offset, **args)
    counts = recall.due_counts(db, user, days=args["days"], owner_id=args["owner_id"])
    staff = workflow.is_staff(user)
    by_business = recall.due_by_business(db, user, days=args["days"]) if staff and args["owner_id"] is None else []
    owner = db.get(Organisation, args["owner_id"]) if staff and args["owner_id"] else None
    businesses = db.execute(select(Organisation.id, Organisation.name).where(
        Organisation.kind == OrgKind.business.value).order_by(Organisation.name)).all() if staff else []
    return render_template("workflow/recall.html", rows=rows[:PAGE], more=len(rows) > PAGE, offset=offset,
                           page=PAGE, counts=counts, args=args, staff=staff, by_business=by_business,
                           owner=owner, businesses=businesses, today=date.today())


def _export_name(ext: str) -> str:
    return f"recall-{date.today().isoformat()}.{ext}"


@bp.route("/recall.csv")
@roles_required(Role.technician, Role.reviewer, Role.inspector, Role.business)
def recall_csv():
    db = get_db()
    args = _recall_args()
    recall.due_counts(db, acting_user(), days=args["days"], owner_id=args["owner_id"])  # checks the input first
    rows = recall.iter_due_own_session(current_app.extensions["lims.sessions"], acting_user(), **args)
    resp = Response(stream_with_context(recall.export_csv(rows, _lang())), mimetype="text/csv; charset=utf-8")
    resp.headers["Content-Disposition"] = f'attachment; filename="{_export_name("csv")}"'
    return resp


@bp.route("/recall.xlsx")
@roles_required(Role.technician, Role.reviewer, Role.inspector, Role.business)
def recall_xlsx():
    db = get_db()
    args = _recall_args()
    data = recall.export_xlsx(recall.iter_due(db, acting_user(), **args), _lang(), title=_("Recall"))
    resp = Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp.headers["Content-Disposition"] = f'attachment; filename="{_export_name("xlsx")}"'
    return resp


# ================================================================ impact of a bad standard


@bp.route("/standards/<int:standard_id>/impact")
@roles_required(Role.technician, Role.reviewer)
def standard_impact_page(standard_id: int):
    db = get_db()
    impact = standard_impact.impact_of_standard(db, acting_user(), standard_id)
    return render_template("workflow/impact.html", impact=impact, errors={}, data={},
                           can_mark=current_user.has_role(Role.reviewer, Role.admin))


@bp.route("/standards/<int:standard_id>/out-of-tolerance", methods=["POST"])
@roles_required(Role.reviewer)
def standard_out_of_tolerance(standard_id: int):
    db = get_db()
    data = request.form.to_dict()
    try:
        standard_impact.mark_out_of_tolerance(db, acting_user(), standard_id, data)
        db.commit()
    except ValidationError as exc:
        db.rollback()
        impact = standard_impact.impact_of_standard(db, acting_user(), standard_id)
        return _fail_page("workflow/impact.html", 422, impact=impact, errors=exc.errors, data=data, can_mark=True)
    except Conflict as exc:
        db.rollback()
        flash(exc.message, "error")
    else:
        flash(_("Marked out of tolerance; it can no longer be selected in records."), "success")
    return redirect(url_for("workflow.standard_impact_page", standard_id=standard_id))


@bp.route("/standards")
@roles_required(Role.technician, Role.reviewer)
def standards_overview():
    db = get_db()
    rows = [(s, workflow.standard_problem(s, date.today()))
            for s in db.scalars(select(ReferenceStandard).order_by(ReferenceStandard.code))]
    return render_template("workflow/standards.html", rows=rows)


# ================================================================ menu and dashboard

add_nav(NavItem("workflow.requests_list", _l("Service requests"), (Role.technician, Role.reviewer, Role.business),
                order=20))
add_nav(NavItem("workflow.records_list", _l("Records"), (Role.technician, Role.reviewer), order=21))
add_nav(NavItem("workflow.recall_page", _l("Recall"), STAFF + (Role.business,), order=22))
add_nav(NavItem("workflow.standards_overview", _l("Standards in use"), (Role.technician, Role.reviewer), order=23))
add_nav(NavItem("workflow.workstation_settings", _l("Workstation"), (Role.technician,), order=24))
add_dashboard_panel("workflow/panel.html", STAFF + (Role.business,))


@bp.app_template_global("workflow_panel")
def workflow_panel() -> dict:
    """Numbers for the dashboard panel (what waits for this user)."""
    db = get_db()
    user = acting_user()
    out: dict[str, Any] = {"recall": recall.due_counts(db, user, days=30)}
    if workflow.is_staff(user):
        out["records"] = workflow.counts_by_status(db)
        out["mine"] = workflow.counts_by_status(db, technician_id=user.id)
    out["requests"] = len(workflow.list_service_requests(db, user, status="submitted"))
    return out
