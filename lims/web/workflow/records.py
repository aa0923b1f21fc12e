"""Record pages: the list, one record with its results, save, submit, return, approve, the error chart."""
from __future__ import annotations

import json
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lims.config import work_date_max_days_back
from lims.errors import Conflict, ValidationError
from lims.metrology.r76_tests import CHANGE_POINT_TESTS
from lims.metrology.reported import reported_results
from lims.models import Record, Role
from lims.services import audit_sentences, policy, search, traceability_chain, workflow
from lims.services.inputs import parse
from lims.services.workflow import capture as cap
from lims.web import transaction
from lims.web.auth import acting_user, roles_required
from lims.web.context import get_db
from lims.web.filters import fmt_number
from lims.web.listing import page_paging, pager
from lims.web.lists import record_filter
from lims.web.workflow.blueprint import bp
from lims.web.workflow.chart import error_chart_svg
from lims.web.workflow.helpers import TEST_LABELS, call_service, chart_title, fail_page, transition, unit_text
from lims.web.workflow.workstation import workstation


@bp.route("/records")
@roles_required(Role.technician, Role.reviewer)
def records_list():
    """Records searched, filtered, sorted and paged; ``mine=1``: only the signed-in technician's."""
    db = get_db()
    mine = request.args.get("mine") == "1"
    user = acting_user()
    number, per_page, offset = page_paging()
    f = record_filter(technician_id=(policy.actor_id(user) or -1) if mine else None)
    found = search.search_records(db, user, f, limit=per_page, offset=offset)
    return render_template("workflow/records.html", rows=found.rows, f=f, mine=mine,
                           pager=pager(found, number, per_page, f.sort, search.SORTS["records"][1]),
                           statuses=["draft", "submitted", "returned", "approved"],
                           counts=workflow.counts_by_status(db, user))


def _chart(results: dict):
    return error_chart_svg(results, fmt=fmt_number, unit_label=unit_text(results.get("error_unit")),
                           labels={k: str(v) for k, v in TEST_LABELS.items()}, title=chart_title())


def _record_context(record: Record, *, form: dict | None = None, errors: dict | None = None,
                    conflict: str | None = None) -> dict:
    db = get_db()
    spec = record.procedure.spec
    user = acting_user()
    editable = policy.can_edit_record(user, record)
    results = record.results or {}
    reported = reported_results(results, record.instrument.resolution)  # JCGM 100 7.2.6, EA-4/02 M §5
    ws = workstation()
    expected = {t["test"]: (int(t.get("readings", 1)), bool(t.get("reference_required")))
                for t in spec.get("tests", [])}
    return {
        "record": record, "spec": spec, "inst": record.instrument, "results": reported,
        "by_seq": {p["seq"]: p for p in reported.get("points", [])}, "chart": _chart(results),
        "editable": editable, "reviewable": policy.can_review_record(user, record),
        "own_record": policy.made_record(user, record),
        "is_reviewer": user is not None and user.has_role(Role.reviewer),
        "form": form, "errors": errors or {},
        "conflict": conflict, "standards": workflow.standard_choices(db, record) if editable else [],
        "selected": {rs.standard_id for rs in record.standards},
        "missing": workflow.missing_for_submission(record) if editable else {},
        "unfit": workflow.unfit_points(record) if editable else {},
        "change_point": bool(spec.get("change_point")), "change_point_tests": CHANGE_POINT_TESTS,
        "events": audit_sentences.history(db, workflow.record_events(db, record)),
        "certificate": workflow.latest_certificate(db, record),
        "targets": cap.capture_targets(spec), "workstation": ws, "expected": expected,
        "env_device": ws.get("thermo_hygrometer"), "work_date_days": work_date_max_days_back(),
        # ISO/IEC 17025 6.5: why the chain of the standards used does not reach the SI (approval is refused)
        "chain_problems": traceability_chain.record_chain_problems(db, record) if record.standards else [],
    }


@bp.route("/records/<int:record_id>")
@roles_required(Role.technician, Role.reviewer)
def record_detail(record_id: int):
    record = workflow.get_record(get_db(), acting_user(), record_id)
    return render_template("workflow/record.html", **_record_context(record))


