"""``lims restore``: a backup archive back into the configured database and instance folder.

Everything is checked before anything changes: the archive whole (manifest, every member's
SHA-256, row counts; :func:`lims.services.backup_archive.open_archive`), its schema revision
known to this release, its audit head the last event it holds, the database empty (any row in
any table) unless ``force``, and no stored file in the instance folder that differs from the
archive's unless ``force``. Then: the stored files (atomically, each), the private keys the
archive may hold (before anything could make new ones in their place), the schema at the
archive's revision, the rows with their ids (PostgreSQL sequences moved past them), the
migrations up to this release's head (an older backup restores into a newer release), and one
``audit.restored`` event that links the restored chain to the archive. Private keys are never
taken from the archive unless it holds them and the place they go to is empty; otherwise the
operator supplies them (signing key: ``LIMS_SIGNING_KEY_FILE``; audit key:
``LIMS_AUDIT_KEY_FILE``).
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, MetaData, func, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from lims.errors import LimsError
from lims.models.search_sqlite import drop_all_fts
from lims.services.backup import audit_key_file, signing_key_file
from lims.services.backup_archive import Archive, ArchiveError, open_archive, safe_member_path

__all__ = ["RestoreRefused", "RestoreReport", "restore"]

_BATCH = 1000


class RestoreRefused(LimsError):
    """The restore would overwrite data: nothing was changed."""


@dataclass
class RestoreReport:
    archive_sha256: str
    backup_at: str
    revision: str
    tables: dict[str, int]
    files: int
    audit_head_seq: int
    restored_event_seq: int
    emptied: bool
    private_keys: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def application_tables(archive: Archive) -> set[str]:
    """The tables that are the application's: this release's, the archive's, ``alembic_version``.
    Other tables in the same database (another application's) are neither counted nor dropped."""
    from lims.models import Base

    return set(Base.metadata.tables) | set(archive.manifest["tables"]) | {"alembic_version"}


def database_rows(engine: Engine, tables: set[str]) -> dict[str, int]:
    """Row counts of ``tables`` that exist and hold rows (``alembic_version`` aside)."""
    meta = MetaData()
    with engine.connect() as conn:
        meta.reflect(conn, only=lambda name, _meta: name in tables)
        counts = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                  for t in meta.sorted_tables if t.name != "alembic_version"}
    return {name: n for name, n in counts.items() if n}


def restore(engine: Engine, instance: Path, archive_path: Path, *, signing_key_path: Path,
            force: bool = False) -> RestoreReport:
    archive = open_archive(Path(archive_path))
    try:
        return _restore(engine, Path(instance), archive, Path(signing_key_path), force)
    finally:
        archive.close()


def _restore(engine: Engine, instance: Path, archive: Archive, signing_key_path: Path,
             force: bool) -> RestoreReport:
    from lims.migrate import upgrade

    manifest = archive.manifest
    _check_revision(manifest["revision"])
    _check_audit_head(archive)
    _check_audit_key(archive, instance)
    ours = application_tables(archive)
    held = database_rows(engine, ours)
    if held and not force:
        named = ", ".join(f"{n} {name}" for name, n in sorted(held.items(), key=lambda i: -i[1])[:4])
        named += ", ..." if len(held) > 4 else ""
        raise RestoreRefused(f"the database is not empty ({named}); nothing was changed. Restore into an "
                             f"empty database, or give --force to empty this one first")
    differing = _differing_files(instance, manifest["files"])
    if differing and not force:
        raise RestoreRefused(f"{len(differing)} file(s) in the instance folder differ from the archive's "
                             f"(e.g. {differing[0]}); nothing was changed. Give --force to replace them")
    url = engine.url.render_as_string(hide_password=False)
    for item in manifest["files"]:
        _write_atomic(instance / item["path"], archive.read(f"files/{item['path']}"))
    private = _restore_private_keys(archive, instance, signing_key_path)  # before anything could make new ones
    _drop_tables(engine, ours)
    upgrade(url, manifest["revision"])
    counts = _load_rows(engine, archive, ours)
    upgrade(url, "head")
    seq = _record_restore(engine, archive, instance)
    return RestoreReport(
        archive_sha256=archive.sha256, backup_at=manifest["created_at"], revision=manifest["revision"],
        tables=counts, files=len(manifest["files"]), audit_head_seq=manifest["audit"]["head_seq"],
        restored_event_seq=seq, emptied=bool(held), private_keys=private,
        warnings=_key_warnings(archive, instance, signing_key_path) + _unarchived_files(instance, manifest["files"]),
    )


