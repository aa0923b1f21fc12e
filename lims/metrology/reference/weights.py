"""The weights on the pan at one load, after EURAMET cg-18 v4.0 7.1.2 (uncertainty of the reference mass).

The reference mass is m_ref = m_N + δm_c + δm_B + δm_D (cg-18 7.1.2):

* **the combination** — the pieces on the pan for a load are taken from the set largest first,
  each piece once, as a technician builds a load; when the set cannot make the load exactly the
  point is refused with what is left over;
* **δm_c** — used with their corrections (the set's ``use`` is ``corrections``): the value is the
  sum of the pieces' conventional masses, m_N + Σ c_i, and u(δm_c) = Σ U_i/k_i, the pieces'
  uncertainties added linearly because they come from the same calibration (fully correlated,
  cg-18 7.1.2); used at nominal (``use``: ``nominal``): δm_c = 0 and u(δm_c) = Σ MPE_i/√3
  (rectangular within each piece's OIML R111-1 Table 1 MPE, again added linearly);
* **δm_D, drift** — cg-18 7.1.2: the largest change of the combination's conventional mass
  between successive calibrations of the set, D, as the half-width of a rectangular distribution
  (u = D/√3); without two calibrations with corrections, D = Σ U_i (or Σ MPE_i/3 at nominal, the
  most R111-1 5.2 lets U be) *(check: cg-18's default is written as a multiple of U)*;
* **δm_B, air buoyancy** — δm_B = 0 with u(δm_B) = Σ MPE_i/(4√3): cg-18 7.1.2's estimate for
  weights that meet the density limits of R111-1 (10.1, Table 5), which keep the buoyancy
  deviation within ¼ MPE for air densities within ±10 % of ρ₀ = 1.2 kg/m³, used when the air
  density is not measured (the shipped procedures do not record it);
* **error bound** for OIML R76-1 3.7.1 (the standard weights' error shall not exceed ⅓ of the
  instrument's MPE): used at nominal, the weights' error is bounded by Σ MPE_i (R111-1 5.3.2 keeps
  each piece's error within its MPE); used with corrections, the error left after correcting is
  bounded by what the correction does not remove: the expanded uncertainty of the combination
  Σ U_i, the drift D since the calibration and the buoyancy bound Σ MPE_i/4.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

from lims.errors import ValidationError
from lims.i18n import _
from lims.metrology.reference.base import ReferenceAt
from lims.metrology.reference.calibration_data import Piece, WeightSet
from lims.metrology.units_format import page_number

#: Loads and pieces are matched in micrograms (a piece of 1 mg is 1000 µg).
_QUANTUM_KG = 1e-9


def _units(mass_kg: float) -> int:
    return round(mass_kg / _QUANTUM_KG)


def combination(pieces: Sequence[Piece], load_kg: float, *, code: str = "") -> tuple[Piece, ...]:
    """The pieces that make ``load_kg``: largest first, each once (refused when the set cannot make it)."""
    left = _units(load_kg)
    chosen = []
    for piece in sorted(pieces, key=lambda p: (-p.nominal, p.id)):
        size = _units(piece.nominal)
        if 0 < size <= left:
            chosen.append(piece)
            left -= size
    if left != 0:
        raise ValidationError(
            _("%(code)s cannot make %(load)s kg from its pieces (largest first, each once): %(left)s mg are left.",
              code=code, load=page_number(load_kg), left=page_number(left * _QUANTUM_KG * 1e6)), field="standards")
    return tuple(chosen)


def _drift(chosen: Sequence[Piece], history: Sequence[WeightSet]) -> float | None:
    """Largest change of the combination's conventional mass between successive calibrations (kg)."""
    wanted = [p.id for p in chosen]
    sums: list[float | None] = []
    for ws in history:
        by_id = {p.id: p for p in ws.pieces}
        if all(i in by_id and by_id[i].correction is not None for i in wanted):
            sums.append(math.fsum(by_id[i].correction or 0.0 for i in wanted))
        else:
            sums.append(None)
    changes = [abs(b - a) for a, b in zip(sums, sums[1:], strict=False) if a is not None and b is not None]
    return max(changes) if changes else None


def weights_at(ws: WeightSet, load_kg: float, *, history: Sequence[WeightSet] = (), code: str = "") -> ReferenceAt:
    """The reference at ``load_kg`` from the set ``ws`` (in kg; see the module docstring).

    ``history`` holds the set's earlier calibrations, oldest first (the drift compares each with
    the next and the last with ``ws``).
    """
    chosen = combination(ws.pieces, load_kg, code=code)
    mpe_sum = math.fsum(p.mpe for p in chosen)
    if ws.use == "corrections":
        correction = math.fsum(p.correction or 0.0 for p in chosen)
        u = math.fsum(p.u or 0.0 for p in chosen)
        expanded = math.fsum(p.expanded_uncertainty or 0.0 for p in chosen)
    else:
        correction = 0.0
        u = mpe_sum / math.sqrt(3)
        expanded = mpe_sum / 3
    drift = _drift(chosen, [*history, ws])
    if drift is None:
        drift = expanded
    buoyancy_bound = mpe_sum / 4
    bound = mpe_sum if ws.use == "nominal" else expanded + drift + buoyancy_bound
    return ReferenceAt(value=load_kg + correction, u=u, drift_half_width=drift,
                       buoyancy_u=buoyancy_bound / math.sqrt(3), error_bound=bound, correction=correction,
                       pieces=tuple(p.id for p in chosen))
