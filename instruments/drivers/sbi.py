"""Sartorius balances with the SBI protocol (print output on request or automatic).

Reference: Sartorius operating instructions, "Data interface / SBI". Commands are
``ESC`` sequences: ``ESC P`` print (with auto-print on it toggles the output),
``ESC T`` tare/zero, ``ESC U`` tare, ``ESC V`` zero, ``ESC x1_`` model, ``ESC x2_``
serial number, ``ESC x3_`` software. An output line is 16 characters: sign (``+``,
``-`` or space), space, 8 characters of value, space, 3 characters of unit, CR LF
(``+   123.56 g  ``); the 22-character form puts a 6-character ID first (``N``,
``G``, ``T``, ``Stat``). A blank unit means the reading is not stable. Status words
``High``, ``Low``, ``Cal``, ``Err`` and ``--`` replace the value.
Line settings differ by model (older: 1200 baud 7O1 with hardware handshake;
newer: 9600 8N1); the default here is 9600 8N1, change it with the baud rate option.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

from instruments.drivers.base import DeviceInfo, Driver, Sample
from instruments.drivers.mt_sics import MASS_UNITS
from instruments.errors import (
    DeviceError,
    DeviceTimeout,
    GarbledResponse,
    InvalidOption,
    NotStable,
    Overload,
    Underload,
)
from instruments.link import Port
from instruments.reading import Reading, utc_now
from instruments.registry import register
from instruments.settings import SerialSettings
from lims.errors import LimsError
from lims.i18n import _

ESC = "\x1b"
_LOOSE = re.compile(r"\s*(?:(?:N|G|T|NET|Stat)\s+)?([+-]?)\s*(\d+(?:\.(\d*))?)\s*([A-Za-z]*)\s*\Z")
_STATUS = ("High", "Low", "Cal", "Err", "--")


class NoValue(LimsError):
    """The balance showed ``--`` (busy, e.g. while taring): no number in this line.

    The driver waits for a number while it sees these; ``str(error)`` is the line.
    """

    status = 503
    code = "device_busy"


def parse_line(line: str, port: str = "") -> Reading:
    """Parse one SBI output line (16- or 22-character form) into a :class:`Reading`."""
    body = line[6:] if len(line) == 20 else line
    if len(body) == 14 and body[0] in "+- " and body[1] == " " and body[10] == " ":
        sign, number, unit_text = body[0], body[2:10].strip(), body[11:14].strip()
        match = re.fullmatch(r"\d+(?:\.(\d*))?", number)
        decimals = None if match is None else match.group(1)
    else:
        match = None
    if match is None:
        _check_status(line, port)
        loose = _LOOSE.match(line)
        if loose is None:
            raise GarbledResponse(port, _("unexpected output %(line)s from the balance", line=repr(line)))
        sign, number, decimals, unit_text = loose.groups()
    unit = None
    if unit_text:
        unit = MASS_UNITS.get(unit_text)
        if unit is None:
            raise DeviceError(
                port, _("the balance shows unit %(unit_text)s, not a mass unit this program knows: set "
                        "it to g or kg", unit_text=repr(unit_text))
            )
    value = float(number)
    if sign == "-":
        value = -value
    return Reading(
        value=value + 0.0,
        unit=unit or "g",
        stable=unit is not None,
        raw=line,
        at=utc_now(),
        channel="weight",
        decimals=len(decimals) if decimals is not None else 0,
    )


def _check_status(line: str, port: str) -> None:
    words = line.split()
    for word in _STATUS:
        if word in words or (word == "--" and "--" in line):
            if word == "High":
                raise Overload(port, _("weight above the balance's capacity (%(line)s): remove load",
                                       line=line.strip()))
            if word == "Low":
                raise Underload(port, _("weight below the balance's range (%(line)s): check the pan, "
                                        "then zero", line=line.strip()))
            if word == "Cal":
                raise DeviceError(port, _("the balance is adjusting (Cal): wait until it finishes, "
                                          "then read again"))
            if word == "Err":
                raise DeviceError(port, _("the balance shows an error (%(line)s): see its manual", line=line.strip()))
            raise NoValue(line)


@register
class SartoriusSbi(Driver):
    """Sartorius balance, SBI protocol. Option ``mode``: ``poll`` (send ESC P per
    reading, default) or ``auto`` (the balance prints by itself; just listen)."""

    name = "sbi"
    aliases = ("sartorius",)
    title = "Sartorius balance, SBI print output"
    settings = SerialSettings(baudrate=9600, bytesize=8, parity="N", stopbits=1)
    has_stable_flag = True
    option_types = {"mode": str}

    def __init__(self, port: Port, **options: Any) -> None:
        super().__init__(port, **options)
        mode = self.options.get("mode", "poll").lower()
        if mode not in {"poll", "auto"}:
            raise InvalidOption(self.port_name, _("option mode=%(mode)s: use poll or auto", mode=repr(mode)))
        self.mode = mode

    def _parse(self, line: str) -> Reading:
        return parse_line(line, self.port_name)

    def _read_now(self, timeout: float | None) -> Sample:
        wait = self.answer_timeout if timeout is None else timeout
        deadline = time.monotonic() + wait
        busy: NoValue | None = None
        while True:
            left = deadline - time.monotonic()
            try:
                if busy is not None and left <= 0:
                    raise DeviceTimeout(self.port_name, _("time is up"))
                if self.mode == "auto":
                    return [self._parse(self.link.read_line(deadline=deadline, timeout=wait))]
                return [self._ask(f"{ESC}P", self._parse, max(0.0, left))]
            except NoValue as exc:
                busy = exc
                if self.mode == "poll":
                    time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
            except DeviceTimeout:
                if busy is None:
                    raise
                raise NotStable(self.port_name, _("the balance shows %(busy)s and gives no value",
                                                  busy=repr(str(busy).strip()))) from None

    def _samples(self, deadline: float | None) -> Iterator[Sample]:
        if self.mode == "poll":
            yield from super()._samples(deadline)
            return

        def parse(line: str) -> Sample | None:
            try:
                return [self._parse(line)]
            except NoValue:
                return None

        yield from self._stream(parse, deadline)

    def identify(self) -> DeviceInfo:
        """Model (``ESC x1_``), serial number (``ESC x2_``) and software (``ESC x3_``).

        Weight lines printed meanwhile (auto-print on) are skipped.
        """
        model = self._ask(f"{ESC}x1_", self._info_line)
        serial_number = self._ask(f"{ESC}x2_", self._info_line)
        software = self._ask(f"{ESC}x3_", self._info_line)
        return DeviceInfo(manufacturer="Sartorius", model=model, serial_number=serial_number, firmware=software)

    @staticmethod
    def _info_line(line: str) -> str | None:
        body = line[6:] if len(line) == 20 else line
        if len(body) == 14 and body[0] in "+- " and body[1] == " " and body[10] == " ":
            return None  # a printed weight or status line, not the answer
        return line.strip()

    def zero(self) -> None:
        """``ESC V``: zero (the balance does not answer)."""
        self.link.send(f"{ESC}V")
        self.stability.reset()

    def tare(self) -> Reading | None:
        """``ESC U``: tare (the balance does not answer; the tare value is not reported)."""
        self.link.send(f"{ESC}U")
        self.stability.reset()
        return None
