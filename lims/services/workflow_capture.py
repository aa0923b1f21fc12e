"""Reading a measuring device into a record: which port, which driver, checked readings.

The lab PC's ports are a *workstation* setting (per browser session in the web app, given per
call in the API): one entry per device role — the balance, the reference pressure gauge or
controller, the reference thermometer, the thermo-hygrometer. A ``mock://`` port may hold
``{nominal}``, ``{unit}`` and ``{max}`` placeholders, filled with the point's nominal value so
the simulated device shows what a real one would (demo and training only).

:func:`read_device` calls :func:`instruments.capture.capture` (read until stable or timeout,
port always closed). Every device fault becomes a :class:`CaptureError` naming the port and
the cause; nothing is written by this module.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from lims.errors import LimsError, ValidationError
from lims.i18n import _

# Device roles of a workstation, and the procedure quantity each role measures.
ROLES = ("balance", "pressure_reference", "temperature_reference", "thermo_hygrometer")
ROLE_FOR_QUANTITY = {"mass": "balance", "pressure": "pressure_reference", "temperature": "temperature_reference"}

# The demo workstation: simulated devices on mock:// ports.
DEMO_PORTS: dict[str, dict[str, str]] = {
    "balance": {"port": "mock://mt-sics?weight={nominal}{unit}&capacity={max}{unit}&settle=3", "driver": "mt-sics"},
    "pressure_reference": {"port": "mock://pace?pressure={nominal}bar&settle=2", "driver": "pace"},
    "temperature_reference": {"port": "mock://hart-152x?temperature={nominal}C&settle=2", "driver": "hart-152x"},
    "thermo_hygrometer": {"port": "mock://hmt330?temperature=23.1C&rh=55.2", "driver": "hmt330"},
}

# Serial device paths and pyserial URLs a workstation may name.
_PORT_RE = re.compile(r"^(mock://\S+|socket://\S+|rfc2217://\S+|/dev/(tty|pts/|serial/|cu\.)\S*|COM\d{1,3})$")
MAX_COUNT = 50
MAX_TIMEOUT = 120.0


class CaptureError(LimsError, OSError):
    """The device could not be read (timeout, unplugged, garbled, overload ...)."""

    status = 502
    code = "device"


@dataclass(frozen=True)
class DeviceReading:
    value: float
    unit: str
    stable: bool
    raw: str
    at: str
    channel: str

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "unit": self.unit, "stable": self.stable, "raw": self.raw, "at": self.at,
                "channel": self.channel}


def check_port(port: Any, field: str = "port") -> str:
    text = str(port or "").strip()
    if not text:
        raise ValidationError(_("This field is required."), field=field, errors={field: _("This field is required.")})
    if len(text) > 300 or not _PORT_RE.match(text):
        msg = _("%(port)s is not a serial port (e.g. /dev/ttyUSB0, COM3, mock://mt-sics).", port=repr(text))
        raise ValidationError(msg, field=field, errors={field: msg})
    return text


def check_driver(name: Any, field: str = "driver") -> str:
    from instruments import InstrumentError, get_driver

    text = str(name or "").strip()
    try:
        return get_driver(text).name
    except InstrumentError as exc:
        msg = _("Unknown device driver %(name)s.", name=repr(text))
        raise ValidationError(msg, field=field, errors={field: f"{msg} {exc.cause}"}) from exc


def fill_port(port: str, *, nominal: float | None, unit: str, maximum: float | None, decimals: int) -> str:
    """Fill the placeholders of a ``mock://`` port (a real port has none)."""
    if not port.startswith("mock://") or "{" not in port:
        return port
    symbol = {"degC": "C", "delta_degC": "C", "percent_RH": "%RH"}.get(unit, unit)
    values = {
        "nominal": f"{(nominal or 0.0):.{decimals}f}",
        "unit": symbol,
        "max": f"{(maximum or 0.0):.{decimals}f}",
    }
    try:
        return port.format_map(values)
    except (KeyError, ValueError, IndexError):
        msg = _("The port %(port)s has an unknown placeholder (use {nominal}, {unit}, {max}).", port=repr(port))
        raise ValidationError(msg, field="port", errors={"port": msg}) from None


