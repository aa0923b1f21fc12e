"""The certificate as a PTB Digital Calibration Certificate, DCC XML schema 3.3.0.

Mapping (element paths under ``dcc:digitalCalibrationCertificate``):

* ``administrativeData/coreData``: country, languages (used: vi and en; mandatory: the
  document's language), ``uniqueIdentifier`` = certificate number, the stamp number as an
  identification, receipt / performance / issue dates, ``performanceLocation``, and
  ``reportAmendedSubstituted`` (``substituted``) for a certificate that supersedes another.
* ``items/item``: the instrument with manufacturer, model and identifications (serial number
  from the manufacturer, the owner's identifier).
* ``calibrationLaboratory``, ``respPersons`` (the authorising person is ``mainSigner``),
  ``customer``.
* ``statements``: conformity (``pass``/``fail``/``conditionalPass``/``conditionalFail``) with
  the decision rule (ISO/IEC 17025 7.8.6), validity, traceability, "results relate only to
  the item", deviations, remarks.
* ``measurementResults``: the method, the reference standards (``measuringEquipments``) and
  the environmental conditions (``influenceConditions``) once; one ``measurementResult`` per
  results table, one ``result`` per point holding the reference value, indication, error
  with its expanded uncertainty (``si:expandedMU``: U, k, p), the tolerance limits ±MPE and
  the point's conformity.

Numbers are written digit for digit as stored. The only change is an exact power-of-ten
shift when the uncertainty is stored in another prefix of the error's unit (U = 0.3 mg on
an error in g is written 0.0003), because D-SI requires the uncertainty in the unit of its
value.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from lxml import etree

from certificates.dcc_schema import validate_dcc
from certificates.errors import DccError, UnitError
from certificates.labels import LABELS, label
from certificates.model import (
    CertificateDocument,
    LocalText,
    Measure,
    PerformanceLocation,
    ResultRow,
    ResultSection,
    Text,
    Uncertainty,
    Verdict,
)
from certificates.units import dsi_unit, rescale

DCC = "https://ptb.de/dcc"
SI = "https://ptb.de/si"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_VERSION = "3.3.0"
SCHEMA_LOCATION = "https://ptb.de/dcc https://ptb.de/dcc/v3.3.0/dcc.xsd"
NSMAP = {"dcc": DCC, "si": SI, "xsi": XSI}

PERFORMANCE_LOCATION = {
    PerformanceLocation.LABORATORY: "laboratory",
    PerformanceLocation.CUSTOMER_SITE: "customer",
    PerformanceLocation.MOBILE: "other",
}
CONFORMITY = {
    Verdict.PASS: "pass",
    Verdict.FAIL: "fail",
    Verdict.CONDITIONAL_PASS: "conditionalPass",
    Verdict.CONDITIONAL_FAIL: "conditionalFail",
}

__all__ = ["to_dcc_xml", "validate_dcc", "dcc_tree"]


def _el(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
    ns, _, name = tag.partition(":")
    element = etree.SubElement(parent, f"{{{NSMAP[ns]}}}{name}", attrs)
    if text is not None:
        element.text = text
    return element


def _both(key: str, **values: object) -> LocalText:
    vi, en = LABELS[key]
    return LocalText(vi.format(**values) if values else vi, en.format(**values) if values else en)


def _text(parent: Any, tag: str, value: Text) -> Any:
    """A ``dcc:textType`` element: one ``dcc:content`` per language."""
    element = _el(parent, tag)
    if isinstance(value, LocalText):
        _el(element, "dcc:content", value.vi, lang="vi")
        if value.en:
            _el(element, "dcc:content", value.en, lang="en")
    else:
        _el(element, "dcc:content", value)
    return element


def _number(value: Decimal) -> str:
    """A D-SI decimal, digit for digit (``si:decimalType``)."""
    return format(value, "f")


def _unit(measure: Measure, where: str) -> str:
    try:
        return dsi_unit(measure.unit)
    except UnitError:
        raise DccError(
            f"{where}: the unit {measure.unit!r} has no D-SI spelling; add it to lims.metrology.units_table"
        ) from None


def _real(parent: Any, measure: Measure, where: str, uncertainty: Uncertainty | None = None) -> Any:
    """``si:real`` with value, D-SI unit and optionally ``si:expandedMU`` (U, k, p)."""
    real = _el(parent, "si:real")
    _el(real, "si:value", _number(measure.value))
    _el(real, "si:unit", _unit(measure, where))
    if uncertainty is not None:
        try:
            u = rescale(uncertainty.expanded.value, uncertainty.expanded.unit, measure.unit)
        except UnitError:
            raise DccError(f"{where}: the uncertainty's unit {uncertainty.expanded.unit!r} "
                           f"cannot be written in the unit {measure.unit!r}") from None
        mu = _el(_el(real, "si:measurementUncertaintyUnivariate"), "si:expandedMU")
        _el(mu, "si:valueExpandedMU", _number(u))
        _el(mu, "si:coverageFactor", _number(uncertainty.k))
        _el(mu, "si:coverageProbability", _number(uncertainty.coverage_probability))
        _el(mu, "si:distribution", uncertainty.distribution)
    return real


def _quantity(parent: Any, name: Text, measure: Measure, ref_type: str, where: str,
              uncertainty: Uncertainty | None = None) -> Any:
    quantity = _el(parent, "dcc:quantity", refType=ref_type)
    _text(quantity, "dcc:name", name)
    _real(quantity, measure, where, uncertainty)
    return quantity


def _location(parent: Any, *, city: str | None, country: str | None, further: Text | None) -> None:
    location = _el(parent, "dcc:location")
    if city:
        _el(location, "dcc:city", city)
    if country:
        _el(location, "dcc:countryCode", country)
    if further:
        _text(location, "dcc:further", further)


def _statement(parent: Any, ref_type: str, name: Text, declaration: Text | None = None, *,
               description: Text | None = None, traceable: bool | None = None, norms: Iterable[str] = (),
               link: str | None = None, valid_until: date | None = None, conformity: str | None = None) -> Any:
    """A ``dcc:statement``; children in the order of ``dcc:statementMetaDataType``."""
    statement = _el(parent, "dcc:statement", refType=ref_type)
    _text(statement, "dcc:name", name)
    if description:
        _text(statement, "dcc:description", description)
    if traceable is not None:
        _el(statement, "dcc:traceable", "true" if traceable else "false")
    for norm in norms:
        _el(statement, "dcc:norm", norm)
    if link:
        _el(statement, "dcc:link", link)
    if declaration:
        _text(statement, "dcc:declaration", declaration)
    if valid_until:
        _el(statement, "dcc:date", valid_until.isoformat())
    if conformity:
        _el(statement, "dcc:conformity", conformity)
    return statement


def _administrative(root: Any, doc: CertificateDocument, software_release: str, verify_url: str | None) -> None:
    admin = _el(root, "dcc:administrativeData")
    software = _el(_el(admin, "dcc:dccSoftware"), "dcc:software")
    _text(software, "dcc:name", "metrology-lims")
    _el(software, "dcc:release", software_release)
    _el(software, "dcc:type", "application")

    core = _el(admin, "dcc:coreData")
    _el(core, "dcc:countryCodeISO3166_1", doc.laboratory.country_code)
    for lang in ("vi", "en"):
        _el(core, "dcc:usedLangCodeISO639_1", lang)
    _el(core, "dcc:mandatoryLangCodeISO639_1", doc.language)
    _el(core, "dcc:uniqueIdentifier", doc.number)
    if doc.stamp_number:
        ident = _el(_el(core, "dcc:identifications"), "dcc:identification")
        _el(ident, "dcc:issuer", "calibrationLaboratory")
        _el(ident, "dcc:value", doc.stamp_number)
        _text(ident, "dcc:name", _both("stamp_number"))
    if doc.received_on:
        _el(core, "dcc:receiptDate", doc.received_on.isoformat())
    _el(core, "dcc:beginPerformanceDate", doc.performed_on.isoformat())
    _el(core, "dcc:endPerformanceDate", doc.end_of_work.isoformat())
    _el(core, "dcc:performanceLocation", PERFORMANCE_LOCATION[doc.performance_location])
    _el(core, "dcc:issueDate", doc.issued_on.isoformat())
    if doc.supersedes:
        amended = _el(core, "dcc:reportAmendedSubstituted")
        _el(amended, "dcc:typeOfChange", "substituted")
        _el(amended, "dcc:replacedUniqueIdentifier", doc.supersedes)

    _items(admin, doc)
    _laboratory(admin, doc)
    _persons(admin, doc)
    customer = _el(admin, "dcc:customer")
    _text(customer, "dcc:name", doc.customer.name)
    contact = doc.customer.contact
    if contact:
        _el(customer, "dcc:eMail" if "@" in contact else "dcc:phone", contact)
    # A customer of the laboratory without a stated country is taken to be in the lab's country.
    _location(customer, city=None, country=None if doc.customer.address else doc.laboratory.country_code,
              further=doc.customer.address)
    _statements(admin, doc, verify_url)


def _items(admin: Any, doc: CertificateDocument) -> None:
    ins = doc.instrument
    item = _el(_el(admin, "dcc:items"), "dcc:item")
    _text(item, "dcc:name", ins.name)
    details = [(k, v) for k, v in (("instrument.measuring_range", ins.measuring_range),
                                   ("instrument.accuracy_class", ins.accuracy_class),
                                   ("instrument.condition", ins.condition)) if v]
    if details:
        description = _el(item, "dcc:description")
        for key, value in details:
            vi, en = LABELS[key]
            text = value if isinstance(value, LocalText) else LocalText(value, value)
            _el(description, "dcc:content", f"{vi}: {text.vi}", lang="vi")
            _el(description, "dcc:content", f"{en}: {text.en or text.vi}", lang="en")
    if ins.manufacturer:
        _text(_el(item, "dcc:manufacturer"), "dcc:name", ins.manufacturer)
    if ins.model:
        _el(item, "dcc:model", ins.model)
    idents = _el(item, "dcc:identifications")
    for issuer, number, key in (("manufacturer", ins.serial_number, "instrument.serial_number"),
                                ("owner", ins.identifier, "instrument.identifier")):
        if number:
            ident = _el(idents, "dcc:identification")
            _el(ident, "dcc:issuer", issuer)
            _el(ident, "dcc:value", number)
            _text(ident, "dcc:name", _both(key))
    if ins.resolution is not None:
        quantity = _el(_el(item, "dcc:itemQuantities"), "dcc:itemQuantity", refType="basic_resolution")
        _text(quantity, "dcc:name", _both("instrument.resolution"))
        _real(quantity, ins.resolution, "instrument.resolution")


def _laboratory(admin: Any, doc: CertificateDocument) -> None:
    lab = doc.laboratory
    element = _el(admin, "dcc:calibrationLaboratory")
    if lab.accreditation:
        _el(element, "dcc:calibrationLaboratoryCode", lab.accreditation)
    contact = _el(element, "dcc:contact")
    _text(contact, "dcc:name", lab.name)
    if lab.email:
        _el(contact, "dcc:eMail", lab.email)
    if lab.phone:
        _el(contact, "dcc:phone", lab.phone)
    _location(contact, city=lab.city, country=lab.country_code, further=lab.address)


def _persons(admin: Any, doc: CertificateDocument) -> None:
    persons = _el(admin, "dcc:respPersons")
    for person, main in ((doc.authorised_by, True), (doc.performed_by, False)):
        if person is None:
            continue
        resp = _el(persons, "dcc:respPerson")
        _text(_el(resp, "dcc:person"), "dcc:name", person.name)
        if person.role:
            _text(resp, "dcc:description", person.role)
        _el(resp, "dcc:role", "authorisedSignatory" if main else "performedBy")
        _el(resp, "dcc:mainSigner", "true" if main else "false")


def _statements(admin: Any, doc: CertificateDocument, verify_url: str | None) -> None:
    statements = _el(admin, "dcc:statements")
    c = doc.conformity
    if c is not None:
        _statement(
            statements, "basic_conformity", _both("conformity"),
            c.statement or _both(f"conformity.{c.verdict.value}"),
            description=c.decision_rule,
            norms=[doc.method.code],
            valid_until=doc.valid_until,
            conformity=CONFORMITY[c.verdict],
        )
    elif doc.valid_until:
        _statement(statements, "basic_validity", _both("valid_until"), valid_until=doc.valid_until)
    _statement(statements, "basic_traceability", _both("standards"),
               doc.traceability_statement or _both("traceability.default"), traceable=True)
    _statement(statements, "basic_relateOnly", _both("results"), _both(f"relate_only.{doc.kind.value}"))
    if doc.deviations:
        _statement(statements, "basic_deviations", _both("deviations"), doc.deviations)
    if doc.adjustment_note:
        _statement(statements, "basic_adjustment", _both("adjustment"), doc.adjustment_note)
    for remark in doc.remarks:
        _statement(statements, "basic_remark", _both("remarks"), remark)
    if verify_url:
        _statement(statements, "basic_verification", _both("qr.caption"), link=verify_url)


def _results(root: Any, doc: CertificateDocument) -> None:
    results = _el(root, "dcc:measurementResults")
    method = _el(_el(results, "dcc:usedMethods"), "dcc:usedMethod")
    _text(method, "dcc:name", doc.method.title or doc.method.code)
    _el(method, "dcc:norm", doc.method.code)
    _equipment(results, doc)
    if doc.environment:
        conditions = _el(results, "dcc:influenceConditions")
        for i, condition in enumerate(doc.environment):
            element = _el(conditions, "dcc:influenceCondition", refType="basic_environment")
            _text(element, "dcc:name", condition.quantity)
            data = _el(element, "dcc:data")
            _quantity(data, condition.quantity, condition.value, "basic_measuredValue", f"environment[{i}]")
            if condition.spread is not None:
                _quantity(data, LocalText("Độ dao động (±)", "Variation (±)"), condition.spread,
                          "basic_variation", f"environment[{i}].spread")
    for s, section in enumerate(doc.results):
        _section(results, section, s)


def _equipment(results: Any, doc: CertificateDocument) -> None:
    equipments = _el(results, "dcc:measuringEquipments")
    for standard in doc.reference_standards:
        equipment = _el(equipments, "dcc:measuringEquipment", refType="basic_referenceStandard")
        _text(equipment, "dcc:name", standard.name)
        description = [f"{label('standards.calibrated_by', 'vi')}: {standard.calibrated_by}"]
        if standard.accuracy:
            description.append(standard.accuracy.vi if isinstance(standard.accuracy, LocalText) else standard.accuracy)
        if standard.valid_until:
            description.append(f"{label('standards.valid_until', 'vi')}: {standard.valid_until.isoformat()}")
        desc = _el(equipment, "dcc:description")
        _el(desc, "dcc:content", "; ".join(description), lang="vi")
        idents = _el(equipment, "dcc:identifications")
        for issuer, value, key in (("calibrationLaboratory", standard.identification, "standards.identification"),
                                   ("other", standard.certificate_number, "standards.certificate")):
            ident = _el(idents, "dcc:identification")
            _el(ident, "dcc:issuer", issuer)
            _el(ident, "dcc:value", value)
            _text(ident, "dcc:name", _both(key))


def _section(results: Any, section: ResultSection, s: int) -> None:
    element = _el(results, "dcc:measurementResult",
                  **({"refType": f"basic_{section.stage.value}"} if section.stage else {}))
    names = [n for n in (section.stage and _both(f"stage.{section.stage.value}"), section.title) if n]
    if not names:
        _text(element, "dcc:name", _both("results"))
    elif len(names) == 1:
        _text(element, "dcc:name", names[0])
    else:
        a, b = (n if isinstance(n, LocalText) else LocalText(n, n) for n in names)
        _text(element, "dcc:name", LocalText(f"{a.vi} – {b.vi}", f"{a.en or a.vi} – {b.en or b.vi}"))
    rows = _el(element, "dcc:results")
    for r, row in enumerate(section.rows, start=1):
        _point(rows, row, r, f"results[{s}].rows[{r - 1}]")


def _point(parent: Any, row: ResultRow, number: int, where: str) -> None:
    result = _el(parent, "dcc:result", refType="basic_calibrationPoint")
    name = LocalText(f"Điểm {number}", f"Point {number}")
    if row.label:
        text = row.label if isinstance(row.label, LocalText) else LocalText(row.label, row.label)
        name = LocalText(f"{name.vi}: {text.vi}", f"{name.en}: {text.en or text.vi}")
    _text(result, "dcc:name", name)
    items = _el(_el(result, "dcc:data"), "dcc:list", refType="basic_calibrationPoint")
    _quantity(items, _both("col.nominal"), row.nominal, "basic_referenceValue", f"{where}.nominal")
    u_done = False
    if row.indication is not None:
        u_here = row.uncertainty if row.error is None else None
        _quantity(items, _both("col.indication"), row.indication, "basic_measuredValue", f"{where}.indication", u_here)
        u_done = u_here is not None
    if row.error is not None:
        _quantity(items, _both("col.error"), row.error, "basic_measurementError", f"{where}.error", row.uncertainty)
        u_done = row.uncertainty is not None
    if row.uncertainty is not None and not u_done:
        _quantity(items, _both("col.uncertainty"), row.uncertainty.expanded, "basic_expandedUncertainty",
                  f"{where}.uncertainty")
    if row.mpe is not None:
        _quantity(items, LocalText("Giới hạn dưới (−MPE)", "Lower limit (−MPE)"), Measure(-row.mpe.value, row.mpe.unit),
                  "basic_toleranceLimitLower", f"{where}.mpe")
        _quantity(items, LocalText("Giới hạn trên (+MPE)", "Upper limit (+MPE)"), row.mpe,
                  "basic_toleranceLimitUpper", f"{where}.mpe")
    if row.verdict is not None:
        meta = _el(_el(items, "dcc:measurementMetaData"), "dcc:metaData", refType="basic_conformity")
        _text(meta, "dcc:name", _both("col.verdict"))
        _el(meta, "dcc:conformity", CONFORMITY[row.verdict])


def _release() -> str:
    try:
        from importlib.metadata import PackageNotFoundError, version

        return version("metrology-lims")
    except (ImportError, PackageNotFoundError):
        return "development"


def dcc_tree(doc: CertificateDocument, *, verify_url: str | None = None, software_release: str | None = None) -> Any:
    """The DCC as an lxml element tree (see :func:`to_dcc_xml`)."""
    if not isinstance(doc, CertificateDocument):
        raise DccError("to_dcc_xml needs a CertificateDocument")
    root = etree.Element(f"{{{DCC}}}digitalCalibrationCertificate", nsmap=NSMAP)
    root.set("schemaVersion", SCHEMA_VERSION)
    root.set(f"{{{XSI}}}schemaLocation", SCHEMA_LOCATION)
    _administrative(root, doc, software_release or _release(), verify_url)
    _results(root, doc)
    return etree.ElementTree(root)


def to_dcc_xml(doc: CertificateDocument, *, verify_url: str | None = None, software_release: str | None = None,
               validate: bool = True) -> bytes:
    """The certificate as DCC 3.3.0 XML (UTF-8 bytes), validated against the bundled schema.

    ``verify_url`` (optional) is added as a statement link, so a machine reading the DCC can
    check it like a person scanning the QR code. With ``validate=True`` (default) an invalid
    result raises :class:`~certificates.errors.DccValidationError` instead of being returned.
    """
    tree = dcc_tree(doc, verify_url=verify_url, software_release=software_release)
    if validate:
        validate_dcc(tree)
    return bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True))

