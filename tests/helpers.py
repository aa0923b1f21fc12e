"""Plain helpers shared by the tests (no fixtures here: those live in the conftest files)."""
from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from datetime import UTC, datetime, timedelta
from types import ModuleType

#: The password of every user the fixtures and factories create.
PASSWORD = "correct horse battery"

BASE_URL = "https://lims.tdc.gov.vn"
#: A fixed URL of realistic length (95-character token) for rendering tests that do not sign.
VERIFY_URL = BASE_URL + "/v/" + (
    "AQ8xYkB8A0DxqBfGmyC4jVd0c9Qm3zj1U0n8fYk2Yx5m7s0P"
    "qL4aRr2T6wWc9hJd1eFg3iKl5oZu7vXy9AbCdEfGhIjKlMn"
)


def pdf_pages_text(pdf: bytes) -> list[str]:
    """Text of every page, extracted by PDFium."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        return [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()


def pdf_text(pdf: bytes) -> str:
    """Text of the whole document, pages joined by a newline."""
    return "\n".join(pdf_pages_text(pdf))


def render_page_image(pdf: bytes, page: int = 0, scale: float = 3.0):  # type: ignore[no-untyped-def]
    """A PIL image of one page at ``scale`` × 72 dpi."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        return document[page].render(scale=scale).to_pil()
    finally:
        document.close()


def qr_urls(pdf: bytes, page: int = 0, scale: float = 3.0) -> list[str]:
    """Every QR code a real decoder (ZXing C++) finds on the rendered page image."""
    import zxingcpp

    image = render_page_image(pdf, page, scale)
    return [b.text for b in zxingcpp.read_barcodes(image) if b.format == zxingcpp.BarcodeFormat.QRCode]


def replace(doc, **changes: object):  # type: ignore[no-untyped-def]
    """A copy of a certificate document with fields changed (the model's checks run again)."""
    return dataclasses.replace(doc, **changes)


def exception_classes(package: ModuleType) -> list[type[BaseException]]:
    """Every exception class defined at module level anywhere in ``package``."""
    modules = [package] + [importlib.import_module(info.name)
                           for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
                           if not info.name.endswith(".__main__")]
    return sorted({obj for module in modules for _, obj in inspect.getmembers(module, inspect.isclass)
                   if issubclass(obj, BaseException) and obj.__module__ == module.__name__},
                  key=lambda cls: (cls.__module__, cls.__qualname__))


class Clock:
    """A clock a test moves by hand (``advance``), for services that take one (e.g. the sign-in limits)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