def decimals_of(step: float | None) -> int:
    if not step:
        return 3
    text = f"{step:.10f}".rstrip("0")
    return max(0, len(text.split(".")[1])) if "." in text else 0


def read_device(port: str, driver: str, *, count: int = 1, until_stable: bool = True, timeout: float = 10.0,
                baudrate: int | None = None, on_reading: Callable[[DeviceReading], None] | None = None
                ) -> list[DeviceReading]:
    """Read ``count`` (stable) samples; every reading, stable or not, goes to ``on_reading`` as it arrives."""
    from instruments import InstrumentError
    from instruments.capture import capture

    if not 1 <= count <= MAX_COUNT:
        raise ValidationError(_("Must be a whole number from 1 to %(n)s.", n=MAX_COUNT), field="count")
    if not 0 < timeout <= MAX_TIMEOUT:
        raise ValidationError(_("Must be between %(lo)s and %(hi)s.", lo=0, hi=MAX_TIMEOUT), field="timeout")

    def convert(r) -> DeviceReading:
        return DeviceReading(float(r.value), str(r.unit), bool(r.stable), str(r.raw), r.at.isoformat(),
                             str(getattr(r, "channel", "value")))

    callback = (lambda r: on_reading(convert(r))) if on_reading is not None else None
    try:
        readings = capture(port, driver, count=count, until_stable=until_stable, timeout=timeout,
                           baudrate=baudrate, on_reading=callback)
    except InstrumentError as exc:
        raise CaptureError(_("The device on %(port)s could not be read: %(cause)s", port=exc.port or port,
                             cause=exc.cause), field="port") from exc
    except (ValueError, OSError) as exc:  # a bad mock:// URL or a port that does not open
        raise CaptureError(_("The device on %(port)s could not be read: %(cause)s", port=port, cause=str(exc)),
                           field="port") from exc
    return [convert(r) for r in readings]


def readings_in(readings: list[DeviceReading], unit: str, *, channel: str | None = None) -> list[float]:
    """The readings' values converted to ``unit`` (a reading in another kind of unit is refused)."""
    from lims.metrology.errors import UnitError
    from lims.metrology.units import parse_quantity

    out = []
    for r in readings:
        if channel is not None and r.channel != channel:
            continue
        try:
            out.append(float(parse_quantity(r.value, r.unit).to(unit).magnitude) if r.unit != unit else r.value)
        except (UnitError, Exception) as exc:  # pint's DimensionalityError as well
            msg = _("The device sent %(value)s, which cannot be read in %(unit)s.", value=f"{r.value:g} {r.unit}",
                    unit=unit)
            raise ValidationError(msg, field="readings", errors={"readings": msg}) from exc
    return out


# ---------------------------------------------------------------- capture into a record


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


def plan_capture(session, actor, record_id: int, seq: int, *, target: str, port: Any, driver: Any,
                 count: int | None = None, timeout: float = 20.0, baudrate: int | None = None) -> CapturePlan:
    """Check that the point can be read from this device (role, record state, port, driver)."""
    from lims.models import Role
    from lims.services import workflow
    from lims.services.users import require_role

    if actor is not None:
        require_role(actor, Role.technician)
    record = workflow.get_record(session, actor, record_id)
    workflow._editable(record)
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
    low, high = workflow._readings_bounds(inst) if target == "readings" else (inst.range_min, inst.range_max)
    return CapturePlan(record.id, seq, target, port, driver, n, point.unit, low, high, timeout, baudrate)


