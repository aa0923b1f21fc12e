"""`lims backup FILE` and `lims restore FILE [--force]`.

The demo is seeded once per engine (``lims demo --no-serve``), backed up, and restored into an
EMPTY database and an EMPTY instance folder to which only the signing key was copied, as an
operator supplies it: every row is equal, ``lims audit verify`` passes, every certificate's
stored PDF and DCC matches its row, the QR code printed on each PDF still opens its public
check page as genuine. With PostgreSQL available the same runs SQLite → PostgreSQL and back.
Refusals (a non-empty database, a damaged archive) change nothing; private keys are in the
archive only when asked for. These tests use databases of their own (no shared test data).
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import stat
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from lims.services import search
from lims.services.policy import SYSTEM
from tests.cli.backup_support import ENGINES, Databases, Site, files_under, rows, seed_demo, tables_empty
from tests.conftest import build_app, dispose, limiter_restored
from tests.helpers import qr_urls

PAIRS = [(s, t) for s in ENGINES for t in ENGINES if len(ENGINES) == 1 or (s, t) != ("sqlite", "sqlite")]


@pytest.fixture(scope="module")
def module_databases(tmp_path_factory) -> Iterator[Databases]:
    made = Databases(tmp_path_factory.mktemp("backup-dbs"))
    yield made
    made.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory, module_databases) -> Callable[[str], Site]:
    """The demo site on an engine, seeded on first use, once per module and worker."""
    sites: dict[str, Site] = {}

    def site(engine: str) -> Site:
        if engine not in sites:
            sites[engine] = Site(module_databases.new(engine, f"demo_{engine[:2]}"),
                                 tmp_path_factory.mktemp(f"demo-{engine}") / "instance")
            seed_demo(sites[engine])
        return sites[engine]

    return site


@pytest.fixture
def dbs(tmp_path) -> Iterator[Databases]:
    made = Databases(tmp_path)
    yield made
    made.close()


def empty_site(dbs: Databases, tmp_path: Path, engine: str, source: Site, label: str = "target") -> Site:
    """An empty database and an instance folder holding only the source's keys (signing key, and
    the audit key where the chain has one), as the operator supplies them."""
    instance = tmp_path / label / "instance"
    shutil.copytree(source.instance / "signing-keys", instance / "signing-keys")
    if (source.instance / "audit.key").exists():
        shutil.copy2(source.instance / "audit.key", instance / "audit.key")
    return Site(dbs.new(engine, label), instance)


def backup(site: Site, target: Path, *args: str) -> dict:
    result = site.lims("backup", str(target), *args)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(target) as zf:
        return json.loads(zf.read("manifest.json"))


def without_restore_event(data: dict, head: int) -> dict:
    """The rows, the audit events after the archive's head (the restore's own) left out."""
    seq = None
    out = dict(data)
    events = []
    for row in data["audit_event"]:
        seq = json.loads(row[1])
        if seq <= head:
            events.append(row)
    out["audit_event"] = events
    return out


def _sql_nulls(url: str) -> tuple[int, int]:
    """Record points whose ``source`` is SQL NULL, and those whose ``source`` is JSON ``null``."""
    engine = create_engine(url)
    with engine.connect() as conn:
        sql_null = conn.execute(text("SELECT count(*) FROM record_point WHERE source IS NULL")).scalar_one()
        json_null = conn.execute(text("SELECT count(*) FROM record_point WHERE CAST(source AS TEXT) = 'null'")
                                 ).scalar_one()
    engine.dispose()
    return sql_null, json_null


def check_certificates(site: Site) -> int:
    """Every certificate's stored PDF and DCC match their row's SHA-256; the PDF's QR opens its
    public check page as genuine. The number of certificates checked."""
    engine = create_engine(site.url)
    with engine.connect() as conn:
        certs = conn.execute(text("SELECT number, pdf_path, pdf_sha256, dcc_path, dcc_sha256 FROM certificate "
                                  "ORDER BY id")).all()
    engine.dispose()
    for number, pdf_path, pdf_sha, dcc_path, dcc_sha in certs:
        assert hashlib.sha256((site.instance / pdf_path).read_bytes()).hexdigest() == pdf_sha, number
        assert hashlib.sha256((site.instance / dcc_path).read_bytes()).hexdigest() == dcc_sha, number
    with limiter_restored():
        app = build_app(site.url, site.instance)
        try:
            client = app.test_client()
            for number, pdf_path, pdf_sha, *_ in certs:
                (url,) = qr_urls((site.instance / pdf_path).read_bytes())
                page = client.get("/" + url.split("/", 3)[3], headers={"Accept": "application/json"})
                assert page.status_code == 200, (number, page.status_code)
                body = page.get_json()
                assert body["genuine"] is True and body["number"] == number and body["pdf_sha256"] == pdf_sha
        finally:
            dispose(app)
    return len(certs)


@pytest.mark.parametrize(("source_engine", "target_engine"), PAIRS)
def test_restore_into_an_empty_database_gives_back_every_row_file_and_qr_check(
        demo, dbs, tmp_path, source_engine, target_engine):
    source = demo(source_engine)
    archive = tmp_path / "lab.backup"
    before = rows(source.url)
    manifest = backup(source, archive)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert manifest["tables"] == {name: len(r) for name, r in before.items()}
    head = manifest["audit"]["head_seq"]
    assert head == len(before["audit_event"]) > 0

    target = empty_site(dbs, tmp_path, target_engine, source)
    result = target.lims("restore", str(archive))
    assert result.exit_code == 0, result.output
    after = rows(target.url)
    assert without_restore_event(after, head) == before  # every row, column by column, ids kept
    assert len(after["audit_event"]) == head + 1

    verify = target.lims("audit", "verify")
    assert verify.exit_code == 0, verify.output
    assert verify.output.splitlines()[0].endswith(f": {head + 1}"), verify.output  # events checked, in vi or en
    engine = create_engine(target.url)
    with engine.connect() as conn:
        action, entity_id, after_json = conn.execute(text(
            "SELECT action, entity_id, after FROM audit_event ORDER BY seq DESC LIMIT 1")).one()
        head_hash = conn.execute(text("SELECT hash FROM audit_event WHERE seq = :s"), {"s": head}).scalar_one()
        # the search text came back with the rows and the search index is built again (SQLite's FTS5
        # tables are not archived): each certificate is found by its number typed in lower case
        numbers = conn.execute(text("SELECT number FROM certificate")).scalars().all()
    with Session(engine) as session:
        for number in numbers:
            found = search.search_certificates(session, SYSTEM, search.CertificateFilter(q=number.lower()),
                                               limit=10, offset=0)
            assert number in [c.number for c in found.rows]
    engine.dispose()
    restored = after_json if isinstance(after_json, dict) else json.loads(after_json)
    nulls = _sql_nulls(source.url)
    assert _sql_nulls(target.url) == nulls and min(nulls) > 0  # SQL NULL and JSON null kept apart
    assert (action, entity_id) == ("audit.restored", str(head))
    assert restored == {"head_seq": head, "head_hash": head_hash, "backup_at": manifest["created_at"],
                        "archive_sha256": hashlib.sha256(archive.read_bytes()).hexdigest()}
    assert check_certificates(target) == len(before["certificate"]) > 0
    # new rows get new ids after the restored ones (PostgreSQL sequences moved past them)
    added = target.lims("user", "token", "admin", "--label", "after-restore")
    assert added.exit_code == 0, added.output


def test_the_archive_holds_no_private_key_unless_asked(demo, dbs, tmp_path):
    source = demo(ENGINES[-1])
    private_pem = (source.instance / "signing-keys" / "certificate-signing-keys.pem").read_bytes()
    secret = (source.instance / "secret_key").read_bytes()
    plain = tmp_path / "plain.backup"
    manifest = backup(source, plain)
    assert manifest["private_keys"] == [] and manifest["signing_key_ids"]
    with zipfile.ZipFile(plain) as zf:
        names = zf.namelist()
        everything = b"".join(zf.read(n) for n in names)
        public = json.loads(zf.read("keys/signing-keys.public.json"))
    assert not any(n.startswith("keys/private/") for n in names)
    assert b"PRIVATE KEY" not in everything and secret not in everything and private_pem not in everything
    assert [k["kid"] for k in public["keys"]] == manifest["signing_key_ids"]
    assert all("d" not in k for k in public["keys"])  # public halves only (JWK "d" is the private part)

    keyed = tmp_path / "keyed.backup"
    result = source.lims("backup", str(keyed), "--include-private-keys")
    assert result.exit_code == 0, result.output
    assert "WARNING: this archive holds PRIVATE KEYS (certificate-signing-keys.pem, secret_key" in result.output
    with zipfile.ZipFile(keyed) as zf:
        assert zf.read("keys/private/certificate-signing-keys.pem") == private_pem
        assert zf.read("keys/private/secret_key") == secret

    # Restored from such an archive into a bare instance folder, the keys land where the settings
    # look for them, owner-only, and the restore says so.
    target = Site(dbs.new(ENGINES[-1], "keyed"), tmp_path / "keyed" / "instance")
    restored = target.lims("restore", str(keyed))
    assert restored.exit_code == 0, restored.output
    assert "private key restored from the archive: certificate-signing-keys.pem" in restored.output
    key_file = target.instance / "signing-keys" / "certificate-signing-keys.pem"
    assert key_file.read_bytes() == private_pem and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert (target.instance / "secret_key").read_bytes() == secret


def test_a_missing_signing_key_is_named_after_the_restore(demo, dbs, tmp_path):
    source = demo(ENGINES[0])
    archive = tmp_path / "lab.backup"
    manifest = backup(source, archive)
    target = Site(dbs.new(ENGINES[0], "nokey"), tmp_path / "nokey" / "instance")
    if (source.instance / "audit.key").exists():  # the audit key is supplied; the signing key is not
        target.instance.mkdir(parents=True)
        shutil.copy2(source.instance / "audit.key", target.instance / "audit.key")
    result = target.lims("restore", str(archive))
    assert result.exit_code == 0, result.output
    assert f"lacks key(s) {manifest['signing_key_ids'][0]}" in result.output
    assert not (target.instance / "signing-keys").exists()  # no new key made up in its place


def test_restore_over_a_database_that_holds_data_is_refused_unless_forced(demo, dbs, tmp_path):
    source = demo(ENGINES[-1])
    archive = tmp_path / "lab.backup"
    backup(source, archive)
    target = empty_site(dbs, tmp_path, ENGINES[-1], source)
    assert target.lims("restore", str(archive)).exit_code == 0
    assert target.lims("user", "add", "late.user", "--role", "technician", "--password",
                       "a long enough password").exit_code == 0
    late_file = target.instance / "certificates" / "2099" / "2099-KD-000001.pdf"
    late_file.parent.mkdir(parents=True)
    late_file.write_bytes(b"%PDF- issued after the backup")
    held, files = rows(target.url), files_under(target.instance)

    refused = target.lims("restore", str(archive))
    assert refused.exit_code == 2
    assert "the database is not empty" in refused.output and "nothing was changed" in refused.output
    assert rows(target.url) == held and files_under(target.instance) == files

    forced = target.lims("restore", str(archive), "--force")
    assert forced.exit_code == 0, forced.output
    assert "emptied first" in forced.output
    assert "1 file(s) under" in forced.output and "2099-KD-000001.pdf" in forced.output
    assert late_file.exists()  # kept, and named
    again = rows(target.url)
    assert '"late.user"' not in json.dumps(again["user_account"])
    assert target.lims("audit", "verify").exit_code == 0


def _flip_in_member(archive: Path, member: str) -> None:
    """Flip one byte inside ``member``'s compressed data, in place."""
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo(member)
    data = bytearray(archive.read_bytes())
    name_len, extra_len = int.from_bytes(data[info.header_offset + 26:info.header_offset + 28], "little"), \
        int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    data[start + info.compress_size // 2] ^= 0x01
    archive.write_bytes(bytes(data))


def _rezip(archive: Path, members: dict[str, bytes]) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, payload in members.items():
            zf.writestr(name, payload)
    archive.write_bytes(out.getvalue())


def _members(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _rezip_with_change(archive: Path, member: str) -> None:
    """Rewrite the archive with one byte of ``member`` changed, the manifest left as it was
    (the zip's own checksums are then right: only the manifest's SHA-256 tells)."""
    members = _members(archive)
    body = bytearray(members[member])
    body[len(body) // 2] ^= 0x01
    members[member] = bytes(body)
    _rezip(archive, members)


def _rezip_with_manifest(archive: Path, change) -> None:
    """Rewrite the archive with its manifest changed by ``change`` (members renamed to match)."""
    members = _members(archive)
    manifest = json.loads(members.pop("manifest.json"))
    renames = change(manifest) or {}
    for old, new in renames.items():
        members[new] = members.pop(old)
        manifest["members"][new] = manifest["members"].pop(old)
    members["manifest.json"] = json.dumps(manifest).encode()
    _rezip(archive, members)


def _outside(manifest: dict) -> dict[str, str]:
    item = manifest["files"][0]
    old = f"files/{item['path']}"
    item["path"] = "../../escaped.pdf"
    return {old: "files/../../escaped.pdf"}


def _newer_revision(manifest: dict) -> None:
    manifest["revision"] = "9999_from_a_newer_release"


@pytest.mark.parametrize(("change", "message"), [(_outside, "outside the instance folder"),
                                                 (_newer_revision, "unknown to this release")])
def test_an_archive_naming_a_file_outside_the_instance_or_a_newer_schema_is_refused(
        demo, dbs, tmp_path, change, message):
    source = demo(ENGINES[0])
    archive = tmp_path / "lab.backup"
    backup(source, archive)
    _rezip_with_manifest(archive, change)
    empty = empty_site(dbs, tmp_path, ENGINES[0], source)
    result = empty.lims("restore", str(archive))
    assert result.exit_code == 2 and message in result.output, result.output
    assert tables_empty(empty.url) and not (tmp_path / "escaped.pdf").exists()
    assert not (empty.instance / "certificates").exists()


@pytest.mark.parametrize("damage", ["flipped byte in the zip", "member changed, manifest not"])
def test_a_damaged_archive_is_refused_with_nothing_changed(demo, dbs, tmp_path, damage):
    source = demo(ENGINES[-1])
    archive = tmp_path / "lab.backup"
    manifest = backup(source, archive)
    pdf = next(f"files/{f['path']}" for f in manifest["files"] if f["kind"] == "pdf")
    if damage == "flipped byte in the zip":
        _flip_in_member(archive, "database/audit_event.jsonl")
    else:
        _rezip_with_change(archive, pdf)

    empty = empty_site(dbs, tmp_path, ENGINES[-1], source)
    instance_before = files_under(empty.instance)
    result = empty.lims("restore", str(archive))
    assert result.exit_code == 2
    assert "damaged" in result.output
    assert tables_empty(empty.url) and files_under(empty.instance) == instance_before

    # Over a database that holds data, even with --force: refused before anything is emptied.
    held_rows, held_files = rows(source.url), files_under(source.instance)
    forced = source.lims("restore", str(archive), "--force")
    assert forced.exit_code == 2 and "damaged" in forced.output
    assert rows(source.url) == held_rows and files_under(source.instance) == held_files


def test_a_certificate_file_missing_from_the_instance_stops_the_backup(demo, tmp_path):
    source = demo(ENGINES[0])
    instance = tmp_path / "instance"
    shutil.copytree(source.instance, instance)
    gone = sorted((instance / "certificates").rglob("*.pdf"))[0]
    gone.unlink()
    site = Site(source.url, instance)
    archive = tmp_path / "lab.backup"
    refused = site.lims("backup", str(archive))
    assert refused.exit_code == 1
    assert "missing or differ" in refused.output and gone.name in refused.output
    assert not archive.exists() and not list(tmp_path.glob(".backup-*"))

    listed = site.lims("backup", str(archive), "--allow-missing")
    assert listed.exit_code == 0, listed.output
    assert "WARNING: missing from the archive" in listed.output
    with zipfile.ZipFile(archive) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert [m["path"].rsplit("/", 1)[1] for m in manifest["missing_files"]] == [gone.name]

    exists = site.lims("backup", str(archive))
    assert exists.exit_code == 2 and "exists already" in exists.output


def test_a_database_without_schema_is_not_backed_up(dbs, tmp_path):
    site = Site(dbs.new(ENGINES[-1], "blank"), tmp_path / "instance")
    archive = tmp_path / "blank.backup"
    result = site.lims("backup", str(archive))
    assert result.exit_code == 1
    assert "has no schema" in result.output
    assert not archive.exists() and not list(tmp_path.glob(".backup-*"))


def test_another_applications_tables_in_the_database_are_left_alone(demo, dbs, tmp_path):
    source = demo(ENGINES[-1])
    archive = tmp_path / "lab.backup"
    backup(source, archive)
    target = empty_site(dbs, tmp_path, ENGINES[-1], source)
    engine = create_engine(target.url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE other_app_note (id INTEGER PRIMARY KEY, body VARCHAR(40))"))
        conn.execute(text("INSERT INTO other_app_note (id, body) VALUES (1, 'not the lab''s')"))
    for args in ((), ("--force",)):
        result = target.lims("restore", str(archive), *args)
        assert result.exit_code == 0, result.output
        with engine.connect() as conn:
            assert conn.execute(text("SELECT id, body FROM other_app_note")).all() == [(1, "not the lab's")]
    engine.dispose()
    assert target.lims("audit", "verify").exit_code == 0


def test_a_keyed_chain_is_not_restored_without_its_audit_key(demo, dbs, tmp_path):
    """The audit key is never in an archive unless asked for: restoring a keyed chain without the
    operator supplying it would continue the chain under a new key that cannot check the old
    events. Refused before anything is written (exit 2)."""
    source = demo(ENGINES[0])
    archive = tmp_path / "lab.backup"
    backup(source, archive)
    target = Site(dbs.new(ENGINES[0], "noaudit"), tmp_path / "noaudit" / "instance")
    shutil.copytree(source.instance / "signing-keys", target.instance / "signing-keys")
    before = files_under(target.instance)
    result = target.lims("restore", str(archive))
    assert result.exit_code == 2, result.output
    assert "audit chain is keyed" in result.output and "nothing was changed" in result.output
    assert files_under(target.instance) == before
    assert not (target.instance / "audit.key").exists()
    assert rows(target.url) == {}


def test_a_restore_event_stands_in_for_the_checkpoints_taken_after_the_backup(demo, dbs, tmp_path):
    """Issue "Hardening", backup and restore: after the backup the lab went on (a new user) and
    ``lims audit verify`` checkpointed the longer chain outside the database; restoring the backup
    over it (``--force``) leaves that checkpoint naming a sequence the restored chain does not
    reach. The restore's ``audit.restored`` event, keyed, names the archive's head: verify accepts
    it in place of the later checkpoint and passes; without it the same chain is truncation."""
    source = demo(ENGINES[-1])
    archive = tmp_path / "lab.backup"
    head = backup(source, archive)["audit"]["head_seq"]
    site = empty_site(dbs, tmp_path, ENGINES[-1], source)
    assert site.lims("restore", str(archive)).exit_code == 0
    assert site.lims("user", "add", "late.user", "--role", "technician", "--password",
                     "a long enough password").exit_code == 0
    assert site.lims("audit", "verify").exit_code == 0  # checkpoints the chain beyond the backup
    folder = Path(os.environ["LIMS_AUDIT_CHECKPOINT_DIR"])
    later = [p for p in folder.glob("*.json") if int(p.stem.rsplit("seq", 1)[1]) > head + 1]
    assert later, sorted(p.name for p in folder.glob("*.json"))

    again = site.lims("restore", str(archive), "--force")
    assert again.exit_code == 0, again.output
    verify = site.lims("audit", "verify")
    assert verify.exit_code == 0, verify.output

    # The same restored chain without the restore event: the later checkpoint reports truncation.
    engine = create_engine(site.url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE action = 'audit.restored'"))
    engine.dispose()
    assert site.lims("audit", "verify").exit_code == 1
