"""The DCC reads the document's structured fields, and parses printed text only for documents
stored before those fields existed (a stored document is never rebuilt, and is re-exported).

Each test gives a field whose printed wording says something else (or nothing), so that a
value found in the DCC can only have come from the field.
"""
from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from certificates.addresses import city_of_address
from certificates.dcc import to_dcc_xml
from certificates.errors import DocumentError
from certificates.jsonform import from_json_dict, to_json_dict
from certificates.labels import amendment_remark
from certificates.model import Conformity, Customer, LocalText, Measure, ResultRow, ResultSection, Uncertainty, Verdict
from tests.certificates.test_certificate_dcc import TABLE, column, xpath
from tests.helpers import replace


def test_spread_is_read_from_the_row_not_its_label(verification) -> None:
    row = ResultRow(nominal=Measure("60.00", "kg"), error=Measure("0.01", "kg"),
                    uncertainty=Uncertainty(Measure("0.006", "kg")), mpe=Measure("0.03", "kg"),
                    label=LocalText("Max · độ lặp lại 0,02 kg", "Max · spread 0.02 kg"),
                    spread=Measure("0.03", "kg"))
    xml = to_dcc_xml(replace(verification, results=(ResultSection(rows=(row, row)),)))
    assert column(xml, "lims_repeatabilitySpread") == ["0.03", "0.03"]


def test_clause_and_guard_band_factor_are_read_from_the_conformity(verification) -> None:
    """w = 0.5·U (ILAC G8:09/2019 4.2.2) though the wording names neither clause nor factor."""
    conformity = Conformity(Verdict.PASS, LocalText("Quy tắc của quy trình", "The procedure's rule"),
                            clause="4.2.2", guard_band_factor=Decimal("0.5"))
    xml = to_dcc_xml(replace(verification, conformity=conformity))
    assert xpath(xml, "//dcc:usedMethod[@id='decision-rule']/dcc:reference/text()") == ["4.2.2"]
    conformity_meta = f"{TABLE}//dcc:metaData[@refType='basic_conformity']/dcc:data"
    assert column(xml, "basic_acceptanceLimitUpper", conformity_meta) == ["7.0", "7.0", "17.0", "17.0", "27.0"]
    with pytest.raises(DocumentError, match="guard band"):
        Conformity(Verdict.PASS, "rule", guard_band_factor=Decimal("-1"))


def test_measuring_range_is_read_from_the_instrument(verification) -> None:
    """The example prints "Min 400 g, Max 60 kg", which names no range; the fields do."""
    instrument = dataclasses.replace(verification.instrument, range_min=Measure("0", "kg"),
                                     range_max=Measure("60", "kg"))
    xml = to_dcc_xml(replace(verification, instrument=instrument))
    limits = "//dcc:statement[@refType='basic_measurementRange']//dcc:quantity"
    assert xpath(xml, f"{limits}//si:value/text()") == ["0", "60"]
    assert xpath(to_dcc_xml(verification), limits) == []  # the old wording: nothing to read


def test_customer_city_and_country_code_are_read_from_the_customer(verification) -> None:
    customer = Customer(name="Công ty TNHH Sao Mai", address="Khu công nghiệp Đình Trám, Việt Yên",
                        city="Bắc Giang", country_code="VN")
    xml = to_dcc_xml(replace(verification, customer=customer))
    assert xpath(xml, "//dcc:customer/dcc:location/dcc:city/text()") == ["Bắc Giang"]
    assert xpath(xml, "//dcc:customer/dcc:location/dcc:countryCode/text()") == ["VN"]
    with pytest.raises(DocumentError, match="ISO 3166-1"):
        Customer(name="X", country_code="vn")
    # a document stored without them: the last part of the address, the lab's country
    assert city_of_address("Số 2 Lê Lợi, phường Vĩnh Trại, thành phố Lạng Sơn") == "Lạng Sơn"


def test_standard_serial_number_and_asset_code_are_read_from_the_standard(calibration) -> None:
    std = dataclasses.replace(calibration.reference_standards[0], identification="Bộ quả cân F1 số 7",
                              asset_code="QC-F1-07", serial_number="HF-22051")
    xml = to_dcc_xml(replace(calibration, reference_standards=(std,)))
    idents = "//dcc:measuringEquipment//dcc:identification"
    assert xpath(xml, f"{idents}[@refType='lims_assetCode']/dcc:value/text()") == ["QC-F1-07"]
    assert xpath(xml, f"{idents}[@refType='lims_serialNumber']/dcc:value/text()") == ["HF-22051"]


def test_amendment_reason_is_read_from_the_document_in_both_languages(verification) -> None:
    reason = LocalText("Sửa địa chỉ khách hàng", "Customer's address corrected")
    remark = amendment_remark(reason, "2025-KD-000123")
    assert remark == LocalText("Sửa đổi: Sửa địa chỉ khách hàng", "Amendment: Customer's address corrected")
    doc = replace(verification, number="2025-KD-000200", supersedes="2025-KD-000123", amendment_reason=reason,
                  remarks=("Cân đặt tại kho", remark))
    xml = to_dcc_xml(doc)
    content = "//dcc:statement[@refType='lims_amendment']/dcc:declaration/dcc:content"
    assert xpath(xml, f"{content}/text()") == ["Sửa địa chỉ khách hàng", "Customer's address corrected"]
    assert xpath(xml, f"{content}/@lang") == ["vi", "en"]
    # the remark printing the reason is not written again as a remark; the others are
    assert xpath(xml, "//dcc:statement[@refType='lims_remark']/dcc:declaration/dcc:content/text()") == [
        "Cân đặt tại kho"]
    with pytest.raises(DocumentError, match="supersedes"):
        replace(verification, amendment_reason=reason)


def test_an_old_document_without_the_fields_still_gives_a_valid_dcc(verification) -> None:
    """Stored before the fields existed: the keys are absent; the DCC parses the printed text."""
    label = LocalText("Max · max − min = 0,02 kg", "Max · max − min = 0.02 kg")
    row = ResultRow(nominal=Measure("60.00", "kg"), error=Measure("0.01", "kg"),
                    uncertainty=Uncertainty(Measure("0.006", "kg")), mpe=Measure("0.03", "kg"), label=label)
    rule = "Binary decision rule with guard band (ILAC G8:09/2019 4.2.2), w = U: conforms when |error| ≤ MPE − w."
    doc = replace(verification, results=(ResultSection(rows=(row,)),), number="2025-KD-000200",
                  supersedes="2025-KD-000123", remarks=(LocalText("Sửa đổi: sai số", "Amendment: error"),),
                  conformity=Conformity(Verdict.PASS, LocalText("Quy tắc nhị phân", rule)))
    data = to_json_dict(doc)
    for key in ("amendment_reason",):
        data.pop(key)
    for key in ("city", "country_code"):
        data["customer"].pop(key)
    for key in ("clause", "guard_band_factor"):
        data["conformity"].pop(key)
    data["results"][0]["rows"][0].pop("spread")
    xml = to_dcc_xml(from_json_dict(data))  # validated against the schema
    assert column(xml, "lims_repeatabilitySpread") == ["0.02"]
    assert xpath(xml, "//dcc:usedMethod[@id='decision-rule']/dcc:reference/text()") == ["4.2.2"]
    assert xpath(xml, "//dcc:statement[@refType='lims_amendment']/dcc:declaration/dcc:content/text()") == ["sai số"]
    assert xpath(xml, "//dcc:customer/dcc:location/dcc:countryCode/text()") == ["VN"]
