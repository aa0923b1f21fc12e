"""Live capture from workstation devices (server-sent events), the thermo-hygrometer, the workstation's ports.

Nothing is saved here: the page puts what a device read into the record's form and the
technician saves. Each reading streams to the page as it arrives.
"""
from __future__ import annotations

import contextvars
import json
import queue
import threading
from typing import Any

from flask import Response, flash, jsonify, redirect, render_template, request, session, stream_with_context, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from lims.errors import LimsError, ValidationError
from lims.models import Role
from lims.services import workflow
from lims.services.workflow import capture as cap
from lims.services.workflow import devices
from lims.web.auth import acting_user, roles_required
from lims.web.context import get_db
from lims.web.query import query_int
from lims.web.workflow.blueprint import bp


def workstation() -> dict[str, dict[str, str]]:
    """This browser's device ports (the lab PC's), the demo's simulated devices until set."""
    saved = session.get("workstation") or {}
    return {role: {**devices.DEMO_PORTS[role], **saved.get(role, {})} for role in devices.ROLES}


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
    seq = query_int("seq", -1)
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
        env = devices.read_environment(device["port"], device["driver"], record.procedure.spec)
    except LimsError as exc:
        return jsonify({"error": exc.message, "detail": exc.detail}), exc.status
    return jsonify({"environment": env})


@bp.route("/workstation", methods=["GET", "POST"])
@roles_required(Role.technician)
def workstation_settings() -> ResponseReturnValue:
    errors: dict[str, str] = {}
    current = workstation()
    if request.method == "POST":
        if request.form.get("reset"):
            session.pop("workstation", None)
            flash(_("The simulated devices are used again."), "success")
            return redirect(url_for("workflow.workstation_settings"))
        new = {}
        for role in devices.ROLES:
            port, driver = request.form.get(f"{role}-port", ""), request.form.get(f"{role}-driver", "")
            try:
                new[role] = {"port": devices.check_port(port, f"{role}-port"),
                             "driver": devices.check_driver(driver, f"{role}-driver")}
            except ValidationError as exc:
                errors.update(exc.errors)
            current[role] = {"port": port, "driver": driver}
        if not errors:
            session["workstation"] = new
            flash(_("Saved."), "success")
            return redirect(url_for("workflow.workstation_settings"))
    return render_template("workflow/workstation.html", ports=current, errors=errors, drivers=devices.driver_names(),
                           roles=devices.ROLES), (422 if errors else 200)
