"""Fault injection for simulated devices, chosen in the URL.

``fault=KIND[,KIND...]`` with ``after=N`` (lines sent normally first, default 0) and
``times=N`` (how many lines a line fault hits before the device behaves again;
default: all of them).

Line faults, applied by the port to what the device sends:

- ``timeout``: the device stays silent (no answer).
- ``garbled``: every third byte gets its top bit set, as with a wrong baud rate or parity.
- ``partial``: only the first half of the line is sent, without its line end.
- ``disconnect``: half a line is sent, then the port fails as when a cable is pulled.

Device faults, simulated by the devices that support them (see each device):
``unstable`` (never settles), ``overload``, ``underload``, ``error`` (the device's own
error answer; MT-SICS also ``es``, ``et``, ``el``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

LINE_FAULTS = frozenset({"timeout", "garbled", "partial", "disconnect"})


def garble(line: bytes, terminator: bytes) -> bytes:
    """Corrupt a line the way a baud-rate or parity mismatch does (bytes outside ASCII)."""
    body = line[: -len(terminator)] if terminator and line.endswith(terminator) else line
    mangled = bytes((b | 0x80) if i % 3 == 1 else b for i, b in enumerate(body))
    if mangled == body:  # a one-byte line: make sure it is visibly wrong
        mangled = bytes(b | 0x80 for b in body) or b"\xff"
    return mangled + terminator


@dataclass(slots=True)
class FaultPlan:
    """Which faults are on, and the counters deciding when they bite."""

    kinds: frozenset[str] = frozenset()
    after: int = 0
    times: int | None = None
    lines_sent: int = 0
    hits: int = field(default=0)

    def active(self, kind: str) -> bool:
        """Is this fault in effect now (after ``after`` good lines)?"""
        return kind in self.kinds and self.lines_sent >= self.after

    def transform(self, line: bytes, terminator: bytes) -> tuple[bytes, bool]:
        """Apply line faults to one outgoing line: (bytes to send, disconnect afterwards)."""
        kinds = self.kinds
        if not kinds or self.lines_sent < self.after or not (kinds & LINE_FAULTS):
            self.lines_sent += 1
            return line, False
        if self.times is not None and self.hits >= self.times:
            self.lines_sent += 1
            return line, False
        self.lines_sent += 1
        self.hits += 1
        half = line[: max(1, (len(line) - len(terminator)) // 2)]
        if "timeout" in kinds:
            return b"", False
        if "disconnect" in kinds:
            return half, True
        if "partial" in kinds:
            return half, False
        return garble(line, terminator), False
