"""Reading quantities: text such as ``"10.02 bar"``, a number and its unit, or a pint quantity.

* Every number carries its unit: a bare number without a unit is refused.
* Text typed on a page is read in the page's language (``lang``: ``1.000,5 kg`` in Vietnamese,
  ``1,000.5 kg`` in English) by :func:`lims.metrology.number_reading.read_number`, which refuses
  what could be read two ways; without ``lang`` the plain notation ``1000.5 kg`` is read, and a
  decimal comma only when asked for (``1,000`` is a thousand in English and one in Vietnamese).
* Temperatures follow pint's offset-unit rules: a temperature is ``degC`` (or ``K``), a
  temperature *difference* (an error, a deviation, an uncertainty) is ``delta_degC`` or ``K``.
* Quantities cross the database boundary as ``{"value": float, "unit": canonical text}``.
"""
from __future__ import annotations

import math
import re
from typing import Any

import pint

from lims.i18n import _
from lims.metrology.errors import UnitError
from lims.metrology.number_reading import NUMBER_AND_UNIT, read_number
from lims.metrology.units_registry import (
    Q_,
    UnitInfo,
    canonical_unit,
    dimension_label,
    shown_unit,
    unit_info,
    ureg,
)

__all__ = [
    "split_quantity", "parse_quantity", "same_kind", "as_delta", "quantity_to_dict", "quantity_from_dict",
]

_NUMBER_RE = re.compile(
    r"^\s*([+\-\u2212]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+\-\u2212]?\d+)?)\s*(.*?)\s*$"
)


def split_quantity(text: str, *, decimal_comma: bool = False, lang: str | None = None,
                   plain_first: bool = False) -> tuple[float, str]:
    """Split ``"10.02 bar"`` into ``(10.02, "bar")`` without pint (fast path).

    ``lang`` (``"vi"``, ``"en"``): the number is written as a page in that language writes it
    (:func:`~lims.metrology.number_reading.read_number`; ``plain_first``: ``1000.5`` in the plain
    notation first). Without it, a decimal comma (``"10,02 bar"``) is accepted only with
    ``decimal_comma=True``, because ``1,000`` is a thousand in English and one in Vietnamese.
    """
    if lang is not None:
        found = NUMBER_AND_UNIT.fullmatch(text)
        if found is None:
            raise UnitError(_("'%(text)s' is not a number followed by a unit (for example '%(example)s')",
                              text=text.strip(), example="10,02 bar" if lang == "vi" else "10.02 bar"))
        return read_number(found.group(1), lang, plain_first=plain_first), found.group(2) or ""
    match = _NUMBER_RE.match(text)
    if match is None:
        raise UnitError(_("'%(text)s' is not a number followed by a unit (for example '10.02 bar')", text=text))
    number, unit_text = match.group(1), match.group(2)
    if "," in number:
        if not decimal_comma:
            raise UnitError(_("'%(text)s': write the number with a decimal point (%(number)s), not a comma",
                              text=text, number=number.replace(",", ".")))
        number = number.replace(",", ".")
    return float(number.replace("\u2212", "-")), unit_text


def _people_unit(info: UnitInfo) -> str:
    """The unit as a message to people names it (°C; "no unit" for a pure number), translated."""
    return shown_unit(info.text) if info.text != "dimensionless" else _("no unit (a pure number)")


def _check_dimension(q_text: str, info: UnitInfo, dimension: Any) -> None:
    if dimension is None:
        return
    if isinstance(dimension, str) and dimension.strip().startswith("["):
        wanted = ureg.get_dimensionality(dimension.strip())
        wanted_label = dimension_label(wanted)
        wanted_unit = dimension.strip()
    else:
        target = unit_info(dimension if isinstance(dimension, str) else canonical_unit(dimension))
        wanted = target.dimensionality
        wanted_label = f"{dimension_label(wanted)} ({_people_unit(target)})"
        wanted_unit = target.text
    if info.dimensionality != wanted:
        raise UnitError(
            _("'%(text)s' is %(kind)s (%(unit)s), but %(wanted)s is expected", text=q_text,
              kind=dimension_label(info.dimensionality), unit=_people_unit(info), wanted=wanted_label),
            units=(info.text, wanted_unit),
        )


def _number_with_unit(value: int | float, unit: str | None, dimension: Any) -> Any:
    """A bare number read in ``unit`` (which it must have)."""
    if unit is None:
        raise UnitError(_("The number %(value)s has no unit; give it one (for example '%(value)s g').", value=value))
    info = unit_info(unit)
    _check_dimension(f"{value} {unit}", info, dimension)
    return Q_(float(value), info.unit)


def _read_text(value: str, unit: str | None, decimal_comma: bool, lang: str | None,
               plain_first: bool) -> tuple[float, UnitInfo, str]:
    """Magnitude, unit and the text as shown in messages, from ``"10.02 bar"`` (or ``"10.02"`` in ``unit``)."""
    magnitude, unit_text = split_quantity(value, decimal_comma=decimal_comma, lang=lang, plain_first=plain_first)
    if not unit_text:
        if unit is None:
            raise UnitError(_("'%(text)s' has no unit; write it as for example '%(text)s g'", text=value.strip()))
        unit_text = unit
    try:
        info = unit_info(unit_text)
    except UnitError as exc:
        raise UnitError(_("%(reason)s in '%(text)s'", reason=exc.message, text=value.strip()), units=exc.units) from exc
    return magnitude, info, value.strip()


