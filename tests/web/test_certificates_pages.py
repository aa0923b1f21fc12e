"""Certificate pages and API for staff and businesses: list, detail, downloads, revoke, amend."""
from __future__ import annotations

import json

from certificates import jsonform
from certificates.dcc_schema import validate_dcc
from certificates.hashing import sha256_hex
from lims.models import Certificate
from lims.services import certificates as certs
from tests.helpers import pdf_text


def test_list_and_detail_pages_in_vietnamese_and_english(issued, login):
    client = login("reviewer1")
    page = client.get("/certificates").get_data(as_text=True)
    assert issued.cert.number in page and "còn hiệu lực" in page and "Giấy chứng nhận" in page
    page = client.get("/certificates?lang=en").get_data(as_text=True)
    assert issued.cert.number in page and ">valid<" in page
    detail = client.get(f"/certificates/{issued.cert.id}").get_data(as_text=True)
    assert issued.cert.stamp_number in detail and issued.cert.pdf_sha256 in detail
    assert "20.0100\u00a0kg" in detail and "0.015\u00a0kg" in detail  # every number with its unit
    assert "<svg" in detail  # QR code of the public page
    assert client.get("/certificates?q=MT-0001").get_data(as_text=True).count(issued.cert.number) == 1
    assert issued.cert.number not in client.get("/certificates?q=nothing-like-it").get_data(as_text=True)


