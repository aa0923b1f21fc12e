"""GS1 check digits and the GTIN, GLN and SSCC checks of :mod:`traceability.gs1`.

Expected check digits are the GS1 examples cited on each test, and hand computations written out
(weights 3, 1, 3, 1, … from the rightmost data digit; check = (10 − sum mod 10) mod 10).
"""
from __future__ import annotations

import pytest

from lims.i18n import use_language
from traceability.gs1 import GS1Error, Gtin, check_digit, gln, gtin, sscc


def test_check_digit_of_the_gs1_general_specifications_example() -> None:
    """GS1 General Specifications 7.9 (check digit calculation): data 629104150021 has check digit 3."""
    assert check_digit("629104150021") == 3
    assert gtin("6291041500213").kind == "GTIN-13"


def test_check_digit_of_the_digital_link_example_gtin() -> None:
    """The GS1 Digital Link standard's GTIN 09506000134352: 950600013435 → 2.
    By hand: 5·3+3+4·3+3+1·3+0+0+0+6·3+0+5·3+9 = 78 → (10 − 8) mod 10 = 2."""
    assert check_digit("950600013435") == 2
    assert check_digit("0950600013435") == 2  # leading zeros change nothing


@pytest.mark.parametrize(("data", "expected"), [
    ("9638507", 4),            # GTIN-8: 7·3+0+5·3+8+3·3+6+9·3 = 86 → 4
    ("03600029145", 2),        # GTIN-12 (UPC-A 036000291452): 58 → 2
    ("1950600013435", 9),      # GTIN-14, indicator 1: 81 → 9
    ("950600016490", 8),       # GLN 9506000164908 (the Digital Link standard's 414 example): 72 → 8
    ("10614141123456789", 7),  # SSCC 106141411234567897: 143 → 7
    ("000000000000", 0),       # sum 0 → check 0, not 10
])
def test_hand_computed_check_digits(data: str, expected: int) -> None:
    """The modulo-10 rule gives the hand-computed digit for each key length."""
    assert check_digit(data) == expected


def test_every_gtin_length_is_normalised_to_gtin14_by_left_zero_padding() -> None:
    """GTIN-8/12/13/14 are accepted and padded to 14 digits, as Digital Link writes them."""
    assert gtin("96385074") == Gtin("96385074")
    assert gtin("96385074").gtin14 == "00000096385074"
    assert gtin("036000291452").kind == "GTIN-12"
    assert gtin("036000291452").gtin14 == "00036000291452"
    assert gtin(" 9506000134352 ").gtin14 == "09506000134352"
    assert gtin("19506000134359").kind == "GTIN-14"


def test_gln_and_sscc_are_checked() -> None:
    """A right GLN and SSCC come back as given; their wrong check digits are refused."""
    assert gln("9506000164908") == "9506000164908"
    assert sscc("106141411234567897") == "106141411234567897"
    with pytest.raises(GS1Error) as exc:
        gln("9506000164901")
    assert str(exc.value) == "Check digit should be 8, not 1."
    with pytest.raises(GS1Error) as exc:
        sscc("106141411234567890")
    assert str(exc.value) == "Check digit should be 7, not 0."


@pytest.mark.parametrize(("call", "code", "english", "vietnamese"), [
    (gtin, "9506000134357", "Check digit should be 2, not 7.", "Số kiểm tra phải là 2, không phải 7."),
    (gtin, "", "The GTIN is empty.", "Mã GTIN đang để trống."),
    (gtin, "95060001343x2", 'GTIN must contain digits only; found "x".',
     'GTIN chỉ được gồm chữ số; có ký tự "x".'),
    (gtin, "95060001343", "GTIN must be 8/12/13/14 digits long; this one has 11.",
     "GTIN phải dài 8/12/13/14 chữ số; mã này có 11 chữ số."),
    (gtin, "123456789", "GTIN must be 8/12/13/14 digits long; this one has 9.",
     "GTIN phải dài 8/12/13/14 chữ số; mã này có 9 chữ số."),
    (gln, "950600016490", "GLN must be 13 digits long; this one has 12.",
     "GLN phải dài 13 chữ số; mã này có 12 chữ số."),
    (sscc, "１06141411234567897", 'SSCC must contain digits only; found "１".',
     'SSCC chỉ được gồm chữ số; có ký tự "１".'),
])
def test_every_refusal_of_a_key_says_why_in_both_languages(call, code, english, vietnamese) -> None:
    """Each refusal carries its reason; a wrong check digit names the one it should be. A full-width
    digit is not a digit of a GS1 key."""
    with pytest.raises(GS1Error) as exc:
        call(code)
    with use_language("en"):
        assert exc.value.reason == english
    with use_language("vi"):
        assert exc.value.reason == vietnamese


def test_check_digit_refuses_what_is_not_digits() -> None:
    """check_digit needs digits; a caller's empty or lettered data is refused, not miscounted."""
    for data in ("", "12a", "١٢٣"):
        with pytest.raises(GS1Error):
            check_digit(data)
