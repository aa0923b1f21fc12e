"""The public check page (``/v/<token>``): token check, one-query lookup, what the page shows.

The page and its JSON show the SHA-256 of the issued PDF and of the issued DCC XML, so a holder
of either file can check it is the one the lab issued.

Anonymous by design: the token's signature is the permission, and its signed scope says how
much: a **full** token (the certificate's own QR) shows everything and opens the PDF; a
**status** token (a stamp sticker's QR, or a lookup by numbers) shows validity only — no owner,
no file hashes, no PDF (:meth:`PublicView.for_scope`). It is checked before any
database work (forgeries cost no query), and a good one is remembered in the context
(:attr:`CertificateContext.genuine`).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, aliased

from certificates import tokens
from certificates.errors import InvalidToken
from lims.errors import NotFound
from lims.i18n import _
from lims.models import Certificate, CertificateStatus
from lims.services.certificates.context import CertificateContext, current_context
from lims.services.certificates.queries import EXPIRED

__all__ = ["NotGenuine", "PublicView", "genuine_certificate_id", "genuine_token", "public_keys", "public_lookup",
           "public_statement", "public_view", "public_view_from_row"]


class NotGenuine(NotFound):
    """The token is not one this lab signed, or names no certificate."""


@dataclass(frozen=True)
class PublicView:
    number: str
    kind: str
    status: str
    issue_date: date
    valid_until: date | None
    stamp_number: str | None
    pdf_sha256: str | None
    revoked_at: datetime | None
    summary: dict[str, Any]
    superseded_by_number: str | None
    superseded_by_token: str | None
    dcc_sha256: str | None = None
    scope: str = tokens.SCOPE_FULL

    def for_scope(self, scope: str, ctx: CertificateContext) -> PublicView:
        """What a token of ``scope`` may see: a status token sees no owner, no file hashes, and
        a link to the newer certificate that is itself status-only."""
        if scope == tokens.SCOPE_FULL:
            return self
        newer = self.superseded_by_token
        if newer:
            newer = tokens.sign_token(genuine_token(newer, ctx)[0], ctx.keystore, scope=tokens.SCOPE_STATUS)
        summary = {k: v for k, v in self.summary.items() if k != "owner"}
        # A certificate imported from the lab's earlier records has no full token (no QR of this
        # system): the SHA-256 of its PDF stays, so a holder of the PDF can check it here.
        pdf_sha256 = self.pdf_sha256 if self.summary.get("imported") else None
        return replace(self, scope=tokens.SCOPE_STATUS, summary=summary, pdf_sha256=pdf_sha256, dcc_sha256=None,
                       superseded_by_token=newer)

    def as_json(self, base_url: str) -> dict[str, Any]:
        s = self.summary
        full = self.scope == tokens.SCOPE_FULL
        answer = {
            "genuine": True,
            "scope": self.scope,
            "number": self.number,
            "kind": self.kind,
            "document": "non_conformity_notice" if s.get("notice") else "certificate",
            "status": self.status,
            "verdict": s.get("verdict"),
            "issue_date": self.issue_date.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "stamp_number": self.stamp_number,
            "instrument": {"name": s.get("instrument"), "manufacturer": s.get("manufacturer"),
                           "model": s.get("model"), "serial_number": s.get("serial_number")},
            "owner": s.get("owner"),
            "laboratory": s.get("laboratory"),
            "pdf_sha256": self.pdf_sha256,
            "dcc_sha256": self.dcc_sha256,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "imported": bool(s.get("imported")),
            "supersedes": s.get("supersedes"),
            "superseded_by": {"number": self.superseded_by_number,
                              "url": tokens.verify_url(base_url, self.superseded_by_token)}
            if self.superseded_by_number and self.superseded_by_token else None,
        }
        if not full:
            for key in ("owner", "dcc_sha256") if s.get("imported") else ("owner", "pdf_sha256", "dcc_sha256"):
                del answer[key]
        return answer


def _not_genuine() -> NotGenuine:
    return NotGenuine(_("This is not a genuine certificate of this lab."))


def genuine_token(token: str, ctx: CertificateContext | None = None) -> tuple[int, str]:
    """The certificate a token names and the token's scope (``full`` or ``status``), once its
    signature is checked (remembered in the context: a signature that was good stays good,
    since keys are only ever added).

    Raises :class:`NotGenuine` for a forged, altered or unknown-key token.
    """
    ctx = ctx or current_context()
    found = ctx.genuine.get(token)
    if found is not None:
        return found
    try:
        payload = tokens.verify(token, ctx.keystore)
    except InvalidToken:
        raise _not_genuine() from None
    if not isinstance(payload.certificate_id, int):
        raise _not_genuine()
    ctx.remember_genuine(token, payload.certificate_id, payload.scope)
    return payload.certificate_id, payload.scope


def genuine_certificate_id(token: str, ctx: CertificateContext | None = None) -> int:
    """The certificate a token of either scope names (see :func:`genuine_token`)."""
    return genuine_token(token, ctx)[0]


@lru_cache(maxsize=1)
def _public_query() -> Select[Any]:
    """One SELECT for the public page (a constant, built once: it runs on every scan of a QR code)."""
    newer = aliased(Certificate)
    return (
        select(Certificate.number, Certificate.kind, Certificate.status, Certificate.issue_date,
               Certificate.valid_until, Certificate.stamp_number, Certificate.pdf_sha256, Certificate.revoked_at,
               Certificate.document["summary"], newer.number, newer.document["verification"]["token"].as_string(),
               Certificate.dcc_sha256)
        .outerjoin(newer, newer.supersedes_id == Certificate.id)
        .where(Certificate.id == bindparam("certificate_id"))
        .limit(1)
    )


def public_lookup(session: Session | Any, token: str, ctx: CertificateContext | None = None,
                  today: date | None = None) -> PublicView:
    """Check the token's signature, then read the certificate in one query (``session`` may be a
    Session or a plain Connection). Raises :class:`NotGenuine` (404) for a forged, altered or unknown token.
    """
    ctx = ctx or current_context()
    certificate_id, scope = genuine_token(token, ctx)
    return public_view(session, certificate_id, today).for_scope(scope, ctx)


def public_view(session: Session | Any, certificate_id: int, today: date | None = None) -> PublicView:
    """What the public page shows of a certificate whose token was checked (one query)."""
    return public_view_from_row(session.execute(_public_query(), {"certificate_id": certificate_id}).first(), today)


@lru_cache(maxsize=4)
def public_statement(dialect: Any) -> tuple[str, dict[str, Any]]:
    """The public page's query as the driver of ``dialect`` takes it: SQL text and its
    parameters (``certificate_id`` still to fill), compiled once per dialect."""
    compiled = _public_query().compile(dialect=dialect)
    return str(compiled), dict(compiled.params)


def public_view_from_row(row: Any, today: date | None = None) -> PublicView:
    """:func:`public_view` for a row read with :func:`public_statement` on a DB-API cursor
    (``None`` when there was none). The driver must return dates, timestamps and JSON as
    Python objects, as psycopg does."""
    if row is None:
        raise _not_genuine()
    status = row[2]
    if status == CertificateStatus.valid.value and row[4] is not None and row[4] < (today or date.today()):
        status = EXPIRED
    return PublicView(number=row[0], kind=row[1], status=status, issue_date=row[3], valid_until=row[4],
                      stamp_number=row[5], pdf_sha256=row[6], revoked_at=row[7], summary=row[8] or {},
                      superseded_by_number=row[9], superseded_by_token=row[10], dcc_sha256=row[11])


def public_keys(ctx: CertificateContext | None = None) -> dict[str, Any]:
    """The JWK Set published at ``/v/keys`` (public keys only; current first)."""
    return (ctx or current_context()).keystore.public_jwks()
