"""The public check page: the QR code on the PDF opens it; valid, revoked, superseded, forged; rate limits.

The page reads a certificate on connections of its own (``lims.web.public_certificates``), so the
tests that open a genuine token are marked ``committed``.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlsplit

import pytest

from certificates import tokens
from lims.services import certificates as certs
from tests.helpers import qr_urls


def path_of(url: str) -> str:
    return urlsplit(url).path


@pytest.mark.committed
def test_the_qr_code_on_the_pdf_opens_the_public_page_showing_valid(issued, client):
    pdf = (issued.ctx.instance_path / issued.cert.pdf_path).read_bytes()
    urls = qr_urls(pdf)
    assert urls == [certs.verify_url(issued.cert)]
    resp = client.get(path_of(urls[0]))  # anonymous
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'data-status="valid"' in page
    assert "Còn hiệu lực" in page and issued.cert.number in page and issued.cert.pdf_sha256 in page
    assert "MT-0001" in page and "Công ty TNHH Cân Đo Hải Đăng" in page and issued.cert.stamp_number in page
    assert 'name="viewport"' in page  # readable on a phone
    english = client.get(path_of(urls[0]) + "?lang=en").get_data(as_text=True)
    assert "This is a genuine certificate of this lab and it is in force." in english


def test_the_qr_code_on_the_stamp_label_opens_the_status_only_page(issued, login):
    label = login("reviewer1").get(f"/certificates/{issued.cert.id}/stamp.pdf").data
    assert qr_urls(label, scale=8.0) == [certs.status_url(issued.cert, issued.ctx)]


@pytest.mark.committed
def test_a_revoked_certificate_shows_revoked(issued, client, db):
    certs.revoke_certificate(db, issued.reviewer, issued.cert.id, certs.RevokeCertificate(reason="Chuẩn vượt dung sai"))
    db.commit()
    certs.write_pending(db)
    pdf = (issued.ctx.instance_path / issued.cert.pdf_path).read_bytes()
    page = client.get(path_of(qr_urls(pdf)[0])).get_data(as_text=True)
    assert 'data-status="revoked"' in page and "Đã thu hồi" in page
    assert "Chuẩn vượt dung sai" not in page  # the internal reason stays internal
    data = client.get(path_of(certs.verify_url(issued.cert)), headers={"Accept": "application/json"}).get_json()
    assert data["status"] == "revoked" and data["revoked_at"]


@pytest.mark.committed
def test_a_superseded_certificate_links_to_the_one_that_replaced_it(issued, client, db):
    new = certs.amend_certificate(db, issued.reviewer, issued.cert.id, certs.AmendCertificate(reason="Sửa địa chỉ"),
                                  context=issued.ctx)
    db.commit()
    certs.write_pending(db)
    page = client.get(path_of(certs.verify_url(issued.cert))).get_data(as_text=True)
    assert 'data-status="superseded"' in page and new.number in page
    assert f'href="{path_of(certs.verify_url(new))}"' in page
    newer = client.get(path_of(certs.verify_url(new))).get_data(as_text=True)
    assert 'data-status="valid"' in newer and issued.cert.number in newer  # "replaces"


@pytest.mark.committed
def test_json_answer_for_programs(issued, client):
    resp = client.get(path_of(certs.verify_url(issued.cert)), headers={"Accept": "application/json"})
    data = resp.get_json()
    assert resp.status_code == 200 and data["genuine"] is True
    assert {k: data[k] for k in ("number", "kind", "status", "stamp_number", "pdf_sha256")} == {
        "number": issued.cert.number, "kind": "verification", "status": "valid",
        "stamp_number": issued.cert.stamp_number, "pdf_sha256": issued.cert.pdf_sha256}
    assert data["valid_until"] == issued.cert.valid_until.isoformat()
    assert data["instrument"]["serial_number"] == "MT-0001" and data["owner"] == "Công ty TNHH Cân Đo Hải Đăng"


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature altered
    lambda t: t[:6] + ("x" if t[6] != "x" else "y") + t[7:],  # certificate id altered
    lambda t: t[:40],  # truncated
    lambda t: "not-a-token",
    lambda t: "A" * 500,
    lambda t: "%00%ff<script>",
])
def test_a_forged_or_altered_token_is_not_genuine_and_never_a_500(issued, client, mangle):
    token = mangle(certs.verification_token(issued.cert))
    resp = client.get(f"/v/{token}")
    assert resp.status_code == 404
    assert "Đây không phải giấy chứng nhận do đơn vị này cấp." in resp.get_data(as_text=True)
    data = client.get(f"/v/{token}", headers={"Accept": "application/json"}).get_json()
    assert data["detail"] == {"genuine": False}


def test_a_token_signed_by_another_key_is_refused(issued, client, tmp_path):
    from certificates.keystore import KeyStore

    stranger = tokens.sign_token(issued.cert.id, KeyStore.in_directory(tmp_path / "elsewhere"))
    resp = client.get(f"/v/{stranger}?lang=en")
    assert resp.status_code == 404 and "This is not a genuine certificate of this lab." in resp.get_data(as_text=True)


def test_published_keys_verify_tokens_offline_and_hold_no_private_part(issued, client):
    resp = client.get("/v/keys")
    jwks = resp.get_json()
    assert resp.status_code == 200 and all("d" not in k for k in jwks["keys"])
    payload = tokens.verify(certs.verification_token(issued.cert), tokens.PublicKeySet.from_jwks(jwks))
    assert payload.certificate_id == issued.cert.id


def _limited_app(make_app, **config):
    return make_app(secret_key="k", extra={"TESTING": True, "LIMS_VERIFY_RATE_LIMIT": "3 per minute", **config})


@pytest.mark.committed
def test_public_lookups_are_rate_limited_per_client(issued, make_app):
    app = _limited_app(make_app, RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    path = path_of(certs.verify_url(issued.cert))
    codes = [client.get(path).status_code for _ in range(4)]
    other = client.get(path, environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code
    assert codes == [200, 200, 200, 429] and other == 200


def _redis_url() -> tuple[str, subprocess.Popen | None]:
    """The Redis at 127.0.0.1:6379, or a private redis-server on a free port."""
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", 6379)) == 0:
            return "redis://127.0.0.1:6379/0", None
    port = _free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for_port(port)
    return f"redis://127.0.0.1:{port}/0", proc


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen | None = None) -> None:
    for _ in range(300):
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port}")


SERVER = """
import sys
from werkzeug.serving import make_server
from lims.app import create_app
app = create_app(instance_path=sys.argv[2], database_url=sys.argv[1], secret_key="k",
                 extra={"RATELIMIT_STORAGE_URI": sys.argv[3], "RATELIMIT_KEY_PREFIX": sys.argv[4],
                        "LIMS_VERIFY_RATE_LIMIT": "4 per minute"})
