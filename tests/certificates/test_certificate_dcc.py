"""PTB Digital Calibration Certificate XML 3.3.0, validated offline against the bundled XSD.

What is checked follows PTB's good-practice DCCs (temperature "typical" and "extensive",
humidity, mass set) as the project's reference notes summarise them: tables of
``si:realListXMLList`` columns marked ``basic_1IndexTable``, columns named by refType,
uncertainty that agrees with itself, conformity as data linked to its decision rule, conditions
as ``basic_temperature`` / ``basic_humidityRelative``, standards as equipment with their own
certificates, our own refTypes declared with the prefix ``lims_``.
"""
from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from certificates.dcc import dcc_tree, to_dcc_xml
from certificates.dcc_admin import city_of, contact_parts, document_kind
from certificates.dcc_schema import read_catalog, schema_dir, validate_dcc
from certificates.dcc_tables import distribution_of, spread_of
from certificates.dcc_xml import LIMS_REF_TYPES
from certificates.errors import DccError, DccValidationError
from certificates.model import (
    Conformity,
    Customer,
    LocalText,
    Measure,
    ResultRow,
    ResultSection,
    Uncertainty,
    Verdict,
)
from tests.helpers import replace

NS = {"dcc": "https://ptb.de/dcc", "si": "https://ptb.de/si"}
TABLE = "//dcc:result[1]//dcc:list"


def xpath(xml: bytes, path: str) -> list[str]:
    return [str(v) for v in etree.fromstring(xml).xpath(path, namespaces=NS)]


def column(xml: bytes, ref_type: str, table: str = TABLE) -> list[str]:
    path = f"{table}/dcc:quantity[contains(@refType, '{ref_type}')]/si:realListXMLList/si:valueXMLList/text()"
    values = xpath(xml, path)
    assert len(values) == 1, f"one {ref_type} column"
    return values[0].split()


def test_verification_dcc_validates_against_dcc_3_3_0(verification) -> None:
    xml = to_dcc_xml(verification, verify_url="https://lims.tdc.gov.vn/v/abc", software_release="0.1.0")
    validate_dcc(xml)  # raises if invalid
    assert xpath(xml, "/dcc:digitalCalibrationCertificate/@schemaVersion") == ["3.3.0"]
    assert xpath(xml, "//dcc:coreData/dcc:uniqueIdentifier/text()") == ["2025-KD-000123"]
    assert xpath(xml, "//dcc:coreData/dcc:countryCodeISO3166_1/text()") == ["VN"]
    assert xpath(xml, "//dcc:coreData/dcc:usedLangCodeISO639_1/text()") == ["vi", "en"]
    assert xpath(xml, "//dcc:coreData/dcc:mandatoryLangCodeISO639_1/text()") == ["vi"]
    assert xpath(xml, "//dcc:coreData//dcc:identification[@refType='lims_stampNumber']/dcc:value/text()") == [
        "HN-25-0012345"]
    assert xpath(xml, "//dcc:statement[@refType='basic_conformity']/dcc:conformity/text()") == ["pass"]
    assert xpath(xml, "//dcc:statement[@refType='basic_recalibration']/dcc:date/text()") == ["2026-03-04"]
    assert xpath(xml, "//dcc:statement[@refType='lims_verificationLink']/dcc:link/text()") == [
        "https://lims.tdc.gov.vn/v/abc"]


def test_one_table_per_results_section_with_the_stored_values(verification) -> None:
    """The weighing test is one dcc:result holding one basic_1IndexTable: reference 0.400 …
    60.000 kg (index column, basic_tableIndex0), indication, error in g with U = 6 g (k = 2,
    p = 0.95, normal), tolerance limits ∓MPE (OIML R76-1 class III: 10, 10, 20, 20, 30 g)."""
    xml = to_dcc_xml(verification)
    assert len(xpath(xml, "//dcc:result")) == 1
    assert xpath(xml, f"{TABLE}/@refType") == ["basic_1IndexTable"]
    assert xpath(xml, f"{TABLE}/dcc:quantity[1]/@refType") == ["basic_referenceValue basic_tableIndex0"]
    assert column(xml, "basic_referenceValue") == ["0.400", "10.000", "20.000", "40.000", "60.000"]
    assert xpath(xml, f"{TABLE}/dcc:quantity[1]//si:unitXMLList/text()") == ["\\kilogram"]
    assert column(xml, "basic_measuredValue") == ["0.40", "10.00", "20.02", "40.00", "60.02"]
    assert column(xml, "basic_measurementError") == ["0", "0", "20", "0", "20"]
    unc = f"{TABLE}//si:expandedUncXMLList"
    assert xpath(xml, f"{unc}/si:uncertaintyXMLList/text()") == ["6 6 6 6 6"]
    assert xpath(xml, f"{unc}/si:coverageFactorXMLList/text()") == ["2"]
    assert xpath(xml, f"{unc}/si:coverageProbabilityXMLList/text()") == ["0.95"]
    assert xpath(xml, f"{unc}/si:distributionXMLList/text()") == ["normal"]
    conformity = f"{TABLE}//dcc:metaData[@refType='basic_conformity']"
    assert xpath(xml, f"{conformity}/dcc:conformityXMLList/text()") == ["pass pass pass pass pass"]
    assert column(xml, "basic_toleranceLimitLower", conformity + "/dcc:data") == ["-10", "-10", "-20", "-20", "-30"]
    assert column(xml, "basic_toleranceLimitUpper", conformity + "/dcc:data") == ["10", "10", "20", "20", "30"]


