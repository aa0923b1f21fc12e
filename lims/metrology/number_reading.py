"""Reading a number as people write it on a page in their language: the one parser of numbers typed.

* Vietnamese (``vi``): ``,`` is the decimal mark and ``.`` groups thousands: ``1.000,5`` and
  ``1000,5`` are 1000.5, ``0,5`` is 0.5.
* English (``en``): ``.`` is the decimal mark and ``,`` groups thousands: ``1,000.5``, ``1000.5``.
* Thousands are grouped by threes only (``1.00,5`` is malformed); a space, a no-break space or a
  thin space may group them too (``1 000,5``, SI Brochure 5.4.4).
* A sign (``-``, ``+`` or the minus sign ``−``) and an exponent (``1,5e3``, ``2E−6``) may be written.
* The other language's decimal mark is read where it can only be a decimal mark: ``20.5`` on a
  Vietnamese page is 20.5 (a dot followed by other than three digits groups nothing).
* What could be read both ways is refused, never guessed: ``1.005`` on a Vietnamese page could be a
  thousand and five or one point zero zero five; ``1,005`` on an English page the same. The message
  shows how to write each.

``plain_first``: a program's text (the API) in the plain notation ``1000.5`` (digits and one
decimal point, no grouping) is read as such in either language before the page's rules apply.
"""
from __future__ import annotations

import math
import re

from lims.i18n import _
from lims.metrology.errors import UnitError

__all__ = ["NumberTextError", "read_number", "NUMBER_AND_UNIT", "PLAIN_NUMBER"]

#: A number as a person writes it, followed by its unit (``1.000,5 kg``, ``−2,5e−3 bar``, ``20 °C``).
NUMBER_AND_UNIT = re.compile(r"\s*([+\-\u2212]?[.,]?\d[\d.,\u0020\u00a0\u202f\u2009]*?(?:[eE][+\-\u2212]?\d+)?)"
                             r"\s*([^\d\s.,].*?)?\s*")
#: The plain notation every language reads the same way: ``-12.5``, ``1e-6``.
PLAIN_NUMBER = re.compile(r"[+\-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+\-]?\d+)?")

_SPACES = "\u0020\u00a0\u202f\u2009"
_SHAPE = re.compile(r"(?P<sign>[+\-]?)(?P<body>[0-9.,\u0020\u00a0\u202f\u2009]*?)(?:[eE](?P<exp>[+\-]?\d+))?")
_MARKS = {"vi": (",", "."), "en": (".", ",")}  # (decimal mark, thousands separator)


class NumberTextError(UnitError):
    """A number's text that cannot be read, or could be read two ways (kept a :class:`UnitError`
    so that every reader of quantities reports it as it reports a bad unit)."""


def _grouped(integer: str, sep: str) -> bool:
    """``integer`` is digits grouped by threes with ``sep`` (or spaces): ``1.234.567``, ``12 345``."""
    groups = re.split("[" + re.escape(sep) + _SPACES + "]", integer)
    if len(groups) < 2 or not groups[0].isdigit() or len(groups[0]) > 3 or groups[0].startswith("0"):
        return False
    return all(len(g) == 3 and g.isdigit() for g in groups[1:])


def _integer(text: str, sep: str) -> str | None:
    """The digits of an integer part written with or without grouping; None when malformed."""
    if text == "" or text.isdigit():
        return text
    return re.sub("[" + re.escape(sep) + _SPACES + "]", "", text) if _grouped(text, sep) else None


def _malformed(text: str, lang: str) -> NumberTextError:
    grouped, plain = ("1.000,5", "1000,5") if lang == "vi" else ("1,000.5", "1000.5")
    return NumberTextError(_("'%(text)s' is not a number as it is written here (for example %(grouped)s or "
                             "%(plain)s).", text=text, grouped=grouped, plain=plain))


def _ambiguous(text: str, lang: str, sign: str, left: str, right: str, exp: str | None) -> NumberTextError:
    dec, _sep = _MARKS[lang]
    tail = f"e{exp}" if exp else ""
    return NumberTextError(_(
        "'%(text)s' can be read two ways: write %(whole)s if it is a whole number, or %(decimal)s if it is "
        "a decimal number.", text=text, whole=f"{sign}{left}{right}{tail}", decimal=f"{sign}{left}{dec}{right}{tail}"))


def read_number(text: str, lang: str | None, *, plain_first: bool = False) -> float:
    """The number written as ``text`` on a page in ``lang`` (``"vi"`` or ``"en"``; ``None``: the plain
    notation only). Raises :class:`NumberTextError` saying how to write it."""
    raw = text.strip()
    norm = raw.replace("\u2212", "-")
    if (plain_first or lang not in _MARKS) and PLAIN_NUMBER.fullmatch(norm):
        return _finite(float(norm), raw)
    if lang not in _MARKS:
        raise NumberTextError(_("'%(text)s' is not a number (for example 1000.5).", text=raw))
    match = _SHAPE.fullmatch(norm)
    if match is None or not any(ch.isdigit() for ch in match.group("body")):
        raise _malformed(raw, lang)
    sign, body, exp = match.group("sign"), match.group("body").strip(_SPACES), match.group("exp")
    dec, sep = _MARKS[lang]
    if body.count(dec) > 1:
        raise _malformed(raw, lang)
    if body.count(dec) == 1:
        integer_text, fraction = body.split(dec)
        integer = _integer(integer_text, sep)
    else:
        fraction = ""
        integer = _integer(body, sep)
        if integer is None and body.count(sep) == 1:
            # One separator and no decimal mark: grouping it cannot be, so it is the decimal mark.
            integer_text, fraction = body.split(sep)
            integer = _integer(integer_text, "")
        elif integer is not None and body.count(sep) == 1 and not any(s in body for s in _SPACES):
            left, right = body.split(sep)
            if PLAIN_NUMBER.fullmatch(body.replace(sep, ".")):
                raise _ambiguous(raw, lang, sign, left, right, exp)
    if integer is None or not (fraction == "" or fraction.isdigit()) or (integer == "" and fraction == ""):
        raise _malformed(raw, lang)
    number = f"{sign}{integer or '0'}.{fraction or '0'}" + (f"e{exp}" if exp else "")
    return _finite(float(number), raw)


def _finite(value: float, text: str) -> float:
    if not math.isfinite(value):
        raise NumberTextError(_("'%(text)s' is not a finite number.", text=text))
    return value
