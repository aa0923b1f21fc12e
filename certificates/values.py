"""The values a certificate document is made of.

The languages and bilingual texts (:class:`LocalText`, :data:`Text`), the enumerations
printed on a certificate (:class:`Kind`, :class:`Status`, :class:`Verdict`, :class:`Stage`,
:class:`PerformanceLocation`), numbers with their units (:class:`Measure`) and expanded
uncertainties (:class:`Uncertainty`), and the checks every part of the document uses.
Everything here is importable from :mod:`certificates.model` too.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, TypeAlias, TypeVar

from certificates.errors import DocumentError

__all__ = [
    "LANGUAGES", "Kind", "LocalText", "Measure", "PerformanceLocation", "Stage", "Status", "Text", "Uncertainty",
    "Verdict", "VerificationType", "enum_member", "require_date", "require_text", "set_frozen", "text_for",
    "to_decimal", "tuple_of",
]

LANGUAGES = ("vi", "en")
E = TypeVar("E", bound=Enum)


class Kind(str, Enum):
    """Kiểm định (legal verification) or hiệu chuẩn (calibration)."""

    VERIFICATION = "verification"
    CALIBRATION = "calibration"


class VerificationType(str, Enum):
    """Chế độ kiểm định: initial, periodic or after-repair verification (Law on Metrology 04/2011/QH13
    Art. 16; Circular 23/2013/TT-BKHCN lists which applies to each instrument type)."""

    INITIAL = "initial"
    PERIODIC = "periodic"
    AFTER_REPAIR = "after_repair"


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


def set_frozen(obj: object, name: str, value: Any) -> None:
    """Set a field of a frozen dataclass while it checks and normalises itself."""
    object.__setattr__(obj, name, value)


def require_text(value: Any, where: str, *, optional: bool = False) -> None:
    """``value`` is a non-empty text or a :class:`LocalText` (or None when ``optional``)."""
    if value is None and optional:
        return
    if isinstance(value, LocalText):
        return
    if not isinstance(value, str) or not value.strip():
        raise DocumentError(where, "is required and must be a non-empty text")


def require_date(value: Any, where: str, *, optional: bool = False) -> None:
    """``value`` is a date (or None when ``optional``)."""
    if value is None and optional:
        return
    if not isinstance(value, date):
        raise DocumentError(where, "must be a date")


def enum_member(cls: type[E], value: Any, where: str) -> E:
    """The member of ``cls`` whose value is ``value`` (a member is returned as it is)."""
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(m.value for m in cls)
        raise DocumentError(where, f"{value!r} is not one of {allowed}") from None


def tuple_of(values: Iterable[Any] | None, cls: type, where: str) -> tuple[Any, ...]:
    """``values`` as a tuple, each item an instance of ``cls``."""
    items = tuple(values or ())
    for i, item in enumerate(items):
        if not isinstance(item, cls):
            raise DocumentError(f"{where}[{i}]", f"must be a {cls.__name__}")
    return items


@dataclass(frozen=True)
class Measure:
    """A stored number with its unit (DESIGN: never a bare float without its unit)."""

    value: Decimal
    unit: str

    def __post_init__(self) -> None:
        set_frozen(self, "value", to_decimal(self.value, "value"))
        if not isinstance(self.unit, str) or not self.unit.strip():
            raise DocumentError("unit", f"the value {self.value} has no unit (write '1' if dimensionless)")

    @classmethod
    def from_quantity(cls, quantity: Any) -> Measure:
        """From a pint ``Quantity`` (duck-typed: ``magnitude`` and ``units``), unit as its symbol."""
        return cls(quantity.magnitude, format(quantity.units, "~") or "1")


#: dccquantities' tolerance between the stated p and erf(k/√2) of a normal distribution.
NORMAL_TOLERANCE = 0.01


def distribution_of(k: Decimal, p: Decimal) -> str | None:
    """The distribution a coverage factor ``k`` and probability ``p`` agree with.

    ``normal`` when p = erf(k/√2) within 0.01 (JCGM 100:2008 G.1.3; the tolerance PTB's
    dccquantities applies); ``t`` when k is larger than the normal factor for p, as a Student
    t distribution with finite effective degrees of freedom gives (JCGM 100 G.4, Welch–
    Satterthwaite: k = 2.43 at p = 0.95 is t with νeff ≈ 6); otherwise None (the distribution
    is left out rather than stated wrongly).
    """
    computed = math.erf(float(k) / math.sqrt(2))
    if abs(computed - float(p)) <= NORMAL_TOLERANCE:
        return "normal"
    return "t" if computed > float(p) else None


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
        set_frozen(self, "k", to_decimal(self.k, "uncertainty.k"))
        set_frozen(self, "coverage_probability",
                   to_decimal(self.coverage_probability, "uncertainty.coverage_probability"))
        if self.expanded.value < 0:
            raise DocumentError("uncertainty.expanded", "an expanded uncertainty cannot be negative")
        if self.k < 1:
            raise DocumentError("uncertainty.k", f"coverage factor k = {self.k} is below 1")
        if not (0 < self.coverage_probability <= 1):
            raise DocumentError(
                "uncertainty.coverage_probability",
                f"{self.coverage_probability} is not a probability: write 0.95 for 95 %",
            )
