"""The results tables of a certificate, read from the record's points and rounded once.

Each :class:`~certificates.parts.ResultRow` states the **measured reference value** (the
conventional true value the computation used: ``Record.results["points"][i]["reference_value"]``
— the weights' conventional mass, the reference thermometer's corrected reading —, else the
point's ``reference_value``, else its nominal), the nominal value, the indication, the error,
U, k and the MPE. The numbers are rounded here by :mod:`lims.metrology.reporting`
(JCGM 100:2008 7.2.6, EA-4/02 M:2022 §5) so that what is printed adds up:

* U to two significant digits, rounded up where ordinary rounding would lower it by more
  than 5 % (EA-4/02 M §5);
* reference, indication and error to **one decimal place**: that of the rounded U, never
  coarser than the instrument's resolution d. The printed indication minus the printed
  reference is then the printed error, to one unit of the last place (each is rounded on its
  own, half away from zero);
* without U (a verification point computed without a budget): the three to the resolution
  plus one decimal, the extra decimal dropped when it is zero in all three;
* k to two decimals; the nominal to the resolution (one more decimal at most).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from certificates import model as cm
from certificates.errors import DocumentError
from certificates.formatting import format_measure
from certificates.values import distribution_of
from lims.metrology.reporting import result_places, round_to_places, round_uncertainty
from lims.models import Record
from lims.services.certificates.numbers import (
    cert_unit,
    coverage_factor,
    decimal_of,
    measure,
    reading,
    uncertain,
)

__all__ = ["DIFFERENCE_UNITS", "STAGES", "TEST_TITLES", "hysteresis_remark", "result_sections", "row_places"]

#: Result tables by the record points' ``test``; an unknown test is titled "Kết quả" / "Results"
#: (a Vietnamese certificate never prints a test's code, which is an English word).
TEST_TITLES: dict[str, tuple[str, str]] = {
    "zero": ("Kiểm tra độ chính xác cơ cấu chỉnh không", "Zero-setting accuracy"),
    "weighing": ("Kiểm tra sai số", "Weighing test"),
    "weighing_down": ("Kiểm tra sai số với tải giảm dần", "Weighing test, decreasing loads"),
    "increasing": ("Kiểm tra sai số với tải tăng dần", "Weighing test, increasing loads"),
    "decreasing": ("Kiểm tra sai số với tải giảm dần", "Weighing test, decreasing loads"),
    "accuracy": ("Kiểm tra sai số", "Accuracy test"),
    "eccentricity": ("Kiểm tra độ lệch tâm", "Eccentricity test"),
    "repeatability": ("Kiểm tra độ lặp lại", "Repeatability test"),
    "discrimination": ("Kiểm tra độ động", "Discrimination test"),
    "zero_setting": ("Kiểm tra độ chính xác cơ cấu chỉnh không", "Zero-setting accuracy"),
    "tare": ("Kiểm tra cơ cấu trừ bì", "Tare test"),
    "rising": ("Hành trình tăng", "Rising pressure"),
    "falling": ("Hành trình giảm", "Falling pressure"),
    "hysteresis": ("Kiểm tra độ trễ", "Hysteresis"),
    "temperature": ("Kiểm tra sai số nhiệt độ", "Temperature points"),
    "calibration": ("Kết quả hiệu chuẩn", "Calibration results"),
    "volume": ("Kiểm tra sai số thể tích", "Volume test"),
    "before_adjustment": ("Trước hiệu chỉnh", "Before adjustment"),
    "after_adjustment": ("Sau hiệu chỉnh", "After adjustment"),
}
UNKNOWN_TEST = ("Kết quả", "Results")
STAGES = {"before_adjustment": cm.Stage.BEFORE_ADJUSTMENT, "as_found": cm.Stage.BEFORE_ADJUSTMENT,
          "after_adjustment": cm.Stage.AFTER_ADJUSTMENT, "as_left": cm.Stage.AFTER_ADJUSTMENT}
#: Units the program stores that print under another spelling on a certificate.
#: A difference of these units is written as the matching ``delta`` unit.
DIFFERENCE_UNITS = {"degC": "delta_degC", "degF": "delta_degF"}


def _error_unit(record: Record, point_unit: str) -> str:
    stated = (record.results or {}).get("error_unit")
    return cert_unit(stated or DIFFERENCE_UNITS.get(point_unit, point_unit))


def _decimals_of(step: float) -> int:
    """Decimal places of a resolution such as 0.01 (2), 0.5 (1) or 10 (0)."""
    exponent = Decimal(format(float(step), ".12g")).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def row_places(expanded_uncertainty: float | None, resolution: float | None) -> int | None:
    """Decimal places of a row's reference, indication and error (JCGM 100 7.2.6): those of
    the rounded U, never fewer than the resolution d's; None without U (see :func:`_plain_row`)."""
    if not expanded_uncertainty:
        return None
    places = result_places(abs(expanded_uncertainty))
    if places is not None and resolution:
        places = max(places, _decimals_of(resolution))
    return places


