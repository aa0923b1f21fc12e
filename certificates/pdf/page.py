"""Page furniture: the header and "page x of y" on every page, and the status watermark.

ISO/IEC 17025:2017 7.8.2.1 d) asks for the certificate's unique identification on every
page and a way to know that a page belongs to the certificate and where it ends: every page
carries the laboratory, the certificate number and "Trang x/y" / "Page x of y". The total
page count is known only when the document is finished, so the canvas keeps each page and
writes the numbers when it is saved (the usual reportlab "numbered canvas" technique).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reportlab.lib.colors import Color
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from certificates.labels import label, status_label
from certificates.model import CertificateDocument, Status, text_for

MARGIN_X = 18 * mm
HEADER_Y = 12 * mm  # distance of the header baseline from the top edge
FOOTER_Y = 9 * mm
GREY = Color(0.35, 0.35, 0.35)


@dataclass(frozen=True)
class PageInfo:
    """What the page furniture prints."""

    lab_name: str
    number_text: str
    lang: str
    regular: str
    bold: str
    watermark: str


def page_info(doc: CertificateDocument, lang: str, regular: str, bold: str) -> PageInfo:
    """Collect the strings printed on every page of ``doc``."""
    watermark = status_label(doc.status, lang) if doc.status is not Status.VALID else ""
    return PageInfo(
        lab_name=text_for(doc.laboratory.name, lang),
        number_text=f"{label('number', lang)}: {doc.number}",
        lang=lang,
        regular=regular,
        bold=bold,
        watermark=watermark,
    )


def page_size(canvas: Canvas) -> tuple[float, float]:
    """The size of the page being drawn (reportlab keeps it in an attribute its stubs leave out)."""
    size: tuple[float, float] = canvas._pagesize  # type: ignore[attr-defined]
    return size


def draw_page(canvas: Canvas, info: PageInfo) -> None:
    """Header rule, laboratory name and certificate number; the watermark behind the content."""
    width, height = page_size(canvas)
    canvas.saveState()
    if info.watermark:
        canvas.setFillColor(Color(0.85, 0.1, 0.1, alpha=0.15))
        canvas.setFont(info.bold, 64)
        canvas.translate(width / 2, height / 2)
        canvas.rotate(40)
        canvas.drawCentredString(0, 0, info.watermark)
        canvas.rotate(-40)
        canvas.translate(-width / 2, -height / 2)
    canvas.setFillColor(GREY)
    canvas.setFont(info.regular, 7.5)
    canvas.drawString(MARGIN_X, height - HEADER_Y, info.lab_name)
    canvas.setFont(info.bold, 8)
    canvas.drawRightString(width - MARGIN_X, height - HEADER_Y, info.number_text)
    canvas.setStrokeColor(GREY)
    canvas.setLineWidth(0.4)
    canvas.line(MARGIN_X, height - HEADER_Y - 2.5 * mm, width - MARGIN_X, height - HEADER_Y - 2.5 * mm)
    canvas.line(MARGIN_X, FOOTER_Y + 4 * mm, width - MARGIN_X, FOOTER_Y + 4 * mm)
    canvas.restoreState()


def numbered_canvas(info: PageInfo) -> type[Canvas]:
    """A canvas class that writes "number — page x of y" in the footer of every page."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab API
            self._pages.append(dict(self.__dict__))
            self._startPage()  # type: ignore[attr-defined]  # reportlab's own, left out of its stubs

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._footer(number, total)
                super().showPage()
            super().save()

        def _footer(self, page: int, pages: int) -> None:
            width = page_size(self)[0]
            self.saveState()
            self.setFillColor(GREY)
            self.setFont(info.regular, 7.5)
            self.drawString(MARGIN_X, FOOTER_Y, info.number_text)
            self.setFont(info.bold, 8)
            self.drawRightString(width - MARGIN_X, FOOTER_Y, label("page", info.lang, page=page, pages=pages))
            self.restoreState()

    return NumberedCanvas
