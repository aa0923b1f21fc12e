"""A reference with corrections per point (a thermometer, a pressure reference) at one reading.

* **correction** at the reference's reading t: linear interpolation between the two calibration
  points around t (JCGM 100 4.1.4: the best estimate from the certificate's values); with
  ``coefficients`` the polynomial c0 + c1·t + … instead. A reading outside the calibrated points
  is refused (no extrapolation of a certificate);
* **u** — the larger of the two neighbouring points' U/k (the certificate says nothing between
  them; taking the larger keeps the statement true at every reading);
* **drift** — the largest change of the correction at t between successive calibrations of the
  standard, as the half-width of a rectangular distribution (JCGM 100 4.3.7; EURAMET cg-18 7.1.2
  treats the weights' drift the same way); with a single calibration, D = U at t *(check)*;
* **readout** — half the resolution of the reference's readout, rectangular (JCGM 100 F.2.2.1);
* **head correction** (pressure, EURAMET cg-17 v4.0 on pressure gauges): when the gauge's reference
  level is Δh above the reference standard's, the pressure at the gauge is lower by ρ·g·Δh, with ρ
  the medium's density — for a gas ρ = 1.2 kg/m³ · (p + p₀)/p₀ (the density of air at one
  atmosphere scaled to the absolute pressure), for a liquid the density given — and
  g = 9.806 65 m/s² (standard gravity; the local value differs by less than 0.3 %). Its standard
  uncertainty combines u(Δh) (Δh read to ±5 mm, rectangular) and u(ρ) (±5 % for a liquid, ±10 %
  for a gas, rectangular);
* **error bound** — U at t plus the drift D.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

from lims.errors import ValidationError
from lims.i18n import _
from lims.metrology.reference.base import ReferenceAt
from lims.metrology.reference.calibration_data import CorrectionTable
from lims.metrology.units import Q_
from lims.metrology.units_format import page_number
from lims.metrology.units_registry import shown_unit

STANDARD_GRAVITY = 9.80665  # m/s²
AIR_DENSITY = 1.2  # kg/m³ at one atmosphere (OIML R111-1 ρ₀)
ATMOSPHERE_PA = 101_325.0
HEIGHT_HALF_WIDTH_M = 0.005
DENSITY_HALF_WIDTH = {"liquid": 0.05, "gas": 0.10}  # relative


def _bracket(table: CorrectionTable, t: float) -> tuple[int, int] | None:
    pts = table.points
    tol = 1e-9 * max(abs(pts[0].at), abs(pts[-1].at), 1.0)
    if t < pts[0].at - tol or t > pts[-1].at + tol:
        return None
    for i in range(len(pts) - 1):
        if t <= pts[i + 1].at + tol:
            return i, i + 1
    return len(pts) - 1, len(pts) - 1


def correction_at(table: CorrectionTable, t: float) -> float | None:
    """The correction at reading ``t`` (in the table's units), or None outside its points."""
    where = _bracket(table, t)
    if where is None:
        return None
    if table.coefficients:
        return math.fsum(c * t ** n for n, c in enumerate(table.coefficients))
    a, b = (table.points[i] for i in where)
    if b.at == a.at:
        return a.correction
    return a.correction + (b.correction - a.correction) * (t - a.at) / (b.at - a.at)


def _u_at(table: CorrectionTable, t: float) -> tuple[float, float]:
    """(u, U) at ``t``: the larger of the neighbouring points'."""
    where = _bracket(table, t)
    assert where is not None
    a, b = (table.points[i] for i in where)
    worst = max((a, b), key=lambda p: p.expanded_uncertainty / p.k)
    return worst.expanded_uncertainty / worst.k, worst.expanded_uncertainty


def _drift(tables: Sequence[CorrectionTable], t: float) -> float | None:
    values = [correction_at(tb, t) for tb in tables]
    changes = [abs(b - a) for a, b in zip(values, values[1:], strict=False) if a is not None and b is not None]
    return max(changes) if changes else None


def head_correction(table: CorrectionTable, pressure_pa: float, height_m: float) -> tuple[float, float]:
    """(−ρ·g·Δh, its standard uncertainty) in Pa for a gauge ``height_m`` above the reference."""
    medium = table.medium or "gas"
    if medium == "liquid" and table.medium_density:
        rho = table.medium_density
    else:
        rho = AIR_DENSITY * (pressure_pa + ATMOSPHERE_PA) / ATMOSPHERE_PA
    value = -rho * STANDARD_GRAVITY * height_m
    u_height = rho * STANDARD_GRAVITY * HEIGHT_HALF_WIDTH_M / math.sqrt(3)
    u_rho = abs(value) * DENSITY_HALF_WIDTH[medium] / math.sqrt(3)
    return value, math.hypot(u_height, u_rho)


def table_at(table: CorrectionTable, reading: float, unit: str, *, history: Sequence[CorrectionTable] = (),
             code: str = "", height_m: float | None = None) -> ReferenceAt:
    """The reference at ``reading`` (in ``unit``, the point's unit) from its correction table."""
    t = float(Q_(reading, unit).to(table.unit).magnitude)
    correction = correction_at(table, t)
    if correction is None:
        raise ValidationError(
            _("%(code)s is calibrated from %(low)s to %(high)s %(unit)s; %(value)s %(unit)s is outside.",
              code=code, low=page_number(table.points[0].at), high=page_number(table.points[-1].at),
              unit=shown_unit(table.unit),
              value=page_number(t)), field="standards")
    u, expanded = _u_at(table, t)
    drift = _drift([*history, table], t)
    if drift is None:
        drift = expanded
    head = head_u = 0.0
    if height_m:
        p_pa = float(Q_(t + correction, table.unit).to("Pa").magnitude)
        head_pa, head_u_pa = head_correction(table, p_pa, height_m)
        head = float(Q_(head_pa, "Pa").to(table.delta_unit).magnitude)
        head_u = float(Q_(head_u_pa, "Pa").to(table.delta_unit).magnitude)
    return ReferenceAt(value=t + correction + head, u=u, drift_half_width=drift, error_bound=expanded + drift,
                       correction=correction, readout_half_width=table.resolution / 2, head_correction=head,
                       head_u=head_u)
