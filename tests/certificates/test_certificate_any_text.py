"""Every text a certificate may hold exports to PDF, JSON and DCC (issue 11, finding 6).

A property test: free-text fields of a document (remarks, amendment reason, names, addresses)
filled with arbitrary printable Unicode — Vietnamese, emoji, right-to-left scripts, combining
marks — render to PDF, to JSON (and back) and to a DCC valid against its schema. And a document
stored before control characters were refused at input (an amendment reason holding one) still
writes its DCC: the writer drops what XML 1.0 cannot hold.
"""
from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certificates.dcc import to_dcc_xml
from certificates.dcc_xml import xml_text
from certificates.jsonform import from_json, to_json
from certificates.model import CertificateDocument, Customer, LocalText, Person
from certificates.pdf import render_pdf
from tests.certificates.test_certificate_dcc import xpath
from tests.helpers import VERIFY_URL

SAMPLES = ("Cân đồng hồ lò xo Nhơn Hòa", "đã hiệu chỉnh ✓ 🧪⚖️", "שלום עולם", "مرحبا بالعالم",
           "e\u0301\u0323 a\u0308\u0304", "温度计", "Ω µ ° ± ≤ ≥ ‰", "\u200f\u200eRTL mark", "x\u2028y")
#: Printable text: no control character (refused at input), no lone surrogate, nothing unassigned.
PRINTABLE = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Cn")), min_size=1, max_size=40)
TEXT = st.one_of(st.sampled_from(SAMPLES), PRINTABLE, st.tuples(st.sampled_from(SAMPLES), PRINTABLE).map("".join)
                 ).filter(lambda s: s.strip() != "")

QUICK = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _filled(doc: CertificateDocument, t: list[str]) -> CertificateDocument:
    return replace(
        doc, number="2025-KD-000201", supersedes=doc.number,
        amendment_reason=LocalText(t[0], t[1]),
        remarks=(t[2], LocalText(t[3], t[4])),
        customer=Customer(name=t[5], address=t[6], contact=t[7], city=t[8]),
        authorised_by=Person(name=t[9], role=LocalText(t[10], t[11])),
        performed_by=Person(name=t[12]),
        instrument=replace(doc.instrument, name=LocalText(t[13], t[14]), manufacturer=t[15], model=t[16]),
        laboratory=replace(doc.laboratory, address=LocalText(t[17], t[18])),
    )


@QUICK
@given(texts=st.lists(TEXT, min_size=19, max_size=19))
def test_any_printable_text_exports_to_pdf_json_and_dcc(verification: CertificateDocument, texts: list[str]) -> None:
    """Finding 6 (every stored text exports): arbitrary printable Unicode in the free-text fields
    renders to PDF in both languages, round-trips through JSON, and writes a schema-valid DCC that
    holds the texts as given."""
    doc = _filled(verification, texts)
    for lang in ("vi", "en"):
        assert render_pdf(doc, verify_url=VERIFY_URL, lang=lang).startswith(b"%PDF")
    assert from_json(to_json(doc)) == doc
    xml = to_dcc_xml(doc, verify_url=VERIFY_URL)  # validated against the DCC schema
    content = "//dcc:statement[@refType='lims_amendment']/dcc:declaration/dcc:content/text()"
    assert xpath(xml, content) == [texts[0], texts[1]]


def test_a_stored_reason_with_a_control_character_still_writes_its_dcc(verification: CertificateDocument) -> None:
    """Finding 6: a certificate amended before this release with a control character in its
    reason (and its remarks) made its DCC export fail for good; the writer now drops what XML 1.0
    cannot hold, and the DCC stays valid."""
    reason = LocalText("Sửa\x00 số\x01 tem\x1b", "Stamp\x7f number\x0b fixed\ufffe")
    doc = replace(verification, number="2025-KD-000202", supersedes=verification.number,
                  amendment_reason=reason, remarks=("Ghi chú\x08", LocalText("dòng 1\ndòng 2", "tab\there")))
    xml = to_dcc_xml(doc, verify_url=VERIFY_URL)
    content = "//dcc:statement[@refType='lims_amendment']/dcc:declaration/dcc:content/text()"
    assert xpath(xml, content) == ["Sửa số tem", "Stamp\x7f number fixed"]
    assert render_pdf(doc, verify_url=VERIFY_URL).startswith(b"%PDF")
    assert from_json(to_json(doc)) == doc


def test_xml_text_keeps_what_xml_holds() -> None:
    """The one filter of the DCC writer: TAB, LF, CR and every printable character stay."""
    kept = "a\tb\nc\rd Đ 🧪 \u0301 \ud7ff\ue000\ufffd\U0010ffff"
    assert xml_text(kept) == kept
    assert xml_text("\x00\x01\x1f\ufffe\uffff\ud800") == ""
