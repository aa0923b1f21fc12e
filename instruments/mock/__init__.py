"""Simulated devices behind a ``mock://`` serial port, for tests, demos and training.

``serial.serial_for_url("mock://mt-sics?weight=100.00g")`` (after ``import
instruments``) gives a port with a simulated Mettler Toledo balance on the other
end. The device name is the driver's name; options follow the ``?``. Options every
device takes:

========== ======== ===========================================================
option     default  meaning
========== ======== ===========================================================
seed       0        random seed for noise and drift (same seed, same readings)
delay      no       take the time the port's baud rate needs per character
baud       (any)    the device's own baud rate: another rate on the port garbles
latency    0        seconds the device takes before answering a command
interval   0        seconds between lines of a continuous output (0: back to back)
fault      (none)   ``timeout``, ``garbled``, ``partial``, ``disconnect``, and the
                    device faults the device lists (``unstable``, ``overload``...)
after      0        lines sent normally before the fault starts
times      (all)    lines a line fault hits before the device behaves again
========== ======== ===========================================================

``python -m instruments.mock URL`` serves the same device on a pseudo-terminal, so
``lims read --port /dev/pts/N`` can be tried without hardware.
"""

from __future__ import annotations

import importlib
import pkgutil
import random
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

from instruments.mock.device import Reply, SimulatedDevice
from instruments.mock.engine import Engine
from instruments.mock.faults import LINE_FAULTS, FaultPlan
from instruments.mock.options import Option, boolean, non_negative
from lims.errors import LimsError
from lims.i18n import _

T = TypeVar("T", bound=type[SimulatedDevice])

_DEVICES: dict[str, type[SimulatedDevice]] = {}
_loaded = False


def _optional_int(text: str) -> int | None:
    return None if text.strip().lower() in {"", "none"} else non_negative(int)(text)


COMMON_OPTIONS: dict[str, Option] = {
    "seed": Option(int, 0, "random seed for noise and drift"),
    "delay": Option(boolean, False, "simulate the baud rate's time per character"),
    "baud": Option(_optional_int, None, "the device's own baud rate"),
    "latency": Option(non_negative(float), 0.0, "seconds before the device answers"),
    "interval": Option(non_negative(float), 0.0, "seconds between lines of continuous output"),
    "fault": Option(str, "", "faults to inject, comma separated"),
    "after": Option(non_negative(int), 0, "good lines before the fault starts"),
    "times": Option(_optional_int, None, "lines a line fault hits (default: all)"),
}


class MockUrlError(LimsError, ValueError):
    """A ``mock://`` URL that names no simulated device or has a bad option."""

    status = 422
    code = "invalid"


def register_device(cls: T) -> T:
    """Class decorator: make a simulated device available as ``mock://<name>``."""
    _DEVICES[cls.name] = cls
    return cls


def _load() -> None:
    global _loaded
    if _loaded:
        return
    import instruments.mock.devices as pkg

    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        importlib.import_module(f"{pkg.__name__}.{info.name}")
    _loaded = True


def device_names() -> list[str]:
    """Names usable after ``mock://``."""
    _load()
    return sorted(_DEVICES)


def device_class(name: str) -> type[SimulatedDevice]:
    """The simulated device class for ``name``."""
    _load()
    try:
        return _DEVICES[name.lower()]
    except KeyError:
        raise MockUrlError(_("no simulated device %(name)s; known: %(device_names)s",
                             name=repr(name), device_names=', '.join(device_names()))) from None


def parse_url(url: str) -> tuple[type[SimulatedDevice], dict[str, Any]]:
    """Split ``mock://DEVICE?options`` into the device class and parsed options."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "mock":
        raise MockUrlError(_("expected a URL like mock://mt-sics?weight=100.00g, got %(url)s", url=repr(url)))
    name = (parts.netloc or parts.path.strip("/")).strip()
    if not name:
        raise MockUrlError(_("%(url)s names no device; known: %(device_names)s",
                             url=repr(url), device_names=', '.join(device_names())))
    cls = device_class(name)
    spec = {**COMMON_OPTIONS, **cls.options}
    params = {key: option.default for key, option in spec.items()}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        key = key.lower()
        option = spec.get(key)
        if option is None:
            raise MockUrlError(_("mock device %(name)s has no option %(key)s (options: %(sorted)s)",
                                 name=cls.name, key=repr(key), sorted=', '.join(sorted(spec))))
        try:
            params[key] = option.parse(value)
        except ValueError as exc:
            raise MockUrlError(_("option %(key)s=%(value)s of mock://%(name)s: %(exc)s",
                                 key=key, value=repr(value), name=cls.name, exc=exc)) from None
    kinds = frozenset(k.strip().lower() for k in params["fault"].split(",") if k.strip())
    unknown = kinds - LINE_FAULTS - cls.device_faults
    if unknown:
        allowed = ", ".join(sorted(LINE_FAULTS | cls.device_faults))
        raise MockUrlError(_("mock://%(name)s cannot simulate fault %(sorted)s (faults: %(allowed)s)",
                             name=cls.name, sorted=', '.join(sorted(unknown)), allowed=allowed))
    params["fault"] = kinds
    return cls, params


def build(url: str) -> Engine:
    """A fresh device for ``url``, wrapped in its :class:`Engine` (not yet configured)."""
    cls, params = parse_url(url)
    faults = FaultPlan(kinds=params["fault"], after=params["after"], times=params["times"])
    device = cls(params, random.Random(params["seed"]), faults)
    return Engine(
        device,
        faults,
        delay=params["delay"],
        latency=params["latency"],
        device_baud=params["baud"],
    )


__all__ = [
    "COMMON_OPTIONS",
    "Engine",
    "MockUrlError",
    "Reply",
    "SimulatedDevice",
    "build",
    "device_class",
    "device_names",
    "parse_url",
    "register_device",
]
