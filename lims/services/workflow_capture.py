"""Reading a measuring device into a record: which port, which driver, checked readings.

The lab PC's ports are a *workstation* setting (per browser session in the web app, given per
call in the API): one entry per device role — the balance, the reference pressure gauge or
controller, the reference thermometer, the thermo-hygrometer. A ``mock://`` port may hold
``{nominal}``, ``{unit}`` and ``{max}`` placeholders, filled with the point's nominal value so
the simulated device shows what a real one would (demo and training only).

:func:`read_device` calls :func:`instruments.capture.capture` when the instruments package
provides it, else opens the port itself with the driver (same behaviour: read until stable or
timeout, port always closed). Every device fault becomes a :class:`CaptureError` naming the
port and the cause; nothing is written by this module.
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
    "temperature_reference": {"port": "mock://hart152x?temperature={nominal}C&settle=2", "driver": "hart-152x"},
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
    import instruments
    from instruments import InstrumentError

    if not 1 <= count <= MAX_COUNT:
        raise ValidationError(_("Must be a whole number from 1 to %(n)s.", n=MAX_COUNT), field="count")
    if not 0 < timeout <= MAX_TIMEOUT:
        raise ValidationError(_("Must be between %(lo)s and %(hi)s.", lo=0, hi=MAX_TIMEOUT), field="timeout")

    def convert(r) -> DeviceReading:
        return DeviceReading(float(r.value), str(r.unit), bool(r.stable), str(r.raw), r.at.isoformat(),
                             str(getattr(r, "channel", "value")))

    callback = (lambda r: on_reading(convert(r))) if on_reading is not None else None
    try:
        try:
            from instruments.capture import capture  # type: ignore[import-not-found]
        except ImportError:
            capture = _capture_with_driver
        readings = capture(port, driver, count=count, until_stable=until_stable, timeout=timeout,
                           baudrate=baudrate, on_reading=callback)
    except InstrumentError as exc:
        raise CaptureError(_("The device on %(port)s could not be read: %(cause)s", port=exc.port or port,
                             cause=exc.cause), field="port") from exc
    except (ValueError, OSError) as exc:  # a bad mock:// URL or a port that does not open
        raise CaptureError(_("The device on %(port)s could not be read: %(cause)s", port=port, cause=str(exc)),
                           field="port") from exc
    return [convert(r) for r in readings]


def _capture_with_driver(port: str, driver: str, *, count: int, until_stable: bool, timeout: float,
                         baudrate: int | None, on_reading):
    """Open the port, read until stable or timeout, always close (used until instruments.capture exists)."""
    import serial

    from instruments import get_driver
    from instruments.errors import PortError

    cls = get_driver(driver)
    settings = cls.settings.with_baudrate(baudrate)
    try:
        handle = serial.serial_for_url(port, baudrate=settings.baudrate, bytesize=settings.bytesize,
                                       parity=settings.parity, stopbits=settings.stopbits, timeout=0.2)
    except (serial.SerialException, ValueError, OSError) as exc:
        raise PortError(port, str(exc)) from exc
    device = None
    try:
        device = cls(handle)
        device.initialise()
        return device.collect(count, until_stable=until_stable, timeout=timeout, on_reading=on_reading)
    finally:
        if device is not None:
            device.close()
        else:
            handle.close()


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