def test_measured_reference_is_the_reference_column_and_the_nominal_its_calibration_value(calibration) -> None:
    """Reference column = ResultRow.reference (the measured reference value); the nominal or set
    point, when different, as measurementMetaData/metaData[@refType='basic_calibrationValue']."""
    rows = tuple(dataclasses.replace(r, reference=Measure(r.nominal.value + Decimal("0.0002"), "g"))
                 for r in calibration.results[0].rows)
    xml = to_dcc_xml(replace(calibration, results=(ResultSection(rows=rows),)))
    assert column(xml, "basic_referenceValue") == ["0.0002", "50.0002", "100.0002", "150.0002", "200.0002"]
    nominal = f"{TABLE}//dcc:metaData[@refType='basic_calibrationValue']/dcc:data"
    assert column(xml, "basic_calibrationValue", nominal) == ["0", "50", "100", "150", "200"]
    plain = to_dcc_xml(calibration)  # no measured reference: no calibration value to repeat
    assert xpath(plain, "//dcc:metaData[@refType='basic_calibrationValue']") == []


def test_uncertainty_in_another_prefix_is_shifted_exactly(verification) -> None:
    """D-SI requires U in the unit of its value: U = 0.3 mg on an error in g is written
    0.3 × 10⁻³ g = 0.0003 g (an exact decimal shift, no rounding)."""
    row = ResultRow(nominal=Measure("100", "g"), error=Measure("0.0002", "g"),
                    uncertainty=Uncertainty(Measure("0.3", "mg")))
    xml = to_dcc_xml(replace(verification, results=(ResultSection(rows=(row,)),)))
    assert xpath(xml, "//si:uncertaintyXMLList/text()") == ["0.0003"]


@pytest.mark.parametrize(("k", "p", "expected"), [
    ("2", "0.95", "normal"), ("2", "0.9545", "normal"), ("2.43", "0.95", "t"), ("2.43", "0.9545", "t"),
    ("1.5", "0.95", None),
])
def test_the_distribution_agrees_with_k_and_p(k, p, expected) -> None:
    """Normal when p = erf(k/√2) within 0.01 (JCGM 100 G.1.3); a larger k at that p is a Student t
    distribution (JCGM 100 G.4); anything else is left out rather than stated wrongly."""
    assert distribution_of(Decimal(k), Decimal(p)) == expected


def test_k_of_a_t_distribution_is_not_called_normal(verification) -> None:
    rows = (ResultRow(nominal=Measure("37.0", "degC"), reference=Measure("37.013", "degC"),
                      indication=Measure("37.13", "degC"), error=Measure("0.12", "delta_degC"),
                      uncertainty=Uncertainty(Measure("0.12", "delta_degC"), k=Decimal("2.43"),
                                              coverage_probability=Decimal("0.9545"))),)
    xml = to_dcc_xml(replace(verification, results=(ResultSection(rows=rows),)))
    assert xpath(xml, "//si:distributionXMLList/text()") == ["t"]
    assert xpath(xml, f"{TABLE}/dcc:quantity[1]/si:realListXMLList/si:unitXMLList/text()") == ["\\degreecelsius"]
    error = f"{TABLE}/dcc:quantity[@refType='basic_measurementError']/si:realListXMLList/si:unitXMLList/text()"
    assert xpath(xml, error) == ["\\kelvin"]


