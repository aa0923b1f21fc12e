"""The pyserial side of ``mock://``: a :class:`serial.SerialBase` over an :class:`Engine`.

Behaves like pyserial's POSIX port where it matters to drivers: ``read(size)``
blocks until ``size`` bytes or the timeout, ``in_waiting`` counts arrived bytes,
and a disconnected device raises the same :class:`serial.SerialException`
message as an unplugged USB adapter.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from serial.serialutil import PortNotOpenError, SerialBase, SerialException, Timeout

from instruments.link import to_bytes
from instruments.mock import MockUrlError, build
from instruments.mock.engine import Engine

if TYPE_CHECKING:  # pragma: no cover - typing only
    from _typeshed import ReadableBuffer

_GONE = "device reports readiness to read but returned no data (device disconnected or multiple access on port?)"


class MockSerial(SerialBase):
    """A serial port with a simulated device on the other end (``mock://DEVICE?...``)."""

    BAUDRATES = (300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.engine: Engine | None = None
        super().__init__(*args, **kwargs)

    # -- life cycle ----------------------------------------------------------------------------
    def open(self) -> None:
        if self.is_open:
            raise SerialException("Port is already open.")
        if self.port is None:
            raise SerialException("Port must be configured before it can be used.")
        self.engine = self.from_url(self.port)
        self._reconfigure_port()
        self.is_open = True

    def from_url(self, url: str) -> Engine:
        """Build the simulated device described by the URL."""
        try:
            return build(url)
        except MockUrlError as exc:
            raise SerialException(str(exc)) from None

    def close(self) -> None:
        self.is_open = False

    def _reconfigure_port(self, force_update: bool = False) -> None:
        if self.engine is None:
            return
        if not isinstance(self.baudrate, int) or self.baudrate <= 0:
            raise ValueError(f"invalid baud rate: {self.baudrate!r}")
        bits = 1 + self.bytesize + (0 if self.parity == "N" else 1) + self.stopbits
        self.engine.configure(self.baudrate, bits)

    def _engine(self) -> Engine:
        if not self.is_open or self.engine is None:
            raise PortNotOpenError()
        return self.engine

    # -- data ------------------------------------------------------------------------------------
    @property
    def in_waiting(self) -> int:
        engine = self._engine()
        engine.advance(time.monotonic(), 4096)
        if engine.disconnected and not engine.rx:
            raise SerialException(_GONE)
        return len(engine.rx)

    def read(self, size: int = 1) -> bytes:
        engine = self._engine()
        if size <= 0:
            return b""
        # None means no limit, as in pyserial (whose stubs say float only)
        timeout = Timeout(self.timeout)  # type: ignore[arg-type]
        out = bytearray()
        while True:
            now = time.monotonic()
            engine.advance(now, size - len(out))
            if engine.rx:
                out += engine.take(size - len(out))
                if len(out) >= size:
                    break
            if engine.disconnected and not engine.rx:
                if out:
                    break
                raise SerialException(_GONE)
            if timeout.expired():
                break
            arrival = engine.next_arrival()
            left = timeout.time_left()
            waits = [w for w in (None if arrival is None else arrival - now, left) if w is not None]
            time.sleep(max(0.0, min(waits)) if waits else 0.05)
        return bytes(out)

    def write(self, data: ReadableBuffer) -> int:
        engine = self._engine()
        if engine.disconnected:
            raise SerialException("write failed: [Errno 5] Input/output error")
        payload = to_bytes(data)
        engine.receive(payload, time.monotonic())
        return len(payload)

    def reset_input_buffer(self) -> None:
        self._engine().flush_input(time.monotonic())

    def reset_output_buffer(self) -> None:
        self._engine()

    @property
    def out_waiting(self) -> int:
        self._engine()
        return 0

    # -- modem lines: the simulated device is always ready ----------------------------------------
    def _update_break_state(self) -> None:
        pass

    def _update_rts_state(self) -> None:
        pass

    def _update_dtr_state(self) -> None:
        pass

    @property
    def cts(self) -> bool:
        self._engine()
        return True

    @property
    def dsr(self) -> bool:
        self._engine()
        return True

    @property
    def ri(self) -> bool:
        self._engine()
        return False

    @property
    def cd(self) -> bool:
        self._engine()
        return True