def _environment_of(record: Record, form: Any) -> dict[str, Any]:
    env = {}
    for item in record.procedure.spec.get("environment", []):
        key = item["key"]
        if f"env-{key}" in form:
            value = form.get(f"env-{key}", "").strip()
            device = form.get(f"env-{key}-device", "").strip()
            env[key] = {"value": value, "device": device} if device and value else value
    return env


def _points_of(record: Record, form: Any) -> list[dict[str, Any]]:
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
        if prefix + "added_load" in form:
            entry["added_load"] = form.get(prefix + "added_load", "")
        source = form.get(prefix + "source", "").strip()
        if source:
            try:
                entry["source"] = json.loads(source)
            except ValueError:
                entry["source"] = "invalid"
        points.append(entry)
    return points


def form_to_data(record: Record, form: Any) -> dict[str, Any]:
    """The record form as the service's input mapping (see :class:`lims.services.workflow.SaveRecord`)."""
    return {"version_id": form.get("version_id"), "place": form.get("place", ""),
            "work_date": form.get("work_date", ""), "work_date_reason": form.get("work_date_reason", ""),
            "remarks": form.get("remarks", ""),
            "adjusted": bool(form.get("adjusted")), "standards": form.getlist("standards"),
            "environment": _environment_of(record, form), "points": _points_of(record, form),
            "checks": _checks_of(record, form)}


def _checks_of(record: Record, form: Any) -> dict[str, Any]:
    """The checklist's answers as posted: ``check-<key>`` is ok / not_ok / absent, ``check-<key>-note`` the note."""
    out = {}
    for item in record.procedure.spec.get("checks", []):
        key = item["key"]
        if f"check-{key}" in form or f"check-{key}-note" in form:
            out[key] = {"ok": form.get(f"check-{key}", ""), "note": form.get(f"check-{key}-note", "")}
    return out


@bp.route("/records/<int:record_id>", methods=["POST"])
@roles_required(Role.technician)
def record_save(record_id: int):
    db = get_db()
    record = workflow.get_record(db, acting_user(), record_id)
    try:
        call_service(workflow.save_record, db, acting_user(), record_id,
                     parse(workflow.SaveRecord, form_to_data(record, request.form)))
    except ValidationError as exc:
        transaction.rollback()
        record = workflow.get_record(db, acting_user(), record_id)
        return fail_page("workflow/record.html", 422, **_record_context(record, form=request.form, errors=exc.errors))
    except Conflict as exc:
        transaction.rollback()
        record = workflow.get_record(db, acting_user(), record_id)
        return fail_page("workflow/record.html", 409,
                         **_record_context(record, form=request.form, conflict=exc.message))
    flash(_("Saved; the results were computed."), "success")
    return redirect(url_for("workflow.record_detail", record_id=record_id) + "#results")


@bp.route("/records/<int:record_id>/submit", methods=["POST"])
@roles_required(Role.technician)
def record_submit(record_id: int):
    return transition(workflow.submit_record, workflow.Version, record_id,
                      _("Submitted for review."), "workflow.record_detail", record_id=record_id)


@bp.route("/records/<int:record_id>/return", methods=["POST"])
@roles_required(Role.reviewer)
def record_return(record_id: int):
    return transition(workflow.return_record, workflow.ReturnRecord, record_id,
                      _("Returned to the technician."), "workflow.record_detail", record_id=record_id)


@bp.route("/records/<int:record_id>/approve", methods=["POST"])
@roles_required(Role.reviewer)
def record_approve(record_id: int):
    return transition(workflow.approve_record, workflow.Version, record_id,
                      _("Approved; the certificate was issued."), "workflow.record_detail", record_id=record_id)


@bp.route("/records/<int:record_id>/chart.svg")
@roles_required(Role.technician, Role.reviewer)
def record_chart(record_id: int):
    record = workflow.get_record(get_db(), acting_user(), record_id)
    svg = _chart(record.results or {})
    if svg is None:
        abort(404)
    return Response(str(svg), mimetype="image/svg+xml")
