"""The backup archive: one zip file, a ``manifest.json`` naming the SHA-256 of every member.

Members::

    manifest.json                       format, revision, created_at, dialect, row counts, audit head, members
    database/<table>.jsonl              first line {"columns": [...], "kinds": [...]}, then one JSON row a line
    files/<path in the instance folder> stored files (certificates/<year>/<number>.pdf and .dcc.xml)
    keys/signing-keys.public.json       the signing keys' public halves (JWK Set), for checking the key supplied
    keys/private/<name>                 only with --include-private-keys: signing keys, secret_key, audit.key

Rows are engine-neutral: by column name, dates and times as ISO text, JSON columns as their JSON
text (``null`` for SQL NULL), so an archive made on SQLite restores into PostgreSQL and back.
The writer streams every member through SHA-256 into a temporary file beside the target, then
renames it (mode 0600); the reader checks the manifest and every member's hash before anything
is restored. Standard library only.
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from lims.errors import LimsError

FORMAT = "lims-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_CHUNK = 1 << 20


class ArchiveError(LimsError):
    """The archive cannot be used: missing, not a backup, damaged, or of an unknown format."""


# ---------------------------------------------------------------- values


def encode_value(kind: str, value: Any) -> Any:
    """A column value as plain JSON (see the module docstring)."""
    if value is None:
        return None
    if kind in ("datetime", "date"):
        return value.isoformat()
    if kind == "json":
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if kind == "bytes":
        return base64.b64encode(value).decode("ascii")
    return value


def decode_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "bytes":
        return base64.b64decode(value)
    return value  # json stays text: the loader binds it as such


def safe_member_path(relative: str) -> str:
    """A stored file's path relative to the instance folder, refused when it could leave it."""
    path = PurePosixPath(relative)
    if not relative or path.is_absolute() or ".." in path.parts or "\\" in relative or relative.startswith("."):
        raise ArchiveError(f"the archive names a file outside the instance folder: {relative!r}")
    return str(path)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------- writing


