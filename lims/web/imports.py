"""Bringing a lab's history in (/admin/import) and the full export (/admin/export); admins only.

The import page offers each kind's template (CSV or XLSX: the column keys, their labels in the
page's language and an example row), takes a file (CSV, XLSX, or a ZIP with the PDFs of past
certificates; PDFs may also be chosen beside the file), and checks it: a table lists every row
and column at fault. The file is kept by its SHA-256 (:mod:`lims.services.imports.uploads`), so
"Import" imports the very file that was checked, all rows or none.
"""
from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lims.errors import ValidationError
from lims.models import Role
from lims.services import imports
from lims.services.imports.uploads import discard_upload, keep_upload, kept_upload
from lims.web import transaction
from lims.web.api.imports import known
from lims.web.auth import acting_user, roles_required
from lims.web.context import get_db
from lims.web.nav import NavItem
from lims.web.public_certificates import certificate_context

bp = Blueprint("imports", __name__, url_prefix="/admin")

NAV = (NavItem("imports.import_page", _l("Import"), (Role.admin,), order=92),
       NavItem("imports.export_page", _l("Export"), (Role.admin,), order=93))

KIND_TITLES = {"customers": _l("Customers"), "instruments": _l("Instruments"),
               "standards": _l("Reference standards with their calibrations"),
               "certificates": _l("Past certificates (with their PDFs)")}


def _download(data: bytes, fmt: str, name: str) -> Response:
    resp = Response(data, mimetype=imports.FORMATS.get(fmt, "application/zip"))
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


def _instance():
    return certificate_context(current_app).instance_path


def _page(kind: str = "customers", result: imports.ImportResult | None = None, upload: str | None = None,
          status: int = 200, error: str | None = None):
    columns = {k: imports.columns_of(k) for k in imports.KINDS}
    return render_template("admin/import.html", kinds=KIND_TITLES, kind=kind, columns=columns, result=result,
                           upload=upload, error=error), status


@bp.route("/import")
@roles_required(Role.admin)
def import_page():
    kind = request.args.get("kind", "customers")
    return _page(kind if kind in imports.KINDS else "customers")


@bp.route("/import/template/<kind>.<fmt>")
@roles_required(Role.admin)
def template(kind: str, fmt: str):
    """The template of ``kind``: keys, labels in the page's language, an example row."""
    known(kind, fmt)
    return _download(imports.template_file(kind, fmt), fmt, f"{kind}-template.{fmt}")


@bp.route("/import", methods=["POST"])
@roles_required(Role.admin)
def check():
    """The dry run of an uploaded file: every row and column at fault, nothing written."""
    kind = request.form.get("kind", "")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(kind if kind in imports.KINDS else "customers", status=422,
                     error=_("Choose the file to import."))
    data = upload.read()
    pdfs = {f.filename.rsplit("/", 1)[-1]: f.read() for f in request.files.getlist("pdfs") if f.filename}
    result = imports.run_import(get_db(), acting_user(), kind, upload.filename, data, pdfs=pdfs, dry_run=True,
                                context=certificate_context(current_app))
    digest = keep_upload(_instance(), upload.filename, data, pdfs) if result.ok else None
    return _page(kind, result=result, upload=digest, status=200 if result.ok else 422)


@bp.route("/import/run", methods=["POST"])
@roles_required(Role.admin)
def run():
    """Import the file checked before (found by its SHA-256), all rows or none."""
    kind, digest = request.form.get("kind", ""), request.form.get("upload", "")
    name, data, pdfs = kept_upload(_instance(), digest)
    try:
        result = imports.run_import(get_db(), acting_user(), kind, name, data, pdfs=pdfs, dry_run=False,
                                    context=certificate_context(current_app))
    except imports.ImportRefused as refused:
        return _page(kind, result=refused.result, status=422)
    instance = _instance()
    transaction.after_commit(lambda: discard_upload(instance, digest))
    flash(_("Imported %(count)s rows from %(file)s.", count=result.rows, file=name), "success")
    return redirect(url_for("imports.import_page", kind=kind))


@bp.route("/export")
@roles_required(Role.admin)
def export_page():
    return render_template("admin/export.html", kinds=KIND_TITLES)


@bp.route("/export/<kind>.<fmt>")
@roles_required(Role.admin)
def export(kind: str, fmt: str):
    """Every row of ``kind`` in the template's columns (imports back into an empty system)."""
    if kind == "all":
        return _download(export_all(fmt), "zip", f"lims-export-{fmt}.zip")
    known(kind, fmt)
    return _download(imports.export_file(get_db(), acting_user(), kind, fmt), fmt, f"{kind}.{fmt}")


def export_all(fmt: str) -> bytes:
    """Every kind in one ZIP, with the PDFs of the certificates."""
    if fmt not in imports.FORMATS:
        raise ValidationError(_("Must be one of: %(choices)s.", choices=", ".join(imports.FORMATS)), field="format")
    ctx = certificate_context(current_app)

    def pdf_of(cert):
        path = ctx.instance_path / cert.pdf_path
        return path.read_bytes() if path.exists() else None

    return imports.export_all_zip(get_db(), acting_user(), fmt, pdf_of)
