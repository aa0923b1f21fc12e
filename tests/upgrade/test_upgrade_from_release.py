"""Labs upgrade in place: a database made by an earlier release keeps everything.

The fixtures ``release-0002/``, ``release-0003/`` and ``release-0005/`` were made by ``lims demo
--no-serve`` of the releases whose schema ends at migration 0002, 0003 and 0005, exported by
``make_fixture.py`` (every row, the stored certificate PDFs — and DCC XML files from 0003 — and the
demo signing key; 0005 also its audit key, its chain being keyed already, and rows of what that
release added: a failed sign-in counted, a password changed, an instrument corrected, reminders
mailed). Each test runs over all of them: it loads the release into a new database at its migration — SQLite, or
PostgreSQL when the suite runs there — runs ``lims db upgrade`` as a lab would, and checks that
every record, certificate, stored file and audit event is still there and unchanged, that the
plain SHA-256 audit chain of the release is re-anchored (an ``audit.keyed`` event, keyed with
the instance's new audit key, and a checkpoint) and ``lims audit verify`` passes, that the QR
codes printed on the old certificates still open their public page, and (0002) that the new
columns start as DESIGN.md says (scales get e = d).
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import JSON, Date, DateTime, MetaData, create_engine, select, text
from sqlalchemy.engine import make_url

from lims.cli import main
from lims.migrate import upgrade
from tests.conftest import TEST_DB_URL, build_app, dispose, limiter_restored
from tests.helpers import qr_urls

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Release:
    name: str
    password: str  # the demo users' password when the fixture was made
    certificates: int
    events: int  # audit events
    keyed: bool = False  # its chain is HMAC-keyed already (its audit key is in audit-key/)

    @property
    def folder(self) -> Path:
        return HERE / self.name


RELEASES = [Release("release-0002", "cNnOxbFkdSYG", 5, 97), Release("release-0003", "Rel0003-demo-pw", 5, 104),
            Release("release-0005", "Rel0005-demo-pw", 5, 108, keyed=True)]


@pytest.fixture(params=RELEASES, ids=[r.name for r in RELEASES])
def release(request) -> Release:
    return request.param


def _rows(release: Release) -> dict[str, Any]:
    with gzip.open(release.folder / "rows.json.gz", "rt", encoding="utf-8") as fh:
        return json.load(fh)


@pytest.fixture
def release_database(tmp_path: Path, release: Release):
    """A new database holding the release's rows at its migration."""
    if TEST_DB_URL:
        parsed = make_url(TEST_DB_URL)
        name = f"{parsed.database}_upgrade_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
        server = create_engine(TEST_DB_URL, isolation_level="AUTOCOMMIT")
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = parsed.set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'release.sqlite3'}"
    data = _rows(release)
    upgrade(url, data["revision"])
    engine = create_engine(url)
    _load(engine, data["tables"])
    engine.dispose()
    yield url
    if TEST_DB_URL:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def _value(column: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    return value


def _load(engine: Any, tables: dict[str, Any]) -> None:
    meta = MetaData()
    meta.reflect(engine)
    with engine.begin() as conn:
        for table in meta.sorted_tables:
            if table.name not in tables:
                continue
            if engine.dialect.name == "sqlite":  # reflected JSON columns come back as plain types
                for column in table.columns:
                    if column.name in ("document", "results", "environment", "readings", "source", "spec",
                                       "before", "after"):
                        column.type = JSON()
            cols = tables[table.name]["columns"]
            rows = [{c: _value(table.c[c], v) for c, v in zip(cols, row, strict=True)}
                    for row in tables[table.name]["rows"]]
            if rows:
                conn.execute(table.insert(), rows)
        if engine.dialect.name == "postgresql":
            for table in meta.sorted_tables:
                if "id" in table.c and table.name in tables:
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                      f"COALESCE((SELECT MAX(id) FROM {table.name}), 1))"))


@pytest.fixture
def release_instance(tmp_path: Path, release: Release, monkeypatch) -> Path:
    """The release's instance folder: stored files and its signing key; its audit key when its chain
    is keyed, else none yet (the release had none: the upgrade makes it)."""
    instance = tmp_path / "instance"
    shutil.copytree(release.folder / "files", instance / "certificates")
    shutil.copytree(release.folder / "signing-keys", instance / "signing-keys")
    if release.keyed:
        shutil.copy(release.folder / "audit-key" / "audit.key", instance / "audit.key")
        (instance / "audit.key").chmod(0o600)
    monkeypatch.setenv("LIMS_AUDIT_KEY_FILE", str(instance / "audit.key"))
    monkeypatch.setenv("LIMS_LANGUAGE", "en")
    return instance


