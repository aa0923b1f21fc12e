"""From an approved record to the certificate document (:class:`certificates.CertificateDocument`).

The record holds every number already computed (DESIGN.md, "numbers on a certificate are
computed once"); this module only copies them, with their units, into the document model of
the pure ``certificates`` package. It reads the record as the workflow writes it:

* ``RecordPoint`` rows: ``test``, ``label``, ``nominal``, ``unit``, ``indication``, ``error``,
  ``uncertainty`` (expanded U), ``coverage_factor``, ``mpe``, ``verdict``; error, U and MPE are
  differences, in ``Record.results["error_unit"]`` (``delta_degC`` for a thermometer);
* ``Record.results``: ``error_unit``, ``coverage_probability``, ``decision_rule``
  (``rule``, ``text_vi``, ``text_en``), ``verdict``;
* ``Record.environment``: ``{"temperature": {"value", "unit"}, "humidity": {...}, ...}``;
* ``RecordStandard`` rows: the standard and the calibration in force when the work was done.

Every measured number is rounded here, once, when the document is built, by
:mod:`lims.metrology.reporting` (the document is stored, and the PDF, the page, the JSON and
the DCC print what is stored):

* the expanded uncertainty U to two significant digits, rounded up where ordinary rounding
  would lower it by more than 5 % (EA-4/02 M §5) — :func:`~lims.metrology.reporting.round_uncertainty`;
* the error (the measured value U belongs to) to the decimal place of the rounded U
  (JCGM 100 7.2.6) — :func:`~lims.metrology.reporting.result_places`, ``round_to_places``;
* the coverage factor k to two decimals, as ``reporting.result_text`` prints it;
* readings and values without U of their own (nominal, indication, a repeatability spread, a
  hysteresis) to the instrument's resolution, one more decimal at most when the value has it
  (``result_places(None, resolution)``), and never fewer decimals than the resolution
  (20.0 kg on a 0.01 kg scale prints 20.00 kg);
* a zero is never printed with a minus sign.

Numbers that are not measured here — MPEs (limits of a specification), environmental
conditions as typed, a reference standard's U as its own certificate states it, the
instrument's range — are only cleared of float noise (12 significant digits, :func:`decimal_of`).
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from certificates import model as cm
from certificates.errors import DocumentError
from certificates.formatting import format_measure
from certificates.values import enum_member
from lims.errors import ValidationError
from lims.i18n import _
from lims.metrology.reporting import round_uncertainty
from lims.models import Organisation, Record, RecordStatus, User, WorkKind
from lims.services.certificates.numbers import (
    cert_unit,
    coverage_factor,
    decimal_of,
    measure,
    measure_of,
    reading,
    uncertain,
)

#: Result tables by the record points' ``test`` (unknown tests print their code).
TEST_TITLES: dict[str, tuple[str, str]] = {
    "zero": ("Kiểm tra độ chính xác đặt không", "Zero-setting accuracy"),
    "weighing": ("Kiểm tra sai số", "Weighing test"),
    "weighing_down": ("Kiểm tra sai số – tải giảm", "Weighing test – decreasing loads"),
    "tare": ("Kiểm tra cân trừ bì", "Tare weighing test"),
    "accuracy": ("Kiểm tra sai số", "Accuracy test"),
    "eccentricity": ("Kiểm tra độ lệch tâm", "Eccentricity test"),
    "repeatability": ("Kiểm tra độ lặp lại", "Repeatability test"),
    "discrimination": ("Kiểm tra độ động", "Discrimination test"),
    "rising": ("Hành trình tăng", "Rising pressure"),
    "falling": ("Hành trình giảm", "Falling pressure"),
    "hysteresis": ("Kiểm tra độ trễ", "Hysteresis"),
    "temperature": ("Kiểm tra sai số nhiệt độ", "Temperature points"),
    "calibration": ("Kết quả hiệu chuẩn", "Calibration results"),
    "volume": ("Kiểm tra sai số thể tích", "Volume test"),
    "before_adjustment": ("Trước hiệu chỉnh", "Before adjustment"),
    "after_adjustment": ("Sau hiệu chỉnh", "After adjustment"),
}
STAGES = {"before_adjustment": cm.Stage.BEFORE_ADJUSTMENT, "as_found": cm.Stage.BEFORE_ADJUSTMENT,
          "after_adjustment": cm.Stage.AFTER_ADJUSTMENT, "as_left": cm.Stage.AFTER_ADJUSTMENT}
ENVIRONMENT_NAMES: dict[str, tuple[str, str]] = {
    "temperature": ("Nhiệt độ", "Temperature"),
    "humidity": ("Độ ẩm tương đối", "Relative humidity"),
    "relative_humidity": ("Độ ẩm tương đối", "Relative humidity"),
    "pressure": ("Áp suất khí quyển", "Atmospheric pressure"),
    "atmospheric_pressure": ("Áp suất khí quyển", "Atmospheric pressure"),
    "voltage": ("Điện áp nguồn", "Supply voltage"),
    "frequency": ("Tần số nguồn", "Supply frequency"),
    "height_difference": ("Độ cao của áp kế so với chuẩn", "Height of the gauge above the reference"),
}
#: Units the program stores that print under another spelling on a certificate.
#: A difference of these units is written as the matching ``delta`` unit.
DIFFERENCE_UNITS = {"degC": "delta_degC", "degF": "delta_degF"}

NOTICE_TITLE = cm.LocalText("THÔNG BÁO KẾT QUẢ KIỂM ĐỊNH KHÔNG ĐẠT",
                            "NOTICE OF NON-CONFORMITY: VERIFICATION NOT PASSED")
NOTICE_REMARK = cm.LocalText(
    "Phương tiện đo không đạt yêu cầu kiểm định: không được dán tem kiểm định, không được sử dụng "
    "trong các trường hợp phải kiểm định cho đến khi được sửa chữa và kiểm định lại đạt yêu cầu.",
    "The instrument did not pass verification: it gets no verification stamp and must not be used "
    "where verification is mandatory until it has been repaired and verified again with a pass.",
)
VERIFICATION_OFFICER = cm.LocalText("Kiểm định viên", "Verification officer")
CALIBRATION_OFFICER = cm.LocalText("Hiệu chuẩn viên", "Calibration officer")
SIGNATORY = cm.LocalText("Người soát xét, phê duyệt", "Reviewed and approved by")
ADJUSTED_NOTE = cm.LocalText("Phương tiện đo đã được hiệu chỉnh trong quá trình thực hiện.",
                             "The instrument was adjusted during the work.")


@dataclass(frozen=True)
class Issue:
    """What the certificate service decided before the document is built."""

    number: str
    issued_on: date
    language: str
    valid_until: date | None = None
    stamp_number: str | None = None
    supersedes: str | None = None
    extra_remarks: tuple[cm.LocalText | str, ...] = ()


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, on the last day of the month when that day does not exist."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def is_pass(record: Record) -> bool:
    return (record.verdict or record.results.get("verdict")) == cm.Verdict.PASS.value


def is_notice(record: Record) -> bool:
    """A verification that did not pass gets a notice of non-conformity, not a certificate."""
    return record.kind == WorkKind.verification.value and not is_pass(record)


def _text(vi: str, en: str | None = None) -> cm.LocalText | None:
    vi = (vi or "").strip()
    if not vi:
        return None
    return cm.LocalText(vi, (en or "").strip() or None)


def _error_unit(record: Record, point_unit: str) -> str:
    stated = (record.results or {}).get("error_unit")
    return cert_unit(stated or DIFFERENCE_UNITS.get(point_unit, point_unit))


def _uncertainty(point: Any, err_unit: str, p: float) -> cm.Uncertainty | None:
    if point.uncertainty is None:
        return None
    return cm.Uncertainty(cm.Measure(round_uncertainty(abs(float(point.uncertainty))), err_unit),
                          k=coverage_factor(point.coverage_factor or 2), coverage_probability=decimal_of(p))


def _label(point: Any, stored: dict, resolution: float | None) -> cm.LocalText | str | None:
    """The point's label; a repeatability test adds the spread of its readings (OIML R76-1 3.6.1)."""
    spread = stored.get("spread") if isinstance(stored, dict) else None
    if not spread or spread.get("value") is None:
        return point.label or None
    unit = cert_unit(spread["unit"])
    value = reading(spread["value"], resolution if spread["unit"] == point.unit else None)
    prefix = f"{point.label} · " if point.label else ""
    return cm.LocalText(f"{prefix}max − min = {format_measure(value, unit, 'vi')}",
                        f"{prefix}max − min = {format_measure(value, unit, 'en')}")


