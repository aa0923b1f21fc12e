"""Computation of a record's results on save (no database: plain values in, plain values out).

At each point (EURAMET cg-18 / JCGM 100 style, the model comes from the procedure):

* indication I = mean of the readings;
* error E = the budget's estimate of the measurand (for the shipped additive models
  E = I − reference value; without a budget, E = I − reference value);
* expanded uncertainty U = k·u_c from the procedure's budget template filled with this point's
  values (JCGM 100 5.1.2, G.4.1, G.6.4 through :mod:`lims.metrology.uncertainty`);
* MPE from the procedure's MPE rule and the verdict by its decision rule
  (:mod:`lims.metrology.instrument_rules`);
* repeatability (OIML R76-1 3.6.1): the spread of the results, max − min, must not exceed the
  MPE at that load; hysteresis (EN 837-1 9): |I(falling) − I(rising)| at one nominal value must
  not exceed the MPE.

The overall verdict is the most severe of the points'. All values are in the instrument's
unit; errors, uncertainties and MPEs are differences (``delta_degC`` for ``degC``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, overload

from lims.errors import ValidationError
from lims.i18n import _
from lims.metrology.budget import DEFAULT_COVERAGE_PROBABILITY
from lims.metrology.errors import MetrologyError
from lims.metrology.instrument_rules import InstrumentFacts, decide, mpe_at, mpe_rule_summary, rule_description, worst
from lims.metrology.r76_tests import (
    DISCRIMINATION_FACTOR,
    checks_verdicts,
    discrimination_change,
    fill_scale_terms,
    fitness_problems,
    scale_terms,
    zero_setting_limit,
)
from lims.metrology.reference_data import ReferenceAt, reference_at
from lims.metrology.uncertainty import BudgetResult, evaluate_budget
from lims.metrology.units import Q_, as_delta, canonical_unit


@dataclass
class PointData:
    seq: int
    test: str
    label: str
    nominal: float | None
    unit: str
    readings: list[float]
    reference_value: float | None = None
    added_load: float | None = None  # OIML R76-1 A.4.4.3 change-point ΔL


@dataclass(frozen=True)
class StandardData:
    id: int
    code: str
    quantity: str
    range_min: float
    range_max: float
    range_unit: str
    expanded_uncertainty: float
    uncertainty_unit: str
    coverage_factor: float
    calibration_id: int
    # The calibration's own data (lims.metrology.reference_data) and the earlier calibrations'
    # (date, data) for the drift; empty: one U for the whole range.
    data: dict[str, Any] = field(default_factory=dict)
    history: tuple[tuple[str, dict[str, Any]], ...] = ()


@dataclass
class PointResult:
    seq: int
    indication: float | None = None
    reference_value: float | None = None
    error: float | None = None
    uncertainty: float | None = None
    coverage_factor: float | None = None
    dof_effective: float | None = None
    mpe: float | None = None
    verdict: str | None = None
    standard: StandardData | None = None
    spread: float | None = None
    coverage_probability: float | None = None
    budget_rows: list[dict[str, Any]] = field(default_factory=list)
    # How far the reference may be from its nominal here (OIML R76-1 3.7.1 compares it with ⅓ MPE).
    reference_error_bound: float | None = None
    # OIML R76-1 A.4.8.2 discrimination: how much the indication changed for 1.4 d.
    change: float | None = None


@overload
def r12(value: float) -> float: ...


@overload
def r12(value: None) -> None: ...


def r12(value: float | None) -> float | None:
    """Round away floating-point noise (12 significant digits): 20.0 − 19.99 → 0.01."""
    if value is None:
        return None
    return float(f"{value:.12g}")


def delta_unit(unit: str) -> str:
    return canonical_unit(as_delta(Q_(1.0, unit)).units)


def convert(value: float, from_unit: str, to_unit: str, *, delta: bool = False) -> float:
    if from_unit == to_unit:
        return value
    q = Q_(value, from_unit)
    if delta:
        return float(as_delta(q).to(as_delta(Q_(1.0, to_unit)).units).magnitude)
    return float(q.to(to_unit).magnitude)


def covers(std: StandardData, value: float, unit: str) -> bool:
    """Whether the standard's range covers ``value`` (a zero load needs no standard, except in temperature)."""
    if value == 0 and std.quantity != "temperature":
        return True
    v = convert(value, unit, std.range_unit)
    tol = 1e-9 * max(abs(std.range_max), abs(std.range_min), 1.0)
    return std.range_min - tol <= v <= std.range_max + tol


