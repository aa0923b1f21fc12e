"""``dcc:administrativeData``: who, what, when and what the certificate declares.

In the order of DCC 3.3.0 ``administrativeDataType``:

* ``dcc:dccSoftware`` and ``dcc:refTypeDefinitions`` (every ``lims_`` refType we write);
* ``dcc:coreData`` — country, languages (used: vi and en; mandatory: the document's language),
  ``uniqueIdentifier`` = certificate number, the stamp number as an identification (refType
  ``lims_stampNumber``), receipt / performance / issue dates, ``performanceLocation``
  (``laboratory``; ``customer`` for work at the customer's site; ``other`` for a mobile
  laboratory), and ``reportAmendedSubstituted`` (``substituted``) for a superseding certificate;
* ``dcc:items/dcc:item`` — the instrument: accuracy class as ``dcc:equipmentClass``, maker,
  model, serial number (refType ``lims_serialNumber``) and the owner's identifier, resolution;
* ``dcc:calibrationLaboratory``, ``dcc:respPersons`` (the authorising person is ``mainSigner``),
  ``dcc:customer`` — e-mail only in ``dcc:eMail``, a telephone number in ``dcc:phone``, the
  location with city and country code;
* ``dcc:statements`` — the kind of document (``lims_documentKind``: verificationCertificate,
  nonConformityNotice, calibrationCertificate), the verification type when the document states
  one, conformity (``basic_conformity``, linked to the decision rule by ``refId``), the next
  due date (``basic_recalibration``), the measuring range (``basic_measurementRange``), the
  address of the place of work (``lims_performanceAddress``: the customer's premises for
  on-site work), and
  traceability, the relate-only sentence, deviations, adjustment, remarks, the reason of a
  superseding certificate and the public check link as ``lims_`` statements.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from certificates.addresses import city_of_address
from certificates.dcc_results import decision_rule
from certificates.dcc_xml import (
    CONFORMITY,
    both,
    el,
    local,
    quantity,
    real,
    ref_type_definitions,
    text,
    unit_from_symbol,
)
from certificates.labels import amendment_remark
from certificates.model import (
    CertificateDocument,
    Kind,
    LocalText,
    Measure,
    PerformanceLocation,
    Text,
    Verdict,
)

PERFORMANCE_LOCATION = {
    PerformanceLocation.LABORATORY: "laboratory",
    PerformanceLocation.CUSTOMER_SITE: "customer",
    PerformanceLocation.MOBILE: "other",
}
AMENDMENT_PREFIX = ("Sửa đổi: ", "Amendment: ")
_NUMBER = r"[−\-+]?[\d\u2009\u202f]*\.?\d+"
_RANGE = re.compile(rf"^\s*(?P<low>{_NUMBER})\s*(?P<lu>\S*)\s*…\s*(?P<high>{_NUMBER})\s*(?P<hu>\S*)\s*$")


def document_kind(doc: CertificateDocument) -> str:
    """``calibrationCertificate``; for a verification ``verificationCertificate``, or
    ``nonConformityNotice`` when it did not pass (legal verification is binary: only a pass earns
    a certificate and a stamp)."""
    if doc.kind is Kind.CALIBRATION:
        return "calibrationCertificate"
    if doc.conformity is not None and doc.conformity.verdict is not Verdict.PASS:
        return "nonConformityNotice"
    return "verificationCertificate"


def contact_parts(contact: str | None) -> tuple[str | None, str | None]:
    """(e-mail, telephone) of a contact line such as ``0912 000 000, ban@example.vn``."""
    parts = [p.strip() for p in re.split(r"[,;]", contact or "") if p.strip()]
    email = next((p for p in parts if "@" in p), None)
    phone = next((p for p in parts if "@" not in p and re.search(r"\d", p)), None)
    return email, phone


def city_of(address: Text | None, stated: str | None = None) -> str | None:
    """The city the document states (``Laboratory.city``, ``Customer.city``, filled by the
    certificate service); for a document stored before it stated one — never rebuilt, and still
    re-exported — the city read from the address (:func:`certificates.addresses.city_of_address`,
    the function the service uses)."""
    return stated or city_of_address(address)


def _location(parent: Any, *, city: str | None, country: str | None, further: Text | None) -> None:
    location = el(parent, "dcc:location")
    if city:
        el(location, "dcc:city", city)
    if country:
        el(location, "dcc:countryCode", country)
    if further:
        text(location, "dcc:further", further)


def _contact(parent: Any, tag: str, name: Text, contact: tuple[str | None, str | None], *, city: str | None,
             country: str | None, address: Text | None) -> Any:
    element = el(parent, tag)
    text(element, "dcc:name", name)
    email, phone = contact
    if email:
        el(element, "dcc:eMail", email)
    if phone:
        el(element, "dcc:phone", phone)
    _location(element, city=city, country=country, further=address)
    return element


def _core(admin: Any, doc: CertificateDocument) -> None:
    core = el(admin, "dcc:coreData")
    el(core, "dcc:countryCodeISO3166_1", doc.laboratory.country_code)
    for lang in ("vi", "en"):
        el(core, "dcc:usedLangCodeISO639_1", lang)
    el(core, "dcc:mandatoryLangCodeISO639_1", doc.language)
    el(core, "dcc:uniqueIdentifier", doc.number)
    if doc.stamp_number:
        ident = el(el(core, "dcc:identifications"), "dcc:identification", refType="lims_stampNumber")
        el(ident, "dcc:issuer", "calibrationLaboratory")
        el(ident, "dcc:value", doc.stamp_number)
        text(ident, "dcc:name", both("stamp_number"))
    if doc.received_on:
        el(core, "dcc:receiptDate", doc.received_on.isoformat())
    el(core, "dcc:beginPerformanceDate", doc.performed_on.isoformat())
    el(core, "dcc:endPerformanceDate", doc.end_of_work.isoformat())
    el(core, "dcc:performanceLocation", PERFORMANCE_LOCATION[doc.performance_location])
    el(core, "dcc:issueDate", doc.issued_on.isoformat())
    if doc.supersedes:
        amended = el(core, "dcc:reportAmendedSubstituted")
        el(amended, "dcc:typeOfChange", "substituted")
        el(amended, "dcc:replacedUniqueIdentifier", doc.supersedes)


def _item(admin: Any, doc: CertificateDocument) -> None:
    ins = doc.instrument
    item = el(el(admin, "dcc:items"), "dcc:item")
    text(item, "dcc:name", ins.name)
    if ins.accuracy_class:
        equipment_class = el(item, "dcc:equipmentClass")
        el(equipment_class, "dcc:reference", doc.method.code)
        el(equipment_class, "dcc:classID", ins.accuracy_class)
    details = [(k, v) for k, v in (("instrument.measuring_range", ins.measuring_range),
                                   ("instrument.accuracy_class", ins.accuracy_class),
                                   ("instrument.condition", ins.condition)) if v]
    if details:
        description = el(item, "dcc:description")
        for key, value in details:
            label, said = both(key), local(value)
            el(description, "dcc:content", f"{label.vi}: {said.vi}", lang="vi")
            el(description, "dcc:content", f"{label.en}: {said.en or said.vi}", lang="en")
    if ins.manufacturer:
        text(el(item, "dcc:manufacturer"), "dcc:name", ins.manufacturer)
    if ins.model:
        el(item, "dcc:model", ins.model)
    idents = el(item, "dcc:identifications")
    for issuer, number, ref_type, key in (
            ("manufacturer", ins.serial_number, "lims_serialNumber", "instrument.serial_number"),
            ("owner", ins.identifier, "lims_ownerIdentifier", "instrument.identifier")):
        if number:
            ident = el(idents, "dcc:identification", refType=ref_type)
            el(ident, "dcc:issuer", issuer)
            el(ident, "dcc:value", number)
            text(ident, "dcc:name", both(key))
    if ins.resolution is not None:
        quantities = el(item, "dcc:itemQuantities")
        resolution = el(quantities, "dcc:itemQuantity", refType="lims_resolution")
        text(resolution, "dcc:name", both("instrument.resolution"))
        real(resolution, ins.resolution, "instrument.resolution")


def _parties(admin: Any, doc: CertificateDocument) -> None:
    lab = doc.laboratory
    laboratory = el(admin, "dcc:calibrationLaboratory")
    if lab.accreditation:
        el(laboratory, "dcc:calibrationLaboratoryCode", lab.accreditation)
    _contact(laboratory, "dcc:contact", lab.name, (lab.email, lab.phone), city=city_of(lab.address, lab.city),
             country=lab.country_code, address=lab.address)
    persons = el(admin, "dcc:respPersons")
    for person, main in ((doc.authorised_by, True), (doc.performed_by, False)):
        if person is None:
            continue
        resp = el(persons, "dcc:respPerson")
        text(el(resp, "dcc:person"), "dcc:name", person.name)
        if person.role:
            text(resp, "dcc:description", person.role)
        el(resp, "dcc:role", "authorisedSignatory" if main else "performedBy")
        el(resp, "dcc:mainSigner", "true" if main else "false")
    customer = doc.customer
    # A document stored before the customer's country was stated: the lab's (a provincial lab's customers).
    country = customer.country_code or lab.country_code
    _contact(admin, "dcc:customer", customer.name, contact_parts(customer.contact),
             city=city_of(customer.address, customer.city), country=country, address=customer.address)


def _statement(parent: Any, ref_type: str, name: Text, declaration: Text | None = None, *,
               description: Text | None = None, convention: str | None = None, traceable: bool | None = None,
               norms: Iterable[str] = (), references: Iterable[str] = (), link: str | None = None,
               on: date | None = None, conformity: str | None = None, ref_id: str = "") -> Any:
    """A ``dcc:statement``; children in the order of ``dcc:statementMetaDataType``."""
    statement = el(parent, "dcc:statement", refType=ref_type, refId=ref_id)
    text(statement, "dcc:name", name)
    if description:
        text(statement, "dcc:description", description)
    if convention:
        el(statement, "dcc:convention", convention)
    if traceable is not None:
        el(statement, "dcc:traceable", "true" if traceable else "false")
    for norm in norms:
        el(statement, "dcc:norm", norm)
    for reference in references:
        el(statement, "dcc:reference", reference)
    if link:
        el(statement, "dcc:link", link)
    if declaration:
        text(statement, "dcc:declaration", declaration)
    if on:
        el(statement, "dcc:date", on.isoformat())
    if conformity:
        el(statement, "dcc:conformity", conformity)
    return statement


def _measure(number: str, symbol: str) -> Measure | None:
    unit = unit_from_symbol(symbol)
    try:
        value = Decimal(re.sub(r"[\u2009\u202f]", "", number).replace("−", "-"))
    except InvalidOperation:
        return None
    return Measure(value, unit) if unit is not None else None


def measuring_range(doc: CertificateDocument) -> tuple[Measure, Measure] | None:
    """The measuring range's limits: the instrument's ``range_min``/``range_max``; for a document
    stored before it had them (never rebuilt, and still re-exported), read from the range as the
    document prints it (``0 kg … 60 kg``) — the only use of that wording."""
    ins = doc.instrument
    if ins.range_min is not None and ins.range_max is not None:
        return ins.range_min, ins.range_max
    if ins.measuring_range is None:
        return None
    match = _RANGE.match(local(ins.measuring_range).en or local(ins.measuring_range).vi)
    if match is None:
        return None
    low, high = _measure(match["low"], match["lu"]), _measure(match["high"], match["hu"])
    return (low, high) if low is not None and high is not None else None


def _range(statements: Any, doc: CertificateDocument) -> None:
    limits = measuring_range(doc)
    if limits is None:
        return
    statement = _statement(statements, "basic_measurementRange", both("measuring_range"))
    data = el(statement, "dcc:data")
    for key, ref_type, limit in (("measuring_range.min", "basic_measurementRangeMin", limits[0]),
                                 ("measuring_range.max", "basic_measurementRangeMax", limits[1])):
        quantity(data, both(key), limit, ref_type, f"instrument.{key}")


def amendment_reason(doc: CertificateDocument) -> tuple[LocalText, tuple[Text, ...]] | None:
    """The reason a superseding certificate gives, and the other remarks.

    The document's ``amendment_reason`` (Vietnamese, and English when the reviewer gave it);
    the remark that prints it (:func:`certificates.labels.amendment_remark`) is left out of the
    remarks. For a document stored before that field existed (never rebuilt, and still
    re-exported), the remark the service wrote as ``Sửa đổi: <reason>`` / ``Amendment: …`` is
    read instead, and only its Vietnamese reason kept (its English text may be the sentence
    saying that the reason is in the Vietnamese copy)."""
    if doc.amendment_reason is not None:
        printed = amendment_remark(doc.amendment_reason, doc.supersedes or "")
        return doc.amendment_reason, tuple(r for r in doc.remarks if r != printed)
    for i, remark in enumerate(doc.remarks):
        if isinstance(remark, LocalText) and remark.vi.startswith(AMENDMENT_PREFIX[0]) \
                and (remark.en or "").startswith(AMENDMENT_PREFIX[1]):
            return LocalText(remark.vi[len(AMENDMENT_PREFIX[0]):]), doc.remarks[:i] + doc.remarks[i + 1:]
    return None


def _conformity(statements: Any, doc: CertificateDocument) -> None:
    c = doc.conformity
    if c is None:
        return
    rule = decision_rule(doc)
    _statement(statements, "basic_conformity", both("conformity"), c.statement or both(f"conformity.{c.verdict.value}"),
               description=c.specification, norms=["ILAC G8:09/2019"],
               references=[rule.clause] if rule and rule.clause else [], conformity=CONFORMITY[c.verdict],
               ref_id=rule.ident if rule else "")


def _kind_statements(statements: Any, doc: CertificateDocument) -> None:
    kind = document_kind(doc)
    title = doc.title or both(f"title.{doc.kind.value}")
    _statement(statements, "lims_documentKind", both("document_kind"), title, convention=kind)
    if doc.verification_type is not None:
        _statement(statements, "lims_verificationType", both("verification_type"),
                   convention=doc.verification_type.value)


def write_statements(admin: Any, doc: CertificateDocument, verify_url: str | None) -> None:
    """``dcc:statements`` (see the module docstring)."""
    statements = el(admin, "dcc:statements")
    _kind_statements(statements, doc)
    _conformity(statements, doc)
    if doc.valid_until:
        redo = LocalText("Phương tiện đo phải được kiểm định hoặc hiệu chuẩn lại trước ngày này.",
                         "The instrument is to be verified or calibrated again by this date.")
        _statement(statements, "basic_recalibration", both("valid_until"), redo, on=doc.valid_until)
    _range(statements, doc)
    if doc.performance_address:
        place = _statement(statements, "lims_performanceAddress", both("place"),
                           both(f"place.{doc.performance_location.value}"))
        _location(place, city=city_of(doc.performance_address), country=doc.laboratory.country_code,
                  further=doc.performance_address)
    _statement(statements, "lims_traceability", both("standards"),
               doc.traceability_statement or both("traceability.default"), traceable=True)
    _statement(statements, "lims_relateOnly", both("results"), both(f"relate_only.{doc.kind.value}"))
    if doc.deviations:
        _statement(statements, "lims_deviations", both("deviations"), doc.deviations)
    if doc.adjustment_note:
        _statement(statements, "lims_adjustment", both("adjustment"), doc.adjustment_note)
    amended = amendment_reason(doc) if doc.supersedes else None
    for remark in amended[1] if amended else doc.remarks:
        _statement(statements, "lims_remark", both("remarks"), remark)
    if amended:
        statement = _statement(statements, "lims_amendment", both("dcc.amendment"), references=[doc.supersedes or ""])
        declaration = el(statement, "dcc:declaration")
        el(declaration, "dcc:content", amended[0].vi, lang="vi")  # as the reviewer wrote it
        if amended[0].en:
            el(declaration, "dcc:content", amended[0].en, lang="en")
    if verify_url:
        _statement(statements, "lims_verificationLink", both("qr.caption"), link=verify_url)


def write_administrative(root: Any, doc: CertificateDocument, software_release: str, verify_url: str | None) -> None:
    """``dcc:administrativeData`` of ``doc``."""
    admin = el(root, "dcc:administrativeData")
    software = el(el(admin, "dcc:dccSoftware"), "dcc:software")
    text(software, "dcc:name", "metrology-lims")
    el(software, "dcc:release", software_release)
    el(software, "dcc:type", "application")
    ref_type_definitions(admin)
    _core(admin, doc)
    _item(admin, doc)
    _parties(admin, doc)
    write_statements(admin, doc, verify_url)
