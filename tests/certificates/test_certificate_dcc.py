"""PTB Digital Calibration Certificate XML 3.3.0, validated offline against the bundled XSD."""
from __future__ import annotations

from decimal import Decimal

import pytest
from lxml import etree

from certificates.dcc import dcc_tree, to_dcc_xml
from certificates.dcc_schema import read_catalog, schema_dir, validate_dcc
from certificates.errors import DccError, DccValidationError
from certificates.model import Measure, ResultRow, ResultSection, Uncertainty
from tests.helpers import replace

NS = {"dcc": "https://ptb.de/dcc", "si": "https://ptb.de/si"}


def xpath(xml: bytes, path: str) -> list[str]:
    return [str(v) for v in etree.fromstring(xml).xpath(path, namespaces=NS)]


def test_verification_dcc_validates_against_dcc_3_3_0(verification) -> None:
    xml = to_dcc_xml(verification, verify_url="https://lims.tdc.gov.vn/v/abc", software_release="0.1.0")
    validate_dcc(xml)  # raises if invalid
    assert xpath(xml, "/dcc:digitalCalibrationCertificate/@schemaVersion") == ["3.3.0"]
    assert xpath(xml, "//dcc:coreData/dcc:uniqueIdentifier/text()") == ["2025-KD-000123"]
    assert xpath(xml, "//dcc:coreData/dcc:countryCodeISO3166_1/text()") == ["VN"]
    assert xpath(xml, "//dcc:coreData/dcc:usedLangCodeISO639_1/text()") == ["vi", "en"]
    assert xpath(xml, "//dcc:coreData/dcc:mandatoryLangCodeISO639_1/text()") == ["vi"]
    assert xpath(xml, "//dcc:coreData/dcc:identifications//dcc:value/text()") == ["HN-25-0012345"]
    assert xpath(xml, "//dcc:statement[@refType='basic_conformity']/dcc:conformity/text()") == ["pass"]
    assert xpath(xml, "//dcc:statement[@refType='basic_conformity']/dcc:date/text()") == ["2026-03-04"]
    assert xpath(xml, "//dcc:statement[@refType='basic_verification']/dcc:link/text()") == [
        "https://lims.tdc.gov.vn/v/abc"]


def test_point_values_units_and_uncertainty_are_the_stored_ones(verification) -> None:
    """Point 5 of the example: reference 60.000 kg, indication 60.02 kg, error 20 g with
    U = 6 g (k = 2, p = 0.95), tolerance limits ∓30 g (OIML R76-1 class III, 1.5 e, e = 20 g),
    conformity pass. Units in D-SI 2.2.1: \\kilogram and \\gram."""
    xml = to_dcc_xml(verification)
    point = "(//dcc:result)[5]//dcc:quantity"
    assert xpath(xml, f"{point}[@refType='basic_referenceValue']//si:value/text()") == ["60.000"]
    assert xpath(xml, f"{point}[@refType='basic_referenceValue']//si:unit/text()") == ["\\kilogram"]
    assert xpath(xml, f"{point}[@refType='basic_measuredValue']//si:value/text()") == ["60.02"]
    assert xpath(xml, f"{point}[@refType='basic_measurementError']//si:value/text()") == ["20"]
    assert xpath(xml, f"{point}[@refType='basic_measurementError']//si:unit/text()") == ["\\gram"]
    mu = f"{point}[@refType='basic_measurementError']//si:expandedMU"
    assert xpath(xml, f"{mu}/si:valueExpandedMU/text()") == ["6"]
    assert xpath(xml, f"{mu}/si:coverageFactor/text()") == ["2"]
    assert xpath(xml, f"{mu}/si:coverageProbability/text()") == ["0.95"]
    assert xpath(xml, f"{point}[@refType='basic_toleranceLimitLower']//si:value/text()") == ["-30"]
    assert xpath(xml, f"{point}[@refType='basic_toleranceLimitUpper']//si:value/text()") == ["30"]
    assert xpath(xml, "(//dcc:result)[5]//dcc:metaData/dcc:conformity/text()") == ["pass"]


def test_uncertainty_in_another_prefix_is_shifted_exactly(verification) -> None:
    """D-SI requires U in the unit of its value: U = 0.3 mg on an error in g is written
    0.3 × 10⁻³ g = 0.0003 g (an exact decimal shift, no rounding)."""
    row = ResultRow(nominal=Measure("100", "g"), error=Measure("0.0002", "g"),
                    uncertainty=Uncertainty(Measure("0.3", "mg")))
    doc = replace(verification, results=(ResultSection(rows=(row,)),))
    xml = to_dcc_xml(doc)
    assert xpath(xml, "//si:valueExpandedMU/text()") == ["0.0003"]


def test_calibration_dcc_has_before_and_after_adjustment_and_environment(calibration) -> None:
    xml = to_dcc_xml(calibration)
    refs = xpath(xml, "//dcc:measurementResult/@refType")
    assert refs == ["basic_before_adjustment", "basic_after_adjustment"]
    assert xpath(xml, "//dcc:influenceCondition[1]//dcc:quantity[1]//si:unit/text()") == ["\\degreecelsius"]
    assert xpath(xml, "//dcc:influenceCondition[1]//dcc:quantity[2]//si:unit/text()") == ["\\kelvin"]
    assert xpath(xml, "//dcc:influenceCondition[2]//dcc:quantity[1]//si:unit/text()") == ["\\percent"]
    assert xpath(xml, "//dcc:coreData/dcc:endPerformanceDate/text()") == ["2025-04-03"]
    assert xpath(xml, "//dcc:measuringEquipment//dcc:identification[2]/dcc:value/text()") == ["V01.2024.0123"]
    assert xpath(xml, "//dcc:respPerson[dcc:mainSigner='true']//dcc:person//dcc:content/text()") == ["Nguyễn Văn An"]


def test_superseding_certificate_is_marked_substituted(verification) -> None:
    """DCC coreData/reportAmendedSubstituted for a correction (issue 6, amendment)."""
    xml = to_dcc_xml(replace(verification, number="2025-KD-000200", supersedes="2025-KD-000123"))
    assert xpath(xml, "//dcc:reportAmendedSubstituted/dcc:typeOfChange/text()") == ["substituted"]
    assert xpath(xml, "//dcc:reportAmendedSubstituted/dcc:replacedUniqueIdentifier/text()") == ["2025-KD-000123"]


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
    xml = to_dcc_xml(verification).replace(b"<si:coverageFactor>2<", b"<si:coverageFactor>0.5<", 1)
    with pytest.raises(DccValidationError, match="coverageFactor"):
        validate_dcc(xml)
    with pytest.raises(DccValidationError, match="well-formed"):
        validate_dcc(b"<dcc:digitalCalibrationCertificate")


def test_unit_without_dsi_spelling_is_a_clear_error(verification) -> None:
    row = ResultRow(nominal=Measure(Decimal(1), "vạch"))
    doc = replace(verification, results=(ResultSection(rows=(row,)),))
    with pytest.raises(DccError, match="vạch"):
        to_dcc_xml(doc)


def test_catalog_maps_every_remote_schema_to_a_bundled_file() -> None:
    """The OASIS catalog shipped with the schemas resolves PTB's URLs to files in the package."""
    mapping = read_catalog(schema_dir() / "catalog.xml")
    assert "https://www.ptb.de/si/v2.2.1/qudt/quantitykind.xsd" in mapping
    assert all(path.is_file() for path in mapping.values())
