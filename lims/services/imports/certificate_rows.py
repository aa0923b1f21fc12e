"""Rows of past certificates: issued by the lab on paper or as PDFs before this system, brought in
so that they stay verifiable by number (``/v/lookup``, ``/api/v1/certificates/by-number/…``).

An imported certificate (``origin`` "imported") has no record, no number of this system's
sequence, no signed token and no DCC; its PDF, when one is given (in the ZIP or beside the file,
named by the certificate number or by the ``pdf_file`` column), is kept under the instance folder
with its SHA-256, so a holder can check a copy on the public page. When it is the instrument's
latest certificate, the instrument's next due date follows its valid-until.
"""
from __future__ import annotations

import hashlib
import re
import string
import unicodedata
from datetime import date
from typing import Any

from sqlalchemy import func, select

from lims.i18n import N_, _
from lims.models import Certificate, CertificateOrigin, CertificateStatus, Instrument, Organisation, WorkKind
from lims.services import audit, office_summary
from lims.services.catalog import the_lab
from lims.services.certificates.context import current_context
from lims.services.certificates.files import file_name_of, queue_pdf
from lims.services.imports.context import ImportContext
from lims.services.imports.table import Column, cells
from lims.services.numbering import format_number, reserve_up_to
from lims.services.validation import control_character

__all__ = ["CERTIFICATE_COLUMNS", "certificate_row", "finish_certificates"]

CERTIFICATE_COLUMNS = (
    Column("number", N_("Certificate number"), True, example="KĐ-2024/0815"),
    Column("kind", N_("Kind (verification or calibration)"), True, example="verification"),
    Column("owner", N_("Owner (tax code or name)"), True, example="0101234567"),
    Column("serial_number", N_("Serial number"), True, example="HN-2019-0457"),
    Column("issue_date", N_("Date of issue"), True, kind="date", example="15/03/2024"),
    Column("valid_until", N_("Valid until"), kind="date", example="14/03/2025"),
    Column("verdict", N_("Result (pass or fail)"), example="pass"),
    Column("stamp_number", N_("Stamp number"), example="T24-0012345"),
    Column("pdf_file", N_("PDF file (in the ZIP)"), example="KĐ-2024_0815.pdf"),
)

_KINDS = {"verification": WorkKind.verification.value, "calibration": WorkKind.calibration.value,
          "kiểm định": WorkKind.verification.value, "hiệu chuẩn": WorkKind.calibration.value}
_VERDICTS = {"pass": "pass", "fail": "fail", "đạt": "pass", "không đạt": "fail"}


def _check_text(errors: dict[str, str], got: dict[str, Any], key: str, max_len: int) -> str:
    text = got.get(key) or ""
    if len(text) > max_len:
        errors.setdefault(key, _("At most %(count)s characters.", count=max_len))
    elif control_character(text):
        errors.setdefault(key, _("This text holds a control character."))
    return text


def pdf_key(name: str) -> str:
    """A PDF's name or a certificate number as they are matched: letters and digits kept (any
    script, composed), every run of other characters one ``_``, case ignored, ``.pdf`` dropped —
    so ``KĐ-A/2`` finds ``KĐ-A_2.pdf`` and ``kđ-a 2.PDF``."""
    stem = unicodedata.normalize("NFC", name)
    stem = stem[:-4] if stem.lower().endswith(".pdf") else stem
    return re.sub(r"[\W_]+", "_", stem).strip("_").casefold()


def _pdf(ctx: ImportContext, errors: dict[str, str], number: str, named: str) -> bytes | None:
    by_key = {pdf_key(name): data for name, data in ctx.pdfs.items()}
    data = by_key.get(pdf_key(named or number))
    if data is None:
        if named:
            errors.setdefault("pdf_file", _("No PDF of this name was uploaded."))
        return None
    if not data.startswith(b"%PDF-"):
        errors.setdefault("pdf_file", _("This file is not a PDF."))
        return None
    return data


def _instrument(ctx: ImportContext, errors: dict[str, str], got: dict[str, Any]) -> Instrument | None:
    owner = ctx.owner(got["owner"]) if got.get("owner") else None
    if isinstance(owner, str):
        errors.setdefault("owner", owner)
        return None
    if not isinstance(owner, Organisation) or not got.get("serial_number"):
        return None
    inst = ctx.instrument(owner, got["serial_number"])
    if inst is None:
        errors.setdefault("serial_number", _("This owner has no instrument with this serial number: import the "
                                             "instruments first."))
    return inst


def _dates_and_result(errors: dict[str, str], got: dict[str, Any], kind: str | None
                      ) -> tuple[date | None, date | None, str | None, str | None]:
    issued = date.fromisoformat(got["issue_date"]) if got.get("issue_date") else None
    until = date.fromisoformat(got["valid_until"]) if got.get("valid_until") else None
    if issued and issued > date.today():
        errors.setdefault("issue_date", _("The date is in the future."))
    if issued and until and until <= issued:
        errors.setdefault("valid_until", _("The validity must end after the date of issue."))
    verdict = _VERDICTS.get((got.get("verdict") or "").casefold()) if got.get("verdict") else None
    if got.get("verdict") and verdict is None:
        errors.setdefault("verdict", _("Must be one of: %(choices)s.", choices="pass, fail"))
    stamp = got.get("stamp_number") or None
    if kind == WorkKind.verification.value and not verdict and "verdict" not in errors:
        errors.setdefault("verdict", _("This field is required."))
    if verdict == "fail" and until:
        errors.setdefault("valid_until", _("A verification that did not pass has no validity."))
    if stamp and (kind != WorkKind.verification.value or verdict == "fail"):
        errors.setdefault("stamp_number", _("Only a passed verification has a stamp."))
    return issued, until, verdict, stamp