def _hysteresis(record: Record) -> cm.LocalText | None:
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


def _row(record: Record, point: Any, stored: dict, p: float) -> cm.ResultRow:
    """One point, its numbers rounded (see the module docstring)."""
    inst = record.instrument
    resolution = inst.resolution if point.unit == inst.range_unit else None
    err_unit = _error_unit(record, point.unit)
    err_resolution = inst.resolution if err_unit == inst.range_unit else None
    nominal = point.reference_value if point.nominal is None else point.nominal
    if nominal is None:
        raise DocumentError(f"points[{point.seq}].nominal", "the point has no reference value")
    error = None
    if point.error is not None:
        value = uncertain(point.error, point.uncertainty) if point.uncertainty else reading(point.error, err_resolution)
        error = cm.Measure(value, err_unit)
    return cm.ResultRow(
        nominal=cm.Measure(reading(nominal, resolution), cert_unit(point.unit)),
        indication=cm.Measure(reading(point.indication, resolution), cert_unit(point.unit))
        if point.indication is not None else None,
        error=error,
        uncertainty=_uncertainty(point, err_unit, p),
        mpe=measure(abs(point.mpe), err_unit, places_like=err_resolution) if point.mpe is not None else None,
        verdict=point.verdict or None,
        label=_label(point, stored, inst.resolution),
    )


