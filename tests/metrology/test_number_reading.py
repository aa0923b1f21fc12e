"""Numbers typed on a page are read as the page's language writes them, by one parser; what could be
read two ways is refused with a message showing both ways (hand-made cases, each worked out by hand)."""
from __future__ import annotations

import pytest

from lims.i18n import use_language
from lims.metrology.number_reading import NumberTextError, read_number
from lims.metrology.units_reading import parse_quantity, split_quantity


@pytest.mark.parametrize(("text", "expected"), [
    ("1.000,5", 1000.5), ("1000,5", 1000.5), ("0,5", 0.5), (",5", 0.5), ("12", 12.0),
    ("1.234.567", 1234567.0), ("1.234.567,25", 1234567.25), ("-1,5", -1.5), ("\u22121.000,5", -1000.5),
    ("+2,5", 2.5), ("1,5e3", 1500.0), ("2,5E\u22123", 0.0025), ("1 000,5", 1000.5), ("1\u00a0000,5", 1000.5),
    ("1\u202f000\u202f000", 1e6), ("  7,25  ", 7.25),
    # A dot that cannot group thousands (not followed by three digits, or after a leading 0) is a decimal point.
    ("20.5", 20.5), ("1000.25", 1000.25), ("0.500", 0.5),
])
def test_vietnamese_numbers(text, expected):
    assert read_number(text, "vi") == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize(("text", "expected"), [
    ("1,000.5", 1000.5), ("1000.5", 1000.5), ("0.5", 0.5), ("-1,234,567.5", -1234567.5), ("1.5e-3", 0.0015),
    ("1 000.5", 1000.5), ("1,5", 1.5), ("0,500", 0.5),
])
def test_english_numbers(text, expected):
    assert read_number(text, "en") == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize(("text", "lang"), [
    ("1.00,5", "vi"), ("1,000.5", "vi"), ("1.2.3", "vi"), ("1,5,5", "vi"), ("abc", "vi"), ("", "vi"), ("-", "en"),
    ("1.000.5", "vi"), ("10 02", "vi"), ("1.000,5", "en"), ("1,00.5", "en"), ("1e", "en"),
])
def test_malformed_numbers_are_refused(text, lang):
    """Thousands are grouped by threes only; each mark where the language puts it."""
    with pytest.raises(NumberTextError, match="is not a number as it is written here"):
        read_number(text, lang)


def test_what_could_be_read_two_ways_is_refused_showing_both():
    """'1.005' on a Vietnamese page: a thousand and five, or one point zero zero five? Never guessed."""
    with pytest.raises(NumberTextError) as caught:
        read_number("1.005", "vi")
    assert caught.value.message == ("'1.005' can be read two ways: write 1005 if it is a whole number, "
                                    "or 1,005 if it is a decimal number.")
    with pytest.raises(NumberTextError, match="write -12345 .* or -12,345 "):
        read_number("-12.345", "vi")
    with pytest.raises(NumberTextError, match="write 1005 .* or 1.005 "):
        read_number("1,005", "en")
    with use_language("vi"):
        with pytest.raises(NumberTextError) as caught:
            read_number("1.005", "vi")
    assert caught.value.message == ("'1.005' đọc được theo hai cách: viết 1005 nếu là số nguyên, "
                                    "hoặc 1,005 nếu là số thập phân.")


def test_the_plain_notation_first_for_programs():
    """The API's strings: "1.005" in the plain notation is 1.005 whatever the request's language."""
    assert read_number("1.005", "vi", plain_first=True) == 1.005
    assert read_number("1.000,5", "vi", plain_first=True) == 1000.5
    assert read_number("1e-6", None) == 1e-6
    with pytest.raises(NumberTextError):
        read_number("1,5", None)
    with pytest.raises(NumberTextError, match="finite"):
        read_number("1e999", "vi")


def test_quantities_read_in_the_page_language():
    assert split_quantity("1.000,5 kg", lang="vi") == (1000.5, "kg")
    assert split_quantity("1,000.5 kg", lang="en") == (1000.5, "kg")
    assert split_quantity("\u22122,5e\u22123 bar", lang="vi") == (-0.0025, "bar")
    assert split_quantity("20 °C", lang="vi") == (20.0, "°C")
    assert split_quantity("1 000,5", lang="vi") == (1000.5, "")
    assert parse_quantity("1.000,5 g", "kg", lang="vi").magnitude == pytest.approx(1.0005)
    with pytest.raises(NumberTextError, match="two ways"):
        parse_quantity("1.005 kg", lang="vi")
    with pytest.raises(Exception, match="is not a number followed by a unit"):
        split_quantity("abc", lang="vi")