def _check_revision(revision: str) -> None:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from lims.migrate import alembic_config

    try:
        known = ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    except CommandError:
        known = None
    if known is None:
        raise ArchiveError(f"the archive's schema revision {revision} is unknown to this release "
                           f"(made by a newer one?); nothing was changed")


def _check_audit_head(archive: Archive) -> None:
    """The manifest's audit head is the last event the archive holds (seq and hash)."""
    head = archive.manifest["audit"]
    if "audit_event" not in archive.manifest["tables"]:
        return
    columns, _kinds, rows = archive.table_rows("audit_event")
    seq_at, hash_at = columns.index("seq"), columns.index("hash")
    last = max(((r[seq_at], r[hash_at]) for r in rows), default=(0, None))
    if last != (head["head_seq"], head["head_hash"]):
        raise ArchiveError(f"the archive's audit head ({head['head_seq']}) is not its last event ({last[0]}): "
                           f"the archive is damaged; nothing was changed")


#: Schema revisions of the releases whose audit chain was plain SHA-256 (keyed from 0004 on).
PLAIN_CHAIN_REVISIONS = frozenset({"0001", "0002", "0003"})


def _check_audit_key(archive: Archive, instance: Path) -> None:
    """A keyed chain (re-anchored, or made by a release from 0004 on) can only be continued and
    checked with the key it was written with: the operator supplies it before restoring (it is
    not in the archive unless asked for)."""
    from lims.services.audit_hashing import KEYED

    if not archive.manifest["audit"]["head_seq"] or "audit.key" in archive.manifest.get("private_keys", []):
        return
    keyed = archive.manifest["revision"] not in PLAIN_CHAIN_REVISIONS
    if not keyed:
        columns, _kinds, rows = archive.table_rows("audit_event")
        action_at = columns.index("action")
        keyed = any(r[action_at] == KEYED for r in rows)
    key = audit_key_file(instance)
    if keyed and not key.is_file():
        raise RestoreRefused(f"the archive's audit chain is keyed, and its key is not at {key}; nothing was "
                             f"changed. Put the instance's audit key there (or set LIMS_AUDIT_KEY_FILE) first: "
                             f"it is kept apart from backups")


def _differing_files(instance: Path, files: list[dict[str, Any]]) -> list[str]:
    from lims.services.backup_archive import sha256_file

    return [item["path"] for item in files
            if (instance / safe_member_path(item["path"])).exists()
            and sha256_file(instance / item["path"]) != item["sha256"]]


def _unarchived_files(instance: Path, files: list[dict[str, Any]]) -> list[str]:
    """Stored files left in the instance folder that the archive does not hold (issued after the
    backup, when restoring over the same installation): kept, and named."""
    from lims.services.certificates.files import PDF_FOLDER

    archived = {item["path"] for item in files}
    folder = instance / PDF_FOLDER
    extra = sorted(str(p.relative_to(instance)) for p in folder.rglob("*")
                   if p.is_file() and str(p.relative_to(instance)) not in archived) if folder.is_dir() else []
    if not extra:
        return []
    return [f"{len(extra)} file(s) under {folder} are not in the archive and belong to no restored certificate "
            f"(e.g. {extra[0]}); they were left as they are"]


def _write_atomic(target: Path, data: bytes, mode: int = 0o600) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".part-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _drop_tables(engine: Engine, tables: set[str]) -> None:
    """Drop the application's tables (found empty, or ``force`` said to empty them): the schema is
    then built at the archive's revision, whatever revision was there."""
    meta = MetaData()
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            drop_all_fts(conn)  # the search index of the tables dropped: built again by the migrations
        meta.reflect(conn, only=lambda name, _meta: name in tables)
        meta.drop_all(conn)


