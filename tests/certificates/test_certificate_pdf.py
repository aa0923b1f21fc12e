"""The rendered PDF: content required by ISO/IEC 17025:2017 7.8.2 / 7.8.4, languages, QR code."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
import zxingcpp

from certificates.errors import DocumentError, RenderError
from certificates.model import Measure, ResultRow, ResultSection, Status, Uncertainty, Verdict
from certificates.pdf import render_pdf
from tests.helpers import VERIFY_URL, pdf_pages_text, render_page_image, replace


def flat(text: str) -> str:
    """Collapse line breaks and the no-break/thin spaces used between number and unit."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


def test_vietnamese_pdf_states_iso17025_7_8_2_content_with_diacritics(verification_pdf_vi: bytes) -> None:
    """7.8.2.1 a-o and 7.8.4.1 a-c, e in Vietnamese: title, lab, item, customer, method, place,
    dates, results with units, uncertainty, environment, traceability, conformity, signatory."""
    text = flat(" ".join(pdf_pages_text(verification_pdf_vi)))
    for phrase in (
        "GIẤY CHỨNG NHẬN KIỂM ĐỊNH",  # a) title
        "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng",  # b) lab name
        "Số 2 đường Trần Hưng Đạo, phường Hồng Hà, Hà Nội",  # b) address
        "Tại phòng thí nghiệm của đơn vị",  # c) place of work
        "Công ty TNHH Thương mại Hải Đăng",  # e) customer
        "ĐLVN 16:2009",  # f) method
        "Cân bàn điện tử", "CV2403117", "Nguyên vẹn, hoạt động bình thường",  # g) item and condition
        "Ngày nhận 03/03/2025", "Ngày kiểm định 04/03/2025", "Ngày ban hành 05/03/2025",  # h) i) j)
        "Kết quả chỉ có giá trị đối với phương tiện đo đã được kiểm định nêu trên.",  # l)
        "Nhiệt độ: (25,0 ± 1,0) °C", "Độ ẩm tương đối: 65 %",  # 7.8.4.1 b)
        "V01.2024.0456", "Viện Đo lường Việt Nam (VMI)",  # 7.8.4.1 c) traceability
        "hệ số phủ k = 2", "xác suất phủ xấp xỉ 95 %",  # 7.8.4.1 a) uncertainty
        "Phương tiện đo đạt yêu cầu kỹ thuật đo lường.",  # 7.8.6 conformity
        "Chấp nhận đơn giản: đạt khi |sai số| ≤ MPE",  # 7.8.6 decision rule
        "Có hiệu lực đến ngày 04/03/2026", "Số tem kiểm định HN-25-0012345",  # legal verification
        "NGƯỜI CÓ THẨM QUYỀN KÝ", "Nguyễn Văn An",  # o) authorised by
        "— Hết giấy chứng nhận —",  # d) clear end
    ):
        assert phrase in text, phrase


def test_results_table_prints_stored_digits_with_decimal_comma_and_units(verification_pdf_vi: bytes) -> None:
    """7.8.2.1 m: results with units. Row 5 of the example: 60,000 kg applied, 60,02 kg shown,
    error +20 g, U 6 g, MPE ±30 g (OIML R76-1 class III, 2 000 e < m: 1.5 e = 1.5 × 20 g)."""
    text = flat(pdf_pages_text(verification_pdf_vi)[0])
    assert "Giá trị chuẩn (kg) Số chỉ (kg) Sai số (g)" in text
    assert "5 60,000 60,02 +20 6 ±30 Đạt" in text
    assert "1 0,400 0,40 0 6 ±10 Đạt" in text


def test_english_pdf_uses_english_wording_and_decimal_point(verification_pdf_en: bytes) -> None:
    """English on request (issue 6): same content, English labels, decimal point, ISO dates."""
    text = flat(" ".join(pdf_pages_text(verification_pdf_en)))
    for phrase in ("VERIFICATION CERTIFICATE", "No.: 2025-KD-000123", "Electronic platform scale",
                   "Date of issue 2025-03-05", "5 60.000 60.02 +20 6 ±30 Pass",
                   "The results relate only to the instrument verified", "Temperature: (25.0 ± 1.0) °C",
                   "Valid until 2026-03-04", "Verification stamp no. HN-25-0012345", "— End of certificate —",
                   "Page 1 of 2"):
        assert phrase in text, phrase
    assert "Trang" not in text


def test_number_and_page_x_of_y_on_every_page() -> None:
    """7.8.2.1 d: the unique number on every page and "page x of y". 80 points make the
    results table run over several pages; every page must say "Số: <number>" and "Trang i/N"."""
    from certificates.examples import example_verification

    doc = example_verification()
    row = doc.results[0].rows[0]
    long_doc = replace(doc, results=(ResultSection(rows=(row,) * 80),))
    pages = pdf_pages_text(render_pdf(long_doc, verify_url=VERIFY_URL))
    assert len(pages) >= 3
    for i, page in enumerate(pages, start=1):
        assert "Số: 2025-KD-000123" in page
        assert f"Trang {i}/{len(pages)}" in page
    assert "— Hết giấy chứng nhận —" in pages[-1]


