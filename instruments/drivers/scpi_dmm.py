"""Digital multimeters and calibrators speaking SCPI over RS-232 (HP/Keysight 34401A class).

Reference: HP 34401A User's Guide, chapters "Remote interface reference" and
"RS-232 configuration": 9600 baud, 8 data bits, no parity, 2 stop bits, DTR/DSR
handshake; commands end with LF, answers with CR LF. ``SYST:REM`` puts the meter in
remote mode over RS-232; ``CONF:VOLT:DC`` then ``READ?`` gives ``+1.23456789E+00``;
``SYST:ERR?`` is polled until ``+0,"No error"``. An overloaded input reads
``+9.90000000E+37``.
"""

from __future__ import annotations

import re
from typing import Any

from instruments.drivers.base import DeviceInfo, Driver, Sample
from instruments.errors import DeviceError, DeviceTimeout, GarbledResponse, InvalidOption, Overload
from instruments.link import Port
from instruments.reading import Reading, utc_now
from instruments.registry import register
from instruments.settings import SerialSettings
from lims.i18n import _

#: SCPI measurement function -> (pint unit, channel)
FUNCTIONS: dict[str, tuple[str, str]] = {
    "VOLT:DC": ("V", "voltage"),
    "VOLT:AC": ("V", "voltage"),
    "CURR:DC": ("A", "current"),
    "CURR:AC": ("A", "current"),
    "RES": ("ohm", "resistance"),
    "FRES": ("ohm", "resistance"),
    "FREQ": ("Hz", "frequency"),
    "PER": ("s", "period"),
}
OVERLOAD = 9.9e37
_NUMBER = re.compile(r"\s*([-+]?)(\d+)(?:\.(\d*))?(?:[eE]([-+]?\d+))?\s*\Z")
_ERROR = re.compile(r"\s*([-+]?\d+)\s*,\s*\"?(.*?)\"?\s*\Z")


def short_form(word: str) -> str:
    """SCPI short form (IEEE 488.2: four letters, three if the fourth is a vowel)."""
    stem = word.strip().upper()
    if len(stem) > 4:
        stem = stem[:3] if stem[3] in "AEIOU" else stem[:4]
    return stem


def canonical_function(name: str) -> str:
    """``volt:dc`` / ``VOLTage:DC`` / ``VOLT`` -> ``VOLT:DC``."""
    key = ":".join(short_form(part) for part in name.strip().lstrip(":").split(":"))
    if key in {"VOLT", "CURR"}:
        key += ":DC"
    if key not in FUNCTIONS:
        raise ValueError(_("unknown measurement function %(name)s (use %(functions)s)",
                           name=repr(name), functions=', '.join(FUNCTIONS)))
    return key


def parse_number(line: str, function: str = "VOLT:DC", port: str = "") -> Reading:
    """Parse a SCPI reading such as ``+1.23456789E+00`` for the configured function."""
    match = _NUMBER.match(line)
    if match is None:
        raise GarbledResponse(port, _("unexpected answer %(line)s: expected a number like "
                                      "+1.23456789E+00", line=repr(line)))
    frac, exponent = match.group(3), match.group(4)
    value = float(line)
    if abs(value) >= OVERLOAD:
        raise Overload(port, _("the meter is over range (%(line)s): choose a higher range or check the "
                               "input", line=line.strip()))
    unit, channel = FUNCTIONS[function]
    decimals = len(frac or "") - int(exponent or 0)
    return Reading(value=value, unit=unit, stable=False, raw=line, at=utc_now(), channel=channel, decimals=decimals)


def parse_error(line: str) -> tuple[int, str]:
    """``-113,"Undefined header"`` -> ``(-113, "Undefined header")``."""
    match = _ERROR.match(line.split(" ", 1)[1] if line.startswith(":") else line)
    if match is None:
        raise ValueError(line)
    return int(match.group(1)), match.group(2)


