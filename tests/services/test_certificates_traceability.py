"""What an issued certificate states about traceability (ISO/IEC 17025 7.8.4.1 c, 6.5; issue 13,
part 1): each standard's calibrating lab with its accreditation, its certificate number and the
upstream (national standard and institute), in the document, the PDF (vi and en) and the DCC; a
certificate stored before these facts existed still renders."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from lxml import etree

from certificates.dcc_schema import validate_dcc
from lims.services import certificates as certs
from lims.services.certificates.files import render_stored, render_stored_dcc
from lims.services.demo_sample import sample_lab
from tests.helpers import pdf_text

ISSUE = date(2026, 3, 5)
NATIONAL_MASS = "chuẩn quốc gia “Chuẩn quốc gia khối lượng (kilôgam)” của Viện Đo lường Việt Nam (VMI)"


@pytest.fixture
def cert(db, ctx):
    lab = sample_lab(db)
    record = lab.scale_record(db, work_date=ISSUE - timedelta(days=1))
    cert = certs.issue_for_record(db, lab.reviewer, record, issue_date=ISSUE, context=ctx)
    db.commit()
    return cert


def test_the_document_names_lab_certificate_and_national_standard_of_each_standard(cert):
    standard = cert.document["certificate"]["reference_standards"][0]
    assert standard["calibrated_by"] == "Viện Đo lường Việt Nam (VMI)"
    assert standard["certificate_number"] == "VMI-KL-0415"
    assert standard["upstream"]["vi"].startswith(NATIONAL_MASS)
    assert standard["upstream"]["en"].startswith("the national standard “Chuẩn quốc gia khối lượng (kilôgam)” of "
                                                 "Viện Đo lường Việt Nam (VMI)")
    statement = cert.document["certificate"]["traceability_statement"]
    assert "S-QC-M1: giấy chứng nhận hiệu chuẩn số VMI-KL-0415 của Viện Đo lường Việt Nam (VMI), liên kết " \
           f"đến {NATIONAL_MASS}" in statement["vi"]
    assert "S-QC-M1: calibration certificate no. VMI-KL-0415 issued by Viện Đo lường Việt Nam (VMI), traceable " \
           "to the national standard “Chuẩn quốc gia khối lượng (kilôgam)”" in statement["en"]


@pytest.mark.parametrize(("lang", "words"), [
    ("vi", ["VMI-KL-0415", "Hệ đơn vị đo quốc tế (SI)", "Chuẩn quốc gia khối lượng"]),
    ("en", ["VMI-KL-0415", "International System of Units (SI)", "traceable to the national standard"]),
])
def test_the_pdf_prints_the_statement_in_both_languages(cert, lang, words):
    text = " ".join(pdf_text(render_stored(cert.document["certificate"], "https://lab.example/v/x", lang)).split())
    for word in words:
        assert word in text, word


def test_the_dcc_states_it_and_stays_schema_valid(cert):
    xml = render_stored_dcc(cert.document["certificate"], "https://lab.example/v/x")
    validate_dcc(xml)
    (statement,) = etree.fromstring(xml).xpath("//dcc:statement[@refType='lims_traceability']",
                                                namespaces={"dcc": "https://ptb.de/dcc"})
    texts = " ".join(statement.itertext())
    assert "VMI-KL-0415" in texts and "Chuẩn quốc gia khối lượng (kilôgam)" in texts
    assert "traceable to the national standard" in texts


def test_a_document_stored_before_the_upstream_existed_still_renders(cert):
    """Stored certificates are never re-rendered from new data: an old document (no ``upstream``,
    no statement) renders with the default statement."""
    stored = cert.document["certificate"]
    standards = [{k: v for k, v in s.items() if k != "upstream"} for s in stored["reference_standards"]]
    old = {**stored, "traceability_statement": None, "reference_standards": standards}
    text = " ".join(pdf_text(render_stored(old, "https://lab.example/v/x", "en")).split())
    assert "traceable to national standards and to the International System of Units" in text
    assert render_stored_dcc(old, "https://lab.example/v/x")
