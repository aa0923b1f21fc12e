"""A package label: the batch's GS1 Digital Link as a QR code beside the product name, lot,
expiry and net quantity, as PDF (reportlab, vector) or PNG (300 dpi) — pure: no Flask, no database.

The QR code (ISO/IEC 18004) has error correction Q by default (about 25 % of the symbol may be
lost: a package gets rubbed) and its four-module quiet zone inside the label. Its modules must be
at least 0.33 mm (GS1 General Specifications 5.12.3.1, the X-dimension of a GS1 QR Code printed
for scanning by phones): a URI too long for that on the label is refused rather than printed
unreadable. On the PNG every module is a whole number of pixels, so the symbol stays sharp.

The texts are laid out once, in points, with the metrics of the bundled DejaVu Sans (every
Vietnamese letter), and drawn at the same places on both outputs.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from certificates.errors import RenderError
from certificates.fonts import BOLD, REGULAR, font_path, register_fonts
from certificates.qr import MM, QUIET_ZONE, draw_matrix, qr_matrix
from lims.i18n import gettext
from lims.metrology.units_format import page_number, page_quantity

__all__ = ["LabelLayout", "PackageLabel", "label_layout", "label_pdf", "label_png", "MIN_MODULE_MM"]

MIN_MODULE_MM = 0.33
DPI = 300
_MARGIN = 1.5  # mm
_GAP = 1.5  # mm between the QR code and the texts


@dataclass(frozen=True)
class PackageLabel:
    """What a label shows: the URI in the QR code, the product's name and (caption, value) lines."""

    uri: str
    title: str
    lines: tuple[tuple[str, str], ...] = ()
    footer: str = ""
    width_mm: float = 50.0
    height_mm: float = 30.0
    ecc: str = "Q"


@dataclass(frozen=True)
class TextRun:
    font: str
    size: float  # points
    x: float  # points from the left edge
    baseline: float  # points from the top edge
    text: str


@dataclass(frozen=True)
class LabelLayout:
    width: float  # points
    height: float
    matrix: list[list[bool]]
    qr_x: float  # the symbol with its quiet zone: left, top, side (points)
    qr_top: float
    qr_side: float
    texts: tuple[TextRun, ...]

    @property
    def modules(self) -> int:
        return len(self.matrix) + 2 * QUIET_ZONE

    @property
    def module_mm(self) -> float:
        return self.qr_side / self.modules / MM


def _width(text: str, font: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return float(stringWidth(text, font, size))


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and _width(f"{lines[-1]} {word}", font, size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def _fitted(text: str, font: str, size: float, width: float, smallest: float = 4.5) -> float:
    while size > smallest and _width(text, font, size) > width:
        size -= 0.25
    return size


def label_layout(label: PackageLabel) -> LabelLayout:
    """Where everything goes; refuses a URI whose QR modules would be under 0.33 mm."""
    register_fonts()
    width, height = label.width_mm * MM, label.height_mm * MM
    matrix = qr_matrix(label.uri, ecc=label.ecc)
    modules = len(matrix) + 2 * QUIET_ZONE
    side = min(height - 2 * _MARGIN * MM, width * 0.5)
    if side / modules / MM < MIN_MODULE_MM:
        raise RenderError(gettext("The link is too long for a %(width)s × %(height)s mm label: its QR modules would "
                                  "be %(module)s, under %(minimum)s.", width=page_number(label.width_mm),
                                  height=page_number(label.height_mm),
                                  module=page_quantity(side / modules / MM, "mm", digits=2),
                                  minimum=page_quantity(MIN_MODULE_MM, "mm")))
    qr_x, qr_top = _MARGIN * MM, (height - side) / 2
    text_x = qr_x + side + _GAP * MM
    text_w = width - text_x - _MARGIN * MM
    runs: list[TextRun] = []
    size = 7.5
    title = _wrap(label.title, BOLD, size, text_w)
    while len(title) > 3 and size > 5:
        size -= 0.5
        title = _wrap(label.title, BOLD, size, text_w)
    if len(title) > 3:
        title = title[:2] + [title[2] + "…"]
    y = _MARGIN * MM + 1.3 * MM
    for line in title:
        y += size * 1.05
        runs.append(TextRun(BOLD, _fitted(line, BOLD, size, text_w), text_x, y, line))
    y += 1.2 * MM
    for caption, value in label.lines:
        text = f"{caption} {value}"
        small = _fitted(text, REGULAR, 6.5, text_w)
        y += small * 1.25
        runs.append(TextRun(BOLD, small, text_x, y, caption))
        runs.append(TextRun(REGULAR, small, text_x + _width(caption + " ", BOLD, small), y, value))
    if label.footer:
        small = _fitted(label.footer, REGULAR, 5.0, text_w)
        runs.append(TextRun(REGULAR, small, text_x, height - _MARGIN * MM - 0.5 * MM, label.footer))
    return LabelLayout(width, height, matrix, qr_x, qr_top, side, tuple(runs))


def label_pdf(label: PackageLabel) -> bytes:
    """The label as a one-page PDF of its own size (print at 100 %)."""
    from reportlab.pdfgen.canvas import Canvas

    layout = label_layout(label)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(layout.width, layout.height), invariant=1, pageCompression=1)
    canvas.setTitle(label.title)
    canvas.setLineWidth(0.4)
    canvas.setStrokeGray(0.6)
    canvas.roundRect(0.4, 0.4, layout.width - 0.8, layout.height - 0.8, 1.5 * MM)  # where to cut
    draw_matrix(canvas, layout.matrix, layout.qr_x, layout.height - layout.qr_top - layout.qr_side, layout.qr_side)
    for run in layout.texts:
        canvas.setFont(run.font, run.size)
        canvas.drawString(run.x, layout.height - run.baseline, run.text)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def label_png(label: PackageLabel, dpi: int = DPI) -> bytes:
    """The label as a PNG at ``dpi`` (300 by default); each QR module a whole number of pixels."""
    from PIL import Image, ImageDraw, ImageFont

    layout = label_layout(label)
    px = dpi / 72  # pixels per point
    image = Image.new("L", (round(layout.width * px), round(layout.height * px)), 255)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((1, 1, image.width - 2, image.height - 2), radius=round(1.5 * MM * px), outline=153,
                           width=max(1, round(0.4 * px)))  # where to cut
    module = int(layout.qr_side * px / layout.modules)
    side = module * layout.modules
    left = round(layout.qr_x * px + (layout.qr_side * px - side) / 2)
    top = round(layout.qr_top * px + (layout.qr_side * px - side) / 2)
    for r, row in enumerate(layout.matrix):
        for c, dark in enumerate(row):
            if dark:
                x, y = left + (c + QUIET_ZONE) * module, top + (r + QUIET_ZONE) * module
                draw.rectangle((x, y, x + module - 1, y + module - 1), fill=0)
    fonts: dict[tuple[str, float], ImageFont.FreeTypeFont] = {}
    for run in layout.texts:
        key = (run.font, run.size)
        if key not in fonts:
            fonts[key] = ImageFont.truetype(font_path(run.font), round(run.size * px))
        draw.text((run.x * px, run.baseline * px), run.text, font=fonts[key], fill=0, anchor="ls")
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()
