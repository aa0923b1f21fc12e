"""Text folded for search: no diacritics, no case, single spaces.

One function, :func:`fold`, fills every list's search column and folds what a person types into
the search box, so "huu nghi" finds "Hữu Nghị" and "dong dang" finds "Đồng Đăng". Pure: no Flask,
no database.

Vietnamese đ/Đ is a letter of its own, not d with a combining mark: Unicode decomposition leaves
it whole, so it is mapped to d explicitly.
"""
from __future__ import annotations

import re
import unicodedata

__all__ = ["MIN_WORD", "fold", "joined", "words"]

#: Letters that no decomposition takes apart, mapped by hand (lower-case after casefold).
_LETTERS = str.maketrans({"đ": "d", "ð": "d", "ø": "o", "ł": "l", "ħ": "h", "ı": "i"})
_SPACES = re.compile(r"\s+")
#: The shortest word a trigram index can look up; shorter words are matched by a scan.
MIN_WORD = 3


def fold(text: str | None) -> str:
    """``text`` lower-cased, without diacritics (combining marks dropped after NFD, đ → d), its runs of
    white space made one space, trimmed. ``fold("  Đồng  ĐĂNG ") == "dong dang"``."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", bare.translate(_LETTERS)).strip()


def words(query: str | None) -> list[str]:
    """The folded words of a search text, each once, in order (every one must be found)."""
    seen: list[str] = []
    for word in fold(query).split(" "):
        if word and word not in seen:
            seen.append(word)
    return seen


def joined(*parts: object) -> str:
    """The folded text of several fields, one space between (None and empty parts left out)."""
    return fold(" ".join(str(p) for p in parts if p not in (None, "")))
