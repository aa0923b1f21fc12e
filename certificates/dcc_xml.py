r"""The building blocks of the DCC writer: namespaces, elements, texts, numbers and D-SI values.

Shared by :mod:`certificates.dcc_admin` (``dcc:administrativeData``) and
:mod:`certificates.dcc_results` (``dcc:measurementResults``). Numbers are written digit for
digit as the document holds them (``si:decimalType``); the only arithmetic is an exact shift of
the decimal point (:func:`certificates.units.rescale`) when a value is written in another
prefix of its unit, or a percentage as a fraction of one (65 % → 0.65 \one).

Our own refTypes carry the prefix ``lims_`` and are declared in
``dcc:administrativeData/dcc:refTypeDefinitions`` (:data:`LIMS_REF_TYPES`); every ``basic_``
refType written is one of PTB's, as used in PTB's good-practice DCCs (temperature, humidity,
mass set) and read by PTB's ``dccquantities``.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from lxml import etree

from certificates.errors import DccError, UnitError
from certificates.labels import LABELS
from certificates.model import LocalText, Measure, Text, Verdict
from certificates.units import dsi_unit, rescale
from lims.metrology.units_table import UNIT_TABLE

DCC = "https://ptb.de/dcc"
SI = "https://ptb.de/si"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {"dcc": DCC, "si": SI, "xsi": XSI}

#: ``dcc:conformity`` values of DCC 3.3.0 (``stringConformityStatementStatusType``).
CONFORMITY = {
    Verdict.PASS: "pass",
    Verdict.FAIL: "fail",
    Verdict.CONDITIONAL_PASS: "conditionalPass",
    Verdict.CONDITIONAL_FAIL: "conditionalFail",
}

#: The refTypes of our own (prefix ``lims_``), declared in every DCC: name (vi, en).
LIMS_REF_TYPES: dict[str, tuple[str, str]] = {
    "lims_documentKind": ("Loại tài liệu", "Kind of document: verificationCertificate, "
                          "nonConformityNotice (a verification not passed) or calibrationCertificate"),
    "lims_stampNumber": ("Số tem kiểm định", "Verification stamp number"),
    "lims_serialNumber": ("Số sản xuất", "Serial number given by the manufacturer"),
    "lims_ownerIdentifier": ("Mã nhận dạng của chủ sở hữu", "Identifier given by the owner"),
    "lims_assetCode": ("Mã chuẩn của phòng thí nghiệm", "Asset code of a standard in the laboratory"),
    "lims_resolution": ("Giá trị độ chia", "Resolution (scale interval) of the instrument"),
    "lims_verificationType": ("Hình thức kiểm định", "Type of verification: initial, periodic, after repair"),
    "lims_decisionRule": ("Quy tắc quyết định", "Decision rule of the statement of conformity"),
    "lims_traceability": ("Liên kết chuẩn", "Metrological traceability of the results"),
    "lims_relateOnly": ("Phạm vi kết quả", "The results relate only to the item"),
    "lims_deviations": ("Sai khác so với phương pháp", "Deviations from the method"),
    "lims_adjustment": ("Hiệu chỉnh", "Adjustment of the item"),
    "lims_remark": ("Ghi chú", "Remark"),
    "lims_amendment": ("Lý do thay thế", "Reason for superseding an earlier certificate"),
    "lims_verificationLink": ("Liên kết kiểm tra", "Link to the public check of this certificate"),
    "lims_method": ("Quy trình", "The procedure followed"),
    "lims_performanceAddress": ("Địa điểm thực hiện", "Address of the place where the work was done"),
    "lims_results": ("Bảng kết quả", "A results table of the certificate"),
    "lims_beforeAdjustment": ("Trước hiệu chỉnh", "Results before adjustment"),
    "lims_afterAdjustment": ("Sau hiệu chỉnh", "Results after adjustment"),
    "lims_pointLabel": ("Tên điểm đo", "Name of the measuring point (position, load)"),
    "lims_repeatabilitySpread": ("Độ lặp lại (max − min)", "Difference between the largest and "
                                 "the smallest result of a repeatability test (OIML R76-1 A.4.10)"),
    "lims_environment": ("Điều kiện môi trường", "Another environmental condition"),
}
REF_TYPE_NAMESPACE = "lims"
#: ``dcc:link`` of our refType definitions: a URN naming this program's vocabulary (described in
#: docs/certificates.md, "DCC"), not a web address.
REF_TYPE_LINK = "urn:metrology-lims:dcc:ref-types"


def unit_from_symbol(symbol: str, *, difference: bool = False) -> str | None:
    """The program's unit printed as ``symbol`` on a certificate (``kg``, ``°C``), or None; ``°C``
    is a temperature difference (``delta_degC``) when ``difference``."""
    units = [u.pint for u in UNIT_TABLE if u.symbol == symbol.strip()]
    if difference and "delta_degC" in units:
        return "delta_degC"
    return next((u for u in units if u != "delta_degC"), units[0] if units else None)


#: What XML 1.0 cannot hold: control characters but TAB, LF and CR, lone surrogates, U+FFFE/U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot hold (a NUL, a control character), which
    lxml refuses: a text stored before such input was refused still writes its DCC."""
    return _NOT_XML.sub("", value)


