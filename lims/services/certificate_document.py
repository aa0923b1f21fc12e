"""Moved to :mod:`lims.services.certificates.document`; these names stay importable from here."""
from lims.services.certificates.document import (
    Issue,
    add_months,
    build_document,
    decimal_of,
    is_notice,
    is_pass,
)

__all__ = ["Issue", "add_months", "build_document", "decimal_of", "is_notice", "is_pass"]
