"""QR codes (ISO/IEC 18004:2015) as PNG and SVG, and the printable verification-stamp label."""
from __future__ import annotations

import io
from datetime import date

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image

from certificates.errors import RenderError
from certificates.qr import qr_matrix, qr_png, qr_svg, qr_version, stamp_label_pdf
from tests.helpers import VERIFY_URL, pdf_pages_text, render_page_image

MM_PER_POINT = 25.4 / 72


def decode(image: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


def test_png_decodes_back_to_the_url() -> None:
    png = qr_png(VERIFY_URL, box_size=4)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(png))
    # version 7 at level M: 17 + 4 × 7 = 45 modules, plus 2 × 4 quiet-zone modules, 4 px each
    assert image.size == ((45 + 8) * 4, (45 + 8) * 4)
    assert decode(image) == [VERIFY_URL]


def test_svg_is_a_scalable_drawing_of_the_same_symbol() -> None:
    svg = qr_svg(VERIFY_URL)
    assert svg.startswith(b"<svg") or svg.startswith(b"<?xml")
    assert b"<path" in svg and b'viewBox="0 0 53 53"' in svg  # 45 modules + 8 quiet zone


def test_version_table_iso18004() -> None:
    """Table 7 of ISO/IEC 18004: at level M, 'HELLO WORLD' (alphanumeric, 11 chars) fits version 1;
    a 121-byte URL needs version 7 (capacity 122 bytes at M); version v has 17 + 4v modules."""
    assert qr_version("HELLO WORLD") == 1
    assert qr_version(VERIFY_URL) == 7
    assert len(qr_matrix(VERIFY_URL)) == 17 + 4 * 7


def test_stamp_label_has_a_2_cm_qr_and_the_stamp_text() -> None:
    """Circular 24/2013/TT-BKHCN stamp: QR of the verification URL, stamp number, valid-until."""
    pdf = stamp_label_pdf(VERIFY_URL, "HN-25-0012345", date(2026, 3, 4), issuer="TT Kỹ thuật TĐC Hà Nội")
    page = pdfium.PdfDocument(pdf)[0]
    width_mm, height_mm = (v * MM_PER_POINT for v in page.get_size())
    # 20 mm symbol + 2 × 4 modules of 20/45 mm quiet zone = 23.6 mm; label 30 mm wide
    assert 29.5 < width_mm < 30.5 and 35 < height_mm < 45
    text = pdf_pages_text(pdf)[0]
    for phrase in ("TEM KIỂM ĐỊNH", "HN-25-0012345", "Hiệu lực đến: 04/03/2026", "TT Kỹ thuật TĐC Hà Nội"):
        assert phrase in text
    assert decode(render_page_image(pdf, 0, scale=8)) == [VERIFY_URL]


def test_stamp_label_in_english() -> None:
    pdf = stamp_label_pdf(VERIFY_URL, "HN-25-0012345", date(2026, 3, 4), lang="en")
    assert "Valid until: 2026-03-04" in pdf_pages_text(pdf)[0]


def test_stamp_label_without_valid_until() -> None:
    """An instrument type without periodic verification: no valid-until line, the label says so."""
    vi = pdf_pages_text(stamp_label_pdf(VERIFY_URL, "T26-0000007", None))[0]
    assert "T26-0000007" in vi and "Không quy định thời hạn" in vi and "Hiệu lực đến" not in vi
    assert "No periodic verification" in pdf_pages_text(stamp_label_pdf(VERIFY_URL, "T26-0000007", None, lang="en"))[0]


def test_stamp_qr_is_20_mm_wide() -> None:
    """Rendered at 600 dpi, the decoder's corner points of the symbol are 20 mm apart
    (20 mm = 20 / 25.4 × 600 = 472.4 px), i.e. 45 modules of 0.44 mm."""
    pdf = stamp_label_pdf(VERIFY_URL, "S-1", date(2026, 1, 1), qr_mm=20)
    dpi = 600
    (result,) = zxingcpp.read_barcodes(render_page_image(pdf, 0, scale=dpi / 72))
    position = result.position
    width_mm = (position.top_right.x - position.top_left.x) / dpi * 25.4
    height_mm = (position.bottom_left.y - position.top_left.y) / dpi * 25.4
    assert abs(width_mm - 20.0) < 0.2 and abs(height_mm - 20.0) < 0.2


def test_empty_or_oversized_data_is_refused() -> None:
    with pytest.raises(RenderError, match="empty"):
        qr_png("")
    with pytest.raises(RenderError, match="too long"):
        qr_version("x" * 5000)
    with pytest.raises(RenderError, match="stamp number"):
        stamp_label_pdf(VERIFY_URL, "", date(2026, 1, 1))


def test_fast_mask_choice_equals_the_reference_encoder() -> None:
    """ISO/IEC 18004:2015 7.8.3: the mask with the lowest N1 + N2 + N3 + N4 penalty is used.
    The vectorised scoring gives the same penalty for every mask, and so the same choice, as the
    qrcode package's own evaluation, for URLs of many lengths and all four levels."""
    import random

    import numpy as np
    import qrcode
    import qrcode.util

    from certificates.qrmask import best_mask, penalty

    rng = random.Random(18004)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for trial in range(24):
        url = "https://lims.tdc.gov.vn/v/" + "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 200)))
        code = qrcode.QRCode(error_correction=(0, 1, 2, 3)[trial % 4], border=0)
        code.add_data(url)
        code.best_fit()
        for mask in (0, 3, 7):
            code.makeImpl(True, mask)
            assert penalty(np.array(code.modules, dtype=bool)) == qrcode.util.lost_point(code.modules)
        assert best_mask(code) == code.best_mask_pattern()


def test_penalty_rules_on_a_hand_made_grid() -> None:
    """ISO/IEC 18004:2015 7.8.3.1 worked by hand on an all-dark 12 × 12 grid:
    N1: 12 rows + 12 columns, each one run of 12 -> 24 × (3 + 12 − 5) = 240;
    N2: 11 × 11 uniform 2 × 2 blocks × 3 = 363; N3: no finder-like pattern = 0;
    N4: 100 % dark, |100 − 50| / 5 = 10 steps × 10 = 100. Total 703."""
    import numpy as np

    from certificates.qrmask import penalty

    assert penalty(np.ones((12, 12), dtype=bool)) == 240 + 363 + 0 + 100
