"""Decision rules for statements of conformity (ILAC G8:09/2019; ISO/IEC 17025:2017 7.8.6).

The tolerance limit TL is the MPE (limits ±MPE); the guard band w = r·U; the acceptance
limit AL = TL − w.

* ``simple`` — simple acceptance (ILAC G8 4.2.1): w = 0; conforms when |E| ≤ MPE.
* ``guard_band`` — binary with guard band (4.2.2): w = r·U (r = 1 by default, giving a
  false-accept risk below 2.5 %); conforms when |E| ≤ MPE − w.
* ``non_binary`` — (4.2.3) pass when |E| < MPE − w; conditional pass when
  MPE − w ≤ |E| ≤ MPE; conditional fail when MPE < |E| ≤ MPE + w; fail when |E| > MPE + w.

Legal verification (kiểm định) uses simple acceptance against the regulation's MPE unless
the procedure says otherwise. Each :class:`Verdict` carries the text of its rule in
Vietnamese and English for the certificate (ISO/IEC 17025 7.8.6.2). Comparisons allow a
relative 1e-9 of the MPE for float noise, so an error exactly at a limit counts as at it.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from lims.i18n import N_, _, current_language
from lims.metrology.errors import DecisionError, UnitError
from lims.metrology.reported import clean
from lims.metrology.units import as_delta, canonical_unit, format_number, format_quantity, parse_quantity, unit_info
from lims.metrology.units_registry import shown_unit

__all__ = ["Verdict", "DecisionRule", "decide", "decide_from_spec", "parse_decision_spec", "OUTCOMES", "RULES"]

Lang = Literal["vi", "en"]
Outcome = Literal["pass", "conditional_pass", "conditional_fail", "fail"]
OUTCOMES: tuple[str, ...] = ("pass", "conditional_pass", "conditional_fail", "fail")
RULES: tuple[str, ...] = ("simple", "guard_band", "non_binary")
_ALIASES = {"simple": "simple", "simple_acceptance": "simple", "guard_band": "guard_band",
            "binary_guard_band": "guard_band", "non_binary": "non_binary", "nonbinary": "non_binary"}
_REL_TOL = 1e-9

_OUTCOME_TEXT = {
    "pass": {"vi": "Đạt", "en": "Pass"},
    "conditional_pass": {"vi": "Đạt có điều kiện", "en": "Conditional pass"},
    "conditional_fail": {"vi": "Không đạt có điều kiện", "en": "Conditional fail"},
    "fail": {"vi": "Không đạt", "en": "Fail"},
}
_DCC = {"pass": "pass", "conditional_pass": "conditionalPass",
        "conditional_fail": "conditionalFail", "fail": "fail"}


def _w_text(r: float, lang: Lang) -> str:
    return "U" if r == 1 else f"{format_number(r, lang)} U"


def rule_text(rule: str, r: float, lang: Lang) -> str:
    """The decision rule as a certificate states it (ISO/IEC 17025:2017 7.8.6.2)."""
    w = _w_text(r, lang)
    if rule == "simple":
        if lang == "vi":
            return ("Quy tắc chấp nhận đơn giản (ILAC G8:09/2019 mục 4.2.1), dải bảo vệ w = 0: "
                    "phù hợp khi |sai số| ≤ MPE.")
        return "Simple acceptance (ILAC G8:09/2019 4.2.1), guard band w = 0: conforms when |error| ≤ MPE."
    if rule == "guard_band":
        if lang == "vi":
            return (f"Quy tắc quyết định nhị phân có dải bảo vệ (ILAC G8:09/2019 mục 4.2.2), w = {w}: "
                    "phù hợp khi |sai số| ≤ MPE − w.")
        return (f"Binary decision rule with guard band (ILAC G8:09/2019 4.2.2), w = {w}: "
                "conforms when |error| ≤ MPE − w.")
    if lang == "vi":
        return (f"Quy tắc quyết định không nhị phân có dải bảo vệ (ILAC G8:09/2019 mục 4.2.3), w = {w}: "
                "đạt khi |sai số| < MPE − w; đạt có điều kiện khi MPE − w ≤ |sai số| ≤ MPE; "
                "không đạt có điều kiện khi MPE < |sai số| ≤ MPE + w; không đạt khi |sai số| > MPE + w.")
    return (f"Non-binary decision rule with guard band (ILAC G8:09/2019 4.2.3), w = {w}: pass when "
            "|error| < MPE − w; conditional pass when MPE − w ≤ |error| ≤ MPE; conditional fail when "
            "MPE < |error| ≤ MPE + w; fail when |error| > MPE + w.")


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of a decision rule for one result, with what a certificate states."""

    outcome: str
    rule: str
    r: float
    measured_error: Any
    expanded_uncertainty: Any
    mpe: Any
    guard_band: Any
    acceptance_limit: Any

    @property
    def conforms(self) -> bool:
        """True for pass and conditional pass (the measured error lies within ±MPE)."""
        return self.outcome in ("pass", "conditional_pass")

    @property
    def dcc_conformity(self) -> str:
        """The DCC 3.3.0 conformity value: pass, conditionalPass, conditionalFail, fail."""
        return _DCC[self.outcome]

    def outcome_text(self, lang: Lang = "vi") -> str:
        """``Đạt`` / ``Pass`` ..."""
        return _OUTCOME_TEXT[self.outcome][lang]

    def rule_text(self, lang: Lang = "vi") -> str:
        """The text of the rule that produced this verdict."""
        return rule_text(self.rule, self.r, lang)

    def statement(self, lang: Lang = "vi") -> str:
        """One line for a results table: error, U, MPE and the outcome."""
        error = format_quantity(self.measured_error, lang)
        mpe = format_quantity(self.mpe, lang)
        if lang == "vi":
            parts = [f"Sai số {error}"]
            if self.expanded_uncertainty is not None:
                parts.append(f"U = {format_quantity(self.expanded_uncertainty, lang)}")
            parts.append(f"MPE ±{mpe}")
        else:
            parts = [f"Error {error}"]
            if self.expanded_uncertainty is not None:
                parts.append(f"U = {format_quantity(self.expanded_uncertainty, lang)}")
            parts.append(f"MPE ±{mpe}")
        return "; ".join(parts) + f": {self.outcome_text(lang)}"

    def to_dict(self) -> dict[str, Any]:
        """JSON form (quantities as ``{"value", "unit"}``)."""
        def q(value: Any) -> dict[str, Any] | None:
            if value is None:
                return None
            return {"value": clean(float(value.magnitude)), "unit": canonical_unit(value.units)}  # no binary noise

        return {
            "outcome": self.outcome,
            "conforms": self.conforms,
            "dcc_conformity": self.dcc_conformity,
            "rule": self.rule,
            "r": self.r,
            "measured_error": q(self.measured_error),
            "expanded_uncertainty": q(self.expanded_uncertainty),
            "mpe": q(self.mpe),
            "guard_band": q(self.guard_band),
            "acceptance_limit": q(self.acceptance_limit),
            "outcome_text": {"vi": self.outcome_text("vi"), "en": self.outcome_text("en")},
            "rule_text": {"vi": self.rule_text("vi"), "en": self.rule_text("en")},
        }


