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
"""
from __future__ import annotations

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
]

