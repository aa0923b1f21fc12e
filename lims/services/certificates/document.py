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

Every measured number is rounded once, when the document is built, by
:mod:`lims.metrology.reporting` (the document is stored, and the PDF, the page, the JSON and
the DCC print what is stored); the results tables are :mod:`.rows`' (the measured reference
value beside the nominal, reference, indication and error to the decimal place of the rounded
U and never coarser than d, U to two significant digits with the EA-4/02 M §5 round-up, k to
two decimals). Numbers that are not measured here — MPEs (limits of a specification),
environmental conditions as typed, a reference standard's U as its own certificate states it,
the instrument's range, Max, e and d — are only cleared of float noise (12 significant digits,
:func:`~.numbers.decimal_of`).

A verification certificate also states what Circular 24/2013/TT-BKHCN and the provincial
templates show: the verification type, the national procedure (``spec["national_procedure"]``,
e.g. ĐLVN 16:2009), Max, Min, e, d of a scale (OIML R76-1 Table 3), year of manufacture,
pattern approval, place of use, the place of performance (the customer's premises for on-site
work), the signatory's job title, and the valid-until date counted from the date of
verification with the rule that counted it (:func:`valid_until_after`).
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from certificates import model as cm
from certificates.addresses import city_of_address
from certificates.errors import DocumentError
from certificates.formatting import format_measure
from certificates.labels import label
from certificates.values import enum_member
from lims.errors import ValidationError
from lims.i18n import _
from lims.metrology.errors import MetrologyError
from lims.metrology.mpe import r76_instrument
from lims.metrology.tables import R76_CLASSES
from lims.models import Instrument, Organisation, Record, RecordStatus, User, WorkKind
from lims.services.certificates.numbers import cert_unit, decimal_of, measure, measure_of
from lims.services.certificates.rows import DIFFERENCE_UNITS, hysteresis_remark, result_sections
from lims.services.certificates.traceability_text import traceability_statement, upstream_text

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
#: The place a record opened in the lab carries by default (lims.services.workflow.open_record), in either language.
GENERIC_LAB_PLACES = frozenset({"laboratory", "phòng thí nghiệm"})
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
    periodic: bool = True
    validity_basis: cm.LocalText | None = None
    amendment_reason: cm.LocalText | None = None


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


def valid_until_after(work_date: date, months: int, rule: str = "same_day") -> date:
    """Valid-until of a passed verification: the type's interval counted from the date of
    verification (Circular 23/2013/TT-BKHCN), on the same day of the month (``same_day``;
    the month's last day when that day does not exist) or on the last day of that month
    (``end_of_month``): ``LIMS_VALID_UNTIL_RULE``."""
    end = add_months(work_date, months)
    if rule == "end_of_month":
        end = end.replace(day=calendar.monthrange(end.year, end.month)[1])
    return end


def validity_basis(months: int | None, rule: str = "same_day") -> cm.LocalText:
    """How the valid-until date was counted, as the certificate states it."""
    key = "validity.none" if not months else f"validity.{rule}"
    return cm.LocalText(label(key, "vi", months=months), label(key, "en", months=months))


def _verification_type(record: Record) -> cm.VerificationType | None:
    """Chế độ kiểm định of a verification (initial, periodic, after repair)."""
    if record.kind != WorkKind.verification.value or not record.verification_type:
        return None
    try:
        return cm.VerificationType(record.verification_type)
    except ValueError:
        return None


def _text(vi: str, en: str | None = None) -> cm.LocalText | None:
    vi = (vi or "").strip()
    if not vi:
        return None
    return cm.LocalText(vi, (en or "").strip() or None)


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
            serial_number=(std.serial_number or "").strip() or None, asset_code=std.code, upstream=upstream_text(cal),
        ))
    return tuple(out)


#: The ILAC G8:09/2019 clause of each decision rule of :mod:`lims.metrology.decision`.
RULE_CLAUSES = {"simple": "4.2.1", "guard_band": "4.2.2", "non_binary": "4.2.3"}