def finish_capture(plan: CapturePlan, readings: list[DeviceReading]) -> dict[str, Any]:
    """The readings of a plan converted to the point's unit and checked against the instrument's range."""
    fitting = [r for r in readings if _fits(r.unit, plan.unit)]
    if not fitting:
        shown = ", ".join(f"{r.value:g} {r.unit}" for r in readings[:3])
        msg = _("The device sent %(value)s, which cannot be read in %(unit)s.", value=shown, unit=plan.unit)
        raise ValidationError(msg, field="readings", errors={"readings": msg})
    values = readings_in(fitting, plan.unit)
    field = f"points.{plan.seq}.{plan.target}"
    for v in values:
        if not plan.low - 1e-9 <= v <= plan.high + 1e-9:
            msg = _("%(value)s is outside what this instrument can show (%(low)s … %(high)s %(unit)s).",
                    value=f"{v:g} {plan.unit}", low=f"{plan.low:g}", high=f"{plan.high:g}", unit=plan.unit)
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


def capture_point(session, actor, record_id: int, seq: int, *, target: str, port: Any, driver: Any,
                  count: int | None = None, timeout: float = 20.0, baudrate: int | None = None,
                  on_reading: Callable[[DeviceReading], None] | None = None) -> dict[str, Any]:
    """Read a point's readings (or its reference value) from a device; nothing is written.

    Returns ``{"seq", "target", "values", "unit", "source"}`` with the values converted to the
    point's unit and checked against the instrument's range, ready to be saved with the record.
    """
    plan = plan_capture(session, actor, record_id, seq, target=target, port=port, driver=driver, count=count,
                        timeout=timeout, baudrate=baudrate)
    return run_capture(plan, on_reading)


def _fits(unit: str, target: str) -> bool:
    from lims.metrology.errors import UnitError
    from lims.metrology.units import unit_info

    try:
        return unit_info(unit).dimensionality == unit_info(target).dimensionality
    except UnitError:
        return False


def point_update(captured: dict[str, Any]) -> dict[str, Any]:
    """The ``points`` entry that saves a capture into the record."""
    values = captured["values"]
    entry: dict[str, Any] = {"seq": captured["seq"], "source": captured["source"]}
    if captured["target"] == "reference":
        entry["reference_value"] = float(f"{sum(values) / len(values):.12g}")
    else:
        entry["readings"] = values
    return entry


def capture_into_point(session, actor, record_id: int, seq: int, data: dict[str, Any]):
    """Read a device and save the result into the record's point in one step (API)."""
    from lims.services import workflow
    from lims.services.validation import Checker

    c = Checker()
    target = c.choice(data, "target", ["readings", "reference"], default="readings")
    count = c.integer(data, "count", required=False, minimum=1)
    timeout = c.number(data, "timeout", required=False, positive=True)
    baudrate = c.integer(data, "baudrate", required=False, minimum=1)
    c.integer(data, "version_id")
    c.done()
    record = workflow.get_record(session, actor, record_id)
    workflow._stale(record, data, _("Record %(number)s", number=record.number))
    captured = capture_point(session, actor, record_id, seq, target=target, port=data.get("port"),
                             driver=data.get("driver"), count=count, timeout=timeout or 20.0, baudrate=baudrate)
    return workflow.save_record(session, actor, record_id, {"version_id": data.get("version_id"),
                                                            "points": [point_update(captured)]})


def read_environment(port: str, driver: str, spec: dict, *, timeout: float = 10.0) -> dict[str, dict]:
    """One sample of a thermo-hygrometer, as the record's environment entries (nothing is written)."""
    port = check_port(port)
    driver = check_driver(driver)
    readings = read_device(port, driver, count=1, until_stable=True, timeout=timeout)
    out: dict[str, dict] = {}
    for item in spec.get("environment", []):
        for r in readings:
            if _fits(r.unit, item["unit"]) and item["key"] not in out:
                value = readings_in([r], item["unit"])[0]
                out[item["key"]] = {"value": float(f"{value:.12g}"), "unit": item["unit"], "device": port}
    if not out:
        msg = _("The device on %(port)s sent nothing this procedure records.", port=port)
        raise ValidationError(msg, field="port", errors={"port": msg})
    return out
