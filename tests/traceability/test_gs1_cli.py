"""``lims gs1 check CODE``: exit 0 and the parts of a valid GTIN or Digital Link, exit 1 and the reason
otherwise, in the language of LIMS_LANGUAGE."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from lims.cli import main


def run(lang: str, code: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["gs1", "check", code], env={"LIMS_LANGUAGE": lang})
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "valid GTIN-13 9506000134352 (GTIN-14 09506000134352)\n"),
    ("vi", "GTIN-13 9506000134352 hợp lệ (GTIN-14 09506000134352)\n"),
])
def test_a_valid_gtin_exits_0_and_shows_its_gtin14(lang: str, expected: str) -> None:
    """The Digital Link standard's GTIN-13 9506000134352 is valid and padded to 09506000134352."""
    assert run(lang, "9506000134352") == (0, expected, "")


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "invalid: Check digit should be 2, not 7.\n"),
    ("vi", "không hợp lệ: Số kiểm tra phải là 2, không phải 7.\n"),
])
def test_a_wrong_check_digit_exits_1_naming_the_right_digit(lang: str, expected: str) -> None:
    """9506000134357: the last digit should be 2 (950600013435 → 2)."""
    assert run(lang, "9506000134357") == (1, "", expected)


def test_a_gtin_of_the_wrong_length_exits_1() -> None:
    """Eleven digits is no GTIN length."""
    assert run("en", "95060001343") == (1, "", "invalid: GTIN must be 8/12/13/14 digits long; this one has 11.\n")


URI = "https://id.example.vn/01/9506000134352/10/ABC123?17=201225&3103=001250&linkType=gs1:pip"


def test_a_digital_link_shows_its_parts_in_english() -> None:
    """The normalised URI, then each AI with its name; the date and the net weight (kg) as English writes them."""
    code, out, err = run("en", URI)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "valid GS1 Digital Link https://id.example.vn/01/09506000134352/10/ABC123?17=201225&3103=001250"
        "&linkType=gs1%3Apip",
        "  01 GTIN: 09506000134352",
        "  10 batch or lot number: ABC123",
        "  17 expiration date: 2020-12-25",
        "  3103 net weight: 1.250 kg",
        "  linkType: gs1:pip",
    ]


def test_a_digital_link_shows_its_parts_in_vietnamese() -> None:
    """Vietnamese names, the date as 25/12/2020, the weight with a decimal comma; day 00 shows the month only."""
    code, out, err = run("vi", URI.replace("201225", "201200"))
    assert (code, err) == (0, "")
    assert out.splitlines()[1:] == [
        "  01 GTIN: 09506000134352",
        "  10 số lô: ABC123",
        "  17 hạn sử dụng: 12/2020",
        "  3103 khối lượng tịnh: 1,250 kg",
        "  linkType: gs1:pip",
    ]
    assert run("vi", URI)[1].splitlines()[3] == "  17 hạn sử dụng: 25/12/2020"


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "invalid: The key qualifiers of AI 01 must come in the order 22, 10, 21; 10 is out of place.\n"),
    ("vi", "không hợp lệ: Các thành phần bổ sung của khóa AI 01 phải theo thứ tự 22, 10, 21; 10 đặt sai vị trí.\n"),
])
def test_a_malformed_digital_link_exits_1_with_the_reason(lang: str, expected: str) -> None:
    """Serial before lot breaks the standard's qualifier order."""
    assert run(lang, "https://id.example.vn/01/09506000134352/21/1/10/ABC") == (1, "", expected)
