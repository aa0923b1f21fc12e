"""Two complete example documents: for demos, benchmarks, tests and the documentation.

* :func:`example_verification` — periodic verification of a class III electronic platform
  scale (Max 60 kg, e = 20 g) under OIML R76-1 MPEs, simple acceptance (ILAC G8:09/2019 4.2.1).
* :func:`example_calibration` — calibration of an analytical balance (Max 220 g,
  d = 0.1 mg) with results before and after adjustment (ISO/IEC 17025 7.8.4.1 d).

The MPEs of the scale follow OIML R76-1 table 6 for class III: ±0.5 e up to 500 e (10 kg),
±1 e up to 2 000 e (40 kg), ±1.5 e above, i.e. ±10 g, ±20 g, ±30 g with e = 20 g.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

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
    Person,
    ReferenceStandard,
    ResultRow,
    ResultSection,
    Stage,
    Uncertainty,
    Verdict,
)

LAB = Laboratory(
    name=LocalText(
        "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng",
        "Centre for Standards, Metrology and Quality Technology",
    ),
    address=LocalText("Số 2 đường Trần Hưng Đạo, phường Hồng Hà, Hà Nội",
                      "2 Tran Hung Dao Street, Hong Ha Ward, Hanoi"),
    city="Hà Nội",
    phone="024 3800 0000",
    email="kiemdinh@example.vn",
    accreditation="VLAT-1.0000",
)

CUSTOMER = Customer(
    name="Công ty TNHH Thương mại Hải Đăng",
    address="Chợ Đồng Xuân, quận Hoàn Kiếm, Hà Nội",
    contact="0912 000 000",
)


def _u(value: str, unit: str = "g") -> Uncertainty:
    return Uncertainty(Measure(Decimal(value), unit), k=Decimal("2"), coverage_probability=Decimal("0.95"))


def _scale_rows() -> tuple[ResultRow, ...]:
    """The weighing test of the platform scale: every point within its MPE."""
    points = (
        # nominal kg, indication kg, error g, MPE g (OIML R76-1 class III, e = 20 g)
        ("0.400", "0.40", "0", "10"),
        ("10.000", "10.00", "0", "10"),
        ("20.000", "20.02", "20", "20"),
        ("40.000", "40.00", "0", "20"),
        ("60.000", "60.02", "20", "30"),
    )
    return tuple(
        ResultRow(
            nominal=Measure(Decimal(n), "kg"),
            indication=Measure(Decimal(i), "kg"),
            error=Measure(Decimal(e), "g"),
            uncertainty=_u("6"),
            mpe=Measure(Decimal(m), "g"),
            verdict=Verdict.PASS,
        )
        for n, i, e, m in points
    )


def _platform_scale() -> Instrument:
    return Instrument(
        name=LocalText("Cân bàn điện tử", "Electronic platform scale"),
        manufacturer="Công ty Cân Việt",
        model="CB-60",
        serial_number="CV2403117",
        measuring_range=LocalText("Min 400 g, Max 60 kg", "Min 400 g, Max 60 kg"),
        resolution=Measure(Decimal("20"), "g"),
        accuracy_class="III",
        condition=LocalText("Nguyên vẹn, hoạt động bình thường", "Intact, working normally"),
    )


def _simple_acceptance() -> Conformity:
    """Pass: every error within its MPE (ILAC G8:09/2019 4.2.1)."""
    return Conformity(
        verdict=Verdict.PASS,
        decision_rule=LocalText(
            "Chấp nhận đơn giản: đạt khi |sai số| ≤ MPE tại mọi điểm (ILAC G8:09/2019, 4.2.1)",
            "Simple acceptance: pass when |error| ≤ MPE at every point (ILAC G8:09/2019, 4.2.1)",
        ),
        specification=LocalText("MPE theo ĐLVN 16:2009 và OIML R76-1, cấp III",
                                "MPE of ĐLVN 16:2009 and OIML R76-1, class III"),
    )


def example_verification(number: str = "2025-KD-000123") -> CertificateDocument:
    """A passed periodic verification of a platform scale, with stamp number and validity."""
    return CertificateDocument(
        number=number,
        kind=Kind.VERIFICATION,
        laboratory=LAB,
        customer=CUSTOMER,
        instrument=_platform_scale(),
        method=Method("ĐLVN 16:2009",
                      LocalText("Cân bàn – Quy trình kiểm định", "Platform scales – verification procedure")),
        received_on=date(2025, 3, 3),
        performed_on=date(2025, 3, 4),
        issued_on=date(2025, 3, 5),
        results=(ResultSection(rows=_scale_rows(), title=LocalText("Kiểm tra sai số", "Weighing test")),),
        environment=(
            EnvironmentalCondition(LocalText("Nhiệt độ", "Temperature"), Measure(Decimal("25.0"), "degC"),
                                   Measure(Decimal("1.0"), "delta_degC")),
            EnvironmentalCondition(LocalText("Độ ẩm tương đối", "Relative humidity"),
                                   Measure(Decimal("65"), "percent")),
        ),
        reference_standards=(
            ReferenceStandard(
                name=LocalText("Bộ quả cân chuẩn cấp chính xác M1, 1 kg – 20 kg", "M1 weight set, 1 kg – 20 kg"),
                identification="QC-M1-07",
                certificate_number="V01.2024.0456",
                calibrated_by="Viện Đo lường Việt Nam (VMI)",
                valid_until=date(2025, 10, 31),
            ),
        ),
        authorised_by=Person("Nguyễn Văn An", LocalText("Giám đốc", "Director")),
        performed_by=Person("Trần Thị Bình", LocalText("Kiểm định viên", "Verification officer")),
        conformity=_simple_acceptance(),
        valid_until=date(2026, 3, 4),
        stamp_number="HN-25-0012345",
    )


def _balance_rows(errors: tuple[str, ...]) -> tuple[ResultRow, ...]:
    """The analytical balance's calibration points (0 g to 200 g) with these errors in mg."""
    out = []
    for nominal, error in zip(("0", "50", "100", "150", "200"), errors, strict=True):
        n = Decimal(nominal)
        err_mg = Decimal(error)
        out.append(ResultRow(
            nominal=Measure(n, "g"),
            indication=Measure((n + err_mg.scaleb(-3)).quantize(Decimal("0.0001")), "g"),
            error=Measure(err_mg, "mg"),
            uncertainty=_u("0.3" if n <= 100 else "0.4", "mg"),
        ))
    return tuple(out)


