"""The certificate document: everything a verification or calibration certificate states.

A :class:`CertificateDocument` is a frozen snapshot of stored, already-computed values. The
renderers (:mod:`certificates.pdf`, :mod:`certificates.dcc`, :mod:`certificates.jsonform`)
only print it; they never recompute a result.

Content required by ISO/IEC 17025:2017 and where it lives here:

=================================================  ===========================================
7.8.2.1 a) title                                   ``title`` (default from ``kind``)
7.8.2.1 b) laboratory name and address             ``laboratory``
7.8.2.1 c) where the work was done                 ``performance_location``, ``performance_address``
7.8.2.1 d) unique identification, page x of y      ``number`` (printed on every page by the PDF)
7.8.2.1 e) customer name and contact               ``customer``
7.8.2.1 f) method used                             ``method``
7.8.2.1 g) identification and condition of item    ``instrument``
7.8.2.1 h) i) j) dates of receipt, work, issue     ``received_on``, ``performed_on``/``performed_until``, ``issued_on``
7.8.2.1 l) results relate only to the item         fixed sentence, printed always
7.8.2.1 m) results with units                      ``results`` (every value a :class:`Measure`)
7.8.2.1 n) deviations from the method              ``deviations``
7.8.2.1 o) who authorised the certificate          ``authorised_by``
7.8.4.1 a) expanded uncertainty, k, p              :class:`Uncertainty` on each :class:`ResultRow`
7.8.4.1 b) environmental conditions                ``environment``
7.8.4.1 c) metrological traceability               ``reference_standards``, ``traceability_statement``
7.8.4.1 d) before/after adjustment                 :class:`ResultSection` ``stage``, ``adjustment_note``
7.8.4.1 e), 7.8.6 conformity and decision rule      ``conformity``
=================================================  ===========================================

Legal verification (Law on Metrology 04/2011/QH13, Circular 24/2013/TT-BKHCN) adds the stamp
number (số tem) and the valid-until date of a passed verification.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, TypeAlias

from certificates.errors import DocumentError
from certificates.units import compatible

LANGUAGES = ("vi", "en")


class Kind(str, Enum):
    """Kiểm định (legal verification) or hiệu chuẩn (calibration)."""

    VERIFICATION = "verification"
    CALIBRATION = "calibration"


class Status(str, Enum):
    """Life-cycle state printed on the document (anything but ``valid`` gets a watermark; "expired" is not a
    stored state, it follows from ``valid_until``)."""

    DRAFT = "draft"
    VALID = "valid"
    SUPERSEDED = "superseded"
    REVOKED = "revoked"


class Verdict(str, Enum):
    """Conformity of one point or of the whole instrument (ILAC G8:09/2019 4.2)."""

    PASS = "pass"
    FAIL = "fail"
    CONDITIONAL_PASS = "conditional_pass"
    CONDITIONAL_FAIL = "conditional_fail"


class Stage(str, Enum):
    """Results before or after adjustment or repair (ISO/IEC 17025 7.8.4.1 d)."""

    BEFORE_ADJUSTMENT = "before_adjustment"
    AFTER_ADJUSTMENT = "after_adjustment"


class PerformanceLocation(str, Enum):
    """Where the work was done (ISO/IEC 17025 7.8.2.1 c)."""

    LABORATORY = "laboratory"
    CUSTOMER_SITE = "customer_site"
    MOBILE = "mobile"


@dataclass(frozen=True)
class LocalText:
    """A free text in Vietnamese with an optional English translation."""

    vi: str
    en: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.vi, str) or not self.vi.strip():
            raise DocumentError("text", "the Vietnamese text is empty")

    def get(self, lang: str) -> str:
        """The text in ``lang``; Vietnamese when no English text was given."""
        return self.en if lang == "en" and self.en else self.vi


Text: TypeAlias = str | LocalText


def text_for(value: Text | None, lang: str) -> str:
    """A :data:`Text` in ``lang`` (a plain ``str`` is the same in every language)."""
    if value is None:
        return ""
    return value.get(lang) if isinstance(value, LocalText) else value


def to_decimal(value: Any, where: str) -> Decimal:
    """A stored number as :class:`Decimal`, keeping its digits (``0.10`` stays ``0.10``).

    Floats go through ``repr`` (``0.1`` -> ``Decimal('0.1')``, not the binary expansion).
    """
    if isinstance(value, bool):
        raise DocumentError(where, "expected a number, got a yes/no value")
    try:
        if isinstance(value, Decimal):
            number = value
        elif isinstance(value, int):
            number = Decimal(value)
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise DocumentError(where, f"{value} is not a finite number")
            number = Decimal(repr(value))
        elif isinstance(value, str):
            number = Decimal(value.strip().replace(",", "."))
        else:
            raise DocumentError(where, f"expected a number, got {type(value).__name__}")
    except InvalidOperation:
        raise DocumentError(where, f"{value!r} is not a number") from None
    if not number.is_finite():
        raise DocumentError(where, f"{value!r} is not a finite number")
    return number


def _set(obj: object, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


def _require_text(value: Any, where: str, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if isinstance(value, LocalText):
        return
    if not isinstance(value, str) or not value.strip():
        raise DocumentError(where, "is required and must be a non-empty text")


def _require_date(value: Any, where: str, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, date):
        raise DocumentError(where, "must be a date")


@dataclass(frozen=True)
class Measure:
    """A stored number with its unit (DESIGN: never a bare float without its unit)."""

    value: Decimal
    unit: str

    def __post_init__(self) -> None:
        _set(self, "value", to_decimal(self.value, "value"))
        if not isinstance(self.unit, str) or not self.unit.strip():
            raise DocumentError("unit", f"the value {self.value} has no unit (write '1' if dimensionless)")

    @classmethod
    def from_quantity(cls, quantity: Any) -> Measure:
        """From a pint ``Quantity`` (duck-typed: ``magnitude`` and ``units``), unit as its symbol."""
        return cls(quantity.magnitude, format(quantity.units, "~") or "1")


@dataclass(frozen=True)
class Uncertainty:
    """Expanded uncertainty U = k·u with coverage probability p (JCGM 100:2008 6.2, 6.3)."""

    expanded: Measure
    k: Decimal = Decimal("2")
    coverage_probability: Decimal = Decimal("0.95")
    distribution: str = "normal"

    def __post_init__(self) -> None:
        if not isinstance(self.expanded, Measure):
            raise DocumentError("uncertainty.expanded", "must be a Measure (value and unit)")
        _set(self, "k", to_decimal(self.k, "uncertainty.k"))
        _set(self, "coverage_probability", to_decimal(self.coverage_probability, "uncertainty.coverage_probability"))
        if self.expanded.value < 0:
            raise DocumentError("uncertainty.expanded", "an expanded uncertainty cannot be negative")
        if self.k < 1:
            raise DocumentError("uncertainty.k", f"coverage factor k = {self.k} is below 1")
        if not (0 < self.coverage_probability <= 1):
            raise DocumentError(
                "uncertainty.coverage_probability",
                f"{self.coverage_probability} is not a probability: write 0.95 for 95 %",
            )


@dataclass(frozen=True)
class ResultRow:
    """One calibration or verification point.

    ``nominal`` is the reference value applied, ``indication`` what the instrument showed,
    ``error`` = indication − reference as stored by the record, ``mpe`` the maximum permissible
    error as a positive magnitude (meaning ±mpe), ``verdict`` the conformity of this point.
    """

    nominal: Measure
    indication: Measure | None = None
    error: Measure | None = None
    uncertainty: Uncertainty | None = None
    mpe: Measure | None = None
    verdict: Verdict | None = None
    label: Text | None = None

    def __post_init__(self) -> None:
        for name in ("nominal", "indication", "error", "mpe"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Measure):
                raise DocumentError(name, "must be a Measure (value and unit)")
        if not isinstance(self.nominal, Measure):
            raise DocumentError("nominal", "the reference (nominal) value is required")
        if self.uncertainty is not None and not isinstance(self.uncertainty, Uncertainty):
            raise DocumentError("uncertainty", "must be an Uncertainty")
        if self.verdict is not None:
            _set(self, "verdict", _enum(Verdict, self.verdict, "verdict"))
        if self.mpe is not None and self.mpe.value < 0:
            raise DocumentError("mpe", "give the MPE as a positive magnitude (it means ±MPE)")
        if self.error is not None:
            for name in ("uncertainty", "mpe"):
                other = getattr(self, name)
                unit = other.expanded.unit if isinstance(other, Uncertainty) else (other.unit if other else None)
                if unit is not None and not compatible(unit, self.error.unit):
                    raise DocumentError(
                        name, f"unit {unit!r} cannot be compared with the error's unit {self.error.unit!r}")


@dataclass(frozen=True)
class ResultSection:
    """A results table: one measurand, one stage (as found / as left) of the work."""

    rows: tuple[ResultRow, ...]
    title: Text | None = None
    stage: Stage | None = None

    def __post_init__(self) -> None:
        _set(self, "rows", tuple(self.rows))
        if not self.rows:
            raise DocumentError("rows", "a results table needs at least one row")
        for i, row in enumerate(self.rows):
            if not isinstance(row, ResultRow):
                raise DocumentError(f"rows[{i}]", "must be a ResultRow")
        if self.stage is not None:
            _set(self, "stage", _enum(Stage, self.stage, "stage"))
        _require_text(self.title, "title", optional=True)


@dataclass(frozen=True)
class EnvironmentalCondition:
    """A condition that influences the results (ISO/IEC 17025 7.8.4.1 b): value ± spread."""

    quantity: Text
    value: Measure
    spread: Measure | None = None

    def __post_init__(self) -> None:
        _require_text(self.quantity, "quantity")
        if not isinstance(self.value, Measure):
            raise DocumentError("value", "must be a Measure (value and unit)")
        if self.spread is not None and not isinstance(self.spread, Measure):
            raise DocumentError("spread", "must be a Measure (value and unit)")


@dataclass(frozen=True)
class ReferenceStandard:
    """A measurement standard used, with its own calibration (ISO/IEC 17025 7.8.4.1 c, 6.5)."""

    name: Text
    identification: str
    certificate_number: str
    calibrated_by: str
    valid_until: date | None = None
    accuracy: Text | None = None

    def __post_init__(self) -> None:
        _require_text(self.name, "name")
        for name in ("identification", "certificate_number", "calibrated_by"):
            _require_text(getattr(self, name), name)
        _require_date(self.valid_until, "valid_until", optional=True)


@dataclass(frozen=True)
class Laboratory:
    """The issuing laboratory (ISO/IEC 17025 7.8.2.1 b)."""

    name: Text
    address: Text
    city: str | None = None
    country_code: str = "VN"
    phone: str | None = None
    email: str | None = None
    accreditation: str | None = None

    def __post_init__(self) -> None:
        _require_text(self.name, "laboratory.name")
        _require_text(self.address, "laboratory.address")
        if not (isinstance(self.country_code, str) and len(self.country_code) == 2 and self.country_code.isupper()):
            raise DocumentError("laboratory.country_code", "must be a two-letter ISO 3166-1 code such as 'VN'")


@dataclass(frozen=True)
class Customer:
    """The customer, or the owner of the instrument (ISO/IEC 17025 7.8.2.1 e)."""

    name: str
    address: str | None = None
    contact: str | None = None

    def __post_init__(self) -> None:
        _require_text(self.name, "customer.name")


@dataclass(frozen=True)
class Instrument:
    """Unambiguous identification of the item and its condition (ISO/IEC 17025 7.8.2.1 g)."""

    name: Text
    serial_number: str | None = None
    identifier: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    measuring_range: Text | None = None
    resolution: Measure | None = None
    accuracy_class: str | None = None
    condition: Text | None = None

    def __post_init__(self) -> None:
        _require_text(self.name, "instrument.name")
        if not (self.serial_number or self.identifier):
            raise DocumentError(
                "instrument.serial_number",
                "the instrument needs a serial number or an identifier to be identified unambiguously",
            )
        if self.resolution is not None and not isinstance(self.resolution, Measure):
            raise DocumentError("instrument.resolution", "must be a Measure (value and unit)")


@dataclass(frozen=True)
class Method:
    """The procedure followed (ISO/IEC 17025 7.8.2.1 f), e.g. ``ĐLVN 16:2009``."""

    code: str
    title: Text | None = None

    def __post_init__(self) -> None:
        _require_text(self.code, "method.code")


@dataclass(frozen=True)
class Person:
    """A person named on the certificate, with the role printed under the name."""

    name: str
    role: Text | None = None

    def __post_init__(self) -> None:
        _require_text(self.name, "person.name")


@dataclass(frozen=True)
class Conformity:
    """Statement of conformity (ISO/IEC 17025 7.8.6; ILAC G8:09/2019).

    ``decision_rule`` says how the verdict was reached (e.g. simple acceptance, |E| ≤ MPE);
    ``specification`` what was met or not met; ``statement`` replaces the default sentence.
    """

    verdict: Verdict
    decision_rule: Text
    specification: Text | None = None
    statement: Text | None = None

    def __post_init__(self) -> None:
        _set(self, "verdict", _enum(Verdict, self.verdict, "conformity.verdict"))
        _require_text(self.decision_rule, "conformity.decision_rule")


def _enum(cls: type[Enum], value: Any, where: str) -> Any:
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(m.value for m in cls)
        raise DocumentError(where, f"{value!r} is not one of {allowed}") from None


def _tuple_of(values: Iterable[Any] | None, cls: type, where: str) -> tuple[Any, ...]:
    items = tuple(values or ())
    for i, item in enumerate(items):
        if not isinstance(item, cls):
            raise DocumentError(f"{where}[{i}]", f"must be a {cls.__name__}")
    return items


@dataclass(frozen=True)
class CertificateDocument:
    """A verification or calibration certificate, ready to render.

    Construction checks the content ISO/IEC 17025:2017 7.8.2 and 7.8.4 require and raises
    :class:`~certificates.errors.DocumentError` naming the missing or inconsistent field.
    """

    number: str
    kind: Kind
    laboratory: Laboratory
    customer: Customer
    instrument: Instrument
    method: Method
    performed_on: date
    issued_on: date
    results: tuple[ResultSection, ...]
    reference_standards: tuple[ReferenceStandard, ...]
    authorised_by: Person
    environment: tuple[EnvironmentalCondition, ...] = ()
    received_on: date | None = None
    performed_until: date | None = None
    performance_location: PerformanceLocation = PerformanceLocation.LABORATORY
    performance_address: Text | None = None
    performed_by: Person | None = None
    conformity: Conformity | None = None
    valid_until: date | None = None
    stamp_number: str | None = None
    status: Status = Status.VALID
    supersedes: str | None = None
    language: str = "vi"
    title: Text | None = None
    traceability_statement: Text | None = None
    adjustment_note: Text | None = None
    deviations: Text | None = None
    remarks: tuple[Text, ...] = field(default=())

    def __post_init__(self) -> None:
        _require_text(self.number, "number")
        if any(c in self.number for c in "\r\n\t"):
            raise DocumentError("number", "the certificate number must be on one line")
        _set(self, "kind", _enum(Kind, self.kind, "kind"))
        _set(self, "status", _enum(Status, self.status, "status"))
        _set(self, "performance_location",
             _enum(PerformanceLocation, self.performance_location, "performance_location"))
        for name, cls in (("laboratory", Laboratory), ("customer", Customer), ("instrument", Instrument),
                          ("method", Method), ("authorised_by", Person)):
            if not isinstance(getattr(self, name), cls):
                raise DocumentError(name, f"must be a {cls.__name__}")
        _set(self, "results", _tuple_of(self.results, ResultSection, "results"))
        _set(self, "reference_standards", _tuple_of(self.reference_standards, ReferenceStandard, "reference_standards"))
        _set(self, "environment", _tuple_of(self.environment, EnvironmentalCondition, "environment"))
        _set(self, "remarks", tuple(self.remarks or ()))
        if self.language not in LANGUAGES:
            raise DocumentError("language", f"{self.language!r} is not one of {', '.join(LANGUAGES)}")
        self._check_dates()
        self._check_content()

    def _check_dates(self) -> None:
        """Receipt ≤ start of work ≤ end of work ≤ issue (ISO/IEC 17025 7.8.2.1 h, i, j)."""
        _require_date(self.performed_on, "performed_on")
        _require_date(self.issued_on, "issued_on")
        for name in ("received_on", "performed_until", "valid_until"):
            _require_date(getattr(self, name), name, optional=True)
        if self.received_on and self.received_on > self.performed_on:
            raise DocumentError("received_on", "the instrument was received after the work started")
        if self.performed_until and self.performed_until < self.performed_on:
            raise DocumentError("performed_until", "the work ends before it starts")
        if self.end_of_work > self.issued_on:
            raise DocumentError("issued_on", "the certificate is issued before the work ended")
        if self.valid_until and self.valid_until <= self.end_of_work:
            raise DocumentError("valid_until", "the validity ends before the work was done")

    def _check_content(self) -> None:
        """What ISO/IEC 17025 7.8.4.1 and legal verification require beyond the common fields."""
        if not self.results:
            raise DocumentError("results", "a certificate needs at least one results table (7.8.2.1 m)")
        if not self.reference_standards:
            raise DocumentError("reference_standards", "name the reference standards used (traceability, 7.8.4.1 c)")
        if self.conformity is not None and not isinstance(self.conformity, Conformity):
            raise DocumentError("conformity", "must be a Conformity")
        if self.kind is Kind.CALIBRATION:
            for s, section in enumerate(self.results):
                for r, row in enumerate(section.rows):
                    if row.uncertainty is None:
                        raise DocumentError(
                            f"results[{s}].rows[{r}].uncertainty",
                            "a calibration result needs its expanded uncertainty (7.8.4.1 a)",
                        )
        if self.kind is Kind.VERIFICATION:
            if self.conformity is None:
                raise DocumentError("conformity", "a verification certificate states pass or fail (7.8.6)")
            if self.conformity.verdict is Verdict.PASS:
                if not self.stamp_number:
                    raise DocumentError("stamp_number", "a passed verification needs the stamp number (số tem)")
                if self.valid_until is None:
                    raise DocumentError("valid_until", "a passed verification needs its valid-until date")
        for name in ("title", "traceability_statement", "adjustment_note", "deviations", "performance_address"):
            _require_text(getattr(self, name), name, optional=True)
        for i, remark in enumerate(self.remarks):
            _require_text(remark, f"remarks[{i}]")

    @property
    def end_of_work(self) -> date:
        """Last day of the work (the start day when the work took one day)."""
        return self.performed_until or self.performed_on

    @property
    def has_adjustment(self) -> bool:
        """True when results before and/or after adjustment are reported (7.8.4.1 d)."""
        return any(s.stage is not None for s in self.results)


__all__ = [
    "LANGUAGES", "CertificateDocument", "Conformity", "Customer", "EnvironmentalCondition", "Instrument",
    "Kind", "Laboratory", "LocalText", "Measure", "Method", "PerformanceLocation", "Person",
    "ReferenceStandard", "ResultRow", "ResultSection", "Stage", "Status", "Text", "Uncertainty",
    "Verdict", "text_for", "to_decimal",
]
