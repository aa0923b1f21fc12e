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
