"""Staff and business pages for certificates: list, detail, downloads, amend, revoke, stamp label.

Staff (technicians, reviewers, inspectors, admins) see every certificate; a business user
only those of its own organisation. Amending and revoking need the reviewer role.
"""
from __future__ import annotations

import json
from decimal import Decimal

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from certificates.formatting import format_measure
from certificates.qr import qr_svg
from lims.errors import ValidationError
from lims.models import Certificate, Role
from lims.services import audit_sentences, policy, search, traceability_chain
from lims.services import certificates as certs
from lims.services.inputs import parse
from lims.web import transaction
from lims.web.auth import acting_user, roles_required
from lims.web.context import get_db
from lims.web.listing import page_paging, pager
from lims.web.lists import certificate_filter
from lims.web.nav import NavItem
from lims.web.public_certificates import certificate_context

bp = Blueprint("certificates", __name__, url_prefix="/certificates")

VIEWERS = (Role.technician, Role.reviewer, Role.inspector, Role.business)
NAV = (NavItem("certificates.index", _l("Certificates"), VIEWERS, order=40),)

STATUS_LABELS = {"valid": _l("valid"), "expired": _l("expired"), "revoked": _l("revoked"),
                 "superseded": _l("superseded")}
KIND_LABELS = {"verification": _l("verification"), "calibration": _l("calibration")}
STATUS_CLASS = {"valid": "ok", "expired": "warn", "revoked": "bad", "superseded": "warn"}


def _ctx() -> certs.CertificateContext:
    return certificate_context(current_app)


def _load(certificate_id: int) -> Certificate:
    return certs.get_certificate(get_db(), acting_user(), certificate_id)


def _download(data: bytes, mimetype: str, filename: str, *, inline: bool = False) -> Response:
    resp = Response(data, mimetype=mimetype)
    disposition = "inline" if inline else "attachment"
    resp.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.app_template_global()
def notice_badge(cert: Certificate) -> Markup:
    """A visible badge on a notice of non-conformity (a failed verification), wherever certificates
    are listed; nothing for a certificate."""
    if certs.document_kind(cert) != certs.NOTICE:
        return Markup("")
    return Markup('<span class="badge bad notice-badge" data-kind="non_conformity_notice">{}</span>').format(
        _("Notice of non-conformity"))


@bp.app_template_global()
def certificate_status(cert: Certificate) -> tuple[str, str, str]:
    """(status, label, css class) for a certificate, expiry included. A notice of
    non-conformity (a failed verification) in force is badged as such, in red, never as valid."""
    status = certs.effective_status(cert)
    if status == "valid" and certs.document_kind(cert) == certs.NOTICE:
        return certs.NOTICE, _("notice: not passed"), "bad"
    return status, str(STATUS_LABELS.get(status, status)), STATUS_CLASS.get(status, "")


def result_tables(document: dict) -> list[dict]:
    """The stored document's results tables for the page: rows, and whether the nominal column
    is shown (only when some row's nominal differs from its measured reference, as in the PDF)."""
    tables = []
    for section in document.get("results", []):
        rows = section.get("rows", [])
        differs = any(r.get("reference") and (Decimal(r["reference"]["value"]), r["reference"]["unit"])
                      != (Decimal(r["nominal"]["value"]), r["nominal"]["unit"]) for r in rows)
        tables.append({"title": section.get("title"), "rows": rows, "nominal": differs})
    return tables


@bp.app_template_global()
def cert_measure(measure: dict | None, lang: str = "vi", signed: bool = False) -> str:
    """A stored ``{"value", "unit"}`` of the certificate JSON, printed as on the certificate."""
    if not measure:
        return "—"
    return format_measure(Decimal(measure["value"]), measure["unit"], lang, signed=signed)


@bp.route("")
@roles_required(*VIEWERS)
def index():
    """Certificates searched, filtered, sorted and paged (a business sees its own)."""
    number, per_page, offset = page_paging()
    f = certificate_filter()
    found = search.search_certificates(get_db(), acting_user(), f, limit=per_page, offset=offset)
    return render_template("certificates/list.html", rows=found.rows, f=f,
                           pager=pager(found, number, per_page, f.sort, search.default_sort("certificates", f)),
                           status_labels=STATUS_LABELS, kind_labels=KIND_LABELS)


def _detail(cert: Certificate, *, errors: dict | None = None, form: dict | None = None, status: int = 200):
    url = certs.verify_url(cert, _ctx())
    svg = qr_svg(url).decode("utf-8")
    svg = svg[svg.index("<svg"):] if "<svg" in svg else svg
    actor = acting_user()
    path, dcc = certs.pdf_file(cert, _ctx()), certs.dcc_file(cert, _ctx())
    return render_template(
        "certificates/detail.html", cert=cert, summary=(cert.document or {}).get("summary", {}),
        tables=result_tables((cert.document or {}).get("certificate", {})),
        verify_url=url, status_url=certs.status_url(cert, _ctx()) if cert.stamp_number else None,
        qr=Markup(svg), newer=certs.superseded_by(get_db(), cert),
        can_manage=policy.can_manage_certificates(actor), can_print_stamp=policy.can_print_stamp(actor, cert),
        errors=errors or {}, form=form or {}, kind_labels=KIND_LABELS,
        pdf_present=bool(path and path.exists()), dcc_present=bool(dcc and dcc.exists()),
        events=audit_sentences.history_of(get_db(), "certificate", cert.id), staff=policy.is_staff(actor),
        can_see_traceability=policy.can_see_traceability(actor, cert),
    ), status


