"""GS1 Digital Link URIs: building, parsing, round trips and every refusal with its reason.

The URIs follow the GS1 Digital Link standard 1.x examples (GTIN 09506000134352, lot ABC123, GLN
9506000164908 with extension 254, expiry 17=YYMMDD in the query).
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from lims.i18n import use_language
from traceability.gs1 import DigitalLink, GS1Error, net_weight_kg, parse_digital_link

EXAMPLE = "https://id.gs1.org/01/09506000134352/10/ABC123?17=201225"


def test_the_standard_example_is_parsed_into_its_parts() -> None:
    """GS1 Digital Link example: GTIN 09506000134352, lot ABC123, expiry 25 December 2020."""
    link = parse_digital_link(EXAMPLE)
    assert link == DigitalLink("https://id.gs1.org", "01", "09506000134352", (("10", "ABC123"),), (("17", "201225"),))
    assert link.uri == EXAMPLE


def test_a_short_gtin_in_the_path_is_padded_to_14_digits() -> None:
    """/01/9506000134352 (a GTIN-13) is read as 09506000134352 and written back with 14 digits."""
    link = parse_digital_link("https://id.example.vn/01/9506000134352")
    assert link.value == "09506000134352"
    assert link.uri == "https://id.example.vn/01/09506000134352"
    assert DigitalLink.build("https://id.example.vn/", "01", "96385074").uri == "https://id.example.vn/01/00000096385074"


def test_build_puts_the_qualifiers_in_the_standards_order_and_parse_gives_back_the_same_link() -> None:
    """Qualifiers given as serial, lot, CPV come out as /22/…/10/…/21/…; parsing the URI gives the same link."""
    link = DigitalLink.build("https://id.example.vn", "01", "09506000134352",
                             {"21": "12345", "10": "ABC123", "22": "2A"}, {"17": "201225", "3103": "001250"})
    assert link.uri == ("https://id.example.vn/01/09506000134352/22/2A/10/ABC123/21/12345"
                        "?17=201225&3103=001250")
    assert parse_digital_link(link.uri) == link


def test_values_of_character_set_82_are_percent_encoded_and_decoded() -> None:
    """A serial "A/B&C%1" (all in GS1 character set 82) is written A%2FB%26C%251 and read back as it was."""
    link = DigitalLink.build("https://id.example.vn", "01", "9506000134352", {"21": "A/B&C%1"})
    assert link.uri == "https://id.example.vn/01/09506000134352/21/A%2FB%26C%251"
    assert parse_digital_link(link.uri).qualifiers == (("21", "A/B&C%1"),)


def test_a_gln_with_extension_and_an_sscc_are_primary_keys_too() -> None:
    """414 GLN with its qualifier 254, and 00 SSCC (no qualifiers)."""
    gln_link = parse_digital_link("https://id.example.vn/414/9506000164908/254/32a%2Fb")
    assert (gln_link.key, gln_link.value, gln_link.qualifiers) == ("414", "9506000164908", (("254", "32a/b"),))
    sscc_link = parse_digital_link("https://id.example.vn/00/106141411234567897")
    assert (sscc_link.key, sscc_link.value) == ("00", "106141411234567897")
    assert parse_digital_link(sscc_link.uri) == sscc_link


def test_a_path_before_the_key_and_other_query_parameters_are_kept() -> None:
    """A resolver may sit under a path (/gs1/); linkType and other non-AI parameters are kept apart."""
    link = parse_digital_link("https://example.vn/gs1/01/09506000134352?linkType=gs1:pip&15=210100")
    assert link.base == "https://example.vn/gs1"
    assert link.attributes == (("15", "210100"),)
    assert link.other == (("linkType", "gs1:pip"),)
    assert parse_digital_link(link.uri) == link


@pytest.mark.parametrize("query", ["17=240229", "17=201200", "11=260131", "13=261130", "16=000101", "30=12",
                                   "37=12345678", "3100=000001", "3105=123456"])
def test_data_attributes_of_the_right_format_are_accepted(query: str) -> None:
    """Dates YYMMDD (2024 is a leap year; day 00 means no day given), counts up to 8 digits, net weight 6 digits."""
    link = parse_digital_link(f"https://id.example.vn/01/09506000134352?{query}")
    assert link.attributes == (tuple(query.split("=")),)


def test_net_weight_has_as_many_decimals_as_the_ai_says() -> None:
    """3103=001250 is 1.250 kg; 3100=000007 is 7 kg; 3105=123456 is 1.23456 kg."""
    assert net_weight_kg("3103", "001250") == Decimal("1.250")
    assert net_weight_kg("3100", "000007") == Decimal("7")
    assert net_weight_kg("3105", "123456") == Decimal("1.23456")


BASE = "https://id.example.vn"
GTIN = f"{BASE}/01/09506000134352"
NO_HOST_EN = "A GS1 Digital Link URI must start with http:// or https:// and name a host."
NO_HOST_VI = "URI GS1 Digital Link phải bắt đầu bằng http:// hoặc https:// và có tên máy chủ."


@pytest.mark.parametrize(("uri", "english", "vietnamese"), [
    ("ftp://id.example.vn/01/09506000134352", NO_HOST_EN, NO_HOST_VI),
    ("https:///01/09506000134352", NO_HOST_EN, NO_HOST_VI),
    (f"{BASE}/02/09506000134352", "The path holds no GS1 primary key (01 GTIN, 414 GLN or 00 SSCC).",
     "Đường dẫn không có khóa chính GS1 nào (01 GTIN, 414 GLN hoặc 00 SSCC)."),
    (f"{BASE}/01/09506000134357", "Check digit should be 2, not 7.", "Số kiểm tra phải là 2, không phải 7."),
    (f"{GTIN}/10", "AI 10 has no value.", "AI 10 không có giá trị."),
    (f"{GTIN}/10/", "AI 10 has no value.", "AI 10 không có giá trị."),
    (f"{GTIN}/21/1/10/ABC", "The key qualifiers of AI 01 must come in the order 22, 10, 21; 10 is out of place.",
     "Các thành phần bổ sung của khóa AI 01 phải theo thứ tự 22, 10, 21; 10 đặt sai vị trí."),
    (f"{GTIN}/10/A/10/B", "AI 10 is given twice.", "AI 10 xuất hiện hai lần."),
    (f"{GTIN}/254/A", "AI 254 is not a key qualifier of AI 01.",
     "AI 254 không phải là thành phần bổ sung của khóa AI 01."),
    (f"{BASE}/00/106141411234567897/21/1", "AI 21 is not a key qualifier of AI 00.",
     "AI 21 không phải là thành phần bổ sung của khóa AI 00."),
    (f"{GTIN}/10/{'A' * 21}", "The value of AI 10 must be at most 20 characters long, not 21.",
     "Giá trị của AI 10 dài tối đa 20 ký tự, không phải 21."),
    (f"{GTIN}/21/A%20B", 'The value of AI 21 holds " ", which is not in GS1 character set 82.',
     'Giá trị của AI 21 có ký tự " ", không thuộc bộ ký tự GS1 số 82.'),
    (f"{GTIN}/10/L%C3%B4", 'The value of AI 10 holds "ô", which is not in GS1 character set 82.',
     'Giá trị của AI 10 có ký tự "ô", không thuộc bộ ký tự GS1 số 82.'),
    (f"{GTIN}?17=201332", "The value of AI 17 must be a date YYMMDD; 201332 is not one.",
     "Giá trị của AI 17 phải là ngày dạng YYMMDD; 201332 không phải là ngày hợp lệ."),
    (f"{GTIN}?17=210229", "The value of AI 17 must be a date YYMMDD; 210229 is not one.",
     "Giá trị của AI 17 phải là ngày dạng YYMMDD; 210229 không phải là ngày hợp lệ."),
    (f"{GTIN}?15=2012", "The value of AI 15 must be a date YYMMDD; 2012 is not one.",
     "Giá trị của AI 15 phải là ngày dạng YYMMDD; 2012 không phải là ngày hợp lệ."),
    (f"{GTIN}?3103=1250", 'The value of AI 3103 must be 6 digits, not "1250".',
     'Giá trị của AI 3103 phải gồm 6 chữ số, không phải "1250".'),
    (f"{GTIN}?30=abc", 'The value of AI 30 must be 1–8 digits, not "abc".',
     'Giá trị của AI 30 phải gồm 1–8 chữ số, không phải "abc".'),
    (f"{GTIN}?10=ABC123", "AI 10 is a key or a key qualifier: it belongs in the path, not the query.",
     "AI 10 là khóa hoặc thành phần bổ sung của khóa: phải đặt trong đường dẫn, không đặt trong chuỗi truy vấn."),
    (f"{GTIN}?99=X", "AI 99 is not a data attribute this check knows.",
     "AI 99 không phải là thuộc tính dữ liệu mà phép kiểm tra này nhận biết."),
    (f"{GTIN}?17=201225&17=201226", "AI 17 is given twice.", "AI 17 xuất hiện hai lần."),
])
def test_every_refusal_of_a_uri_says_why_in_both_languages(uri: str, english: str, vietnamese: str) -> None:
    """Each malformed URI is refused with the reason naming the AI and what is wrong."""
    with pytest.raises(GS1Error) as exc:
        parse_digital_link(uri)
    with use_language("en"):
        assert exc.value.reason == english
    with use_language("vi"):
        assert exc.value.reason == vietnamese


def test_build_refuses_an_unknown_primary_key_a_foreign_qualifier_and_a_bad_attribute() -> None:
    """build checks what it is given as parse does."""
    with pytest.raises(GS1Error, match=r"^02 is not a GS1 primary key this check knows \(01, 414 or 00\)\.$"):
        DigitalLink.build(BASE, "02", "09506000134352")
    with pytest.raises(GS1Error, match=r"^AI 254 is not a key qualifier of AI 01\.$"):
        DigitalLink.build(BASE, "01", "09506000134352", {"254": "1"})
    with pytest.raises(GS1Error, match=r"^The value of AI 17 must be a date YYMMDD; 201232 is not one\.$"):
        DigitalLink.build(BASE, "01", "09506000134352", attributes={"17": "201232"})
    with pytest.raises(GS1Error, match=r"^AI 10 has no value\.$"):
        DigitalLink.build(BASE, "01", "09506000134352", {"10": ""})
    with pytest.raises(GS1Error, match="http:// or https://"):
        DigitalLink.build("id.example.vn", "01", "09506000134352")


def test_a_trailing_slash_after_the_path_is_ignored() -> None:
    """…/01/09506000134352/ is the same link as without the slash (before, it read as an AI with no name)."""
    assert parse_digital_link(f"{GTIN}/") == parse_digital_link(GTIN)
