"""Simulated Mettler Toledo balance answering MT-SICS level 0/1.

Answers as the MT-SICS reference manual gives them: ``S S     100.00 g`` (10-character
right-aligned weight field, sign inside), ``S D`` while dynamic, ``S I``/``S +``/``S -``,
``ES``/``ET``/``EL``; ``@`` resets and answers ``I4 A "<serial>"``; ``SIR`` streams
until ``@``, ``S``, ``SI`` or ``SR``. Options: ``weight`` (e.g. ``100.00g``; the decimals
set the display resolution), ``capacity``, ``settle`` (dynamic readings before stable),
``noise``, ``serial``, ``model``, ``software``, ``stime`` (seconds ``S`` waits before
``S I`` when the balance never settles and ``interval`` is set).
Device faults: ``unstable``, ``overload``, ``underload``, ``error`` (= ``el``), ``es``,
``et``, ``el`` (that error answer to every command).
"""

from __future__ import annotations

from instruments.mock import register_device
from instruments.mock.balance import SimulatedBalance, weighing_options
from instruments.mock.device import Reply
from instruments.mock.options import Option, non_negative, text


@register_device
class MtSicsDevice(SimulatedBalance):
    """A Mettler Toledo balance (WXS205-like by default: 220 g capacity, 0.01 g display)."""

    name = "mt-sics"
    title = "Mettler Toledo balance, MT-SICS level 0/1"
    options = {
        **weighing_options(),
        "serial": Option(text, "0123456789", "serial number answered to I4"),
        "model": Option(text, "WXS205SDU WXA-Bridge", "balance type answered to I2"),
        "software": Option(text, "2.20 1.00", "software version answered to I3"),
        "stime": Option(non_negative(float), 1.0, "seconds before S gives up with S I"),
    }
    device_faults = frozenset({"unstable", "overload", "underload", "error", "es", "et", "el"})

    # -- formatting -----------------------------------------------------------------------------
    def _weight_line(self, ident: str, status: str, value: float) -> str:
        return f"{ident} {status} {value:>10.{self.decimals}f} {self.unit}"

    def _display(self) -> str:
        cell = self.cell
        if cell.over():
            return "S +"
        if cell.under():
            return "S -"
        value, stable = cell.update()
        return self._weight_line("S", "S" if stable else "D", value)

    def _error_answer(self) -> str | None:
        for kind, answer in (("es", "ES"), ("et", "ET"), ("el", "EL"), ("error", "EL")):
            if self.faults.active(kind):
                return answer
        return None

    # -- commands -------------------------------------------------------------------------------
    def handle(self, command: str) -> Reply | None:
        command = command.strip()
        error = self._error_answer()
        if error is not None:
            return self.reply(error)
        if command != "SIR" and self.streaming and command in {"@", "S", "SI", "SR"}:
            self.streaming = False
        handler = getattr(self, f"_cmd_{command}", None) if command.isalnum() or command == "@" else None
        if command == "@":
            self.streaming = False
            return self.reply(f'I4 A "{self.params["serial"]}"')
        if handler is None:
            return self.reply("ES")
        reply: Reply = handler()
        return reply

    def _cmd_I1(self) -> Reply:
        return self.reply('I1 A "01" "2.20" "2.20" "1.00" "1.00"')

    def _cmd_I2(self) -> Reply:
        capacity = self.cell.capacity
        return self.reply(f'I2 A "{self.params["model"]} {capacity:.{self.decimals}f} {self.unit}"')

    def _cmd_I3(self) -> Reply:
        return self.reply(f'I3 A "{self.params["software"]}"')

    def _cmd_I4(self) -> Reply:
        return self.reply(f'I4 A "{self.params["serial"]}"')

    def _cmd_SI(self) -> Reply:
        return self.reply(self._display())

    def _cmd_S(self) -> Reply:
        cell = self.cell
        if self.faults.active("unstable"):
            return self.reply("S I", after=self.params["stime"] if self.interval else 0.0)
        waited = cell.settle_now() * self.interval
        return self.reply(self._display(), after=waited)

    def _cmd_SIR(self) -> Reply:
        self.streaming = True
        return Reply()

    def next_stream_line(self) -> bytes:
        return self.line(self._display())

    def _cmd_Z(self) -> Reply:
        if self.faults.active("unstable"):
            return self.reply("Z I")
        if not self.cell.zero():
            return self.reply("Z +" if self.cell.gross > 0 else "Z -")
        return self.reply("Z A")

    def _cmd_T(self) -> Reply:
        if self.faults.active("unstable"):
            return self.reply("T I")
        if not self.cell.tare():
            return self.reply("T +" if self.cell.gross > 0 else "T -")
        return self.reply(self._weight_line("T", "S", self.cell.tare_weight))

    def _cmd_TA(self) -> Reply:
        return self.reply(self._weight_line("TA", "A", self.cell.tare_weight))

    def _cmd_TAC(self) -> Reply:
        self.cell.tare_weight = 0.0
        return self.reply("TAC A")