def _form(*names: str) -> dict[str, str]:
    """The posted fields that were filled in (an empty select or box counts as not given)."""
    return {k: v for k in names if (v := request.form.get(k, "")) != ""}


@bp.route("/<int:certificate_id>")
@roles_required(*VIEWERS)
def detail(certificate_id: int):
    return _detail(_load(certificate_id))


@bp.route("/<int:certificate_id>/traceability")
@roles_required(*VIEWERS)
def traceability(certificate_id: int):
    """The certificate's traceability chain drawn as SVG on the server (docs/traceability.md): the lab's
    staff and the certificate's own customer; others get the certificate pages' 404."""
    cert, view = traceability_chain.certificate_chain(get_db(), acting_user(), certificate_id)
    return render_template("certificates/traceability.html", cert=cert, view=view, svg=Markup(view.svg()))


@bp.route("/<int:certificate_id>/pdf")
@roles_required(*VIEWERS)
def pdf(certificate_id: int):
    """The issued PDF; ``?language=en`` draws an English copy, ``?original=1`` the bytes as issued."""
    cert = _load(certificate_id)
    language = request.args.get("language") or cert.language
    if language not in ("vi", "en"):
        raise ValidationError(_("Must be one of: %(choices)s.", choices="vi, en"), field="language")
    data = certs.pdf_bytes(cert, lang=language, original=request.args.get("original") == "1", context=_ctx())
    suffix = "" if language == cert.language else f".{language}"
    return _download(data, "application/pdf", f"{certs.file_name_of(cert.number)}{suffix}.pdf",
                     inline=request.args.get("inline") == "1")


@bp.route("/<int:certificate_id>/json")
@roles_required(*VIEWERS)
def json_download(certificate_id: int):
    cert = _load(certificate_id)
    data = json.dumps(certs.json_export(cert), ensure_ascii=False, indent=2).encode("utf-8")
    return _download(data, "application/json", f"{certs.file_name_of(cert.number)}.json")


@bp.route("/<int:certificate_id>/dcc.xml")
@roles_required(*VIEWERS)
def dcc(certificate_id: int):
    cert = _load(certificate_id)
    return _download(certs.dcc_export(cert, _ctx()), "application/xml", f"{certs.file_name_of(cert.number)}.dcc.xml")


@bp.route("/<int:certificate_id>/stamp.pdf")
@roles_required(Role.technician, Role.reviewer)
def stamp(certificate_id: int):
    """Printable verification-stamp label with the QR code (print at 100 %)."""
    cert = _load(certificate_id)
    data = certs.stamp_label(cert, lang=request.args.get("language") or cert.language, context=_ctx())
    return _download(data, "application/pdf", f"{certs.file_name_of(cert.number)}.stamp.pdf", inline=True)


@bp.route("/<int:certificate_id>/revoke", methods=["POST"])
@roles_required(Role.reviewer)
def revoke(certificate_id: int):
    cert = _load(certificate_id)
    form = {"reason": request.form.get("reason", "")}
    try:
        certs.revoke_certificate(get_db(), acting_user(), cert.id, parse(certs.RevokeCertificate, _form("reason")))
    except ValidationError as exc:
        transaction.rollback()
        return _detail(_load(certificate_id), errors={"revoke": exc.errors or {"reason": exc.message}},
                       form=form, status=422)
    flash(_("Certificate %(number)s is revoked.", number=cert.number), "success")
    return redirect(url_for("certificates.detail", certificate_id=cert.id))


@bp.route("/<int:certificate_id>/amend", methods=["GET", "POST"])
@roles_required(Role.reviewer)
def amend(certificate_id: int):
    cert = _load(certificate_id)
    errors: dict[str, str] = {}
    form = {"reason": "", "record_id": str(cert.record_id), "language": cert.language}
    status = 200
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in ("reason", "record_id", "language")}
        try:
            new = certs.amend_certificate(get_db(), acting_user(), cert.id,
                                          parse(certs.AmendCertificate, _form("reason", "record_id", "language")),
                                          context=_ctx())
        except ValidationError as exc:
            transaction.rollback()
            errors = exc.errors or {"reason": exc.message}
            status = 422
            cert = _load(certificate_id)
        else:
            flash(_("Certificate %(new)s issued; it supersedes %(old)s.", new=new.number, old=cert.number), "success")
            return redirect(url_for("certificates.detail", certificate_id=new.id))
    return render_template("certificates/amend.html", cert=cert, records=certs.amendable_records(get_db(), cert),
                           form=form, errors=errors), status