def _reference_value(point: Any, stored: dict) -> tuple[float, str] | None:
    """The measured reference value: the one the computation used, else the point's, else None."""
    ref = stored.get("reference_value") if isinstance(stored, dict) else None
    if isinstance(ref, dict) and ref.get("value") is not None:
        return float(ref["value"]), str(ref.get("unit") or point.unit)
    if point.reference_value is not None:
        return float(point.reference_value), point.unit
    return None


def _plain_row(values: list[float | None], resolution: float | None) -> list[Decimal | None]:
    """Values without U: to the resolution plus one decimal, the extra one dropped when it is
    zero in every value (20.00 kg, but a mean of 30.0067 kg prints 30.007 kg)."""
    places = result_places(None, resolution)
    if places is None:
        return [None if v is None else decimal_of(v) for v in values]
    numbers = [None if v is None else round_to_places(v, places) for v in values]
    coarse = Decimal(1).scaleb(-max(0, places - 1))
    if all(n is None or n == n.quantize(coarse) for n in numbers):
        numbers = [None if n is None else n.quantize(coarse) for n in numbers]
    return numbers


def _spread(point: Any, stored: dict, resolution: float | None) -> cm.Measure | None:
    """A repeatability test's max − min of its readings (OIML R76-1 A.4.10), as the workflow
    stored it (``Record.results["points"][i]["spread"]``), to the resolution; None for other points."""
    spread = stored.get("spread") if isinstance(stored, dict) else None
    if not spread or spread.get("value") is None:
        return None
    value = reading(spread["value"], resolution if spread["unit"] == point.unit else None)
    return cm.Measure(value, cert_unit(spread["unit"]))


def _label(point: Any, spread: cm.Measure | None) -> cm.LocalText | str | None:
    """The point's label; a repeatability test adds the spread of its readings (OIML R76-1 3.6.1),
    which the row also states as data (``ResultRow.spread``)."""
    if spread is None:
        return point.label or None
    prefix = f"{point.label} · " if point.label else ""
    return cm.LocalText(f"{prefix}max − min = {format_measure(spread.value, spread.unit, 'vi')}",
                        f"{prefix}max − min = {format_measure(spread.value, spread.unit, 'en')}")


def _uncertainty(point: Any, err_unit: str, p: float) -> cm.Uncertainty | None:
    if point.uncertainty is None:
        return None
    k, probability = coverage_factor(point.coverage_factor or 2), decimal_of(p)
    # k and p agree with the distribution stated (JCGM 100 G.1.3, G.4): k = 2.43 at 95.45 % is t
    return cm.Uncertainty(cm.Measure(round_uncertainty(abs(float(point.uncertainty))), err_unit),
                          k=k, coverage_probability=probability,
                          distribution=distribution_of(k, probability) or "unspecified")


