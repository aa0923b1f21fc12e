"""The tests of OIML R76-1 Annex A on a non-automatic weighing instrument (pure: plain values in and out).

* **Change-point method** (R76-1 A.4.4.3, rounding-error elimination): at load L the indication I
  is noted; weights of 0.1 e are added until the indication goes up unambiguously by one e; with
  ΔL the added load, the indication before rounding is P = I + ½e − ΔL and the error
  E = P − L = I + ½e − ΔL − L. It is used where d = e (with d < e the rounding of d is already
  small against e). With it, the rounding terms of the budget (d/√12 at load and at zero,
  EURAMET cg-18 7.1.1) are replaced by the 0.1 e step of the additional weights: a rectangular
  distribution of half-width 0.05 e at load and, the zero being set and checked the same way
  (A.4.2.3), at zero.
* **Zero-setting accuracy** (R76-1 4.5.2, A.4.2.3): the error at zero found by the change-point
  method, E₀ = ½e − ΔL (I = 0), shall not exceed ±0.25 e.
* **Eccentricity** (R76-1 3.6.2, A.4.7): ⅓ of (Max + maximum additive tare) on each of 4 positions
  for a load receptor on up to 4 supports; with n > 4 supports, 1/(n − 1) of that sum on each
  support.
* **Discrimination** (R76-1 3.8.2, A.4.8.2, digital indication): an additional load of 1.4 d,
  gently placed on the instrument at equilibrium, shall change the indication by at least d.
* **Tare** (R76-1 3.5.3.3, A.4.6.1): net loads weighed after a tare of about half the maximum
  additive tare (A.4.6.1: between ⅓ and ⅔ of it); the MPE is that of the net load.
* **Fitness for purpose** (R76-1 3.7.1; OIML G 19): at each load the error of the standard weights
  shall not exceed ⅓ of the MPE, and the expanded uncertainty of the determined error shall not
  exceed the procedure's share of the MPE (default ⅓).
* **Checklist** (R76-1 A.1 visual and technical examination): every item ok, else the
  instrument fails.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CHANGE_POINT_TESTS", "ZERO_LIMIT_E", "DISCRIMINATION_FACTOR", "ScaleTerms", "scale_terms",
    "fill_scale_terms", "zero_setting_limit", "eccentricity_plan", "tare_applied", "discrimination_change",
    "FitnessProblem", "fitness_problems", "uncertainty_share", "check_items", "checks_verdicts",
]

#: The tests whose errors are determined with the change-point method when the procedure asks for it.
CHANGE_POINT_TESTS = ("zero", "weighing", "weighing_down", "eccentricity", "tare")
#: R76-1 4.5.2: the zero-setting device sets zero within ±0.25 e.
ZERO_LIMIT_E = 0.25
#: R76-1 3.8.2: an additional load of 1.4 d shall change the indication.
DISCRIMINATION_FACTOR = 1.4
#: R76-1 A.4.4.3: the additional weights are steps of 0.1 e.
CHANGE_POINT_STEP_E = 0.1
#: OIML G 19 / R76-1 3.7.1: the default share of the MPE allowed to U and to the weights' error.
DEFAULT_SHARE = 1.0 / 3.0
_TOL = 1e-9


@dataclass(frozen=True)
class ScaleTerms:
    """What the change-point method puts into one point's budget (all in the instrument's unit).

    ``offset`` = ½e − ΔL is added to I − L; ``rounding_load`` and ``rounding_zero`` are the
    half-widths of the rounding (or change-point step) at load and at zero.
    """

    change_point: bool
    half_e: float
    added_load: float
    rounding_load: float
    rounding_zero: float

    @property
    def offset(self) -> float:
        return self.half_e - self.added_load if self.change_point else 0.0

    def placeholders(self) -> dict[str, str]:
        """``{half_e}``, ``{added_load}``, ``{rounding_load}``, ``{rounding_zero}`` of a budget template."""
        return {"{half_e}": repr(self.half_e if self.change_point else 0.0),
                "{added_load}": repr(self.added_load if self.change_point else 0.0),
                "{rounding_load}": repr(self.rounding_load), "{rounding_zero}": repr(self.rounding_zero)}


def scale_terms(spec: Mapping[str, Any], test: str, *, e: float | None, d: float | None,
                added_load: float | None) -> ScaleTerms:
    """The change-point terms of one point (R76-1 A.4.4.3; EURAMET cg-18 7.1.1 without it).

    The change-point method applies when the procedure asks for it (``"change_point": true``),
    the test determines an error (:data:`CHANGE_POINT_TESTS`), d = e, and ΔL was entered.
    Otherwise the rounding at load and at zero are d/2 each (rectangular: d/√12), or the
    procedure's ``reading_fraction`` of d for an analogue dial read to a fraction of a division.
    At the zero-setting point itself there is no separate zero.
    """
    d_value = d or e or 0.0
    e_value = e or d_value
    use = (bool(spec.get("change_point")) and test in CHANGE_POINT_TESTS and added_load is not None
           and e_value > 0 and abs(d_value - e_value) <= _TOL * e_value)
    if use:
        step = CHANGE_POINT_STEP_E * e_value / 2.0
        return ScaleTerms(True, e_value / 2.0, float(added_load or 0.0), step, 0.0 if test == "zero" else step)
    half = float(spec.get("reading_fraction", 1.0)) * d_value / 2.0
    return ScaleTerms(False, e_value / 2.0, 0.0, half, 0.0 if test == "zero" else half)


def fill_scale_terms(template: Any, terms: ScaleTerms) -> Any:
    """The budget template with the change-point placeholders filled (the others are left for the budget)."""
    values = terms.placeholders()
    if isinstance(template, dict):
        return {k: fill_scale_terms(v, terms) for k, v in template.items()}
    if isinstance(template, list):
        return [fill_scale_terms(v, terms) for v in template]
    if isinstance(template, str):
        for key, value in values.items():
            template = template.replace(key, value)
    return template


def zero_setting_limit(e: float) -> float:
    """The limit of the error at zero, ±0.25 e (R76-1 4.5.2, tested by A.4.2.3)."""
    return ZERO_LIMIT_E * e


def eccentricity_plan(max_capacity: float, max_tare: float | None, supports: int | None) -> tuple[float, int]:
    """(load, number of positions) of the eccentricity test (R76-1 A.4.7).

    Up to 4 supports (or unknown): ⅓ (Max + T+) on 4 positions; n > 4 supports: (Max + T+)/(n − 1)
    on each of the n supports.
    """
    total = max_capacity + (max_tare or 0.0)
    n = int(supports or 0)
    if n > 4:
        return total / (n - 1), n
    return total / 3.0, 4


def tare_applied(max_tare: float | None) -> float:
    """The tare set for the tare test: half the maximum additive tare (R76-1 A.4.6.1: ⅓ to ⅔ of it)."""
    return (max_tare or 0.0) / 2.0


def discrimination_change(readings: list[float], d: float) -> tuple[float, bool] | None:
    """(change of the indication, passed) for readings [before, after 1.4 d was added] (R76-1 3.8.2, A.4.8.2).

    None until both readings are there.
    """
    if len(readings) < 2:
        return None
    change = readings[1] - readings[0]
    return change, change >= d * (1.0 - _TOL)


@dataclass(frozen=True)
class FitnessProblem:
    """A point where the verification is not fit for its purpose (R76-1 3.7.1; OIML G 19)."""

    seq: int
    label: str
    reason: str  # "reference": the weights' error bound; "uncertainty": U of the error
    value: float
    limit: float

    def to_dict(self, unit: str) -> dict[str, Any]:
        return {"seq": self.seq, "label": self.label, "reason": self.reason,
                "value": {"value": self.value, "unit": unit}, "limit": {"value": self.limit, "unit": unit}}


def uncertainty_share(spec: Mapping[str, Any]) -> float:
    """The share of the MPE allowed to U (the procedure's ``fitness.uncertainty_share``, default ⅓)."""
    return float((spec.get("fitness") or {}).get("uncertainty_share", DEFAULT_SHARE))


def fitness_problems(points: Iterable[tuple[int, str, str, float | None, float | None, float | None]],
                     spec: Mapping[str, Any]) -> list[FitnessProblem]:
    """Points (seq, label, test, MPE, U, reference error bound) that fail R76-1 3.7.1 or the U share.

    The weights' error bound is compared with ⅓ MPE at every load (R76-1 3.7.1); U with the
    procedure's share of the MPE at the points of the tests that determine an error
    (``fitness.tests``, default the change-point tests other than zero: repeatability is judged
    by its spread, discrimination by its change).
    """
    fitness = spec.get("fitness") or {}
    reference_share = float(fitness.get("reference_share", DEFAULT_SHARE))
    share = uncertainty_share(spec)
    tests = tuple(fitness.get("tests", ("weighing", "weighing_down", "eccentricity", "tare")))
    out = []
    for seq, label, test, mpe, u, bound in points:
        if mpe is None or mpe <= 0 or test == "zero":
            continue
        if bound is not None and bound > reference_share * mpe * (1 + _TOL):
            out.append(FitnessProblem(seq, label, "reference", bound, reference_share * mpe))
        if test in tests and u is not None and u > share * mpe * (1 + _TOL):
            out.append(FitnessProblem(seq, label, "uncertainty", u, share * mpe))
    return out


def check_items(spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The procedure's checklist (R76-1 A.1): ``[{"key", "title_vi", "title_en", "clause"}, ...]``."""
    return [item for item in spec.get("checks", []) if isinstance(item, dict)]


def checks_verdicts(spec: Mapping[str, Any], checks: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each checklist item with its answer and verdict: ok → pass, not ok → fail, unanswered → None."""
    rows = []
    for item in check_items(spec):
        answer = checks.get(item["key"]) or {}
        ok = answer.get("ok") if isinstance(answer, dict) else None
        rows.append({"key": item["key"], "title_vi": item.get("title_vi", ""), "title_en": item.get("title_en", ""),
                     "clause": item.get("clause", ""), "ok": ok, "note": (answer or {}).get("note", ""),
                     "verdict": None if ok is None else ("pass" if ok else "fail")})
    return rows
