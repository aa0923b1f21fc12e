"""Parsing the options of a ``mock://DEVICE?name=value&...`` URL."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from lims.i18n import _


class Measured(NamedTuple):
    """A number with the unit and the number of decimals it was written with."""

    value: float
    unit: str
    decimals: int


_MEASURED = re.compile(r"\s*([-+]?\d+(?:\.(\d*))?(?:[eE][-+]?\d+)?)\s*([A-Za-z%'°]*)\s*\Z")


def measured(default_unit: str, units: tuple[str, ...] | None = None) -> Callable[[str], Measured]:
    """Parser for ``100.00g`` / ``6.2 kg`` / ``1.5``; the unit defaults to ``default_unit``."""

    def parse(text: str) -> Measured:
        match = _MEASURED.match(text)
        if match is None:
            raise ValueError(_("expected a number with an optional unit, e.g. 100.00%(default_unit)s, "
                               "got %(text)s", default_unit=default_unit, text=repr(text)))
        number, decimals, unit = match.groups()
        unit = unit or default_unit
        if units is not None and unit not in units:
            raise ValueError(_("unit %(unit)s not simulated (use one of %(units)s)",
                               unit=repr(unit), units=', '.join(units)))
        return Measured(float(number), unit, len(decimals) if decimals is not None else 0)

    return parse


def boolean(text: str) -> bool:
    """``1/true/yes/on`` or ``0/false/no/off``."""
    value = text.strip().lower()
    if value in {"", "1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError(_("expected yes or no, got %(text)s", text=repr(text)))


def non_negative(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    """Wrap a number parser so negative values are refused."""

    def parse(text: str) -> Any:
        value = kind(text)
        if value < 0:
            raise ValueError(_("must not be negative, got %(text)s", text=repr(text)))
        return value

    return parse


def choice(*allowed: str) -> Callable[[str], str]:
    """Parser accepting one of ``allowed`` (case-insensitive, returned as written in ``allowed``)."""
    table = {a.lower(): a for a in allowed}

    def parse(text: str) -> str:
        try:
            return table[text.strip().lower()]
        except KeyError:
            raise ValueError(_("expected one of %(allowed)s, got %(text)s",
                               allowed=', '.join(allowed), text=repr(text))) from None

    return parse


def text(value: str) -> str:
    """Any text (model names, serial numbers)."""
    return value


@dataclass(frozen=True, slots=True)
class Option:
    """One URL option: how to parse it, its default, and a line of help."""

    parse: Callable[[str], Any]
    default: Any
    help: str