def _load_rows(engine: Engine, archive: Archive, tables: set[str]) -> dict[str, int]:
    """Insert every archived row, ids kept, in foreign-key order, in one transaction."""
    meta = MetaData()
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        meta.reflect(conn, only=lambda name, _meta: name in tables)
        for table in meta.sorted_tables:
            if table.name not in archive.manifest["tables"]:
                continue
            columns, kinds, rows = archive.table_rows(table.name)
            unknown = [c for c in columns if c not in table.c]
            if unknown:
                raise ArchiveError(f"table {table.name} of the archive has columns the schema at its revision "
                                   f"has not: {unknown}")
            for name, kind in zip(columns, kinds, strict=True):
                if kind == "json":  # SQL NULL stays NULL, JSON null stays 'null'
                    table.c[name].type = JSON(none_as_null=True)
            json_at = [i for i, k in enumerate(kinds) if k == "json"]
            batch: list[dict[str, Any]] = []
            count = 0
            for row in rows:
                for i in json_at:
                    if row[i] is not None:
                        value = json.loads(row[i])
                        row[i] = JSON.NULL if value is None else value
                batch.append(dict(zip(columns, row, strict=True)))
                count += 1
                if len(batch) >= _BATCH:
                    conn.execute(table.insert(), batch)
                    batch.clear()
            if batch:
                conn.execute(table.insert(), batch)
            counts[table.name] = count
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn, meta)
    return counts


def _reset_sequences(conn: Connection, meta: MetaData) -> None:
    """Move each serial or identity column's sequence past the ids just loaded."""
    for table in meta.sorted_tables:
        for column in table.primary_key.columns:
            sequence = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                    {"t": table.name, "c": column.name}).scalar()
            if sequence is None:
                continue
            top = conn.execute(select(func.max(column))).scalar()
            conn.execute(text("SELECT setval(:s, :v, :called)"),
                         {"s": sequence, "v": top if top is not None else 1, "called": top is not None})


def _record_restore(engine: Engine, archive: Archive, instance: Path) -> int:
    from lims.services import audit
    from lims.services.audit_hashing import KEY_FILE_INFO

    head = archive.manifest["audit"]
    with Session(engine, info={KEY_FILE_INFO: str(audit_key_file(instance))}) as session:
        audit.reanchor(session)  # a plain chain of an earlier release is keyed from here on
        event = audit.record(session, None, "audit.restored", entity_type="audit", entity_id=str(head["head_seq"]),
                             after={"head_seq": head["head_seq"], "head_hash": head["head_hash"],
                                    "archive_sha256": archive.sha256, "backup_at": archive.manifest["created_at"]})
        session.commit()
        return event.seq


def _restore_private_keys(archive: Archive, instance: Path, signing_key_path: Path) -> list[str]:
    """Private keys the archive holds (made with --include-private-keys), each put where the
    settings look for it when nothing is there yet; an existing key is never replaced."""
    places = {"certificate-signing-keys.pem": signing_key_file(signing_key_path, instance),
              "secret_key": instance / "secret_key", "audit.key": audit_key_file(instance)}
    written = []
    for name in archive.manifest.get("private_keys", []):
        target = places.get(name)
        if target is None or target.exists():
            continue
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _write_atomic(target, archive.read(f"keys/private/{name}"))
        written.append(name)
    return written


def _key_warnings(archive: Archive, instance: Path, signing_key_path: Path) -> list[str]:
    """What the operator must still supply: signing keys that signed archived certificates."""
    from certificates.errors import KeyStoreError
    from certificates.keystore import KeyStore

    wanted = archive.manifest.get("signing_key_ids", [])
    if not wanted:
        return []
    key_file = signing_key_file(signing_key_path, instance)
    try:
        have = set(KeyStore(key_file, create=False).key_ids())
    except KeyStoreError:
        have = set()
    missing = [kid for kid in wanted if kid not in have]
    if not missing:
        return []
    return [f"the signing key file {key_file} lacks key(s) {', '.join(missing)}: the QR codes they signed will "
            f"not verify until you supply it (LIMS_SIGNING_KEY_FILE)"]
