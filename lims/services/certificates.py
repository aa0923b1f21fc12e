"""Certificates: issue from an approved record, serve, amend, revoke, verify in public.

* :func:`issue_for_record` — called by the workflow when a reviewer approves a record: a
  gap-free number, the stamp number and valid-until of a passed verification, the document
  (numbers copied once from the record), the signed verification token, the PDF written under
  the instance folder and its SHA-256, an audit event. A verification that did not pass gets
  a *notice of non-conformity* instead (same register of numbers, no stamp, no valid-until).
* :func:`amend_certificate` — a correction: a new certificate with a new number that
  supersedes the old one; the old one becomes ``superseded`` and stays readable.
* :func:`revoke_certificate` — withdraws a certificate, with a reason, by a reviewer.
* :func:`public_lookup` — what ``/v/<token>`` shows, from one query.

Issued certificates are never changed in place except their status fields (``status``,
``revoked_at``, ``revoked_by_id``, ``revoke_reason``); nothing is ever deleted.

Where files and keys live is a :class:`CertificateContext`: the web layer sets one per
request from the app's settings (:func:`use_context`), the CLI and other callers get one from
the environment (``LIMS_INSTANCE_PATH``, ``LIMS_BASE_URL``, ``LIMS_SIGNING_KEY_FILE``,
``LIMS_CERTIFICATE_NUMBER_PATTERN``, ``LIMS_STAMP_NUMBER_PATTERN``, ``LIMS_LANGUAGE``).
"""
from __future__ import annotations

import contextvars
import dataclasses
import hashlib
import json
import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from certificates import jsonform, tokens
from certificates.errors import InvalidToken, KeyStoreError
from certificates.hashing import sha256_hex
from certificates.keystore import KeyStore
from certificates.model import CertificateDocument, LocalText, Status

from lims.errors import Conflict, LimsError, NotFound, ValidationError
from lims.i18n import _
from lims.models import (
    Certificate,
    CertificateStatus,
    Instrument,
    Organisation,
    Record,
    RecordStatus,
    Role,
    User,
    WorkKind,
)
from lims.services import audit
from lims.services.catalog import the_lab
from lims.services.certificate_document import Issue, add_months, build_document, is_notice, is_pass
from lims.services.numbering import format_number, next_value
from lims.services.users import require_role
from lims.services.validation import Checker

DEFAULT_NUMBER_PATTERN = "{year}-{kind}-{seq:06d}"
DEFAULT_STAMP_PATTERN = "T{yy}-{seq:07d}"
STAFF_ROLES = (Role.technician, Role.reviewer, Role.inspector)
EXPIRED = "expired"
PUBLIC_STATUSES = ("valid", EXPIRED, "revoked", "superseded")
PDF_FOLDER = "certificates"


# ---------------------------------------------------------------- where files and keys live


@dataclass(frozen=True)
class CertificateContext:
    """Instance folder (PDFs), public base URL (QR links), signing keys, numbering patterns."""

    instance_path: Path
    base_url: str
    keystore: KeyStore
    number_pattern: str = DEFAULT_NUMBER_PATTERN
    stamp_pattern: str = DEFAULT_STAMP_PATTERN
    language: str = "vi"

    def verify_url(self, token: str) -> str:
        return tokens.verify_url(self.base_url, token)


_keystores: dict[str, KeyStore] = {}


def keystore_at(path: Path | str, *, directory: bool) -> KeyStore:
    """One :class:`KeyStore` per key location and process (it re-reads the file when it changes)."""
    key = f"{'d' if directory else 'f'}:{Path(path).resolve()}"
    store = _keystores.get(key)
    if store is None:
        store = KeyStore.in_directory(path) if directory else KeyStore(path)
        _keystores[key] = store
    return store


def context_from_settings(settings: Any) -> CertificateContext:
    """The context of an app's :class:`lims.config.Settings`."""
    from_env = os.environ.get("LIMS_SIGNING_KEY_FILE")
    key_path = Path(settings.signing_key_path)
    store = keystore_at(key_path, directory=not from_env or key_path.is_dir())
    return CertificateContext(
        instance_path=Path(settings.instance_path),
        base_url=settings.base_url.rstrip("/"),
        keystore=store,
        number_pattern=os.environ.get("LIMS_CERTIFICATE_NUMBER_PATTERN") or DEFAULT_NUMBER_PATTERN,
        stamp_pattern=os.environ.get("LIMS_STAMP_NUMBER_PATTERN") or DEFAULT_STAMP_PATTERN,
        language=settings.language,
    )


