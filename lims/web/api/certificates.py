"""Certificates: list, read, download (PDF, JSON, DCC XML, stamp label), amend, revoke."""
from __future__ import annotations

import json

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from lims.errors import ValidationError
from lims.i18n import _
from lims.models import Certificate, Role
from lims.services import certificates as certs
from lims.services import search
from lims.services.inputs import parse
from lims.web.api.blueprints import api_blueprint
from lims.web.api.common import body, json_body
from lims.web.api.list_params import TOTAL_HEADERS_DOC, date_param, enum_param, list_params
from lims.web.auth import acting_user, roles_required
from lims.web.context import get_db
from lims.web.listing import api_paging, total_headers
from lims.web.lists import certificate_filter
from lims.web.openapi import ErrorSchema
from lims.web.public_certificates import certificate_context

bp = Blueprint("api_certificates", __name__, url_prefix="/certificates",
               description="Certificates issued from approved records: read, download, amend, revoke")
api_blueprint(bp)

VIEWERS = (Role.technician, Role.reviewer, Role.inspector, Role.business)


class CertificateSchema(Schema):
    id = fields.Int()
    number = fields.Str()
    kind = fields.Str(metadata={"enum": ["verification", "calibration"]})
    document_type = fields.Str(metadata={"enum": ["certificate", "non_conformity_notice"],
                                         "description": "a failed verification gets a notice of non-conformity"})
    status = fields.Str(metadata={"enum": list(certs.PUBLIC_STATUSES),
                                  "description": "valid, expired (valid_until has passed), revoked or superseded"})
    verdict = fields.Str(allow_none=True, metadata={"enum": ["pass", "fail", "conditional_pass", "conditional_fail"]})
    issue_date = fields.Date()
    valid_until = fields.Date(allow_none=True)
    stamp_number = fields.Str(allow_none=True, metadata={"description": "số tem of a passed verification"})
    language = fields.Str()
    record_id = fields.Int(allow_none=True, metadata={"description": "none for an imported certificate"})
    record_number = fields.Str(allow_none=True)
    origin = fields.Str(metadata={"enum": ["issued", "imported"],
                                  "description": "issued by this system, or imported from the lab's earlier "
                                                 "records (issued before it: no record, QR token or DCC)"})
    instrument_id = fields.Int()
    instrument = fields.Str()
    serial_number = fields.Str()
    customer_id = fields.Int()
    customer = fields.Str()
    pdf_sha256 = fields.Str(allow_none=True)
    dcc_sha256 = fields.Str(allow_none=True, metadata={"description": "SHA-256 of the DCC XML as issued"})
    signing_key_id = fields.Str(allow_none=True)
    verify_url = fields.Str(metadata={"description": "the URL of the QR code on the certificate (public check "
                                                     "page; its holder may download the PDF there)"})
    status_url = fields.Str(metadata={"description": "the status-only URL, as on the stamp label's QR code: "
                                                     "validity only, no owner, no PDF"})
    supersedes = fields.Str(allow_none=True, metadata={"description": "number of the certificate this one replaces"})
    superseded_by = fields.Str(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    revoke_reason = fields.Str(allow_none=True)


class CertificatePageSchema(Schema):
    total = fields.Int()
    items = fields.List(fields.Nested(CertificateSchema))


class ReasonSchema(Schema):
    """:class:`lims.services.certificates.RevokeCertificate`."""

    reason = fields.Str(required=True, metadata={"description": "why (at least a few words)"})


class AmendSchema(Schema):
    """:class:`lims.services.certificates.AmendCertificate`."""

    reason = fields.Str(required=True, metadata={"description": "what is corrected; printed on the new certificate"})
    record_id = fields.Int(metadata={
        "description": "a newer approved record of the same instrument (default: the same record)"})
    language = fields.Str(metadata={"enum": ["vi", "en"]})
    reason_en = fields.Str(metadata={"description": "the reason in English, printed on the English copy"})


#: Each request body's schema and the service input it is parsed into (a test checks they agree).
INPUT_SCHEMAS: dict[type, type[Schema]] = {certs.RevokeCertificate: ReasonSchema, certs.AmendCertificate: AmendSchema}


_UNKNOWN = object()


def as_dict(cert: Certificate, newer_number: str | None | object = _UNKNOWN) -> dict:
    """The certificate as the API gives it; a list passes ``newer_number`` (what supersedes it, read
    for the whole page at once) so that no row asks on its own."""
    ctx = certificate_context(current_app)
    summary = (cert.document or {}).get("summary", {})
    if newer_number is _UNKNOWN:
        newer = certs.superseded_by(get_db(), cert)
        newer_number = newer.number if newer else None
    lang = request.accept_languages.best_match(["vi", "en"]) or "vi"
    return {
        "id": cert.id, "number": cert.number, "kind": cert.kind,
        "document_type": "non_conformity_notice" if summary.get("notice") else "certificate",
        "status": certs.effective_status(cert), "verdict": summary.get("verdict"),
        "issue_date": cert.issue_date, "valid_until": cert.valid_until, "stamp_number": cert.stamp_number,
        "language": cert.language, "record_id": cert.record_id,
        "record_number": cert.record.number if cert.record else None, "origin": cert.origin,
        "instrument_id": cert.instrument_id, "instrument": cert.instrument.type.name(lang),
        "serial_number": cert.instrument.serial_number, "customer_id": cert.customer_id,
        "customer": cert.customer.name, "pdf_sha256": cert.pdf_sha256,
        "dcc_sha256": cert.dcc_sha256, "signing_key_id": cert.signing_key_id,
        "verify_url": certs.verify_url(cert, ctx), "status_url": certs.status_url(cert, ctx),
        "supersedes": cert.supersedes.number if cert.supersedes else None,
        "superseded_by": newer_number, "revoked_at": cert.revoked_at,
        "revoke_reason": cert.revoke_reason or None,
    }


def _load(certificate_id: int) -> Certificate:
    return certs.get_certificate(get_db(), acting_user(), certificate_id)


def _file(data: bytes, mimetype: str, filename: str) -> Response:
    resp = Response(data, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


def _binary(mimetype: str, description: str) -> dict:
    return {"responses": {"200": {"description": description,
                                  "content": {mimetype: {"schema": {"type": "string", "format": "binary"}}}}}}


@bp.route("")
class Certificates(MethodView):
    @roles_required(*VIEWERS)
    @bp.doc(parameters=list_params(
        "certificates", "the number, stamp number, serial number, customer's and owner's names",
        enum_param("status", list(certs.PUBLIC_STATUSES)), enum_param("kind", ["verification", "calibration"]),
        date_param("issued_from", "issued on or after"), date_param("issued_to", "issued on or before"),
        default_limit=100))
    @bp.response(200, CertificatePageSchema, headers=TOTAL_HEADERS_DOC)
    def get(self):
        """List certificates (a business user sees only its own): searched, filtered, sorted (newest first),
        paged; ``total`` as the X-Total-Count header (at most 10,000: X-Total-Count-Capped says when more)."""
        db = get_db()
        found = search.search_certificates(db, acting_user(), certificate_filter(), **api_paging(100))
        newer = certs.newer_numbers(db, found.rows)
        return ({"total": found.total, "items": [as_dict(c, newer.get(c.id)) for c in found.rows]},
                total_headers(found))


@bp.route("/<int:certificate_id>")
class CertificateItem(MethodView):
    @roles_required(*VIEWERS)
    @bp.response(200, CertificateSchema)
    def get(self, certificate_id: int):
        """One certificate (status includes expiry)."""
        return as_dict(_load(certificate_id))


@bp.route("/by-number/<path:number>")
class CertificateByNumber(MethodView):
    @roles_required(*VIEWERS)
    @bp.response(200, CertificateSchema)
    def get(self, number: str):
        """One certificate by its number, e.g. 2026-KD-000001."""
        return as_dict(certs.get_by_number(get_db(), acting_user(), number))


@bp.route("/<int:certificate_id>/pdf")
class CertificatePdf(MethodView):
    @roles_required(*VIEWERS)
    @bp.doc(parameters=[
        {"name": "language", "in": "query", "schema": {"type": "string", "enum": ["vi", "en"]},
         "description": "draw a copy in this language (default: the certificate's own)"},
        {"name": "original", "in": "query", "schema": {"type": "integer", "enum": [0, 1]},
         "description": "1: the bytes as issued even when revoked or superseded"},
    ], **_binary("application/pdf", "the certificate PDF"))
    def get(self, certificate_id: int):
        """The PDF (the stored, hashed file while valid; marked copies otherwise)."""
        cert = _load(certificate_id)
        language = request.args.get("language") or cert.language
        if language not in ("vi", "en"):
            raise ValidationError(_("Must be one of: %(choices)s.", choices="vi, en"), field="language")
        data = certs.pdf_bytes(cert, lang=language, original=request.args.get("original") == "1",
                               context=certificate_context(current_app))
        return _file(data, "application/pdf", f"{certs.file_name_of(cert.number)}.pdf")


@bp.route("/<int:certificate_id>/document")
class CertificateDocument(MethodView):
    @roles_required(*VIEWERS)
    @bp.doc(responses={"200": {
        "description": "the certificate document (format metrology-lims/certificate, version 1)",
        "content": {"application/json": {"schema": {
            "type": "object", "additionalProperties": True,
            "description": "format, version, the document's data and its status today, numbers as stored"}}}}})
    def get(self, certificate_id: int):
        """The certificate as JSON: the same data as the PDF, numbers as stored."""
        cert = _load(certificate_id)
        data = json.dumps(certs.json_export(cert), ensure_ascii=False, indent=2).encode("utf-8")
        return Response(data, mimetype="application/json")


@bp.route("/<int:certificate_id>/dcc")
class CertificateDcc(MethodView):
    @roles_required(*VIEWERS)
    @bp.doc(**_binary("application/xml", "PTB Digital Calibration Certificate 3.3.0, schema-valid"))
    def get(self, certificate_id: int):
        """The certificate as DCC 3.3.0 XML."""
        cert = _load(certificate_id)
        return _file(certs.dcc_export(cert, certificate_context(current_app)), "application/xml",
                     f"{certs.file_name_of(cert.number)}.dcc.xml")


@bp.route("/<int:certificate_id>/stamp")
class CertificateStamp(MethodView):
    @roles_required(Role.technician, Role.reviewer)
    @bp.doc(**_binary("application/pdf", "label of the verification stamp with its QR code"))
    @bp.alt_response(422, schema=ErrorSchema, description="The certificate has no stamp: only a passed "
                                                          "verification has one.")
    def get(self, certificate_id: int):
        """Printable verification-stamp label (passed verifications only)."""
        cert = _load(certificate_id)
        return _file(certs.stamp_label(cert, context=certificate_context(current_app)), "application/pdf",
                     f"{certs.file_name_of(cert.number)}.stamp.pdf")


@bp.route("/<int:certificate_id>/revoke")
class CertificateRevoke(MethodView):
    @bp.doc(**body(ReasonSchema))
    @bp.response(200, CertificateSchema)
    def post(self, certificate_id: int):
        """Revoke a valid certificate (reviewer; a reason is required). Nothing is deleted."""
        cert = certs.revoke_certificate(get_db(), acting_user(), certificate_id,
                                        parse(certs.RevokeCertificate, json_body()))
        return as_dict(cert)


@bp.route("/<int:certificate_id>/amend")
class CertificateAmend(MethodView):
    @bp.doc(**body(AmendSchema))
    @bp.response(201, CertificateSchema)
    def post(self, certificate_id: int):
        """Issue a corrected certificate that supersedes this one (reviewer)."""
        new = certs.amend_certificate(get_db(), acting_user(), certificate_id,
                                      parse(certs.AmendCertificate, json_body()),
                                      context=certificate_context(current_app))
        return as_dict(new)