#: Columns of the releases that a later migration moved elsewhere (checked on their own).
MOVED = {("standard_calibration", "calibrated_by")}  # 0011: into organisations, linked by lab_id
#: Tables to which a later migration adds rows (0011: the calibration labs).
ADDED_TO = {"organisation"}


def _snapshot(url: str, release: Release) -> dict[str, list[tuple]]:
    """Every row of every table the release had, by column, as the database returns it (the
    release's rows only where an upgrade adds rows: :data:`ADDED_TO`)."""
    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    out = {}
    tables = _rows(release)["tables"]
    with engine.connect() as conn:
        for name, data in tables.items():
            table = meta.tables[name]
            columns = [c for c in data["columns"] if (name, c) not in MOVED]
            query = select(*(table.c[c] for c in columns)).order_by(table.c[columns[0]])
            if name in ADDED_TO:
                query = query.where(table.c.id.in_([row[data["columns"].index("id")] for row in data["rows"]]))
            rows = conn.execute(query).all()
            out[name] = [tuple(json.dumps(v, sort_keys=True, default=str) for v in row) for row in rows]
    engine.dispose()
    return out


def test_db_upgrade_keeps_every_record_certificate_file_and_audit_event_and_keys_the_chain(
        release_database, release_instance, release, monkeypatch):
    monkeypatch.setenv("LIMS_DATABASE_URL", release_database)
    monkeypatch.setenv("LIMS_INSTANCE_PATH", str(release_instance))
    before = _snapshot(release_database, release)
    assert len(before["certificate"]) == release.certificates and len(before["audit_event"]) == release.events

    runner = CliRunner()
    result = runner.invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    n = release.events
    if release.keyed:
        assert "re-anchored" not in result.output
        assert _snapshot(release_database, release) == before  # every row of the release, column by column
        verify = runner.invoke(main, ["audit", "verify"])
        assert verify.exit_code == 0, verify.output
        assert f"events checked: {n}" in verify.output
        _check_calibration_labs(release_database, release)
        return
    assert f"audit chain re-anchored: events up to #{n} were hashed with SHA-256" in result.output
    assert "checkpoint written" in result.output
    key_file = release_instance / "audit.key"
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    after = _snapshot(release_database, release)
    assert after["audit_event"][:n] == before["audit_event"]  # the release's events, unchanged
    assert len(after["audit_event"]) == n + 1  # and the re-anchoring event
    assert {k: v for k, v in after.items() if k != "audit_event"} == \
        {k: v for k, v in before.items() if k != "audit_event"}  # every other row, column by column

    engine = create_engine(release_database)
    with engine.connect() as conn:
        marker = conn.execute(text("SELECT seq, action, entity_type, prev_hash FROM audit_event "
                                   "ORDER BY seq DESC LIMIT 1")).one()
        plain_head = conn.execute(text("SELECT hash FROM audit_event WHERE seq = :s"), {"s": n}).scalar_one()
    engine.dispose()
    assert tuple(marker) == (n + 1, "audit.keyed", "audit", plain_head)

    verify = runner.invoke(main, ["audit", "verify"])
    assert verify.exit_code == 0, verify.output
    assert f"events checked: {n + 1}" in verify.output
    _check_calibration_labs(release_database, release)
    assert f"SHA-256 up to event #{n}, HMAC-SHA256 (keyed) from event #{n + 1}" in verify.output
    assert "checkpoints checked: 1 (0 failed" in verify.output  # the upgrade's checkpoint
    again = runner.invoke(main, ["db", "upgrade"])
    assert again.exit_code == 0 and "re-anchored" not in again.output  # once only

    engine = create_engine(release_database)
    with engine.connect() as conn:
        certs = conn.execute(text("SELECT number, pdf_path, pdf_sha256 FROM certificate ORDER BY id")).all()
        dccs = conn.execute(text("SELECT number, dcc_path, dcc_sha256 FROM certificate WHERE dcc_path IS NOT NULL "
                                 "ORDER BY id")).all()
        scales = conn.execute(text(
            "SELECT i.resolution, i.scale_interval FROM instrument i JOIN instrument_type t ON t.id = i.type_id "
            "WHERE t.quantity = 'mass'")).all()
        others = conn.execute(text(
            "SELECT i.scale_interval FROM instrument i JOIN instrument_type t ON t.id = i.type_id "
            "WHERE t.quantity <> 'mass'")).all()
        data = conn.execute(text("SELECT data FROM standard_calibration")).all()
    engine.dispose()
    for number, pdf_path, sha in certs:
        stored = (release_instance / pdf_path).read_bytes()
        assert hashlib.sha256(stored).hexdigest() == sha, number
    stored_dccs = sorted((release_instance / "certificates").rglob("*.dcc.xml"))
    assert len(dccs) == len(stored_dccs)
    for number, dcc_path, sha in dccs:
        assert hashlib.sha256((release_instance / dcc_path).read_bytes()).hexdigest() == sha, number
    if release.name == "release-0002":
        assert not dccs
        # OIML R76-1 T.3.2.5: scales registered before e existed get e = d; nothing else gets an e.
        assert scales and all(e == d for d, e in scales if d is not None)
        assert others and all(e is None for (e,) in others)
        assert all(json.loads(d) == {} if isinstance(d, str) else d == {} for (d,) in data)
    else:
        assert len(dccs) == release.certificates


