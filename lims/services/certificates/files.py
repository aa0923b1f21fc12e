"""The issued files: where they live, written only after the transaction committed.

Issuing renders the PDF and writes the DCC XML inside the transaction (their SHA-256 and
relative paths are stored with the row: ``pdf_sha256``/``pdf_path``, ``dcc_sha256``/``dcc_path``)
and *queues* the bytes on the session (:func:`queue_pdf`, :func:`queue_dcc`). Whoever commits
writes them afterwards with :func:`write_pending`: the web layer after every committed request
(``lims.web.transaction.after_commit``), the CLI and the demo seeder right after their
commit. A rollback drops the queue. A crash between the commit and the write leaves a row
whose file is missing: ``lims certificates render --all-missing`` (:func:`missing_pdfs`,
:func:`render_stored`, :func:`store_rendered`; :func:`missing_dccs`, :func:`render_stored_dcc`,
:func:`store_rendered_dcc`) draws it again from the stored document, and since rendering is
deterministic the file matches the recorded SHA-256. A certificate issued before DCCs were
kept (no ``dcc_path``) gets its DCC written the same way, and that file becomes its record.
"""
from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from certificates import jsonform
from certificates.dcc import to_dcc_xml
from certificates.hashing import sha256_hex
from certificates.pdf import render_pdf
from lims.models import Certificate, CertificateOrigin
from lims.services import audit
from lims.services.certificates.context import CertificateContext, current_context

__all__ = ["PDF_FOLDER", "PendingFile", "dcc_file", "dcc_path_of", "file_name_of", "missing_dccs", "missing_pdfs",
           "pdf_file", "pdf_path_of", "queue_dcc", "queue_pdf", "render_stored", "render_stored_dcc",
           "store_rendered", "store_rendered_dcc", "write_file", "write_pending"]

PDF_FOLDER = "certificates"
_PENDING = "lims.certificates.pending_files"


def file_name_of(number: str) -> str:
    """A certificate number as a file name stem: ``2026-KD-000001`` stays, ``A/B 1`` → ``A_B_1``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", number).strip("._") or "certificate"


def pdf_path_of(cert: Certificate) -> str:
    """The PDF's path relative to the instance folder: ``certificates/<year>/<number>.pdf``."""
    return f"{PDF_FOLDER}/{cert.year}/{file_name_of(cert.number)}.pdf"


def dcc_path_of(cert: Certificate) -> str:
    """The DCC's path relative to the instance folder: ``certificates/<year>/<number>.dcc.xml``."""
    return f"{PDF_FOLDER}/{cert.year}/{file_name_of(cert.number)}.dcc.xml"


def pdf_file(cert: Certificate, ctx: CertificateContext | None = None) -> Path | None:
    if not cert.pdf_path:
        return None
    return (ctx or current_context()).instance_path / cert.pdf_path


def dcc_file(cert: Certificate, ctx: CertificateContext | None = None) -> Path | None:
    """Where the issued DCC is kept (None for a certificate issued before DCCs were kept)."""
    if not cert.dcc_path:
        return None
    return (ctx or current_context()).instance_path / cert.dcc_path


def write_file(ctx: CertificateContext, relative: str, data: bytes) -> None:
    """Write ``data`` under the instance folder atomically (a reader never sees half a file)."""
    target = ctx.instance_path / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".part-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


@dataclass(frozen=True)
class PendingFile:
    """A file to write once the transaction that recorded it has committed."""

    ctx: CertificateContext
    relative: str
    data: bytes

    def write(self) -> None:
        write_file(self.ctx, self.relative, self.data)


