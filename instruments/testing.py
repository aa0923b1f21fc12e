"""Testing drivers against recorded byte transcripts, without a device.

In the style of pymeasure's and InstrumentKit's ``expected_protocol``: a test lists
exactly what the driver must write and what the device answered, and the driver
runs against that script::

    with expected_protocol(MtSicsBalance, [(b"SI\\r\\n", b"S S     100.00 g\\r\\n")]) as balance:
        assert balance.read()[0].value == 100.0

A write that differs from the script fails the test at once; a script not used up
by the end fails it too. ``(None, b"...")`` entries are output the device sends
unprompted (auto-print, continuous mode). pyserial's ``spy://`` URL records a real
device's traffic for such transcripts.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from serial.serialutil import PortNotOpenError, SerialBase

from instruments.drivers.base import Driver
from instruments.link import to_bytes

D = TypeVar("D", bound=Driver)
Transcript = Sequence[tuple[bytes | None, bytes | None]]


class ScriptedPort(SerialBase):
    """A port that plays a transcript of (written, answered) byte strings."""

    def __init__(self, transcript: Transcript, name: str = "transcript") -> None:
        self._script: deque[tuple[bytes | None, bytes | None]] = deque(transcript)
        self._rx = bytearray()
        self._written = bytearray()
        super().__init__(port=None, timeout=0.01)
        self.port_name = name
        self.is_open = True
        self._pump()

    @property
    def port(self) -> str:
        return self.port_name

    @port.setter
    def port(self, value: object) -> None:
        pass

    @property
    def remaining(self) -> list[tuple[bytes | None, bytes | None]]:
        """Script entries not yet played."""
        return list(self._script)

    def _pump(self) -> None:
        while self._script and self._script[0][0] is None:
            self._rx += self._script.popleft()[1] or b""

    def open(self) -> None:
        self.is_open = True

    def close(self) -> None:
        self.is_open = False

    def _reconfigure_port(self, force_update: bool = False) -> None:
        pass

    @property
    def in_waiting(self) -> int:
        if not self.is_open:
            raise PortNotOpenError()
        return len(self._rx)

    def read(self, size: int = 1) -> bytes:
        if not self.is_open:
            raise PortNotOpenError()
        if not self._rx:
            time.sleep(self.timeout or 0)
            return b""
        data = bytes(self._rx[:size])
        del self._rx[:size]
        return data

    def write(self, data: Any) -> int:
        if not self.is_open:
            raise PortNotOpenError()
        payload = to_bytes(data)
        self._written += payload
        while self._written:
            if not self._script:
                raise AssertionError(f"unexpected write {bytes(self._written)!r}: the transcript has ended")
            expected = self._script[0][0] or b""
            if bytes(self._written) == expected[: len(self._written)] and len(self._written) < len(expected):
                break  # part of a command; wait for the rest
            if not bytes(self._written).startswith(expected):
                raise AssertionError(f"driver wrote {bytes(self._written)!r}, transcript expects {expected!r}")
            del self._written[: len(expected)]
            self._rx += self._script.popleft()[1] or b""
            self._pump()
        return len(payload)

    def reset_input_buffer(self) -> None:
        self._rx.clear()

    def reset_output_buffer(self) -> None:
        pass

    def _update_break_state(self) -> None:
        pass

    def _update_rts_state(self) -> None:
        pass

    def _update_dtr_state(self) -> None:
        pass


@contextmanager
def expected_protocol(
    driver: type[D], transcript: Transcript, *, answer_timeout: float = 0.2, **options: Any
) -> Iterator[D]:
    """Run ``driver`` against ``transcript``; fail if it writes anything else or
    leaves expected exchanges unplayed. ``answer_timeout`` shortens waits for
    answers the transcript leaves out (timeouts)."""
    port = ScriptedPort(transcript, name=f"transcript:{driver.name}")
    device = driver(port, **options)
    device.link.answer_timeout = answer_timeout
    yield device
    left = [entry for entry in port.remaining if entry[0] is not None]
    assert not left, f"the driver did not send {left[0][0]!r} (and {len(left) - 1} more expected writes)"
