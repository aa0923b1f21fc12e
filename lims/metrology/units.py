"""The one unit vocabulary of the program: every name callers import about units.

* :mod:`lims.metrology.units_registry` — the one pint registry ``ureg`` (``Q_``), a unit
  resolved once (:func:`unit_info`), the storage text of a unit (:func:`canonical_unit`);
* :mod:`lims.metrology.units_reading` — reading quantities (:func:`parse_quantity`,
  :func:`split_quantity`), :func:`same_kind`, :func:`as_delta`, the JSON/database form;
* :mod:`lims.metrology.units_format` — printing for people (:func:`format_unit`,
  :func:`format_number`, :func:`format_quantity`);
* :mod:`lims.metrology.units_table` — the units the lab may use, each with its storage text,
  printed symbol, D-SI string and UN/ECE Recommendation 20 code (:data:`UNIT_TABLE`);
* :mod:`lims.metrology.units_dsi` — D-SI strings written by PTB's dsiunits (:func:`dsi_unit`).

Callers import from here; the modules above are where the code lives.
:func:`require_reportable` is the one check that a unit given where work is registered is one
a certificate can print.
"""
from __future__ import annotations

from typing import Any

from lims.field_labels import field_label
from lims.i18n import _
from lims.metrology.errors import UnitError
from lims.metrology.units_dsi import dsi_unit, sirp_unit
from lims.metrology.units_format import Lang, format_number, format_quantity, format_unit
from lims.metrology.units_reading import (
    as_delta,
    parse_quantity,
    quantity_from_dict,
    quantity_to_dict,
    same_kind,
    split_quantity,
)
from lims.metrology.units_registry import Q_, Quantity, UnitInfo, canonical_unit, dimension_name, unit_info, ureg
from lims.metrology.units_table import LAB_UNITS, UNIT_TABLE, LabUnit, lab_unit

__all__ = [
    "ureg",
    "Q_",
    "Quantity",
    "UnitInfo",
    "unit_info",
    "split_quantity",
    "parse_quantity",
    "canonical_unit",
    "format_unit",
    "format_number",
    "format_quantity",
    "quantity_to_dict",
    "quantity_from_dict",
    "as_delta",
    "same_kind",
    "dimension_name",
    "LAB_UNITS",
    "Lang",
    "LabUnit",
    "UNIT_TABLE",
    "lab_unit",
    "dsi_unit",
    "sirp_unit",
    "reportable_unit",
    "require_reportable",
]



def reportable_unit(text: Any) -> LabUnit | None:
    """The table row of a unit in any spelling pint reads (``°C``, ``%RH``, ``kilogram``), or None."""
    if isinstance(text, str):
        row = lab_unit(text.strip())
        if row is not None:
            return row
    try:
        return lab_unit(canonical_unit(text))
    except UnitError:
        return None


def _accepted_like(text: Any) -> list[str]:
    """The table's units of the same kind as ``text`` (all of them when pint does not know it)."""
    try:
        wanted = unit_info(text if isinstance(text, str) else canonical_unit(text)).dimensionality
    except UnitError:
        wanted = None
    same = [row.pint for row in UNIT_TABLE if unit_info(row.pint).dimensionality == wanted]
    return [_TYPED.get(text, text) for text in same or [row.pint for row in UNIT_TABLE]]


#: Units as people type them where the storage text is not how they write it (each is read back).
_TYPED = {"degC": "°C", "delta_degC": "Δ°C", "percent_RH": "%RH"}


def require_reportable(text: Any, field: str) -> LabUnit:
    """The table row of a unit that an instrument type, an instrument, a reference standard,
    a procedure or the measurand of a budget uses; refuse any other.

    Only the units of :data:`UNIT_TABLE` can be printed on a certificate and written in its
    DCC, so they are the only ones accepted where work is registered. Raises
    :class:`UnitError` whose ``field`` is ``field`` and whose message names it and lists the
    accepted units of the same kind (``psi`` -> ``Pa, kPa, MPa, bar, mbar, mmHg``), in the
    current language.
    """
    row = reportable_unit(text)
    if row is not None:
        return row
    given = str(text).strip()
    reason = _("The unit %(unit)s cannot be printed on a certificate. Use one of: %(accepted)s.",
               unit=repr(given), accepted=", ".join(_accepted_like(text)))
    raise UnitError(f"{field_label(field)}: {reason}", field=field, units=(given,), reason=reason)