def example_calibration(number: str = "2025-HC-000045") -> CertificateDocument:
    """A calibration of an analytical balance, adjusted: results before and after adjustment."""

    return CertificateDocument(
        number=number,
        kind=Kind.CALIBRATION,
        laboratory=LAB,
        customer=Customer(name="Viện Kiểm nghiệm Thuốc Trung ương", address="48 Hai Bà Trưng, Hà Nội"),
        instrument=Instrument(
            name=LocalText("Cân phân tích", "Analytical balance"),
            manufacturer="Example Scales Co.",
            model="AB-220",
            serial_number="SN-12345",
            identifier="VKN-CAN-07",
            measuring_range=LocalText("0 g đến 220 g", "0 g to 220 g"),
            resolution=Measure(Decimal("0.1"), "mg"),
            accuracy_class="I",
        ),
        method=Method("ĐLVN 284:2015", LocalText("Cân phân tích – Quy trình hiệu chuẩn",
                                                 "Analytical balances – calibration procedure")),
        received_on=date(2025, 4, 1),
        performed_on=date(2025, 4, 2),
        performed_until=date(2025, 4, 3),
        issued_on=date(2025, 4, 7),
        results=(
            ResultSection(rows=_balance_rows(("0.0", "0.9", "1.6", "2.4", "3.1")), stage=Stage.BEFORE_ADJUSTMENT),
            ResultSection(rows=_balance_rows(("0.0", "0.1", "0.2", "0.2", "0.3")), stage=Stage.AFTER_ADJUSTMENT),
        ),
        environment=(
            EnvironmentalCondition(LocalText("Nhiệt độ", "Temperature"), Measure(Decimal("20.5"), "degC"),
                                   Measure(Decimal("0.5"), "delta_degC")),
            EnvironmentalCondition(LocalText("Độ ẩm tương đối", "Relative humidity"), Measure(Decimal("55"), "percent"),
                                   Measure(Decimal("5"), "percent")),
        ),
        reference_standards=(
            ReferenceStandard(
                name=LocalText("Bộ quả cân chuẩn cấp chính xác E2, 1 mg – 200 g", "E2 weight set, 1 mg – 200 g"),
                identification="QC-E2-02",
                certificate_number="V01.2024.0123",
                calibrated_by="Viện Đo lường Việt Nam (VMI)",
                valid_until=date(2026, 1, 15),
            ),
        ),
        authorised_by=Person("Nguyễn Văn An", LocalText("Giám đốc", "Director")),
        performed_by=Person("Lê Hoàng Cường", LocalText("Hiệu chuẩn viên", "Calibration officer")),
        adjustment_note=LocalText("Đã hiệu chỉnh độ nhạy bằng quả cân nội.", "Span adjusted with the internal weight."),
    )
