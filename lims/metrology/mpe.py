"""Maximum permissible errors (MPE, sai số cho phép lớn nhất) as data plus small functions.

Rules a procedure can name as data (read by :mod:`lims.metrology.mpe_spec`, ``mpe_from_spec``)::

    {"rule": "r76", "accuracy_class": "III", "e": "5 g", "in_service": false}
    {"rule": "percent_of_reading", "percent": 0.5, "fixed": "0.2 delta_degC"}
    {"rule": "percent_of_span", "percent": 1.6, "span": ["0 bar", "16 bar"]}
    {"rule": "percent_of_span", "accuracy_class": 1.6, "full_scale": "16 bar"}
    {"rule": "fixed", "mpe": "0.5 delta_degC"}
    {"rule": "piecewise", "bands": [{"up_to": "10 kg", "mpe": "5 g"}, {"up_to": null, "mpe": "10 g"}]}

Every MPE is returned as a positive pint quantity (the limits are ± that value); MPEs of
temperatures are differences (delta_degC). The OIML R76 table lives in
:mod:`lims.metrology.tables` so a correction is a one-line change.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from lims.i18n import N_, _, current_language
from lims.metrology.errors import MPEError, UnitError
from lims.metrology.tables import R76_CLASSES, R76_IN_SERVICE_FACTOR, R76_INSTRUMENT_LIMITS, R76_MPE_BANDS
from lims.metrology.units import (
    Q_,
    as_delta,
    canonical_unit,
    format_number,
    format_quantity,
    parse_quantity,
    unit_info,
)
from lims.metrology.units_registry import shown_unit

__all__ = [
    "MpeRule", "R76Rule", "PercentOfReadingRule", "PercentOfSpanRule", "FixedRule", "PiecewiseRule",
    "r76_mpe", "r76_mpe_in_e", "r76_class", "r76_instrument", "r76_min_capacity", "R76Instrument", "percent_of_reading",
    "percent_of_span", "fixed_mpe",
]

Lang = Literal["vi", "en"]
_REL_TOL = 1e-9  # loads at a band boundary stay in the lower band despite float noise


class MpeRule(Protocol):
    """What every MPE rule offers."""

    def mpe(self, at: Any = None) -> Any:
        """The MPE (positive quantity) at a reading or load."""

    def describe(self, lang: Lang = "vi") -> str:
        """The rule as a certificate states it."""

    def to_spec(self) -> dict[str, Any]:
        """The rule as data (inverse of :func:`parse_mpe_spec`)."""


def _lang() -> Lang:
    """The language numbers in messages are written in (the catalogs' current one)."""
    return "en" if current_language() == "en" else "vi"


def _quantity(value: Any, what: str, dimension: str | None = None) -> Any:
    try:
        return parse_quantity(value, dimension=dimension)
    except UnitError as exc:
        raise UnitError(_("%(what)s: %(reason)s", what=_(what), reason=exc.message), units=exc.units) from exc


def _positive(q: Any, what: str) -> Any:
    if not q.magnitude > 0:
        raise MPEError(_("%(what)s must be positive, not %(value)s", what=_(what),
                         value=format_quantity(q, _lang())))
    return q


def _compatible(q: Any, reference: Any, what: str, reference_what: str) -> None:
    a, b = unit_info(canonical_unit(q.units)), unit_info(canonical_unit(reference.units))
    if a.dimensionality != b.dimensionality:
        raise UnitError(
            _("%(what)s is in %(unit)s, which does not fit %(other)s in %(other_unit)s", what=_(what),
              unit=shown_unit(a.text), other=_(reference_what), other_unit=shown_unit(b.text)),
            units=(a.text, b.text),
        )


def r76_class(accuracy_class: Any) -> str:
    """Normalise an OIML R76 accuracy class: ``"iii"``, ``"III"`` or ``3`` -> ``"III"``."""
    text = str(accuracy_class).strip().upper()
    text = {"1": "I", "2": "II", "3": "III", "4": "IIII"}.get(text, text)
    if text not in R76_CLASSES:
        raise MPEError(_("Unknown OIML R76 accuracy class %(cls)s (use I, II, III or IIII).", cls=repr(accuracy_class)))
    return text


def r76_mpe_in_e(accuracy_class: Any, m_e: float) -> float:
    """MPE in scale intervals for a load of ``m_e`` e at initial verification (OIML R76-1 3.5.1, table 6)."""
    return _r76_multiple(r76_class(accuracy_class), m_e)


def _r76_multiple(accuracy_class: str, m_e: float) -> float:
    """MPE in units of e for a load of ``m_e`` e at initial verification (OIML R76-1 3.5.1)."""
    for upper, multiple in R76_MPE_BANDS[accuracy_class]:
        if m_e <= upper * (1.0 + _REL_TOL):
            return multiple
    top = R76_MPE_BANDS[accuracy_class][-1][0]
    raise MPEError(
        _("A load of %(load)s e is beyond the class %(cls)s table of OIML R76-1 (up to %(top)s e); check the "
          "load and e.", load=format_number(m_e, _lang(), None), cls=accuracy_class, top=format_number(top, _lang(), 0))
    )


def r76_mpe(accuracy_class: Any, e: Any, load: Any, in_service: bool = False) -> Any:
    """MPE of a non-automatic weighing instrument at ``load`` (OIML R76-1:2006 3.5.1, 3.5.2).

    Initial verification: ±0.5 e, ±1 e, ±1.5 e by load band (class III: up to 500 e,
    2 000 e, 10 000 e); in service twice that (3.5.2). Returned in the unit of ``e``.
    """
    klass = r76_class(accuracy_class)
    e_q = _positive(_quantity(e, N_("the verification scale interval e"), "[mass]"), "e")
    load_q = _quantity(load, N_("the load"), canonical_unit(e_q.units))
    m = load_q.to(e_q.units).magnitude
    if m < 0:
        raise MPEError(_("The load %(load)s is negative.", load=format_quantity(load_q, _lang())))
    multiple = _r76_multiple(klass, m / e_q.magnitude)
    factor = R76_IN_SERVICE_FACTOR if in_service else 1.0
    return Q_(multiple * factor * float(e_q.magnitude), e_q.units)


@dataclass(frozen=True, slots=True)
class R76Instrument:
    """Number of verification scale intervals n = Max/e and minimum capacity (OIML R76-1 3.2, 3.3.1)."""

    accuracy_class: str
    n: float
    min_capacity: Any


def r76_instrument(accuracy_class: Any, e: Any, max_capacity: Any) -> R76Instrument:
    """Check n = Max/e against the class limits and give Min (OIML R76-1 Table 3).

    Raises :class:`MPEError` when e or n is outside what the class allows.
    """
    klass, e_q, (n_min, n_max, min_e) = _r76_row(accuracy_class, e)
    max_q = _positive(_quantity(max_capacity, N_("the maximum capacity"), "[mass]"), N_("the maximum capacity"))
    n = float(max_q.to(e_q.units).magnitude / e_q.magnitude)
    if n < n_min * (1 - _REL_TOL) or n > n_max * (1 + _REL_TOL):
        limit = (_("%(low)s to %(high)s", low=f"{n_min:g}", high=f"{n_max:g}") if math.isfinite(n_max)
                 else _("at least %(low)s", low=f"{n_min:g}"))
        raise MPEError(_("Class %(cls)s with e = %(e)s needs n = Max/e %(limit)s, but n = %(n)s.", cls=klass,
                         e=format_quantity(e_q, _lang()), limit=limit, n=f"{n:g}"))
    return R76Instrument(klass, n, Q_(min_e * float(e_q.magnitude), e_q.units))


def r76_min_capacity(accuracy_class: Any, e: Any) -> Any:
    """Min from the class and e (OIML R76-1 Table 3): class I 100 e; class II 20 e for
    0.001 g ≤ e ≤ 0.05 g, 50 e for e ≥ 0.1 g; class III 20 e; class IIII 10 e. In the unit of e."""
    _klass, e_q, (_n_min, _n_max, min_e) = _r76_row(accuracy_class, e)
    return Q_(min_e * float(e_q.magnitude), e_q.units)


def _r76_row(accuracy_class: Any, e: Any) -> tuple[str, Any, tuple[float, float, float]]:
    """(class, e, (n min, n max, Min in e)) of the R76-1 Table 3 row for e; MPEError if e is not allowed."""
    klass = r76_class(accuracy_class)
    e_q = _positive(_quantity(e, "e", "[mass]"), "e")
    e_g = float(e_q.to("g").magnitude)
    for e_low, e_high, n_min, n_max, min_e in R76_INSTRUMENT_LIMITS[klass]:
        if e_low * (1 - _REL_TOL) <= e_g <= e_high * (1 + _REL_TOL):
            return klass, e_q, (n_min, n_max, min_e)
    raise MPEError(_("e = %(e)s is not allowed for class %(cls)s (OIML R76-1 Table 3).",
                     e=format_quantity(e_q, _lang()), cls=klass))


def percent_of_reading(percent: float, reading: Any, fixed: Any = None) -> Any:
    """±(p % of |reading| + fixed): meters, thermometers (IEC 60751: ±(0.15 + 0.002·|t|) °C).

    For a temperature in °C the percentage applies to the number of degrees and the MPE is
    a difference (delta_degC).
    """
    p = _percent(percent)
    reading_q = _quantity(reading, N_("the reading"))
    mpe = as_delta(Q_(abs(float(reading_q.magnitude)) * p / 100.0, reading_q.units))
    if fixed is not None:
        fixed_q = as_delta(_quantity(fixed, N_("the fixed part of the MPE")))
        _compatible(fixed_q, mpe, N_("the fixed part of the MPE"), N_("the reading"))
        mpe = mpe + fixed_q.to(mpe.units)
    return mpe


def percent_of_span(percent: float, span: Any) -> Any:
    """±p % of the span (accuracy class of a pressure gauge, EN 837-1 / OIML R101 6.1).

    ``span`` is the full-scale value (range from zero) or a pair ``(low, high)``.
    """
    p = _percent(percent)
    low, high = _span(span)
    width = as_delta(high) - as_delta(low) if unit_info(canonical_unit(high.units)).is_offset else high - low
    return as_delta(width) * (p / 100.0)


def fixed_mpe(value: Any) -> Any:
    """A fixed ±MPE (for example ±0.5 °C for a clinical thermometer)."""
    return _positive(as_delta(_quantity(value, N_("the MPE"))), N_("the MPE"))


def _percent(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise MPEError(_("The percentage must be a positive number, not %(value)s.", value=repr(value)))
    return float(value)


def _span(span: Any) -> tuple[Any, Any]:
    if isinstance(span, (list, tuple)):
        if len(span) != 2:
            raise MPEError(_("A span is [low, high], not %(value)s.", value=repr(span)))
        low = _quantity(span[0], N_("the low end of the span"))
        high = _quantity(span[1], N_("the high end of the span"))
        _compatible(low, high, N_("the low end of the span"), N_("the high end"))
        if unit_info(canonical_unit(low.units)).is_offset != unit_info(canonical_unit(high.units)).is_offset:
            raise UnitError(_("Give both ends of the span in the same kind of unit (both °C or both K)."))
        high = high.to(low.units)
    else:
        high = _quantity(span, N_("the full scale"))
        low = Q_(0.0, high.units)
    if not high.magnitude > low.magnitude:
        raise MPEError(_("The span's high end must be above its low end."))
    return low, high


@dataclass(frozen=True, slots=True)
class R76Rule:
    """OIML R76-1 MPE of a non-automatic weighing instrument."""

    accuracy_class: str
    e: str
    in_service: bool = False

    def mpe(self, at: Any = None) -> Any:
        if at is None:
            raise MPEError(_("The OIML R76 MPE depends on the load; give the load."))
        return r76_mpe(self.accuracy_class, self.e, at, self.in_service)

    def describe(self, lang: Lang = "vi") -> str:
        vi = lang == "vi"
        factor = R76_IN_SERVICE_FACTOR if self.in_service else 1.0
        parts, previous = [], 0.0
        for upper, multiple in R76_MPE_BANDS[self.accuracy_class]:
            mpe = f"±{format_number(multiple * factor, lang)} e"
            if math.isfinite(upper):
                parts.append(f"{mpe} {'đến' if vi else 'up to'} {format_number(upper, lang, 0)} e")
            else:
                parts.append(f"{mpe} {'trên' if vi else 'above'} {format_number(previous, lang, 0)} e")
            previous = upper
        e_text = format_quantity(self.e, lang)
        if vi:
            stage = "trong sử dụng" if self.in_service else "kiểm định ban đầu"
            return f"OIML R76-1, cấp chính xác {self.accuracy_class}, e = {e_text}, {stage}: MPE " + "; ".join(parts)
        stage = "in service" if self.in_service else "initial verification"
        return f"OIML R76-1, accuracy class {self.accuracy_class}, e = {e_text}, {stage}: MPE " + "; ".join(parts)

    def to_spec(self) -> dict[str, Any]:
        return {"rule": "r76", "accuracy_class": self.accuracy_class, "e": self.e, "in_service": self.in_service}


@dataclass(frozen=True, slots=True)
class PercentOfReadingRule:
    """±(p % of reading [+ fixed])."""

    percent: float
    fixed: str | None = None

    def mpe(self, at: Any = None) -> Any:
        if at is None:
            raise MPEError(_("A percent-of-reading MPE depends on the reading; give the reading."))
        return percent_of_reading(self.percent, at, self.fixed)

    def describe(self, lang: Lang = "vi") -> str:
        p = format_number(self.percent, lang)
        reading = "giá trị đọc" if lang == "vi" else "of reading"
        if self.fixed is None:
            return f"±{p} % {reading}"
        return f"±({p} % {reading} + {format_quantity(self.fixed, lang)})"

    def to_spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"rule": "percent_of_reading", "percent": self.percent}
        if self.fixed is not None:
            spec["fixed"] = self.fixed
        return spec


@dataclass(frozen=True, slots=True)
class PercentOfSpanRule:
    """±p % of span (accuracy class of a gauge)."""

    percent: float
    span: tuple[str, str]

    def mpe(self, at: Any = None) -> Any:
        result = percent_of_span(self.percent, list(self.span))
        if at is not None:
            _compatible(as_delta(_quantity(at, N_("the reading"))), result, N_("the reading"), N_("the span"))
        return result

    def describe(self, lang: Lang = "vi") -> str:
        p = format_number(self.percent, lang)
        low, high = (format_quantity(s, lang) for s in self.span)
        if lang == "vi":
            return f"±{p} % khoảng đo ({low} đến {high})"
        return f"±{p} % of span ({low} to {high})"

    def to_spec(self) -> dict[str, Any]:
        return {"rule": "percent_of_span", "percent": self.percent, "span": list(self.span)}


@dataclass(frozen=True, slots=True)
class FixedRule:
    """A fixed ±MPE."""

    value: str

    def mpe(self, at: Any = None) -> Any:
        result = fixed_mpe(self.value)
        if at is not None:
            _compatible(as_delta(_quantity(at, N_("the reading"))), result, N_("the reading"), N_("the MPE"))
        return result

    def describe(self, lang: Lang = "vi") -> str:
        return f"±{format_quantity(fixed_mpe(self.value), lang)}"

    def to_spec(self) -> dict[str, Any]:
        return {"rule": "fixed", "mpe": self.value}


@dataclass(frozen=True, slots=True)
class PiecewiseRule:
    """A fixed ±MPE per band of readings: ``bands`` = ((up_to or None, mpe), ...) ascending."""

    bands: tuple[tuple[str | None, str], ...]

    def mpe(self, at: Any = None) -> Any:
        if at is None:
            raise MPEError(_("A banded MPE depends on the reading; give the reading."))
        reading = _quantity(at, N_("the reading"))
        for up_to, mpe in self.bands:
            if up_to is None:
                return fixed_mpe(mpe)
            limit = _quantity(up_to, N_("the band limit"))
            _compatible(reading, limit, N_("the reading"), N_("the band limits"))
            if abs(float(reading.to(limit.units).magnitude)) <= float(limit.magnitude) * (1 + _REL_TOL):
                return fixed_mpe(mpe)
        raise MPEError(_("The reading %(reading)s is above the last band (up to %(limit)s).",
                         reading=format_quantity(reading, _lang()), limit=self.bands[-1][0]))

    def describe(self, lang: Lang = "vi") -> str:
        parts = []
        for up_to, mpe in self.bands:
            value = format_quantity(fixed_mpe(mpe), lang)
            if up_to is None:
                parts.append(f"±{value} " + ("cho phần còn lại" if lang == "vi" else "above"))
            else:
                parts.append(f"±{value} " + ("đến" if lang == "vi" else "up to") + f" {format_quantity(up_to, lang)}")
        return "; ".join(parts)

    def to_spec(self) -> dict[str, Any]:
        return {"rule": "piecewise", "bands": [{"up_to": u, "mpe": m} for u, m in self.bands]}
