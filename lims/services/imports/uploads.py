"""An uploaded import kept between its dry run and its import, by the SHA-256 of its file.

The page checks a file (the dry run), then imports *the same file*: the upload is kept under
the instance folder (``imports/<sha256>/``: the file, the PDFs beside it and a manifest of their
names) and read back by its SHA-256 when the admin confirms; a file whose bytes no longer have
that SHA-256 is refused. Once imported (and committed) it is discarded. Names are kept in the
manifest only, never used as paths.
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

from lims.errors import ValidationError
from lims.i18n import _

__all__ = ["FOLDER", "discard_upload", "keep_upload", "kept_upload"]

FOLDER = "imports"
_SHA = re.compile(r"[0-9a-f]{64}")


def keep_upload(instance: Path, name: str, data: bytes, pdfs: dict[str, bytes]) -> str:
    """Keep the upload; its SHA-256 (the file's), by which :func:`kept_upload` reads it back."""
    digest = hashlib.sha256(data).hexdigest()
    folder = instance / FOLDER / digest
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "file").write_bytes(data)
    names = sorted(pdfs)
    for i, pdf_name in enumerate(names):
        (folder / f"pdf-{i}").write_bytes(pdfs[pdf_name])
    (folder / "manifest.json").write_text(json.dumps({"name": name, "pdfs": names}, ensure_ascii=False),
                                          encoding="utf-8")
    return digest


def kept_upload(instance: Path, digest: str) -> tuple[str, bytes, dict[str, bytes]]:
    """The file name, bytes and PDFs of a kept upload; refused when it is gone or changed."""
    folder = instance / FOLDER / digest
    if not _SHA.fullmatch(digest or "") or not (folder / "manifest.json").exists():
        raise ValidationError(_("The checked file is no longer kept: upload it again."), field="file")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    data = (folder / "file").read_bytes()
    if hashlib.sha256(data).hexdigest() != digest:
        raise ValidationError(_("The file changed since it was checked: check it again."), field="file")
    pdfs = {name: (folder / f"pdf-{i}").read_bytes() for i, name in enumerate(manifest["pdfs"])}
    return str(manifest["name"]), data, pdfs


def discard_upload(instance: Path, digest: str) -> None:
    """Forget a kept upload once it is imported (its rows are in the database, its PDFs under
    ``certificates/``); a check never imported stays until the next upload of the same file."""
    if _SHA.fullmatch(digest or ""):
        shutil.rmtree(instance / FOLDER / digest, ignore_errors=True)
