"""Measuring devices over serial lines: drivers, the ``mock://`` port, capture.

A pure package (pyserial, no web or database): drivers speak the devices' own
protocols and return :class:`~instruments.reading.Reading` values. Importing the
package registers the ``mock://`` URL handler with pyserial, so
``serial.serial_for_url("mock://mt-sics?weight=100.00g")`` works anywhere a port
path does.
"""

from __future__ import annotations

import serial

if "instruments" not in serial.protocol_handler_packages:
    serial.protocol_handler_packages.append("instruments")

from instruments.errors import (
    DeviceError,
    DeviceTimeout,
    Disconnected,
    GarbledResponse,
    IncompleteLine,
    InstrumentError,
    InvalidOption,
    NotStable,
    NotSupported,
    OutOfRange,
    Overload,
    PortError,
    Underload,
    UnknownDriver,
    WrongDevice,
)
from instruments.reading import Reading
from instruments.registry import driver_names, get_driver
from instruments.settings import SerialSettings

__all__ = [
    "DeviceError",
    "DeviceTimeout",
    "Disconnected",
    "GarbledResponse",
    "IncompleteLine",
    "InstrumentError",
    "InvalidOption",
    "NotStable",
    "NotSupported",
    "OutOfRange",
    "Overload",
    "PortError",
    "Reading",
    "SerialSettings",
    "Underload",
    "UnknownDriver",
    "WrongDevice",
    "driver_names",
    "get_driver",
]
