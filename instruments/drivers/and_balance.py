"""A&D balances (FX-i, GX-A, HC-i ...) with the A&D standard format.

Reference: A&D FX-i/FZ-i and GX-A instruction manuals, "Data format" and "Commands".
Data line: ``ST,+00123.45  g`` (header, comma, 9-character value with sign,
3-character unit; 15 characters plus CR LF). Headers: ``ST`` stable, ``US``
unstable, ``QT`` counting, ``OL`` overload (``OL,+9999999E+19``). Commands: ``Q``
immediate, ``S`` when stable, ``SIR`` continuous, ``C`` cancel, ``R``/``Z``
re-zero, ``T`` tare, ``?ID``, ``?SN``. With acknowledgements on, ``ACK`` (0x06) or
``EC,Ex`` answers a command. Factory line settings: 2400 baud 7E1.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from instruments.drivers.base import DeviceInfo, Driver, Sample
from instruments.drivers.mt_sics import MASS_UNITS
from instruments.errors import DeviceError, DeviceTimeout, GarbledResponse, Overload, Underload
from instruments.reading import Reading, utc_now
from instruments.registry import register
from instruments.settings import SerialSettings
from lims.i18n import N_, _

ACK = "\x06"
_DATA = re.compile(r"(ST|US|QT|WT),([-+])(\d+(?:\.(\d*))?) *([A-Za-z%]*) *\Z")
EC_CODES = {
    "E0": N_("communication error (check baud rate and parity)"),
    "E1": N_("undefined command"),
    "E2": N_("not ready (the balance is busy)"),
    "E4": N_("command too long"),
    "E6": N_("format error in the command"),
    "E7": N_("parameter out of range"),
}


def parse_line(line: str, command: str = "Q", port: str = "") -> Reading | None:
    """Parse an A&D data line; ``None`` for an ACK; errors raise our exceptions."""
    if line.strip() == ACK or line == "":
        return None
    match = _DATA.match(line)
    if match is None:
        if line.startswith("OL,"):
            if "-" in line[3:4]:
                raise Underload(port, _("weight below the balance's range (%(line)s): check the pan, "
                                        "then re-zero", line=line))
            raise Overload(port, _("weight above the balance's capacity (%(line)s): remove load", line=line))
        if line.startswith("EC,"):
            code = line[3:].strip()
            reason = _(EC_CODES[code]) if code in EC_CODES else _("error %(code)s", code=code)
            raise DeviceError(port, _("the balance refused %(command)s: %(reason)s (%(line)s)",
                                      command=repr(command), reason=reason, line=line))
        raise GarbledResponse(port, _("unexpected answer %(line)s to %(command)s",
                                      line=repr(line), command=repr(command)))
    header, sign, number, decimals, unit_text = match.groups()
    if header == "QT":
        raise DeviceError(port, _("the balance is in counting mode (QT): switch it to weighing"))
    unit = MASS_UNITS.get(unit_text)
    if unit is None:
        raise DeviceError(
            port, _("the balance shows unit %(unit_text)s, not a mass unit this program knows: set it "
                    "to g", unit_text=repr(unit_text))
        )
    value = float(number)
    return Reading(
        value=(-value if sign == "-" else value) + 0.0,
        unit=unit,
        stable=header != "US",
        raw=line,
        at=utc_now(),
        channel="weight",
        decimals=len(decimals) if decimals is not None else 0,
    )


def _ec_error(line: str, command: str, port: str) -> None:
    if line.startswith("EC,"):
        parse_line(line, command, port)


@register
class AndBalance(Driver):
    """A&D balance, standard format. Option ``ack``: the balance acknowledges commands."""

    name = "and"
    aliases = ("a&d", "and-fx", "and-gx")
    title = "A&D balance (FX-i, GX-A, HC-i), A&D standard format"
    settings = SerialSettings(baudrate=2400, bytesize=7, parity="E", stopbits=1)
    has_stable_flag = True
    option_types = {"ack": bool}

    def _parse(self, command: str):  # type: ignore[no-untyped-def]
        port = self.port_name
        return lambda line: parse_line(line, command, port)

    def _read_now(self, timeout: float | None) -> Sample:
        return [self._ask("Q", self._parse("Q"), timeout)]

    def _read_stable_native(self, timeout: float | None) -> Sample | None:
        return [self._ask("S", self._parse("S"), max(timeout or 0.0, self.answer_timeout * 5))]

    def _samples(self, deadline: float | None) -> Iterator[Sample]:
        parse = self._parse("SIR")
        self.link.send("SIR")
        self._streaming = True

        def sample(line: str) -> Sample | None:
            reading = parse(line)
            return None if reading is None else [reading]

        yield from self._stream(sample, deadline)

    def stop(self) -> None:
        """``C``: cancel the continuous output, then discard what is still coming."""
        if self._streaming:
            self.link.send("C")
            self._streaming = False
            self.link.drain(quiet=0.05, limit=1.0)
            self.link.flush_input()

    def _command(self, command: str) -> None:
        self.link.send(command)
        try:
            line = self.link.read_line(self.answer_timeout if self.options.get("ack") else 0.2)
        except DeviceTimeout:
            if self.options.get("ack"):
                raise
            return  # acknowledgements off: silence is the normal answer
        _ec_error(line, command, self.port_name)
        if line.strip() != ACK:
            raise GarbledResponse(self.port_name, _("unexpected answer %(line)s to %(command)s",
                                                    line=repr(line), command=repr(command)))

    def zero(self) -> None:
        """``R``: re-zero."""
        self._command("R")
        self.stability.reset()

    def tare(self) -> Reading | None:
        """``T``: tare (the balance does not report the tare value)."""
        self._command("T")
        self.stability.reset()
        return None

    def identify(self) -> DeviceInfo:
        """``?ID`` (lab ID, reported as the model field) and ``?SN`` (serial number)."""

        def field(prefix: str, command: str):  # type: ignore[no-untyped-def]
            def parse(line: str) -> str | None:
                if line.strip() == ACK:
                    return None
                _ec_error(line, command, self.port_name)
                if not line.startswith(prefix + ","):
                    raise GarbledResponse(self.port_name, _("unexpected answer %(line)s to %(command)s",
                                                            line=repr(line), command=repr(command)))
                return line[len(prefix) + 1 :].strip()

            return parse

        lab_id = self._ask("?ID", field("ID", "?ID"))
        serial_number = self._ask("?SN", field("SN", "?SN"))
        return DeviceInfo(manufacturer="A&D", model=lab_id, serial_number=serial_number)
