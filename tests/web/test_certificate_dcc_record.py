"""The DCC is a record (DESIGN "Storage": the issued bytes of a certificate's PDF and DCC are the
record): written once at issue with the PDF, its SHA-256 stored and published beside the PDF's,
served byte for byte by every download (page, API, command line)."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from certificates.dcc_schema import validate_dcc
from certificates.hashing import sha256_file, sha256_hex
from lims.services import certificates as certs


def test_the_dcc_is_written_at_issue_and_exported_byte_for_byte(issued, login, token_for, client, monkeypatch):
    cert = issued.cert
    path = issued.ctx.instance_path / cert.dcc_path
    assert cert.dcc_path == f"certificates/{cert.year}/{cert.number}.dcc.xml"
    assert sha256_file(path) == cert.dcc_sha256
    validate_dcc(path.read_bytes())
    from lims.services.certificates import exports

    def never(*args, **kwargs):
        raise AssertionError("an issued DCC is never written again to be served")

    monkeypatch.setattr(exports, "to_dcc_xml", never)
    page = login("reviewer1").get(f"/certificates/{cert.id}/dcc.xml")
    assert page.status_code == 200 and page.data == path.read_bytes()
    headers = token_for(issued.reviewer)
    api = client.get(f"/api/v1/certificates/{cert.id}/dcc", headers=headers)
    assert api.status_code == 200 and sha256_hex(api.data) == cert.dcc_sha256
    assert client.get(f"/api/v1/certificates/{cert.id}", headers=headers).get_json()["dcc_sha256"] == cert.dcc_sha256


def test_the_detail_page_shows_both_hashes_and_a_missing_dcc(issued, login):
    client = login("reviewer1")
    page = client.get(f"/certificates/{issued.cert.id}").get_data(as_text=True)
    assert issued.cert.pdf_sha256 in page and issued.cert.dcc_sha256 in page
    (issued.ctx.instance_path / issued.cert.dcc_path).unlink()
    page = client.get(f"/certificates/{issued.cert.id}").get_data(as_text=True)
    assert "render --all-missing" in page
    # the missing file is written again from the stored document, identical to the recorded hash
    assert sha256_hex(certs.dcc_export(issued.cert, issued.ctx)) == issued.cert.dcc_sha256


def test_a_dcc_that_cannot_be_written_identically_is_refused_not_served(issued, db):
    (issued.ctx.instance_path / issued.cert.dcc_path).unlink()
    issued.cert.dcc_sha256 = "0" * 64  # as if another release of the writer had issued it
    with pytest.raises(certs.ExportError, match="2026-KD-000001") as refused:
        certs.dcc_export(issued.cert, issued.ctx)
    # in the language of the request that asked (none here: whichever the worker last set)
    assert "sao lưu" in str(refused.value) or "backup" in str(refused.value)


def test_a_rolled_back_issue_writes_no_dcc(app, db, make_user):
    from lims.services.demo_certificates import sample_lab
    from lims.web.public_certificates import certificate_context

    reviewer = make_user("reviewer9", "reviewer")
    lab = sample_lab(db, technician=make_user("tech9", "technician"), reviewer=reviewer)
    ctx = certificate_context(app)
    cert = certs.issue_for_record(db, reviewer, lab.scale_record(db), context=ctx)
    target = ctx.instance_path / cert.dcc_path
    db.rollback()
    assert certs.write_pending(db) == 0 and not target.exists()


@pytest.mark.committed
def test_the_public_page_and_its_json_show_the_dcc_hash_beside_the_pdfs(issued, client):
    path = urlsplit(certs.verify_url(issued.cert)).path
    for lang, label in (("vi", "Mã băm SHA-256 của tệp DCC"), ("en", "SHA-256 of the DCC")):
        page = client.get(f"{path}?lang={lang}").get_data(as_text=True)
        assert label in page and issued.cert.dcc_sha256 in page and issued.cert.pdf_sha256 in page
    data = client.get(path, headers={"Accept": "application/json"}).get_json()
    assert data["dcc_sha256"] == issued.cert.dcc_sha256 and data["pdf_sha256"] == issued.cert.pdf_sha256