def certificate_row(ctx: ImportContext, row: int, values: dict[str, Any]) -> dict[str, str]:
    got, errors = cells(values, CERTIFICATE_COLUMNS)
    number = _check_text(errors, got, "number", 60)
    _check_text(errors, got, "stamp_number", 40)
    kind = _KINDS.get((got.get("kind") or "").casefold())
    if got.get("kind") and kind is None:
        errors.setdefault("kind", _("Must be one of: %(choices)s.", choices="verification, calibration"))
    if number and (first := ctx.repeated(("certificate", number), row)):
        errors.setdefault("number", _("The same certificate number is in row %(row)s.", row=first))
    elif number and ctx.session.scalar(select(Certificate.id).where(Certificate.number == number)):
        errors.setdefault("number", _("A certificate with this number exists already."))
    inst = _instrument(ctx, errors, got)
    issued, until, verdict, stamp = _dates_and_result(errors, got, kind)
    pdf = _pdf(ctx, errors, number, got.get("pdf_file") or "") if number else None
    if errors or inst is None or issued is None or kind is None:
        return errors
    cert = _create(ctx, inst, number=number, kind=kind, issued=issued, until=until, verdict=verdict, stamp=stamp,
                   pdf=pdf, row=row)
    _keep_number_free(ctx, cert)
    _follow_next_due(ctx, inst, cert)
    office_summary.refresh_overdue(ctx.session, inst.id)  # the office's overdue trend counts it
    return errors


def _summary(ctx: ImportContext, inst: Instrument, kind: str, verdict: str | None) -> dict[str, Any]:
    """The few fields the public page shows (as an issued certificate keeps them), marked imported."""
    lab = the_lab(ctx.session)
    return {
        "notice": kind == WorkKind.verification.value and verdict == "fail",
        "title": None, "verdict": verdict,
        "instrument": {"vi": inst.type.name_vi, "en": inst.type.name("en")},
        "manufacturer": inst.manufacturer, "model": inst.model, "serial_number": inst.serial_number,
        "owner": inst.owner.name, "laboratory": lab.name if lab else None, "supersedes": None,
        "imported": True,
    }


def _create(ctx: ImportContext, inst: Instrument, *, number: str, kind: str, issued: date, until: date | None,
            verdict: str | None, stamp: str | None, pdf: bytes | None, row: int) -> Certificate:
    cert = Certificate(
        number=number, kind=kind, year=issued.year, seq=None, record_id=None,
        origin=CertificateOrigin.imported.value, instrument_id=inst.id, customer_id=inst.owner_id,
        issue_date=issued, valid_until=until, status=CertificateStatus.valid.value, stamp_number=stamp,
        language="vi", document={"summary": _summary(ctx, inst, kind, verdict),
                                 "imported": {"file": ctx.file_name, "row": row}},
        pdf_sha256=hashlib.sha256(pdf).hexdigest() if pdf else None,
    )
    if pdf:
        cert.pdf_path = f"certificates/{issued.year}/{file_name_of(number)}.pdf"
        ctx.files.append((cert, pdf))
    ctx.session.add(cert)
    audit.record(ctx.session, ctx.actor, "certificate.import", cert,
                 after=audit.snapshot(cert, exclude=("document",)))
    return cert


def sequence_of(pattern: str, number: str, *, kind: str, year: int) -> int | None:
    """The sequence number ``number`` carries when it has the form this system gives its own
    certificates of ``kind`` in ``year`` (``LIMS_CERTIFICATE_NUMBER_PATTERN``); None otherwise."""
    parts: list[str] = []
    for literal, name, spec, _conversion in string.Formatter().parse(pattern):
        parts.append(re.escape(literal))
        if name == "seq":
            parts.append(r"(\d+)")
        elif name is not None:
            field = "{" + name + (":" + spec if spec else "") + "}"
            parts.append(re.escape(format_number(field, year=year, seq=0, kind=kind)))
    try:
        found = re.fullmatch("".join(parts), number)
    except re.error:
        return None
    return int(found.group(1)) if found and found.re.groups == 1 else None


def _keep_number_free(ctx: ImportContext, cert: Certificate) -> None:
    """A number of this system's form: its counter goes on after it, so no certificate issued
    later gets the same number."""
    pattern = (ctx.certificates or current_context()).number_pattern
    seq = sequence_of(pattern, cert.number, kind=cert.kind, year=cert.year)
    if seq is not None:
        reserve_up_to(ctx.session, f"certificate:{cert.kind}", cert.year, seq)


def _follow_next_due(ctx: ImportContext, inst: Instrument, cert: Certificate) -> None:
    """The instrument's next due date becomes the certificate's valid-until when it is the latest."""
    if cert.valid_until is None or inst.next_due == cert.valid_until:
        return
    latest = ctx.session.scalar(select(func.max(Certificate.issue_date)).where(
        Certificate.instrument_id == inst.id, Certificate.id != cert.id,
        Certificate.status == CertificateStatus.valid.value))
    if latest is not None and latest > cert.issue_date:
        return
    before = {"next_due": inst.next_due}
    inst.next_due = cert.valid_until
    ctx.session.flush()
    audit.record(ctx.session, ctx.actor, "instrument.next_due", inst, before=before,
                 after={"next_due": cert.valid_until, "certificate": cert.number})


def finish_certificates(ctx: ImportContext) -> None:
    """Queue the imported PDFs, written under the instance folder once the import is committed."""
    if ctx.dry_run or not ctx.files:
        return
    files_ctx = ctx.certificates or current_context()
    for cert, data in ctx.files:
        queue_pdf(ctx.session, files_ctx, cert, data)