def _results(record: Record) -> tuple[cm.ResultSection, ...]:
    p = (record.results or {}).get("coverage_probability") or 0.95
    stored = {pt.get("seq"): pt for pt in (record.results or {}).get("points") or [] if isinstance(pt, dict)}
    groups: dict[str, list[cm.ResultRow]] = {}
    for point in record.points:
        groups.setdefault(point.test or "", []).append(_row(record, point, stored.get(point.seq, {}), p))
    sections = []
    for test, rows in groups.items():
        vi, en = TEST_TITLES.get(test, (test, test))
        sections.append(cm.ResultSection(rows=tuple(rows), title=_text(vi, en), stage=STAGES.get(test)))
    return tuple(sections)


def _environment(record: Record) -> tuple[cm.EnvironmentalCondition, ...]:
    out = []
    for key, item in (record.environment or {}).items():
        if not isinstance(item, dict) or item.get("value") is None or not item.get("unit"):
            continue
        vi, en = ENVIRONMENT_NAMES.get(key, (key, key))
        quantity = _text(vi, en)
        if quantity is None:  # the procedure's keys are never blank; the document names the field
            raise DocumentError("quantity", "is required and must be a non-empty text")
        unit = cert_unit(item["unit"])
        spread = item.get("spread")
        out.append(cm.EnvironmentalCondition(
            quantity, measure_of(item["value"], unit),
            measure(spread, DIFFERENCE_UNITS.get(unit, unit)) if spread is not None else None,
        ))
    return tuple(out)


def _standards(record: Record) -> tuple[cm.ReferenceStandard, ...]:
    out = []
    for rs in record.standards:
        std, cal = rs.standard, rs.calibration
        ident = std.code + (f" (S/N {std.serial_number})" if std.serial_number else "")
        accuracy = None
        if std.accuracy_class:
            accuracy = _text(f"Cấp chính xác {std.accuracy_class}", f"Accuracy class {std.accuracy_class}")
        elif cal.expanded_uncertainty is not None:
            u = format_measure(decimal_of(cal.expanded_uncertainty), cert_unit(cal.uncertainty_unit), "vi")
            u_en = format_measure(decimal_of(cal.expanded_uncertainty), cert_unit(cal.uncertainty_unit), "en")
            k = f"{cal.coverage_factor:g}"
            accuracy = _text(f"U = {u} (k = {k.replace('.', ',')})", f"U = {u_en} (k = {k})")
        out.append(cm.ReferenceStandard(
            name=std.name, identification=ident, certificate_number=cal.certificate_number,
            calibrated_by=cal.calibrated_by, valid_until=cal.due_date, accuracy=accuracy,
        ))
    return tuple(out)


def _conformity(record: Record) -> cm.Conformity | None:
    verdict = record.verdict or (record.results or {}).get("verdict")
    if not verdict:
        return None
    rule = (record.results or {}).get("decision_rule") or {}
    text = _text(rule.get("text_vi") or "", rule.get("text_en"))
    if text is None:
        text = cm.LocalText("Chấp nhận đơn giản: đạt khi |sai số| ≤ MPE (ILAC G8:09/2019, 4.2.1)",
                            "Simple acceptance: pass when |error| ≤ MPE (ILAC G8:09/2019, 4.2.1)")
    proc = record.procedure
    spec = cm.LocalText(f"Yêu cầu kỹ thuật đo lường theo {proc.code}", f"Metrological requirements of {proc.code}")
    if record.instrument.accuracy_class:
        spec = cm.LocalText(f"{spec.vi}, cấp chính xác {record.instrument.accuracy_class}",
                            f"{spec.en}, accuracy class {record.instrument.accuracy_class}")
    return cm.Conformity(verdict=enum_member(cm.Verdict, verdict, "conformity.verdict"), decision_rule=text,
                         specification=spec)


