"""Certificates: issue from an approved record, serve, amend, revoke, verify in public.

One module per concern:

* :mod:`.context` — :class:`CertificateContext` (instance folder, base URL, signing keys,
  number patterns, built from :class:`lims.config.Settings`);
* :mod:`.numbering` — certificate and stamp numbers from the configured patterns;
* :mod:`.document` — approved record → :class:`certificates.CertificateDocument`, numbers
  rounded once (:mod:`lims.metrology.reporting`);
* :mod:`.issue` — issue, amend, revoke (typed inputs :class:`AmendCertificate`, :class:`RevokeCertificate`);
* :mod:`.queries` — one certificate, by number, lists, what superseded one, today's status;
* :mod:`.exports` — PDF, JSON, DCC XML and stamp label of an issued certificate;
* :mod:`.public` — the public check page's token check and one-query lookup;
* :mod:`.holders` — the holder's PDF, the stamp's status-only link, the lookup by numbers;
* :mod:`.files` — file names, the PDF and the DCC written after the commit, re-rendering missing files.

Every name callers use is importable from here.
"""
from lims.services.certificates.context import (
    CertificateContext,
    context_from_env,
    context_from_settings,
    current_context,
    keystore_at,
    reset_context,
    set_context,
    use_context,
)
from lims.services.certificates.document import (
    Issue,
    add_months,
    build_document,
    is_notice,
    is_pass,
    valid_until_after,
    validity_basis,
)
from lims.services.certificates.exports import (
    ExportError,
    dcc_export,
    document_of,
    json_export,
    pdf_bytes,
    stamp_label,
    status_token,
    status_url,
    verification_token,
    verify_url,
)
from lims.services.certificates.files import (
    PDF_FOLDER,
    PendingFile,
    dcc_file,
    dcc_path_of,
    file_name_of,
    missing_dccs,
    missing_pdfs,
    pdf_file,
    pdf_path_of,
    render_stored,
    render_stored_dcc,
    store_rendered,
    store_rendered_dcc,
    write_pending,
)
from lims.services.certificates.holders import (
    NoSuchCertificate,
    holder_pdf,
    lookup_by_numbers,
)
from lims.services.certificates.issue import (
    AmendCertificate,
    RevokeCertificate,
    amend_certificate,
    issue_for_record,
    revoke_certificate,
)
from lims.services.certificates.numbering import certificate_number, stamp_number
from lims.services.certificates.public import (
    NotGenuine,
    PublicView,
    genuine_certificate_id,
    genuine_token,
    public_keys,
    public_lookup,
    public_statement,
    public_view,
    public_view_from_row,
)
from lims.services.certificates.queries import (
    CERTIFICATE,
    EXPIRED,
    NOTICE,
    PUBLIC_STATUSES,
    amendable_records,
    document_kind,
    effective_status,
    get_by_number,
    get_certificate,
    list_certificates,
    newer_numbers,
    status_label,
    superseded_by,
)

__all__ = [
    "AmendCertificate", "CERTIFICATE", "CertificateContext", "EXPIRED", "ExportError", "Issue", "NOTICE",
    "NoSuchCertificate", "NotGenuine", "PDF_FOLDER", "PUBLIC_STATUSES", "PendingFile", "PublicView",
    "RevokeCertificate", "add_months", "amend_certificate", "amendable_records", "build_document",
    "certificate_number", "context_from_env", "context_from_settings", "current_context", "dcc_export", "dcc_file",
    "dcc_path_of", "document_kind", "document_of", "effective_status", "file_name_of", "genuine_certificate_id",
    "genuine_token", "get_by_number", "get_certificate", "holder_pdf", "is_notice", "is_pass", "issue_for_record",
    "json_export", "keystore_at", "list_certificates", "lookup_by_numbers", "missing_dccs", "missing_pdfs",
    "pdf_bytes", "pdf_file", "pdf_path_of", "public_keys", "public_lookup", "public_statement", "public_view",
    "public_view_from_row", "render_stored", "render_stored_dcc", "reset_context", "revoke_certificate",
    "set_context", "stamp_label", "stamp_number", "status_label", "status_token", "status_url", "store_rendered",
    "store_rendered_dcc", "newer_numbers", "superseded_by", "use_context", "valid_until_after", "validity_basis",
    "verification_token", "verify_url", "write_pending",
]
