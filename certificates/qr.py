"""QR codes of verification URLs (ISO/IEC 18004:2015), as PNG, SVG, PDF drawing and stamp label.

Error correction level M (about 15 % of the symbol may be lost) is the default: a stamp on
an instrument gets scratched. With the signed tokens of :mod:`certificates.tokens`, a URL
``<base_url>/v/<token>`` with a base URL of up to 23 characters (``https://lims.tdc.gov.vn``)
fits version 7 (45 × 45 modules), which printed 20 mm wide gives modules of 0.44 mm,
comfortably above what phone cameras read.
"""
from __future__ import annotations

import io
from datetime import date
from typing import Any

import qrcode
import qrcode.constants
from qrcode.exceptions import DataOverflowError

from certificates.errors import RenderError
from certificates.qrmask import best_mask

ERROR_CORRECTION = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}
#: Quiet zone of four modules on each side (ISO/IEC 18004:2015 9.1).
QUIET_ZONE = 4
MM = 72 / 25.4  # PDF points per millimetre


def _make(data: str, *, ecc: str = "M", border: int = QUIET_ZONE) -> qrcode.QRCode[Any]:
    if not isinstance(data, str) or not data:
        raise RenderError("nothing to encode in the QR code: the verification URL is empty")
    if ecc not in ERROR_CORRECTION:
        raise RenderError(f"unknown QR error-correction level {ecc!r}: use L, M, Q or H")
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION[ecc], border=border)
    code.add_data(data)
    try:
        code.best_fit()
    except (DataOverflowError, ValueError):
        raise RenderError(f"the URL is too long for a QR code ({len(data)} characters)") from None
    code.mask_pattern = best_mask(code)  # the mask qrcode would choose, found ten times faster
    code.make(fit=False)
    return code


def qr_version(data: str, *, ecc: str = "M") -> int:
    """The QR version (1-40) the data needs; version v has 17 + 4·v modules a side."""
    return int(_make(data, ecc=ecc).version)


def qr_matrix(data: str, *, ecc: str = "M") -> list[list[bool]]:
    """Dark (True) and light modules of the symbol, without quiet zone."""
    return [list(row) for row in _make(data, ecc=ecc, border=0).get_matrix()]


def qr_png(data: str, *, box_size: int = 10, ecc: str = "M") -> bytes:
    """PNG image of the QR code, ``box_size`` pixels per module, with the quiet zone."""
    from qrcode.image.pil import PilImage

    code = _make(data, ecc=ecc)
    code.box_size = box_size
    image = code.make_image(image_factory=PilImage)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def qr_svg(data: str, *, ecc: str = "M") -> bytes:
    """SVG (one path) of the QR code with the quiet zone, scalable to any print size."""
    from qrcode.image.svg import SvgPathImage

    image = _make(data, ecc=ecc).make_image(image_factory=SvgPathImage)
    return bytes(image.to_string(encoding="utf-8"))


def draw_qr(canvas: Any, data: str, x: float, y: float, size: float, *, ecc: str = "M") -> None:
    """Draw the symbol (quiet zone included) on a reportlab canvas, lower-left at (x, y), in points."""
    draw_matrix(canvas, qr_matrix(data, ecc=ecc), x, y, size)


def draw_matrix(canvas: Any, matrix: list[list[bool]], x: float, y: float, size: float) -> None:
    """Draw a QR module matrix plus its quiet zone in a ``size`` × ``size`` square.

    Dark modules of a row are merged into one rectangle per run, which keeps the PDF small
    and fast to draw.
    """
    n = len(matrix) + 2 * QUIET_ZONE
    module = size / n
    canvas.saveState()
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    path = canvas.beginPath()
    for r, row in enumerate(matrix):
        top = y + size - (r + QUIET_ZONE + 1) * module
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                path.rect(x + (start + QUIET_ZONE) * module, top, (c - start) * module, module)
            else:
                c += 1
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


def qr_flowable(data: str, size: float, *, ecc: str = "M") -> Any:
    """A platypus flowable of ``size`` × ``size`` points drawing the QR code."""
    from reportlab.platypus import Flowable

    class _QR(Flowable):
        def wrap(self, *_: float) -> tuple[float, float]:
            return size, size

        def draw(self) -> None:
            draw_qr(self.canv, data, 0, 0, size, ecc=ecc)

    flowable = _QR()
    flowable.width = flowable.height = size
    return flowable


def stamp_label_pdf(
    verify_url: str,
    stamp_number: str,
    valid_until: date | None,
    *,
    lang: str = "vi",
    issuer: str | None = None,
    qr_mm: float = 20.0,
) -> bytes:
    """A printable verification-stamp label (Circular 24/2013/TT-BKHCN tem kiểm định).

    One page sized to the label: optional issuer line, "TEM KIỂM ĐỊNH", the QR symbol
    ``qr_mm`` millimetres wide (plus its four-module quiet zone), the stamp number and the
    valid-until date; ``valid_until`` None (an instrument type without periodic verification,
    whose certificate states no valid-until date) prints "Không quy định thời hạn" / "No
    periodic verification" instead. Printed at 100 % scale on a label printer.
    """
    from reportlab.pdfgen.canvas import Canvas

    from certificates.fonts import register_fonts
    from certificates.formatting import format_date
    from certificates.labels import label

    if not stamp_number or not isinstance(stamp_number, str):
        raise RenderError("the stamp label needs the stamp number")
    regular, bold = register_fonts()
    matrix = qr_matrix(verify_url)
    qr_size = qr_mm * MM * (len(matrix) + 2 * QUIET_ZONE) / len(matrix)
    margin = 1.5 * MM
    width = max(qr_size + 2 * margin, 30 * MM)
    line = 3.0 * MM
    texts_above = ([(regular, 5.5, issuer)] if issuer else []) + [(bold, 7.0, label("stamp.label", lang))]
    texts_below = [
        (bold, 7.0, stamp_number),
        (regular, 6.0, f"{label('stamp.valid_until', lang)}: {format_date(valid_until, lang)}"
         if valid_until is not None else label("stamp.no_valid_until", lang)),
    ]
    height = 2 * margin + (len(texts_above) + len(texts_below)) * line + qr_size
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(width, height), invariant=1, pageCompression=1)
    canvas.setTitle(f"{label('stamp.label', lang)} {stamp_number}")
    canvas.setLineWidth(0.5)
    canvas.roundRect(0.5, 0.5, width - 1, height - 1, 2 * MM)
    cx = width / 2

    def centred(font: str, size: float, text: str, baseline: float) -> None:
        fitted = min(size, size * (width - 2 * margin) / max(canvas.stringWidth(text, font, size), 1e-6))
        canvas.setFont(font, fitted)
        canvas.drawCentredString(cx, baseline, text)

    y = height - margin
    for font, size, text in texts_above:
        y -= line
        centred(font, size, text, y + 0.8 * MM)
    y -= qr_size
    draw_matrix(canvas, matrix, cx - qr_size / 2, y, qr_size)
    for font, size, text in texts_below:
        y -= line
        centred(font, size, text, y + 0.9 * MM)
    canvas.showPage()
    canvas.save()
    return out.getvalue()
