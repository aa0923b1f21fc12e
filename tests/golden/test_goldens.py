"""Golden files: what the demo shows its users, pinned so that a refactor can prove it changed nothing.

The demo (``seed_demo``) is built once; then every certificate's JSON, DCC and PDF text, the
API answers and the pages people open (Vietnamese and English) are written as text with the
parts that change from run to run (dates, times, years, tokens, hashes, CSRF tokens) replaced
by placeholders, and compared with ``tests/golden/files/``. A difference is shown as a diff.

After a deliberate change of output, rewrite the files with ``LIMS_UPDATE_GOLDENS=1 pytest
tests/golden`` and read the diff before committing it (MSLNZ/GTC keeps its results the same way).
"""
from __future__ import annotations

import difflib
import json
import os
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.helpers import pdf_text

GOLDEN = Path(__file__).parent / "files"
UPDATE = os.environ.get("LIMS_UPDATE_GOLDENS") == "1"
PASSWORD = "demo-password-1"

_PATTERNS = [
    (re.compile(r'name="csrf_token"[^>]*value="[^"]*"|value="[^"]*"[^>]*name="csrf_token"'),
     'name="csrf_token" value="<CSRF>"'),
    (re.compile(r'"csrf_token":\s*"[^"]*"'), '"csrf_token": "<CSRF>"'),
    (re.compile(r'<meta name="csrf-token" content="[^"]*"'), '<meta name="csrf-token" content="<CSRF>"'),
    (re.compile(r'(Signing key(?: of the QR token)?|Khóa ký(?: của mã QR)?)</dt><dd class="hash">[^<]*'),
     r'\1</dt><dd class="hash"><KEYID>'),
    (re.compile(r'<path d="M[^"]*" id="qr-path"'), '<path d="<QR>" id="qr-path"'),
    (re.compile(r'<rect [^>]*class="qr[^>]*>'), '<QR-RECT>'),
    (re.compile(r"/v/(?!keys)[A-Za-z0-9_\-]{40,}"), "/v/<TOKEN>"),
    (re.compile(r"\b[0-9a-f]{64}\b"), "<SHA256>"),
    (re.compile(r"\b[0-9a-f]{32}\b"), "<HEX32>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"), "<DATETIME>"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}\b"), "<DATE>"),
    (re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b"), "<DATE>"),
    (re.compile(r"\b\d{1,2}\.\d{1,2}\.\d{4}\b"), "<DATE>"),
    (re.compile(r"ngày \d{1,2} tháng \d{1,2} năm"), "ngày <D> tháng <M> năm"),  # the signature's date line
    (re.compile(r"\b\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) "
                r"(?=\d{4})"), "<D> <MONTH> "),
    (re.compile(r"\b\d{2}:\d{2}(:\d{2})?\b"), "<TIME>"),
    (re.compile(r"\b20\d\d\b"), "<YEAR>"),
    (re.compile(r"(uuid|UUID)[^<>\"]{0,20}[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<UUID>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<UUID>"),
    (re.compile(r"\b\d+ (ngày|days?)\b"), "<N> days"),
    (re.compile(r"(key[_ ]?id[\"']?[:=]\s*[\"']?)[A-Za-z0-9_\-]+"), r"\1<KEYID>"),
    (re.compile(r"[A-Za-z0-9+/]{60,}={0,2}"), "<BASE64>"),
]


def normalise(text: str) -> str:
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def _json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)


