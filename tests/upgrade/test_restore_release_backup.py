"""A backup made by an older release restores into this one.

Each earlier release's database (``release-0002/``, ``release-0003/``, ``release-0005/``, loaded as in
``test_upgrade_from_release.py``) is backed up at its migration; the archive is restored into an
empty database and instance folder holding only the signing key: the rows come back at that
migration, the migrations take them to
this release's head, every row and audit event of the release is still there, the chain
verifies with the keying event and the restore's own event after it, and each certificate's PDF matches its row.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from lims.migrate import current_heads
from tests.cli.backup_support import Databases, Site, rows
from tests.conftest import TEST_DB_URL
from tests.upgrade.test_upgrade_from_release import (
    ADDED_TO,
    MOVED,
    Release,
    _rows,
    release,
    release_database,
    release_instance,
)

__all__ = ["release", "release_database", "release_instance"]  # fixtures used below


@pytest.fixture
def dbs(tmp_path) -> Iterator[Databases]:
    made = Databases(tmp_path)
    yield made
    made.close()


def test_an_earlier_release_backup_restores_and_is_upgraded_to_head(release: Release, release_database,
                                                                    release_instance, dbs, tmp_path):
    """A plain SHA-256 chain is keyed by the restore (an ``audit.keyed`` event) before the
    ``audit.restored`` event: two events more; a keyed chain (0005) restores with its audit key and
    gets the ``audit.restored`` event only; either way the chain verifies."""
    site = Site(release_database, release_instance)
    archive = tmp_path / "release.backup"
    made = site.lims("backup", str(archive))
    assert made.exit_code == 0, made.output
    with zipfile.ZipFile(archive) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["revision"] == _rows(release)["revision"]
    assert manifest["audit"]["head_seq"] == release.events

    instance = tmp_path / "restored" / "instance"
    shutil.copytree(release_instance / "signing-keys", instance / "signing-keys")
    if release.keyed:
        shutil.copy(release_instance / "audit.key", instance / "audit.key")
        (instance / "audit.key").chmod(0o600)
    added = 1 if release.keyed else 2
    target = Site(dbs.new("postgresql" if TEST_DB_URL else "sqlite", "restored_release"), instance)
    result = target.lims("restore", str(archive))
    assert result.exit_code == 0, result.output
    assert "WARNING" not in result.output

    engine = create_engine(target.url)
    with engine.connect() as conn:
        assert (conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one(),) == current_heads()
        certs = conn.execute(text("SELECT number, pdf_path, pdf_sha256 FROM certificate ORDER BY id")).all()
    engine.dispose()
    before, after = rows(release_database), rows(target.url)
    old_columns, new_columns = _columns(release_database), _columns(target.url)
    for name, table in _rows(release)["tables"].items():
        columns = [c for c in table["columns"] if (name, c) not in MOVED]  # 0011 moved calibrated_by
        if name in ADDED_TO:  # 0011 made the calibration labs: rows after the release's own
            assert len(after[name]) > len(before[name]), name
        else:
            assert len(after[name]) == len(before[name]) + added * (name == "audit_event"), name
        kept = [dict(zip(new_columns[name], row, strict=True)) for row in after[name][:len(before[name])]]
        old = [dict(zip(old_columns[name], row, strict=True)) for row in before[name]]
        assert [{c: r[c] for c in columns} for r in kept] == [{c: r[c] for c in columns} for r in old], name
    verify = target.lims("audit", "verify")
    assert verify.exit_code == 0, verify.output
    assert verify.output.splitlines()[0].endswith(f": {release.events + added}"), verify.output
    assert len(certs) == release.certificates
    for number, pdf_path, sha in certs:
        assert hashlib.sha256((instance / pdf_path).read_bytes()).hexdigest() == sha, number


def _columns(url: str) -> dict[str, list[str]]:
    from sqlalchemy import MetaData

    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    engine.dispose()
    return {name: [c.name for c in table.columns] for name, table in meta.tables.items()}
