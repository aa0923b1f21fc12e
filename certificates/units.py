r"""Unit strings on a certificate: the printed symbol and the D-SI string of the DCC.

The document model carries units as text in the program's spelling (the storage text of
:mod:`lims.metrology.units`: ``g``, ``mg``, ``kPa``, ``degC``, ``delta_degC``, ``percent_RH``,
``m**3`` ...). There is one unit vocabulary in the program: the table of the lab's units
(:mod:`lims.metrology.units_table`) and the pint registry behind it. This module reads units
through it and reports problems as the certificate's own :class:`~certificates.errors.UnitError`:

* the symbol printed on the certificate (SI Brochure, 9th ed., 5.4: ``°C``, ``kg/m³``), and
* the D-SI unit string of the PTB Digital Calibration Certificate, written by PTB's
  ``dsiunits`` (``\milli\gram``, ``\kilogram``, ``\kilo\metre\hour\tothe{-1}``).

``import certificates`` stays cheap: the table is plain data, and pint and dsiunits load the
first time a unit outside the table is printed, units are compared, or a DCC is written.
"""
from __future__ import annotations

from decimal import Decimal
from types import ModuleType

from certificates.errors import UnitError
from lims.metrology.errors import UnitError as MetrologyUnitError
from lims.metrology.units_table import lab_unit

__all__ = ["display_unit", "dsi_unit", "compatible", "rescale"]


def _units() -> ModuleType:
    """:mod:`lims.metrology.units`, imported on first use (pint takes a few hundred ms to load)."""
    from lims.metrology import units

    return units


def _dsi() -> ModuleType:
    """:mod:`lims.metrology.units_dsi`, imported on first use (with pint and dsiunits)."""
    from lims.metrology import units_dsi

    return units_dsi


def display_unit(text: str) -> str:
    """The unit as printed on the certificate (``degC`` -> ``°C``, ``kg/m^3`` -> ``kg/m³``).

    An unknown unit prints as written, so an unusual unit never stops a certificate from
    rendering; :func:`dsi_unit` is strict instead.
    """
    row = lab_unit(text.strip())
    if row is not None:
        return row.symbol
    try:
        return str(_units().format_unit(text))
    except MetrologyUnitError:
        return text.strip()


def dsi_unit(text: str) -> str:
    r"""The D-SI unit string (``mg`` -> ``\milli\gram``, ``km/h`` -> ``\kilo\metre\hour\tothe{-1}``).

    Raises :class:`UnitError` for a unit that pint or dsiunits does not know.
    """
    if not isinstance(text, str):
        raise UnitError("unit", f"a unit must be a string, not {type(text).__name__}")
    try:
        return str(_dsi().dsi_unit(text.strip()))
    except MetrologyUnitError as exc:
        raise UnitError("unit", exc.message) from None


def _terms(text: str) -> tuple[tuple[str, float, int], ...]:
    try:
        terms: tuple[tuple[str, float, int], ...] = _dsi().dsi_terms(text.strip())
        return terms
    except MetrologyUnitError as exc:
        raise UnitError("unit", exc.message) from None


def _signature(terms: tuple[tuple[str, float, int], ...]) -> tuple[tuple[str, float], ...]:
    return tuple(sorted((name, power) for name, power, _prefix in terms))


def _scale(terms: tuple[tuple[str, float, int], ...]) -> int:
    return round(sum(prefix * power for _name, power, prefix in terms))


def compatible(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ at most by SI prefixes (``g`` and ``mg``), or are equal."""
    if a.strip() == b.strip():
        return True
    try:
        return _signature(_terms(a)) == _signature(_terms(b))
    except UnitError:
        return False


def rescale(value: Decimal, from_unit: str, to_unit: str) -> Decimal:
    """Express ``value`` given in ``from_unit`` in ``to_unit`` when they differ only by SI prefixes.

    The conversion is an exact shift of the decimal point (``Decimal.scaleb``), so no digit
    of a stored result changes: 0.3 mg -> 0.0003 g.
    """
    if from_unit.strip() == to_unit.strip():
        return value
    src, dst = _terms(from_unit), _terms(to_unit)
    if _signature(src) != _signature(dst):
        raise UnitError("unit", f"cannot express {from_unit!r} in {to_unit!r}: different quantities")
    return value.scaleb(_scale(src) - _scale(dst))