def choose_standard(standards: list[StandardData], value: float, unit: str) -> StandardData | None:
    """Of the standards covering ``value``, the one with the smallest expanded uncertainty."""
    fitting = [s for s in standards if covers(s, value, unit)]
    if not fitting:
        return None
    return min(fitting, key=lambda s: convert(s.expanded_uncertainty, s.uncertainty_unit, unit, delta=True))


def _fill(template: Any, strings: dict[str, str], exact: dict[str, Any]) -> Any:
    if isinstance(template, dict):
        return {k: _fill(v, strings, exact) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, strings, exact) for v in template]
    if isinstance(template, str):
        if template in exact:
            return exact[template]
        try:
            return template.format_map(strings)
        except (KeyError, ValueError, IndexError) as exc:
            raise ValidationError(_("The uncertainty budget template has an unknown placeholder in %(text)s.",
                                    text=repr(template)), field="spec.budget") from exc
    return template


def evaluate_point_budget(template: dict[str, Any], *, unit: str, readings: list[float], reference: float,
                          half_resolution: float, standard_u: str, standard_k: float,
                          reference_terms: dict[str, str] | None = None) -> BudgetResult:
    """Fill the procedure's budget template with one point's values and evaluate it (GUM).

    ``reference_terms`` are the standard's contributions at this point
    (:meth:`lims.metrology.reference_data.ReferenceAt.placeholders`); without them they are zero
    except ``{ref_u}``, which is ``standard_U``/``standard_k``.
    """
    delta = delta_unit(unit)
    strings = {"unit": unit, "delta_unit": delta, "reference": repr(float(reference)),
               "half_resolution": repr(float(half_resolution)), "standard_U": standard_u,
               "standard_k": repr(float(standard_k))}
    if reference_terms is None:
        u_std = Q_(standard_u).to(delta).magnitude / float(standard_k) if standard_u else 0.0
        reference_terms = ReferenceAt(value=reference, u=float(u_std)).placeholders(delta)
    strings.update(reference_terms)
    exact: dict[str, Any] = {"{standard_k}": float(standard_k)}
    exact["{readings}"] = [f"{float(r)!r} {unit}" for r in readings] if len(readings) >= 2 else "{readings}"
    budget = _fill({k: v for k, v in template.items() if k != "title"}, strings, exact)
    for entry in budget.get("inputs", []):
        if isinstance(entry, dict) and entry.get("readings") == "{readings}":
            # One reading: no type A evaluation; its rounding is in the resolution inputs.
            del entry["readings"]
            entry["value"] = f"{float(readings[0])!r} {unit}"
            entry["standard_uncertainty"] = f"0 {delta}"
    try:
        return evaluate_budget(budget)
    except MetrologyError as exc:
        raise ValidationError(_("The uncertainty budget cannot be evaluated: %(reason)s", reason=exc.message),
                              field="spec.budget") from exc


def _point_result(p: PointData, *, spec: dict[str, Any], facts: InstrumentFacts, verification_type: str | None,
                  standards: list[StandardData], environment: dict[str, Any] | None = None) -> PointResult:
    """One point: indication, error, U from the budget, MPE and verdict (see the module docstring)."""
    res = PointResult(seq=p.seq)
    if not p.readings or p.nominal is None:
        return res
    unit = facts.unit
    err_unit = delta_unit(unit)
    readings = [convert(r, p.unit, unit) for r in p.readings]
    if p.test == "discrimination":
        return _discrimination(res, readings, facts)
    terms = scale_terms(spec, p.test, e=facts.e, d=facts.resolution,
                        added_load=None if p.added_load is None else convert(p.added_load, p.unit, unit, delta=True))
    template = fill_scale_terms(spec["budget"], terms) if spec.get("budget") else None
    reference = convert(p.reference_value if p.reference_value is not None else p.nominal, p.unit, unit)
    indication = math.fsum(readings) / len(readings)
    # With the change-point method the indication reported is the one before rounding,
    # P = I + ½e − ΔL (R76-1 A.4.4.3), so that P − L is the error; I stays in the readings.
    res.indication = r12(indication + terms.offset)
    std = choose_standard(standards, reference, unit)
    res.standard = std
    ref = None if std is None else reference_at(
        value=reference, unit=unit, expanded_uncertainty=std.expanded_uncertainty,
        uncertainty_unit=std.uncertainty_unit, coverage_factor=std.coverage_factor, data=std.data,
        history=std.history, quantity=std.quantity, range_unit=std.range_unit, code=std.code,
        environment=environment)
    applied = reference
    if ref is not None:  # the measured (conventional) reference: nominal or reading + the standard's corrections
        reference = ref.value
        res.reference_error_bound = ref.error_bound
    res.reference_value = r12(reference)
    error = indication + terms.offset - reference  # R76-1 A.4.4.3: E = I + ½e − ΔL − L
    if template and std is not None and ref is not None:
        result = evaluate_point_budget(
            template, unit=unit, readings=readings, reference=reference,
            half_resolution=(facts.resolution or 0.0) / 2.0,
            standard_u=f"{std.expanded_uncertainty!r} {std.uncertainty_unit}", standard_k=std.coverage_factor,
            reference_terms=ref.placeholders(err_unit))
        error = result.value
        res.uncertainty = r12(result.expanded_uncertainty)
        res.coverage_factor = r12(result.k)
        res.dof_effective = None if math.isinf(result.dof_effective) else r12(result.dof_effective)
        res.budget_rows = result.rows()
        res.coverage_probability = result.coverage_probability
    mpe_rule = spec.get("mpe", {"rule": "none"})
    res.error = r12(error)
    # at the load applied, not its correction (a 5 kg load 3 mg heavy stays in R76-1's 500 e band)
    mpe = zero_setting_limit(facts.e or 0.0) if p.test == "zero" else \
        mpe_at(mpe_rule, facts, applied, unit, verification_type)
    res.mpe = None if mpe is None else r12(mpe)
    res.verdict = decide(spec.get("decision", {"rule": "simple"}), res.error, res.mpe, res.uncertainty, err_unit)
    if p.test == "repeatability" and len(readings) >= 2:
        spread = r12(max(readings) - min(readings))
        res.spread = spread
        if res.mpe is not None:
            res.verdict = worst([res.verdict, decide({"rule": "simple"}, spread, res.mpe, None, err_unit)])
    return res


