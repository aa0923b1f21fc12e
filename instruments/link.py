"""Opening a port and reading whole lines from it, robustly and fast.

pyserial's own ``read_until`` reads one byte per call; :class:`Link` reads what
the port has waiting in one call and splits lines itself, which keeps up with a
balance streaming at any baud rate. It enforces an overall deadline per line (a
line that never ends is an error, never a reading), decodes strictly as ASCII
(a byte outside ASCII means a wrong baud rate or parity), and turns every
pyserial or OS error into our own :mod:`instruments.errors`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import time
from typing import TYPE_CHECKING, Protocol

import serial

from instruments.errors import (
    DeviceTimeout,
    Disconnected,
    GarbledResponse,
    IncompleteLine,
    InstrumentError,
    PortError,
)
from instruments.settings import SerialSettings
from lims.i18n import _

if TYPE_CHECKING:  # pragma: no cover - typing only
    from _typeshed import ReadableBuffer

#: How long one ``port.read`` may block; the line deadline is checked between polls.
POLL_SECONDS = 0.02
#: Time allowed to hand a command to the port before we call the device blocked.
WRITE_TIMEOUT_SECONDS = 2.0
#: Controls that may appear inside a line (tab; ACK as A&D balances send it).
_ALLOWED_CONTROLS = str.maketrans("", "", "\t\x06\x15")


class Port(Protocol):
    """What drivers use of an open port: a pyserial ``Serial``, the ``mock://`` port, a transcript.

    pyserial's ``SerialBase`` leaves ``in_waiting`` and ``reset_input_buffer`` to each
    platform's class, so this names the surface every such port has.
    """

    @property
    def in_waiting(self) -> int: ...
    @property
    def baudrate(self) -> int: ...
    @property
    def bytesize(self) -> int: ...
    @property
    def parity(self) -> str: ...
    @property
    def stopbits(self) -> float: ...
    def read(self, size: int = 1, /) -> bytes: ...
    def write(self, data: bytes, /) -> int | None: ...
    def reset_input_buffer(self) -> None: ...
    def close(self) -> None: ...


def to_bytes(data: ReadableBuffer | str) -> bytes:
    """The bytes a port's ``write`` sends, as pyserial's own ``to_bytes``: text is refused."""
    if isinstance(data, str):
        raise TypeError(f"unicode strings are not supported, please encode to bytes: {data!r}")
    return bytes(data)


def open_port(port: str, settings: SerialSettings) -> Port:
    """Open a device path (``/dev/ttyUSB0``, ``COM3``) or any pyserial URL.

    Device files are locked for exclusive use on POSIX so a second program cannot
    steal lines. Raises :class:`PortError` with advice when the port cannot be used.
    """
    import instruments  # noqa: F401  (registers the mock:// URL handler with pyserial)

    # None is pyserial's default: URLs (mock://, socket://) and Windows ports take no lock.
    exclusive = True if "://" not in port and os.name == "posix" else None
    try:
        return serial.serial_for_url(
            port,
            baudrate=settings.baudrate,
            bytesize=settings.bytesize,
            parity=settings.parity,
            stopbits=settings.stopbits,
            xonxoff=settings.xonxoff,
            rtscts=settings.rtscts,
            dsrdtr=settings.dsrdtr,
            timeout=POLL_SECONDS,
            write_timeout=WRITE_TIMEOUT_SECONDS,
            exclusive=exclusive,
        )
    except (serial.SerialException, OSError, ValueError) as exc:
        raise PortError(port, _explain_open_error(exc, settings)) from exc


def _explain_open_error(exc: Exception, settings: SerialSettings) -> str:
    code = getattr(exc, "errno", None)
    text = str(exc)
    if code == errno.ENOENT or "No such file" in text:
        return _("no such port: is the device plugged in and switched on? Check the port name in the workstation "
                 "settings.")
    if code == errno.EACCES or "Permission denied" in text:
        return _("permission denied: the user needs access to serial ports (on Linux, the 'dialout' group)")
    if code == errno.EBUSY or "exclusively lock" in text or "Device or resource busy" in text:
        return _("the port is in use by another program; close it and try again")
    if isinstance(exc, ValueError):
        return _("invalid serial settings %(settings)s: %(reason)s", settings=settings.describe(), reason=text)
    return _("cannot open the port: %(reason)s", reason=text)


class Link:
    """Line-oriented conversation with one device over an open pyserial port.

    ``write_terminator`` ends every command sent; ``read_terminator`` ends every
    line received; a line longer than ``max_line`` bytes without a terminator is
    garbage. ``answer_timeout`` is the default wait for one line, in seconds.
    """

    def __init__(
        self,
        port: Port,
        *,
        write_terminator: bytes = b"\r\n",
        read_terminator: bytes = b"\r\n",
        max_line: int = 512,
        answer_timeout: float = 2.0,
    ) -> None:
        self.port = port
        self.name = str(getattr(port, "port", None) or getattr(port, "name", "") or "serial port")
        self.write_terminator = write_terminator
        self.read_terminator = read_terminator
        self.max_line = max_line
        self.answer_timeout = answer_timeout
        self._buf = bytearray()
        # a device ending lines with LF may still put CR before it
        self._strip_cr = read_terminator == b"\n"

    # -- writing -----------------------------------------------------------------
    def write(self, data: bytes) -> None:
        """Send raw bytes (commands already framed)."""
        try:
            self.port.write(data)
        except serial.SerialTimeoutException as exc:
            raise DeviceTimeout(
                self.name, _("the device does not accept data (handshake lines RTS/CTS or DTR/DSR blocked?)")
            ) from exc
        except (serial.SerialException, OSError) as exc:
            raise Disconnected(
                self.name, _("writing to the device failed (%(reason)s); is the cable still connected?", reason=exc)
            ) from exc

    def send(self, command: str) -> None:
        """Send one ASCII command followed by the write terminator."""
        self.write(command.encode("ascii") + self.write_terminator)

    # -- reading -----------------------------------------------------------------
    def read_line(self, timeout: float | None = None, *, deadline: float | None = None) -> str:
        """The next complete line, decoded, without its terminator.

        Waits at most ``timeout`` seconds (default ``answer_timeout``) or until the
        monotonic ``deadline``, whichever comes first. Raises
        :class:`DeviceTimeout` if nothing came, :class:`IncompleteLine` if part of a
        line came, :class:`GarbledResponse` for bytes that are not an ASCII line,
        :class:`Disconnected` if the port failed.
        """
        buf = self._buf
        term = self.read_terminator
        end = buf.find(term)
        if end < 0:
            limit = time.monotonic() + (self.answer_timeout if timeout is None else timeout)
            if deadline is not None and deadline < limit:
                limit = deadline
            end = self._fill(limit)
        raw = bytes(buf[:end])
        del buf[: end + len(term)]
        if self._strip_cr and raw.endswith(b"\r"):
            raw = raw[:-1]
        return self._decode(raw)

    def query(self, command: str, timeout: float | None = None) -> str:
        """Send a command and return the first line of the answer."""
        self.send(command)
        return self.read_line(timeout)

    def _fill(self, limit: float) -> int:
        buf = self._buf
        term = self.read_terminator
        port = self.port
        start = max(0, len(buf) - len(term) + 1)
        while True:
            try:
                waiting = port.in_waiting
                chunk = port.read(waiting if waiting > 0 else 1)
            except (serial.SerialException, OSError) as exc:
                partial = bytes(buf)
                buf.clear()
                where = _(" in the middle of a line (%(partial)s)", partial=repr(partial)) if partial else ""
                raise Disconnected(self.name, _("the device disconnected%(where)s: %(exc)s",
                                                where=where, exc=exc)) from exc
            if chunk:
                buf += chunk
                end = buf.find(term, start)
                if end >= 0:
                    return end
                start = max(0, len(buf) - len(term) + 1)
                if len(buf) > self.max_line:
                    sample = bytes(buf[:40])
                    buf.clear()
                    raise GarbledResponse(
                        self.name,
                        _("no line end in %(max_line)s bytes (starts %(sample)s): check the baud rate, "
                          "parity and line-end settings", max_line=self.max_line, sample=repr(sample)),
                    )
            if time.monotonic() >= limit:
                if buf:
                    partial = bytes(buf)
                    buf.clear()
                    raise IncompleteLine(
                        self.name, _("incomplete line %(partial)s: the rest never arrived (device "
                                     "reset or cable fault?)", partial=repr(partial))
                    )
                raise DeviceTimeout(
                    self.name, _("no answer from the device: check it is switched on, the cable, and the baud rate")
                )

    def _decode(self, raw: bytes) -> str:
        if raw.isascii():
            text = raw.decode("ascii")
            if text.isprintable() or text.translate(_ALLOWED_CONTROLS).isprintable():
                return text
        raise GarbledResponse(
            self.name, _("garbled line %(raw)s: check the baud rate, data bits and parity match the "
                         "device", raw=repr(raw))
        )

    # -- housekeeping --------------------------------------------------------------
    def flush_input(self) -> None:
        """Discard everything received and not yet read."""
        self._buf.clear()
        try:
            self.port.reset_input_buffer()
        except (serial.SerialException, OSError) as exc:
            raise Disconnected(self.name, _("the port failed (%(reason)s)", reason=exc)) from exc

    def drain(self, quiet: float = 0.05, limit: float = 1.0) -> None:
        """Read and discard until nothing arrives for ``quiet`` seconds (at most ``limit``)."""
        self._buf.clear()
        end = time.monotonic() + limit
        last = time.monotonic()
        while time.monotonic() < end:
            try:
                waiting = self.port.in_waiting
                chunk = self.port.read(waiting if waiting > 0 else 1)
            except (serial.SerialException, OSError) as exc:
                raise Disconnected(self.name, _("the device disconnected: %(reason)s", reason=exc)) from exc
            now = time.monotonic()
            if chunk:
                last = now
            elif now - last >= quiet:
                return

    def close(self) -> None:
        """Close the port; never raises (it is called on the way out of errors)."""
        with contextlib.suppress(Exception):  # closing must not hide the error being reported
            self.port.close()


def as_instrument_error(port: str, exc: BaseException) -> InstrumentError:
    """Wrap an unexpected pyserial/OS error so callers only ever see our errors."""
    if isinstance(exc, InstrumentError):
        return exc
    return Disconnected(port, f"the port failed: {exc}")