def test_guard_band_rule_writes_acceptance_limits_and_names_its_clause(verification) -> None:
    """ILAC G8:09/2019 4.2.2, w = U: acceptance limits ∓(MPE − U) beside the tolerance limits;
    the rule is a usedMethod with its clause in dcc:reference, the verdicts point to it by refId."""
    rule = ("Binary decision rule with guard band (ILAC G8:09/2019 4.2.2), w = U: "
            "conforms when |error| ≤ MPE − w.")
    doc = replace(verification, conformity=Conformity(Verdict.PASS, LocalText("Quy tắc nhị phân …", rule)))
    xml = to_dcc_xml(doc)
    method = "//dcc:usedMethod[@id='decision-rule']"
    assert xpath(xml, f"{method}/dcc:norm/text()") == ["ILAC G8:09/2019"]
    assert xpath(xml, f"{method}/dcc:reference/text()") == ["4.2.2"]
    conformity = f"{TABLE}//dcc:metaData[@refType='basic_conformity']"
    assert xpath(xml, f"{conformity}/@refId") == ["decision-rule"]
    assert column(xml, "basic_acceptanceLimitUpper", conformity + "/dcc:data") == ["4", "4", "14", "14", "24"]
    assert column(xml, "basic_acceptanceLimitLower", conformity + "/dcc:data") == ["-4", "-4", "-14", "-14", "-24"]
    assert xpath(to_dcc_xml(verification), "//dcc:quantity[@refType='basic_acceptanceLimitUpper']") == []


def test_repeatability_spread_is_a_quantity_of_its_own(verification) -> None:
    """OIML R76-1 A.4.10: the compared quantity max − min as lims_repeatabilitySpread."""
    label = LocalText("Max · max − min = 0,02 kg", "Max · max − min = 0.02 kg")
    row = ResultRow(nominal=Measure("60.00", "kg"), error=Measure("0.01", "kg"),
                    uncertainty=Uncertainty(Measure("0.006", "kg")), mpe=Measure("0.03", "kg"), label=label)
    assert spread_of(row) == Measure(Decimal("0.02"), "kg")
    xml = to_dcc_xml(replace(verification, results=(ResultSection(rows=(row, row)),)))
    assert column(xml, "lims_repeatabilitySpread") == ["0.02", "0.02"]
    assert xpath(xml, f"{TABLE}/dcc:quantity[@refType='lims_pointLabel']/dcc:charsXMLList/text()") == ["Max Max"]


def test_calibration_dcc_conditions_standards_and_stages(calibration) -> None:
    xml = to_dcc_xml(calibration)
    refs = xpath(xml, "//dcc:result/@refType")
    assert refs == ["lims_results lims_beforeAdjustment", "lims_results lims_afterAdjustment"]
    temperature = "//dcc:influenceCondition[@refType='basic_temperature']//dcc:quantity"
    assert xpath(xml, f"{temperature}/@refType") == ["basic_temperature", "basic_temperatureMin",
                                                      "basic_temperatureMax"]
    assert xpath(xml, f"{temperature}//si:value/text()") == ["20.5", "20.0", "21.0"]
    assert set(xpath(xml, f"{temperature}//si:unit/text()")) == {"\\degreecelsius"}
    humidity = "//dcc:influenceCondition[@refType='basic_humidityRelative']/dcc:data/dcc:quantity[1]"
    assert xpath(xml, f"{humidity}//si:unit/text()") == ["\\one", "\\percent"]
    assert xpath(xml, f"{humidity}//si:value/text()") == ["0.55", "55"]
    equipment = "//dcc:measuringEquipment[@refType='basic_normalUsed']"
    assert xpath(xml, f"{equipment}/dcc:certificate/dcc:referralID/text()") == ["V01.2024.0123"]
    assert xpath(xml, f"{equipment}/dcc:certificate/dcc:referral/dcc:content/text()") == [
        "Viện Đo lường Việt Nam (VMI)"]
    assert xpath(xml, f"{equipment}/dcc:certificate/dcc:inValidityRange/text()") == ["true"]
    assert xpath(xml, "//dcc:coreData/dcc:endPerformanceDate/text()") == ["2025-04-03"]
    assert xpath(xml, "//dcc:respPerson[dcc:mainSigner='true']//dcc:person//dcc:content/text()") == ["Nguyễn Văn An"]
    assert xpath(xml, "//dcc:usedMethod[@refType='basic_uncertainty']/dcc:norm/text()")[0].startswith("JCGM 100")


def test_standard_identification_is_split_into_asset_code_and_serial_number(calibration) -> None:
    std = dataclasses.replace(calibration.reference_standards[0], identification="QC-F1-01 (S/N HF-22051)")
    xml = to_dcc_xml(replace(calibration, reference_standards=(std,)))
    idents = "//dcc:measuringEquipment//dcc:identification"
    assert xpath(xml, f"{idents}[@refType='lims_assetCode']/dcc:value/text()") == ["QC-F1-01"]
    assert xpath(xml, f"{idents}[@refType='lims_serialNumber']/dcc:value/text()") == ["HF-22051"]


