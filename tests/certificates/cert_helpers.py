"""Helpers shared by the certificates tests (imported by name: this folder is on sys.path)."""
from __future__ import annotations

import dataclasses

import pypdfium2 as pdfium

from certificates.model import CertificateDocument

BASE_URL = "https://lims.tdc.gov.vn"
#: A fixed URL of realistic length (95-character token) for rendering tests that do not sign.
VERIFY_URL = BASE_URL + "/v/" + (
    "AQ8xYkB8A0DxqBfGmyC4jVd0c9Qm3zj1U0n8fYk2Yx5m7s0P"
    "qL4aRr2T6wWc9hJd1eFg3iKl5oZu7vXy9AbCdEfGhIjKlMn"
)


def pdf_pages_text(pdf: bytes) -> list[str]:
    """Text of every page, extracted by PDFium."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()


def render_page_image(pdf: bytes, page: int = 0, scale: float = 3.0):  # type: ignore[no-untyped-def]
    """A PIL image of one page at ``scale`` × 72 dpi."""
    document = pdfium.PdfDocument(pdf)
    try:
        return document[page].render(scale=scale).to_pil()
    finally:
        document.close()


def replace(doc: CertificateDocument, **changes: object) -> CertificateDocument:
    """A copy of ``doc`` with fields changed (the model's checks run again)."""
    return dataclasses.replace(doc, **changes)