def context_from_env() -> CertificateContext:
    from lims.config import LANGUAGES, instance_path

    folder = instance_path()
    language = os.environ.get("LIMS_LANGUAGE", "vi")
    settings = dataclasses.make_dataclass("S", ["instance_path", "base_url", "signing_key_path", "language"])(
        folder, os.environ.get("LIMS_BASE_URL") or "http://127.0.0.1:5000",
        Path(os.environ.get("LIMS_SIGNING_KEY_FILE") or folder / "signing-keys"),
        language if language in LANGUAGES else "vi",
    )
    return context_from_settings(settings)


_context: contextvars.ContextVar[CertificateContext | None] = contextvars.ContextVar("lims_cert_ctx", default=None)


def set_context(ctx: CertificateContext | None) -> contextvars.Token:
    return _context.set(ctx)


def reset_context(token: contextvars.Token) -> None:
    _context.reset(token)


@contextmanager
def use_context(ctx: CertificateContext) -> Iterator[CertificateContext]:
    token = _context.set(ctx)
    try:
        yield ctx
    finally:
        _context.reset(token)


def current_context() -> CertificateContext:
    """The context set by the caller (web request, test), else one from the environment."""
    return _context.get() or context_from_env()


# ---------------------------------------------------------------- numbers


def _check_pattern(pattern: str, needed: tuple[str, ...], setting: str) -> None:
    missing = [n for n in needed if "{" + n not in pattern]
    try:
        pattern.format(year=2026, yy="26", seq=1, kind="KD", prefix="")
    except (KeyError, ValueError, IndexError):
        missing = missing or ["?"]
    if missing:
        raise ValidationError(
            _("The number pattern %(pattern)s must contain %(fields)s.", pattern=repr(pattern),
              fields=", ".join("{" + n + "}" for n in needed)), field=setting)


def certificate_number(ctx: CertificateContext, *, kind: str, year: int, seq: int) -> str:
    """``{year}-{kind}-{seq:06d}`` → ``2026-KD-000001`` (kind codes KD, HC, TN)."""
    _check_pattern(ctx.number_pattern, ("year", "kind", "seq"), "LIMS_CERTIFICATE_NUMBER_PATTERN")
    return format_number(ctx.number_pattern, year=year, seq=seq, kind=kind)


def stamp_number(ctx: CertificateContext, *, year: int, seq: int) -> str:
    """Số tem: ``T{yy}-{seq:07d}`` → ``T26-0000001``, one register per year."""
    _check_pattern(ctx.stamp_pattern, ("seq",), "LIMS_STAMP_NUMBER_PATTERN")
    return ctx.stamp_pattern.format(year=year, yy=f"{year % 100:02d}", seq=seq, kind="KD", prefix="")


# ---------------------------------------------------------------- issue


def _customer(record: Record) -> Organisation:
    if record.request_item is not None:
        return record.request_item.request.customer
    return record.instrument.owner


