"""The error-versus-±MPE chart: what is plotted, and the cases with nothing or little to plot."""
from __future__ import annotations

from certificates.chart import _points, error_chart
from certificates.fonts import register_fonts
from certificates.model import Measure, ResultRow, ResultSection, Uncertainty


def test_points_are_the_stored_values_on_one_axis_unit(calibration) -> None:
    """Calibration example, after adjustment, 100 g point: error +0.2 mg with U = 0.3 mg,
    plotted in the first row's units (g on x, mg on y) with no recomputation."""
    x_unit, y_unit, points = _points(calibration.results[1])
    assert (x_unit, y_unit) == ("g", "mg")
    assert points[2] == (100.0, 0.2, 0.3, None)


def test_prefixed_units_share_the_axis_by_a_decimal_shift() -> None:
    """0.3 mg of uncertainty drawn on an error axis in g is 0.0003 g (10⁻³ shift)."""
    row = ResultRow(nominal=Measure("100", "g"), error=Measure("0.0002", "g"),
                    uncertainty=Uncertainty(Measure("0.3", "mg")), mpe=Measure("1", "mg"))
    zero = ResultRow(nominal=Measure("0", "g"), error=Measure("0", "g"))
    _, _, points = _points(ResultSection(rows=(zero, row)))
    assert points[1] == (100.0, 0.0002, 0.0003, 0.001)


def test_nothing_to_draw_without_errors_or_with_foreign_units() -> None:
    font, _ = register_fonts()
    no_errors = ResultSection(rows=(ResultRow(nominal=Measure("1", "kg"), indication=Measure("1.001", "kg")),))
    assert error_chart(no_errors, "vi", 400, 150, font) is None
    mixed = ResultSection(rows=(
        ResultRow(nominal=Measure("1", "kg"), error=Measure("1", "g")),
        ResultRow(nominal=Measure("1", "L"), error=Measure("1", "mL")),
    ))
    assert error_chart(mixed, "vi", 400, 150, font) is None


def test_one_load_draws_no_chart_and_all_zero_still_draws() -> None:
    """A table at one load (zero-setting, eccentricity, repeatability) has no error curve to draw;
    two loads with zero errors still draw."""
    font, _ = register_fonts()
    one = ResultSection(rows=(ResultRow(nominal=Measure("0", "g"), error=Measure("0", "g")),))
    assert error_chart(one, "en", 400, 150, font) is None
    same = ResultSection(rows=tuple(ResultRow(nominal=Measure("20", "kg"), error=Measure(e, "kg"))
                                    for e in ("0", "0.01", "-0.01")))
    assert error_chart(same, "en", 400, 150, font) is None
    section = ResultSection(rows=(ResultRow(nominal=Measure("0", "g"), error=Measure("0", "g")),
                                  ResultRow(nominal=Measure("10", "g"), error=Measure("0", "g"))))
    drawing = error_chart(section, "en", 400, 150, font)
    assert drawing is not None and drawing.width == 400