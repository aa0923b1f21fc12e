"""What the public check page gives beyond the status: the holder's PDF, the stamp's status-only
link, and the lookup by certificate number plus stamp number (for a damaged QR).

* The certificate's own QR carries a **full** token: whoever holds it holds the certificate, so
  the token opens the PDF (:func:`holder_pdf`). A revoked or superseded certificate's PDF is
  still given, drawn again and marked REVOKED / SUPERSEDED (:func:`~.exports.pdf_bytes`): the
  holder already had the original, and the marked copy cannot pass for a valid one.
* The QR on a stamp sticker carries a **status** token (:func:`~.exports.status_url`): anyone at a market
  can scan it, so it shows validity only.
* Numbers are printed on the certificate and the stamp, so they are no proof of possession:
  a lookup by numbers answers the status-only view (:func:`lookup_by_numbers`).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from certificates import tokens
from lims.errors import NotFound, ValidationError
from lims.i18n import _
from lims.models import Certificate
from lims.services.certificates.context import CertificateContext, current_context
from lims.services.certificates.exports import pdf_bytes, status_token
from lims.services.certificates.public import NotGenuine, PublicView, genuine_token, public_view

__all__ = ["MAX_LOOKUP_CHARS", "NoSuchCertificate", "holder_pdf", "lookup_by_numbers"]

#: Longer input is no certificate or stamp number of this lab (refused before the database).
MAX_LOOKUP_CHARS = 64


class NoSuchCertificate(NotFound):
    """No certificate has this number together with this stamp number (never says which is wrong)."""


def holder_pdf(session: Session, token: str, ctx: CertificateContext | None = None) -> tuple[Certificate, bytes]:
    """The certificate a **full** token names and its PDF. A status token, a forged one, or a
    token of a certificate that is gone raises :class:`NotGenuine` (404)."""
    ctx = ctx or current_context()
    certificate_id, scope = genuine_token(token, ctx)
    cert = session.get(Certificate, certificate_id) if scope == tokens.SCOPE_FULL else None
    if cert is None:
        raise NotGenuine(_("This is not a genuine certificate of this lab."))
    return cert, pdf_bytes(cert, context=ctx)


def lookup_by_numbers(session: Session, number: str, stamp_number: str,
                      ctx: CertificateContext | None = None) -> tuple[PublicView, str]:
    """The status-only view of the certificate with this number and this stamp number, and its
    status token. Both are required; spaces around them are ignored, and lower-case letters are
    read as the upper-case ones printed. Raises :class:`NoSuchCertificate` when no certificate has both,
    and :class:`~lims.errors.ValidationError` when one is missing."""
    ctx = ctx or current_context()
    number, stamp_number = (number or "").strip(), (stamp_number or "").strip()
    if not number or not stamp_number:
        raise ValidationError(_("Enter both the certificate number and the stamp number."),
                              field="stamp" if number else "number")
    if max(len(number), len(stamp_number)) > MAX_LOOKUP_CHARS:
        raise NoSuchCertificate(_("No certificate of this lab has this number and this stamp number."))
    cert = session.execute(select(Certificate).where(
        Certificate.number.in_(sorted({number, number.upper()})),
        Certificate.stamp_number.in_(sorted({stamp_number, stamp_number.upper()})))).scalars().first()
    if cert is None:
        raise NoSuchCertificate(_("No certificate of this lab has this number and this stamp number."))
    return public_view(session, cert.id).for_scope(tokens.SCOPE_STATUS, ctx), status_token(cert, ctx)