def _safe_name(number: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", number).strip("._") or "certificate"


def write_pdf(ctx: CertificateContext, cert: Certificate, data: bytes) -> str:
    """Write the PDF under ``<instance>/certificates/<year>/``, atomically; return the relative path."""
    relative = f"{PDF_FOLDER}/{cert.year}/{_safe_name(cert.number)}.pdf"
    target = ctx.instance_path / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".pdf-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return relative


def _summary(doc: CertificateDocument, record: Record, customer: Organisation) -> dict:
    """The few fields the public page shows, kept beside the document for a one-query lookup."""
    title = doc.title if isinstance(doc.title, LocalText) else None
    return {
        "notice": is_notice(record),
        "title": {"vi": title.vi, "en": title.en} if title else None,
        "verdict": doc.conformity.verdict.value if doc.conformity else None,
        "instrument": {"vi": doc.instrument.name.vi, "en": doc.instrument.name.en or doc.instrument.name.vi}
        if isinstance(doc.instrument.name, LocalText) else {"vi": doc.instrument.name, "en": doc.instrument.name},
        "manufacturer": doc.instrument.manufacturer,
        "model": doc.instrument.model,
        "serial_number": doc.instrument.serial_number,
        "owner": customer.name,
        "laboratory": doc.laboratory.name if isinstance(doc.laboratory.name, str) else doc.laboratory.name.vi,
        "supersedes": doc.supersedes,
    }


def _snapshot(cert: Certificate) -> dict:
    after = audit.snapshot(cert, exclude=("document",))
    canonical = json.dumps(cert.document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    after["document_sha256"] = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return after


def _issue(session: Session, actor: User | None, record: Record, ctx: CertificateContext, *,
           issue_date: date, language: str, valid_until: date | None, stamp: str | None,
           supersedes: Certificate | None, extra_remarks: tuple = ()) -> Certificate:
    lab = the_lab(session)
    if lab is None:
        raise ValidationError(_("The lab itself is not registered as an organisation (kind: lab)."), field="lab")
    customer = _customer(record)
    year = issue_date.year
    # Checks that need no number first, so a refused issue never takes the numbering lock.
    build_document(record, lab, customer, actor, Issue("—", issue_date, language, valid_until, stamp or "—"))
    seq = next_value(session, f"certificate:{record.kind}", year)
    number = certificate_number(ctx, kind=record.kind, year=year, seq=seq)
    if stamp is None and valid_until is not None:
        stamp = stamp_number(ctx, year=year, seq=next_value(session, "stamp", year))
    remarks = extra_remarks
    doc = build_document(record, lab, customer, actor, Issue(
        number, issue_date, language, valid_until, stamp, supersedes.number if supersedes else None, remarks))
    cert = Certificate(
        number=number, kind=record.kind, year=year, seq=seq, record_id=record.id,
        instrument_id=record.instrument_id, customer_id=customer.id, issue_date=issue_date,
        valid_until=doc.valid_until, status=CertificateStatus.valid.value, stamp_number=doc.stamp_number,
        language=language, document={}, issued_by_id=actor.id if actor else None,
        supersedes_id=supersedes.id if supersedes else None,
    )
    session.add(cert)
    session.flush()
    try:
        token = tokens.sign_token(cert.id, ctx.keystore)
        key_id = ctx.keystore.current_key_id
    except KeyStoreError as exc:
        raise LimsError(_("The certificate signing key cannot be used: %(why)s", why=str(exc))) from None
    url = ctx.verify_url(token)
    from certificates.pdf import render_pdf

    pdf = render_pdf(doc, verify_url=url, lang=language)
    cert.document = {  # summary first: the public page reads only it
        "summary": _summary(doc, record, customer),
        "verification": {"token": token, "url": url, "key_id": key_id},
        "certificate": jsonform.to_json_dict(doc),
    }
    cert.signing_key_id = key_id
    cert.pdf_sha256 = sha256_hex(pdf)
    cert.pdf_path = write_pdf(ctx, cert, pdf)
    session.flush()
    return cert


def _valid_until(record: Record, issue_date: date) -> date | None:
    """Verification interval of the instrument type (Circular 23/2013/TT-BKHCN) from the issue date."""
    if record.kind != WorkKind.verification.value or not is_pass(record):
        return None
    months = record.instrument.type.verification_interval_months
    if not months:
        raise ValidationError(
            _("The instrument type %(code)s has no verification interval; set it before issuing.",
              code=record.instrument.type.code), field="verification_interval_months")
    return add_months(issue_date, months)


def issue_for_record(session: Session, actor: User | None, record: Record, *,
                     issue_date: date | None = None, language: str | None = None,
                     context: CertificateContext | None = None) -> Certificate:
    """Issue the certificate (or notice of non-conformity) of an approved record.

    Called inside the approving transaction: the caller commits. ``actor`` is the reviewer
    who approved (printed as the authorising person); ``None`` means the record's reviewer.
    The instrument's next due date is the workflow's to move (``workflow.approve_record``).
    """
    if actor is not None:
        require_role(actor, Role.reviewer)
    ctx = context or current_context()
    if record.status != RecordStatus.approved.value:
        raise Conflict(_("Record %(number)s is not approved; only an approved record gets a certificate.",
                         number=record.number))
    existing = session.scalar(select(Certificate.number).where(
        Certificate.record_id == record.id, Certificate.status == CertificateStatus.valid.value))
    if existing:
        raise Conflict(_("Record %(record)s already has certificate %(number)s.", record=record.number,
                         number=existing))
    issue_date = issue_date or date.today()
    language = language or ctx.language
    cert = _issue(session, actor, record, ctx, issue_date=issue_date, language=language,
                  valid_until=_valid_until(record, issue_date), stamp=None, supersedes=None)
    audit.record(session, actor, "certificate.issue", cert, after=_snapshot(cert))
    return cert


# ---------------------------------------------------------------- amend, revoke


def _lock_status(session: Session, cert: Certificate, new_status: str, **values: Any) -> None:
    """Change a valid certificate's status; refuse when someone else changed it first."""
    result = session.execute(
        update(Certificate)
        .where(Certificate.id == cert.id, Certificate.status == CertificateStatus.valid.value)
        .values(status=new_status, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.refresh(cert)
        raise Conflict(_("Certificate %(number)s is %(status)s already; only a valid certificate can be "
                         "amended or revoked.", number=cert.number, status=status_label(cert.status)))
    session.refresh(cert)


def amend_certificate(session: Session, actor: User | None, certificate_id: int, data: dict[str, Any], *,
                      issue_date: date | None = None, context: CertificateContext | None = None) -> Certificate:
    """Correct a certificate: issue a new one (new number) that supersedes it.

    ``data``: ``reason`` (required, printed on the new certificate), optionally ``record_id``
    (a newer approved record of the same instrument and kind; default: the same record, whose
    corrected catalog data — customer, instrument identification — are read again) and
    ``language`` (``vi``/``en``). With the same record the valid-until date and the stamp
    number stay those of the original (the stamp on the instrument does not change and a
    correction does not extend a verification); a new record counts afresh.
    """
    require_role(actor, Role.reviewer)
    ctx = context or current_context()
    old = get_certificate(session, certificate_id)
    c = Checker()
    reason = c.text(data, "reason", max_len=1000)
    if reason and len(reason) < 5:
        c.fail("reason", _("Say in a few words what is corrected."))
    language = c.choice(data, "language", ["vi", "en"], default=old.language)
    record_id = c.integer(data, "record_id", required=False, minimum=1)
    record = old.record
    if record_id is not None and record_id != old.record_id:
        record = session.get(Record, record_id)
        if record is None:
            c.fail("record_id", _("Nothing with id %(id)s.", id=record_id))
        elif record.instrument_id != old.instrument_id or record.kind != old.kind:
            c.fail("record_id", _("The record must be of the same instrument and kind as the certificate."))
        elif record.status != RecordStatus.approved.value:
            c.fail("record_id", _("Only an approved record gets a certificate."))
        else:
            other = session.scalar(select(Certificate.number).where(
                Certificate.record_id == record.id, Certificate.status == CertificateStatus.valid.value))
            if other:
                c.fail("record_id", _("Record %(record)s already has certificate %(number)s.",
                                      record=record.number, number=other))
    if old.status != CertificateStatus.valid.value:
        raise Conflict(_("Certificate %(number)s is %(status)s already; only a valid certificate can be "
                         "amended or revoked.", number=old.number, status=status_label(old.status)))
    c.done()
    issue_date = issue_date or date.today()
    same = record.id == old.record_id
    note = LocalText(f"Sửa đổi: {reason}", f"Amendment: {reason}")
    _lock_status(session, old, CertificateStatus.superseded.value)
    new = _issue(session, actor, record, ctx, issue_date=issue_date, language=language,
                 valid_until=old.valid_until if same else _valid_until(record, issue_date),
                 stamp=old.stamp_number if same else None, supersedes=old, extra_remarks=(note,))
    audit.record(session, actor, "certificate.supersede", old, before={"status": CertificateStatus.valid.value},
                 after={"status": old.status, "superseded_by": new.number, "reason": reason})
    after = _snapshot(new)
    after["reason"] = reason
    audit.record(session, actor, "certificate.amend", new, after=after)
    return new


def revoke_certificate(session: Session, actor: User | None, certificate_id: int,
                       data: dict[str, Any]) -> Certificate:
    """Withdraw a valid certificate (reviewer; a reason is required). Nothing is deleted."""
    require_role(actor, Role.reviewer)
    cert = get_certificate(session, certificate_id)
    c = Checker()
    reason = c.text(data, "reason", max_len=1000)
    if reason and len(reason) < 5:
        c.fail("reason", _("Say in a few words why the certificate is revoked."))
    c.done()
    if cert.status != CertificateStatus.valid.value:
        raise Conflict(_("Certificate %(number)s is %(status)s already; only a valid certificate can be "
                         "amended or revoked.", number=cert.number, status=status_label(cert.status)))
    now = datetime.now(timezone.utc)
    _lock_status(session, cert, CertificateStatus.revoked.value, revoked_at=now, revoked_by_id=actor.id,
                 revoke_reason=reason)
    audit.record(session, actor, "certificate.revoke", cert, before={"status": CertificateStatus.valid.value},
                 after={"status": cert.status, "reason": reason, "revoked_at": now})
    return cert


# ---------------------------------------------------------------- reading


def status_label(status: str) -> str:
    return {"valid": _("valid"), EXPIRED: _("expired"), "revoked": _("revoked"),
            "superseded": _("superseded")}.get(status, status)


def effective_status(cert: Certificate, today: date | None = None) -> str:
    """``valid``, ``expired`` (valid-until has passed), ``revoked`` or ``superseded``."""
    if cert.status == CertificateStatus.valid.value and cert.valid_until is not None \
            and cert.valid_until < (today or date.today()):
        return EXPIRED
    return cert.status


def can_see(user: User | None, cert: Certificate) -> bool:
    """Staff see every certificate; a business user those of its own organisation."""
    if user is None:
        return False
    if user.has_role(Role.admin, *STAFF_ROLES):
        return True
    org = user.organisation_id
    return org is not None and org in (cert.customer_id, cert.instrument.owner_id)


def get_certificate(session: Session, certificate_id: int, viewer: User | None = None) -> Certificate:
    cert = session.get(Certificate, certificate_id)
    if cert is None or (viewer is not None and not can_see(viewer, cert)):
        raise NotFound(_("No certificate with id %(id)s.", id=certificate_id))
    return cert


def get_by_number(session: Session, number: str, viewer: User | None = None) -> Certificate:
    cert = session.scalar(select(Certificate).where(Certificate.number == number.strip()))
    if cert is None or (viewer is not None and not can_see(viewer, cert)):
        raise NotFound(_("No certificate numbered %(number)s.", number=repr(number)), field="number")
    return cert


def list_certificates(session: Session, viewer: User | None = None, *, status: str | None = None,
                      kind: str | None = None, query: str | None = None, limit: int = 100,
                      offset: int = 0) -> tuple[list[Certificate], int]:
    """Newest first; ``status`` may be ``expired``; ``query`` matches number, stamp, serial or customer."""
    c = Checker()
    if status:
        c.choice({"status": status}, "status", list(PUBLIC_STATUSES))
    if kind:
        c.choice({"kind": kind}, "kind", [WorkKind.verification.value, WorkKind.calibration.value])
    c.done()
    q = select(Certificate).join(Certificate.instrument).join(Certificate.customer)
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
    if query and query.strip():
        like = f"%{query.strip().lower()}%"
        q = q.where(or_(func.lower(Certificate.number).like(like), func.lower(Certificate.stamp_number).like(like),
                        func.lower(Instrument.serial_number).like(like), func.lower(Organisation.name).like(like)))
    if viewer is not None and not viewer.has_role(Role.admin, *STAFF_ROLES):
        org = viewer.organisation_id if viewer.organisation_id is not None else -1
        q = q.where(or_(Certificate.customer_id == org, Instrument.owner_id == org))
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.scalars(q.order_by(Certificate.issue_date.desc(), Certificate.id.desc())
                           .limit(limit).offset(offset)).all()
    return list(rows), total


def superseded_by(session: Session, cert: Certificate) -> Certificate | None:
    return session.scalar(select(Certificate).where(Certificate.supersedes_id == cert.id).limit(1))


def verification_token(cert: Certificate) -> str:
    return (cert.document or {}).get("verification", {}).get("token", "")


def verify_url(cert: Certificate, ctx: CertificateContext | None = None) -> str:
    """The URL printed as QR on the certificate (as issued)."""
    stored = (cert.document or {}).get("verification", {}).get("url")
    return stored or (ctx or current_context()).verify_url(verification_token(cert))


def document_of(cert: Certificate, *, with_status: bool = True) -> CertificateDocument:
    """The document as issued; ``with_status`` marks a revoked or superseded one as such."""
    doc = jsonform.from_json_dict(cert.document["certificate"])
    if with_status and cert.status != CertificateStatus.valid.value:
        doc = dataclasses.replace(doc, status=Status(cert.status))
    return doc


def pdf_file(cert: Certificate, ctx: CertificateContext | None = None) -> Path | None:
    if not cert.pdf_path:
        return None
    return (ctx or current_context()).instance_path / cert.pdf_path


def pdf_bytes(cert: Certificate, *, lang: str | None = None, original: bool = False,
              context: CertificateContext | None = None) -> bytes:
    """The issued PDF; a revoked or superseded certificate, or another language, is drawn again
    from the stored document (marked REVOKED / SUPERSEDED) unless ``original`` is asked."""
    ctx = context or current_context()
    lang = lang or cert.language
    if lang == cert.language and (original or cert.status == CertificateStatus.valid.value):
        path = pdf_file(cert, ctx)
        if path is not None and path.exists():
            return path.read_bytes()
    from certificates.pdf import render_pdf

    return render_pdf(document_of(cert, with_status=not original), verify_url=verify_url(cert, ctx), lang=lang)


def json_export(cert: Certificate) -> dict:
    """The document in the package's JSON form (``certificates.jsonform``), with today's status."""
    return jsonform.to_json_dict(document_of(cert))


def dcc_export(cert: Certificate, ctx: CertificateContext | None = None) -> bytes:
    """DCC 3.3.0 XML, validated against the schema before it is returned."""
    from certificates.dcc import to_dcc_xml

    return to_dcc_xml(document_of(cert), verify_url=verify_url(cert, ctx))


def stamp_label(cert: Certificate, *, lang: str | None = None, context: CertificateContext | None = None) -> bytes:
    """Printable verification-stamp label (tem kiểm định) with the QR code."""
    if not cert.stamp_number or cert.valid_until is None:
        raise ValidationError(_("Only a passed verification has a stamp."), field="stamp_number")
    from certificates.qr import stamp_label_pdf

    summary = (cert.document or {}).get("summary", {})
    return stamp_label_pdf(verify_url(cert, context), cert.stamp_number, cert.valid_until,
                           lang=lang or cert.language, issuer=summary.get("laboratory"))


# ---------------------------------------------------------------- public verification


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
    summary: dict
    superseded_by_number: str | None
    superseded_by_token: str | None

    def as_json(self, base_url: str) -> dict:
        s = self.summary
        return {
            "genuine": True,
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
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "supersedes": s.get("supersedes"),
            "superseded_by": {"number": self.superseded_by_number,
                              "url": tokens.verify_url(base_url, self.superseded_by_token)}
            if self.superseded_by_number and self.superseded_by_token else None,
        }


_genuine: dict[tuple[str, str], int] = {}
GENUINE_CACHE = 20_000


def genuine_certificate_id(token: str, ctx: CertificateContext | None = None) -> int:
    """The certificate a token names, once its signature is checked (remembered per process:
    a signature that was good stays good, since keys are only ever added).

    Raises :class:`NotGenuine` for a forged, altered or unknown-key token.
    """
    keystore = (ctx or current_context()).keystore
    key = (str(keystore.path), token)
    found = _genuine.get(key)
    if found is not None:
        return found
    try:
        payload = tokens.verify(token, keystore)
    except InvalidToken:
        raise NotGenuine(_("This is not a genuine certificate of this lab.")) from None
    if not isinstance(payload.certificate_id, int):
        raise NotGenuine(_("This is not a genuine certificate of this lab."))
    if len(_genuine) >= GENUINE_CACHE:
        _genuine.clear()
    _genuine[key] = payload.certificate_id
    return payload.certificate_id


@lru_cache(maxsize=1)
def _public_query() -> Any:
    """One SELECT for the public page (built once: it runs on every scan of a QR code)."""
    newer = aliased(Certificate)
    return (
        select(Certificate.number, Certificate.kind, Certificate.status, Certificate.issue_date,
               Certificate.valid_until, Certificate.stamp_number, Certificate.pdf_sha256, Certificate.revoked_at,
               Certificate.document["summary"], newer.number, newer.document["verification"]["token"].as_string())
        .outerjoin(newer, newer.supersedes_id == Certificate.id)
        .where(Certificate.id == bindparam("certificate_id"))
        .limit(1)
    )


def public_lookup(session: Session | Any, token: str, ctx: CertificateContext | None = None,
                  today: date | None = None) -> PublicView:
    """Check the token's signature, then read the certificate in one query (``session`` may be a
    Session or a plain Connection).

    Raises :class:`NotGenuine` (404) for a forged, altered or unknown token.
    """
    ctx = ctx or current_context()
    return public_view(session, genuine_certificate_id(token, ctx), today)


def public_view(session: Session | Any, certificate_id: int, today: date | None = None) -> PublicView:
    """What the public page shows of a certificate whose token was checked (one query)."""
    return public_view_from_row(session.execute(_public_query(), {"certificate_id": certificate_id}).first(), today)


@lru_cache(maxsize=4)
def public_statement(dialect: Any) -> tuple[str, dict]:
    """The public page's query as the driver of ``dialect`` takes it: SQL text and its
    parameters (``certificate_id`` still to fill), compiled once."""
    compiled = _public_query().compile(dialect=dialect)
    return str(compiled), dict(compiled.params)


def public_view_from_row(row: Any, today: date | None = None) -> PublicView:
    """:func:`public_view` for a row read with :func:`public_statement` on a DB-API cursor
    (``None`` when there was none). The driver must return dates, timestamps and JSON as
    Python objects, as psycopg does."""
    if row is None:
        raise NotGenuine(_("This is not a genuine certificate of this lab."))
    status = row[2]
    if status == CertificateStatus.valid.value and row[4] is not None and row[4] < (today or date.today()):
        status = EXPIRED
    return PublicView(number=row[0], kind=row[1], status=status, issue_date=row[3], valid_until=row[4],
                      stamp_number=row[5], pdf_sha256=row[6], revoked_at=row[7], summary=row[8] or {},
                      superseded_by_number=row[9], superseded_by_token=row[10])


def public_keys(ctx: CertificateContext | None = None) -> dict:
    """The JWK Set published at ``/v/keys`` (public keys only; current first)."""
    return (ctx or current_context()).keystore.public_jwks()


# ---------------------------------------------------------------- re-rendering


def missing_pdfs(session: Session, ctx: CertificateContext | None = None) -> list[Certificate]:
    """Certificates whose stored PDF file is absent (e.g. the instance folder was restored without it)."""
    ctx = ctx or current_context()
    out = []
    for cert in session.scalars(select(Certificate).order_by(Certificate.id)):
        path = pdf_file(cert, ctx)
        if path is None or not path.exists():
            out.append(cert)
    return out


def render_stored(document: dict, url: str, lang: str) -> bytes:
    """Draw a stored document again (a plain function, so worker processes can run it)."""
    from certificates.pdf import render_pdf

    return render_pdf(jsonform.from_json_dict(document), verify_url=url, lang=lang)


def store_rendered(session: Session, cert: Certificate, data: bytes,
                   ctx: CertificateContext | None = None) -> bool:
    """Save a re-rendered PDF; True when it is byte-identical to the issued one (same SHA-256).

    A PDF that differs (other reportlab or font version) is still written, so the holder's
    copy can be printed again, but the recorded hash stays that of the issued PDF.
    """
    ctx = ctx or current_context()
    digest = sha256_hex(data)
    path = write_pdf(ctx, cert, data)
    same = cert.pdf_sha256 in (None, digest)
    if cert.pdf_path != path or cert.pdf_sha256 is None:
        cert.pdf_path = path
        cert.pdf_sha256 = cert.pdf_sha256 or digest
    audit.record(session, None, "certificate.rerender", cert,
                 after={"pdf_path": path, "pdf_sha256": digest, "identical": same})
    return same
