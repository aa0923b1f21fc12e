"""Bringing a lab's history in: customers, instruments, reference standards with their
calibrations and past certificates, from CSV or XLSX files laid out as the templates the pages
offer, with a dry run that names every row and column at fault; all rows or none (docs/import.md).
And the full export of the same, in the same columns."""
from lims.services.imports.export import FORMATS, export_all_zip, export_file, export_rows, file_number, template_file
from lims.services.imports.run import KINDS, ImportKind, ImportRefused, ImportResult, columns_of, run_import
from lims.services.imports.table import Column, RowError, day_text, number_text

__all__ = [
    "FORMATS", "KINDS", "Column", "ImportKind", "ImportRefused", "ImportResult", "RowError", "columns_of", "day_text",
    "export_all_zip", "export_file", "export_rows", "file_number", "number_text", "run_import", "template_file",
]
