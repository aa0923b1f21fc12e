"""Bringing a lab's history in and the full export (admins): ``POST /imports/<kind>`` with the file
(multipart), ``GET /imports/<kind>/template.<fmt>``, ``GET /exports/<kind>.<fmt>``."""
from __future__ import annotations

from flask import Response, current_app, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from lims.errors import NotFound, ValidationError
from lims.i18n import _
from lims.models import Role
from lims.services import imports
from lims.web.api.blueprints import api_blueprint
from lims.web.auth import acting_user, roles_required
from lims.web.context import get_db
from lims.web.openapi import ErrorSchema
from lims.web.public_certificates import certificate_context

bp = Blueprint("api_imports", __name__, url_prefix="/imports",
               description="Bringing a lab's history in from CSV/XLSX files: dry run, then all rows or none")
api_blueprint(bp)
export_bp = Blueprint("api_exports", __name__, url_prefix="/exports",
                      description="The full export, in the import templates' columns")
api_blueprint(export_bp)

KIND = {"name": "kind", "in": "path", "required": True, "schema": {"type": "string", "enum": list(imports.KINDS)}}
FORMAT = {"name": "fmt", "in": "path", "required": True, "schema": {"type": "string", "enum": list(imports.FORMATS)}}
FILE_CONTENT = {fmt: {"schema": {"type": "string", "format": "binary"}} for fmt in imports.FORMATS.values()}


class RowErrorSchema(Schema):
    row = fields.Int(metadata={"description": "the row as the spreadsheet numbers it (1: the header; 0: the file)"})
    column = fields.Str(allow_none=True, metadata={"description": "the column key (none: the whole row or file)"})
    message = fields.Str(metadata={"description": "what is wrong, in the request's language"})


class ImportResultSchema(Schema):
    kind = fields.Str()
    file = fields.Str()
    sha256 = fields.Str()
    rows = fields.Int(metadata={"description": "data rows read"})
    dry_run = fields.Bool()
    imported = fields.Int(metadata={"description": "rows written (0 on a dry run)"})
    errors = fields.List(fields.Nested(RowErrorSchema))


def known(kind: str, fmt: str | None = None) -> None:
    """A kind or format in the path that is none of the documented ones: nothing there (404)."""
    if kind not in imports.KINDS or (fmt is not None and fmt not in imports.FORMATS):
        raise NotFound(_("There is no such import or export."))


def _download(data: bytes, fmt: str, name: str) -> Response:
    resp = Response(data, mimetype=imports.FORMATS[fmt] if fmt in imports.FORMATS else "application/octet-stream")
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.route("/<kind>", methods=["POST"])
@roles_required(Role.admin)
@bp.doc(parameters=[KIND, {"name": "dry_run", "in": "query", "schema": {"type": "boolean"},
                           "description": "true: check only, write nothing (the answer lists every fault)"}],
        requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"], "properties": {
                "file": {"type": "string", "format": "binary",
                         "description": "CSV (UTF-8), XLSX, or a ZIP holding one and the PDFs of past certificates"},
                "pdfs": {"type": "array", "items": {"type": "string", "format": "binary"},
                         "description": "PDFs of past certificates, named by certificate number"}}}}}})
@bp.response(200, ImportResultSchema)
@bp.alt_response(422, schema=ErrorSchema, description="rows at fault: nothing was imported; `detail.errors` "
                                                      "lists every row and column at fault")
def import_file(kind: str):
    """Check (``dry_run=true``) or import a file of ``kind``: all rows or none."""
    known(kind)
    upload = request.files.get("file")
    if upload is None:
        raise ValidationError(_("Choose the file to import."), field="file")
    pdfs = {f.filename.rsplit("/", 1)[-1]: f.read() for f in request.files.getlist("pdfs") if f.filename}
    dry_run = request.args.get("dry_run", "").lower() in ("1", "true", "yes")
    result = imports.run_import(get_db(), acting_user(), kind, upload.filename or "upload.csv", upload.read(),
                                pdfs=pdfs, dry_run=dry_run, context=certificate_context(current_app))
    return result.as_json()


@bp.route("/<kind>/template.<fmt>")
@roles_required(Role.admin)
@bp.doc(parameters=[KIND, FORMAT], responses={"200": {"description": "the template", "content": FILE_CONTENT}})
def template(kind: str, fmt: str):
    """The template of ``kind``: column keys, their labels in the request's language, an example row."""
    known(kind, fmt)
    return _download(imports.template_file(kind, fmt), fmt, f"{kind}-template.{fmt}")


@export_bp.route("/<kind>.<fmt>")
@roles_required(Role.admin)
@export_bp.doc(parameters=[KIND, FORMAT], responses={"200": {"description": "every row", "content": FILE_CONTENT}})
def export(kind: str, fmt: str):
    """Every row of ``kind`` in the import template's columns (imports back into an empty system)."""
    known(kind, fmt)
    return _download(imports.export_file(get_db(), acting_user(), kind, fmt), fmt, f"{kind}.{fmt}")