def el(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
    """A child element ``tag`` (``dcc:name``, ``si:value``) with its text and attributes (every
    text of the DCC is written here, through :func:`xml_text`)."""
    ns, _, name = tag.partition(":")
    element = etree.SubElement(parent, f"{{{NSMAP[ns]}}}{name}",
                               {k: xml_text(v) for k, v in attrs.items() if v})
    if text is not None:
        element.text = xml_text(text)
    return element


def both(key: str, **values: object) -> LocalText:
    """A fixed wording of :data:`certificates.labels.LABELS` in both languages."""
    vi, en = LABELS[key]
    return LocalText(vi.format(**values) if values else vi, en.format(**values) if values else en)


def local(value: Text) -> LocalText:
    """A text as :class:`LocalText` (a plain string is the same in both languages)."""
    return value if isinstance(value, LocalText) else LocalText(value, value)


def text(parent: Any, tag: str, value: Text, **attrs: str) -> Any:
    """A ``dcc:textType`` / ``dcc:richContentType`` element: one ``dcc:content`` per language.

    A plain string is written once without a language (it is the same in both)."""
    element = el(parent, tag, **attrs)
    if isinstance(value, LocalText):
        el(element, "dcc:content", value.vi, lang="vi")
        if value.en:
            el(element, "dcc:content", value.en, lang="en")
    else:
        el(element, "dcc:content", value)
    return element


def number(value: Decimal) -> str:
    """A D-SI decimal, digit for digit (``si:decimalType``); never ``-0``."""
    written = format(value, "f")
    return written[1:] if written.startswith("-") and not value else written


def unit_of(unit: str, where: str) -> str:
    """The D-SI spelling of a unit, or a :class:`DccError` naming the field."""
    try:
        return dsi_unit(unit)
    except UnitError:
        raise DccError(
            f"{where}: the unit {unit!r} has no D-SI spelling; add it to lims.metrology.units_table"
        ) from None


def in_unit(measure: Measure, unit: str, where: str) -> Decimal:
    """``measure``'s value in ``unit`` (an exact power-of-ten shift), or a :class:`DccError`."""
    try:
        return rescale(measure.value, measure.unit, unit)
    except UnitError:
        raise DccError(f"{where}: {measure.unit!r} cannot be written in the unit {unit!r}") from None


def real(parent: Any, measure: Measure, where: str) -> Any:
    """``si:real``: value and D-SI unit."""
    element = el(parent, "si:real")
    el(element, "si:value", number(measure.value))
    el(element, "si:unit", unit_of(measure.unit, where))
    return element


def is_percent(unit: str) -> bool:
    r"""A percentage (``percent``, ``percent_RH``): D-SI ``\percent``."""
    try:
        return dsi_unit(unit) == "\\percent"
    except UnitError:
        return False


def fraction_or_real(parent: Any, measure: Measure, where: str) -> Any:
    r"""A percentage as ``si:hybrid`` of ``\one`` and ``\percent`` (PTB's humidity good practice:
    0.65 \one and 65 \percent); any other value as ``si:real``."""
    if not is_percent(measure.unit):
        return real(parent, measure, where)
    hybrid = el(parent, "si:hybrid")
    one = el(hybrid, "si:real")
    el(one, "si:value", number(measure.value.scaleb(-2)))
    el(one, "si:unit", "\\one")
    real(hybrid, measure, where)
    return hybrid


def quantity(parent: Any, name: Text, measure: Measure, ref_type: str, where: str, **attrs: str) -> Any:
    """``dcc:quantity`` with a name and one value (a percentage as hybrid, see :func:`fraction_or_real`)."""
    element = el(parent, "dcc:quantity", refType=ref_type, **attrs)
    text(element, "dcc:name", name)
    fraction_or_real(element, measure, where)
    return element


def value_list(values: Sequence[Decimal]) -> str:
    """``si:decimalXMLListType``: the values separated by spaces."""
    return " ".join(number(v) for v in values)


def real_list(parent: Any, values: Sequence[Decimal], dsi: str) -> Any:
    """``si:realListXMLList`` with one unit for the whole column."""
    element = el(parent, "si:realListXMLList")
    el(element, "si:valueXMLList", value_list(values))
    el(element, "si:unitXMLList", dsi)
    return element


def collapsed(values: Sequence[str]) -> str:
    """An XML list that states one value once when every row has it (PTB's good practice)."""
    return values[0] if len(set(values)) == 1 else " ".join(values)


def ref_type_definitions(admin: Any) -> None:
    """``dcc:refTypeDefinitions``: every ``lims_`` refType, so a reader can look ours up."""
    definitions = el(admin, "dcc:refTypeDefinitions")
    for ref_type, (vi, en) in LIMS_REF_TYPES.items():
        definition = el(definitions, "dcc:refTypeDefinition", refType=ref_type)
        text(definition, "dcc:name", LocalText(vi, en))
        el(definition, "dcc:namespace", REF_TYPE_NAMESPACE)
        el(definition, "dcc:link", REF_TYPE_LINK)
        el(definition, "dcc:value", ref_type)
