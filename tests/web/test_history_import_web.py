"""The import and export pages (/admin/import, /admin/export) and API (/api/v1/imports,
/api/v1/exports): admins only, the dry run's table and JSON, all or nothing with 422, the checked
file imported as checked, and an imported certificate found by /v/lookup and by the API with its
PDF's SHA-256."""
from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from sqlalchemy import func, select

from lims.models import Certificate, Organisation

PDF = b"%PDF-1.4\n% scanned paper certificate of 2024\n%%EOF\n"
CUSTOMERS = "name,tax_code\r\nCông ty Cân Hữu Nghị,0101234567\r\n"
BAD = "name,tax_code,email\r\nA,0101234567,a@x.vn\r\nB,12345,not-mail\r\n,0101234567,\r\n"


def _file(text: str, name: str = "data.csv"):
    return (io.BytesIO(text.encode("utf-8-sig")), name)


@pytest.fixture
def admin(make_user, token_for):
    user = make_user("boss", "admin")
    return token_for(user)


@pytest.fixture
def catalogue(client, admin):
    """The lab and one instrument type: the catalogue a lab sets up before importing."""
    client.post("/api/v1/organisations", json={"name": "Trung tâm KT TĐC", "kind": "lab"}, headers=admin)
    client.post("/api/v1/instrument-types", headers=admin, json={
        "code": "NAWI", "name_vi": "Cân không tự động", "name_en": "Non-automatic weighing instrument",
        "quantity": "mass", "unit": "kg", "requires_verification": True, "verification_interval_months": 12})


def _count(db, model):
    return db.scalar(select(func.count()).select_from(model))


def test_only_admins_reach_the_pages_and_the_api(client, make_user, login, token_for):
    """A technician gets 403 on the page, the template and the API (import and export)."""
    tech = make_user("ktv", "technician")
    headers = token_for(tech)
    assert client.post("/api/v1/imports/customers?dry_run=true", headers=headers,
                       data={"file": _file(CUSTOMERS)}).status_code == 403
    assert client.get("/api/v1/exports/customers.csv", headers=headers).status_code == 403
    login("ktv")
    assert client.get("/admin/import").status_code == 403
    assert client.get("/admin/export").status_code == 403


def test_api_dry_run_lists_every_fault_and_the_import_refuses_with_the_same_list(client, admin, db):
    """Dry run: 200 with rows 3 and the four faults; the import of the same file: 422 with the
    same list in detail.errors; no organisation is written by either."""
    resp = client.post("/api/v1/imports/customers?dry_run=true", headers={**admin, "Accept-Language": "en"},
                       data={"file": _file(BAD)})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["rows"] == 3 and body["dry_run"] is True and body["imported"] == 0
    faults = [(e["row"], e["column"]) for e in body["errors"]]
    assert faults == [(3, "tax_code"), (3, "email"), (4, "name"), (4, "tax_code")]
    refused = client.post("/api/v1/imports/customers", headers={**admin, "Accept-Language": "en"},
                          data={"file": _file(BAD)})
    assert refused.status_code == 422
    assert refused.get_json()["detail"]["errors"] == body["errors"]
    assert _count(db, Organisation) == 0


def test_api_messages_in_vietnamese(client, admin):
    resp = client.post("/api/v1/imports/customers?dry_run=true", headers={**admin, "Accept-Language": "vi"},
                       data={"file": _file(BAD)})
    messages = {(e["row"], e["column"]): e["message"] for e in resp.get_json()["errors"]}
    assert messages[(4, "tax_code")] == "Mã số thuế này đã có ở dòng 2."


