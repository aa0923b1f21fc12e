"""The TrueType font the certificates are printed in, shipped inside the package.

DejaVu Sans (regular and bold, from Debian's ``fonts-dejavu-core`` 2.37) covers every
Vietnamese letter with its diacritics (ắ, ệ, ỹ, Đ ...) and the symbols a certificate needs
(±, µ, °, Ω, −, ≤). Its licence is in ``LICENSE.txt`` beside the font files. No system font
is assumed: PDFs look the same on every machine.
"""
from __future__ import annotations

from importlib import resources
from threading import Lock
from typing import Literal

from certificates.errors import RenderError

REGULAR = "LimsDejaVuSans"
BOLD = "LimsDejaVuSans-Bold"
FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}
#: (bold, italic) -> face: there is no italic face, so italic text uses the upright one.
_MAPPINGS: tuple[tuple[Literal[0, 1], Literal[0, 1], str], ...] = (
    (0, 0, REGULAR), (1, 0, BOLD), (0, 1, REGULAR), (1, 1, BOLD),
)

_lock = Lock()
_registered = False


def font_path(name: str) -> str:
    """Path of the bundled TTF file registered as ``name``."""
    return str(resources.files(__name__).joinpath(FILES[name]))


def register_fonts() -> tuple[str, str]:
    """Register the bundled fonts with reportlab once per process; return (regular, bold) names."""
    global _registered
    if _registered:
        return REGULAR, BOLD
    with _lock:
        if not _registered:
            from reportlab.lib.fonts import addMapping
            from reportlab.pdfbase import pdfmetrics
            from reportlab.pdfbase.ttfonts import TTFError, TTFont

            try:
                for name in (REGULAR, BOLD):
                    pdfmetrics.registerFont(TTFont(name, font_path(name)))
            except (OSError, TTFError) as exc:
                raise RenderError(f"the certificate font could not be loaded: {exc}") from exc
            for bold, italic, name in _MAPPINGS:
                addMapping(REGULAR, bold, italic, name)
            _registered = True
    return REGULAR, BOLD
