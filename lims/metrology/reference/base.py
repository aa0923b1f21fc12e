"""What a reference standard contributes at one point: :class:`ReferenceAt` (pure values)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReferenceAt:
    """A standard's contribution at one point, every value in the point's unit (differences for all
    but ``value``; see :mod:`lims.metrology.reference_data`)."""

    value: float
    u: float
    drift_half_width: float = 0.0
    buoyancy_u: float = 0.0
    error_bound: float | None = None
    correction: float = 0.0
    readout_half_width: float = 0.0
    head_correction: float = 0.0
    head_u: float = 0.0
    pieces: tuple[str, ...] = ()

    def placeholders(self, delta_unit: str) -> dict[str, str]:
        """Texts a procedure's budget template may use: ``{ref_u}`` (standard uncertainty of the
        reference value from its certificate), ``{ref_drift}`` (drift half-width, rectangular),
        ``{ref_buoyancy_u}`` (standard uncertainty of the air buoyancy), ``{ref_correction}``,
        ``{ref_readout}`` (half the reference readout's resolution, rectangular), ``{ref_head}``
        and ``{ref_head_u}`` (head-height correction and its standard uncertainty)."""
        values = {"ref_u": self.u, "ref_drift": self.drift_half_width, "ref_buoyancy_u": self.buoyancy_u,
                  "ref_correction": self.correction, "ref_readout": self.readout_half_width,
                  "ref_head": self.head_correction, "ref_head_u": self.head_u}
        return {key: f"{float(value)!r} {delta_unit}" for key, value in values.items()}
