"""Fixed wording of the certificate in Vietnamese and English.

Vietnamese terms follow the glossary of the design document and the wording of verification
certificates under Circular 24/2013/TT-BKHCN; the uncertainty sentence follows EA-4/02 M:2022
clause 5. Editing a sentence here changes every certificate rendered afterwards, never one
already issued (its PDF bytes and hash are stored).
"""
from __future__ import annotations

from certificates.model import Kind, LocalText, PerformanceLocation, Stage, Status, Verdict

LABELS: dict[str, tuple[str, str]] = {
    "title.verification": ("GIẤY CHỨNG NHẬN KIỂM ĐỊNH", "VERIFICATION CERTIFICATE"),
    "title.calibration": ("GIẤY CHỨNG NHẬN HIỆU CHUẨN", "CALIBRATION CERTIFICATE"),
    "number": ("Số", "No."),
    "page": ("Trang {page}/{pages}", "Page {page} of {pages}"),
    "instrument": ("Phương tiện đo", "Instrument"),
    "instrument.name": ("Tên phương tiện đo", "Instrument"),
    "instrument.model": ("Kiểu", "Model"),
    "instrument.serial_number": ("Số sản xuất", "Serial number"),
    "instrument.identifier": ("Mã nhận dạng", "Identification"),
    "instrument.manufacturer": ("Cơ sở sản xuất", "Manufacturer"),
    "instrument.measuring_range": ("Phạm vi đo", "Measuring range"),
    "instrument.resolution": ("Giá trị độ chia", "Resolution"),
    "instrument.accuracy_class": ("Cấp chính xác", "Accuracy class"),
    "instrument.condition": ("Tình trạng khi nhận", "Condition on receipt"),
    "instrument.year_of_manufacture": ("Năm sản xuất", "Year of manufacture"),
    "instrument.pattern_approval": ("Ký hiệu phê duyệt mẫu", "Pattern approval mark"),
    "instrument.max_capacity": ("Mức cân lớn nhất (Max)", "Maximum capacity (Max)"),
    "instrument.min_capacity": ("Mức cân nhỏ nhất (Min)", "Minimum capacity (Min)"),
    "instrument.scale_interval": ("Giá trị độ chia kiểm (e)", "Verification scale interval (e)"),
    "instrument.actual_scale_interval": ("Giá trị độ chia thực (d)", "Actual scale interval (d)"),
    "instrument.place_of_use": ("Cơ sở sử dụng", "Place of use"),
    "customer": ("Khách hàng", "Customer"),
    "customer.address": ("Địa chỉ", "Address"),
    "customer.contact": ("Liên hệ", "Contact"),
    "method": ("Phương pháp thực hiện", "Method"),
    "method.national": (", theo {reference}", ", after {reference}"),
    "verification_type": ("Chế độ kiểm định", "Type of verification"),
    "verification_type.initial": ("Ban đầu", "Initial verification"),
    "verification_type.periodic": ("Định kỳ", "Periodic verification"),
    "verification_type.after_repair": ("Sau sửa chữa", "Verification after repair"),
    "place": ("Địa điểm thực hiện", "Place of work"),
    "place.laboratory": ("Tại phòng thí nghiệm của đơn vị", "At the laboratory"),
    "place.customer_site": ("Tại cơ sở của khách hàng", "At the customer's site"),
    "place.mobile": ("Tại phòng thí nghiệm di động", "In a mobile laboratory"),
    "received_on": ("Ngày nhận", "Date of receipt"),
    "performed_on.verification": ("Ngày kiểm định", "Date of verification"),
    "performed_on.calibration": ("Ngày hiệu chuẩn", "Date of calibration"),
    "issued_on": ("Ngày ban hành", "Date of issue"),
    "environment": ("Điều kiện môi trường", "Environmental conditions"),
    "standards": ("Chuẩn đo lường sử dụng", "Reference standards used"),
    "standards.name": ("Chuẩn", "Standard"),
    "standards.identification": ("Số hiệu", "Identification"),
    "standards.certificate": ("Số giấy chứng nhận", "Certificate no."),
    "standards.calibrated_by": ("Đơn vị hiệu chuẩn", "Calibrated by"),
    "standards.valid_until": ("Hiệu lực đến", "Valid until"),
    "traceability.default": (
        "Các chuẩn đo lường sử dụng được liên kết đến chuẩn quốc gia và Hệ đơn vị đo quốc tế (SI) "
        "thông qua các giấy chứng nhận hiệu chuẩn nêu trên.",
        "The reference standards used are traceable to national standards and to the "
        "International System of Units (SI) through the calibration certificates listed above.",
    ),
    "results": ("Kết quả", "Results"),
    "col.point": ("TT", "No."),
    "col.nominal": ("Giá trị danh định", "Nominal value"),
    "col.reference": ("Giá trị chuẩn", "Reference value"),
    "col.indication": ("Số chỉ", "Indication"),
    "col.error": ("Sai số", "Error"),
    "col.uncertainty": ("Độ KĐBĐ mở rộng U", "Expanded uncertainty U"),
    "col.k": ("k", "k"),
    "col.mpe": ("MPE (±)", "MPE (±)"),
    "col.verdict": ("Đánh giá", "Verdict"),
    "stage.before_adjustment": ("Trước hiệu chỉnh", "Before adjustment"),
    "stage.after_adjustment": ("Sau hiệu chỉnh", "After adjustment"),
    "adjustment": ("Hiệu chỉnh", "Adjustment"),
    "verdict.pass": ("Đạt", "Pass"),
    "verdict.fail": ("Không đạt", "Fail"),
    "verdict.conditional_pass": ("Đạt có điều kiện", "Conditional pass"),
    "verdict.conditional_fail": ("Không đạt có điều kiện", "Conditional fail"),
    "uncertainty.statement": (
        "Độ không đảm bảo đo mở rộng U được công bố bằng độ không đảm bảo đo chuẩn nhân với hệ số phủ "
        "k = {k}, tương ứng với xác suất phủ xấp xỉ {p} đối với phân bố chuẩn.",
        "The expanded uncertainty U is stated as the standard uncertainty multiplied by the coverage "
        "factor k = {k}, which for a normal distribution corresponds to a coverage probability of "
        "approximately {p}.",
    ),
    "uncertainty.statement.t": (
        "Độ không đảm bảo đo mở rộng U được công bố bằng độ không đảm bảo đo chuẩn nhân với hệ số phủ "
        "k = {k}, tương ứng với xác suất phủ xấp xỉ {p} đối với phân bố t với số bậc tự do hiệu dụng "
        "tính theo công thức Welch–Satterthwaite (JCGM 100:2008 G.4).",
        "The expanded uncertainty U is stated as the standard uncertainty multiplied by the coverage "
        "factor k = {k}, which for a t distribution with the effective degrees of freedom of the "
        "Welch–Satterthwaite formula (JCGM 100:2008 G.4) corresponds to a coverage probability of "
        "approximately {p}.",
    ),
    "uncertainty.statement.other": (
        "Độ không đảm bảo đo mở rộng U được công bố bằng độ không đảm bảo đo chuẩn nhân với hệ số phủ "
        "k = {k}, tương ứng với xác suất phủ xấp xỉ {p}.",
        "The expanded uncertainty U is stated as the standard uncertainty multiplied by the coverage "
        "factor k = {k}, corresponding to a coverage probability of approximately {p}.",
    ),
    "uncertainty.per_row": (
        "Hệ số phủ k của từng điểm ghi trong bảng; xác suất phủ xấp xỉ {p}.",
        "The coverage factor k of each point is given in the table; coverage probability approximately {p}.",
    ),
    "uncertainty.method": (
        "Độ không đảm bảo đo được đánh giá theo Hướng dẫn biểu thị độ không đảm bảo đo (GUM, JCGM 100:2008) "
        "và EA-4/02 M; độ không đảm bảo đo mở rộng U bằng độ không đảm bảo đo chuẩn nhân với hệ số phủ k "
        "nêu cùng giá trị, với xác suất phủ nêu cùng giá trị.",
        "The uncertainty was evaluated following the Guide to the Expression of Uncertainty in Measurement "
        "(GUM, JCGM 100:2008) and EA-4/02 M; the expanded uncertainty U is the standard uncertainty multiplied "
        "by the coverage factor k stated with it, for the coverage probability stated with it.",
    ),
    "chart.title": ("Sai số và giới hạn ±MPE", "Error and ±MPE limits"),
    "chart.x": ("Giá trị danh định", "Nominal value"),  # the chart places each point at its nominal
    "chart.y": ("Sai số", "Error"),
    "chart.legend.error": ("Sai số ± U", "Error ± U"),
    "chart.legend.mpe": ("±MPE", "±MPE"),
    "conformity": ("Kết luận", "Conclusion"),
    "conformity.pass": (
        "Phương tiện đo đạt yêu cầu kỹ thuật đo lường.",
        "The instrument meets the metrological requirements.",
    ),
    "conformity.fail": (
        "Phương tiện đo không đạt yêu cầu kỹ thuật đo lường.",
        "The instrument does not meet the metrological requirements.",
    ),
    "conformity.conditional_pass": (
        "Phương tiện đo đạt yêu cầu có điều kiện: sai số nằm trong giới hạn nhưng khoảng độ không đảm bảo "
        "đo vượt giới hạn.",
        "Conditional pass: the errors lie within the limits but their uncertainty intervals cross them.",
    ),
    "conformity.conditional_fail": (
        "Phương tiện đo không đạt có điều kiện: sai số vượt giới hạn nhưng khoảng độ không đảm bảo đo "
        "chứa giới hạn.",
        "Conditional fail: the errors exceed the limits but their uncertainty intervals include them.",
    ),
    "conformity.specification": ("Yêu cầu áp dụng", "Specification"),
    "conformity.decision_rule": ("Quy tắc quyết định", "Decision rule"),
    "valid_until": ("Có hiệu lực đến ngày", "Valid until"),
    "stamp_number": ("Số tem kiểm định", "Verification stamp no."),
    "validity_basis": ("Chu kỳ kiểm định", "Verification interval"),
    "validity.same_day": ("{months} tháng, tính từ ngày kiểm định", "{months} months from the date of verification"),
    "validity.end_of_month": (
        "{months} tháng, tính từ ngày kiểm định, đến hết ngày cuối cùng của tháng",
        "{months} months from the date of verification, to the last day of that month",
    ),
    "validity.none": (
        "Không quy định kiểm định định kỳ: giấy chứng nhận không ghi thời hạn hiệu lực",
        "No periodic verification applies: the certificate states no valid-until date",
    ),
    "amendment": ("Sửa đổi: {reason}", "Amendment: {reason}"),
    "amendment.untranslated": (
        "Sửa đổi: {reason}",
        "Amendment: this certificate corrects certificate no. {number} (the reason is stated in the Vietnamese "
        "copy)",
    ),
    "supersedes": (
        "Giấy chứng nhận này thay thế giấy chứng nhận số {number}.",
        "This certificate supersedes certificate no. {number}.",
    ),
    "dcc.amendment": ("Lý do thay thế giấy chứng nhận trước", "Reason for superseding the earlier certificate"),
    "document_kind": ("Loại tài liệu", "Kind of document"),
    "measuring_range": ("Phạm vi đo", "Measuring range"),
    "measuring_range.min": ("Giới hạn dưới của phạm vi đo", "Lower limit of the measuring range"),
    "measuring_range.max": ("Giới hạn trên của phạm vi đo", "Upper limit of the measuring range"),
    "deviations": ("Sai khác so với phương pháp", "Deviations from the method"),
    "remarks": ("Ghi chú", "Remarks"),
    "relate_only.verification": (
        "Kết quả chỉ có giá trị đối với phương tiện đo đã được kiểm định nêu trên.",
        "The results relate only to the instrument verified as identified above.",
    ),
    "relate_only.calibration": (
        "Kết quả chỉ có giá trị đối với phương tiện đo đã được hiệu chuẩn nêu trên.",
        "The results relate only to the item calibrated as identified above.",
    ),
    "performed_by": ("Người thực hiện", "Performed by"),
    "authorised_by": ("Người có thẩm quyền ký", "Authorised by"),
    "qr.caption": ("Quét mã để kiểm tra tính xác thực", "Scan to check authenticity"),
    "end": ("— Hết giấy chứng nhận —", "— End of certificate —"),
    "status.draft": ("BẢN NHÁP", "DRAFT"),
    "status.superseded": ("ĐÃ BỊ THAY THẾ", "SUPERSEDED"),
    "status.revoked": ("ĐÃ BỊ THU HỒI", "REVOKED"),
    "status.valid": ("", ""),
    "stamp.label": ("TEM KIỂM ĐỊNH", "VERIFIED"),
    "stamp.valid_until": ("Hiệu lực đến", "Valid until"),
    "stamp.no_valid_until": ("Không quy định thời hạn", "No periodic verification"),
}


