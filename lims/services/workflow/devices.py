"""Reading a measuring device: which port, which driver, readings converted to the point's unit.

The lab PC's ports are a *workstation* setting (per browser session in the web app, given per
call in the API): one entry per device role — the balance, the reference pressure gauge or
controller, the reference thermometer, the thermo-hygrometer. A ``mock://`` port may hold
``{nominal}``, ``{unit}`` and ``{max}`` placeholders, filled with the point's nominal value so
the simulated device shows what a real one would (demo and training only).

:func:`read_device` calls :func:`instruments.capture.capture` (read until stable or timeout,
port always closed). Every device fault becomes a :class:`CaptureError` naming the port and
the cause; nothing is written by this module (:mod:`lims.services.workflow.capture` puts the
readings into a record).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from instruments import InstrumentError, driver_names, get_driver
from instruments.capture import capture
from lims import config
from lims.errors import LimsError, ValidationError
from lims.i18n import _
from lims.metrology.errors import UnitError
from lims.metrology.units import parse_quantity, unit_info
from lims.metrology.units_format import page_quantity
from lims.metrology.units_registry import shown_unit

__all__ = ["ROLES", "ROLE_FOR_QUANTITY", "DEMO_PORTS", "CaptureError", "DeviceReading", "check_port", "check_driver",
           "driver_names", "fill_port", "decimals_of", "read_device", "readings_in", "fits", "read_environment"]

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

# Local serial device paths a workstation may name; URLs are checked by :func:`check_port`.
_LOCAL_RE = re.compile(r"^(/dev/(tty|pts/|serial/|cu\.)\S*|COM\d{1,3})$")
# pyserial URL schemes that reach a network device server (host:port listed in LIMS_DEVICE_SERVERS).
NETWORK_SCHEMES = ("socket", "rfc2217")
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
    """The port a device may be read on, or :class:`ValidationError` naming ``field`` with the reason.

    Every path that opens a port for a user (capture, live capture, the thermo-hygrometer, the
    workstation page) goes through here before any connection is made: a local serial device
    (``/dev/tty*``, ``/dev/serial/...``, ``COMn``); ``mock://`` when ``LIMS_MOCK_DEVICES`` is on;
    ``socket://host:port`` or ``rfc2217://host:port`` only when ``host:port`` is listed in
    ``LIMS_DEVICE_SERVERS``. Any other pyserial URL (``loop://``, ``spy://``, ``hwgrep://``,
    ``alt://`` ...) is refused.
    """
    text = str(port or "").strip()
    if not text:
        raise ValidationError(_("This field is required."), field=field, errors={field: _("This field is required.")})
    problem = _port_problem(text)
    if problem:
        raise ValidationError(problem, field=field, errors={field: problem})
    return text


def _port_problem(text: str) -> str | None:
    not_serial = _("%(port)s is not a serial port (e.g. /dev/ttyUSB0, COM3, mock://mt-sics).", port=repr(text))
    if len(text) > 300 or any(c.isspace() or not c.isprintable() for c in text):
        return not_serial
    if "://" not in text:
        return None if _LOCAL_RE.match(text) and ".." not in text.split("/") else not_serial
    scheme = text.split("://", 1)[0].lower()  # pyserial reads the scheme in any case
    if scheme == "mock":
        return None if config.mock_devices() else _("Simulated devices (mock://) are turned off on this server.")
    if scheme not in NETWORK_SCHEMES:
        return _("%(scheme)s:// ports are not accepted: use a serial port (e.g. /dev/ttyUSB0, COM3) or a device "
                 "server listed by the administrator (socket://, rfc2217://).", scheme=scheme)
    try:
        parts = urlsplit(text)
        host, number = (parts.hostname or "").lower(), parts.port
    except ValueError:
        return not_serial
    if not host or number is None or parts.username is not None or parts.path not in ("", "/"):
        return _("A device server is given as %(scheme)s://host:port.", scheme=scheme)
    if f"{host}:{number}" not in config.device_servers():
        return _("%(server)s is not a device server listed by the administrator (LIMS_DEVICE_SERVERS).",
                 server=f"{host}:{number}")
    return None


def check_driver(name: Any, field: str = "driver") -> str:
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
    if not 1 <= count <= MAX_COUNT:
        raise ValidationError(_("Must be a whole number from 1 to %(n)s.", n=MAX_COUNT), field="count")
    if not 0 < timeout <= MAX_TIMEOUT:
        raise ValidationError(_("Must be between %(lo)s and %(hi)s.", lo=0, hi=MAX_TIMEOUT), field="timeout")

    def convert(r) -> DeviceReading:
        return DeviceReading(float(r.value), str(r.unit), bool(r.stable), str(r.raw), r.at.isoformat(),
                             str(getattr(r, "channel", "value")))

    port = check_port(port)  # whoever calls, no connection to a port the rule refuses
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
    out = []
    for r in readings:
        if channel is not None and r.channel != channel:
            continue
        try:
            out.append(float(parse_quantity(r.value, r.unit).to(unit).magnitude) if r.unit != unit else r.value)
        except (UnitError, Exception) as exc:  # pint's DimensionalityError as well
            msg = _("The device sent %(value)s, which cannot be read in %(unit)s.",
                    value=page_quantity(r.value, r.unit), unit=shown_unit(unit))
            raise ValidationError(msg, field="readings", errors={"readings": msg}) from exc
    return out


def fits(unit: str, target: str) -> bool:
    """Whether a reading in ``unit`` can be read in ``target`` (same dimension)."""
    try:
        return unit_info(unit).dimensionality == unit_info(target).dimensionality
    except UnitError:
        return False


def read_environment(port: str, driver: str, spec: dict, *, timeout: float = 10.0) -> dict[str, dict]:
    """One sample of a thermo-hygrometer, as the record's environment entries (nothing is written)."""
    port = check_port(port)
    driver = check_driver(driver)
    readings = read_device(port, driver, count=1, until_stable=True, timeout=timeout)
    out: dict[str, dict] = {}
    for item in spec.get("environment", []):
        for r in readings:
            if fits(r.unit, item["unit"]) and item["key"] not in out:
                value = readings_in([r], item["unit"])[0]
                out[item["key"]] = {"value": float(f"{value:.12g}"), "unit": item["unit"], "device": port}
    if not out:
        msg = _("The device on %(port)s sent nothing this procedure records.", port=port)
        raise ValidationError(msg, field="port", errors={"port": msg})
    return out
