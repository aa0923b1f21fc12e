"""Labels and number formatting the workflow pages share (the ``wf`` template global).

Numbers of results are rounded by :mod:`lims.metrology.reporting`, the one rule for what people
read (JCGM 100 7.2.6, EA-4/02 M §5): U to two significant digits, the value to U's decimal place.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from lims.errors import Conflict, ValidationError
from lims.field_labels import field_label
from lims.metrology.distributions import distribution_name
from lims.metrology.reporting import result_places, round_to_places, round_uncertainty
from lims.metrology.units import format_unit
from lims.services import workflow
from lims.services.inputs import parse
from lims.web import transaction
from lims.web.auth import acting_user
from lims.web.conflicts import database_conflict
from lims.web.context import get_db
from lims.web.filters import fmt_number
from lims.web.workflow.blueprint import bp

TEST_LABELS = {"zero": _l("zero-setting"), "weighing_down": _l("weighing, decreasing loads"),
               "discrimination": _l("discrimination"), "tare": _l("tare"), "weighing": _l("weighing"),
               "eccentricity": _l("eccentricity"), "repeatability": _l("repeatability"),
               "rising": _l("rising pressure"), "falling": _l("falling pressure"),
               "calibration": _l("calibration point")}
VERDICT_LABELS = {"pass": _l("pass"), "fail": _l("fail"), "conditional_pass": _l("conditional pass"),
                  "conditional_fail": _l("conditional fail")}
VERDICT_CLASS = {"pass": "ok", "fail": "bad", "conditional_pass": "warn", "conditional_fail": "bad"}
STATUS_CLASS = {"draft": "", "submitted": "warn", "returned": "bad", "approved": "ok", "accepted": "",
                "in_progress": "warn", "completed": "ok", "cancelled": "bad"}
KIND_LABELS = {"verification": _l("verification"), "calibration": _l("calibration"), "test": _l("testing")}
VTYPE_LABELS = {"initial": _l("initial"), "periodic": _l("periodic"), "after_repair": _l("after repair")}
ENV_LABELS = {"temperature": _l("Temperature"), "humidity": _l("Relative humidity"), "pressure": _l("Air pressure"),
              "height_difference": _l("Height of the gauge above the reference")}
ROLE_LABELS = {"balance": _l("Balance"), "pressure_reference": _l("Reference pressure gauge or controller"),
               "temperature_reference": _l("Reference thermometer"), "thermo_hygrometer": _l("Thermo-hygrometer")}
TARGET_LABELS = {"readings": _l("readings"), "reference": _l("reference value")}


def lang() -> str:
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
            "u": unit_text, "q": quantity_text, "sig2": sig2, "role": resolved(ROLE_LABELS),
            "distribution": distribution_name,
            "target": resolved(TARGET_LABELS), "field": field_label,
            "inp": input_number, "places": places,
            "inp_list": lambda values: "; ".join(input_number(v) for v in values or [])}


def input_number(value: Any) -> str:
    """A number as typed into a form field: no digit grouping, the page's decimal separator."""
    if value is None or value == "":
        return ""
    text = f"{float(value):.12g}"
    return text.replace(".", ",") if lang() == "vi" else text


def unit_text(unit: str | None) -> str:
    if not unit:
        return ""
    try:
        return format_unit(unit)
    except Exception:  # noqa: BLE001 - show the stored text rather than fail the page
        return unit


def sig2(value: float | None) -> Decimal | float | None:
    """An uncertainty as reported: two significant digits (JCGM 100 7.2.6, EA-4/02 M §5)."""
    if value is None or value == 0:
        return value
    rounded = round_uncertainty(abs(value))
    return -rounded if value < 0 else rounded


def places(uncertainty: float | None, resolution: float | None) -> int | None:
    """Decimal places of a result: those of its rounded U, else one more than the resolution."""
    return result_places(uncertainty, resolution)


def quantity_text(value: Any, unit: str | None = None, digits: int | None = None) -> str:
    """A value with its unit; rounded half away from zero to ``digits`` places when given, and a
    rounded uncertainty (a :class:`~decimal.Decimal`) with the digits it was rounded to."""
    if isinstance(value, dict):
        value, unit = value.get("value"), value.get("unit")
    if value is None:
        return "—"
    if isinstance(value, Decimal) and digits is None:
        digits = max(0, -int(value.as_tuple().exponent))
    if digits is not None:
        value = round_to_places(float(value), digits)
    text = fmt_number(value, digits)
    symbol = unit_text(unit)
    return f"{text}\u00a0{symbol}" if symbol else text


def fail_page(template: str, status: int, **context: Any) -> tuple[str, int]:
    return render_template(template, **context), status


def chart_title() -> str:
    return _("Error at each point with its expanded uncertainty, against ±MPE")


def call_service(fn: Any, *args: Any) -> Any:
    """Call a service; a database error that is a conflict (another request changed the same
    thing at the same moment, :mod:`lims.web.conflicts`) is raised as its :class:`Conflict`."""
    try:
        return fn(*args)
    except SQLAlchemyError as exc:
        conflict = database_conflict(exc)
        if conflict is None:
            raise
        raise conflict from exc


def transition(fn: Any, input_cls: type, obj_id: int, ok_message: str, endpoint: str, **values: Any):
    """Post/redirect/get for a state change: the message flashed, a refusal rolled back."""
    try:
        call_service(fn, get_db(), acting_user(), obj_id, parse(input_cls, request.form))
    except (ValidationError, Conflict) as exc:
        transaction.rollback()
        flash(exc.message, "error")
    else:
        flash(ok_message, "success")
    return redirect(url_for(endpoint, **values))
