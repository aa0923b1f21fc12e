"""MPE rules given as data (``{"rule": "r76", ...}``): checked, turned into the rule objects of
:mod:`lims.metrology.mpe` and evaluated (see that module's docstring for the forms)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

from lims.i18n import _
from lims.metrology.errors import MPEError
from lims.metrology.mpe import (
    FixedRule,
    MpeRule,
    PercentOfReadingRule,
    PercentOfSpanRule,
    PiecewiseRule,
    R76Rule,
    _compatible,
    _percent,
    _positive,
    _quantity,
    fixed_mpe,
    percent_of_span,
    r76_class,
)
from lims.metrology.units import canonical_unit

__all__ = ["RULES", "mpe_from_spec", "parse_mpe_spec"]


def _text(value: Any, what: str) -> str:
    """A quantity given in a spec, checked now and kept as its text."""
    q = _quantity(value, what)
    return value.strip() if isinstance(value, str) else f"{float(q.magnitude)!r} {canonical_unit(q.units)}"


def _keys(spec: Mapping[str, Any], required: set[str], optional: set[str]) -> None:
    rule = spec["rule"]
    missing = sorted(required - set(spec))
    if missing:
        raise MPEError(_("The MPE rule '%(rule)s' needs '%(key)s'.", rule=rule, key=missing[0]))
    unknown = sorted(set(spec) - required - optional - {"rule", "description"})
    if unknown:
        raise MPEError(_("The MPE rule '%(rule)s' has an unknown key '%(key)s'.", rule=rule, key=unknown[0]))


def _parse_r76(spec: Mapping[str, Any]) -> MpeRule:
    _keys(spec, {"accuracy_class", "e"}, {"in_service"})
    in_service = spec.get("in_service", False)
    if not isinstance(in_service, bool):
        raise MPEError(_("in_service must be true or false, not %(value)s.", value=repr(in_service)))
    e = _text(spec["e"], "e")
    _positive(_quantity(e, "e", "[mass]"), "e")
    return R76Rule(r76_class(spec["accuracy_class"]), e, in_service)


def _parse_percent_of_reading(spec: Mapping[str, Any]) -> MpeRule:
    _keys(spec, {"percent"}, {"fixed"})
    fixed = spec.get("fixed")
    return PercentOfReadingRule(_percent(spec["percent"]),
                                None if fixed is None else _text(fixed, "the fixed part"))


def _parse_percent_of_span(spec: Mapping[str, Any]) -> MpeRule:
    _keys(spec, set(), {"percent", "accuracy_class", "span", "full_scale"})
    if ("percent" in spec) == ("accuracy_class" in spec):
        raise MPEError(_("The MPE rule 'percent_of_span' needs either 'percent' or 'accuracy_class'."))
    if ("span" in spec) == ("full_scale" in spec):
        raise MPEError(_("The MPE rule 'percent_of_span' needs either 'span' [low, high] or 'full_scale'."))
    percent = _percent(spec.get("percent", spec.get("accuracy_class")))
    if "span" in spec:
        raw = spec["span"]
        if not isinstance(raw, Sequence) or isinstance(raw, str) or len(raw) != 2:
            raise MPEError(_("A span is [low, high], not %(value)s.", value=repr(raw)))
        span = (_text(raw[0], "the low end of the span"), _text(raw[1], "the high end of the span"))
    else:
        high = _text(spec["full_scale"], "the full scale")
        span = (f"0 {canonical_unit(_quantity(high, 'the full scale').units)}", high)
    percent_of_span(percent, list(span))
    return PercentOfSpanRule(percent, span)


def _parse_fixed(spec: Mapping[str, Any]) -> MpeRule:
    _keys(spec, {"mpe"}, set())
    value = _text(spec["mpe"], "the MPE")
    fixed_mpe(value)
    return FixedRule(value)


def _parse_piecewise(spec: Mapping[str, Any]) -> MpeRule:
    _keys(spec, {"bands"}, set())
    raw = spec["bands"]
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
        raise MPEError(_("'bands' is a list of {\"up_to\": ..., \"mpe\": ...}"))
    bands = []
    for n, band in enumerate(raw):
        if not isinstance(band, Mapping) or set(band) != {"up_to", "mpe"}:
            raise MPEError(_("Band %(n)s must be {\"up_to\": ..., \"mpe\": ...}", n=n + 1))
        up_to = band["up_to"]
        if up_to is None and n != len(raw) - 1:
            raise MPEError(_("only the last band may have no upper limit (\"up_to\": null)."))
        bands.append((None if up_to is None else _text(up_to, "up_to"), _text(band["mpe"], "mpe")))
        fixed_mpe(bands[-1][1])
    limits = [_quantity(u, "up_to") for u, _ in bands if u is not None]
    for a, b in pairwise(limits):
        _compatible(b, a, "a band limit", "the first band limit")
        if not b.to(a.units).magnitude > a.magnitude:
            raise MPEError(_("The band limits must increase."))
    return PiecewiseRule(tuple(bands))


RULES = {
    "r76": _parse_r76,
    "percent_of_reading": _parse_percent_of_reading,
    "percent_of_span": _parse_percent_of_span,
    "fixed": _parse_fixed,
    "piecewise": _parse_piecewise,
}


def parse_mpe_spec(spec: Mapping[str, Any]) -> MpeRule:
    """An MPE rule from data; raises :class:`MPEError` or :class:`UnitError` naming the fault."""
    if not isinstance(spec, Mapping) or "rule" not in spec:
        raise MPEError(_("An MPE rule is an object with a 'rule' (%(rules)s), not %(spec)s.", rules=", ".join(RULES),
                         spec=repr(spec)))
    parser = RULES.get(spec["rule"])
    if parser is None:
        raise MPEError(_("unknown MPE rule %(rule)s (known: %(rules)s).", rule=repr(spec["rule"]),
                         rules=", ".join(RULES)))
    return parser(spec)


def mpe_from_spec(spec: Mapping[str, Any], reading_or_load: Any = None) -> Any:
    """The MPE a rule given as data allows at a reading or load (positive quantity)."""
    return parse_mpe_spec(spec).mpe(reading_or_load)
