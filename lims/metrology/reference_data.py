"""What a reference standard contributes at one measurement point (pure: plain values in and out).

A standard's calibration certificate states its values point by point (``StandardCalibration.data``);
at each point of a record the budget needs what applies there:

* ``value`` — the reference value to compare the indication with: the nominal (or the value the
  technician read from the reference) plus the standard's correction at that point;
* ``u`` — the standard uncertainty of that value from the standard's certificate;
* ``drift_half_width`` — half-width of a rectangular distribution for the drift since the last
  calibration;
* ``buoyancy_u`` — standard uncertainty of the air-buoyancy correction (weights);
* ``error_bound`` — how far the reference may be from its nominal: the bound OIML R76-1 3.7.1
  compares with ⅓ of the instrument's MPE.

All values are in the point's unit (``u``, drift, buoyancy and the bound as differences).

This first version knows only one expanded uncertainty for the whole range of a standard
(``StandardData.expanded_uncertainty``); the data of the certificate replace it where present.
"""
from __future__ import annotations

from dataclasses import dataclass

from lims.metrology.units import Q_, as_delta, canonical_unit


@dataclass(frozen=True)
class ReferenceAt:
    """A standard's contribution at one point (see the module docstring)."""

    value: float
    u: float
    drift_half_width: float = 0.0
    buoyancy_u: float = 0.0
    error_bound: float | None = None
    correction: float = 0.0

    def placeholders(self, delta_unit: str) -> dict[str, str]:
        """Texts a procedure's budget template may use: ``{ref_u}``, ``{ref_drift}``, ``{ref_buoyancy_u}``."""
        return {"ref_u": f"{self.u!r} {delta_unit}", "ref_drift": f"{self.drift_half_width!r} {delta_unit}",
                "ref_buoyancy_u": f"{self.buoyancy_u!r} {delta_unit}",
                "ref_correction": f"{self.correction!r} {delta_unit}"}


def _delta(unit: str) -> str:
    return canonical_unit(as_delta(Q_(1.0, unit)).units)


def reference_at(*, value: float, unit: str, expanded_uncertainty: float, uncertainty_unit: str,
                 coverage_factor: float) -> ReferenceAt:
    """The reference at ``value`` (in ``unit``) from a standard with one U for its whole range."""
    delta = _delta(unit)
    u_expanded = float(as_delta(Q_(expanded_uncertainty, uncertainty_unit)).to(delta).magnitude)
    return ReferenceAt(value=value, u=u_expanded / coverage_factor, error_bound=u_expanded)