def label(key: str, lang: str, **values: object) -> str:
    """The wording for ``key`` in ``lang`` (``vi`` or ``en``), with ``{placeholders}`` filled."""
    vi, en = LABELS[key]
    text = en if lang == "en" else vi
    return text.format(**values) if values else text


def kind_key(kind: Kind) -> str:
    """Suffix used by kind-dependent labels (``title.<kind>``)."""
    return kind.value


def place_label(place: PerformanceLocation, lang: str) -> str:
    """Where the work was done, in words (7.8.2.1 c)."""
    return label(f"place.{place.value}", lang)


def verdict_label(verdict: Verdict, lang: str) -> str:
    """``Đạt`` / ``Pass`` and the conditional forms of ILAC G8:09/2019 4.2.3."""
    return label(f"verdict.{verdict.value}", lang)


def stage_label(stage: Stage, lang: str) -> str:
    """``Trước hiệu chỉnh`` / ``Before adjustment`` (7.8.4.1 d)."""
    return label(f"stage.{stage.value}", lang)


def status_label(status: Status, lang: str) -> str:
    """Watermark text of a document that is not (or no longer) a valid issued certificate."""
    return label(f"status.{status.value}", lang)


def amendment_remark(reason: LocalText, supersedes: str) -> LocalText:
    """The remark a superseding certificate prints for its ``amendment_reason``: "Sửa đổi: …" with
    the reason, and in English "Amendment: …" with its English text, or, without one, that the
    reason is stated in the Vietnamese copy of the certificate ``supersedes`` corrects."""
    vi = label("amendment", "vi", reason=reason.vi)
    if reason.en and reason.en.strip():
        return LocalText(vi, label("amendment", "en", reason=reason.en.strip()))
    return LocalText(vi, label("amendment.untranslated", "en", number=supersedes))
