"""GS1 identification keys and GS1 Digital Link URIs: check, build, parse (pure: no Flask, no database).

* Check digits by the GS1 modulo-10 rule (GS1 General Specifications 7.9.1): weights 3, 1, 3, 1, …
  from the rightmost data digit; check = (10 − sum mod 10) mod 10.
* GTIN-8/12/13/14 (:func:`gtin`), GLN (13 digits, :func:`gln`), SSCC (18 digits, :func:`sscc`).
  A GTIN is normalised to GTIN-14 by left-padding with zeros, as GS1 Digital Link writes it.
* GS1 Digital Link 1.x URIs (:class:`DigitalLink`, :func:`parse_digital_link`): the primary key
  (01 GTIN, 414 GLN, 00 SSCC) and its key qualifiers in the path, in the order the standard fixes
  (01: 22 CPV, 10 lot, 21 serial; 414: 254 extension); data attributes in the query string with
  their formats checked. Values use GS1 AI encodable character set 82 and are percent-encoded.

Every refusal raises :class:`GS1Error`; its ``reason`` is the message in the current language
(``lims.i18n``), its ``template``/``params`` the untranslated reason.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from lims.errors import LimsError
from lims.i18n import N_, gettext

GTIN_LENGTHS = (8, 12, 13, 14)
#: The key qualifiers of each primary key, in the order the path must hold them (GS1 Digital Link 1.1, 4.x).
QUALIFIERS: dict[str, tuple[str, ...]] = {"01": ("22", "10", "21"), "414": ("254",), "00": ()}
KEY_NAMES = {"01": "GTIN", "414": "GLN", "00": "SSCC"}
#: Alphanumeric AIs of the path and their maximum lengths (GS1 General Specifications 3.2): all X..20.
ALPHANUMERIC_MAX = {"22": 20, "10": 20, "21": 20, "254": 20}
#: Dates YYMMDD (GS1 General Specifications 7.12): production, packaging, best before, sell by, expiry.
DATE_AIS = ("11", "13", "15", "16", "17")
#: Other data attributes understood in the query: count of items (30, 37: N..8).
COUNT_AIS = {"30": 8, "37": 8}
#: GS1 AI encodable character set 82 (GS1 General Specifications 7.11, figure 7.11-1).
_CS82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]*")
_NET_WEIGHT = re.compile(r"310[0-5]")


class GS1Error(LimsError, ValueError):
    """A refused GS1 key or Digital Link URI; ``reason`` says what is wrong (422 where a page or the
    API shows it)."""

    status = 422
    code = "invalid"

    def __init__(self, template: str, **params: object) -> None:
        super().__init__(template % params if params else template)
        self.template = template
        self.params = params

    @property
    def reason(self) -> str:
        """The reason in the current language (``LIMS_LANGUAGE`` or the request's)."""
        return gettext(self.template, **self.params)


def check_digit(data: str) -> int:
    """The GS1 modulo-10 check digit of ``data`` (the digits before the check digit)."""
    if not data or not data.isascii() or not data.isdigit():
        raise GS1Error(N_("%(name)s must contain digits only."), name="GS1")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(data)))
    return (10 - total % 10) % 10


def _checked(code: str, name: str, lengths: tuple[int, ...]) -> str:
    """``code`` without surrounding spaces, refused unless digits of an allowed length with a right check digit."""
    code = code.strip()
    if not code:
        raise GS1Error(N_("The %(name)s is empty."), name=name)
    bad = next((c for c in code if not ("0" <= c <= "9")), None)
    if bad is not None:
        raise GS1Error(N_("%(name)s must contain digits only; found \"%(char)s\"."), name=name, char=bad)
    if len(code) not in lengths:
        allowed = "/".join(str(n) for n in lengths)
        raise GS1Error(N_("%(name)s must be %(lengths)s digits long; this one has %(length)s."), name=name,
                       lengths=allowed, length=len(code))
    expected = check_digit(code[:-1])
    if int(code[-1]) != expected:
        raise GS1Error(N_("Check digit should be %(expected)s, not %(given)s."), expected=expected,
                       given=code[-1])
    return code