def test_contacts_email_phone_city_and_country(verification) -> None:
    """e-mail only in dcc:eMail, the telephone in dcc:phone, the location with city and country."""
    assert contact_parts("0912 000 000, ban@example.vn") == ("ban@example.vn", "0912 000 000")
    assert contact_parts("0912 000 000") == (None, "0912 000 000")
    assert city_of("Số 2 Hoàng Văn Thụ, phường Chi Lăng, thành phố Lạng Sơn") == "Lạng Sơn"
    customer = Customer("Công ty A", "Chợ Đồng Xuân, quận Hoàn Kiếm, Hà Nội", "0912 000 000, ban@example.vn")
    xml = to_dcc_xml(replace(verification, customer=customer))
    assert xpath(xml, "//dcc:customer/dcc:eMail/text()") == ["ban@example.vn"]
    assert xpath(xml, "//dcc:customer/dcc:phone/text()") == ["0912 000 000"]
    assert xpath(xml, "//dcc:customer/dcc:location/dcc:city/text()") == ["Hà Nội"]
    assert xpath(xml, "//dcc:customer/dcc:location/dcc:countryCode/text()") == ["VN"]
    phone_only = to_dcc_xml(verification)  # the example customer gives a phone number only
    assert xpath(phone_only, "//dcc:customer/dcc:eMail") == []


def test_item_class_serial_number_and_range(verification) -> None:
    xml = to_dcc_xml(replace(verification, instrument=dataclasses.replace(
        verification.instrument, measuring_range=LocalText("0 kg … 60 kg", "0 kg … 60 kg"))))
    assert xpath(xml, "//dcc:item/dcc:equipmentClass/dcc:classID/text()") == ["III"]
    assert xpath(xml, "//dcc:item//dcc:identification[@refType='lims_serialNumber']/dcc:value/text()") == [
        "CV2403117"]
    limits = "//dcc:statement[@refType='basic_measurementRange']//dcc:quantity"
    assert xpath(xml, f"{limits}/@refType") == ["basic_measurementRangeMin", "basic_measurementRangeMax"]
    assert xpath(xml, f"{limits}//si:value/text()") == ["0", "60"]


def test_the_kind_of_document_is_stated(verification, calibration) -> None:
    """A verification certificate, a notice of non-conformity (a verification not passed) and a
    calibration certificate can be told apart (statement lims_documentKind, dcc:convention)."""
    failed = replace(verification, conformity=dataclasses.replace(verification.conformity, verdict=Verdict.FAIL),
                     valid_until=None, stamp_number=None)
    kinds = {document_kind(d) for d in (verification, failed, calibration)}
    assert kinds == {"verificationCertificate", "nonConformityNotice", "calibrationCertificate"}
    xml = to_dcc_xml(failed)
    assert xpath(xml, "//dcc:statement[@refType='lims_documentKind']/dcc:convention/text()") == [
        "nonConformityNotice"]
    assert xpath(xml, "//dcc:statement[@refType='basic_recalibration']") == []


def test_superseding_certificate_is_marked_substituted_with_its_reason(verification) -> None:
    """coreData/reportAmendedSubstituted for a correction; the reason in the language it was
    written in (the certificate's), not labelled English when it is Vietnamese."""
    doc = replace(verification, number="2025-KD-000200", supersedes="2025-KD-000123",
                  remarks=(LocalText("Sửa đổi: sai số sản xuất", "Amendment: sai số sản xuất"),))
    xml = to_dcc_xml(doc)
    assert xpath(xml, "//dcc:reportAmendedSubstituted/dcc:typeOfChange/text()") == ["substituted"]
    assert xpath(xml, "//dcc:reportAmendedSubstituted/dcc:replacedUniqueIdentifier/text()") == ["2025-KD-000123"]
    reason = "//dcc:statement[@refType='lims_amendment']/dcc:declaration/dcc:content"
    assert xpath(xml, f"{reason}/text()") == ["sai số sản xuất"]
    assert xpath(xml, f"{reason}/@lang") == ["vi"]
    assert xpath(xml, "//dcc:statement[@refType='lims_remark']") == []


