"""Fluke/Hart Scientific 1521 and 1522 handheld thermometer readouts.

Reference: Hart Scientific 1521/1522 user's guide, "Serial interface": 2400 baud
fixed, 8N1, no flow control; commands end with CR or LF and are not case
sensitive; answers end with CR LF. ``READ?`` (also ``FETCH?``, ``MEAS?``) answers
``t: 25.587 C``; ``*IDN?`` answers ``HART,1521,<serial>,<version>``. No stable flag:
stability is N readings within a band.
"""

from __future__ import annotations

import re

from instruments.drivers.base import DeviceInfo, Driver, Sample
from instruments.errors import DeviceError, GarbledResponse
from instruments.reading import Reading, utc_now
from instruments.registry import register
from instruments.settings import SerialSettings
from lims.i18n import _

TEMPERATURE_UNITS = {"C": "degC", "F": "degF", "K": "K"}
_READING = re.compile(r"\s*t\s*:\s*([-+]?\d+(?:\.(\d*))?)\s*([CFK])\s*\Z", re.IGNORECASE)


def parse_temperature(line: str, port: str = "") -> Reading:
    """``t: 25.587 C`` -> 25.587 degC."""
    match = _READING.match(line)
    if match is None:
        if line.strip().lower().startswith("t:"):
            raise DeviceError(port, _("the thermometer shows no temperature (%(line)s): is the probe "
                                      "connected?", line=line.strip()))
        raise GarbledResponse(port, _("unexpected answer %(line)s: expected a reading like 't: 25.587 "
                                      "C'", line=repr(line)))
    number, decimals, unit_letter = match.groups()
    return Reading(
        value=float(number),
        unit=TEMPERATURE_UNITS[unit_letter.upper()],
        stable=False,
        raw=line,
        at=utc_now(),
        channel="temperature",
        decimals=len(decimals) if decimals is not None else 0,
    )


@register
class Hart152x(Driver):
    """Hart 1521/1522 thermometer readout (``READ?`` -> ``t: 25.587 C``)."""

    name = "hart-152x"
    aliases = ("hart-1521", "hart-1522", "fluke-1521", "fluke-1522")
    title = "Fluke/Hart 1521/1522 thermometer readout"
    settings = SerialSettings(baudrate=2400, bytesize=8, parity="N", stopbits=1)
    write_terminator = b"\r"
    answer_timeout = 3.0

    def _read_now(self, timeout: float | None) -> Sample:
        return [self._ask("READ?", lambda line: parse_temperature(line, self.port_name), timeout)]

    def identify(self) -> DeviceInfo:
        """``*IDN?`` -> ``HART,1521,A12345,1.00``."""
        fields = [f.strip() for f in self._ask("*IDN?", lambda text: text).split(",")] + ["", "", "", ""]
        return DeviceInfo(
            manufacturer=fields[0] or None,
            model=fields[1] or None,
            serial_number=fields[2] or None,
            firmware=fields[3] or None,
        )