def test_page_checks_then_imports_the_same_file(client, login, admin, db, app):
    """The page's check shows the table of faults (422) for a bad file; for a good one the
    "Import" form carries the file's SHA-256, and importing it writes the rows; a kept file that
    changed since is refused."""
    login("boss")
    client.get("/admin/import")
    page = client.post("/admin/import?lang=en", data={"kind": "customers", "file": _file(BAD),
                                                      "csrf_token": _csrf(client)},
                       content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and 'id="import-errors"' in html and "The same tax code is in row 2." in html
    good = client.post("/admin/import", data={"kind": "customers", "file": _file(CUSTOMERS, "khach.csv"),
                                              "csrf_token": _csrf(client)}, content_type="multipart/form-data")
    digest = hashlib.sha256(CUSTOMERS.encode("utf-8-sig")).hexdigest()
    assert good.status_code == 200 and f'value="{digest}"' in good.get_data(as_text=True)
    done = client.post("/admin/import/run", data={"kind": "customers", "upload": digest, "csrf_token": _csrf(client)})
    assert done.status_code == 302
    assert db.scalar(select(Organisation.name).where(Organisation.tax_code == "0101234567")) == "Công ty Cân Hữu Nghị"
    from lims.web.public_certificates import certificate_context

    folder = certificate_context(app).instance_path / "imports" / digest
    assert not folder.exists()  # discarded once imported
    other = "name,tax_code\r\nCơ sở Mẫu Sơn,0209876543\r\n"
    checked = client.post("/admin/import", data={"kind": "customers", "file": _file(other, "them.csv"),
                                                 "csrf_token": _csrf(client)}, content_type="multipart/form-data")
    assert checked.status_code == 200
    digest = hashlib.sha256(other.encode("utf-8-sig")).hexdigest()
    folder = certificate_context(app).instance_path / "imports" / digest
    (folder / "file").write_bytes(b"name\r\nSomeone else\r\n")
    changed = client.post("/admin/import/run?lang=en", data={"kind": "customers", "upload": digest,
                                                              "csrf_token": _csrf(client)})
    assert changed.status_code == 422 and "changed since it was checked" in changed.get_data(as_text=True)


def _csrf(client) -> str:
    html = client.get("/admin/import").get_data(as_text=True)
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_templates_and_exports_over_the_api(client, admin, catalogue):
    tpl = client.get("/api/v1/imports/instruments/template.csv", headers={**admin, "Accept-Language": "en"})
    lines = tpl.get_data().decode("utf-8-sig").splitlines()
    assert lines[0].startswith("owner,type_code,serial_number,manufacturer,model,range_min,range_max")
    assert lines[1].startswith("Owner (tax code or name) *,Instrument type (code) *,Serial number *")
    client.post("/api/v1/imports/customers", headers=admin, data={"file": _file(CUSTOMERS)})
    out = client.get("/api/v1/exports/customers.csv", headers=admin)
    assert out.status_code == 200 and out.mimetype == "text/csv"
    assert out.get_data().decode("utf-8-sig").splitlines()[2] == "Công ty Cân Hữu Nghị,0101234567,,,"
    assert client.get("/api/v1/exports/customers.xlsx", headers=admin).get_data()[:2] == b"PK"


def test_an_imported_certificate_is_found_by_number_and_stamp_with_its_pdf_hash(client, admin, catalogue, db, login):
    """Imported with its PDF in a ZIP: /v/lookup finds it (status only, marked imported, the PDF's
    SHA-256 there for the drop zone); the API by number says origin imported and no record."""
    client.post("/api/v1/imports/customers", headers=admin, data={"file": _file(CUSTOMERS)})
    client.post("/api/v1/imports/instruments", headers=admin, data={"file": _file(
        "owner,type_code,serial_number,range_max,range_unit\r\n0101234567,NAWI,SN-1,60,kg\r\n")})
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("certificates.csv", (
            "number,kind,owner,serial_number,issue_date,valid_until,verdict,stamp_number\r\n"
            "KĐ-2024/0815,verification,0101234567,SN-1,15/03/2024,14/03/2025,pass,T24-0012345\r\n").encode())
        archive.writestr("KĐ-2024_0815.pdf", PDF)
    resp = client.post("/api/v1/imports/certificates", headers=admin,
                       data={"file": (io.BytesIO(bundle.getvalue()), "lich-su.zip")})
    assert resp.status_code == 200 and resp.get_json()["imported"] == 1, resp.get_json()
    found = client.get("/v/lookup", query_string={"number": "KĐ-2024/0815", "stamp": "T24-0012345"},
                       headers={"Accept": "application/json"}).get_json()
    assert found["number"] == "KĐ-2024/0815" and found["status"] == "expired" and found["imported"] is True
    assert found["pdf_sha256"] == hashlib.sha256(PDF).hexdigest() and "owner" not in found
    assert found["instrument"]["serial_number"] == "SN-1"
    page = client.get("/v/lookup", query_string={"number": "KĐ-2024/0815", "stamp": "T24-0012345", "lang": "en"})
    html = page.get_data(as_text=True)
    assert "Imported from the lab&#39;s earlier records" in html and 'id="pdf-check"' in html
    api = client.get("/api/v1/certificates/by-number/KĐ-2024/0815", headers=admin).get_json()
    assert (api["origin"], api["record_id"], api["record_number"]) == ("imported", None, None)
    assert api["pdf_sha256"] == hashlib.sha256(PDF).hexdigest()
    cert = db.scalar(select(Certificate))
    # the status-only page its API verify_url opens (the stamp's scope) keeps the PDF's hash too
    from lims.services import certificates as certs
    from lims.web.public_certificates import certificate_context

    ctx = certificate_context(client.application)
    assert api["verify_url"] == certs.status_url(cert, ctx)
    token = api["verify_url"].rsplit("/", 1)[1]
    seen = certs.public_view(db, certs.genuine_certificate_id(token, ctx)).for_scope("status", ctx).as_json("")
    assert seen["imported"] is True and seen["pdf_sha256"] == hashlib.sha256(PDF).hexdigest() and "owner" not in seen
    assert client.get(f"/api/v1/certificates/{cert.id}/pdf", headers=admin).get_data() == PDF
    assert client.get(f"/api/v1/certificates/{cert.id}/dcc", headers=admin).status_code == 404
    login("boss")
    detail = client.get(f"/certificates/{cert.id}?lang=en").get_data(as_text=True)
    assert 'data-origin="imported"' in detail and "DCC XML" not in detail
    for path in ("/certificates", f"/admin/instruments/{cert.instrument_id}", "/recall", "/office"):
        assert client.get(path).status_code == 200, path
    listed = client.get("/api/v1/certificates", headers=admin).get_json()
    assert [(c["number"], c["origin"]) for c in listed["items"]] == [("KĐ-2024/0815", "imported")]
    whole = client.get("/admin/export/all.csv")
    assert whole.status_code == 200 and whole.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(whole.get_data())) as archive:
        # PDFs are named as the instance folder keeps them (ASCII: Đ becomes _), and the column says which
        assert sorted(archive.namelist()) == ["K_-2024_0815.pdf", "certificates.csv", "customers.csv",
                                              "instruments.csv", "standards.csv"]
        assert archive.read("K_-2024_0815.pdf") == PDF
        rows = archive.read("certificates.csv").decode("utf-8-sig").splitlines()
    assert rows[2] == ("KĐ-2024/0815,verification,0101234567,SN-1,2024-03-15,2025-03-14,pass,T24-0012345,"
                       "K_-2024_0815.pdf")
