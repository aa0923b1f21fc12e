"""What a reference standard contributes at one measurement point (pure: plain values in and out).

A standard's calibration certificate states its values point by point (``StandardCalibration.data``,
format and check in :mod:`lims.metrology.reference.calibration_data`); at each point of a record
the budget needs what applies there (:class:`ReferenceAt`):

* ``value`` — the reference value to compare the indication with: the nominal (or the value the
  technician read from the reference) plus the standard's correction at that point (and, for
  pressure, the head correction): the conventional mass of the weights on the pan, the temperature
  the reference thermometer indicates once corrected;
* ``u`` — the standard uncertainty of that value from the standard's certificate;
* ``drift_half_width`` — half-width of a rectangular distribution for the drift since the last
  calibration, from the history of calibrations;
* ``buoyancy_u`` — standard uncertainty of the air-buoyancy correction (weights);
* ``error_bound`` — how far the reference may be from its value: the bound OIML R76-1 3.7.1
  compares with ⅓ of the instrument's MPE;
* ``correction``, ``readout_half_width``, ``head_correction``, ``head_u``, ``pieces`` (the weights
  on the pan).

All values are in the point's unit (all but ``value`` as differences). The rules are cited where
they are applied: weights in :mod:`lims.metrology.reference.weights` (EURAMET cg-18 v4.0 7.1.2,
OIML R111-1), corrections per point in :mod:`lims.metrology.reference.corrections`. A calibration
without data (``{}``) contributes its one expanded uncertainty for the whole range, as before.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any

from lims.errors import ValidationError
from lims.metrology.reference.base import ReferenceAt
from lims.metrology.reference.calibration_data import (
    CalibrationData,
    CorrectionTable,
    WeightSet,
    parse_calibration_data,
)
from lims.metrology.reference.corrections import table_at
from lims.metrology.reference.weights import weights_at
from lims.metrology.units import Q_, as_delta, canonical_unit

__all__ = ["ReferenceAt", "reference_at", "parse_calibration_data", "HEIGHT_KEY"]

#: The record's condition giving the height of the gauge's reference level above the standard's (m).
HEIGHT_KEY = "height_difference"


def _delta(unit: str) -> str:
    return canonical_unit(as_delta(Q_(1.0, unit)).units)


def _in_unit(ref: ReferenceAt, from_unit: str, to_unit: str) -> ReferenceAt:
    """``ref`` (values in ``from_unit``) in ``to_unit``."""
    if from_unit == to_unit:
        return ref
    d_from, d_to = _delta(from_unit), _delta(to_unit)
    factor = float(Q_(1.0, d_from).to(d_to).magnitude)
    return replace(ref, value=float(Q_(ref.value, from_unit).to(to_unit).magnitude), u=ref.u * factor,
                   drift_half_width=ref.drift_half_width * factor, buoyancy_u=ref.buoyancy_u * factor,
                   error_bound=None if ref.error_bound is None else ref.error_bound * factor,
                   correction=ref.correction * factor, readout_half_width=ref.readout_half_width * factor,
                   head_correction=ref.head_correction * factor, head_u=ref.head_u * factor)


def _height(environment: Mapping[str, Any] | None) -> float | None:
    entry = (environment or {}).get(HEIGHT_KEY)
    if not isinstance(entry, Mapping) or entry.get("value") is None:
        return None
    return float(Q_(float(entry["value"]), str(entry.get("unit") or "m")).to("m").magnitude)


def _parsed(data: Any, quantity: str, unit: str) -> CalibrationData | None:
    """The checked data (kept: a record's points read the same calibrations again and again)."""
    return _parsed_text(json.dumps(data, sort_keys=True), quantity, unit)


@lru_cache(maxsize=256)
def _parsed_text(text: str, quantity: str, unit: str) -> CalibrationData | None:
    return parse_calibration_data(json.loads(text), quantity=quantity, unit=unit)


def _earlier(history: Sequence[tuple[str, Mapping[str, Any]]], quantity: str, unit: str) -> list[CalibrationData]:
    """The earlier calibrations' data that can be read (one entered under other rules is passed over)."""
    out = []
    for _day, data in history:
        try:
            parsed = _parsed(data, quantity, unit) if data else None
        except ValidationError:
            continue
        if parsed is not None:
            out.append(parsed)
    return out


def reference_at(*, value: float, unit: str, expanded_uncertainty: float, uncertainty_unit: str,
                 coverage_factor: float, data: Mapping[str, Any] | None = None,
                 history: Sequence[tuple[str, Mapping[str, Any]]] = (), quantity: str = "", range_unit: str = "",
                 code: str = "", environment: Mapping[str, Any] | None = None) -> ReferenceAt:
    """The reference at ``value`` (in ``unit``): from the calibration's ``data`` where it has some,
    else from its one U for the whole range (``expanded_uncertainty`` with ``coverage_factor``).

    ``history`` is the standard's earlier calibrations, oldest first, as (date, data); the drift is
    estimated from them. ``environment`` is the record's conditions (the head height of pressure).
    """
    parsed = _parsed(data, quantity, range_unit or unit) if data else None
    earlier = _earlier(history, quantity, range_unit or unit)
    if isinstance(parsed, WeightSet):
        load_kg = float(Q_(value, unit).to("kg").magnitude)
        sets = [h for h in earlier if isinstance(h, WeightSet)]
        return _in_unit(weights_at(parsed, load_kg, history=sets, code=code), "kg", unit)
    if isinstance(parsed, CorrectionTable):
        tables = [h for h in earlier if isinstance(h, CorrectionTable)]
        ref = table_at(parsed, value, unit, history=tables, code=code,
                       height_m=_height(environment) if quantity == "pressure" else None)
        return _in_unit(ref, parsed.unit, unit)
    delta = _delta(unit)
    u_expanded = float(as_delta(Q_(expanded_uncertainty, uncertainty_unit)).to(delta).magnitude)
    return ReferenceAt(value=value, u=u_expanded / coverage_factor, error_bound=u_expanded)
