"""``lims backup``: the database's rows, the stored files and the public keys in one archive.

Point in time: every table is read in one read-only transaction — ``REPEATABLE READ`` on
PostgreSQL (one snapshot for every statement), a read transaction on SQLite (in WAL mode the
app's writers go on; the reader keeps the snapshot its first read took) — so the archive holds
the database as it was at one moment while the app keeps running. Certificate files are read
afterwards: they are written once, just after the transaction that recorded them commits, and
never replaced, so each is checked against the SHA-256 its row (in the snapshot) recorded; a
row whose file is missing or differs stops the backup (``allow_missing`` lists them in the
manifest instead). Private keys are left out unless asked for.

The archive's format is :mod:`lims.services.backup_archive`; the way back is
:mod:`lims.services.restore`.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Date, DateTime, LargeBinary, MetaData, Table, Text, cast, select, text
from sqlalchemy.engine import Connection, Engine

from lims import __version__
from lims.models.search_sqlite import is_fts_table
from lims.services.backup_archive import (
    FORMAT,
    FORMAT_VERSION,
    ArchiveError,
    ArchiveWriter,
    encode_value,
)

__all__ = ["BackupReport", "audit_key_file", "backup", "column_kind", "read_snapshot_tables", "signing_key_file"]

#: Files the archive keeps besides the rows: the stored certificate files, by the paths their rows name.
CERTIFICATE_FILE_COLUMNS = (("pdf_path", "pdf_sha256", "pdf"), ("dcc_path", "dcc_sha256", "dcc"))
#: How long a file recorded in the snapshot may still be on its way (written just after its commit).
FILE_GRACE_SECONDS = 2.0


@dataclass
class BackupReport:
    path: Path
    sha256: str
    size: int
    created_at: str
    dialect: str
    revision: str
    tables: dict[str, int]
    files: int
    audit_head_seq: int
    private_keys: list[str] = field(default_factory=list)
    missing_files: list[str] = field(default_factory=list)
    signing_key_ids: list[str] = field(default_factory=list)


def signing_key_file(signing_key_path: Path, instance: Path) -> Path:
    """The signing key file ``LIMS_SIGNING_KEY_FILE`` names: a file, or a folder holding it (the
    default ``<instance>/signing-keys``), as :func:`lims.services.certificates.context_from_settings`."""
    from certificates.keystore import DEFAULT_FILENAME

    path = Path(signing_key_path)
    return path / DEFAULT_FILENAME if path.is_dir() or path == Path(instance) / "signing-keys" else path


def audit_key_file(instance: Path) -> Path:
    """The audit chain's key: ``LIMS_AUDIT_KEY_FILE``, by default ``<instance>/audit.key``."""
    from lims import config

    return config.audit_key_file(Path(instance))


def column_kind(column: Any) -> str:
    """How a reflected column's values are written: ``json``, ``datetime``, ``date``, ``bytes``, ``plain``."""
    kind = column.type
    if isinstance(kind, JSON):
        return "json"
    if isinstance(kind, DateTime):
        return "datetime"
    if isinstance(kind, Date):
        return "date"
    if isinstance(kind, LargeBinary):
        return "bytes"
    return "plain"



@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection in one read-only transaction that sees the database at one moment."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            try:
                yield conn
            finally:
                conn.rollback()
        return
    with engine.connect() as conn:
        # pysqlite begins transactions only before writes: begin this one, so every read below
        # shares the snapshot its first read takes.
        conn.exec_driver_sql("BEGIN")
        try:
            yield conn
        finally:
            conn.rollback()


def read_snapshot_tables(conn: Connection) -> tuple[str, list[Table]]:
    """The schema revision and the application's tables (not ``alembic_version``) in foreign-key order;
    not SQLite's full-text search tables, an index the migrations build from the rows (lims.models.search_sqlite)."""
    meta = MetaData()
    meta.reflect(conn, only=lambda name, _meta: not is_fts_table(name))
    if "alembic_version" not in meta.tables:
        raise ArchiveError("the database has no schema (run lims db upgrade first): nothing to back up")
    revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    return revision, [t for t in meta.sorted_tables if t.name != "alembic_version"]


def _table_lines(conn: Connection, table: Table) -> Iterator[Any]:
    columns = list(table.columns)
    kinds = [column_kind(c) for c in columns]
    yield {"columns": [c.name for c in columns], "kinds": kinds}
    selected = [cast(c, Text).label(c.name) if k == "json" else c for c, k in zip(columns, kinds, strict=True)]
    order = list(table.primary_key.columns) or columns
    result = conn.execution_options(stream_results=True, yield_per=1000).execute(select(*selected).order_by(*order))
    for row in result:
        yield [encode_value(k, v) for k, v in zip(kinds, row, strict=True)]