def _check_calibration_labs(url: str, release: Release) -> None:
    """Migration 0011: each calibrated_by text of the release is now an organisation, the one each
    of its calibrations links to (lab_id); VMI is a national metrology institute."""
    data = _rows(release)["tables"]["standard_calibration"]
    cols = data["columns"]
    texts = {row[cols.index("id")]: row[cols.index("calibrated_by")].strip() for row in data["rows"]}
    assert texts
    engine = create_engine(url)
    with engine.connect() as conn:
        linked = dict(conn.execute(text("SELECT c.id, o.name FROM standard_calibration c "
                                        "JOIN organisation o ON o.id = c.lab_id")).all())
        kinds = dict(conn.execute(text("SELECT name, kind FROM organisation")).all())
        national = {name for (name,) in conn.execute(text("SELECT name FROM organisation "
                                                          "WHERE national_institute"))}
    engine.dispose()
    assert linked == texts
    assert all(kinds[name] == "calibration_lab" for name in texts.values())  # none of the names existed
    assert {name for name in texts.values() if "VMI" in name} <= national


def test_qr_codes_printed_by_the_release_still_open_their_certificate(release_database, release_instance,
                                                                       monkeypatch):
    monkeypatch.setenv("LIMS_DATABASE_URL", release_database)
    monkeypatch.setenv("LIMS_INSTANCE_PATH", str(release_instance))
    assert CliRunner().invoke(main, ["db", "upgrade"]).exit_code == 0
    with limiter_restored():
        app = build_app(release_database, release_instance)
        try:
            client = app.test_client()
            for pdf in sorted((release_instance / "certificates").rglob("*.pdf")):
                (url,) = qr_urls(pdf.read_bytes())
                path = "/" + url.split("/", 3)[3]
                page = client.get(path, headers={"Accept": "application/json"})
                assert page.status_code == 200, (pdf.name, page.status_code)
                body = page.get_json()
                assert body["number"] == pdf.stem
                assert body["pdf_sha256"] == hashlib.sha256(pdf.read_bytes()).hexdigest()
        finally:
            dispose(app)


