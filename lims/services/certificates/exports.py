"""What an issued certificate is served as: its PDF, JSON, DCC XML, stamp label.

The document is the one stored at issue (never rebuilt from the record); the PDF and the DCC
are the files kept at issue, served byte for byte. These functions let
only :class:`lims.errors.LimsError` out: a failure of a rendering library is wrapped in
:class:`ExportError` (a :class:`certificates.errors.CertificateError` too), whose message says
what could not be produced, so the error handler answers a 500 page or JSON problem, never a trace.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from certificates import jsonform, tokens
from certificates.dcc import to_dcc_xml
from certificates.errors import CertificateError
from certificates.hashing import sha256_hex
from certificates.model import CertificateDocument, Status
from certificates.pdf import render_pdf
from certificates.qr import stamp_label_pdf
from lims.errors import LimsError, NotFound, ValidationError
from lims.i18n import _
from lims.models import Certificate, CertificateOrigin, CertificateStatus
from lims.services.certificates.context import CertificateContext, current_context
from lims.services.certificates.files import dcc_file, pdf_file, render_stored_dcc

__all__ = ["ExportError", "dcc_export", "document_of", "json_export", "pdf_bytes", "stamp_label",
           "status_token", "status_url", "verification_token", "verify_url"]

T = TypeVar("T")


class ExportError(CertificateError, LimsError):
    """A certificate's file could not be produced (a rendering library failed)."""

    status = 500
    code = "export_failed"


@contextmanager
def _producing(what: str, cert: Certificate) -> Iterator[None]:
    try:
        yield
    except LimsError:
        raise
    except Exception as exc:
        raise ExportError(_("Certificate %(number)s cannot be produced as %(what)s: %(why)s",
                            number=cert.number, what=what, why=str(exc) or type(exc).__name__)) from exc


def _guarded(what: str, cert: Certificate, produce: Callable[[], T]) -> T:
    with _producing(what, cert):
        return produce()


def verification_token(cert: Certificate) -> str:
    return (cert.document or {}).get("verification", {}).get("token", "")


def _issued_only(cert: Certificate, what: str) -> None:
    """Refuse what only a certificate issued by this system has (its document, DCC)."""
    if cert.origin == CertificateOrigin.imported.value:
        raise NotFound(_("Certificate %(number)s was imported from the lab's earlier records: it has no %(what)s.",
                         number=cert.number, what=what))


def verify_url(cert: Certificate, ctx: CertificateContext | None = None) -> str:
    """The URL printed as QR on the certificate (as issued); for a certificate imported from the
    lab's earlier records, which has no QR of this system, its status-only page."""
    if cert.origin == CertificateOrigin.imported.value:
        return status_url(cert, ctx)
    stored = (cert.document or {}).get("verification", {}).get("url")
    return stored or (ctx or current_context()).verify_url(verification_token(cert))


def status_token(cert: Certificate, ctx: CertificateContext | None = None) -> str:
    """The status-only token of ``cert`` (the same each time for the same signing key)."""
    return tokens.sign_token(cert.id, (ctx or current_context()).keystore, scope=tokens.SCOPE_STATUS)


def status_url(cert: Certificate, ctx: CertificateContext | None = None) -> str:
    """``<base_url>/v/<status token>``: the QR on the stamp sticker (tem kiểm định), which anyone
    may scan. It shows validity only: no owner, no PDF (:mod:`.holders`)."""
    ctx = ctx or current_context()
    return ctx.verify_url(status_token(cert, ctx))


def document_of(cert: Certificate, *, with_status: bool = True) -> CertificateDocument:
    """The document as issued; ``with_status`` marks a revoked or superseded one as such."""
    doc = jsonform.from_json_dict(cert.document["certificate"])
    if with_status and cert.status != CertificateStatus.valid.value:
        doc = dataclasses.replace(doc, status=Status(cert.status))
    return doc


def pdf_bytes(cert: Certificate, *, lang: str | None = None, original: bool = False,
              context: CertificateContext | None = None) -> bytes:
    """The issued PDF; a revoked or superseded certificate, or another language, is drawn again
    from the stored document (marked REVOKED / SUPERSEDED) unless ``original`` is asked."""
    ctx = context or current_context()
    lang = lang or cert.language
    if cert.origin == CertificateOrigin.imported.value:  # the PDF as the lab gave it, never drawn
        path = pdf_file(cert, ctx)
        if path is None or not path.exists():
            raise NotFound(_("Certificate %(number)s was imported from the lab's earlier records without "
                             "its PDF.", number=cert.number))
        return path.read_bytes()
    if lang == cert.language and (original or cert.status == CertificateStatus.valid.value):
        path = pdf_file(cert, ctx)
        if path is not None and path.exists():
            return path.read_bytes()
    return _guarded("PDF", cert, lambda: render_pdf(document_of(cert, with_status=not original),
                                                    verify_url=verify_url(cert, ctx), lang=lang))


def json_export(cert: Certificate) -> dict:
    """The document in the package's JSON form (``certificates.jsonform``), with today's status."""
    _issued_only(cert, _("certificate document"))
    return _guarded("JSON form", cert, lambda: jsonform.to_json_dict(document_of(cert)))


def dcc_export(cert: Certificate, ctx: CertificateContext | None = None) -> bytes:
    """The DCC 3.3.0 XML as issued: the stored file, byte for byte (its SHA-256 is ``dcc_sha256``).

    A certificate issued before DCCs were kept (no ``dcc_path``) gets one written from its stored
    document, validated against the schema (``render --all-missing`` keeps it as its record). A
    kept DCC whose file is missing is written again only when the result has the recorded hash;
    otherwise it is refused, never served as if it were the issued one.
    """
    _issued_only(cert, _("DCC"))
    path = dcc_file(cert, ctx)
    if path is not None and path.exists():
        return path.read_bytes()
    if not cert.dcc_sha256:
        return _guarded("DCC XML", cert, lambda: to_dcc_xml(document_of(cert, with_status=False),
                                                            verify_url=verify_url(cert, ctx)))
    data = _guarded("DCC XML", cert, lambda: render_stored_dcc(cert.document["certificate"], verify_url(cert, ctx)))
    if sha256_hex(data) != cert.dcc_sha256:
        raise ExportError(_("The issued DCC of certificate %(number)s is missing and cannot be written again "
                            "identically; restore it from the backup.", number=cert.number))
    return data


def stamp_label(cert: Certificate, *, lang: str | None = None, context: CertificateContext | None = None) -> bytes:
    """Printable verification-stamp label (tem kiểm định) with the QR code of the status-only
    link (:func:`status_url`): a sticker is seen by anyone, so its QR opens no PDF.

    A passed verification of an instrument type without periodic verification (no valid-until
    date, Circular 23/2013/TT-BKHCN) gets a label that says so instead of a date."""
    if not cert.stamp_number:
        raise ValidationError(_("Only a passed verification has a stamp."), field="stamp_number")
    summary = (cert.document or {}).get("summary", {})
    valid_until = cert.valid_until
    return _guarded(_("a stamp label"), cert, lambda: stamp_label_pdf(
        status_url(cert, context), cert.stamp_number or "", valid_until,
        lang=lang or cert.language, issuer=summary.get("laboratory")))