def test_every_lims_ref_type_is_declared_and_no_basic_one_is_ours(verification, calibration) -> None:
    for doc in (verification, calibration):
        xml = to_dcc_xml(doc, verify_url="https://lims.tdc.gov.vn/v/abc")
        used = {t for v in xpath(xml, "//@refType") for t in v.split()}
        declared = set(xpath(xml, "//dcc:refTypeDefinition/@refType"))
        assert {t for t in used if t.startswith("lims_")} <= declared == set(LIMS_REF_TYPES)
        assert all(t.startswith(("lims_", "basic_")) for t in used)


def test_place_of_performance_at_the_customer_site(verification) -> None:
    """On-site work: performanceLocation ``customer`` and the premises' address (ISO/IEC 17025 7.8.2.1 c)."""
    xml = to_dcc_xml(replace(verification, performance_location="customer_site",
                             performance_address="Kho hàng cửa khẩu Đồng Đăng, huyện Cao Lộc, Lạng Sơn"))
    assert xpath(xml, "//dcc:coreData/dcc:performanceLocation/text()") == ["customer"]
    place = "//dcc:statement[@refType='lims_performanceAddress']/dcc:location"
    assert xpath(xml, f"{place}/dcc:city/text()") == ["Lạng Sơn"]
    assert xpath(xml, f"{place}/dcc:further/dcc:content/text()") == [
        "Kho hàng cửa khẩu Đồng Đăng, huyện Cao Lộc, Lạng Sơn"]
    assert xpath(xml, "//dcc:statement[@refType='lims_performanceAddress']/dcc:declaration/dcc:content/text()") == [
        "Tại cơ sở của khách hàng", "At the customer's site"]


def test_invalid_dcc_is_rejected_with_the_schema_message(verification) -> None:
    tree = dcc_tree(verification)
    core = tree.getroot().find(".//{https://ptb.de/dcc}coreData")
    core.remove(core.find("{https://ptb.de/dcc}uniqueIdentifier"))
    with pytest.raises(DccValidationError, match="uniqueIdentifier") as info:
        validate_dcc(etree.tostring(tree))
    assert info.value.errors and info.value.errors[0].startswith("line ")


def test_wrong_schema_version_and_bad_values_are_rejected(verification) -> None:
    xml = to_dcc_xml(verification).replace(b'schemaVersion="3.3.0"', b'schemaVersion="2.0.0"')
    with pytest.raises(DccValidationError, match="schemaVersion"):
        validate_dcc(xml)
    xml = to_dcc_xml(verification).replace(b"<si:valueXMLList>0.40 ", b"<si:valueXMLList>zero ", 1)
    with pytest.raises(DccValidationError, match="valueXMLList"):
        validate_dcc(xml)
    with pytest.raises(DccValidationError, match="well-formed"):
        validate_dcc(b"<dcc:digitalCalibrationCertificate")


def test_unit_without_dsi_spelling_is_a_clear_error(verification) -> None:
    row = ResultRow(nominal=Measure(Decimal(1), "vạch"))
    doc = replace(verification, results=(ResultSection(rows=(row,)),))
    with pytest.raises(DccError, match="vạch"):
        to_dcc_xml(doc)


def test_standard_out_of_its_validity_is_said_so(calibration) -> None:
    std = dataclasses.replace(calibration.reference_standards[0], valid_until=date(2025, 4, 2))
    xml = to_dcc_xml(replace(calibration, reference_standards=(std,)))
    assert xpath(xml, "//dcc:certificate/dcc:inValidityRange/text()") == ["false"]


def test_catalog_maps_every_remote_schema_to_a_bundled_file() -> None:
    """The OASIS catalog shipped with the schemas resolves PTB's URLs to files in the package."""
    mapping = read_catalog(schema_dir() / "catalog.xml")
    assert "https://www.ptb.de/si/v2.2.1/qudt/quantitykind.xsd" in mapping
    assert all(path.is_file() for path in mapping.values())


def test_verification_type_and_national_procedure_are_stated(verification) -> None:
    """The verification type (chế độ kiểm định) as a statement with its code as convention; the
    national procedure (ĐLVN) as a second norm of the method."""
    method = dataclasses.replace(verification.method, national_procedure="ĐLVN 13:2019")
    doc = dataclasses.replace(verification, verification_type="periodic", method=method)
    xml = to_dcc_xml(doc)
    assert xpath(xml, "//dcc:statement[@refType='lims_verificationType']/dcc:convention/text()") == ["periodic"]
    assert xpath(xml, "//dcc:usedMethod[@refType='lims_method']/dcc:norm/text()") == ["ĐLVN 16:2009", "ĐLVN 13:2019"]
    assert xpath(to_dcc_xml(verification), "//dcc:statement[@refType='lims_verificationType']") == []