@dataclass(frozen=True)
class Gtin:
    """A checked GTIN as given (``digits``) and normalised to 14 digits (``gtin14``)."""

    digits: str

    @property
    def kind(self) -> str:
        return f"GTIN-{len(self.digits)}"

    @property
    def gtin14(self) -> str:
        return self.digits.zfill(14)


def gtin(code: str) -> Gtin:
    """A GTIN-8, -12, -13 or -14, checked."""
    return Gtin(_checked(code, "GTIN", GTIN_LENGTHS))


def gln(code: str) -> str:
    """A GLN (13 digits), checked."""
    return _checked(code, "GLN", (13,))


def sscc(code: str) -> str:
    """An SSCC (18 digits), checked."""
    return _checked(code, "SSCC", (18,))


def _alphanumeric(ai: str, value: str) -> str:
    if not value:
        raise GS1Error(N_("AI %(ai)s has no value."), ai=ai)
    limit = ALPHANUMERIC_MAX[ai]
    if len(value) > limit:
        raise GS1Error(N_("The value of AI %(ai)s must be at most %(max)s characters long, not %(length)s."),
                       ai=ai, max=limit, length=len(value))
    if not _CS82.fullmatch(value):
        bad = next(c for c in value if not _CS82.fullmatch(c))
        raise GS1Error(N_("The value of AI %(ai)s holds \"%(char)s\", which is not in GS1 character set 82."),
                       ai=ai, char=bad)
    return value


def _primary(ai: str, value: str) -> str:
    if ai == "01":
        return gtin(value).gtin14
    if ai == "414":
        return gln(value)
    return sscc(value)


def _date(ai: str, value: str) -> str:
    """YYMMDD; DD 00 means the last day of the month (GS1 General Specifications 7.12)."""
    ok = len(value) == 6 and value.isascii() and value.isdigit()
    if ok:
        year, month, day = 2000 + int(value[:2]), int(value[2:4]), int(value[4:])
        ok = 1 <= month <= 12 and 0 <= day <= calendar.monthrange(year, month)[1]
    if not ok:
        raise GS1Error(N_("The value of AI %(ai)s must be a date YYMMDD; %(value)s is not one."), ai=ai, value=value)
    return value


def _digits(ai: str, value: str, lengths: range) -> str:
    if not (value.isascii() and value.isdigit() and len(value) in lengths):
        size = str(lengths.stop - 1) if len(lengths) == 1 else f"{lengths.start}–{lengths.stop - 1}"
        raise GS1Error(N_("The value of AI %(ai)s must be %(size)s digits, not \"%(value)s\"."), ai=ai,
                       size=size, value=value)
    return value


def check_attribute(ai: str, value: str) -> str:
    """A data attribute of the query string, its format checked; refuses AIs it does not know."""
    if ai in KEY_NAMES or ai in ALPHANUMERIC_MAX:
        raise GS1Error(N_("AI %(ai)s is a key or a key qualifier: it belongs in the path, not the query."), ai=ai)
    if ai in DATE_AIS:
        return _date(ai, value)
    if ai in COUNT_AIS:
        return _digits(ai, value, range(1, COUNT_AIS[ai] + 1))
    if _NET_WEIGHT.fullmatch(ai):
        return _digits(ai, value, range(6, 7))
    raise GS1Error(N_("AI %(ai)s is not a data attribute this check knows."), ai=ai)


def net_weight_kg(ai: str, value: str) -> Decimal:
    """The net weight in kg of AI 310n: six digits with n decimals (3103=001250 is 1.250 kg)."""
    return Decimal(int(value)).scaleb(-int(ai[3]))


