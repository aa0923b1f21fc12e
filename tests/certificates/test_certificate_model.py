"""The document model refuses certificates missing what ISO/IEC 17025:2017 7.8 requires."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pint
import pytest

from certificates.errors import DocumentError, UnitError
from certificates.model import (
    Conformity,
    Instrument,
    LocalText,
    Measure,
    ResultRow,
    ResultSection,
    Uncertainty,
    Verdict,
    text_for,
)
from tests.helpers import replace


def test_examples_are_valid(verification, calibration) -> None:
    assert verification.kind.value == "verification" and calibration.kind.value == "calibration"
    assert calibration.has_adjustment and not verification.has_adjustment


def test_measure_keeps_the_stored_digits() -> None:
    """Trailing zeros are significant on a certificate: 0.10 g is not 0.1 g."""
    assert str(Measure("0.10", "g").value) == "0.10"
    assert str(Measure(0.1, "g").value) == "0.1"  # a float goes through repr, not 0.1000000000000000055...
    assert str(Measure(Decimal("60.000"), "kg").value) == "60.000"
    assert Measure("1,5", "g").value == Decimal("1.5")  # Vietnamese decimal comma accepted on input


def test_measure_refuses_non_numbers_and_missing_units() -> None:
    for bad in ("abc", float("nan"), float("inf"), True, None, [1]):
        with pytest.raises(DocumentError):
            Measure(bad, "g")  # type: ignore[arg-type]
    with pytest.raises(DocumentError, match="no unit"):
        Measure("1", "")


def test_measure_from_pint_quantity() -> None:
    ureg = pint.UnitRegistry()
    assert Measure.from_quantity(ureg.Quantity(Decimal("12.5"), "milligram")) == Measure("12.5", "mg")
    assert Measure.from_quantity(ureg.Quantity(3, "")) == Measure("3", "1")


def test_calibration_needs_expanded_uncertainty_7_8_4_1_a(calibration) -> None:
    row = ResultRow(nominal=Measure("100", "g"), error=Measure("0.2", "mg"))
    with pytest.raises(DocumentError, match=r"results\[0\].rows\[0\].uncertainty.*7.8.4.1 a"):
        replace(calibration, results=(ResultSection(rows=(row,)),))


def test_traceability_needs_reference_standards_7_8_4_1_c(calibration) -> None:
    with pytest.raises(DocumentError, match="reference_standards"):
        replace(calibration, reference_standards=())


def test_passed_verification_needs_stamp_and_validity(verification) -> None:
    """Circular 24/2013/TT-BKHCN: a passed verification carries its stamp number and valid-until date."""
    with pytest.raises(DocumentError, match="stamp_number"):
        replace(verification, stamp_number=None)
    with pytest.raises(DocumentError, match="valid_until"):
        replace(verification, valid_until=None)
    with pytest.raises(DocumentError, match="conformity"):
        replace(verification, conformity=None)
    failed = Conformity(Verdict.FAIL, decision_rule="|E| ≤ MPE")
    assert replace(verification, conformity=failed, stamp_number=None, valid_until=None).conformity == failed


def test_dates_in_order_7_8_2_1_h_i_j(verification) -> None:
    with pytest.raises(DocumentError, match="received_on"):
        replace(verification, received_on=date(2025, 3, 10))
    with pytest.raises(DocumentError, match="issued_on"):
        replace(verification, issued_on=date(2025, 3, 1))
    with pytest.raises(DocumentError, match="performed_until"):
        replace(verification, performed_until=date(2025, 3, 1))
    with pytest.raises(DocumentError, match="valid_until"):
        replace(verification, valid_until=date(2025, 3, 4))


def test_item_must_be_identified_unambiguously_7_8_2_1_g() -> None:
    with pytest.raises(DocumentError, match="serial number or an identifier"):
        Instrument(name="Cân")
    assert Instrument(name="Cân", identifier="TS-01").identifier == "TS-01"


def test_row_units_must_be_comparable() -> None:
    with pytest.raises(DocumentError, match="mpe"):
        ResultRow(nominal=Measure("1", "kg"), error=Measure("1", "g"), mpe=Measure("1", "m"))
    ResultRow(nominal=Measure("1", "kg"), error=Measure("1", "g"), mpe=Measure("1", "mg"))


def test_uncertainty_limits_jcgm_100() -> None:
    """GUM 6.3: k ≥ 1 in practice, p in (0, 1]; U ≥ 0."""
    with pytest.raises(DocumentError, match="k = 0.5"):
        Uncertainty(Measure("1", "g"), k="0.5")
    with pytest.raises(DocumentError, match="write 0.95"):
        Uncertainty(Measure("1", "g"), coverage_probability="95")
    with pytest.raises(DocumentError, match="negative"):
        Uncertainty(Measure("-1", "g"))


def test_enums_accept_their_values_and_refuse_others(verification) -> None:
    assert replace(verification, status="revoked").status.value == "revoked"
    with pytest.raises(DocumentError, match="deleted"):
        replace(verification, status="deleted")
    with pytest.raises(DocumentError, match="language"):
        replace(verification, language="fr")


def test_local_text() -> None:
    text = LocalText("Nhiệt độ", "Temperature")
    assert (text_for(text, "vi"), text_for(text, "en")) == ("Nhiệt độ", "Temperature")
    assert text_for("Hà Nội", "en") == "Hà Nội"
    assert text_for(LocalText("Chỉ tiếng Việt"), "en") == "Chỉ tiếng Việt"
    with pytest.raises(DocumentError):
        LocalText("  ")


def test_document_error_names_field_and_reason() -> None:
    error = DocumentError("results[0].rows[2].mpe", "give the MPE as a positive magnitude")
    assert (error.field, error.reason) == ("results[0].rows[2].mpe", "give the MPE as a positive magnitude")
    assert isinstance(UnitError("unit", "x"), ValueError)