def rule_facts(rule: dict[str, Any]) -> tuple[str | None, Decimal | None]:
    """(ILAC G8:09/2019 clause, guard band factor r of w = r·U) of the decision rule stored in
    ``Record.results["decision_rule"]`` (``{"rule", "r", "text_vi", "text_en"}``); r is None for
    simple acceptance (no guard band). Nothing stored: simple acceptance, as the default wording
    says. A wording stored without the rule's name, or a name this program does not know:
    (None, None) — the facts are in the wording only, as for a document of before these fields."""
    name = rule.get("rule")
    if name is None:
        name = None if rule.get("text_vi") or rule.get("text_en") else "simple"
    clause = RULE_CLAUSES.get(str(name))
    if clause is None or name == "simple":
        return clause, None
    r = rule.get("r")
    return clause, decimal_of(r if r is not None else 1.0)


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
    clause, factor = rule_facts(rule)
    return cm.Conformity(verdict=enum_member(cm.Verdict, verdict, "conformity.verdict"), decision_rule=text,
                         specification=spec, clause=clause, guard_band_factor=factor)


def _scale(inst: Instrument) -> tuple[cm.Measure | None, cm.Measure | None, cm.Measure | None]:
    """(Max, Min, e) of a weighing instrument (OIML R76-1 T.3.2.2, T.3.4, Table 3).

    e is the instrument's verification scale interval; a scale of an R76 accuracy class
    registered without one has e = d (R76-1 3.4.2, as the schema migration set it). Min
    follows from the class and e (Table 3: class I 100 e; II 20 e for e ≤ 0.05 g, 50 e for
    e ≥ 0.1 g; III 20 e; IIII 10 e); it is left out when class and e do not fit Table 3.
    """
    r76 = (inst.accuracy_class or "").strip().upper() in R76_CLASSES and inst.type.quantity == "mass"
    e = inst.scale_interval if inst.scale_interval is not None else (inst.resolution if r76 else None)
    if e is None:
        return None, None, None
    unit = inst.range_unit
    max_capacity, interval = measure(inst.range_max, unit), measure(e, unit)
    try:
        info = r76_instrument(inst.accuracy_class, f"{e!r} {unit}", f"{inst.range_max!r} {unit}")
    except MetrologyError:
        return max_capacity, None, interval
    return max_capacity, measure(float(info.min_capacity.to(unit).magnitude), unit, places_like=e), interval


def _instrument(record: Record, customer: Organisation) -> cm.Instrument:
    """The item (ISO/IEC 17025 7.8.2.1 g) with what a Vietnamese verification certificate states:
    year of manufacture, pattern approval, place of use (the instrument's location, else the
    customer), and Max, Min, e, d of a scale."""
    inst = record.instrument
    itype = inst.type
    low, high = decimal_of(inst.range_min), decimal_of(inst.range_max)
    unit = cert_unit(inst.range_unit)
    rng = cm.LocalText(f"{format_measure(low, unit, 'vi')} … {format_measure(high, unit, 'vi')}",
                       f"{format_measure(low, unit, 'en')} … {format_measure(high, unit, 'en')}")
    max_capacity, min_capacity, scale_interval = _scale(inst)
    return cm.Instrument(
        name=cm.LocalText(itype.name_vi, itype.name_en or None),
        serial_number=inst.serial_number,
        manufacturer=inst.manufacturer or None,
        model=inst.model or None,
        measuring_range=rng,
        resolution=measure(inst.resolution, inst.range_unit),
        accuracy_class=inst.accuracy_class or None,
        year_of_manufacture=inst.year_of_manufacture or None,
        pattern_approval=(inst.pattern_approval or "").strip() or None,
        place_of_use=(inst.location or "").strip() or customer.name,
        max_capacity=max_capacity, min_capacity=min_capacity, scale_interval=scale_interval,
        range_min=cm.Measure(low, unit), range_max=cm.Measure(high, unit),
    )


def _method(record: Record) -> cm.Method:
    """The procedure, and the national procedure (ĐLVN …) its spec names (7.8.2.1 f)."""
    proc = record.procedure
    national = (proc.spec or {}).get("national_procedure")
    return cm.Method(proc.code, _text(proc.title_vi, proc.title_en),
                     national_procedure=national.strip() if isinstance(national, str) and national.strip() else None)


def _person(user: User | None, role: cm.LocalText) -> cm.Person | None:
    return None if user is None else _named(user, role)


def _named(user: User, role: cm.LocalText) -> cm.Person:
    """A person with the job title printed under the signature (the role when none is set)."""
    title = (user.job_title or "").strip()
    return cm.Person(user.full_name or user.username, title or role)


