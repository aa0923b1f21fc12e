"""Issue, amend and revoke certificates.

* :func:`issue_for_record` — called by the workflow when a reviewer approves a record: a
  gap-free number, the stamp number and valid-until of a passed verification, the document
  (numbers rounded once, from the record), the signed verification token, the PDF and its
  SHA-256, an audit event. A verification that did not pass gets a *notice of
  non-conformity* instead (same register of numbers, no stamp, no valid-until).
* :func:`amend_certificate` — a correction: a new certificate with a new number that
  supersedes the old one; the old one becomes ``superseded`` and stays readable.
* :func:`revoke_certificate` — withdraws a certificate, with a reason, by a reviewer.

Issued certificates are never changed in place except their status fields (``status``,
``revoked_at``, ``revoked_by_id``, ``revoke_reason``); nothing is ever deleted. The PDF and
the DCC XML are produced inside the transaction (their hashes are stored) and written after
the commit (:mod:`lims.services.certificates.files`).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from certificates import jsonform, tokens
from certificates.dcc import to_dcc_xml
from certificates.errors import KeyStoreError
from certificates.hashing import sha256_hex
from certificates.labels import amendment_remark
from certificates.model import CertificateDocument, LocalText
from certificates.pdf import render_pdf
from lims.errors import Conflict, LimsError, ValidationError
from lims.i18n import _
from lims.models import (
    Certificate,
    CertificateStatus,
    Organisation,
    Record,
    RecordStatus,
    Role,
    User,
    WorkKind,
)
from lims.services import audit, office_summary, policy
from lims.services.catalog import the_lab
from lims.services.certificates.context import CertificateContext, current_context
from lims.services.certificates.document import (
    Issue,
    build_document,
    is_notice,
    is_pass,
    valid_until_after,
    validity_basis,
)
from lims.services.certificates.files import queue_dcc, queue_pdf
from lims.services.certificates.numbering import certificate_number, stamp_number
from lims.services.certificates.queries import get_certificate, status_label
from lims.services.inputs import opts, service_input
from lims.services.numbering import next_value
from lims.services.policy import Actor
from lims.services.validation import Checker

__all__ = ["AmendCertificate", "RevokeCertificate", "amend_certificate", "issue_for_record", "revoke_certificate"]


@service_input
@dataclass(frozen=True)
class AmendCertificate:
    """What a reviewer gives to correct a certificate (``POST …/amend``)."""

    reason: str = field(metadata=opts(max_len=1000))
    record_id: int | None = field(default=None, metadata=opts(minimum=1))
    language: Literal["vi", "en"] | None = None
    reason_en: str | None = field(default=None, metadata=opts(max_len=1000))  # the reason in English


@service_input
@dataclass(frozen=True)
class RevokeCertificate:
    """What a reviewer gives to withdraw a certificate (``POST …/revoke``)."""

    reason: str = field(metadata=opts(max_len=1000))


def _customer(record: Record) -> Organisation:
    if record.request_item is not None:
        return record.request_item.request.customer
    return record.instrument.owner


def _summary(doc: CertificateDocument, record: Record, customer: Organisation) -> dict[str, Any]:
    """The few fields the public page shows, kept beside the document for a one-query lookup."""
    title = doc.title if isinstance(doc.title, LocalText) else None
    name = doc.instrument.name
    return {
        "notice": is_notice(record),
        "title": {"vi": title.vi, "en": title.en} if title else None,
        "verdict": doc.conformity.verdict.value if doc.conformity else None,
        "instrument": {"vi": name.vi, "en": name.en or name.vi} if isinstance(name, LocalText)
        else {"vi": name, "en": name},
        "manufacturer": doc.instrument.manufacturer,
        "model": doc.instrument.model,
        "serial_number": doc.instrument.serial_number,
        "owner": customer.name,
        "laboratory": doc.laboratory.name if isinstance(doc.laboratory.name, str) else doc.laboratory.name.vi,
        "supersedes": doc.supersedes,
    }


def _snapshot(cert: Certificate) -> dict[str, Any]:
    after = audit.snapshot(cert, exclude=("document",))
    canonical = json.dumps(cert.document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    after["document_sha256"] = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return after


def _sign(ctx: CertificateContext, cert: Certificate) -> tuple[str, str]:
    try:
        return tokens.sign_token(cert.id, ctx.keystore), ctx.keystore.current_key_id
    except KeyStoreError as exc:
        raise LimsError(_("The certificate signing key cannot be used: %(why)s", why=str(exc))) from None


@dataclass(frozen=True)
class _Plan:
    """What is decided before the document is built: date, language, valid-until, stamp, predecessor."""

    issue_date: date
    language: str
    valid_until: date | None
    stamp: str | None
    supersedes: Certificate | None = None
    extra_remarks: tuple[Any, ...] = ()
    periodic: bool = True
    validity_basis: LocalText | None = None
    amendment_reason: LocalText | None = None


def _issue(session: Session, actor: Actor, record: Record, ctx: CertificateContext, plan: _Plan) -> Certificate:
    lab = the_lab(session)
    if lab is None:
        raise ValidationError(_("The lab itself is not registered as an organisation (kind: lab)."), field="lab")
    customer = _customer(record)
    signer = actor if isinstance(actor, User) else None  # SYSTEM: the record's reviewer signs
    year = plan.issue_date.year
    # Checks that need no number first, so a refused issue never takes the numbering lock.
    build_document(record, lab, customer, signer, Issue("—", plan.issue_date, plan.language, plan.valid_until,
                                                        plan.stamp or "—", periodic=plan.periodic,
                                                        validity_basis=plan.validity_basis))
    seq = next_value(session, f"certificate:{record.kind}", year)
    number = certificate_number(ctx, kind=record.kind, year=year, seq=seq)
    stamp = plan.stamp
    if stamp is None and record.kind == WorkKind.verification.value and is_pass(record):
        stamp = stamp_number(ctx, year=year, seq=next_value(session, "stamp", year))
    old = plan.supersedes
    doc = build_document(record, lab, customer, signer, Issue(
        number, plan.issue_date, plan.language, plan.valid_until, stamp, old.number if old else None,
        plan.extra_remarks, plan.periodic, plan.validity_basis, plan.amendment_reason))
    cert = Certificate(
        number=number, kind=record.kind, year=year, seq=seq, record_id=record.id,
        instrument_id=record.instrument_id, customer_id=customer.id, issue_date=plan.issue_date,
        valid_until=doc.valid_until, status=CertificateStatus.valid.value, stamp_number=doc.stamp_number,
        language=plan.language, document={}, issued_by_id=policy.actor_id(actor),
        supersedes_id=old.id if old else None,
    )
    session.add(cert)
    session.flush()
    token, key_id = _sign(ctx, cert)
    url = ctx.verify_url(token)
    pdf = render_pdf(doc, verify_url=url, lang=plan.language)
    cert.document = {  # summary first: the public page reads only it
        "summary": _summary(doc, record, customer),
        "verification": {"token": token, "url": url, "key_id": key_id},
        "certificate": jsonform.to_json_dict(doc),
    }
    cert.signing_key_id = key_id
    cert.pdf_sha256 = sha256_hex(pdf)
    queue_pdf(session, ctx, cert, pdf)  # written after the commit
    queue_dcc(session, ctx, cert, to_dcc_xml(doc, verify_url=url))  # the DCC is a record too
    session.flush()
    office_summary.certificate_issued(session, cert, record)  # the office's turnaround and overdue spans
    return cert


def _validity(record: Record, ctx: CertificateContext, issue_date: date) -> tuple[date | None, bool, LocalText | None]:
    """(valid-until, periodic, how it was counted) of a passed verification.

    The instrument type's interval (Circular 23/2013/TT-BKHCN) counted from the date of
    verification — the record's work date — with the context's rule (``LIMS_VALID_UNTIL_RULE``).
    A type without an interval (initial verification only) gets no valid-until date.
    """
    if record.kind != WorkKind.verification.value or not is_pass(record):
        return None, True, None
    months = record.instrument.type.verification_interval_months
    if not months:
        return None, False, validity_basis(None)
    start = record.work_date or issue_date
    return valid_until_after(start, months, ctx.valid_until_rule), True, validity_basis(months, ctx.valid_until_rule)


def _validity_of(old: Certificate) -> tuple[bool, LocalText | None]:
    """(periodic, how valid-until was counted) as ``old`` stated them (an amendment keeps them)."""
    stored = (old.document or {}).get("certificate") or {}
    basis = stored.get("validity_basis")
    text = LocalText(basis["vi"], basis.get("en")) if isinstance(basis, dict) and basis.get("vi") \
        else (LocalText(basis) if isinstance(basis, str) and basis else None)
    return bool(stored.get("periodic_verification", True)), text


def _valid_certificate_of(session: Session, record: Record) -> str | None:
    return session.scalar(select(Certificate.number).where(
        Certificate.record_id == record.id, Certificate.status == CertificateStatus.valid.value))


def issue_for_record(session: Session, actor: Actor | None, record: Record, *,
                     issue_date: date | None = None, language: str | None = None,
                     context: CertificateContext | None = None) -> Certificate:
    """Issue the certificate (or notice of non-conformity) of an approved record.

    Called inside the approving transaction: the caller commits, then writes the PDF
    (:func:`~lims.services.certificates.files.write_pending`). ``actor`` is the reviewer who
    approved (printed as the authorising person), or :data:`~lims.services.policy.SYSTEM`
    (the record's reviewer signs). The instrument's next due date is the workflow's to move.
    """
    actor = policy.require(actor, Role.reviewer)
    ctx = context or current_context()
    if record.status != RecordStatus.approved.value:
        raise Conflict(_("Record %(number)s is not approved; only an approved record gets a certificate.",
                         number=record.number))
    existing = _valid_certificate_of(session, record)
    if existing:
        raise Conflict(_("Record %(record)s already has certificate %(number)s.", record=record.number,
                         number=existing))
    issue_date = issue_date or date.today()
    valid_until, periodic, basis = _validity(record, ctx, issue_date)
    plan = _Plan(issue_date, language or ctx.language, valid_until, None, periodic=periodic, validity_basis=basis)
    cert = _issue(session, actor, record, ctx, plan)
    audit.record(session, actor, "certificate.issue", cert, after=_snapshot(cert))
    return cert


def _lock_status(session: Session, cert: Certificate, new_status: str, **values: Any) -> None:
    """Change a valid certificate's status; refuse when someone else changed it first."""
    result = session.execute(
        update(Certificate)
        .where(Certificate.id == cert.id, Certificate.status == CertificateStatus.valid.value)
        .values(status=new_status, **values)
        .execution_options(synchronize_session=False)
    )
    # An UPDATE answers a CursorResult; Session.execute is typed as returning the plain Result.
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(cert)
        raise _not_valid(cert)
    session.refresh(cert)


def _not_valid(cert: Certificate) -> Conflict:
    return Conflict(_("Certificate %(number)s is %(status)s already; only a valid certificate can be "
                      "amended or revoked.", number=cert.number, status=status_label(cert.status)))


def _amended_record(session: Session, c: Checker, old: Certificate, record_id: int | None) -> Record | None:
    """The record the amendment is issued from: the same one, or a newer approved one without certificate
    (the only way for a certificate imported from the lab's earlier records, which has none)."""
    if record_id is None or record_id == old.record_id:
        if old.record is None:
            c.fail("record_id", _("This certificate was imported from the lab's earlier records and has no "
                                  "record: choose the approved record the corrected certificate is issued from."))
        return old.record
    record = session.get(Record, record_id)
    if record is None:
        c.fail("record_id", _("Nothing with id %(id)s.", id=record_id))
    elif record.instrument_id != old.instrument_id or record.kind != old.kind:
        c.fail("record_id", _("The record must be of the same instrument and kind as the certificate."))
    elif record.status != RecordStatus.approved.value:
        c.fail("record_id", _("Only an approved record gets a certificate."))
    else:
        other = _valid_certificate_of(session, record)
        if other:
            c.fail("record_id", _("Record %(record)s already has certificate %(number)s.",
                                  record=record.number, number=other))
        return record
    return old.record


def _amendment_reason(data: AmendCertificate) -> LocalText:
    """The reason as the reviewer gave it (Vietnamese), with its English text when given: the
    document's ``amendment_reason``, printed as :func:`certificates.labels.amendment_remark`."""
    return LocalText(data.reason.strip(), (data.reason_en or "").strip() or None)


def amend_certificate(session: Session, actor: Actor | None, certificate_id: int, data: AmendCertificate, *,
                      issue_date: date | None = None, context: CertificateContext | None = None) -> Certificate:
    """Correct a certificate: issue a new one (new number) that supersedes it.

    ``data.reason`` is printed on the new certificate; ``data.record_id`` may name a newer
    approved record of the same instrument and kind (default: the same record, whose corrected
    catalog data — customer, instrument identification — are read again). With the same record
    the valid-until date and the stamp number stay those of the original (the stamp on the
    instrument does not change and a correction does not extend a verification).
    """
    actor = policy.require(actor, Role.reviewer)
    ctx = context or current_context()
    old = get_certificate(session, actor, certificate_id)
    c = Checker()
    if len(data.reason) < 5:
        c.fail("reason", _("Say in a few words what is corrected."))
    record = _amended_record(session, c, old, data.record_id)
    if old.status != CertificateStatus.valid.value:
        raise _not_valid(old)
    c.done()
    assert record is not None  # refused above when there is none
    issue_date = issue_date or date.today()
    reason = _amendment_reason(data)
    same = record.id == old.record_id
    _lock_status(session, old, CertificateStatus.superseded.value)
    if same:  # the stamp stays on the instrument, and a correction does not extend a verification
        valid_until, stamp = old.valid_until, old.stamp_number
        periodic, basis = _validity_of(old)
    else:
        (valid_until, periodic, basis), stamp = _validity(record, ctx, issue_date), None
    new = _issue(session, actor, record, ctx, _Plan(
        issue_date, data.language or old.language, valid_until, stamp, supersedes=old,
        extra_remarks=(amendment_remark(reason, old.number),), periodic=periodic, validity_basis=basis,
        amendment_reason=reason))
    audit.record(session, actor, "certificate.supersede", old, before={"status": CertificateStatus.valid.value},
                 after={"status": old.status, "superseded_by": new.number, "reason": data.reason})
    audit.record(session, actor, "certificate.amend", new, after={**_snapshot(new), "reason": data.reason})
    return new


def revoke_certificate(session: Session, actor: Actor | None, certificate_id: int,
                       data: RevokeCertificate) -> Certificate:
    """Withdraw a valid certificate (reviewer; a reason is required). Nothing is deleted."""
    actor = policy.require(actor, Role.reviewer)
    cert = get_certificate(session, actor, certificate_id)
    c = Checker()
    if len(data.reason) < 5:
        c.fail("reason", _("Say in a few words why the certificate is revoked."))
    c.done()
    if cert.status != CertificateStatus.valid.value:
        raise _not_valid(cert)
    now = datetime.now(UTC)
    _lock_status(session, cert, CertificateStatus.revoked.value, revoked_at=now,
                 revoked_by_id=policy.actor_id(actor), revoke_reason=data.reason)
    office_summary.refresh_overdue(session, cert.instrument_id)  # a revoked certificate keeps nothing in force
    audit.record(session, actor, "certificate.revoke", cert, before={"status": CertificateStatus.valid.value},
                 after={"status": cert.status, "reason": data.reason, "revoked_at": now})
    return cert
