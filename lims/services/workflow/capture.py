"""Capturing a record's point from a workstation device: plan (checked, with the database), read
(no database: safe in a worker thread), then save into the record like typed readings.

The workstation's ports are per browser session in the web app, given per call in the API
(:data:`lims.services.workflow.devices.ROLES`); device faults are
:class:`~lims.services.workflow.devices.CaptureError` naming the port.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from lims.errors import ValidationError
from lims.i18n import _
from lims.metrology.units_format import page_number, page_quantity
from lims.metrology.units_registry import shown_unit
from lims.models import Record
from lims.services.policy import Actor, require_technician
from lims.services.workflow.devices import (
    MAX_COUNT,
    DeviceReading,
    check_driver,
    check_port,
    decimals_of,
    fill_port,
    fits,
    read_device,
    readings_in,
)
from lims.services.workflow.inputs import CaptureIntoPoint, SaveRecord
from lims.services.workflow.locking import check_version
from lims.services.workflow.record_input import readings_bounds
from lims.services.workflow.records import get_record, require_editable
from lims.services.workflow.saving import save_record

__all__ = ["CapturePlan", "capture_targets", "expected_readings", "plan_capture", "finish_capture", "run_capture",
           "capture_point", "point_update", "capture_into_point"]


def capture_targets(spec: dict) -> dict[str, str]:
    """What a device may read for this procedure: ``{"readings": "balance"}`` and/or ``{"reference": ...}``."""
    return dict(spec.get("capture") or {})


def expected_readings(spec: dict, test: str) -> int:
    for item in spec.get("tests", []):
        if item.get("test") == test:
            return int(item.get("readings", 1))
    return 1


@dataclass(frozen=True)
class CapturePlan:
    """Everything a capture needs, checked and resolved before the device is touched."""

    record_id: int
    seq: int
    target: str
    port: str
    driver: str
    count: int
    unit: str
    low: float
    high: float
    timeout: float
    baudrate: int | None


def plan_capture(session: Session, actor: Actor | None, record_id: int, seq: int, *, target: str, port: Any,
                 driver: Any, count: int | None = None, timeout: float = 20.0,
                 baudrate: int | None = None) -> CapturePlan:
    """Check that the point can be read from this device (role, record state, port, driver)."""
    require_technician(actor)
    record = get_record(session, actor, record_id)
    require_editable(record)
    point = next((p for p in record.points if p.seq == seq), None)
    if point is None:
        raise ValidationError(_("This record has no point %(seq)s.", seq=seq), field="seq")
    spec = record.procedure.spec
    if target not in capture_targets(spec):
        msg = _("This procedure reads nothing from a device for %(target)s.", target=target)
        raise ValidationError(msg, field="target", errors={"target": msg})
    port = check_port(port)
    driver = check_driver(driver)
    inst = record.instrument
    nominal = point.reference_value if target == "readings" and point.reference_value is not None else point.nominal
    port = fill_port(port, nominal=nominal, unit=point.unit, maximum=2 * inst.range_max,
                     decimals=decimals_of(inst.resolution))
    n = count if count is not None else expected_readings(spec, point.test)
    if not 1 <= n <= MAX_COUNT:
        raise ValidationError(_("Must be a whole number from 1 to %(n)s.", n=MAX_COUNT), field="count")
    low, high = readings_bounds(inst) if target == "readings" else (inst.range_min, inst.range_max)
    return CapturePlan(record.id, seq, target, port, driver, n, point.unit, low, high, timeout, baudrate)


def finish_capture(plan: CapturePlan, readings: list[DeviceReading]) -> dict[str, Any]:
    """The readings of a plan converted to the point's unit and checked against the instrument's range."""
    fitting = [r for r in readings if fits(r.unit, plan.unit)]
    if not fitting:
        shown = ", ".join(page_quantity(r.value, r.unit) for r in readings[:3])
        msg = _("The device sent %(value)s, which cannot be read in %(unit)s.", value=shown, unit=shown_unit(plan.unit))
        raise ValidationError(msg, field="readings", errors={"readings": msg})
    values = readings_in(fitting, plan.unit)
    field = f"points.{plan.seq}.{plan.target}"
    for v in values:
        if not plan.low - 1e-9 <= v <= plan.high + 1e-9:
            msg = _("%(value)s is outside what this instrument can show (%(low)s … %(high)s %(unit)s).",
                    value=page_quantity(v, plan.unit), low=page_number(plan.low), high=page_number(plan.high),
                    unit=shown_unit(plan.unit))
            raise ValidationError(msg, field=field, errors={field: msg})
    source = {"port": plan.port, "driver": plan.driver, "target": plan.target,
              "raw": [r.raw for r in fitting][:MAX_COUNT], "at": fitting[-1].at}
    return {"seq": plan.seq, "target": plan.target, "values": [float(f"{v:.12g}") for v in values],
            "unit": plan.unit, "source": source}


def run_capture(plan: CapturePlan, on_reading: Callable[[DeviceReading], None] | None = None) -> dict[str, Any]:
    """Read the device of a plan (no database access: safe in a worker thread)."""
    readings = read_device(plan.port, plan.driver, count=plan.count, until_stable=True, timeout=plan.timeout,
                           baudrate=plan.baudrate, on_reading=on_reading)
    return finish_capture(plan, readings)


def capture_point(session: Session, actor: Actor | None, record_id: int, seq: int, *, target: str, port: Any,
                  driver: Any, count: int | None = None, timeout: float = 20.0, baudrate: int | None = None,
                  on_reading: Callable[[DeviceReading], None] | None = None) -> dict[str, Any]:
    """Read a point's readings (or its reference value) from a device; nothing is written.

    Returns ``{"seq", "target", "values", "unit", "source"}`` with the values converted to the
    point's unit and checked against the instrument's range, ready to be saved with the record.
    """
    plan = plan_capture(session, actor, record_id, seq, target=target, port=port, driver=driver, count=count,
                        timeout=timeout, baudrate=baudrate)
    return run_capture(plan, on_reading)


def point_update(captured: dict[str, Any]) -> dict[str, Any]:
    """The ``points`` entry that saves a capture into the record."""
    values = captured["values"]
    entry: dict[str, Any] = {"seq": captured["seq"], "source": captured["source"]}
    if captured["target"] == "reference":
        entry["reference_value"] = float(f"{sum(values) / len(values):.12g}")
    else:
        entry["readings"] = values
    return entry


def capture_into_point(session: Session, actor: Actor | None, record_id: int, seq: int,
                       inp: CaptureIntoPoint) -> Record:
    """Read a device and save the result into the record's point in one step (API)."""
    require_technician(actor)
    record = get_record(session, actor, record_id)
    check_version(record, inp.version_id, _("Record %(number)s", number=record.number))
    captured = capture_point(session, actor, record_id, seq, target=inp.target, port=inp.port, driver=inp.driver,
                             count=inp.count, timeout=inp.timeout or 20.0, baudrate=inp.baudrate)
    return save_record(session, actor, record_id,
                       SaveRecord(version_id=inp.version_id, points=[point_update(captured)]))
