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
number (số tem) and the valid-until date of a passed verification, the verification type
(``verification_type``: initial, periodic, after repair) and how the valid-until date was
counted (``validity_basis``). A superseding certificate (``supersedes``) states why in
``amendment_reason`` — the reason as the reviewer wrote it (Vietnamese) and its English text
when given — and prints it among the remarks (:func:`certificates.labels.amendment_remark`;
documents stored before the field existed have it only there). An instrument type without a
periodic verification interval (Circular 23/2013/TT-BKHCN: initial verification only) gets
a certificate without valid-until date: ``periodic_verification`` is False.

The values (texts, enumerations, :class:`Measure`, :class:`Uncertainty`) live in
:mod:`certificates.values` and the parts (results, standards, parties, method, conformity) in
:mod:`certificates.parts`; every one of them is importable from here too.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from certificates.errors import DocumentError
from certificates.parts import (
    Conformity,
    Customer,
    EnvironmentalCondition,
    Instrument,
    Laboratory,
    Method,
    Person,
    ReferenceStandard,
    ResultRow,
    ResultSection,
)
from certificates.values import (
    LANGUAGES,
    Kind,
    LocalText,
    Measure,
    PerformanceLocation,
    Stage,
    Status,
    Text,
    Uncertainty,
    Verdict,
    VerificationType,
    enum_member,
    require_date,
    require_text,
    set_frozen,
    text_for,
    to_decimal,
    tuple_of,
)


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
    verification_type: VerificationType | None = None
    periodic_verification: bool = True
    validity_basis: Text | None = None
    amendment_reason: LocalText | None = None

    def __post_init__(self) -> None:
        require_text(self.number, "number")
        if any(c in self.number for c in "\r\n\t"):
            raise DocumentError("number", "the certificate number must be on one line")
        set_frozen(self, "kind", enum_member(Kind, self.kind, "kind"))
        set_frozen(self, "status", enum_member(Status, self.status, "status"))
        set_frozen(self, "performance_location",
             enum_member(PerformanceLocation, self.performance_location, "performance_location"))
        if self.verification_type is not None:
            set_frozen(self, "verification_type",
                       enum_member(VerificationType, self.verification_type, "verification_type"))
        if not isinstance(self.periodic_verification, bool):
            raise DocumentError("periodic_verification", "must be true or false")
        for name, cls in (("laboratory", Laboratory), ("customer", Customer), ("instrument", Instrument),
                          ("method", Method), ("authorised_by", Person)):
            if not isinstance(getattr(self, name), cls):
                raise DocumentError(name, f"must be a {cls.__name__}")
        set_frozen(self, "results", tuple_of(self.results, ResultSection, "results"))
        set_frozen(self, "reference_standards",
                   tuple_of(self.reference_standards, ReferenceStandard, "reference_standards"))
        set_frozen(self, "environment", tuple_of(self.environment, EnvironmentalCondition, "environment"))
        set_frozen(self, "remarks", tuple(self.remarks or ()))
        if self.language not in LANGUAGES:
            raise DocumentError("language", f"{self.language!r} is not one of {', '.join(LANGUAGES)}")
        self._check_dates()
        self._check_content()

    def _check_dates(self) -> None:
        """Receipt ≤ start of work ≤ end of work ≤ issue (ISO/IEC 17025 7.8.2.1 h, i, j)."""
        require_date(self.performed_on, "performed_on")
        require_date(self.issued_on, "issued_on")
        for name in ("received_on", "performed_until", "valid_until"):
            require_date(getattr(self, name), name, optional=True)
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
                if self.valid_until is None and self.periodic_verification:
                    raise DocumentError("valid_until", "a passed verification needs its valid-until date")
        if self.valid_until is not None and not self.periodic_verification:
            raise DocumentError("valid_until", "no valid-until date where no periodic verification applies")
        for name in ("title", "traceability_statement", "adjustment_note", "deviations", "performance_address",
                     "validity_basis"):
            require_text(getattr(self, name), name, optional=True)
        for i, remark in enumerate(self.remarks):
            require_text(remark, f"remarks[{i}]")
        if self.amendment_reason is not None:
            if not isinstance(self.amendment_reason, LocalText):
                raise DocumentError("amendment_reason", "must be a LocalText (the reason, and its English text)")
            if not self.supersedes:
                raise DocumentError("amendment_reason", "only a certificate that supersedes another has one")

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
    "Verdict", "VerificationType", "text_for", "to_decimal",
]
