"""Drivers found by name: ``get_driver("mt-sics")``.

Every module in :mod:`instruments.drivers` registers its driver class(es) with
:func:`register` when imported, so adding a device is adding one module (and its
tests). Names are lower case with hyphens, as typed after ``lims read --driver``.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING, TypeVar

from instruments.errors import UnknownDriver
from lims.i18n import _

if TYPE_CHECKING:  # pragma: no cover - typing only
    from instruments.drivers.base import Driver

D = TypeVar("D", bound="type[Driver]")

_DRIVERS: dict[str, type[Driver]] = {}
_loaded = False


def register(cls: D) -> D:
    """Class decorator: make a driver findable by its ``name`` and ``aliases``."""
    for key in (cls.name, *cls.aliases):
        other = _DRIVERS.get(key)
        if other is not None and other is not cls:
            raise ValueError(f"driver name {key!r} is used by both {other.__name__} and {cls.__name__}")
        _DRIVERS[key] = cls
    return cls


def _load_builtin() -> None:
    global _loaded
    if _loaded:
        return
    import instruments.drivers as pkg

    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if info.name != "base":
            importlib.import_module(f"{pkg.__name__}.{info.name}")
    _loaded = True


def get_driver(name: str) -> type[Driver]:
    """The driver class registered under ``name`` (case-insensitive).

    Raises :class:`UnknownDriver` listing the known names.
    """
    _load_builtin()
    cls = _DRIVERS.get(name.strip().lower())
    if cls is None:
        raise UnknownDriver("", _("no driver named %(name)s; known drivers: %(driver_names)s",
                                  name=repr(name), driver_names=', '.join(driver_names())))
    return cls


def driver_names() -> list[str]:
    """Primary names of all registered drivers, sorted."""
    _load_builtin()
    return sorted({cls.name for cls in _DRIVERS.values()})


def drivers() -> dict[str, type[Driver]]:
    """Primary name -> driver class, for listings."""
    _load_builtin()
    return {cls.name: cls for cls in sorted(set(_DRIVERS.values()), key=lambda c: c.name)}
