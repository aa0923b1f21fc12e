"""Reading a device into a measurement point: the one call the workflows make.

``capture(port, driver)`` opens the port, brings the device to a known state,
reads until it has ``count`` (stable) samples or the time is up, and closes the
port again whatever happens. It returns the readings, or raises one of our
:mod:`instruments.errors` naming the port and the cause: a caller never gets a
partial list, so nothing half-read reaches a record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import serial

from instruments.drivers.base import Driver
from instruments.errors import Disconnected, InstrumentError, WrongDevice
from instruments.link import open_port
from instruments.reading import Reading
from instruments.registry import get_driver
from lims.i18n import _


def resolve_driver(driver: str | type[Driver]) -> type[Driver]:
    """A driver class from its registry name (or the class itself)."""
    return get_driver(driver) if isinstance(driver, str) else driver


def capture(
    port: str,
    driver: str | type[Driver],
    *,
    count: int = 1,
    until_stable: bool = True,
    timeout: float = 5.0,
    baudrate: int | None = None,
    on_reading: Callable[[Reading], None] | None = None,
    expect_serial: str | None = None,
    options: Mapping[str, object] | None = None,
    max_readings: int | None = 1000,
) -> list[Reading]:
    """Read ``count`` samples from the device on ``port`` and close the port.

    ``port`` is a device path (``/dev/ttyUSB0``, ``COM3``) or a pyserial URL
    (``mock://mt-sics?weight=100.00g``); ``driver`` a registry name (``"mt-sics"``)
    or a driver class. With ``until_stable`` only stable samples are returned
    (device flag, or N readings within a band); ``timeout`` bounds the whole
    reading in seconds; ``baudrate`` overrides the device's factory rate;
    ``on_reading`` is called with every reading as it arrives, stable or not (for
    a live display); ``expect_serial`` makes sure the device is the instrument
    being recorded; ``options`` are driver options (``{"function": "RES"}``);
    ``max_readings`` bounds how many unstable samples are read before giving up.

    A thermo-hygrometer gives two readings per sample (humidity, temperature).
    Raises :class:`~instruments.errors.InstrumentError` subclasses only.
    """
    if count < 1:
        raise ValueError(_("count must be at least 1, got %(count)s", count=count))
    if timeout <= 0:
        raise ValueError(_("timeout must be positive, got %(timeout)s", timeout=timeout))
    cls = resolve_driver(driver)
    handle = open_port(port, cls.settings.with_baudrate(baudrate))
    device: Driver | None = None
    try:
        device = cls(handle, **dict(options or {}))
        device.answer_timeout = device.link.answer_timeout = min(device.answer_timeout, timeout)
        device.initialise()
        if expect_serial is not None:
            check_serial(device, expect_serial)
        return device.collect(
            count,
            until_stable=until_stable,
            timeout=timeout,
            on_reading=on_reading,
            max_readings=max_readings,
        )
    except InstrumentError:
        raise
    except (serial.SerialException, OSError) as exc:
        raise Disconnected(port, _("the port failed: %(exc)s", exc=exc)) from exc
    finally:
        if device is not None:
            device.close()
        else:
            handle.close()


def open_device(
    port: str,
    driver: str | type[Driver],
    *,
    baudrate: int | None = None,
    options: Mapping[str, object] | None = None,
    answer_timeout: float | None = None,
) -> Driver:
    """Open the port and return the driver, initialised, for more than readings
    (zero, tare, identify). Use it as a context manager so the port is closed::

        with open_device("/dev/ttyUSB0", "mt-sics") as balance:
            balance.zero()
    """
    cls = resolve_driver(driver)
    handle = open_port(port, cls.settings.with_baudrate(baudrate))
    try:
        device = cls(handle, **dict(options or {}))
        if answer_timeout is not None:
            device.answer_timeout = device.link.answer_timeout = answer_timeout
        device.initialise()
    except BaseException as exc:
        handle.close()
        if isinstance(exc, (serial.SerialException, OSError)) and not isinstance(exc, InstrumentError):
            raise Disconnected(port, _("the port failed: %(exc)s", exc=exc)) from exc
        raise
    return device


def check_serial(device: Driver, expected: str) -> None:
    """Raise :class:`WrongDevice` unless the device reports serial number ``expected``."""
    found = device.identify().serial_number
    if (found or "").strip() != expected.strip():
        raise WrongDevice(
            device.port_name,
            _("the device on this port has serial number %(found)s, not %(expected)s: connect the "
              "instrument being recorded", found=repr(found), expected=repr(expected)),
        )
