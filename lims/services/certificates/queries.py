"""Reading certificates: one, by number, a filtered list, what superseded one, today's status.

Every reader is ``(session, viewer, ...)``; the viewer is a signed-in user or
:data:`lims.services.policy.SYSTEM`, never ``None`` (a certificate a viewer may not see is
answered as not found, so its existence is not told).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from lims.errors import NotFound, PermissionDenied
from lims.i18n import _
from lims.models import (
    Certificate,
    CertificateStatus,
    Instrument,
    Record,
    RecordStatus,
    WorkKind,
)
from lims.services import listing, policy
from lims.services.policy import Actor
from lims.services.validation import Checker, control_character

__all__ = ["CERTIFICATE", "EXPIRED", "NOTICE", "PUBLIC_STATUSES", "amendable_records", "certificate_query",
           "document_kind", "effective_status", "get_by_number",
           "get_certificate", "list_certificates", "newer_numbers", "status_label", "superseded_by"]

EXPIRED = "expired"
#: The kinds of document a number of the verification register names (API ``document_type``).
CERTIFICATE = "certificate"
NOTICE = "non_conformity_notice"
PUBLIC_STATUSES = ("valid", EXPIRED, "revoked", "superseded")


def status_label(status: str) -> str:
    """A status in the current language; ``non_conformity_notice`` (a failed verification's
    notice in force, see :func:`document_kind`) as the web list badges it."""
    return {"valid": _("valid"), EXPIRED: _("expired"), "revoked": _("revoked"),
            "superseded": _("superseded"), NOTICE: _("notice: not passed")}.get(status, status)


def document_kind(cert: Certificate) -> str:
    """``certificate``, or ``non_conformity_notice`` for a verification that did not pass
    (no stamp, no valid-until: it must never read as a valid certificate)."""
    return NOTICE if ((cert.document or {}).get("summary") or {}).get("notice") else CERTIFICATE


def effective_status(cert: Certificate, today: date | None = None) -> str:
    """``valid``, ``expired`` (valid-until has passed), ``revoked`` or ``superseded``."""
    if cert.status == CertificateStatus.valid.value and cert.valid_until is not None \
            and cert.valid_until < (today or date.today()):
        return EXPIRED
    return cert.status


def _require_viewer(viewer: Actor | None) -> Actor:
    if viewer is None:
        raise PermissionDenied(_("You must sign in."))
    return viewer


def get_certificate(session: Session, viewer: Actor | None, certificate_id: int) -> Certificate:
    _require_viewer(viewer)
    cert = session.get(Certificate, certificate_id)
    if cert is None or not policy.can_see_certificate(viewer, cert):
        raise NotFound(_("No certificate with id %(id)s.", id=certificate_id))
    return cert


def get_by_number(session: Session, viewer: Actor | None, number: str) -> Certificate:
    _require_viewer(viewer)
    number = number.strip()
    # No number holds a control character, and PostgreSQL cannot compare a NUL.
    query = select(Certificate).where(Certificate.number == number)
    cert = None if control_character(number) else session.scalar(query)
    if cert is None or not policy.can_see_certificate(viewer, cert):
        raise NotFound(_("No certificate numbered %(number)s.", number=repr(number)), field="number")
    return cert


def _check_filters(status: str | None, kind: str | None) -> None:
    c = Checker()
    if status:
        c.choice({"status": status}, "status", list(PUBLIC_STATUSES))
    if kind:
        c.choice({"kind": kind}, "kind", [WorkKind.verification.value, WorkKind.calibration.value])
    c.done()


def certificate_query(viewer: Actor | None, *, status: str | None = None, kind: str | None = None) -> Select:
    """The certificates ``viewer`` may see (a business: its own, as customer or owner), of ``status``
    (which may be ``expired``) and ``kind``."""
    _require_viewer(viewer)
    _check_filters(status, kind)
    q = select(Certificate)
    today = date.today()
    if status == EXPIRED:
        q = q.where(Certificate.status == CertificateStatus.valid.value, Certificate.valid_until < today)
    elif status == CertificateStatus.valid.value:
        q = q.where(Certificate.status == status,
                    or_(Certificate.valid_until.is_(None), Certificate.valid_until >= today))
    elif status:
        q = q.where(Certificate.status == status)
    if kind:
        q = q.where(Certificate.kind == kind)
    if not policy.is_staff(viewer):
        org = policy.organisation_of(viewer)
        org = org if org is not None else -1
        owned = select(Instrument.id).where(Instrument.owner_id == org)
        q = q.where(or_(Certificate.customer_id == org, Certificate.instrument_id.in_(owned)))
    return q


def list_certificates(session: Session, viewer: Actor | None, *, status: str | None = None,
                      kind: str | None = None, query: str | None = None, limit: int = 100,
                      offset: int = 0) -> tuple[list[Certificate], int]:
    """Newest first; ``status`` may be ``expired``; ``query``'s words are found in the number, stamp,
    serial number or customer, diacritics and case ignored (:mod:`lims.services.listing`); the total
    is counted up to :data:`lims.services.listing.COUNT_CAP` + 1."""
    q = listing.matching(session, certificate_query(viewer, status=status, kind=kind), Certificate, query)
    q = q.order_by(Certificate.issue_date.desc(), Certificate.id.desc())
    found = listing.page(session, q, Certificate, limit=limit, offset=offset)
    return found.rows, found.total + (1 if found.capped else 0)


def superseded_by(session: Session, cert: Certificate) -> Certificate | None:
    return session.scalar(select(Certificate).where(Certificate.supersedes_id == cert.id).limit(1))


def newer_numbers(session: Session, certificates: list[Certificate]) -> dict[int, str]:
    """The number of the certificate superseding each of ``certificates`` that has one, by id: one
    query for a page of a list (not one per row), looked up by ``supersedes_id``."""
    ids = [c.id for c in certificates]
    if not ids:
        return {}
    rows = session.execute(select(Certificate.supersedes_id, Certificate.number)
                           .where(Certificate.supersedes_id.in_(ids)).order_by(Certificate.id)).all()
    found: dict[int, str] = {}
    for old_id, number in rows:
        if old_id is not None:
            found.setdefault(old_id, number)
    return found


def amendable_records(session: Session, cert: Certificate, limit: int = 20) -> list[Record]:
    """Approved records an amendment of ``cert`` may be issued from (same instrument and kind), newest first."""
    return list(session.scalars(
        select(Record).where(Record.instrument_id == cert.instrument_id, Record.kind == cert.kind,
                             Record.status == RecordStatus.approved.value).order_by(Record.id.desc()).limit(limit)))
