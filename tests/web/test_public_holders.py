"""The public check page beyond the status: the holder's PDF, the stamp's status-only token, the
in-browser file check's data, the lookup by certificate and stamp numbers, the not-genuine page.

Pages of genuine tokens are read on connections of their own, so those tests are ``committed``.
"""
from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

import pytest

from certificates import tokens
from lims.models import Certificate
from lims.services import certificates as certs

OWNER = "Công ty TNHH Cân Đo Hải Đăng"


def path_of(url: str) -> str:
    return urlsplit(url).path


def _counts(db) -> tuple[int, int]:
    return db.query(Certificate).count(), db.query(Certificate).filter(Certificate.status == "valid").count()


# ---------------------------------------------------------------- the token's scope


def test_a_status_token_says_so_and_cannot_be_turned_into_a_full_one(issued):
    ctx = issued.ctx
    status = certs.status_token(issued.cert, ctx)
    assert tokens.verify(status, ctx.keystore).scope == "status"
    assert tokens.verify(certs.verification_token(issued.cert), ctx.keystore).scope == "full"
    raw = bytearray(tokens.b64url_decode(status))
    raw[0] = tokens.FORMAT_INT  # the scope byte is signed: flipping it breaks the signature
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(tokens.b64url_encode(bytes(raw)), ctx.keystore)
    assert certs.status_token(issued.cert, ctx) == status  # the same sticker QR every time
    with pytest.raises(ValueError):
        tokens.sign_token(1, ctx.keystore, scope="owner")


# ---------------------------------------------------------------- the PDF for the QR holder


@pytest.mark.committed
@pytest.mark.parametrize("lang, button", [("vi", "Tải giấy chứng nhận (PDF)"),
                                          ("en", "Download the certificate (PDF)")])
def test_the_certificate_qr_page_offers_the_pdf_which_is_the_issued_file(issued, client, lang, button):
    path = path_of(certs.verify_url(issued.cert))
    page = client.get(f"{path}?lang={lang}").get_data(as_text=True)
    assert button in page and f'href="{path}/pdf"' in page
    assert OWNER in page and issued.cert.pdf_sha256 in page  # the hash stays visible for experts
    assert 'id="pdf-check"' in page and f'data-sha256="{issued.cert.pdf_sha256}"' in page
    assert '<script src="/static/verify.js" defer></script>' in page and "sha256sum" not in page
    resp = client.get(f"{path}/pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert hashlib.sha256(resp.data).hexdigest() == issued.cert.pdf_sha256
    assert resp.headers["Cache-Control"] == "no-store"


@pytest.mark.committed
def test_the_front_door_page_and_the_flask_page_offer_the_same_pdf_link(issued, client):
    path = path_of(certs.verify_url(issued.cert))
    in_front = client.get(path).get_data(as_text=True)  # answered before Flask
    switched = client.get(path + "?lang=vi").get_data(as_text=True)  # answered by the Flask view
    assert f'href="{path}/pdf"' in in_front and f'href="{path}/pdf"' in switched


@pytest.mark.committed
def test_a_revoked_certificate_pdf_is_given_marked_revoked(issued, client, db):
    certs.revoke_certificate(db, issued.reviewer, issued.cert.id, certs.RevokeCertificate(reason="Chuẩn vượt dung sai"))
    db.commit()
    path = path_of(certs.verify_url(issued.cert))
    assert 'data-status="revoked"' in client.get(path).get_data(as_text=True)
    resp = client.get(f"{path}/pdf")
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")
    assert hashlib.sha256(resp.data).hexdigest() != issued.cert.pdf_sha256  # drawn again, marked; not the issued bytes


@pytest.mark.parametrize("forge", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
    lambda t: "not-a-token",
])
def test_a_forged_token_gets_no_pdf(issued, client, forge):
    resp = client.get(f"/v/{forge(certs.verification_token(issued.cert))}/pdf")
    assert resp.status_code == 404 and not resp.data.startswith(b"%PDF")
    assert "Đây không phải giấy chứng nhận do đơn vị này cấp." in resp.get_data(as_text=True)


# ---------------------------------------------------------------- the stamp's status-only token


@pytest.mark.committed
@pytest.mark.parametrize("lang, valid", [("vi", "Còn hiệu lực"), ("en", "Valid")])
def test_the_stamp_qr_shows_validity_without_pdf_or_owner(issued, client, lang, valid):
    label = client.application.test_client()  # anonymous; the label itself needs a signed-in reviewer
    path = path_of(certs.status_url(issued.cert, issued.ctx))
    for query in ("", f"?lang={lang}"):  # the front door and the Flask view
        page = label.get(path + query).get_data(as_text=True)
        assert 'data-status="valid"' in page and issued.cert.number in page and "MT-0001" in page
        assert issued.cert.stamp_number in page
        assert OWNER not in page and "/pdf" not in page and 'id="pdf-check"' not in page
        assert issued.cert.pdf_sha256 not in page and "verify.js" not in page
    assert valid in page
    assert client.get(f"{path}/pdf").status_code == 404
    data = client.get(path, headers={"Accept": "application/json"}).get_json()
    assert data["scope"] == "status" and data["status"] == "valid" and data["instrument"]["serial_number"] == "MT-0001"
    assert "owner" not in data and "pdf_sha256" not in data and OWNER not in str(data)