@register
class ScpiMultimeter(Driver):
    """SCPI multimeter over RS-232. Options: ``function`` (``VOLT:DC`` default,
    ``VOLT:AC``, ``CURR:DC``, ``RES``, ``FRES``, ``FREQ``...), ``remote`` (send
    ``SYST:REM`` first, default yes)."""

    name = "scpi-dmm"
    aliases = ("dmm", "34401a", "scpi")
    title = "Digital multimeter or calibrator, SCPI over RS-232 (34401A class)"
    settings = SerialSettings(baudrate=9600, bytesize=8, parity="N", stopbits=2, dsrdtr=True)
    write_terminator = b"\n"
    read_terminator = b"\r\n"
    answer_timeout = 5.0
    option_types = {"function": str, "remote": bool}
    stable_relative_default = 1e-5

    def __init__(self, port: Port, **options: Any) -> None:
        super().__init__(port, **options)
        try:
            self.function = canonical_function(self.options.get("function", "VOLT:DC"))
        except ValueError as exc:
            raise InvalidOption(self.port_name, str(exc)) from None

    def initialise(self) -> None:
        """Flush, remote mode, clear status, configure the function, check the error queue."""
        self.link.flush_input()
        if self.options.get("remote", True):
            self.link.send("SYST:REM")
        self.link.send("*CLS")
        self.configure(self.function)

    def configure(self, function: str) -> None:
        """``CONF:<function>`` then raise :class:`DeviceError` if the meter queued an error."""
        self.function = canonical_function(function)
        self.link.send(f"CONF:{self.function}")
        self.stability.reset()
        self.check_errors()

    def errors(self, limit: int = 20) -> list[tuple[int, str]]:
        """Empty the error queue (``SYST:ERR?`` until ``+0,"No error"``)."""
        found: list[tuple[int, str]] = []
        for _attempt in range(limit):
            line = self._ask("SYST:ERR?", lambda text: text)
            try:
                code, message = parse_error(line)
            except ValueError:
                raise GarbledResponse(self.port_name, _("unexpected answer %(line)s to 'SYST:ERR?'",
                                                        line=repr(line))) from None
            if code == 0:
                break
            found.append((code, message))
        return found

    def check_errors(self) -> None:
        """Raise :class:`DeviceError` naming every error the meter has queued."""
        found = self.errors()
        if found:
            listed = "; ".join(f"{code} {message}" for code, message in found)
            raise DeviceError(self.port_name, _("the meter reports: %(listed)s", listed=listed))

    def identify(self) -> DeviceInfo:
        """``*IDN?`` -> manufacturer, model, serial number, firmware."""
        line = self._ask("*IDN?", lambda text: text)
        fields = [f.strip() for f in line.split(",")]
        fields += [""] * (4 - len(fields))
        return DeviceInfo(
            manufacturer=fields[0] or None,
            model=fields[1] or None,
            serial_number=fields[2] or None,
            firmware=fields[3] or None,
        )

    def _reading(self, command: str, timeout: float | None) -> Sample:
        function = self.function
        try:
            return [self._ask(command, lambda line: parse_number(line, function, self.port_name), timeout)]
        except DeviceTimeout:
            self.link.flush_input()
            try:
                found = self.errors()
            except DeviceTimeout:
                raise DeviceTimeout(
                    self.port_name,
                    _("no answer to %(command)s: check the meter is switched on, the cable and the "
                      "baud rate", command=repr(command)),
                ) from None
            if found:
                listed = "; ".join(f"{code} {message}" for code, message in found)
                raise DeviceError(self.port_name, _("no reading; the meter reports: %(listed)s",
                                                    listed=listed)) from None
            raise

    def _read_now(self, timeout: float | None) -> Sample:
        return self._reading("READ?", timeout)

    def measure(self, function: str | None = None, timeout: float | None = None) -> Sample:
        """``MEAS:<function>? DEF,DEF``: configure and read in one command."""
        if function is not None:
            self.function = canonical_function(function)
        return self._mark(self._reading(f"MEAS:{self.function}? DEF,DEF", timeout))
