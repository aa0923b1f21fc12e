"""Vaisala HMT330 family humidity and temperature transmitters (serial line).

Reference: Vaisala HUMICAP HMT330 user's guide, "Serial line communication":
service port 4800 baud 7E1; commands end with CR. ``SEND`` answers one line in the
``FORM`` format, by default ``RH= 98.4 %RH T= 31.1 'C``; ``R`` starts and ``S`` stops
the continuous output; ``VERS`` answers ``HMT330 / 5.16``. An invalid value is
printed as stars (``***``). One ``SEND`` gives two readings: ``humidity`` in
``percent_RH`` and ``temperature`` in ``degC``. Echoed commands are skipped.
"""

from __future__ import annotations

import re

from instruments.drivers.base import DeviceInfo, Driver, Sample
from instruments.errors import DeviceError, GarbledResponse
from instruments.reading import Reading, utc_now
from instruments.registry import register
from instruments.settings import SerialSettings
from lims.i18n import _

#: FORM quantity name -> channel
CHANNELS = {"RH": "humidity", "T": "temperature", "Td": "dew_point", "Tdf": "frost_point", "Ta": "ambient_temperature"}
#: unit text in the output -> pint unit string
UNITS = {"%RH": "percent_RH", "'C": "degC", "'F": "degF", "C": "degC", "F": "degF", "K": "K"}
_FIELD = re.compile(r"(\w+)\s*=\s*(\S+)\s+(\S+)")


def parse_send(line: str, port: str = "") -> list[Reading]:
    """``RH= 98.4 %RH T= 31.1 'C`` -> [humidity 98.4 percent_RH, temperature 31.1 degC]."""
    fields = _FIELD.findall(line)
    if not fields:
        raise GarbledResponse(port, _("unexpected answer %(line)s: expected e.g. \"RH= 55.2 %%RH T= "
                                      "23.1 'C\"", line=repr(line)))
    at = utc_now()
    readings: list[Reading] = []
    for name, number, unit_text in fields:
        channel = CHANNELS.get(name)
        if channel is None:
            continue
        if set(number) <= {"*"}:
            raise DeviceError(
                port, _("the transmitter reports no valid %(name)s value (%(line)s): probe fault or "
                        "warming up", name=name, line=line.strip())
            )
        unit = UNITS.get(unit_text)
        if unit is None:
            raise GarbledResponse(port, _("unknown unit %(unit_text)s in %(line)s",
                                          unit_text=repr(unit_text), line=repr(line)))
        try:
            value = float(number)
        except ValueError:
            raise GarbledResponse(port, f"unreadable {name} value {number!r} in {line!r}") from None
        decimals = len(number.split(".", 1)[1]) if "." in number else 0
        readings.append(Reading(value, unit, False, line, at, channel, decimals))
    if not readings:
        raise GarbledResponse(port, _("no humidity or temperature in %(line)s", line=repr(line)))
    return readings


@register
class Hmt330(Driver):
    """Vaisala HMT330 thermo-hygrometer (``SEND`` -> RH and T)."""

    name = "hmt330"
    aliases = ("vaisala", "vaisala-hmt330")
    title = "Vaisala HMT330 humidity and temperature transmitter"
    settings = SerialSettings(baudrate=4800, bytesize=7, parity="E", stopbits=1)
    write_terminator = b"\r"

    def initialise(self) -> None:
        """Stop a running continuous output (``S``) and discard what it sent."""
        self.link.send("S")
        self.link.drain(quiet=0.05, limit=0.5)
        self.link.flush_input()

    def _parse(self, command: str):  # type: ignore[no-untyped-def]
        def parse(line: str) -> list[Reading] | None:
            if line.strip().upper() == command or not line.strip():
                return None  # the transmitter echoing the command
            return parse_send(line, self.port_name)

        return parse

    def _read_now(self, timeout: float | None) -> Sample:
        return self._ask("SEND", self._parse("SEND"), timeout)

    def identify(self) -> DeviceInfo:
        """``VERS`` -> ``HMT330 / 5.16``."""
        line = self._ask("VERS", lambda text: None if text.strip().upper() in {"", "VERS"} else text)
        model, _, version = (part.strip() for part in line.partition("/"))
        return DeviceInfo(manufacturer="Vaisala", model=model or None, firmware=version or None)
