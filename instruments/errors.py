"""Errors raised by the instruments package.

Every error names the port and says what went wrong in words a technician can act
on. Each class is a :class:`lims.errors.LimsError` (a module that imports nothing),
whose ``status`` the web layer's one handler answers with: the device or its link at
fault is a 5xx (503 port or link gone, 504 no answer, 502 an answer that cannot be
used), a request the driver or device cannot carry out a 4xx. Each class also inherits
the closest built-in exception (``TimeoutError``, ``ConnectionError``, ``ValueError``,
``LookupError``) so generic code can catch it too. Nothing here is ever turned into a
reading: a caller that gets an error has no value to record.
"""

from __future__ import annotations

from lims.errors import LimsError


class InstrumentError(LimsError):
    """Base class: something went wrong talking to a measuring device.

    ``port`` is the port path or URL (``/dev/ttyUSB0``, ``mock://mt-sics``);
    ``cause`` is the human explanation. ``str(error)`` is ``"<port>: <cause>"``.
    """

    status = 503
    code = "device_unavailable"

    def __init__(self, port: str, cause: str) -> None:
        self.port = port
        self.cause = cause
        super().__init__(f"{port}: {cause}" if port else cause, detail={"port": port} if port else None)

    def __str__(self) -> str:
        return str(self.args[0])


class PortError(InstrumentError, OSError):
    """The port could not be opened or configured (missing, busy, bad URL)."""


class DeviceTimeout(InstrumentError, TimeoutError):
    """The device did not answer (or sent nothing) within the time allowed."""

    status = 504
    code = "device_timeout"


class Disconnected(InstrumentError, ConnectionError):
    """The device went away while we were talking to it (cable pulled, USB reset)."""


class GarbledResponse(InstrumentError, ValueError):
    """Bytes arrived but do not form a line the driver understands.

    Usually a wrong baud rate, parity or line ending, or electrical noise.
    """

    status = 502
    code = "device_garbled"


class IncompleteLine(GarbledResponse):
    """Part of a line arrived, then nothing: the line end never came."""


class DeviceError(InstrumentError):
    """The device answered with an error or refused the command."""

    status = 502
    code = "device_error"


class OutOfRange(DeviceError):
    """The device reports the value outside its measuring range (the load, not the link, is at fault)."""

    status = 422
    code = "out_of_range"


class Overload(OutOfRange):
    """Above the device's range (MT-SICS ``S +``, SBI ``High``, A&D ``OL``)."""


class Underload(OutOfRange):
    """Below the device's range (MT-SICS ``S -``, SBI ``Low``)."""


class NotStable(InstrumentError):
    """No stable reading came within the time or number of readings allowed."""

    status = 422
    code = "not_stable"


class NotSupported(InstrumentError):
    """The driver or device has no such command (e.g. tare on a multimeter)."""

    status = 422
    code = "not_supported"


class WrongDevice(InstrumentError):
    """The device on the port is not the instrument being recorded."""

    status = 409
    code = "wrong_device"


class UnknownDriver(InstrumentError, LookupError):
    """No driver is registered under the requested name."""

    status = 422
    code = "invalid"


class InvalidOption(InstrumentError, ValueError):
    """A driver option has an unknown name or a value of the wrong kind."""

    status = 422
    code = "invalid"
