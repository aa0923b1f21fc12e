"""Serial line settings of a device (baud rate, framing, handshake).

Drivers declare their factory defaults; a caller may override the baud rate (the
one setting technicians change on the device's menu most often).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import serial


@dataclass(frozen=True, slots=True)
class SerialSettings:
    """Line settings passed to pyserial when the port is opened.

    ``parity`` is one of pyserial's ``"N"``, ``"E"``, ``"O"``; ``stopbits`` 1 or 2.
    """

    baudrate: int = 9600
    bytesize: int = 8
    parity: str = serial.PARITY_NONE
    stopbits: float = 1
    xonxoff: bool = False
    rtscts: bool = False
    dsrdtr: bool = False

    def with_baudrate(self, baudrate: int | None) -> SerialSettings:
        """A copy with another baud rate (``None`` keeps the default)."""
        return self if baudrate is None else replace(self, baudrate=int(baudrate))

    @property
    def bits_per_character(self) -> float:
        """Start bit + data bits + parity bit + stop bits: 10 for 8N1 and 7E1, 11 for 8N2."""
        return 1 + self.bytesize + (0 if self.parity == serial.PARITY_NONE else 1) + self.stopbits

    @property
    def characters_per_second(self) -> float:
        """How many characters the line carries per second at most (9600 8N1: 960/s)."""
        return self.baudrate / self.bits_per_character

    def describe(self) -> str:
        """Short form a technician recognises, e.g. ``"9600 8N1"``."""
        stop = int(self.stopbits) if float(self.stopbits).is_integer() else self.stopbits
        return f"{self.baudrate} {self.bytesize}{self.parity}{stop}"
