"""A procedure's MPE and decision rules applied to one instrument (pure: plain values in and out).

A procedure states its rules as data once for every instrument of its type; this module fills
in what comes from the instrument (accuracy class, scale interval e, span) and hands the
concrete rule to the measurement core (:func:`lims.metrology.mpe_spec.mpe_from_spec`,
:func:`lims.metrology.decision.decide_from_spec`):

* ``{"rule": "r76", "in_service_for": ["periodic"]}`` — OIML R76-1:2006 3.5.1 (MPE on initial
  verification by load in e, classes I–IIII) with the instrument's class and its verification
  scale interval e (``InstrumentFacts.e``: the resolution d when no e is given); 3.5.2 (in
  service: 2 × that) for the verification types listed (data, so the national procedure's choice
  is a one-line change). The instrument must fit its class (R76-1 Table 3: e, n = Max/e).
* ``{"rule": "percent_of_span"}`` — the instrument's accuracy class as a percentage of its span
  (EN 837-1:1996 9); or ``"percent"`` given in the rule.
* ``{"rule": "percent_of_reading", "percent": p, "fixed": "0.2 delta_degC"}``, ``{"rule": "fixed",
  "mpe": "0.5 delta_degC"}``, ``{"rule": "piecewise", ...}`` — passed on as they are.
* ``{"rule": "none"}`` — no MPE: no verdict.

Decision rules (ILAC G8:09/2019 4.2.1–4.2.3): ``{"rule": "simple"}``,
``{"rule": "guard_band", "r": 1}``, ``{"rule": "non_binary", "r": 1}``.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lims.errors import ValidationError
from lims.field_labels import field_label
from lims.i18n import _
from lims.metrology.decision import decide_from_spec, parse_decision_spec
from lims.metrology.errors import MetrologyError
from lims.metrology.mpe import r76_class, r76_instrument
from lims.metrology.mpe_spec import mpe_from_spec, parse_mpe_spec
from lims.metrology.tables import R76_MPE_BANDS
from lims.metrology.units import Q_, as_delta
from lims.metrology.units_format import page_quantity

VERDICTS = ("pass", "conditional_pass", "conditional_fail", "fail")
_SEVERITY = {v: n for n, v in enumerate(VERDICTS)}
TEMPLATE_RULES = ("r76", "percent_of_span", "percent_of_reading", "fixed", "piecewise", "none")


@dataclass(frozen=True)
class InstrumentFacts:
    """What the rules need to know about the instrument, in its range unit."""

    range_min: float
    range_max: float
    unit: str
    resolution: float | None  # d, the actual scale interval
    accuracy_class: str
    # OIML R76-1 T.3.2.2-T.3.2.5: e, the verification scale interval (d <= e); None: e = d.
    scale_interval: float | None = None
    load_supports: int | None = None  # number of load receptor supports (R76-1 A.4.7)
    max_tare: float | None = None  # maximum additive tare T+ (R76-1 A.4.6, A.4.7)

    @property
    def e(self) -> float | None:
        """The verification scale interval e (R76-1 3.4.2); the resolution d where none is given."""
        return self.scale_interval or self.resolution


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


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError(f"{field_label(field)}: {message}", field=field, errors={field: message})


def concrete_mpe_spec(rule: dict[str, Any], facts: InstrumentFacts,
                      verification_type: str | None) -> dict[str, Any] | None:
    """The measurement core's MPE spec for this instrument (None: the procedure sets no MPE)."""
    name = rule.get("rule")
    if name == "none":
        return None
    if name == "r76":
        if not facts.e:
            raise _invalid("instrument_id", _("The instrument has no scale interval e (resolution)."))
        return {"rule": "r76", "accuracy_class": facts.accuracy_class,
                "e": f"{facts.e!r} {facts.unit}",
                "in_service": verification_type in (rule.get("in_service_for") or [])}
    if name == "percent_of_span":
        percent = rule.get("percent") or accuracy_percent(facts.accuracy_class)
        if percent is None:
            raise _invalid("instrument_id", _("The instrument's accuracy class %(cls)s is not a percentage of span.",
                                              cls=repr(facts.accuracy_class or "")))
        return {"rule": "percent_of_span", "percent": float(percent),
                "span": [f"{facts.range_min!r} {facts.unit}", f"{facts.range_max!r} {facts.unit}"]}
    return {k: v for k, v in rule.items() if k not in ("source", "description")}