def test_the_release_records_and_certificates_open_after_the_upgrade(release_database, release_instance,
                                                                      release, monkeypatch):
    """Every record and certificate of the release opens as a page and through the API, and the
    records made with the release's procedures still show their stored results."""
    monkeypatch.setenv("LIMS_DATABASE_URL", release_database)
    monkeypatch.setenv("LIMS_INSTANCE_PATH", str(release_instance))
    assert CliRunner().invoke(main, ["db", "upgrade"]).exit_code == 0
    # The lab loads this release's procedures: the R76 procedure becomes a new version (the old
    # records keep theirs); the spring dial scale procedure waits for its instrument type.
    loaded = CliRunner().invoke(main, ["procedures", "load"])
    assert loaded.exit_code == 0, loaded.output
    if release.name == "release-0002":
        assert "QTKĐ-CKTĐ-R76 v2: new version" in loaded.output
        assert "QTKĐ-CĐHLX: skipped, no instrument type CAN-DHLX" in loaded.output
    tables = _rows(release)["tables"]
    with limiter_restored():
        app = build_app(release_database, release_instance)
        try:
            client = app.test_client()
            resp = client.post("/login", data={"username": "admin", "password": release.password})
            assert resp.status_code == 302
            for (record_id, *_rest) in tables["record"]["rows"]:
                for path in (f"/records/{record_id}", f"/api/v1/records/{record_id}"):
                    assert client.get(path).status_code == 200, path
            for (certificate_id, *_rest) in tables["certificate"]["rows"]:
                for path in (f"/certificates/{certificate_id}", f"/api/v1/certificates/{certificate_id}"):
                    assert client.get(path).status_code == 200, path
                pdf = client.get(f"/certificates/{certificate_id}/pdf?original=1")
                assert pdf.status_code == 200
                cert_row = dict(zip(tables["certificate"]["columns"],
                                    tables["certificate"]["rows"][certificate_id - 1], strict=True))
                assert hashlib.sha256(pdf.data).hexdigest() == cert_row["pdf_sha256"]
        finally:
            dispose(app)


def test_the_upgrade_fills_the_office_summaries_as_the_services_would(release_database, release_instance,
                                                                      release, monkeypatch):
    """Migration 0009 fills the office dashboard's summaries from the release's records and
    certificates: the same rows as recomputing them (``office_summary.rebuild``), not empty."""
    from sqlalchemy.orm import Session

    from lims.services import office_summary
    from tests.services.test_office_summary import _summaries

    monkeypatch.setenv("LIMS_DATABASE_URL", release_database)
    monkeypatch.setenv("LIMS_INSTANCE_PATH", str(release_instance))
    assert CliRunner().invoke(main, ["db", "upgrade"]).exit_code == 0
    engine = create_engine(release_database)
    try:
        with Session(engine) as session:
            filled = _summaries(session)
            assert filled["day"] and filled["spans"]
            office_summary.rebuild(session)
            assert _summaries(session) == filled
            session.rollback()
    finally:
        engine.dispose()


def test_search_finds_the_release_rows_after_the_upgrade(release_database, release_instance, release, monkeypatch):
    """Migration 0007 fills the search text of the release's rows: each business's instruments are
    found by its name typed without diacritics (API total = its instruments in the release), each
    certificate by its number in lower case, each record by its number."""
    from lims.text_search import fold

    monkeypatch.setenv("LIMS_DATABASE_URL", release_database)
    monkeypatch.setenv("LIMS_INSTANCE_PATH", str(release_instance))
    assert CliRunner().invoke(main, ["db", "upgrade"]).exit_code == 0
    tables = _rows(release)["tables"]

    def rows(name: str) -> list[dict[str, Any]]:
        return [dict(zip(tables[name]["columns"], row, strict=True)) for row in tables[name]["rows"]]

    owned: dict[int, int] = {}
    for inst in rows("instrument"):
        owned[inst["owner_id"]] = owned.get(inst["owner_id"], 0) + 1
    names = {o["id"]: o["name"] for o in rows("organisation")}
    with limiter_restored():
        app = build_app(release_database, release_instance)
        try:
            client = app.test_client()
            assert client.post("/login", data={"username": "admin", "password": release.password}).status_code == 302
            checked = 0
            for owner_id, count in owned.items():
                name = fold(names[owner_id])
                if sum(fold(n) == name or name in fold(n) for n in names.values()) > 1:
                    continue  # a name within another's: the count would mix them
                resp = client.get("/api/v1/instruments", query_string={"q": name, "limit": 1000})
                assert resp.status_code == 200
                assert resp.headers["X-Total-Count"] == str(count), names[owner_id]
                assert {i["owner_id"] for i in resp.get_json()} == {owner_id}
                checked += 1
            assert checked >= 1
            for cert in rows("certificate"):
                resp = client.get("/api/v1/certificates", query_string={"q": cert["number"].lower()})
                assert cert["number"] in [c["number"] for c in resp.get_json()["items"]]
            for rec in rows("record"):
                resp = client.get("/api/v1/records", query_string={"q": rec["number"]})
                assert [r["number"] for r in resp.get_json()] == [rec["number"]]
        finally:
            dispose(app)
