"""MPE and decision rules as a procedure states them (``spec["mpe"]``, ``spec["decision"]``).

The rules are data, so a lab adds or corrects one by editing a procedure file:

* ``{"rule": "oiml_r76", "in_service_for": ["periodic"]}`` — OIML R76-1:2006, 3.5.1 (table of
  MPE on initial verification by load in verification scale intervals e, classes I–IIII) and
  3.5.2 (MPE in service = 2 × MPE on initial verification). ``in_service_for`` lists the
  verification types (initial, periodic, after_repair) that use the in-service MPE.
* ``{"rule": "percent_of_span"}`` — accuracy class as a percentage of the span
  (EN 837-1:1996, 9: class 1.6 means ±1.6 % of the span); the class is the instrument's, or
  ``"percent"`` in the rule.
* ``{"rule": "percent_of_reading", "percent": 0.5, "plus": 0.2, "unit": "delta_degC"}`` —
  ± (percent of the reference value + a fixed part).
* ``{"rule": "fixed", "value": 0.5, "unit": "delta_degC"}`` — one ± value at every point.
* ``{"rule": "none"}`` — no limit: no verdict (calibration without a conformity statement).

Decision rules, ILAC G8:09/2019 (wording of 4.2.1–4.2.3 in the rule texts below):

* ``{"rule": "simple"}`` — w = 0: pass when |E| ≤ MPE.
* ``{"rule": "guard_band", "guard_band": r}`` — binary with w = r·U: pass when |E| ≤ MPE − w.
* ``{"rule": "non_binary", "guard_band": r}`` — pass, conditional pass, conditional fail, fail.

The measurement core (:mod:`lims.metrology`) is the long-term home of these rules; this module
is the workflow's adapter and keeps the texts the certificate prints in both languages.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from lims.errors import ValidationError
from lims.i18n import _

VERDICTS = ("pass", "conditional_pass", "conditional_fail", "fail")
_SEVERITY = {v: n for n, v in enumerate(VERDICTS)}
R76_CLASSES = ("I", "II", "III", "IIII")

# OIML R76-1:2006 3.5.1, Table 6: upper load limits (in e) of the 0.5 e and 1.0 e bands.
R76_BANDS: dict[str, tuple[float, float]] = {
    "I": (50_000, 200_000),
    "II": (5_000, 20_000),
    "III": (500, 2_000),
    "IIII": (50, 200),
}


def r76_class(text: str | None) -> str | None:
    """The R76 class written on an instrument ("III", "3", "Class III") or None."""
    if not text:
        return None
    cleaned = text.strip().upper().replace("CLASS", "").replace("CẤP", "").strip()
    cleaned = {"1": "I", "2": "II", "3": "III", "4": "IIII", "IV": "IIII"}.get(cleaned, cleaned)
    return cleaned if cleaned in R76_CLASSES else None


def r76_initial_mpe(load_in_e: float, accuracy_class: str) -> float:
    """MPE on initial verification in multiples of e (OIML R76-1:2006, 3.5.1, Table 6)."""
    first, second = R76_BANDS[accuracy_class]
    m = abs(load_in_e)
    if m <= first:
        return 0.5
    if m <= second:
        return 1.0
    return 1.5


def r76_min_capacity_in_e(accuracy_class: str, e_in_g: float) -> float:
    """Minimum capacity Min in e (OIML R76-1:2006, 3.2, Table 3)."""
    if accuracy_class == "I":
        return 100
    if accuracy_class == "II":
        return 20 if e_in_g < 0.1 else 50
    if accuracy_class == "III":
        return 20
    return 10


def accuracy_percent(text: str | None) -> float | None:
    """An accuracy class such as "1.6", "1,6" or "cl. 1.6 %" as a number, else None."""
    if not text:
        return None
    cleaned = "".join(ch for ch in text.replace(",", ".") if ch.isdigit() or ch == ".")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if value > 0 else None


@dataclass(frozen=True)
class InstrumentFacts:
    """What the rules need to know about the instrument, in its range unit."""

    range_min: float
    range_max: float
    unit: str
    resolution: float | None
    accuracy_class: str


def check_mpe_rule(rule: Any, facts: InstrumentFacts | None = None) -> None:
    """Refuse a rule this module cannot apply (to this instrument, when given)."""
    if not isinstance(rule, dict) or rule.get("rule") not in ("oiml_r76", "percent_of_span", "percent_of_reading",
                                                              "fixed", "none"):
        raise ValidationError(_("Unknown MPE rule %(rule)s.", rule=repr(rule)), field="spec.mpe")
    name = rule["rule"]
    if name in ("fixed", "percent_of_reading"):
        if not isinstance(rule.get("unit"), str):
            raise ValidationError(_("The MPE rule needs a unit."), field="spec.mpe.unit")
    if facts is None:
        return
    if name == "oiml_r76":
        if r76_class(facts.accuracy_class) is None:
            raise ValidationError(
                _("The instrument's accuracy class %(cls)s is not an OIML R76 class (I, II, III, IIII).",
                  cls=repr(facts.accuracy_class or "")), field="instrument_id")
        if not facts.resolution:
            raise ValidationError(_("The instrument has no scale interval e (resolution)."), field="instrument_id")
    if name == "percent_of_span" and rule.get("percent") is None and accuracy_percent(facts.accuracy_class) is None:
        raise ValidationError(
            _("The instrument's accuracy class %(cls)s is not a percentage of span.",
              cls=repr(facts.accuracy_class or "")), field="instrument_id")


def mpe_at(rule: dict, facts: InstrumentFacts, load: float, unit: str, verification_type: str | None) -> float | None:
    """The MPE (a positive half-width, in ``unit``) at ``load`` (in ``unit``), or None for no limit."""
    from lims.metrology.units import Q_, as_delta

    name = rule.get("rule")
    if name == "none":
        return None
    to_unit = _converter(facts.unit, unit)
    if name == "oiml_r76":
        cls = r76_class(facts.accuracy_class)
        assert cls is not None and facts.resolution
        e = to_unit(facts.resolution, delta=True)
        mpe = r76_initial_mpe(load / e, cls) * e
        if verification_type in (rule.get("in_service_for") or []):
            mpe *= 2  # R76-1 3.5.2
        return mpe
    if name == "percent_of_span":
        percent = rule.get("percent") or accuracy_percent(facts.accuracy_class)
        span = to_unit(facts.range_max - facts.range_min, delta=True)
        return float(percent) / 100.0 * span
    delta_target = as_delta(Q_(1.0, unit)).units

    def fixed_part(value: Any) -> float:
        return float(as_delta(Q_(float(value or 0.0), rule["unit"])).to(delta_target).magnitude)

    if name == "fixed":
        return fixed_part(rule.get("value"))
    return fixed_part(rule.get("plus")) + float(rule.get("percent", 0.0)) / 100.0 * abs(load)


def _converter(from_unit: str, to_unit: str):
    from lims.metrology.units import Q_, as_delta

    if from_unit == to_unit:
        return lambda value, delta=False: value

    def convert(value: float, delta: bool = False) -> float:
        q = Q_(value, from_unit)
        if delta:
            return float(as_delta(q).to(as_delta(Q_(1.0, to_unit)).units).magnitude)
        return float(q.to(to_unit).magnitude)

    return convert


# ---------------------------------------------------------------- decision rules

RULE_TEXTS = {
    "simple": (
        "Chấp nhận đơn giản (ILAC G8:09/2019, 4.2.1): điểm đo đạt khi |E| ≤ MPE; "
        "độ không đảm bảo đo không được trừ vào giới hạn (w = 0).",
        "Simple acceptance (ILAC G8:09/2019, 4.2.1): a point passes when |E| ≤ MPE; "
        "the measurement uncertainty is not deducted from the limit (w = 0).",
    ),
    "guard_band": (
        "Quy tắc nhị phân có dải bảo vệ w = {r}·U (ILAC G8:09/2019, 4.2.2): đạt khi |E| ≤ MPE − w, "
        "không đạt trong các trường hợp khác.",
        "Binary statement with guard band w = {r}·U (ILAC G8:09/2019, 4.2.2): pass when |E| ≤ MPE − w, "
        "fail otherwise.",
    ),
    "non_binary": (
        "Quy tắc không nhị phân có dải bảo vệ w = {r}·U (ILAC G8:09/2019, 4.2.3): đạt khi |E| ≤ MPE − w; "
        "đạt có điều kiện khi MPE − w < |E| ≤ MPE; không đạt có điều kiện khi MPE < |E| ≤ MPE + w; "
        "không đạt khi |E| > MPE + w.",
        "Non-binary statement with guard band w = {r}·U (ILAC G8:09/2019, 4.2.3): pass when |E| ≤ MPE − w; "
        "conditional pass when MPE − w < |E| ≤ MPE; conditional fail when MPE < |E| ≤ MPE + w; "
        "fail when |E| > MPE + w.",
    ),
}


def check_decision_rule(rule: Any) -> None:
    if not isinstance(rule, dict) or rule.get("rule") not in RULE_TEXTS:
        raise ValidationError(_("Unknown decision rule %(rule)s.", rule=repr(rule)), field="spec.decision")
    r = rule.get("guard_band", 1.0)
    if isinstance(r, bool) or not isinstance(r, (int, float)) or r < 0:
        raise ValidationError(_("The guard band factor must be a number ≥ 0."), field="spec.decision.guard_band")


def rule_description(rule: dict) -> dict:
    """``{"rule", "text_vi", "text_en"}`` as stored in Record.results and printed on certificates."""
    name = rule["rule"]
    r = _fmt_factor(float(rule.get("guard_band", 1.0)))
    vi, en = RULE_TEXTS[name]
    out = {"rule": name, "text_vi": vi.replace("{r}", r.replace(".", ",")), "text_en": en.replace("{r}", r)}
    if name != "simple":
        out["guard_band_factor"] = float(rule.get("guard_band", 1.0))
    return out


def _fmt_factor(r: float) -> str:
    return f"{r:g}"


def _le(a: float, b: float) -> bool:
    """a ≤ b, forgiving the last bits of floating point (0.015000000000000001 ≤ 0.015)."""
    return a <= b or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-15)


def decide(rule: dict, error: float, mpe: float | None, expanded_uncertainty: float | None) -> str | None:
    """The verdict at one point (ILAC G8:09/2019 4.2.1–4.2.3); None when there is no MPE."""
    if mpe is None:
        return None
    e = abs(error)
    name = rule["rule"]
    if name == "simple":
        return "pass" if _le(e, mpe) else "fail"
    if expanded_uncertainty is None:
        return None
    w = float(rule.get("guard_band", 1.0)) * expanded_uncertainty
    if name == "guard_band":
        return "pass" if _le(e, mpe - w) else "fail"
    if _le(e, mpe - w):
        return "pass"
    if _le(e, mpe):
        return "conditional_pass"
    if _le(e, mpe + w):
        return "conditional_fail"
    return "fail"


def worst(verdicts) -> str | None:
    """The overall verdict: the most severe of the points' (None when no point has one)."""
    known = [v for v in verdicts if v is not None]
    if not known:
        return None
    return max(known, key=lambda v: _SEVERITY[v])