def _place(record: Record, customer: Organisation) -> tuple[cm.PerformanceLocation, str | None]:
    """Where the work was done (7.8.2.1 c): the customer's premises for on-site work (the
    request's site address, else the customer's address), else the laboratory (the record's
    place, a room, when given)."""
    request = record.request_item.request if record.request_item else None
    if request is not None and request.on_site:
        site = (request.site_address or "").strip() or (customer.address or "").strip() or None
        return cm.PerformanceLocation.CUSTOMER_SITE, site
    place = record.place.strip()
    # The word a record is opened with ("laboratory") says nothing the location does not.
    return cm.PerformanceLocation.LABORATORY, None if place.lower() in GENERIC_LAB_PLACES else place or None


def _dates(record: Record, issue: Issue) -> tuple[date | None, date]:
    """(received, performed): the receipt date only when it is not after the work (7.8.2.1 i)."""
    request = record.request_item.request if record.request_item else None
    performed_on = record.work_date or (record.approved_at.date() if record.approved_at else issue.issued_on)
    received_on = record.received_date or (request.received_date if request else None)
    return (received_on if received_on and received_on <= performed_on else None), performed_on


#: Printed when indications were found by the change-point method (OIML R76-1 A.4.4.3).
CHANGE_POINT_REMARK = cm.LocalText(
    "Số chỉ là số chỉ trước khi làm tròn P = I + ½e − ΔL, xác định bằng cách đặt thêm các quả cân 0,1 e "
    "(OIML R76-1 A.4.4.3); sai số E = P − L.",
    "Indications are the indications prior to rounding, P = I + ½e − ΔL, found with additional 0.1 e "
    "weights (OIML R76-1 A.4.4.3); the error is E = P − L.")


def _change_point_used(record: Record) -> bool:
    return bool((record.procedure.spec or {}).get("change_point")) and any(
        p.added_load is not None for p in record.points)


def _remarks(record: Record, issue: Issue) -> tuple[Any, ...]:
    remarks: list[Any] = []
    if record.remarks.strip():
        remarks.append(record.remarks.strip())
    if _change_point_used(record):
        remarks.append(CHANGE_POINT_REMARK)
    hysteresis = hysteresis_remark(record)
    if hysteresis is not None:
        remarks.append(hysteresis)
    if is_notice(record):
        remarks.append(NOTICE_REMARK)
    remarks.extend(issue.extra_remarks)
    return tuple(remarks)


def _parties(lab: Organisation, customer: Organisation) -> tuple[cm.Laboratory, cm.Customer]:
    """The laboratory and the customer. The organisation table has an address but no city:
    the city is the address's last part (:func:`certificates.addresses.city_of_address`); the
    country is the lab's (``Laboratory.country_code``, VN) for both — the lab serves its
    province, and no organisation records another country."""
    laboratory = cm.Laboratory(name=lab.name, address=lab.address or lab.name, phone=lab.phone or None,
                               email=lab.email or None, city=city_of_address(lab.address or None))
    return laboratory, cm.Customer(
        name=customer.name, address=customer.address or None,
        contact=", ".join(x for x in (customer.phone, customer.email) if x) or None,
        city=city_of_address(customer.address or None), country_code=laboratory.country_code)


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
    performance, address = _place(record, customer)
    received_on, performed_on = _dates(record, issue)
    notice = is_notice(record)
    laboratory, customer_part = _parties(lab, customer)
    officer = VERIFICATION_OFFICER if record.kind == WorkKind.verification.value else CALIBRATION_OFFICER
    try:
        return cm.CertificateDocument(
            number=issue.number, kind=cm.Kind(record.kind), title=NOTICE_TITLE if notice else None,
            laboratory=laboratory, customer=customer_part, instrument=_instrument(record, customer),
            method=_method(record), verification_type=_verification_type(record),
            received_on=received_on, performed_on=performed_on, issued_on=issue.issued_on,
            performance_location=performance, performance_address=address,
            results=result_sections(record), environment=_environment(record), reference_standards=_standards(record),
            authorised_by=_named(signer, SIGNATORY), performed_by=_person(record.technician, officer),
            conformity=_conformity(record),
            valid_until=None if notice else issue.valid_until,
            periodic_verification=issue.periodic or notice,
            validity_basis=None if notice else issue.validity_basis,
            stamp_number=None if notice else issue.stamp_number,
            supersedes=issue.supersedes, language=issue.language,
            adjustment_note=ADJUSTED_NOTE if record.adjusted else None,
            remarks=_remarks(record, issue), amendment_reason=issue.amendment_reason,
            traceability_statement=traceability_statement(record),
        )
    except DocumentError as exc:
        raise ValidationError(
            _("The certificate cannot be issued: %(field)s: %(reason)s", field=exc.field, reason=exc.reason),
            field=exc.field, errors={exc.field: exc.reason},
        ) from None
