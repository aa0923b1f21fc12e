"""The driver base class: what every device driver offers the rest of the program.

A driver wraps an open pyserial port and speaks one device family's protocol.
It returns *samples*: a list of :class:`~instruments.reading.Reading`, one per
channel (a balance has one channel, a thermo-hygrometer two). Stability comes
from the device's own flag when it has one, otherwise from the N-in-band rule of
:class:`~instruments.stability.StabilityDetector`.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from instruments.errors import (
    DeviceTimeout,
    GarbledResponse,
    InstrumentError,
    InvalidOption,
    NotStable,
    NotSupported,
)
from instruments.link import Link, Port
from instruments.reading import Reading
from instruments.settings import SerialSettings
from instruments.stability import StabilityDetector
from lims.i18n import _, gettext

Sample = list[Reading]
T = TypeVar("T")
OnReading = Callable[[Reading], None]


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """What a device says about itself (fields it cannot tell are ``None``)."""

    model: str | None = None
    serial_number: str | None = None
    firmware: str | None = None
    manufacturer: str | None = None
    capacity: float | None = None
    unit: str | None = None


def _to_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError(_("expected yes/no, got %(text)s", text=repr(text)))


#: Converters for option values given as text (``lims read --option band=0.02``).
CONVERTERS: dict[type, Callable[[str], Any]] = {int: int, float: float, str: str, bool: _to_bool}


class Driver(ABC):
    """Base class of all device drivers.

    Subclasses set the class attributes and implement :meth:`_read_now`; stream-
    capable devices override :meth:`_samples` and :meth:`stop`.
    """

    #: registry name, e.g. ``"mt-sics"``
    name: ClassVar[str]
    #: other names accepted by the registry
    aliases: ClassVar[tuple[str, ...]] = ()
    #: one line for listings, e.g. ``"Mettler Toledo balance, MT-SICS level 0/1"``
    title: ClassVar[str]
    #: factory line settings of the device
    settings: ClassVar[SerialSettings] = SerialSettings()
    write_terminator: ClassVar[bytes] = b"\r\n"
    read_terminator: ClassVar[bytes] = b"\r\n"
    #: the device flags its own readings stable/unstable
    has_stable_flag: ClassVar[bool] = False
    #: seconds to wait for one answer line
    answer_timeout: float = 2.0
    #: resend a query this many times after a garbled or incomplete answer
    retries: ClassVar[int] = 2
    #: consecutive unreadable lines tolerated in a stream before giving up
    max_bad_lines: ClassVar[int] = 3
    #: extra options of the subclass: name -> type (int, float, str, bool)
    option_types: ClassVar[Mapping[str, type]] = {}
    #: defaults of the software stability rule (devices without a flag)
    stable_count_default: ClassVar[int] = 3
    stable_relative_default: ClassVar[float] = 0.0

    def __init__(self, port: Port, **options: Any) -> None:
        opts = self._coerce_options(port, options)
        self.link = Link(
            port,
            write_terminator=self.write_terminator,
            read_terminator=self.read_terminator,
            answer_timeout=self.answer_timeout,
        )
        self.stability = StabilityDetector(
            count=opts.pop("stable_count", self.stable_count_default),
            band=opts.pop("stable_band", None),
            relative=opts.pop("stable_relative", self.stable_relative_default),
        )
        self.options: dict[str, Any] = opts
        self._streaming = False

    # -- options -------------------------------------------------------------------
    @classmethod
    def all_option_types(cls) -> dict[str, type]:
        """Every option this driver accepts, with its type."""
        return {"stable_count": int, "stable_band": float, "stable_relative": float, **cls.option_types}

    @classmethod
    def _coerce_options(cls, port: Port, options: Mapping[str, Any]) -> dict[str, Any]:
        types = cls.all_option_types()
        out: dict[str, Any] = {}
        for key, value in options.items():
            kind = types.get(key)
            if kind is None:
                known = ", ".join(sorted(types)) or _("none")
                raise InvalidOption(
                    str(getattr(port, "port", "")), _("driver %(name)s has no option %(key)s (options: "
                                                      "%(known)s)", name=cls.name, key=repr(key), known=known)
                )
            try:
                out[key] = CONVERTERS[kind](value) if isinstance(value, str) else kind(value)
            except (TypeError, ValueError) as exc:
                raise InvalidOption(str(getattr(port, "port", "")), f"option {key}={value!r}: {exc}") from exc
        return out

    # -- life cycle ------------------------------------------------------------------
    @property
    def port_name(self) -> str:
        """The port path or URL, as used in error messages."""
        return self.link.name

    def initialise(self) -> None:
        """Bring the device to a known state after the port opened (default: flush input)."""
        self.link.flush_input()

    def identify(self) -> DeviceInfo:
        """Ask the device for model, serial number and firmware."""
        raise NotSupported(self.port_name, _("the %(name)s driver cannot ask the device who it is", name=self.name))

    def zero(self) -> None:
        """Set the display to zero."""
        raise NotSupported(self.port_name, _("the %(name)s driver has no zero command", name=self.name))

    def tare(self) -> Reading | None:
        """Tare the current load; returns the tare value when the device reports it."""
        raise NotSupported(self.port_name, _("the %(name)s driver has no tare command", name=self.name))

    def stop(self) -> None:
        """Stop a continuous output started by :meth:`samples` (default: nothing to stop)."""
        self._streaming = False

    def close(self) -> None:
        """Stop any stream (quietly) and close the port."""
        self.stop_quietly()
        self.link.close()

    def __enter__(self) -> Driver:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def stop_quietly(self) -> None:
        """:meth:`stop`, ignoring device errors (used on the way out of another error)."""
        if not self._streaming:
            return
        try:
            self.stop()
        except InstrumentError:
            self._streaming = False

    # -- readings ------------------------------------------------------------------------
    @abstractmethod
    def _read_now(self, timeout: float | None) -> Sample:
        """Ask for one immediate sample (stable or not) and return it unmarked."""

    def _read_stable_native(self, timeout: float | None) -> Sample | None:
        """Use the device's own 'send when stable' command; ``None`` if it has none."""
        return None

    def _samples(self, deadline: float | None) -> Iterator[Sample]:
        """Continuous samples, unmarked (default: poll :meth:`_read_now`)."""
        while True:
            yield self._read_now(self._time_left(deadline))

    def _mark(self, sample: Sample) -> Sample:
        if self.has_stable_flag:
            return sample
        check = self.stability.check
        return [check(r) for r in sample]

    def read(self, *, stable: bool = False, timeout: float | None = None) -> Sample:
        """One sample. With ``stable=True``, wait (at most ``timeout`` s) for a stable one.

        The device's own stable command is used where there is one; otherwise the
        device is polled until the N-in-band rule is met, or :class:`NotStable`.
        """
        if not stable:
            return self._mark(self._read_now(timeout))
        native = self._read_stable_native(timeout)
        if native is not None:
            return native
        limit = self.answer_timeout * 5 if timeout is None else timeout
        return self.collect(1, until_stable=True, timeout=limit)

    def samples(self, deadline: float | None = None) -> Generator[Sample, None, None]:
        """Samples as the device produces them, stability marked, until the monotonic
        ``deadline`` (a device silent past it raises :class:`DeviceTimeout`)."""
        if self.has_stable_flag:
            yield from self._samples(deadline)
            return
        check = self.stability.check
        for sample in self._samples(deadline):
            yield [check(r) for r in sample]

    def collect(
        self,
        count: int = 1,
        *,
        until_stable: bool = True,
        timeout: float = 5.0,
        on_reading: OnReading | None = None,
        max_readings: int | None = 1000,
    ) -> list[Reading]:
        """Read ``count`` samples (stable ones if ``until_stable``) within ``timeout`` s.

        Every reading, stable or not, is passed to ``on_reading`` as it arrives;
        the returned list holds only the accepted ones (all channels of each
        accepted sample, in order). Raises :class:`NotStable` when readings keep
        coming but none settles within the time or ``max_readings``.
        """
        if count < 1:
            raise ValueError(_("count must be at least 1, got %(count)s", count=count))
        deadline = time.monotonic() + timeout
        accepted: list[Reading] = []
        taken = seen = 0
        last: Sample | None = None
        stream = self.samples(deadline)
        try:
            for sample in stream:
                seen += 1
                last = sample
                if on_reading is not None:
                    for reading in sample:
                        on_reading(reading)
                if not until_stable or all(r.stable for r in sample):
                    accepted.extend(sample)
                    taken += 1
                    if taken == count:
                        return accepted
                if max_readings is not None and seen >= max_readings and until_stable:
                    cause = self._not_stable_cause(last, gettext("after %(n)s readings", n=seen))
                    raise NotStable(self.port_name, cause)
                if time.monotonic() >= deadline:
                    raise self._out_of_time(last, timeout, until_stable)
        except DeviceTimeout as exc:
            if last is not None and time.monotonic() >= deadline:
                raise self._out_of_time(last, timeout, until_stable) from exc
            raise
        finally:
            stream.close()
            self.stop_quietly()
        raise DeviceTimeout(self.port_name, gettext("the device stopped sending readings"))  # pragma: no cover

    def _out_of_time(self, last: Sample, timeout: float, until_stable: bool) -> InstrumentError:
        if until_stable:
            return NotStable(self.port_name, self._not_stable_cause(last, gettext("within %(s)s s", s=f"{timeout:g}")))
        return DeviceTimeout(self.port_name, gettext("not enough readings within %(s)s s", s=f"{timeout:g}"))

    @staticmethod
    def _not_stable_cause(last: Sample, when: str) -> str:
        shown = ", ".join(r.text() for r in last)
        return gettext("no stable reading %(when)s (last reading %(shown)s, unstable): check for draughts, "
                       "vibration, or a load or temperature still changing", when=when, shown=shown)

    # -- helpers for subclasses -----------------------------------------------------------
    @staticmethod
    def _time_left(deadline: float | None) -> float | None:
        if deadline is None:
            return None
        return max(0.0, deadline - time.monotonic())

    def _ask(self, command: str, parse: Callable[[str], T | None], timeout: float | None = None) -> T:
        """Send ``command`` and parse the answer; resend after a garbled/incomplete one.

        ``parse`` returns ``None`` for a line that is not the answer yet (an echo, an
        acknowledgement): the next line is read without resending.
        """
        error: GarbledResponse | None = None
        wait = self.link.answer_timeout if timeout is None else timeout
        for _attempt in range(self.retries + 1):
            self.link.send(command)
            deadline = time.monotonic() + wait
            try:
                while True:
                    answer = parse(self.link.read_line(deadline=deadline, timeout=wait))
                    if answer is not None:
                        return answer
                    if time.monotonic() >= deadline:
                        raise DeviceTimeout(self.port_name, gettext("no answer to %(command)s, only other output",
                                                                    command=repr(command)))
            except GarbledResponse as exc:
                error = exc
                self.link.drain(quiet=0.02, limit=0.2)
            except DeviceTimeout as exc:
                if exc.cause.startswith("no answer from the device"):
                    raise self.no_answer(command, wait) from None
                raise
        assert error is not None
        raise error

    def line_settings(self) -> str:
        """The port's actual line settings, e.g. ``"9600 8N1"`` (for error messages)."""
        port = self.link.port
        try:
            stop = port.stopbits
            stop_text = int(stop) if float(stop).is_integer() else stop
            return f"{port.baudrate} {port.bytesize}{port.parity}{stop_text}"
        except (AttributeError, TypeError, ValueError):
            return self.settings.describe()

    def no_answer(self, command: str, wait: float) -> DeviceTimeout:
        """The timeout error for a command that got no answer at all."""
        shown = command.replace("\x1b", "ESC ")
        return DeviceTimeout(
            self.port_name,
            f"no answer to {shown!r} within {round(wait, 2):g} s: check the device is on, the cable, "
            f"and that it is set to {self.line_settings()}",
        )

    def _stream(self, parse: Callable[[str], Sample | None], deadline: float | None) -> Iterator[Sample]:
        """Lines of a continuous output, parsed; a few unreadable lines are skipped.

        ``parse`` returns ``None`` for lines to ignore (echoes, acknowledgements).
        """
        bad = 0
        read_line = self.link.read_line
        timeout = self.link.answer_timeout
        while True:
            try:
                sample = parse(read_line(timeout, deadline=deadline))
            except GarbledResponse:
                bad += 1
                if bad > self.max_bad_lines:
                    raise
                continue
            if sample is not None:
                bad = 0
                yield sample
            elif deadline is not None and time.monotonic() >= deadline:
                raise DeviceTimeout(self.port_name, gettext("the device sends no readings, only other output"))