def _stored_files(conn: Connection, tables: list[Table]) -> list[dict[str, str]]:
    """The files the snapshot's certificate rows name, with the SHA-256 each row recorded."""
    certificate = next((t for t in tables if t.name == "certificate"), None)
    if certificate is None:
        return []
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for path_col, sha_col, kind in CERTIFICATE_FILE_COLUMNS:
        if path_col not in certificate.c:
            continue
        query = select(certificate.c.number, certificate.c[path_col], certificate.c[sha_col]) \
            .where(certificate.c[path_col].is_not(None)).order_by(certificate.c.id)
        for number, path, sha in conn.execute(query):
            if path not in seen:  # one file, however many rows name it
                seen.add(path)
                out.append({"path": path, "sha256": sha, "certificate": number, "kind": kind})
    return out


def _read_stored(instance: Path, item: dict[str, str], deadline: float) -> bytes | None:
    """The file's bytes when they match the row's SHA-256 (waiting for one still being written)."""
    from certificates.hashing import sha256_hex

    target = instance / item["path"]
    while True:
        try:
            data = target.read_bytes()
        except FileNotFoundError:
            data = None
        if data is not None and (item["sha256"] is None or sha256_hex(data) == item["sha256"]):
            return data
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.1)


def backup(engine: Engine, instance: Path, target: Path, *, signing_key_path: Path,
           include_private_keys: bool = False, allow_missing: bool = False, overwrite: bool = False,
           after_table: Callable[[str], None] | None = None) -> BackupReport:
    """Write the archive ``target``; ``after_table`` is called with each table's name once it is
    read (inside the snapshot: tests write from another connection there)."""
    from certificates.errors import KeyStoreError
    from certificates.keystore import KeyStore

    target = Path(target)
    if target.exists() and not overwrite:
        raise ArchiveError(f"{target} exists already; give another name (or --force to replace it)")
    if not target.parent.is_dir():
        raise ArchiveError(f"there is no folder {target.parent} to write the backup in")
    instance = Path(instance)
    with ArchiveWriter(target) as writer:
        created_at = datetime.now(UTC).isoformat(timespec="seconds")
        counts: dict[str, int] = {}
        with snapshot(engine) as conn:
            revision, tables = read_snapshot_tables(conn)
            for table in tables:
                counts[table.name] = writer.add_lines(f"database/{table.name}.jsonl", _table_lines(conn, table))
                if after_table is not None:
                    after_table(table.name)
            head = conn.execute(text("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1")).first()
            files = _stored_files(conn, tables)
        missing = []
        deadline = time.monotonic() + FILE_GRACE_SECONDS
        for item in files:
            data = _read_stored(instance, item, deadline)
            if data is None:
                missing.append(item)
            else:
                writer.add_bytes(f"files/{item['path']}", data)
        if missing and not allow_missing:
            names = ", ".join(f"{m['path']} ({m['certificate']})" for m in missing[:5])
            raise ArchiveError(f"{len(missing)} stored certificate file(s) are missing or differ from the SHA-256 "
                               f"their row recorded: {names}; no backup was written (--allow-missing writes one "
                               f"that lists them)")
        key_file = signing_key_file(signing_key_path, instance)
        key_ids: list[str] = []
        try:
            store = KeyStore(key_file, create=False)
            key_ids = store.key_ids()
            writer.add_bytes("keys/signing-keys.public.json", store.public_jwks_json().encode("utf-8"))
        except KeyStoreError:
            pass  # no signing key yet (nothing issued): nothing to publish
        private: list[str] = []
        if include_private_keys:
            for name, path in (("certificate-signing-keys.pem", key_file), ("secret_key", instance / "secret_key"),
                               ("audit.key", audit_key_file(instance))):
                if path.is_file():
                    writer.add_bytes(f"keys/private/{name}", path.read_bytes())
                    private.append(name)
        kept = [m for m in files if m not in missing]
        head_seq = head[0] if head else 0
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "app_version": __version__,
            "created_at": created_at, "dialect": engine.dialect.name, "revision": revision,
            "tables": counts,
            "audit": {"head_seq": head_seq, "head_hash": head[1] if head else None},
            "files": kept, "missing_files": missing, "signing_key_ids": key_ids, "private_keys": private,
        }
        digest = writer.finish(manifest)
    return BackupReport(path=target, sha256=digest, size=target.stat().st_size, created_at=created_at,
                        dialect=engine.dialect.name, revision=revision, tables=counts, files=len(kept),
                        audit_head_seq=head_seq, private_keys=private,
                        missing_files=[m["path"] for m in missing], signing_key_ids=key_ids)