def test_the_api_offers_the_status_url(issued, login):
    client = login("reviewer1")
    data = client.get(f"/api/v1/certificates/{issued.cert.id}").get_json()
    assert data["status_url"] == certs.status_url(issued.cert, issued.ctx)
    assert data["verify_url"] == certs.verify_url(issued.cert)
    assert tokens.verify(data["status_url"].rsplit("/", 1)[1], issued.ctx.keystore).scope == "status"


@pytest.mark.committed
def test_a_superseded_certificate_seen_by_its_stamp_links_to_the_new_one_status_only(issued, client, db):
    new = certs.amend_certificate(db, issued.reviewer, issued.cert.id, certs.AmendCertificate(reason="Sửa địa chỉ"),
                                  context=issued.ctx)
    db.commit()
    certs.write_pending(db)
    page = client.get(path_of(certs.status_url(issued.cert, issued.ctx))).get_data(as_text=True)
    assert 'data-status="superseded"' in page and new.number in page
    assert f'href="{path_of(certs.status_url(new, issued.ctx))}"' in page
    assert path_of(certs.verify_url(new)) not in page  # never the full token of the new one


# ---------------------------------------------------------------- the lookup by numbers


@pytest.mark.committed
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_lookup_by_numbers_answers_the_status_only_page(issued, client, lang):
    form = client.get(f"/v/lookup?lang={lang}")
    text = form.get_data(as_text=True)
    assert form.status_code == 200 and 'name="number"' in text and 'name="stamp"' in text
    assert 'href="?lang=vi"' in text  # the empty form's language switch asks nothing
    assert ("Tra cứu giấy chứng nhận theo số" if lang == "vi" else "Look a certificate up by its numbers") in text
    resp = client.get("/v/lookup", query_string={"number": f" {issued.cert.number.lower()} ",
                                                 "stamp": issued.cert.stamp_number})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'data-status="valid"' in page and issued.cert.number in page
    assert OWNER not in page and "/pdf" not in page and issued.cert.pdf_sha256 not in page
    assert 'href="?number=' in page and "&amp;lang=en" in page  # the language switch keeps the lookup
    other = "en" if lang == "vi" else "vi"
    switched = client.get("/v/lookup", query_string={"number": issued.cert.number,
                                                     "stamp": issued.cert.stamp_number, "lang": other})
    assert switched.status_code == 200 and f'<html lang="{other}">' in switched.get_data(as_text=True)


@pytest.mark.parametrize("number, stamp", [
    ("right", "T00-0000000"),  # the stamp number is wrong
    ("2000-KD-000000", "right"),  # the certificate number is wrong
    ("x" * 65, "right"),
])
def test_a_lookup_miss_says_not_found_without_saying_which_number_was_wrong(issued, client, db, number, stamp):
    number = issued.cert.number if number == "right" else number
    stamp = issued.cert.stamp_number if stamp == "right" else stamp
    before = _counts(db)
    resp = client.get("/v/lookup", query_string={"number": number, "stamp": stamp, "lang": "en"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 404 and 'data-status="not-found"' in page
    assert "No certificate of this lab has this number and this stamp number." in page
    # the page never completes what was typed: the right other number is nowhere
    assert (issued.cert.stamp_number if number == issued.cert.number else issued.cert.number) not in page
    assert 'data-status="valid"' not in page
    data = client.get("/v/lookup", query_string={"number": number, "stamp": stamp, "lang": "vi"},
                      headers={"Accept": "application/json"}).get_json()
    assert data == {"error": "Không có giấy chứng nhận nào của đơn vị này mang số giấy chứng nhận và số tem này.",
                    "detail": {"found": False}}
    assert _counts(db) == before  # changes nothing


def test_a_lookup_needs_both_numbers(issued, client, db):
    before = _counts(db)
    resp = client.get("/v/lookup", query_string={"number": issued.cert.number, "stamp": "  "})
    assert resp.status_code == 422 and "Hãy nhập cả số giấy chứng nhận và số tem." in resp.get_data(as_text=True)
    assert _counts(db) == before


def test_lookups_are_rate_limited_like_the_qr_page(issued, make_app):
    app = make_app(secret_key="k", extra={"TESTING": True, "LIMS_VERIFY_RATE_LIMIT": "3 per minute",
                                          "RATELIMIT_STORAGE_URI": "memory://"})
    client = app.test_client()
    ask = {"number": "2000-KD-000000", "stamp": "T00-0000000"}
    codes = [client.get("/v/lookup", query_string=ask).status_code for _ in range(4)]
    other = client.get("/v/lookup", query_string=ask, environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code
    assert codes == [404, 404, 404, 429] and other == 404
    assert client.get("/v/lookup").status_code == 200  # the empty form is not counted


# ---------------------------------------------------------------- the not-genuine page


@pytest.mark.parametrize("lang, title", [("vi", "Không phải giấy chứng nhận thật"),
                                         ("en", "Not a genuine certificate")])
def test_the_not_genuine_page_has_the_check_page_design_and_the_lookup(issued, client, lang, title):
    resp = client.get(f"/v/not-a-token?lang={lang}")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 404 and title in page
    assert '<link rel="stylesheet" href="/static/verify.css">' in page and 'class="verdict-banner bad"' in page
    assert 'data-status="not-genuine"' in page and 'action="/v/lookup"' in page and f'lang="{lang}"' in page