@dataclass(frozen=True)
class DigitalLink:
    """A GS1 Digital Link: ``base`` (scheme, host and any path before the key), the primary key, its
    qualifiers in the standard's order, data attributes (AI → value) and other query parameters."""

    base: str
    key: str
    value: str
    qualifiers: tuple[tuple[str, str], ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()
    other: tuple[tuple[str, str], ...] = field(default=())

    @classmethod
    def build(cls, base: str, key: str, value: str, qualifiers: dict[str, str] | None = None,
              attributes: dict[str, str] | None = None) -> DigitalLink:
        """A checked Digital Link; qualifiers are put in the standard's order whatever order they are given in."""
        _check_base(base)
        if key not in QUALIFIERS:
            raise GS1Error(N_("%(ai)s is not a GS1 primary key this check knows (01, 414 or 00)."), ai=key)
        given = qualifiers or {}
        for ai in given:
            if ai not in QUALIFIERS[key]:
                raise GS1Error(N_("AI %(ai)s is not a key qualifier of AI %(key)s."), ai=ai, key=key)
        ordered = tuple((ai, _alphanumeric(ai, given[ai])) for ai in QUALIFIERS[key] if ai in given)
        attrs = tuple((ai, check_attribute(ai, v)) for ai, v in (attributes or {}).items())
        return cls(base.rstrip("/"), key, _primary(key, value), ordered, attrs)

    @property
    def uri(self) -> str:
        path = "".join(f"/{ai}/{quote(v, safe='')}" for ai, v in ((self.key, self.value), *self.qualifiers))
        query = "&".join(f"{ai}={quote(v, safe='')}" for ai, v in (*self.attributes, *self.other))
        return f"{self.base}{path}" + (f"?{query}" if query else "")


def _check_base(base: str) -> None:
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise GS1Error(N_("A GS1 Digital Link URI must start with http:// or https:// and name a host."))


def parse_digital_link(uri: str) -> DigitalLink:
    """The parts of a GS1 Digital Link URI, every one checked; a GTIN shorter than 14 digits is padded."""
    uri = uri.strip()
    _check_base(uri)
    parts = urlsplit(uri)
    segments = parts.path.rstrip("/").split("/")[1:]
    start = next((i for i, s in enumerate(segments) if s in QUALIFIERS and i + 1 < len(segments)), None)
    if start is None:
        raise GS1Error(N_("The path holds no GS1 primary key (01 GTIN, 414 GLN or 00 SSCC)."))
    key = segments[start]
    rest = segments[start:]
    if len(rest) % 2:
        raise GS1Error(N_("AI %(ai)s has no value."), ai=rest[-1])
    pairs = [(rest[i], unquote(rest[i + 1])) for i in range(0, len(rest), 2)]
    order = QUALIFIERS[key]
    qualifiers: list[tuple[str, str]] = []
    for ai, value in pairs[1:]:
        if ai not in order:
            raise GS1Error(N_("AI %(ai)s is not a key qualifier of AI %(key)s."), ai=ai, key=key)
        if any(ai == seen for seen, _ in qualifiers):
            raise GS1Error(N_("AI %(ai)s is given twice."), ai=ai)
        if qualifiers and order.index(ai) < order.index(qualifiers[-1][0]):
            raise GS1Error(N_("The key qualifiers of AI %(key)s must come in the order %(order)s; %(ai)s is out "
                              "of place."), key=key, order=", ".join(order), ai=ai)
        qualifiers.append((ai, _alphanumeric(ai, value)))
    attributes: list[tuple[str, str]] = []
    other: list[tuple[str, str]] = []
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name.isascii() and name.isdigit():
            if any(name == seen for seen, _ in attributes):
                raise GS1Error(N_("AI %(ai)s is given twice."), ai=name)
            attributes.append((name, check_attribute(name, value)))
        else:
            other.append((name, value))
    base = f"{parts.scheme}://{parts.netloc}" + "".join(f"/{s}" for s in segments[:start])
    return DigitalLink(base, key, _primary(key, pairs[0][1]), tuple(qualifiers), tuple(attributes), tuple(other))
