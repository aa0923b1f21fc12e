"""Druck PACE pressure controllers and indicators (SCPI over RS-232).

Reference: Druck PACE series SCPI manual (K0450): commands end with LF;
``:SENS:PRES?`` answers ``:SENS:PRES 1014.25`` in the unit ``:UNIT:PRES?`` reports
(``:UNIT:PRES MBAR``); ``:SYST:ERR?`` answers ``0,"No error"``. No stable flag:
stability is N readings within a band.
"""

from __future__ import annotations

import contextlib
import re

from instruments.drivers.base import DeviceInfo, Driver, Sample
from instruments.errors import DeviceError, DeviceTimeout, GarbledResponse
from instruments.reading import Reading, utc_now
from instruments.registry import register
from instruments.settings import SerialSettings
from lims.i18n import _

#: PACE unit names -> pint unit strings
PRESSURE_UNITS = {
    "MBAR": "mbar",
    "BAR": "bar",
    "PA": "Pa",
    "HPA": "hPa",
    "KPA": "kPa",
    "MPA": "MPa",
    "PSI": "psi",
    "INHG": "inHg",
    "MMHG": "mmHg",
    "INH2O": "inH2O",
    "MH2O": "mH2O",
}
_VALUE = re.compile(r"\s*(?::SENS:PRES\s+)?([-+]?\d+(?:\.(\d*))?(?:[eE][-+]?\d+)?)\s*\Z", re.IGNORECASE)


def parse_pressure(line: str, unit: str = "mbar", port: str = "") -> Reading:
    """``:SENS:PRES 1014.25`` -> 1014.25 in ``unit``."""
    match = _VALUE.match(line)
    if match is None:
        raise GarbledResponse(port, _("unexpected answer %(line)s: expected ':SENS:PRES 1014.25'", line=repr(line)))
    number, decimals = match.groups()
    return Reading(
        value=float(number),
        unit=unit,
        stable=False,
        raw=line,
        at=utc_now(),
        channel="pressure",
        decimals=len(decimals) if decimals is not None else 0,
    )


def parse_unit(line: str, port: str = "") -> str:
    """``:UNIT:PRES MBAR`` (or just ``MBAR``) -> ``mbar``."""
    name = line.strip().split()[-1].upper() if line.strip() else ""
    unit = PRESSURE_UNITS.get(name)
    if unit is None:
        raise DeviceError(
            port, _("the controller reports pressure unit %(line)s, which this program does not know",
                    line=repr(line.strip()))
        )
    return unit


@register
class DruckPace(Driver):
    """Druck PACE pressure controller/indicator (``:SENS:PRES?``)."""

    name = "pace"
    aliases = ("druck-pace",)
    title = "Druck PACE pressure controller, SCPI over RS-232"
    settings = SerialSettings(baudrate=9600, bytesize=8, parity="N", stopbits=1)
    write_terminator = b"\n"
    read_terminator = b"\n"

    unit = "mbar"

    def initialise(self) -> None:
        """Flush, then ask the pressure unit (``:UNIT:PRES?``) so readings carry it."""
        self.link.flush_input()
        self.unit = self._ask(":UNIT:PRES?", lambda line: parse_unit(line, self.port_name))

    def _read_now(self, timeout: float | None) -> Sample:
        try:
            return [self._ask(":SENS:PRES?", lambda line: parse_pressure(line, self.unit, self.port_name), timeout)]
        except DeviceTimeout:
            # a controller that refused the query says why in its error queue
            self.link.flush_input()
            with contextlib.suppress(DeviceTimeout):
                self.check_errors()
            raise

    def check_errors(self) -> None:
        """``:SYST:ERR?``: raise :class:`DeviceError` unless ``0,"No error"``."""
        line = self._ask(":SYST:ERR?", lambda text: text)
        body = line.split(" ", 1)[1] if line.startswith(":") and " " in line else line
        if not body.strip().startswith(("0,", "+0,")):
            raise DeviceError(self.port_name, _("the controller reports: %(body)s", body=body.strip()))

    def identify(self) -> DeviceInfo:
        """``*IDN?`` -> manufacturer, model, serial number, firmware."""
        line = self._ask("*IDN?", lambda text: text)
        if line.upper().startswith("*IDN "):
            line = line[5:]
        fields = [f.strip() for f in line.split(",")] + ["", "", "", ""]
        return DeviceInfo(
            manufacturer=fields[0] or None,
            model=fields[1] or None,
            serial_number=fields[2] or None,
            firmware=fields[3] or None,
        )