make_server("127.0.0.1", int(sys.argv[5]), app, threaded=True).serve_forever()
"""


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.committed
def test_the_limit_is_shared_by_two_app_processes_through_redis(issued, database_url, instance_dir):
    redis_url, redis_proc = _redis_url()
    prefix = f"lims-test-{uuid.uuid4().hex}"
    ports = [_free_port(), _free_port()]
    servers = [subprocess.Popen([sys.executable, "-c", SERVER, database_url, str(instance_dir), redis_url, prefix,
                                 str(port)], stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
               for port in ports]
    try:
        for port, proc in zip(ports, servers, strict=True):
            _wait_for_port(port, proc)
        path = path_of(certs.verify_url(issued.cert))
        a, b = (f"http://127.0.0.1:{port}{path}" for port in ports)
        # 4 per minute in all: two on each process, then both refuse.
        assert [_status(a), _status(b), _status(a), _status(b)] == [200, 200, 200, 200]
        assert (_status(a), _status(b)) == (429, 429)
    finally:
        for proc in servers:
            proc.terminate()
            proc.wait(timeout=10)
            proc.stderr.close()
        if redis_proc is not None:
            redis_proc.terminate()
            redis_proc.wait(timeout=10)


@pytest.mark.committed
def test_a_connection_the_database_dropped_is_replaced_without_an_error(issued, client):
    from lims.web import public_reads

    path = path_of(certs.verify_url(issued.cert))
    assert client.get(path).status_code == 200
    kept = list(public_reads.readers.idle)
    assert kept  # the page keeps its connection between requests
    for conn in kept:  # as after a database restart
        conn.connection.dbapi_connection.close()
    assert client.get(path).status_code == 200
    assert client.get(path).status_code == 200


# ---------------------------------------------------------------- the front door (WSGI, in front of Flask)


def _through_flask_only(app):
    """A test client of the Flask app without the front door of /v/<token>."""
    from werkzeug.test import Client

    from lims.web.front_door import VerificationFrontDoor

    assert isinstance(app.wsgi_app, VerificationFrontDoor)
    return Client(app.wsgi_app.wsgi_app, use_cookies=True)


def _served_by_flask(app):
    """Paths the front door handed to the Flask app, recorded while the test runs."""
    door = app.wsgi_app
    inner, seen = door.wsgi_app, []

    def spy(environ, start_response):
        seen.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    door.wsgi_app = spy
    return seen


def _comparable(resp):
    return resp.status_code, {k: v for k, v in resp.headers.items() if k != "Date"}, resp.get_data(as_text=True)


@pytest.mark.committed
def test_the_front_door_answers_as_the_flask_view_does(issued, app, client, db):
    new = certs.amend_certificate(db, issued.reviewer, issued.cert.id, certs.AmendCertificate(reason="Sửa địa chỉ"),
                                  context=issued.ctx)
    db.commit()
    certs.write_pending(db)
    flask_only = _through_flask_only(app)
    seen = _served_by_flask(app)
    for cert in (issued.cert, new):  # superseded (with the link to the new one), valid
        path = path_of(certs.verify_url(cert))
        for headers in ({}, {"Accept": "application/json"}, {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}):
            assert _comparable(client.get(path, headers=headers)) == _comparable(flask_only.get(path, headers=headers))
    assert seen == []  # all answered in front of Flask
    # English, remembered in the session: the switch goes to Flask, later scans are answered in front.
    path = path_of(certs.verify_url(new))
    assert "Valid" in client.get(path + "?lang=en").get_data(as_text=True)
    flask_only.get(path + "?lang=en")
    assert seen == [path]
    assert _comparable(client.get(path)) == _comparable(flask_only.get(path))
    assert "This is a genuine certificate of this lab and it is in force." in client.get(path).get_data(as_text=True)
    assert seen == [path]


@pytest.mark.committed
def test_the_front_door_reads_the_current_status_at_every_scan(issued, client, db):
    seen = _served_by_flask(client.application)
    path = path_of(certs.verify_url(issued.cert))
    assert 'data-status="valid"' in client.get(path).get_data(as_text=True)
    certs.revoke_certificate(db, issued.reviewer, issued.cert.id, certs.RevokeCertificate(reason="Chuẩn vượt dung sai"))
    db.commit()
    certs.write_pending(db)
    assert 'data-status="revoked"' in client.get(path).get_data(as_text=True)
    assert client.get(path, headers={"Accept": "application/json"}).get_json()["status"] == "revoked"
    assert seen == []


@pytest.mark.committed
def test_what_the_front_door_hands_to_flask_is_counted_once(issued, make_app):
    app = _limited_app(make_app, RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    seen = _served_by_flask(app)
    path = path_of(certs.verify_url(issued.cert))
    forged = path[:-1] + ("A" if path[-1] != "A" else "B")
    first, second, third, fourth = (client.get(p) for p in (path, forged, path, path))
    assert [r.status_code for r in (first, second, third, fourth)] == [200, 404, 200, 429]
    assert [r.headers.get("X-RateLimit-Remaining") for r in (first, second, third)] == ["2", "1", "0"]
    assert "Đây không phải giấy chứng nhận do đơn vị này cấp." in second.get_data(as_text=True)
    assert seen == [forged, path]  # the not-genuine page and the refusal come from Flask
