"""Simulated Sartorius balance with SBI output.

Lines as the Sartorius manuals give them: 16 characters ``+   123.56 g  `` (sign,
space, 8-character value, space, 3-character unit, CR LF), or 22 with a 6-character
ID in front (``format=22``); a blank unit while unstable; ``High``/``Low``/``Err``
in place of the value. Commands are ESC sequences (``ESC P``, ``ESC T``, ``ESC U``,
``ESC V``, ``ESC x1_``/``x2_``/``x3_``); CR and LF between them are ignored.
Options: ``weight``, ``capacity``, ``settle``, ``noise``, ``format`` (16 or 22),
``mode`` (``print``: a line per ``ESC P``; ``auto``: prints continuously, ``ESC P``
toggles), ``model``, ``serial``, ``software``. Device faults: ``unstable``,
``overload``, ``underload``, ``error`` (``Err 54``).
"""

from __future__ import annotations

import random
from typing import Any

from instruments.mock import register_device
from instruments.mock.balance import SimulatedBalance, weighing_options
from instruments.mock.device import Reply
from instruments.mock.faults import FaultPlan
from instruments.mock.options import Option, choice, text

ESC = 0x1B


@register_device
class SbiDevice(SimulatedBalance):
    """A Sartorius balance (220 g, 0.01 g by default)."""

    name = "sbi"
    title = "Sartorius balance, SBI"
    options = {
        **weighing_options(),
        "format": Option(choice("16", "22"), "16", "line length: 16 or 22 characters"),
        "mode": Option(choice("print", "auto"), "print", "print on request or continuously"),
        "model": Option(text, "BCE224I-1S", "answer to ESC x1_"),
        "serial": Option(text, "0037512345", "answer to ESC x2_"),
        "software": Option(text, "00-20-04.30", "answer to ESC x3_"),
    }
    device_faults = frozenset({"unstable", "overload", "underload", "error"})

    def __init__(self, params: dict[str, Any], rng: random.Random, faults: FaultPlan) -> None:
        super().__init__(params, rng, faults)
        self.streaming = params["mode"] == "auto"

    def feed(self, data: bytes) -> list[Reply]:
        buf = self._inbuf
        buf += data
        replies: list[Reply] = []
        while buf:
            start = buf.find(bytes([ESC]))
            if start < 0:
                buf.clear()
                break
            del buf[:start]
            if len(buf) < 2:
                break
            if buf[1:2] == b"x":
                if len(buf) < 4:
                    break
                command = bytes(buf[1:4]).decode("ascii", "replace")
                del buf[:4]
            else:
                command = chr(buf[1])
                del buf[:2]
            reply = self.handle(command)
            if reply is not None:
                replies.append(reply)
        return replies

    def _status_line(self, word: str) -> str:
        body = f"  {word:>8}    "
        return f"Stat  {body}" if self.params["format"] == "22" else body

    def _display(self) -> str:
        cell = self.cell
        if self.faults.active("error"):
            return self._status_line("Err 54")
        if cell.over():
            return self._status_line("High")
        if cell.under():
            return self._status_line("Low")
        value, stable = cell.update()
        sign = "-" if value < 0 else "+"
        unit = f"{self.unit:<3}" if stable else "   "
        body = f"{sign} {abs(value):>8.{self.decimals}f} {unit}"
        if self.params["format"] == "22":
            ident = "N" if cell.tare_weight else "G"
            body = f"{ident:<6}{body}"
        return body

    def handle(self, command: str) -> Reply | None:
        if command == "P":
            if self.params["mode"] == "auto":
                self.streaming = not self.streaming
                return None
            return self.reply(self._display())
        if command in {"T", "U", "V"}:
            if command == "V" or (
                command == "T" and abs(self.cell.gross - self.cell.zero_offset) <= 0.02 * self.cell.capacity
            ):
                self.cell.zero()
            else:
                self.cell.tare()
            return None
        if command == "x1_":
            return self.reply(self.params["model"])
        if command == "x2_":
            return self.reply(self.params["serial"])
        if command == "x3_":
            return self.reply(self.params["software"])
        return None  # ESC Z (adjustment) and unknown commands: no answer

    def next_stream_line(self) -> bytes:
        return self.line(self._display())