def _lang() -> Literal["vi", "en"]:
    """The language numbers in messages are written in (the catalogs' current one)."""
    return "en" if current_language() == "en" else "vi"


def _as_difference(value: Any, what: str) -> Any:
    try:
        return as_delta(parse_quantity(value))
    except UnitError as exc:
        raise UnitError(_("%(what)s: %(reason)s", what=_(what), reason=exc.message), units=exc.units) from exc


def _in_unit(q: Any, unit: Any, what: str) -> float:
    a, b = unit_info(canonical_unit(q.units)), unit_info(canonical_unit(unit))
    if a.dimensionality != b.dimensionality:
        raise UnitError(_("%(what)s is in %(unit)s, which does not fit the MPE in %(mpe_unit)s", what=_(what),
                          unit=shown_unit(a.text), mpe_unit=shown_unit(b.text)), units=(a.text, b.text))
    return float(q.to(unit).magnitude)


def _normalise_rule(rule: Any) -> str:
    name = _ALIASES.get(rule) if isinstance(rule, str) else None
    if name is None:
        raise DecisionError(_("unknown decision rule %(rule)s (use simple, guard_band or non_binary).",
                              rule=repr(rule)))
    return name


def _check_r(r: Any) -> float:
    if isinstance(r, bool) or not isinstance(r, (int, float)) or not math.isfinite(r) or r < 0:
        raise DecisionError(_("The guard band factor r must be a number ≥ 0 (w = r·U), not %(r)s.", r=repr(r)))
    return float(r)


