"""The parts of a certificate document: results, conditions, standards, the parties and the method.

Each part is a frozen dataclass that checks itself on construction and raises
:class:`~certificates.errors.DocumentError` naming the field at fault. The whole document is
:class:`certificates.model.CertificateDocument`; every part is importable from
:mod:`certificates.model` too.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from certificates.errors import DocumentError
from certificates.units import compatible
from certificates.values import (
    Measure,
    Stage,
    Text,
    Uncertainty,
    Verdict,
    enum_member,
    require_date,
    require_text,
    set_frozen,
    to_decimal,
)

__all__ = [
    "Conformity", "Customer", "EnvironmentalCondition", "Instrument", "Laboratory", "Method", "Person",
    "ReferenceStandard", "ResultRow", "ResultSection",
]


@dataclass(frozen=True)
class ResultRow:
    """One calibration or verification point.

    ``nominal`` is the nominal value or set point applied, ``reference`` the measured reference
    value (the conventional true value: the weights' conventional mass, the reference
    thermometer's corrected reading) when it is known, ``indication`` what the instrument showed,
    ``error`` = indication − reference as stored by the record, ``mpe`` the maximum permissible
    error as a positive magnitude (meaning ±mpe), ``verdict`` the conformity of this point.
    ``spread`` is the compared quantity of a repeatability test, max − min of its readings
    (OIML R76-1 A.4.10; a difference, so ``delta_degC`` for temperatures); the label also prints
    it. Documents stored before this field existed have it only in the label.
    """

    nominal: Measure
    reference: Measure | None = None
    indication: Measure | None = None
    error: Measure | None = None
    uncertainty: Uncertainty | None = None
    mpe: Measure | None = None
    verdict: Verdict | None = None
    label: Text | None = None
    spread: Measure | None = None

    def __post_init__(self) -> None:
        for name in ("nominal", "reference", "indication", "error", "mpe", "spread"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Measure):
                raise DocumentError(name, "must be a Measure (value and unit)")
        if not isinstance(self.nominal, Measure):
            raise DocumentError("nominal", "the reference (nominal) value is required")
        if self.uncertainty is not None and not isinstance(self.uncertainty, Uncertainty):
            raise DocumentError("uncertainty", "must be an Uncertainty")
        if self.verdict is not None:
            set_frozen(self, "verdict", enum_member(Verdict, self.verdict, "verdict"))
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
        set_frozen(self, "rows", tuple(self.rows))
        if not self.rows:
            raise DocumentError("rows", "a results table needs at least one row")
        for i, row in enumerate(self.rows):
            if not isinstance(row, ResultRow):
                raise DocumentError(f"rows[{i}]", "must be a ResultRow")
        if self.stage is not None:
            set_frozen(self, "stage", enum_member(Stage, self.stage, "stage"))
        require_text(self.title, "title", optional=True)


@dataclass(frozen=True)
class EnvironmentalCondition:
    """A condition that influences the results (ISO/IEC 17025 7.8.4.1 b): value ± spread."""

    quantity: Text
    value: Measure
    spread: Measure | None = None

    def __post_init__(self) -> None:
        require_text(self.quantity, "quantity")
        if not isinstance(self.value, Measure):
            raise DocumentError("value", "must be a Measure (value and unit)")
        if self.spread is not None and not isinstance(self.spread, Measure):
            raise DocumentError("spread", "must be a Measure (value and unit)")


@dataclass(frozen=True)
class ReferenceStandard:
    """A measurement standard used, with its own calibration (ISO/IEC 17025 7.8.4.1 c, 6.5).

    ``calibrated_by`` is the calibrating lab as printed, with its accreditation
    (``Trung tâm Kỹ thuật 1 (QUATEST 1) (VILAS 003)``); ``upstream`` what that calibration traces to.

    ``identification`` is printed (``QC-F1-01 (S/N HF-22051)``); ``asset_code`` (the lab's code)
    and ``serial_number`` (the maker's) are the same facts as data, for the DCC. Documents stored
    before these fields existed have them only in ``identification``.
    """

    name: Text
    identification: str
    certificate_number: str
    calibrated_by: str
    valid_until: date | None = None
    accuracy: Text | None = None
    serial_number: str | None = None
    asset_code: str | None = None
    # What its calibration was made against (ISO/IEC 17025 6.5): the national standard and its
    # institute, or the lab's internal calibration and its higher standards. Documents stored
    # before this field existed have none.
    upstream: Text | None = None

    def __post_init__(self) -> None:
        require_text(self.name, "name")
        for name in ("identification", "certificate_number", "calibrated_by"):
            require_text(getattr(self, name), name)
        require_date(self.valid_until, "valid_until", optional=True)
        for name in ("serial_number", "asset_code"):
            require_text(getattr(self, name), f"standard.{name}", optional=True)
        require_text(self.upstream, "standard.upstream", optional=True)


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
        require_text(self.name, "laboratory.name")
        require_text(self.address, "laboratory.address")
        check_country(self.country_code, "laboratory.country_code")


def check_country(code: object, where: str) -> None:
    """``code`` is a two-letter ISO 3166-1 code such as ``VN``."""
    if not (isinstance(code, str) and len(code) == 2 and code.isupper()):
        raise DocumentError(where, "must be a two-letter ISO 3166-1 code such as 'VN'")


@dataclass(frozen=True)
class Customer:
    """The customer, or the owner of the instrument (ISO/IEC 17025 7.8.2.1 e).

    ``city`` and ``country_code`` (ISO 3166-1) locate it for the DCC; documents stored before
    these fields existed have only the address.
    """

    name: str
    address: str | None = None
    contact: str | None = None
    city: str | None = None
    country_code: str | None = None

    def __post_init__(self) -> None:
        require_text(self.name, "customer.name")
        require_text(self.city, "customer.city", optional=True)
        if self.country_code is not None:
            check_country(self.country_code, "customer.country_code")


@dataclass(frozen=True)
class Instrument:
    """Unambiguous identification of the item and its condition (ISO/IEC 17025 7.8.2.1 g).

    A verification certificate (Circular 24/2013/TT-BKHCN; the provincial templates) adds the
    year of manufacture, the pattern-approval mark, the place of use (cơ sở sử dụng) and, for a
    weighing instrument, Max, Min, e and d (OIML R76-1 T.3.2, T.3.4, 3.1–3.4): ``resolution``
    is d, the actual scale interval, and ``scale_interval`` e, the verification scale interval.
    ``range_min`` and ``range_max`` are the limits of the measuring range that
    ``measuring_range`` prints (``0 kg … 60 kg``); documents stored before these fields existed
    have only the printed range.
    """

    name: Text
    serial_number: str | None = None
    identifier: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    measuring_range: Text | None = None
    resolution: Measure | None = None
    accuracy_class: str | None = None
    condition: Text | None = None
    max_capacity: Measure | None = None
    min_capacity: Measure | None = None
    scale_interval: Measure | None = None
    year_of_manufacture: int | None = None
    pattern_approval: str | None = None
    place_of_use: Text | None = None
    range_min: Measure | None = None
    range_max: Measure | None = None

    def __post_init__(self) -> None:
        require_text(self.name, "instrument.name")
        if not (self.serial_number or self.identifier):
            raise DocumentError(
                "instrument.serial_number",
                "the instrument needs a serial number or an identifier to be identified unambiguously",
            )
        for name in ("resolution", "max_capacity", "min_capacity", "scale_interval", "range_min", "range_max"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Measure):
                raise DocumentError(f"instrument.{name}", "must be a Measure (value and unit)")
        if self.year_of_manufacture is not None and (
                isinstance(self.year_of_manufacture, bool) or not isinstance(self.year_of_manufacture, int)
                or not 1800 <= self.year_of_manufacture <= 2200):
            raise DocumentError("instrument.year_of_manufacture", "must be a year such as 2021")
        require_text(self.pattern_approval, "instrument.pattern_approval", optional=True)
        require_text(self.place_of_use, "instrument.place_of_use", optional=True)


@dataclass(frozen=True)
class Method:
    """The procedure followed (ISO/IEC 17025 7.8.2.1 f): the lab's code and title, and the
    national procedure it implements (``national_procedure``, e.g. ``ĐLVN 16:2009``) when set."""

    code: str
    title: Text | None = None
    national_procedure: str | None = None

    def __post_init__(self) -> None:
        require_text(self.code, "method.code")
        require_text(self.national_procedure, "method.national_procedure", optional=True)


@dataclass(frozen=True)
class Person:
    """A person named on the certificate, with the role printed under the name."""

    name: str
    role: Text | None = None

    def __post_init__(self) -> None:
        require_text(self.name, "person.name")


@dataclass(frozen=True)
class Conformity:
    """Statement of conformity (ISO/IEC 17025 7.8.6; ILAC G8:09/2019).

    ``decision_rule`` says how the verdict was reached (e.g. simple acceptance, |E| ≤ MPE);
    ``specification`` what was met or not met; ``statement`` replaces the default sentence.
    ``clause`` is the rule's clause of ILAC G8:09/2019 (``4.2.1`` simple acceptance, ``4.2.2``
    binary with guard band, ``4.2.3`` non-binary) and ``guard_band_factor`` r of the guard band
    w = r·U (None without a guard band): the wording's facts as data, for the DCC. Documents
    stored before these fields existed have them only in the wording.
    """

    verdict: Verdict
    decision_rule: Text
    specification: Text | None = None
    statement: Text | None = None
    clause: str | None = None
    guard_band_factor: Decimal | None = None

    def __post_init__(self) -> None:
        set_frozen(self, "verdict", enum_member(Verdict, self.verdict, "conformity.verdict"))
        require_text(self.decision_rule, "conformity.decision_rule")
        require_text(self.clause, "conformity.clause", optional=True)
        if self.guard_band_factor is not None:
            factor = to_decimal(self.guard_band_factor, "conformity.guard_band_factor")
            if factor < 0:
                raise DocumentError("conformity.guard_band_factor", "the guard band factor r of w = r·U is ≥ 0")
            set_frozen(self, "guard_band_factor", factor)
