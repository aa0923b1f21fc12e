"""The record page rounds results with lims.metrology.reporting (JCGM 100 7.2.6, EA-4/02 M §5)."""
from __future__ import annotations

from decimal import Decimal

from lims.web.workflow.helpers import places, quantity_text, sig2


def test_uncertainty_to_two_significant_digits_half_up(app) -> None:
    # 0.145 is 0.14499999999999999 as a float: float round() gave 0.14; JCGM 100 7.2.6 gives 0.15.
    assert sig2(0.145) == Decimal("0.15")
    # 0.0996 rounds to 0.10 (two digits), not 0.100.
    assert sig2(0.0996) == Decimal("0.10")
    assert sig2(-0.0123) == Decimal("-0.012")
    assert sig2(0.0) == 0.0 and sig2(None) is None


def test_value_takes_the_decimal_place_of_its_rounded_uncertainty(app) -> None:
    assert places(0.0996, 0.1) == 2  # U reads 0.10: two places (the old log10 rule gave 3)
    assert places(0.145, 0.1) == 2
    assert places(None, 0.01) == 3  # without U: one more than the resolution
    assert places(None, None) is None


def test_quantities_print_the_rounded_digits(app) -> None:
    with app.test_request_context("/"):
        from flask import g

        g.lang = "en"
        assert quantity_text(sig2(0.0996), "kg") == "0.10\u00a0kg"
        assert quantity_text(0.0275, "bar", places(0.014716, None)) == "0.028\u00a0bar"  # half away from zero
        assert quantity_text(-0.0000001, "kg", 6) == "0.000000\u00a0kg"  # no "-0"


def test_unit_filter_prints_the_symbol_of_the_unit_table(app) -> None:
    """Units as people write them, from the one unit table (lims.metrology.units_table): a litre
    is L (pint printed l), a temperature difference °C (pint printed Δ°C), relative humidity %RH;
    a unit outside the table is composed of the table's symbols; text that is no unit stays."""
    from lims.web.filters import unit_symbol

    assert unit_symbol("L") == "L"
    assert unit_symbol("delta_degC") == "°C" and unit_symbol("degC") == "°C"
    assert unit_symbol("percent_RH") == "%RH"
    assert unit_symbol("m**3") == "m³"
    assert unit_symbol("ohm/mA") == "Ω/mA"
    assert unit_symbol("dimensionless") == "" and unit_symbol(None) == ""
    assert unit_symbol("not a unit") == "not a unit"


def test_k_filter_two_decimals_with_the_page_decimal_sign(app) -> None:
    """JCGM 100 7.2.4: k = 2.42880908223 reads 2.43 (2,43 on a Vietnamese page); 2.0000024439 reads 2.00."""
    from flask import g

    from lims.web.filters import fmt_k

    with app.test_request_context("/"):
        g.lang = "vi"
        assert fmt_k(2.42880908223) == "2,43"
        assert fmt_k(2.0000024439) == "2,00"
        g.lang = "en"
        assert fmt_k(2.42880908223) == "2.43"
        assert fmt_k(2.005) == "2.01"  # half away from zero, not binary round-half-even
        assert fmt_k(None) == "—"
