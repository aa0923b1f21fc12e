r"""``dcc:measurementResults``: methods, standards, conditions and the results tables.

One ``dcc:measurementResult`` holds, in the order of DCC 3.3.0 ``measurementResultType``:

* ``dcc:usedMethods`` — the procedure (refType ``lims_method``, its code as ``dcc:norm``, and a
  national procedure when the document names one), the uncertainty evaluation (refType
  ``basic_uncertainty``, JCGM 100:2008 (GUM) and EA-4/02 M as norms, as PTB's good-practice
  DCCs do) and the decision rule (id ``decision-rule``, ``dcc:norm`` ILAC G8:09/2019 with its
  clause in ``dcc:reference``) that the verdicts of the tables point to with ``refId``;
* ``dcc:measuringEquipments`` — each reference standard (refType ``basic_normalUsed``, id
  ``standard-N``) with its own ``dcc:certificate``: the issuing laboratory as ``referral``,
  the certificate number as ``referralID``, what it states as ``description``, whether it was
  in force on the day of the work (``inValidityRange``); a paper certificate has no hash, so
  ``procedure`` and ``value`` say ``analogue``, as PTB's temperature example does; the
  identifications split into the lab's asset code and the serial number;
* ``dcc:influenceConditions`` — temperature (``basic_temperature``, with
  ``basic_temperatureMin``/``Max`` when a spread is stated) and relative humidity
  (``basic_humidityRelative``, in ``\one`` and ``\percent``), other conditions as
  ``lims_environment``;
* ``dcc:results`` — the tables of :mod:`certificates.dcc_tables`, one per results section.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from certificates.dcc_tables import Rule, tables_of, write_table
from certificates.dcc_xml import both, el, fraction_or_real, in_unit, is_percent, local, quantity, text
from certificates.errors import UnitError
from certificates.model import CertificateDocument, EnvironmentalCondition, LocalText, Measure, ReferenceStandard
from certificates.units import compatible, dsi_unit

_CLAUSE = re.compile(r"ILAC[ -]G8[^)]*?\b(4\.2\.\d)")
_GUARD = re.compile(r"\bw = (?:(?P<factor>[\d.,]+)\s*)?U\b")
#: A temperature's spread is a difference of temperature.
DIFFERENCE_UNITS = {"degC": "delta_degC"}
_SERIAL = re.compile(r"^(?P<code>.+?)\s*\(S/N (?P<serial>[^)]+)\)\s*$")


def decision_rule(doc: CertificateDocument) -> Rule | None:
    """The decision rule of the conformity statement: the ILAC G8:09/2019 clause (4.2.1 simple
    acceptance, 4.2.2 binary with guard band, 4.2.3 non-binary) and the guard band factor r of
    w = r·U: ``Conformity.clause`` and ``guard_band_factor``. A document stored before those
    fields existed (never rebuilt, and still re-exported) has them only in the rule's wording:
    then, and only then, they are read from its English text."""
    c = doc.conformity
    if c is None:
        return None
    if c.clause is not None:
        return Rule("decision-rule", c.clause, c.guard_band_factor)
    wording = local(c.decision_rule).en or local(c.decision_rule).vi
    clause = m[1] if (m := _CLAUSE.search(wording)) else None
    factor = c.guard_band_factor
    if factor is None and clause in ("4.2.2", "4.2.3") and (g := _GUARD.search(wording)):
        factor = Decimal((g["factor"] or "1").replace(",", "."))
    return Rule("decision-rule", clause, factor)


def _methods(result: Any, doc: CertificateDocument, rule: Rule | None) -> None:
    methods = el(result, "dcc:usedMethods")
    method = el(methods, "dcc:usedMethod", refType="lims_method")
    text(method, "dcc:name", doc.method.title or doc.method.code)
    el(method, "dcc:norm", doc.method.code)
    national = doc.method.national_procedure
    if national and national.strip() and national != doc.method.code:
        el(method, "dcc:norm", national)
    if any(row.uncertainty is not None for section in doc.results for row in section.rows):
        gum = el(methods, "dcc:usedMethod", refType="basic_uncertainty")
        text(gum, "dcc:name", LocalText("Độ không đảm bảo đo mở rộng", "Expanded uncertainty"))
        text(gum, "dcc:description", both("uncertainty.method"))
        el(gum, "dcc:norm", "JCGM 100:2008 (GUM)")
        el(gum, "dcc:norm", "EA-4/02 M:2022")
    if rule is not None and doc.conformity is not None:
        decision = el(methods, "dcc:usedMethod", refType="lims_decisionRule", id=rule.ident)
        text(decision, "dcc:name", both("conformity.decision_rule"))
        text(decision, "dcc:description", doc.conformity.decision_rule)
        el(decision, "dcc:norm", "ILAC G8:09/2019")
        if rule.clause:
            el(decision, "dcc:reference", rule.clause)


def split_identification(standard: ReferenceStandard) -> tuple[str, str | None]:
    """(asset code, serial number) of a standard: its ``asset_code`` and ``serial_number``; for a
    document stored before it had them (never rebuilt, and still re-exported), its printed
    identification ``QC-F1-01 (S/N HF-22051)`` split in two."""
    if standard.asset_code is not None or standard.serial_number is not None:
        return standard.asset_code or standard.identification, standard.serial_number
    match = _SERIAL.match(standard.identification)
    return (match["code"], match["serial"]) if match else (standard.identification, None)


def _standard(equipments: Any, doc: CertificateDocument, standard: ReferenceStandard, n: int) -> None:
    equipment = el(equipments, "dcc:measuringEquipment", refType="basic_normalUsed", id=f"standard-{n}")
    text(equipment, "dcc:name", standard.name)
    certificate = el(equipment, "dcc:certificate")
    text(certificate, "dcc:referral", standard.calibrated_by)
    el(certificate, "dcc:referralID", standard.certificate_number)
    el(certificate, "dcc:procedure", "analogue")
    el(certificate, "dcc:value", "analogue")
    if standard.accuracy:
        text(certificate, "dcc:description", standard.accuracy)
    if standard.valid_until:
        el(certificate, "dcc:inValidityRange", "true" if standard.valid_until >= doc.end_of_work else "false")
    el(certificate, "dcc:traceable", "true")
    code, serial = split_identification(standard)
    idents = el(equipment, "dcc:identifications")
    for issuer, value, ref_type, key in (
            ("calibrationLaboratory", code, "lims_assetCode", "standards.identification"),
            ("manufacturer", serial, "lims_serialNumber", "instrument.serial_number")):
        if value:
            ident = el(idents, "dcc:identification", refType=ref_type)
            el(ident, "dcc:issuer", issuer)
            el(ident, "dcc:value", value)
            text(ident, "dcc:name", both(key))


def _kind_of(condition: EnvironmentalCondition) -> str:
    """``basic_temperature``, ``basic_humidityRelative`` or ``lims_environment``, from the unit."""
    unit = condition.value.unit
    if is_percent(unit):
        return "basic_humidityRelative"
    try:
        return "basic_temperature" if dsi_unit(unit) in ("\\degreecelsius", "\\kelvin") else "lims_environment"
    except UnitError:  # reported by the quantity writer, naming the field
        return "lims_environment"


def _condition(conditions: Any, condition: EnvironmentalCondition, i: int) -> None:
    """One influence condition: its value and, with a stated spread ±s, its min and max (value ∓ s)."""
    kind = _kind_of(condition)
    element = el(conditions, "dcc:influenceCondition", refType=kind)
    text(element, "dcc:name", condition.quantity)
    data = el(element, "dcc:data")
    where = f"environment[{i}]"
    quantity(data, condition.quantity, condition.value, kind, where)
    spread, value = condition.spread, condition.value
    spread_unit = DIFFERENCE_UNITS.get(value.unit, value.unit)
    if spread is None or kind == "lims_environment" or not compatible(spread.unit, spread_unit):
        return
    shift = in_unit(spread, spread_unit, f"{where}.spread")
    name = local(condition.quantity)
    for suffix, sign, vi, en in (("Min", -1, "nhỏ nhất", "min"), ("Max", 1, "lớn nhất", "max")):
        bound = el(data, "dcc:quantity", refType=f"{kind}{suffix}")
        text(bound, "dcc:name", LocalText(f"{name.vi} {vi}", f"{name.en or name.vi} {en}"))
        fraction_or_real(bound, Measure(value.value + sign * shift, value.unit), f"{where}.spread")


def _section_name(section: Any) -> LocalText:
    names = [n for n in (section.stage and both(f"stage.{section.stage.value}"), section.title) if n]
    if not names:
        return both("results")
    parts = [local(n) for n in names]
    return LocalText(" – ".join(p.vi for p in parts), " – ".join(p.en or p.vi for p in parts))


def write_results(root: Any, doc: CertificateDocument) -> None:
    """``dcc:measurementResults`` of ``doc`` (see the module docstring)."""
    result = el(el(root, "dcc:measurementResults"), "dcc:measurementResult")
    text(result, "dcc:name", both("results"))
    rule = decision_rule(doc)
    _methods(result, doc, rule)
    equipments = el(result, "dcc:measuringEquipments")
    for n, standard in enumerate(doc.reference_standards, start=1):
        _standard(equipments, doc, standard, n)
    if doc.environment:
        conditions = el(result, "dcc:influenceConditions")
        for i, condition in enumerate(doc.environment):
            _condition(conditions, condition, i)
    results = el(result, "dcc:results")
    standards = " ".join(f"standard-{n}" for n in range(1, len(doc.reference_standards) + 1))
    table = 0
    for s, section in enumerate(doc.results):
        stage = {"before_adjustment": "lims_beforeAdjustment", "after_adjustment": "lims_afterAdjustment"}
        ref_type = " ".join(["lims_results"] + ([stage[section.stage.value]] if section.stage else []))
        for rows in tables_of(section):
            table += 1
            write_table(results, _section_name(section), rows, where=f"results[{s}]", ident=f"results-{table}",
                        ref_type=ref_type, standards=standards, rule=rule, lang=doc.language)
