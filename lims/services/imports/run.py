"""Import one file of one kind: a dry run lists every row and column at fault; an import writes
all the rows or none.

Both read the file the same way and run every row through the same creation service inside a
savepoint of the caller's transaction; a row at fault is rolled back to its own savepoint (its
errors kept, the next row goes on), so one pass names every fault of every row. Then the dry run
rolls everything back; the import rolls everything back too when any row is at fault and is
refused (:class:`ImportRefused`, 422, with the same list), else keeps it, appends one audit
event for the import (kind, file name, SHA-256, rows) beside the events the services wrote for
each entity, and queues the PDFs of imported certificates, written once the caller commits.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lims.errors import ValidationError
from lims.i18n import _
from lims.models import Role
from lims.services import audit, policy
from lims.services.certificates.context import CertificateContext
from lims.services.imports.catalog_rows import (
    CUSTOMER_COLUMNS,
    INSTRUMENT_COLUMNS,
    STANDARD_COLUMNS,
    customer_row,
    instrument_row,
    standard_row,
)
from lims.services.imports.certificate_rows import CERTIFICATE_COLUMNS, certificate_row, finish_certificates
from lims.services.imports.context import ImportContext
from lims.services.imports.table import Column, RowError, read_table, split_upload
from lims.services.policy import Actor
from lims.services.validation import plain_numbers, typed_input

__all__ = ["KINDS", "ImportKind", "ImportRefused", "ImportResult", "columns_of", "run_import"]

Handler = Callable[[ImportContext, int, dict[str, Any]], dict[str, str]]


@dataclass(frozen=True)
class ImportKind:
    key: str
    columns: tuple[Column, ...]
    handler: Handler


#: What can be imported, in the order a lab moving in imports it.
KINDS: dict[str, ImportKind] = {k.key: k for k in (
    ImportKind("customers", CUSTOMER_COLUMNS, customer_row),
    ImportKind("instruments", INSTRUMENT_COLUMNS, instrument_row),
    ImportKind("standards", STANDARD_COLUMNS, standard_row),
    ImportKind("certificates", CERTIFICATE_COLUMNS, certificate_row),
)}


def columns_of(kind: str) -> tuple[Column, ...]:
    return kind_of(kind).columns


def kind_of(kind: str) -> ImportKind:
    found = KINDS.get(kind)
    if found is None:
        raise ValidationError(_("Must be one of: %(choices)s.", choices=", ".join(KINDS)), field="kind")
    return found


@dataclass(frozen=True)
class ImportResult:
    kind: str
    file_name: str
    sha256: str
    rows: int
    errors: tuple[RowError, ...]
    dry_run: bool

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "file": self.file_name, "sha256": self.sha256, "rows": self.rows,
                "dry_run": self.dry_run, "imported": self.rows if self.ok and not self.dry_run else 0,
                "errors": [e.as_dict() for e in self.errors]}


class ImportRefused(ValidationError):
    """Some rows are at fault: nothing was imported (the list names every row and column)."""

    def __init__(self, result: ImportResult):
        first = result.errors[0]
        super().__init__(_("Nothing was imported: %(count)s faults, the first in row %(row)s: %(what)s",
                           count=len(result.errors), row=first.row, what=first.message),
                         field=first.column or "file")
        self.result = result
        self.detail["errors"] = [e.as_dict() for e in result.errors]
        self.detail["rows"] = result.rows


def run_import(session: Session, actor: Actor | None, kind: str, file_name: str, data: bytes, *,
               pdfs: dict[str, bytes] | None = None, dry_run: bool = True,
               context: CertificateContext | None = None) -> ImportResult:
    """Check (``dry_run``) or import the rows of ``data`` (a CSV, XLSX or ZIP named ``file_name``).

    Cells are text, read as a form's are (never as a JSON body's typed values), whoever calls."""
    policy.require(actor, Role.admin)
    token = typed_input.set(False)
    plain = plain_numbers.set(True)  # number_text gives each number cell in the plain notation
    try:
        return _run(session, actor, kind, file_name, data, pdfs=pdfs, dry_run=dry_run, context=context)
    finally:
        plain_numbers.reset(plain)
        typed_input.reset(token)


def _run(session: Session, actor: Actor | None, kind: str, file_name: str, data: bytes, *,
         pdfs: dict[str, bytes] | None, dry_run: bool, context: CertificateContext | None) -> ImportResult:
    what = kind_of(kind)
    digest = hashlib.sha256(data).hexdigest()
    try:
        upload = split_upload(file_name, data, pdfs)
        table = read_table(upload.name, upload.data, what.columns)
    except ValidationError as exc:
        return _refuse(ImportResult(kind, file_name, digest, 0, (RowError(0, None, exc.message),), dry_run), dry_run)
    ctx = ImportContext(session, actor, file_name, pdfs=upload.pdfs, certificates=context, dry_run=dry_run)
    errors = list(table.errors)
    example = {c.key: c.example for c in what.columns}
    outer = session.begin_nested()
    try:
        if not errors:
            for row, values in table.rows:
                errors.extend(_one_row(ctx, what, row, values, example))
        result = ImportResult(kind, file_name, digest, len(table.rows), tuple(errors), dry_run)
        if dry_run or errors:
            outer.rollback()
            return _refuse(result, dry_run)
        finish_certificates(ctx)
        audit.record(session, actor, "import.run", entity_type="import", entity_id=kind,
                     after={"kind": kind, "file": file_name, "sha256": digest, "rows": result.rows})
        outer.commit()
        return result
    except BaseException:
        if outer.is_active:
            outer.rollback()
        raise


def _refuse(result: ImportResult, dry_run: bool) -> ImportResult:
    if result.errors and not dry_run:
        raise ImportRefused(result)
    return result


def _is_example(values: dict[str, Any], example: dict[str, str]) -> bool:
    return all(str(values.get(k) or "") == v for k, v in example.items() if v)


def _one_row(ctx: ImportContext, what: ImportKind, row: int, values: dict[str, Any],
             example: dict[str, str]) -> list[RowError]:
    if _is_example(values, example):
        return [RowError(row, None, _("This is the template's example row: replace it with your data or "
                                      "delete it."))]
    point = ctx.session.begin_nested()
    try:
        found = what.handler(ctx, row, values)
    except ValidationError as exc:
        found = {exc.field or "": exc.message}
    except IntegrityError:
        found = {"": _("This row conflicts with data already recorded.")}
    if found:
        point.rollback()
    else:
        point.commit()
    order = [c.key for c in what.columns]
    return [RowError(row, column or None, message) for column, message in
            sorted(found.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))]
