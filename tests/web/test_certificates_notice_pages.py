"""A notice of non-conformity (a failed verification) reads as such everywhere, never as a valid
certificate; the certificate page names the laboratory as issuer and shows the measured reference.

Legal verification is binary (Law on Metrology 04/2011/QH13; Circular 24/2013/TT-BKHCN): only a
pass earns a stamp and a certificate. The list, the certificate page, the public page and the API
name the document a notice and badge it red, never with the green "còn hiệu lực" / "valid".
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from lims.services import certificates as certs


@pytest.fixture
def notice(issued, db):
    """The sample scale failed at Max (+2 e > 1.5 e, OIML R76-1 Table 6): a notice of non-conformity."""
    issued.notice = certs.issue_for_record(db, issued.reviewer, issued.scale_record(db, (0, 0, 1, 2)),
                                           context=issued.ctx)
    db.commit()
    return issued


def _row_of(page: str, number: str) -> str:
    match = re.search(rf"<tr>(?:(?!</tr>).)*{re.escape(number)}(?:(?!</tr>).)*</tr>", page, re.S)
    assert match, number
    return match.group(0)


def test_the_list_badges_a_notice_as_not_passed_never_valid(notice, login):
    client = login("reviewer1")
    row = _row_of(client.get("/certificates").get_data(as_text=True), notice.notice.number)
    assert "thông báo kiểm định không đạt" in row and "thông báo: không đạt" in row
    assert 'class="badge bad"' in row and "còn hiệu lực" not in row
    row = _row_of(client.get("/certificates?lang=en").get_data(as_text=True), notice.notice.number)
    assert "notice: not passed" in row and ">valid<" not in row
    valid_row = _row_of(client.get("/certificates?lang=vi").get_data(as_text=True), notice.cert.number)
    assert "còn hiệu lực" in valid_row and 'class="badge ok"' in valid_row


def test_the_certificate_page_titles_and_badges_a_notice(notice, login):
    page = login("reviewer1").get(f"/certificates/{notice.notice.id}").get_data(as_text=True)
    assert f"Thông báo kết quả kiểm định không đạt {notice.notice.number}" in page
    assert 'data-status="non_conformity_notice"' in page and "còn hiệu lực" not in page


def test_the_certificate_page_names_the_laboratory_as_issuer_and_prints_the_reference(notice, login):
    """"Đơn vị cấp" is the laboratory (ISO/IEC 17025 7.8.2.1 b), not the reviewer who signed."""
    page = login("reviewer1").get(f"/certificates/{notice.cert.id}").get_data(as_text=True)
    issuer = re.search(r"<dt>Đơn vị cấp</dt><dd[^>]*>([^<]*)</dd>", page)
    assert issuer and issuer.group(1) == notice.lab.name
    assert "Giá trị chuẩn" in page and "20,0000\u00a0kg" in page  # the measured reference, to U's place
    assert "Giá trị danh định" not in page  # the weights were used at nominal: no second column


def test_the_api_names_the_document_kind(notice, client, token_for):
    headers = token_for(notice.reviewer)
    data = client.get(f"/api/v1/certificates/{notice.notice.id}", headers=headers).get_json()
    assert data["document_type"] == "non_conformity_notice" and data["valid_until"] is None
    data = client.get(f"/api/v1/certificates/{notice.cert.id}", headers=headers).get_json()
    assert data["document_type"] == "certificate"


@pytest.mark.committed
def test_the_public_page_shows_a_notice_in_red(notice, client):
    path = urlsplit(certs.verify_url(notice.notice, notice.ctx)).path
    page = client.get(path).get_data(as_text=True)
    assert 'class="verdict-banner bad" data-status="non_conformity_notice"' in page
    assert "verdict-banner ok" not in page
    data = client.get(path, headers={"Accept": "application/json"}).get_json()
    assert data["document"] == "non_conformity_notice" and data["verdict"] == "fail"