def check_mpe_rule(rule: Any, facts: InstrumentFacts | None = None, verification_type: str | None = None) -> None:
    """Refuse a rule the measurement core cannot apply (to this instrument, when given)."""

    if not isinstance(rule, dict) or rule.get("rule") not in TEMPLATE_RULES:
        raise _invalid("spec.mpe", _("Unknown MPE rule %(rule)s.", rule=repr(rule)))
    name = rule["rule"]
    if facts is None:
        if name in ("fixed", "percent_of_reading", "piecewise"):
            try:
                parse_mpe_spec(concrete_mpe_spec(rule, InstrumentFacts(0, 1, "", None, ""), None) or {})
            except MetrologyError as exc:
                raise _invalid("spec.mpe", exc.message) from exc
        return
    spec = concrete_mpe_spec(rule, facts, verification_type)
    if spec is None:
        return
    try:
        parse_mpe_spec(spec)
        if name == "r76":
            r76_instrument(facts.accuracy_class, spec["e"], f"{facts.range_max!r} {facts.unit}")
    except MetrologyError as exc:
        raise _invalid("instrument_id", _("The instrument does not fit the procedure's MPE rule: %(reason)s",
                                          reason=exc.message)) from exc


def mpe_rule_summary(rule: dict[str, Any], facts: InstrumentFacts, verification_type: str | None) -> dict[str, Any]:
    """The concrete rule as stored with the results, with its text in both languages."""

    spec = concrete_mpe_spec(rule, facts, verification_type)
    if spec is None:
        return {"rule": "none"}
    parsed = parse_mpe_spec(spec)
    return {**parsed.to_spec(), "text_vi": parsed.describe("vi"), "text_en": parsed.describe("en")}


def mpe_at(rule: dict[str, Any], facts: InstrumentFacts, load: float, unit: str,
           verification_type: str | None) -> float | None:
    """The MPE (a positive half-width, in the difference unit of ``unit``) at ``load``, or None."""

    spec = concrete_mpe_spec(rule, facts, verification_type)
    if spec is None:
        return None
    try:
        mpe = mpe_from_spec(spec, Q_(float(load), unit))
        return float(as_delta(mpe).to(as_delta(Q_(1.0, unit)).units).magnitude)
    except MetrologyError as exc:
        raise _invalid("points", _("No MPE at %(load)s: %(reason)s", load=page_quantity(load, unit),
                                   reason=exc.message)) from exc


def check_decision_rule(rule: Any) -> None:
    try:
        parse_decision_spec(rule)
    except MetrologyError as exc:
        raise _invalid("spec.decision", exc.message) from exc


def rule_description(rule: dict[str, Any]) -> dict[str, Any]:
    """``{"rule", "r", "text_vi", "text_en"}`` as stored in Record.results and printed on certificates."""

    parsed = parse_decision_spec(rule)
    return {**parsed.to_spec(), "r": parsed.r, "text_vi": parsed.text("vi"), "text_en": parsed.text("en")}


def decide(rule: dict[str, Any], error: float, mpe: float | None, expanded_uncertainty: float | None,
           unit: str) -> str | None:
    """The verdict at one point (ILAC G8:09/2019 4.2); None without an MPE, or without U when the rule needs it."""

    if mpe is None or mpe <= 0:
        return None
    if expanded_uncertainty is None and parse_decision_spec(rule).rule != "simple":
        return None
    u = None if expanded_uncertainty is None else Q_(float(expanded_uncertainty), unit)
    return str(decide_from_spec(rule, Q_(float(error), unit), u, Q_(float(mpe), unit)).outcome)


def worst(verdicts: Iterable[str | None]) -> str | None:
    """The overall verdict: the most severe of the points' (None when no point has one)."""
    known = [v for v in verdicts if v is not None]
    if not known:
        return None
    return max(known, key=lambda v: _SEVERITY[v])


def r76_plan(facts: InstrumentFacts) -> tuple[float, list[float]]:
    """(Min, the loads where the MPE changes), in the instrument's unit (OIML R76-1 Table 3, 3.5.1)."""
    if not facts.e:
        raise _invalid("instrument_id", _("The instrument has no scale interval e (resolution)."))
    e = f"{facts.e!r} {facts.unit}"
    info = r76_instrument(facts.accuracy_class, e, f"{facts.range_max!r} {facts.unit}")
    minimum = float(info.min_capacity.to(facts.unit).magnitude)
    bands = R76_MPE_BANDS[r76_class(facts.accuracy_class)]
    changes = [upper * facts.e for upper, _m in bands[:-1]]
    return minimum, changes
