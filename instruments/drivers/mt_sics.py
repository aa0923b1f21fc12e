"""Mettler Toledo balances speaking MT-SICS level 0 and 1.

Reference: Mettler Toledo "MT-SICS Interface Command Set" reference manual and the
AT/ML operating instructions (factory port 9600 baud 8N1, Xon/Xoff, CR LF).
Answers are ``<ID> <status> [data]``; status ``S`` stable, ``D`` dynamic, ``A``
done, ``I`` cannot execute now, ``L`` bad parameter, ``+``/``-`` over/under range;
``ES``/``ET``/``EL`` are syntax, transmission and logical errors. The weight field
is 10 characters, right aligned, sign inside: ``S S    -100.00 g``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

from instruments.drivers.base import DeviceInfo, Driver, Sample
from instruments.errors import (
    DeviceError,
    DeviceTimeout,
    GarbledResponse,
    NotStable,
    OutOfRange,
    Overload,
    Underload,
)
from instruments.reading import Reading, utc_now
from instruments.registry import register
from instruments.settings import SerialSettings
from lims.i18n import N_, _

#: MT-SICS unit text -> pint unit string
MASS_UNITS: dict[str, str] = {
    "g": "g",
    "kg": "kg",
    "mg": "mg",
    "ug": "ug",
    "ct": "carat",
    "lb": "lb",
    "oz": "oz",
    "ozt": "ozt",
    "dwt": "dwt",
    "GN": "grain",
    "gr": "grain",
}

_VALUE = re.compile(r"([A-Z]+) ([SDA]) +([-+]?\d+(?:\.(\d*))?) +(\S+)\Z")
_QUOTED = re.compile(r'"([^"]*)"')
_COMMAND_ERRORS = {
    "ES": N_("the balance did not understand the command %(cmd)s (ES, syntax error)"),
    "ET": N_("the balance received the command %(cmd)s garbled (ET, transmission error): check baud rate and parity"),
    "EL": N_("the balance cannot execute %(cmd)s now (EL, logical error)"),
}


def check_error(line: str, command: str, port: str = "") -> None:
    """Raise our exception for an MT-SICS error answer; return quietly otherwise."""
    head = line[:3].rstrip()
    if head in _COMMAND_ERRORS and line.strip() == head:
        raise DeviceError(port, _(_COMMAND_ERRORS[head], cmd=repr(command)))
    parts = line.split()
    if len(parts) != 2:
        return
    ident, status = parts
    if status == "+":
        if ident in {"Z", "T"}:
            raise OutOfRange(
                port, _("zero range exceeded (%(line)s): unload the pan first", line=line) if ident == "Z"
                else _("tare range exceeded (%(line)s): unload the pan first", line=line)
            )
        raise Overload(port, _("weight above the balance's capacity (%(line)s): remove load", line=line))
    if status == "-":
        if ident in {"Z", "T"}:
            raise OutOfRange(port, _("zero range exceeded (%(line)s)", line=line) if ident == "Z"
                             else _("tare range exceeded (%(line)s)", line=line))
        raise Underload(port, _("weight below the balance's range (%(line)s): check the pan is in "
                                "place, then zero", line=line))
    if status == "I":
        if command == "S":
            raise NotStable(port, _("the balance found no stable weight within its own time limit "
                                    "(%(line)s)", line=line))
        raise DeviceError(port, _("the balance cannot execute %(command)s now (%(line)s: busy or not "
                                  "stable)", command=repr(command), line=line))
    if status == "L":
        raise DeviceError(port, _("the balance refused a parameter of %(command)s (%(line)s)",
                                  command=repr(command), line=line))


def parse_weight(line: str, command: str = "SI", port: str = "", channel: str = "weight") -> Reading:
    """Parse ``S S     100.00 g`` (or ``S D``, ``T S``, ``TA A``) into a :class:`Reading`.

    Error answers raise the matching exception; anything else unreadable raises
    :class:`GarbledResponse`.
    """
    match = _VALUE.match(line)
    if match is None:
        check_error(line, command, port)
        if "Error" in line:
            raise DeviceError(port, _("the weighing cell reports a fault (%(line)s): see the balance "
                                      "manual", line=line.strip()))
        raise GarbledResponse(port, _("unexpected answer %(line)s to %(command)s",
                                      line=repr(line), command=repr(command)))
    _ident, status, number, decimals, unit_text = match.groups()
    unit = MASS_UNITS.get(unit_text)
    if unit is None:
        raise DeviceError(
            port, _("the balance shows unit %(unit_text)s, not a mass unit this program knows: set it "
                    "to g or kg", unit_text=repr(unit_text))
        )
    return Reading(
        value=float(number),
        unit=unit,
        stable=status != "D",
        raw=line,
        at=utc_now(),
        channel=channel,
        decimals=len(decimals) if decimals is not None else 0,
    )


def parse_quoted(line: str, ident: str, port: str = "") -> list[str]:
    """The quoted fields of an ``<ident> A "..."`` answer (``I2``, ``I4``...)."""
    check_error(line, ident, port)
    if not line.startswith(f"{ident} A"):
        raise GarbledResponse(port, _("unexpected answer %(line)s to %(ident)s", line=repr(line), ident=repr(ident)))
    return _QUOTED.findall(line)


@register
class MtSicsBalance(Driver):
    """Mettler Toledo balance, MT-SICS level 0/1 (S, SI, SIR, Z, T, I2, I4)."""

    name = "mt-sics"
    aliases = ("mtsics", "mettler")
    title = "Mettler Toledo balance, MT-SICS level 0/1"
    settings = SerialSettings(baudrate=9600, bytesize=8, parity="N", stopbits=1, xonxoff=True)
    has_stable_flag = True

    def initialise(self) -> None:
        """Reset (``@``), wait for its ``I4`` answer, then flush input (MT-SICS: on connect)."""
        self._reset()

    def _reset(self) -> str | None:
        self.link.send("@")
        self._streaming = False
        deadline = time.monotonic() + self.link.answer_timeout
        serial_number: str | None = None
        garbled: GarbledResponse | None = None
        while True:
            try:
                line = self.link.read_line(deadline=deadline)
            except GarbledResponse as exc:
                garbled = exc
                continue
            except DeviceTimeout:
                if garbled is not None:
                    raise garbled from None
                raise self.no_answer("@", self.link.answer_timeout) from None
            if line.startswith("I4 "):
                fields = _QUOTED.findall(line)
                serial_number = fields[0] if fields else None
                break
            if line.strip() in _COMMAND_ERRORS:
                check_error(line, "@", self.port_name)
            # anything else is the tail of an SIR stream: discard it
        self.link.flush_input()
        return serial_number

    def identify(self) -> DeviceInfo:
        """Model and capacity (``I2``, parsed from the right), serial number (``I4``), software (``I3``)."""
        fields = self._ask("I2", lambda line: parse_quoted(line, "I2", self.port_name))
        words = fields[0].rsplit(" ", 2) if fields else []
        model = capacity = unit = None
        if len(words) == 3:
            model, cap_text, unit_text = words
            try:
                capacity = float(cap_text)
            except ValueError:
                model = fields[0]
            unit = MASS_UNITS.get(unit_text, unit_text)
        elif fields:
            model = fields[0]
        serial_fields = self._ask("I4", lambda line: parse_quoted(line, "I4", self.port_name))
        try:
            soft = self._ask("I3", lambda line: parse_quoted(line, "I3", self.port_name))
        except DeviceError:
            soft = []
        return DeviceInfo(
            manufacturer="Mettler Toledo",
            model=model,
            serial_number=serial_fields[0] if serial_fields else None,
            firmware=soft[0] if soft else None,
            capacity=capacity,
            unit=unit,
        )

    def _read_now(self, timeout: float | None) -> Sample:
        return [self._ask("SI", lambda line: parse_weight(line, "SI", self.port_name), timeout)]

    def _read_stable_native(self, timeout: float | None) -> Sample | None:
        wait = max(timeout or 0.0, self.answer_timeout * 5)
        return [self._ask("S", lambda line: parse_weight(line, "S", self.port_name), wait)]

    def _samples(self, deadline: float | None) -> Iterator[Sample]:
        port = self.port_name
        self.link.send("SIR")
        self._streaming = True
        yield from self._stream(lambda line: [parse_weight(line, "SIR", port)], deadline)

    def stop(self) -> None:
        """End ``SIR`` with a reset (``@``) and discard the rest of the stream."""
        if self._streaming:
            self._reset()

    def zero(self) -> None:
        """``Z``: zero the balance (``Z A``); ``Z I`` busy, ``Z +``/``Z -`` out of zero range."""
        line = self._ask("Z", lambda text: text, self.answer_timeout * 5)
        check_error(line, "Z", self.port_name)
        if line.strip() != "Z A":
            raise GarbledResponse(self.port_name, _("unexpected answer %(line)s to 'Z'", line=repr(line)))
        self.stability.reset()

    def tare(self) -> Reading:
        """``T``: tare the load on the pan; returns the tare weight (``T S      2.486 g``)."""
        reading = self._ask("T", lambda line: parse_weight(line, "T", self.port_name, "tare"), self.answer_timeout * 5)
        self.stability.reset()
        return reading

    def tare_value(self) -> Reading:
        """``TA``: the tare weight in memory."""
        return self._ask("TA", lambda line: parse_weight(line, "TA", self.port_name, "tare"))

    def clear_tare(self) -> None:
        """``TAC``: clear the tare memory (``TAC A``)."""
        line = self._ask("TAC", lambda text: text)
        check_error(line, "TAC", self.port_name)
        if line.strip() != "TAC A":
            raise GarbledResponse(self.port_name, _("unexpected answer %(line)s to 'TAC'", line=repr(line)))


__all__ = ["MASS_UNITS", "MtSicsBalance", "check_error", "parse_quoted", "parse_weight"]