def _convert(quantity: Any, info: UnitInfo, unit: str, shown: str) -> Any:
    """``quantity`` (in ``info``) expressed in ``unit``; :class:`UnitError` naming both when impossible."""
    target = unit_info(unit)
    if target.dimensionality != info.dimensionality:
        raise UnitError(
            _("'%(text)s' cannot be read in %(unit)s: %(given)s is %(given_kind)s, %(unit)s is %(kind)s",
              text=shown, unit=shown_unit(target.text), given=_people_unit(info),
              given_kind=dimension_label(info.dimensionality), kind=dimension_label(target.dimensionality)),
            units=(info.text, target.text),
        )
    try:
        return quantity.to(target.unit)
    except pint.DimensionalityError as exc:  # e.g. delta_degC -> degC
        raise UnitError(
            _("'%(text)s' cannot be read in %(unit)s: a temperature difference and a temperature do not "
              "convert into each other", text=shown, unit=shown_unit(target.text)),
            units=(info.text, target.text),
        ) from exc


def parse_quantity(
    value: Any,
    unit: str | None = None,
    *,
    dimension: str | None = None,
    decimal_comma: bool = False,
    lang: str | None = None,
    plain_first: bool = False,
) -> Any:
    """Read a quantity from text (``"2 kg"``), a number plus ``unit``, or a pint quantity.

    * ``unit`` is the unit of a bare number; when the value carries its own unit it is
      converted to ``unit``.
    * ``dimension`` (``"[mass]"`` or a unit such as ``"g"``) is the kind of quantity
      expected.
    * A bare number without ``unit`` is refused: every number carries its unit. Use
      ``unit="dimensionless"`` for a pure number.
    * ``lang``, ``plain_first``, ``decimal_comma``: how text's number is written (:func:`split_quantity`).

    Raises :class:`UnitError` naming both units when they do not fit.
    """
    if isinstance(value, pint.Quantity):
        if value._REGISTRY is not ureg:
            value = Q_(value.magnitude, str(value.units))
        magnitude, info, shown = value.magnitude, unit_info(canonical_unit(value.units)), str(value)
    elif isinstance(value, bool):
        raise UnitError(_("%(value)s is not a quantity.", value=repr(value)))
    elif isinstance(value, (int, float)):
        return _number_with_unit(value, unit, dimension)
    elif isinstance(value, str):
        magnitude, info, shown = _read_text(value, unit, decimal_comma, lang, plain_first)
    else:
        raise UnitError(_("%(value)s is not a quantity (expected text such as '2 kg').", value=repr(value)))
    if not isinstance(magnitude, (int, float)) or not math.isfinite(float(magnitude)):
        raise UnitError(_("'%(text)s' is not a finite number.", text=shown))
    _check_dimension(shown, info, dimension)
    quantity = Q_(float(magnitude), info.unit)
    return quantity if unit is None else _convert(quantity, info, unit, shown)


def same_kind(a: Any, b: Any) -> None:
    """Raise :class:`UnitError` naming both units unless ``a`` and ``b`` (quantities or unit
    texts) measure the same kind of quantity, e.g. before adding a mass to a volume."""
    infos = []
    for item in (a, b):
        unit = item.units if isinstance(item, pint.Quantity) else item
        infos.append(unit_info(unit if isinstance(unit, str) else canonical_unit(unit)))
    first, second = infos
    if first.dimensionality != second.dimensionality:
        raise UnitError(
            _("%(first)s (%(first_kind)s) and %(second)s (%(second_kind)s) are not the same kind of quantity",
              first=_people_unit(first), first_kind=dimension_label(first.dimensionality),
              second=_people_unit(second), second_kind=dimension_label(second.dimensionality)),
            units=(first.text, second.text),
        )


def as_delta(value: Any) -> Any:
    """The same quantity (or unit) read as a difference: ``0.5 degC`` -> ``0.5 delta_degC``.

    Uncertainties, errors and MPEs of temperatures are differences (DESIGN conventions).
    """
    if isinstance(value, pint.Quantity):
        info = unit_info(canonical_unit(value.units))
        return Q_(float(value.magnitude), info.delta_text) if info.is_offset else value
    info = unit_info(value if isinstance(value, str) else canonical_unit(value))
    return ureg.Unit(info.delta_text)


def quantity_to_dict(quantity: Any) -> dict[str, Any]:
    """``{"value": float, "unit": canonical text}`` — the JSON and database form."""
    q = parse_quantity(quantity)
    return {"value": float(q.magnitude), "unit": canonical_unit(q.units)}


def quantity_from_dict(data: dict[str, Any]) -> Any:
    """Inverse of :func:`quantity_to_dict`."""
    if not isinstance(data, dict) or "value" not in data or "unit" not in data:
        raise UnitError(_("%(value)s is not a quantity (expected {'value': ..., 'unit': ...}).", value=repr(data)))
    value = data["value"]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UnitError(_("%(value)s is not a number.", value=repr(value)))
    return parse_quantity(float(value), data["unit"])