def _row(record: Record, point: Any, stored: dict, p: float) -> cm.ResultRow:
    """One point, its numbers rounded (see the module docstring)."""
    inst = record.instrument
    resolution = inst.resolution if point.unit == inst.range_unit else None
    unit = cert_unit(point.unit)
    err_unit = _error_unit(record, point.unit)
    same_scale = err_unit == cert_unit(DIFFERENCE_UNITS.get(point.unit, point.unit))
    ref = _reference_value(point, stored)
    nominal = point.reference_value if point.nominal is None else point.nominal
    if nominal is None:
        raise DocumentError(f"points[{point.seq}].nominal", "the point has no reference value")
    ref_value, ref_unit = ref if ref is not None else (float(nominal), point.unit)
    ref_unit = cert_unit(ref_unit)
    values = [ref_value, point.indication, point.error if same_scale else None]
    places = row_places(point.uncertainty, resolution)
    if places is not None:
        numbers = [None if v is None else round_to_places(float(v), places) for v in values]
    else:
        numbers = _plain_row(values, resolution if ref_unit == unit else None)
    reference, indication, error = numbers
    if point.error is not None and not same_scale:
        error = uncertain(point.error, point.uncertainty) if point.uncertainty \
            else reading(point.error, None)
    err_resolution = inst.resolution if err_unit == inst.range_unit else None
    spread = _spread(point, stored, inst.resolution)
    return cm.ResultRow(
        nominal=cm.Measure(reading(nominal, resolution), unit),
        reference=cm.Measure(reference, ref_unit) if reference is not None else None,
        indication=cm.Measure(indication, unit) if indication is not None else None,
        error=cm.Measure(error, err_unit) if error is not None and point.error is not None else None,
        uncertainty=_uncertainty(point, err_unit, p),
        mpe=measure(abs(point.mpe), err_unit, places_like=err_resolution) if point.mpe is not None else None,
        verdict=point.verdict or None,
        label=_label(point, spread),
        spread=spread,
    )


def result_sections(record: Record) -> tuple[cm.ResultSection, ...]:
    """One table per ``RecordPoint.test``, in the order the points come."""
    p = (record.results or {}).get("coverage_probability") or 0.95
    stored = {pt.get("seq"): pt for pt in (record.results or {}).get("points") or [] if isinstance(pt, dict)}
    groups: dict[str, list[cm.ResultRow]] = {}
    for point in record.points:
        groups.setdefault(point.test or "", []).append(_row(record, point, stored.get(point.seq, {}), p))
    sections = []
    for test, rows in groups.items():
        vi, en = TEST_TITLES.get(test, UNKNOWN_TEST)
        sections.append(cm.ResultSection(rows=tuple(rows), title=cm.LocalText(vi, en), stage=STAGES.get(test)))
    return tuple(sections)


def hysteresis_remark(record: Record) -> cm.LocalText | None:
    """Pressure gauges: |falling − rising| at each point against the MPE, as the workflow stored it.

    Printed as a remark: the hysteresis has no uncertainty of its own in the record, and a
    calibration results table states one for every row (ISO/IEC 17025 7.8.4.1 a).
    """
    parts: dict[str, list[str]] = {"vi": [], "en": []}
    verdicts = {"pass": ("đạt", "pass"), "fail": ("không đạt", "fail")}
    inst = record.instrument

    def number(m: dict) -> Decimal:
        return reading(m["value"], inst.resolution if m["unit"] == inst.range_unit else None)

    for h in (record.results or {}).get("hysteresis") or []:
        nominal, value, mpe = h.get("nominal"), h.get("hysteresis"), h.get("mpe")
        if not nominal or not value:
            continue
        for i, lang in enumerate(("vi", "en")):
            text = (f"{format_measure(number(nominal), cert_unit(nominal['unit']), lang)}: "
                    f"{format_measure(number(value), cert_unit(value['unit']), lang)}")
            if mpe and mpe.get("value") is not None:
                text += f" (MPE ±{format_measure(decimal_of(abs(mpe['value'])), cert_unit(mpe['unit']), lang)}"
                verdict = verdicts.get(h.get("verdict") or "")
                text += f", {verdict[i]})" if verdict else ")"
            parts[lang].append(text)
    if not parts["vi"]:
        return None
    return cm.LocalText("Độ trễ |giảm − tăng| tại " + "; ".join(parts["vi"]),
                        "Hysteresis |falling − rising| at " + "; ".join(parts["en"]))