def _instrument(record: Record) -> cm.Instrument:
    inst = record.instrument
    itype = inst.type
    low, high = decimal_of(inst.range_min), decimal_of(inst.range_max)
    unit = cert_unit(inst.range_unit)
    rng = cm.LocalText(f"{format_measure(low, unit, 'vi')} … {format_measure(high, unit, 'vi')}",
                       f"{format_measure(low, unit, 'en')} … {format_measure(high, unit, 'en')}")
    return cm.Instrument(
        name=cm.LocalText(itype.name_vi, itype.name_en or None),
        serial_number=inst.serial_number,
        manufacturer=inst.manufacturer or None,
        model=inst.model or None,
        measuring_range=rng,
        resolution=measure(inst.resolution, inst.range_unit),
        accuracy_class=inst.accuracy_class or None,
    )


def _person(user: User | None, role: cm.LocalText) -> cm.Person | None:
    return None if user is None else _named(user, role)


def _named(user: User, role: cm.LocalText) -> cm.Person:
    return cm.Person(user.full_name or user.username, role)


def _dates(record: Record, issue: Issue) -> tuple[date | None, date]:
    """(received, performed): the receipt date only when it is not after the work (7.8.2.1 i)."""
    request = record.request_item.request if record.request_item else None
    performed_on = record.work_date or (record.approved_at.date() if record.approved_at else issue.issued_on)
    received_on = record.received_date or (request.received_date if request else None)
    return (received_on if received_on and received_on <= performed_on else None), performed_on


def _remarks(record: Record, issue: Issue) -> tuple[Any, ...]:
    remarks: list[Any] = []
    if record.remarks.strip():
        remarks.append(record.remarks.strip())
    hysteresis = _hysteresis(record)
    if hysteresis is not None:
        remarks.append(hysteresis)
    if is_notice(record):
        remarks.append(NOTICE_REMARK)
    remarks.extend(issue.extra_remarks)
    return tuple(remarks)


def _parties(lab: Organisation, customer: Organisation) -> tuple[cm.Laboratory, cm.Customer]:
    return (
        cm.Laboratory(name=lab.name, address=lab.address or lab.name, phone=lab.phone or None,
                      email=lab.email or None),
        cm.Customer(name=customer.name, address=customer.address or None,
                    contact=", ".join(x for x in (customer.phone, customer.email) if x) or None),
    )


def _check_issuable(record: Record, signer: User | None) -> User:
    if record.status != RecordStatus.approved.value:
        raise ValidationError(_("Only an approved record gets a certificate."), field="record")
    if record.kind not in (WorkKind.verification.value, WorkKind.calibration.value):
        raise ValidationError(_("Certificates are issued for verification and calibration only."), field="kind")
    signer = signer or record.reviewer
    if signer is None:
        raise ValidationError(_("An approved record names the reviewer who approved it."), field="reviewer")
    return signer


def build_document(record: Record, lab: Organisation, customer: Organisation, signer: User | None,
                   issue: Issue) -> cm.CertificateDocument:
    """The certificate (or, for a verification that did not pass, the notice) of ``record``.

    Raises :class:`lims.errors.ValidationError` naming the field when the record lacks what a
    certificate must state (ISO/IEC 17025:2017 7.8.2.1, 7.8.4.1; see ``certificates.model``).
    """
    signer = _check_issuable(record, signer)
    request = record.request_item.request if record.request_item else None
    performance = cm.PerformanceLocation.CUSTOMER_SITE if request is not None and request.on_site \
        else cm.PerformanceLocation.LABORATORY
    received_on, performed_on = _dates(record, issue)
    notice = is_notice(record)
    laboratory, customer_part = _parties(lab, customer)
    officer = VERIFICATION_OFFICER if record.kind == WorkKind.verification.value else CALIBRATION_OFFICER
    try:
        return cm.CertificateDocument(
            number=issue.number, kind=cm.Kind(record.kind), title=NOTICE_TITLE if notice else None,
            laboratory=laboratory, customer=customer_part, instrument=_instrument(record),
            method=cm.Method(record.procedure.code, _text(record.procedure.title_vi, record.procedure.title_en)),
            received_on=received_on, performed_on=performed_on, issued_on=issue.issued_on,
            performance_location=performance, performance_address=record.place.strip() or None,
            results=_results(record), environment=_environment(record), reference_standards=_standards(record),
            authorised_by=_named(signer, SIGNATORY), performed_by=_person(record.technician, officer),
            conformity=_conformity(record),
            valid_until=None if notice else issue.valid_until,
            stamp_number=None if notice else issue.stamp_number,
            supersedes=issue.supersedes, language=issue.language,
            adjustment_note=ADJUSTED_NOTE if record.adjusted else None,
            remarks=_remarks(record, issue),
        )
    except DocumentError as exc:
        raise ValidationError(
            _("The certificate cannot be issued: %(field)s: %(reason)s", field=exc.field, reason=exc.reason),
            field=exc.field, errors={exc.field: exc.reason},
        ) from None
