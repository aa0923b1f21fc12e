"""Certificates: a certificate document model in, bytes out. Pure: no Flask, no database.

=====================================  ===============================================================
:mod:`certificates.model`              :class:`CertificateDocument` and its parts (ISO/IEC 17025 7.8)
:mod:`certificates.pdf`                ``render_pdf(doc, *, verify_url, lang=None) -> bytes``
:mod:`certificates.qr`                 ``qr_png``, ``qr_svg``, ``qr_version``, ``stamp_label_pdf``
:mod:`certificates.tokens`             ``sign_token``, ``verify``, ``verify_url``, :class:`PublicKeySet`
:mod:`certificates.keystore`           :class:`KeyStore` (private keys in a file, rotation, JWKS)
:mod:`certificates.dcc`                ``to_dcc_xml(doc) -> bytes``, ``validate_dcc(xml)`` (DCC 3.3.0)
:mod:`certificates.jsonform`           ``to_json_dict(doc)``, ``from_json_dict(data)``
:mod:`certificates.hashing`            ``sha256_hex(pdf_bytes)``, ``matches``
:mod:`certificates.examples`           two complete example documents
=====================================  ===============================================================

Importing this package is cheap: reportlab, lxml and qrcode load only with the module that
needs them.
"""
from __future__ import annotations

from certificates.errors import (
    CertificateError,
    DccError,
    DccValidationError,
    DocumentError,
    InvalidToken,
    KeyStoreError,
    RenderError,
    UnitError,
)
from certificates.model import (
    CertificateDocument,
    Conformity,
    Customer,
    EnvironmentalCondition,
    Instrument,
    Kind,
    Laboratory,
    LocalText,
    Measure,
    Method,
    PerformanceLocation,
    Person,
    ReferenceStandard,
    ResultRow,
    ResultSection,
    Stage,
    Status,
    Uncertainty,
    Verdict,
)

__all__ = [
    "CertificateDocument", "CertificateError", "Conformity", "Customer", "DccError", "DccValidationError",
    "DocumentError", "EnvironmentalCondition", "Instrument", "InvalidToken", "KeyStoreError", "Kind",
    "Laboratory", "LocalText", "Measure", "Method", "PerformanceLocation", "Person", "ReferenceStandard",
    "RenderError", "ResultRow", "ResultSection", "Stage", "Status", "Uncertainty", "UnitError", "Verdict",
]
