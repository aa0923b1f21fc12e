"""Simulated A&D balance (FX-i / GX-A style) with the A&D standard format.

Data lines ``ST,+00123.45  g`` / ``US,...`` / ``OL,+9999999E+19`` with CR LF;
commands ``Q``, ``S``, ``SIR``, ``C``, ``R``/``Z``, ``T``, ``?ID``, ``?SN`` end with
CR LF. With ``ack=yes`` the balance answers ``R``, ``Z``, ``T`` and ``C`` with ACK
(0x06) CR LF; an unknown command gets ``EC,E1``. Options: ``weight``, ``capacity``,
``settle``, ``noise``, ``ack``, ``id``, ``serial``. Device faults: ``unstable``,
``overload``, ``underload``, ``error`` (``EC,E2`` not ready, to every command).
"""

from __future__ import annotations

from instruments.mock import register_device
from instruments.mock.balance import SimulatedBalance, weighing_options
from instruments.mock.device import Reply
from instruments.mock.options import Option, boolean, text


@register_device
class AndDevice(SimulatedBalance):
    """An A&D balance (220 g, 0.01 g by default)."""

    name = "and"
    title = "A&D balance, standard format"
    options = {
        **weighing_options(),
        "ack": Option(boolean, False, "acknowledge commands with ACK"),
        "id": Option(text, "LABO", "answer to ?ID"),
        "serial": Option(text, "T1234567", "answer to ?SN"),
    }
    device_faults = frozenset({"unstable", "overload", "underload", "error"})

    def _display(self) -> str:
        cell = self.cell
        if cell.over():
            return "OL,+9999999E+19"
        if cell.under():
            return "OL,-9999999E+19"
        value, stable = cell.update()
        sign = "-" if value < 0 else "+"
        return f"{'ST' if stable else 'US'},{sign}{abs(value):08.{self.decimals}f}{self.unit:>3}"

    def _ack(self) -> Reply:
        return Reply([b"\x06\r\n"]) if self.params["ack"] else Reply()

    def handle(self, command: str) -> Reply | None:
        command = command.strip().upper()
        if self.faults.active("error"):
            return self.reply("EC,E2")
        if command == "Q":
            return self.reply(self._display())
        if command == "S":
            if self.faults.active("unstable"):
                return None  # waits for stability that never comes
            self.cell.settle_now()
            return self.reply(self._display())
        if command == "SIR":
            self.streaming = True
            return None
        if command == "C":
            self.streaming = False
            return self._ack()
        if command in {"R", "Z"}:
            return self._ack() if self.cell.zero() else self.reply("EC,E7")
        if command == "T":
            return self._ack() if self.cell.tare() else self.reply("EC,E7")
        if command == "?ID":
            return self.reply(f"ID,{self.params['id']}")
        if command == "?SN":
            return self.reply(f"SN,{self.params['serial']}")
        return self.reply("EC,E1")

    def next_stream_line(self) -> bytes:
        return self.line(self._display())