def decide(
    measured_error: Any,
    expanded_uncertainty: Any,
    mpe: Any,
    rule: str = "simple",
    *,
    r: float = 1.0,
) -> Verdict:
    """Apply a decision rule to one measured error (ILAC G8:09/2019 4.2; see module docstring).

    ``measured_error`` may be negative; ``mpe`` is the positive tolerance (limits ±MPE);
    ``expanded_uncertainty`` (U) may be ``None`` for simple acceptance. Quantities or
    text such as ``"0.3 g"``; all must have the MPE's dimension.
    """
    name = _normalise_rule(rule)
    factor = 0.0 if name == "simple" else _check_r(r)
    tl_q = _as_difference(mpe, N_("the MPE"))
    tl = float(tl_q.magnitude)
    if not tl > 0:
        raise DecisionError(_("The MPE must be positive, not %(mpe)s.", mpe=format_quantity(tl_q, _lang())))
    unit = tl_q.units
    error_q = _as_difference(measured_error, N_("the measured error"))
    error = abs(_in_unit(error_q, unit, N_("the measured error")))
    if expanded_uncertainty is None:
        if name != "simple":
            raise DecisionError(_("The decision rule '%(rule)s' needs the expanded uncertainty U.", rule=name))
        u_q, u = None, 0.0
    else:
        u_q = _as_difference(expanded_uncertainty, N_("the expanded uncertainty"))
        u = _in_unit(u_q, unit, N_("the expanded uncertainty"))
        if u < 0:
            raise DecisionError(_("The expanded uncertainty must not be negative, not %(u)s.",
                                  u=format_quantity(u_q, _lang())))
    w = factor * u
    eps = _REL_TOL * tl
    if name == "non_binary":
        if error < tl - w - eps:
            outcome = "pass"
        elif error <= tl + eps:
            outcome = "conditional_pass"
        elif error <= tl + w + eps:
            outcome = "conditional_fail"
        else:
            outcome = "fail"
    else:
        outcome = "pass" if error <= tl - w + eps else "fail"
    quantity = type(tl_q)
    return Verdict(
        outcome=outcome, rule=name, r=factor, measured_error=error_q.to(unit),
        expanded_uncertainty=None if u_q is None else u_q.to(unit), mpe=tl_q,
        guard_band=quantity(w, unit), acceptance_limit=quantity(tl - w, unit),
    )


@dataclass(frozen=True, slots=True)
class DecisionRule:
    """A decision rule given as data: ``{"rule": "guard_band", "r": 1.0}``."""

    rule: str
    r: float = 1.0

    def decide(self, measured_error: Any, expanded_uncertainty: Any, mpe: Any) -> Verdict:
        """Apply this rule (see :func:`decide`)."""
        return decide(measured_error, expanded_uncertainty, mpe, self.rule, r=self.r)

    def text(self, lang: Lang = "vi") -> str:
        """The rule's text for the certificate."""
        return rule_text(self.rule, 0.0 if self.rule == "simple" else self.r, lang)

    def to_spec(self) -> dict[str, Any]:
        """Inverse of :func:`parse_decision_spec`."""
        return {"rule": "simple"} if self.rule == "simple" else {"rule": self.rule, "r": self.r}


def parse_decision_spec(spec: Mapping[str, Any]) -> DecisionRule:
    """``{"rule": "simple"}``, ``{"rule": "guard_band", "r": 1.0}``, ``{"rule": "non_binary"}``."""
    if not isinstance(spec, Mapping) or "rule" not in spec:
        raise DecisionError(_("A decision rule is an object with a 'rule' (%(rules)s), not %(spec)s.",
                              rules=", ".join(RULES), spec=repr(spec)))
    name = _normalise_rule(spec["rule"])
    unknown = sorted(set(spec) - {"rule", "r", "description"})
    if unknown:
        raise DecisionError(_("The decision rule '%(rule)s' has an unknown key '%(key)s'.", rule=name, key=unknown[0]))
    if name == "simple":
        if "r" in spec and spec["r"] not in (0, 0.0):
            raise DecisionError(_("Simple acceptance has no guard band; remove 'r' or use guard_band."))
        return DecisionRule("simple", 0.0)
    return DecisionRule(name, _check_r(spec.get("r", 1.0)))


def decide_from_spec(spec: Mapping[str, Any], measured_error: Any, expanded_uncertainty: Any, mpe: Any) -> Verdict:
    """Apply a decision rule given as data."""
    return parse_decision_spec(spec).decide(measured_error, expanded_uncertainty, mpe)