def test_calibration_pdf_shows_before_and_after_adjustment(calibration_pdf_vi: bytes) -> None:
    """7.8.4.1 d: results before and after adjustment. After adjustment at 100 g the stored
    error is +0,2 mg (indication 100,0002 g − 100 g = 0,0002 g = 0,2 mg) with U = 0,3 mg."""
    text = flat(" ".join(pdf_pages_text(calibration_pdf_vi)))
    assert "GIẤY CHỨNG NHẬN HIỆU CHUẨN" in text
    assert "Trước hiệu chỉnh" in text and "Sau hiệu chỉnh" in text
    assert "3 100 100,0016 +1,6 0,3" in text  # before
    assert "3 100 100,0002 +0,2 0,3" in text  # after
    assert "Đã hiệu chỉnh độ nhạy bằng quả cân nội." in text
    assert "Ngày hiệu chuẩn 02/04/2025 – 03/04/2025" in text


def test_chart_axes_are_drawn_in_the_pdf(verification_pdf_vi: bytes) -> None:
    """The error-versus-±MPE chart is vector graphics in the PDF: its axis titles and legend
    are text on page 1 (y axis in the error's unit g, x axis in the nominal's unit kg)."""
    text = flat(pdf_pages_text(verification_pdf_vi)[0])
    assert "Giá trị chuẩn (kg)" in text and "Sai số (g)" in text
    assert "Sai số ± U" in text and "±MPE" in text


def test_qr_decoded_from_rendered_page_equals_verify_url(verification_pdf_vi: bytes) -> None:
    """ISO/IEC 18004 symbol printed on page 1, read back by a real decoder (zxing-cpp)."""
    image = render_page_image(verification_pdf_vi, 0, scale=3)
    found = [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]
    assert found == [VERIFY_URL]


def test_rendering_is_deterministic(verification, verification_pdf_vi: bytes) -> None:
    """Same document, same bytes (reportlab invariant mode), so the recorded SHA-256 is reproducible."""
    assert render_pdf(verification, verify_url=VERIFY_URL) == verification_pdf_vi


def test_revoked_certificate_carries_a_watermark(verification) -> None:
    """A copy printed after revocation says so on every page."""
    pages = pdf_pages_text(render_pdf(replace(verification, status=Status.REVOKED), verify_url=VERIFY_URL))
    assert all("ĐÃ BỊ THU HỒI" in p for p in pages)


def test_supersedes_notice_and_user_text_is_escaped(verification) -> None:
    """A correction names the certificate it replaces; markup-like text prints literally."""
    doc = replace(verification, supersedes="2025-KD-000100", remarks=("A < B & C > D",))
    text = flat(" ".join(pdf_pages_text(render_pdf(doc, verify_url=VERIFY_URL))))
    assert "Giấy chứng nhận này thay thế giấy chứng nhận số 2025-KD-000100." in text
    assert "A < B & C > D" in text


def test_row_with_its_own_coverage_factor_gets_a_k_column(verification) -> None:
    """JCGM 100:2008 6.3: k may differ per point (e.g. k = 2.28 for few degrees of freedom)."""
    rows = list(verification.results[0].rows)
    r = rows[0]
    rows[0] = ResultRow(nominal=r.nominal, indication=r.indication, error=r.error, mpe=r.mpe, verdict=Verdict.PASS,
                        uncertainty=Uncertainty(Measure(Decimal("7"), "g"), k=Decimal("2.28")))
    doc = replace(verification, results=(ResultSection(rows=tuple(rows)),))
    text = flat(pdf_pages_text(render_pdf(doc, verify_url=VERIFY_URL))[0])
    assert "1 0,400 0,40 0 7 2,28 ±10 Đạt" in text
    assert "Hệ số phủ k của từng điểm ghi trong bảng" in text


def test_bad_arguments_raise_our_errors(verification) -> None:
    with pytest.raises(RenderError, match="verification URL"):
        render_pdf(verification, verify_url="")
    with pytest.raises(DocumentError, match="lang"):
        render_pdf(verification, verify_url=VERIFY_URL, lang="fr")
    with pytest.raises(DocumentError):
        render_pdf({"number": "x"}, verify_url=VERIFY_URL)  # type: ignore[arg-type]


def test_pdf_metadata_names_the_certificate(verification_pdf_vi: bytes) -> None:
    import pypdfium2 as pdfium

    meta = pdfium.PdfDocument(verification_pdf_vi).get_metadata_dict()
    assert meta["Title"] == "2025-KD-000123"
    assert meta["Author"] == "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng"
    assert meta["Subject"] == "Cân bàn điện tử"