def _discrimination(res: PointResult, readings: list[float], facts: InstrumentFacts) -> PointResult:
    """R76-1 3.8.2 / A.4.8.2: readings [before, after adding 1.4 d]; the change shall be at least d."""
    d = facts.resolution or facts.e or 0.0
    found = discrimination_change(readings, d)
    res.indication = r12(readings[-1])
    if found is not None:
        res.change = r12(found[0])
        res.verdict = "pass" if found[1] else "fail"
    return res


def _q(value: float | None, unit: str) -> dict[str, Any] | None:
    return None if value is None else {"value": value, "unit": unit}


def _point_json(p: PointData, res: PointResult, unit: str, err_unit: str) -> dict[str, Any]:
    return {
        "seq": p.seq, "test": p.test, "label": p.label,
        "nominal": _q(p.nominal, p.unit),
        "readings": [{"value": v, "unit": p.unit} for v in p.readings],
        "reference_value": _q(res.reference_value, unit),
        "indication": _q(res.indication, unit),
        "error": _q(res.error, err_unit),
        "uncertainty": _q(res.uncertainty, err_unit),
        "coverage_factor": res.coverage_factor,
        "dof_effective": res.dof_effective,
        "mpe": _q(res.mpe, err_unit),
        "verdict": res.verdict,
        "standard": res.standard.code if res.standard else None,
        **({"spread": _q(res.spread, err_unit)} if res.spread is not None else {}),
        **({"added_load": _q(p.added_load, p.unit)} if p.added_load is not None else {}),
        **({"reference_error_bound": _q(r12(res.reference_error_bound), err_unit)}
           if res.reference_error_bound is not None else {}),
        **({"change": _q(res.change, err_unit)} if res.change is not None else {}),
    }


def _budget_json(template: dict[str, Any], points: list[PointData], out: dict[int, PointResult], err_unit: str,
                 coverage_probability: float) -> dict[str, Any]:
    """The budget table of the point with the largest U (the one a certificate prints)."""
    by_seq = {p.seq: p for p in points}
    worst_point = max((r for r in out.values() if r.uncertainty is not None), key=lambda r: r.uncertainty or 0.0,
                      default=None)
    return {
        "title": template.get("title", ""),
        "model": template.get("model", ""),
        "measurand": {"symbol": (template.get("measurand") or {}).get("symbol", "E"), "unit": err_unit},
        "coverage_probability": coverage_probability,
        "at_point": worst_point.seq if worst_point else None,
        "at_label": by_seq[worst_point.seq].label if worst_point else None,
        "table": worst_point.budget_rows if worst_point else [],
    }


