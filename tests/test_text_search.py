"""The one folding function of the search boxes (lims.text_search): what it does to Vietnamese text."""
from __future__ import annotations

import unicodedata

from lims.text_search import fold, joined, words


def test_diacritics_and_case_are_dropped():
    """"huu nghi" must find "Hữu Nghị": tones and vowel marks go, capitals are lowered."""
    assert fold("Hữu Nghị") == "huu nghi"
    assert fold("CÂN ĐIỆN TỬ") == "can dien tu"
    assert fold("Cột đo xăng dầu") == "cot do xang dau"


def test_d_with_stroke_is_folded_to_d_both_cases():
    """Đ/đ have no decomposition in Unicode (NFD leaves them whole), so they are mapped by hand:
    without that "dong dang" would not find "Đồng Đăng"."""
    assert unicodedata.normalize("NFD", "Đđ") == "Đđ"  # why the explicit map is needed
    assert fold("Đồng Đăng") == "dong dang"
    assert fold("đ") == "d" and fold("Đ") == "d"


def test_precomposed_and_combining_forms_fold_alike():
    """Text typed on a phone may carry combining marks (NFD) rather than precomposed letters (NFC)."""
    nfd = unicodedata.normalize("NFD", "Lạng Sơn")
    assert nfd != "Lạng Sơn"
    assert fold(nfd) == fold("Lạng Sơn") == "lang son"
    assert fold("e\u0301\u0323") == "e"  # two combining marks on one letter


def test_white_space_is_trimmed_and_made_single():
    assert fold("  Công   ty\tCân\nViệt  ") == "cong ty can viet"
    assert fold("") == "" and fold(None) == ""


def test_search_words_are_folded_and_unique():
    assert words("  Hữu  NGHỊ hữu ") == ["huu", "nghi"]
    assert words("   ") == []


def test_joined_leaves_out_empty_parts():
    assert joined("SC-60", None, "", "Công ty Cân Việt", 2024) == "sc-60 cong ty can viet 2024"