def _drop_pending(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the session's own transaction, not a savepoint
        session.info.pop(_PENDING, None)


def _queue(session: Session, pending: PendingFile) -> PendingFile:
    queue = session.info.setdefault(_PENDING, [])
    if not event.contains(session, "after_soft_rollback", _drop_pending):
        event.listen(session, "after_soft_rollback", _drop_pending)
    queue.append(pending)
    return pending


def queue_pdf(session: Session, ctx: CertificateContext, cert: Certificate, data: bytes) -> PendingFile:
    """Record ``cert``'s PDF path and queue its bytes for :func:`write_pending`."""
    cert.pdf_path = pdf_path_of(cert)
    return _queue(session, PendingFile(ctx, cert.pdf_path, data))


def queue_dcc(session: Session, ctx: CertificateContext, cert: Certificate, data: bytes) -> PendingFile:
    """Record ``cert``'s DCC: its path and SHA-256, the bytes queued for :func:`write_pending`.

    The DCC is a record like the PDF: written once at issue and served byte for byte ever after.
    """
    cert.dcc_path = dcc_path_of(cert)
    cert.dcc_sha256 = sha256_hex(data)
    return _queue(session, PendingFile(ctx, cert.dcc_path, data))


def write_pending(session: Session) -> int:
    """Write the files queued on ``session`` (call after its commit); the number written."""
    queue: list[PendingFile] = session.info.pop(_PENDING, [])
    for pending in queue:
        pending.write()
    return len(queue)


def missing_pdfs(session: Session, ctx: CertificateContext | None = None) -> list[Certificate]:
    """Certificates whose PDF file is absent: the instance folder was restored without it, or the
    process stopped between the commit and the write."""
    return _missing(session, ctx or current_context(), pdf_file)


def missing_dccs(session: Session, ctx: CertificateContext | None = None) -> list[Certificate]:
    """Certificates whose DCC file is absent: issued before DCCs were kept (no ``dcc_path``), the
    instance folder restored without it, or the process stopped between the commit and the write."""
    return _missing(session, ctx or current_context(), dcc_file)


def _missing(session: Session, ctx: CertificateContext,
             file_of: Callable[[Certificate, CertificateContext], Path | None]) -> list[Certificate]:
    """Certificates whose file (``file_of``) is not in the instance folder, in issue order. Not those
    imported from the lab's earlier records: their PDF is the lab's own file, never drawn here (a
    missing one comes back with the backup), and they have no DCC."""
    query = select(Certificate).where(Certificate.origin == CertificateOrigin.issued.value).order_by(Certificate.id)
    return [cert for cert in session.scalars(query)
            if (path := file_of(cert, ctx)) is None or not path.exists()]


def render_stored_dcc(document: dict, url: str) -> bytes:
    """Write a stored document's DCC again (a plain function, so worker processes can run it).

    The DCC as issued: the document as it was stored, whatever the certificate's status today."""
    return to_dcc_xml(jsonform.from_json_dict(document), verify_url=url)


def store_rendered_dcc(session: Session, cert: Certificate, data: bytes,
                       ctx: CertificateContext | None = None) -> bool:
    """Save a DCC written again; True when it is byte-identical to the recorded one (or when none
    was recorded: a certificate issued before DCCs were kept, whose DCC this file becomes).

    A DCC that differs from the recorded SHA-256 (another release of the writer) is still written,
    and listed by the caller, but the recorded hash stays that of the issued DCC.
    """
    return _store_again(session, cert, data, ctx, path=dcc_path_of(cert), kind="dcc")


def render_stored(document: dict, url: str, lang: str) -> bytes:
    """Draw a stored document again (a plain function, so worker processes can run it)."""
    return render_pdf(jsonform.from_json_dict(document), verify_url=url, lang=lang)


def store_rendered(session: Session, cert: Certificate, data: bytes,
                   ctx: CertificateContext | None = None) -> bool:
    """Save a re-rendered PDF; True when it is byte-identical to the issued one (same SHA-256).

    A PDF that differs (other reportlab or font version) is still written, so the holder's
    copy can be printed again, but the recorded hash stays that of the issued PDF.

    Written at once, not queued: the certificate rows are committed already (this repairs
    their files), and a restore may draw many thousands of PDFs, which must not wait in memory.
    """
    return _store_again(session, cert, data, ctx, path=pdf_path_of(cert), kind="pdf")


def _store_again(session: Session, cert: Certificate, data: bytes, ctx: CertificateContext | None, *,
                 path: str, kind: str) -> bool:
    """Write a file drawn again from the stored document; keep the hash recorded at issue (or
    record this one when none was), audit it, and say whether it is byte-identical."""
    ctx = ctx or current_context()
    digest = sha256_hex(data)
    write_file(ctx, path, data)
    recorded = getattr(cert, f"{kind}_sha256")
    same = recorded in (None, digest)
    if getattr(cert, f"{kind}_path") != path or recorded is None:
        setattr(cert, f"{kind}_path", path)
        setattr(cert, f"{kind}_sha256", recorded or digest)
    audit.record(session, None, "certificate.rerender", cert,
                 after={f"{kind}_path": path, f"{kind}_sha256": digest, "identical": same})
    return same