def test_downloads_are_the_issued_pdf_its_json_the_dcc_and_the_stamp_label(issued, login):
    client = login("tech1")
    cid = issued.cert.id
    pdf = client.get(f"/certificates/{cid}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert sha256_hex(pdf.data) == issued.cert.pdf_sha256
    assert "GIẤY CHỨNG NHẬN KIỂM ĐỊNH" in pdf_text(pdf.data)
    english = client.get(f"/certificates/{cid}/pdf?language=en")
    assert "VERIFICATION CERTIFICATE" in pdf_text(english.data) and issued.cert.number in pdf_text(english.data)
    assert client.get(f"/certificates/{cid}/pdf?language=fr").status_code == 422
    doc = jsonform.from_json_dict(json.loads(client.get(f"/certificates/{cid}/json").data))
    assert doc.number == issued.cert.number and doc.stamp_number == issued.cert.stamp_number
    dcc = client.get(f"/certificates/{cid}/dcc.xml")
    assert dcc.mimetype == "application/xml"
    validate_dcc(dcc.data)  # DCC 3.3.0 schema, offline
    stamp = client.get(f"/certificates/{cid}/stamp.pdf")
    assert stamp.status_code == 200 and issued.cert.stamp_number in pdf_text(stamp.data)


def test_revoking_from_the_page_needs_a_reason(issued, login, db):
    client = login("reviewer1")
    url = f"/certificates/{issued.cert.id}/revoke"
    refused = client.post(url, data={"reason": ""})
    assert refused.status_code == 422 and "Trường này là bắt buộc." in refused.get_data(as_text=True)
    db.expire_all()
    assert db.get(Certificate, issued.cert.id).status == "valid"
    done = client.post(url, data={"reason": "Quả cân chuẩn vượt dung sai"})
    assert done.status_code == 302
    db.expire_all()
    assert db.get(Certificate, issued.cert.id).status == "revoked"
    page = client.get(f"/certificates/{issued.cert.id}").get_data(as_text=True)
    assert "Quả cân chuẩn vượt dung sai" in page and "đã thu hồi" in page
    again = client.post(url, data={"reason": "Quả cân chuẩn vượt dung sai"})
    assert again.status_code == 409


def test_amending_from_the_page_issues_a_superseding_certificate(issued, login, db):
    client = login("reviewer1")
    form = client.get(f"/certificates/{issued.cert.id}/amend")
    assert form.status_code == 200
    bad = client.post(f"/certificates/{issued.cert.id}/amend", data={"reason": "", "language": "vi"})
    assert bad.status_code == 422
    done = client.post(f"/certificates/{issued.cert.id}/amend",
                       data={"reason": "Sửa tên khách hàng", "record_id": str(issued.cert.record_id), "language": "en"})
    assert done.status_code == 302
    db.expire_all()
    new = db.get(Certificate, int(done.headers["Location"].rsplit("/", 1)[1]))
    assert new.supersedes_id == issued.cert.id and new.language == "en"
    assert db.get(Certificate, issued.cert.id).status == "superseded"
    page = client.get(f"/certificates/{issued.cert.id}").get_data(as_text=True)
    assert new.number in page and "đã bị thay thế" in page


def test_roles_and_ownership(issued, make_user, login, client):
    make_user("outsider", "business")
    make_user("owner", "business", organisation_id=issued.customer.id)
    tech = login("tech1")
    assert tech.post(f"/certificates/{issued.cert.id}/revoke", data={"reason": "no right to"}).status_code == 403
    assert tech.get(f"/certificates/{issued.cert.id}/amend").status_code == 403
    client.post("/logout")
    outsider = login("outsider")
    assert outsider.get(f"/certificates/{issued.cert.id}").status_code == 404
    assert issued.cert.number not in outsider.get("/certificates").get_data(as_text=True)
    assert outsider.get(f"/certificates/{issued.cert.id}/pdf").status_code == 404
    client.post("/logout")
    owner = login("owner")
    assert owner.get(f"/certificates/{issued.cert.id}").status_code == 200
    assert owner.get(f"/certificates/{issued.cert.id}/stamp.pdf").status_code == 403  # staff print stamps


def test_api_reads_downloads_revokes_and_amends(issued, token_for, client, make_user):
    headers = token_for(issued.reviewer)
    page = client.get("/api/v1/certificates?status=valid", headers=headers).get_json()
    assert page["total"] == 1 and page["items"][0]["number"] == issued.cert.number
    item = client.get(f"/api/v1/certificates/{issued.cert.id}", headers=headers).get_json()
    assert item["status"] == "valid" and item["stamp_number"] == issued.cert.stamp_number
    assert item["verify_url"].endswith(certs.verification_token(issued.cert))
    by_number = client.get(f"/api/v1/certificates/by-number/{issued.cert.number}", headers=headers)
    assert by_number.get_json()["id"] == issued.cert.id
    assert client.get("/api/v1/certificates?status=lost", headers=headers).status_code == 422
    pdf = client.get(f"/api/v1/certificates/{issued.cert.id}/pdf", headers=headers)
    assert sha256_hex(pdf.data) == issued.cert.pdf_sha256
    assert client.get(f"/api/v1/certificates/{issued.cert.id}/document", headers=headers).get_json()["number"] \
        == issued.cert.number
    validate_dcc(client.get(f"/api/v1/certificates/{issued.cert.id}/dcc", headers=headers).data)

    refused = client.post(f"/api/v1/certificates/{issued.cert.id}/revoke", json={}, headers=headers)
    assert refused.status_code == 422 and "reason" in refused.get_json()["detail"]["fields"]
    tech = token_for(issued.technician)
    assert client.post(f"/api/v1/certificates/{issued.cert.id}/revoke", json={"reason": "wrong role"},
                       headers=tech).status_code == 403
    amended = client.post(f"/api/v1/certificates/{issued.cert.id}/amend", json={"reason": "Sửa số sản xuất"},
                          headers=headers)
    assert amended.status_code == 201 and amended.get_json()["supersedes"] == issued.cert.number
    new_id = amended.get_json()["id"]
    old = client.get(f"/api/v1/certificates/{issued.cert.id}", headers=headers).get_json()
    assert old["status"] == "superseded" and old["superseded_by"] == amended.get_json()["number"]
    revoked = client.post(f"/api/v1/certificates/{new_id}/revoke", json={"reason": "Chuẩn vượt dung sai"},
                          headers=headers)
    assert revoked.status_code == 200 and revoked.get_json()["status"] == "revoked"
    again = client.post(f"/api/v1/certificates/{new_id}/revoke", json={"reason": "Chuẩn vượt dung sai"},
                        headers=headers)
    assert again.status_code == 409 and "error" in again.get_json()
    outsider = token_for(make_user("outsider", "business"))
    assert client.get(f"/api/v1/certificates/{new_id}", headers=outsider).status_code == 404
    assert client.get("/api/v1/certificates", headers=outsider).get_json() == {"total": 0, "items": []}


def test_the_api_description_lists_the_certificate_operations(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/certificates", "/api/v1/certificates/{certificate_id}/pdf",
                 "/api/v1/certificates/{certificate_id}/dcc", "/api/v1/certificates/{certificate_id}/revoke",
                 "/api/v1/certificates/{certificate_id}/amend"):
        assert path in paths
    assert "application/pdf" in paths["/api/v1/certificates/{certificate_id}/pdf"]["get"]["responses"]["200"]["content"]


def test_each_api_body_schema_agrees_with_its_service_input():
    """The API's request schemas describe exactly the typed inputs the services take."""
    import dataclasses
    import typing

    from lims.services.inputs import INPUTS
    from lims.web.api.certificates import INPUT_SCHEMAS

    assert {certs.AmendCertificate, certs.RevokeCertificate} <= set(INPUTS) and set(INPUT_SCHEMAS) == {
        certs.AmendCertificate, certs.RevokeCertificate}
    for cls, schema in INPUT_SCHEMAS.items():
        declared = schema().fields
        fields = {f.name: f for f in dataclasses.fields(cls)}
        assert set(declared) == set(fields), cls.__name__
        hints = typing.get_type_hints(cls)
        for name, f in fields.items():
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING \
                and type(None) not in typing.get_args(hints[name])
            assert declared[name].required == required, f"{cls.__name__}.{name}"
            literal = [a for a in typing.get_args(hints[name]) if typing.get_origin(a) is typing.Literal]
            if literal:
                assert declared[name].metadata["enum"] == list(typing.get_args(literal[0])), f"{cls.__name__}.{name}"


def test_a_failing_export_library_answers_a_problem_not_a_trace(issued, login, monkeypatch):
    """The issued DCC file is gone, and writing it again fails inside lxml."""
    from lims.services.certificates import files

    def broken(*args, **kwargs):
        raise RuntimeError("lxml went away")

    (issued.ctx.instance_path / issued.cert.dcc_path).unlink()
    monkeypatch.setattr(files, "to_dcc_xml", broken)
    client = login("reviewer1")
    resp = client.get(f"/api/v1/certificates/{issued.cert.id}/dcc")
    assert resp.status_code == 500
    body = resp.get_json()
    assert issued.cert.number in body["error"] and "lxml went away" in body["error"]
    page = client.get(f"/certificates/{issued.cert.id}/dcc.xml")
    assert page.status_code == 500 and "Traceback" not in page.get_data(as_text=True)