def _collect(app, db) -> dict[str, str]:  # noqa: C901 - one list of what is pinned
    from lims.models import Certificate, Record, ServiceRequest
    from lims.services import certificates as certs
    from lims.web.public_certificates import certificate_context

    out: dict[str, str] = {}
    ctx = certificate_context(app)
    cert_rows = db.scalars(select(Certificate).order_by(Certificate.id)).all()
    for cert in cert_rows:
        name = f"certificate-{cert.id}"
        out[f"{name}.json"] = _json(certs.json_export(cert))
        out[f"{name}.dcc.xml"] = certs.dcc_export(cert, ctx).decode()
        out[f"{name}.pdf.txt"] = pdf_text((ctx.instance_path / cert.pdf_path).read_bytes())
    record_ids = list(db.scalars(select(Record.id).order_by(Record.id)))
    request_ids = list(db.scalars(select(ServiceRequest.id).order_by(ServiceRequest.id)))
    tokens = {c.id: certs.verification_token(c) for c in cert_rows}
    cert_ids = [c.id for c in cert_rows]

    client = app.test_client()

    def login(username: str) -> None:
        client.post("/logout")
        resp = client.post("/login", data={"username": username, "password": PASSWORD})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:300]

    def get(path: str, key: str) -> None:
        resp = client.get(path)
        body = resp.get_data(as_text=True) if resp.mimetype.startswith(("text", "application/json", "image/svg")) \
            else f"<{resp.mimetype}, {len(resp.data) > 0}>"
        if resp.mimetype == "application/json":
            body = _json(resp.get_json())
        out[key] = f"{resp.status_code} {resp.mimetype}\n{body}"

    pages = ["/", "/dashboard", "/requests", "/records", "/certificates", "/recall", "/standards",
             "/workstation", "/requests/new"]
    pages += [f"/records/{i}" for i in record_ids] + [f"/requests/{i}" for i in request_ids]
    pages += [f"/certificates/{i}" for i in cert_ids] + [f"/records/{i}/chart.svg" for i in record_ids]
    pages += [f"/admin/{key}" for key in ("organisations", "instrument-types", "instruments", "standards", "users")]
    pages += [f"/standards/{i}/impact" for i in (1, 2, 3)]
    pages += ["/admin/organisations/2", "/admin/instrument-types/1", "/admin/standards/1", "/admin/users/2",
              "/admin/organisations/2/edit"]  # one catalogue entry's page of each kind, and a correction form
    api = ["/api/v1/records", "/api/v1/certificates", "/api/v1/service-requests", "/api/v1/instruments",
           "/api/v1/organisations", "/api/v1/instrument-types", "/api/v1/procedures", "/api/v1/users",
           "/api/v1/reference-standards", "/api/v1/recall", "/api/v1/recall/by-business", "/api/v1/me",
           "/api/v1/reference-standards/1/impact"]
    api += [f"/api/v1/records/{i}" for i in record_ids] + [f"/api/v1/records/{i}/standards" for i in record_ids]
    api += [f"/api/v1/certificates/{i}" for i in cert_ids] + [f"/api/v1/certificates/{i}/document" for i in cert_ids]
    api += [f"/api/v1/service-requests/{i}" for i in request_ids]

    login("admin")
    for lang in ("vi", "en"):
        for path in pages:
            sep = "&" if "?" in path else "?"
            get(f"{path}{sep}lang={lang}", f"page-admin-{lang}{path.replace('/', '_')}.txt")
    for path in api:
        get(path, f"api-admin{path.replace('/', '_')}.txt")
    login("dn.huunghi")
    for path in ["/", "/dashboard", "/requests", "/certificates", "/recall", "/requests/new"]:
        get(f"{path}?lang=en", f"page-business-en{path.replace('/', '_')}.txt")
    for path in ["/api/v1/records", "/api/v1/certificates", "/api/v1/service-requests", "/api/v1/instruments",
                 "/api/v1/me"]:
        get(path, f"api-business{path.replace('/', '_')}.txt")
    client.post("/logout")
    for cid, token in tokens.items():
        for lang in ("vi", "en"):
            get(f"/v/{token}?lang={lang}", f"public-{cid}-{lang}.txt")
        resp = client.get(f"/v/{token}", headers={"Accept": "application/json"})
        out[f"public-{cid}.json"] = f"{resp.status_code}\n{_json(resp.get_json())}"
    return out


@pytest.fixture
def demo(app, db):
    from lims.services import certificates as certs
    from lims.services.demo import seed_demo
    from lims.web.public_certificates import certificate_context

    with certs.use_context(certificate_context(app)):
        seed_demo(db, PASSWORD)
        db.commit()
    return db


@pytest.mark.committed  # ids counted from 1 in the pinned files; public pages read on connections of their own
def test_the_demo_reads_as_pinned_in_the_golden_files(app, demo):
    """Every certificate (JSON, DCC, PDF text), API answer and page of the demo, as pinned."""
    found = {name: normalise(text) for name, text in _collect(app, demo).items()}
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        for old in GOLDEN.glob("*"):
            old.unlink()
        for name, text in found.items():
            (GOLDEN / name).write_text(text, encoding="utf-8")
        return
    pinned = {p.name: p.read_text(encoding="utf-8") for p in GOLDEN.glob("*")}
    assert sorted(found) == sorted(pinned), "the set of pinned outputs changed"
    diffs = []
    for name in sorted(found):
        if found[name] != pinned[name]:
            diffs.append("".join(difflib.unified_diff(pinned[name].splitlines(True), found[name].splitlines(True),
                                                      f"golden/{name}", f"now/{name}", n=1)))
    assert not diffs, "\n".join(diffs)[:20000]
