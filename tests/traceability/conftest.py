"""A hand-built chain like the one in the issue "Traceability".

The lab's F1 weight set F1-01 is calibrated by the national institute (VMI) against the national
kilogram; the working weights M1-07 are calibrated in the lab against F1-01; the pressure controller
P-03 is calibrated by an accredited lab (VILAS 123) whose reference gauge REF-9 is calibrated by VMI
against the national pressure standard. A certificate issued on 2026-03-10 used M1-07 and P-03.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from traceability.chain import Calibration, Lab, NationalStandard, Result, Standard, Upstream

VMI = Lab("Viện Đo lường Việt Nam (VMI)", "national metrology institute")
CENTRE = Lab("Trung tâm Kỹ thuật TĐC Lạng Sơn", "VILAS 456")
VILAS_LAB = Lab("Phòng hiệu chuẩn áp suất", "VILAS 123")
NATIONAL_KG = NationalStandard("VMI", "National kilogram prototype No. 65", "APMP-M-VN-001")
NATIONAL_PRESSURE = NationalStandard("VMI", "National pressure standard (piston gauge)", "APMP-P-VN-014")


@dataclass
class Demo:
    """The inputs of ``build_chain``, editable by each test."""

    result: Result
    standards: dict[str, Standard]
    calibrations: dict[str, list[Calibration]]
    upstream: dict[str, Upstream | None] = field(default_factory=dict)

    def args(self) -> tuple:
        return self.result, self.standards, self.calibrations, self.upstream


@pytest.fixture
def demo() -> Demo:
    standards = {
        "F1-01": Standard("F1-01", "F1 weight set 1 mg – 1 kg"),
        "M1-07": Standard("M1-07", "M1 working weights 1 kg – 20 kg"),
        "P-03": Standard("P-03", "Pressure controller 0 – 700 bar"),
        "REF-9": Standard("REF-9", "Reference pressure gauge 0,02 %"),
    }
    calibrations = {
        "F1-01": [Calibration("VMI-M-2025-0117", "F1-01", VMI, date(2025, 1, 20), date(2026, 1, 19), 0.05, "mg"),
                  Calibration("VMI-M-2026-0031", "F1-01", VMI, date(2026, 1, 15), date(2027, 1, 14), 0.05, "mg")],
        "M1-07": [Calibration("LS-HC-2026-0012", "M1-07", CENTRE, date(2026, 2, 1), date(2027, 1, 31), 0.016, "g")],
        "P-03": [Calibration("VILAS123-P-0588", "P-03", VILAS_LAB, date(2025, 9, 1), date(2026, 8, 31), 0.07, "bar")],
        "REF-9": [Calibration("VMI-P-2025-0203", "REF-9", VMI, date(2025, 6, 2), date(2026, 6, 1), 0.012, "bar")],
    }
    upstream: dict[str, Upstream | None] = {
        "VMI-M-2025-0117": NATIONAL_KG,
        "VMI-M-2026-0031": NATIONAL_KG,
        "LS-HC-2026-0012": standards["F1-01"],
        "VILAS123-P-0588": standards["REF-9"],
        "VMI-P-2025-0203": NATIONAL_PRESSURE,
    }
    return Demo(Result("LS-KĐ-2026-00042", date(2026, 3, 10), ("M1-07", "P-03")), standards, calibrations, upstream)