def compute(spec: dict[str, Any], facts: InstrumentFacts, verification_type: str | None, points: list[PointData],
            standards: list[StandardData], checks: dict[str, Any] | None = None,
            environment: dict[str, Any] | None = None) -> tuple[dict[int, PointResult], dict[str, Any]]:
    """Per-point results and the ``Record.results`` JSON (see the module docstring).

    ``checks`` are the answers to the procedure's checklist (R76-1 A.1); an item not ok fails
    the record. ``fitness`` lists the points that fail R76-1 3.7.1 / OIML G 19
    (:func:`lims.metrology.r76_tests.fitness_problems`). ``environment`` is the record's
    conditions (a pressure reference's head height is one).
    """
    mpe_rule = spec.get("mpe", {"rule": "none"})
    decision = spec.get("decision", {"rule": "simple"})
    template = spec.get("budget")
    unit = facts.unit
    err_unit = delta_unit(unit)
    coverage_probability = float(template.get("coverage_probability", DEFAULT_COVERAGE_PROBABILITY)) \
        if template else DEFAULT_COVERAGE_PROBABILITY
    out: dict[int, PointResult] = {}
    for p in points:
        out[p.seq] = _point_result(p, spec=spec, facts=facts, verification_type=verification_type,
                                   standards=standards, environment=environment)
        point_probability = out[p.seq].coverage_probability
        if point_probability is not None:
            coverage_probability = point_probability
    hysteresis = _hysteresis(spec, points, out, mpe_rule, facts, verification_type)
    checklist = checks_verdicts(spec, checks or {})
    verdicts = [r.verdict for r in out.values()] + [h["verdict"] for h in hysteresis] + \
        [c["verdict"] for c in checklist]
    results: dict[str, Any] = {
        "error_unit": err_unit,
        "coverage_probability": coverage_probability,
        "decision_rule": rule_description(decision),
        "mpe_rule": mpe_rule_summary(mpe_rule, facts, verification_type),
        "verdict": worst(verdicts),
        "points": [_point_json(p, out[p.seq], unit, err_unit) for p in points],
        "complete": all(out[p.seq].error is not None or (p.test == "discrimination" and out[p.seq].verdict)
                        for p in points) and all(c["ok"] is not None for c in checklist),
        "computed_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    results.update(_scale_extras(spec, facts, points, out, checklist, err_unit))
    if hysteresis:
        results["hysteresis"] = hysteresis
    if template:
        results["budget"] = _budget_json(template, points, out, err_unit, coverage_probability)
    return out, results


def _scale_extras(spec: dict[str, Any], facts: InstrumentFacts, points: list[PointData], out: dict[int, PointResult],
                  checklist: list[dict[str, Any]], err_unit: str) -> dict[str, Any]:
    """The checklist, the discrimination load and the fitness-for-purpose findings (R76-1 A.1, 3.8.2, 3.7.1)."""
    extras: dict[str, Any] = {}
    if checklist:
        extras["checks"] = checklist
    if any(p.test == "discrimination" for p in points):
        d = facts.resolution or facts.e or 0.0
        extras["discrimination"] = {"extra_load": _q(r12(DISCRIMINATION_FACTOR * d), facts.unit),
                                    "required_change": _q(r12(d), err_unit)}
    if spec.get("fitness") is not None or (spec.get("mpe") or {}).get("rule") == "r76":
        rows = ((p.seq, p.label, p.test, out[p.seq].mpe, out[p.seq].uncertainty, out[p.seq].reference_error_bound)
                for p in points)
        extras["fitness"] = [f.to_dict(err_unit) for f in fitness_problems(rows, spec)]
    return extras


def _hysteresis(spec: dict[str, Any], points: list[PointData], out: dict[int, PointResult], mpe_rule: dict[str, Any],
                facts: InstrumentFacts, verification_type: str | None) -> list[dict[str, Any]]:
    if not spec.get("hysteresis"):
        return []
    def indications(test: str) -> dict[float, float]:
        return {p.nominal: ind for p in points
                if p.test == test and p.nominal is not None and (ind := out[p.seq].indication) is not None}

    rising, falling = indications("rising"), indications("falling")
    if not rising:  # a dial scale: increasing and decreasing loads (ĐLVN 30:2019)
        rising, falling = indications("weighing"), indications("weighing_down")
    err_unit = delta_unit(facts.unit)
    rows = []
    for nominal in sorted(set(rising) & set(falling)):
        value = r12(abs(falling[nominal] - rising[nominal]))
        at = mpe_at(mpe_rule, facts, nominal, facts.unit, verification_type)
        mpe = None if at is None else r12(at)
        rows.append({
            "nominal": {"value": nominal, "unit": facts.unit},
            "hysteresis": {"value": value, "unit": err_unit},
            "mpe": None if mpe is None else {"value": mpe, "unit": err_unit},
            "verdict": decide({"rule": "simple"}, value, mpe, None, err_unit),
        })
    return rows