class _HashingWriter:
    """A member being written: every byte goes through SHA-256 and is counted."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        self.size += len(data)
        self.fh.write(data)


class ArchiveWriter:
    """Write members, then :meth:`finish` with the manifest: the archive appears at ``target``
    in one rename, mode 0600. Leaving the ``with`` block on an error removes the temporary file."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.members: dict[str, dict[str, Any]] = {}
        fd, self._tmp = tempfile.mkstemp(prefix=".backup-", suffix=".part", dir=target.parent)  # 0600
        os.close(fd)
        self._zip = zipfile.ZipFile(self._tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        self._done = False

    def __enter__(self) -> ArchiveWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._done:
            with contextlib.suppress(Exception):
                self._zip.close()
            with contextlib.suppress(OSError):
                os.unlink(self._tmp)

    @contextlib.contextmanager
    def member(self, name: str) -> Iterator[_HashingWriter]:
        if name in self.members or name == MANIFEST:
            raise ValueError(f"member {name} written twice")
        with self._zip.open(name, "w", force_zip64=True) as fh:
            writer = _HashingWriter(fh)
            yield writer
        self.members[name] = {"sha256": writer.digest.hexdigest(), "size": writer.size}

    def add_bytes(self, name: str, data: bytes) -> str:
        with self.member(name) as out:
            out.write(data)
        return str(self.members[name]["sha256"])

    def add_lines(self, name: str, items: Iterable[Any]) -> int:
        """One JSON value a line; the number of lines after the first (the header)."""
        count = -1
        with self.member(name) as out:
            buffer: list[str] = []
            for item in items:
                buffer.append(json.dumps(item, ensure_ascii=False, separators=(",", ":")))
                count += 1
                if len(buffer) >= 1000:
                    out.write(("\n".join(buffer) + "\n").encode("utf-8"))
                    buffer.clear()
            if buffer:
                out.write(("\n".join(buffer) + "\n").encode("utf-8"))
        return count

    def finish(self, manifest: dict[str, Any]) -> str:
        """Write the manifest, close, fsync and rename into place; the archive's SHA-256."""
        manifest = dict(manifest, members=dict(sorted(self.members.items())))
        self._zip.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True))
        self._zip.close()
        with open(self._tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(self._tmp, 0o600)
        os.replace(self._tmp, self.target)
        self._done = True
        return sha256_file(self.target)


# ---------------------------------------------------------------- reading


@dataclass
class Archive:
    """An archive whose manifest and every member's hash were checked (:func:`open_archive`)."""

    path: Path
    manifest: dict[str, Any]
    sha256: str
    _zip: zipfile.ZipFile

    def close(self) -> None:
        self._zip.close()

    def read(self, name: str) -> bytes:
        return self._zip.read(name)

    def table_rows(self, table: str) -> tuple[list[str], list[str], Iterator[list[Any]]]:
        """(columns, kinds, rows) of ``database/<table>.jsonl``, rows decoded."""
        fh = self._zip.open(f"database/{table}.jsonl")
        lines = (line for line in fh if line.strip())
        header = json.loads(next(lines))
        columns, kinds = header["columns"], header["kinds"]

        def rows() -> Iterator[list[Any]]:
            with fh:
                for line in lines:
                    yield [decode_value(k, v) for k, v in zip(kinds, json.loads(line), strict=True)]
        return columns, kinds, rows()


def open_archive(path: Path) -> Archive:
    """Open ``path`` and check it whole: a manifest of this format, every member it names present
    with its size and SHA-256, no member it does not name, and row counts as stated. Raises
    :class:`ArchiveError` saying what is wrong; reads nothing outside the archive."""
    if not path.is_file():
        raise ArchiveError(f"no backup archive at {path}")
    try:
        archive_sha = sha256_file(path)
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise ArchiveError(f"{path} is not a readable backup archive: {exc}") from None
    try:
        manifest = _manifest(zf, path)
        _check_members(zf, manifest)
        for table, count in manifest["tables"].items():
            _check_rows(zf, table, count)
    except ArchiveError:
        zf.close()
        raise
    except Exception as exc:  # noqa: BLE001 - zlib, CRC, JSON, UTF-8 errors: all mean damage
        zf.close()
        raise ArchiveError(f"the backup archive {path} is damaged: {type(exc).__name__}: {exc}") from None
    return Archive(path, manifest, archive_sha, zf)


def _manifest(zf: zipfile.ZipFile, path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(zf.read(MANIFEST))
    except KeyError:
        raise ArchiveError(f"{path} is not a backup archive (no {MANIFEST})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError(f"{path} is not a backup archive of this application")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ArchiveError(f"{path} has backup format version {manifest.get('format_version')}; "
                           f"this release reads version {FORMAT_VERSION}")
    for key in ("revision", "created_at", "tables", "members", "audit", "files"):
        if key not in manifest:
            raise ArchiveError(f"the manifest of {path} lacks {key!r}: the archive is damaged")
    return manifest


def _check_members(zf: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
    listed = set(manifest["members"])
    present = {info.filename for info in zf.infolist()} - {MANIFEST}
    if present - listed:
        raise ArchiveError(f"the archive holds members its manifest does not list: {sorted(present - listed)[:5]}")
    if listed - present:
        raise ArchiveError(f"members listed in the manifest are missing: {sorted(listed - present)[:5]}")
    for name, meta in sorted(manifest["members"].items()):
        digest, size = hashlib.sha256(), 0
        with zf.open(name) as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
        if digest.hexdigest() != meta["sha256"] or size != meta["size"]:
            raise ArchiveError(f"member {name} does not match its SHA-256 in the manifest: the archive is damaged")
    for item in manifest["files"]:
        safe_member_path(item["path"])
        if f"files/{item['path']}" not in listed:
            raise ArchiveError(f"the stored file {item['path']} is missing from the archive")


def _check_rows(zf: zipfile.ZipFile, table: str, count: int) -> None:
    with zf.open(f"database/{table}.jsonl") as fh:
        lines = sum(1 for line in fh if line.strip()) - 1
    if lines != count:
        raise ArchiveError(f"table {table} holds {lines} rows in the archive, its manifest says {count}")
