"""The error-versus-±MPE chart of a results table (reportlab graphics).

For each point: the stored error as a dot with a bar of ± the expanded uncertainty, and the
limits ±MPE as dashed steps. It pictures the decision of ILAC G8:09/2019 4.2: a point whose
bar stays inside the limits passes without doubt. All values are the stored ones, only
shifted by powers of ten when a column uses a prefixed unit (0.3 mg drawn on a g axis).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeAlias

from certificates.errors import UnitError
from certificates.formatting import format_number
from certificates.labels import label
from certificates.model import ResultSection
from certificates.units import display_unit, rescale

ERROR_COLOUR = (0.05, 0.25, 0.6)
MPE_COLOUR = (0.75, 0.1, 0.1)
#: (x, error, expanded uncertainty, MPE) of one point, in the units of the table's first row
Point: TypeAlias = tuple[float, float, float | None, float | None]


def _points(section: ResultSection) -> tuple[str, str, list[Point]] | None:
    """(x unit, y unit, [(x, error, U, MPE)]) in the first row's units, or None if not drawable."""
    rows = [r for r in section.rows if r.error is not None]
    if len({(r.nominal.value, r.nominal.unit) for r in rows}) < 2:
        return None  # one load (zero-setting, eccentricity, repeatability): the table says it all
    x_unit, y_unit = rows[0].nominal.unit, rows[0].error.unit  # type: ignore[union-attr]
    points = []
    try:
        for row in rows:
            assert row.error is not None
            x = rescale(row.nominal.value, row.nominal.unit, x_unit)
            e = rescale(row.error.value, row.error.unit, y_unit)
            unc = row.uncertainty.expanded if row.uncertainty else None
            u = rescale(unc.value, unc.unit, y_unit) if unc else None
            m = rescale(row.mpe.value, row.mpe.unit, y_unit) if row.mpe else None
            points.append((float(x), float(e), None if u is None else float(u), None if m is None else float(m)))
    except UnitError:
        return None
    return x_unit, y_unit, sorted(points, key=lambda pt: pt[0])  # decreasing loads drawn left to right too


@dataclass(frozen=True)
class Scale:
    """Linear map from data values to drawing coordinates."""

    lo: float
    hi: float
    start: float
    length: float

    def __call__(self, value: float) -> float:
        return self.start + (value - self.lo) / (self.hi - self.lo) * self.length


def _ticks(lo: float, hi: float, intervals: tuple[int, ...] = (4, 5, 6)) -> list[float]:
    """Round tick values (1, 2, 5 × 10^n steps) covering [lo, hi], from reportlab's chart utilities."""
    from reportlab.graphics.charts.utils import ticks

    if hi <= lo:
        lo, hi = lo - 1, hi + 1
    values, _ = ticks(lo, hi, n=intervals)
    step = values[1] - values[0] if len(values) > 1 else 1.0
    return [0.0 if abs(v) < step * 1e-9 else v for v in values]


def _tick_label(value: float, lang: str) -> str:
    return format_number(Decimal(f"{value:.10g}"), lang)


@dataclass(frozen=True)
class _Frame:
    """The plot area, its scales and its round ticks."""

    left: float
    bottom: float
    right: float
    top: float
    sx: Scale
    sy: Scale
    x_ticks: list[float]
    y_ticks: list[float]



def _frame(points: list[Point], width: float, height: float) -> _Frame:
    """Axes that hold every point, its error bar and its ±MPE, with a margin of 5 % (x) and 10 % (y)."""
    xs = [p[0] for p in points]
    reach = max([abs(e) + (u or 0) for _, e, u, _ in points] + [m for *_, m in points if m is not None] + [0.0])
    y_ticks = _ticks(-reach * 1.1, reach * 1.1) if reach > 0 else [-1.0, 0.0, 1.0]
    span = (max(xs) - min(xs)) or abs(xs[0]) or 1.0
    left, bottom, right, top = 52.0, 30.0, width - 10.0, height - 24.0
    sx = Scale(min(xs) - 0.05 * span, max(xs) + 0.05 * span, left, right - left)
    x_ticks = [t for t in _ticks(sx.lo, sx.hi, (5, 6, 7, 8)) if sx.lo <= t <= sx.hi] or [xs[0]]
    sy = Scale(y_ticks[0], y_ticks[-1], bottom, top - bottom)
    return _Frame(left, bottom, right, top, sx, sy, x_ticks, y_ticks)


def _segment(path: Any, x1: float, y1: float, x2: float, y2: float) -> None:
    path.moveTo(x1, y1)
    path.lineTo(x2, y2)


def error_chart(section: ResultSection, lang: str, width: float, height: float, font: str) -> Any | None:
    """A reportlab ``Drawing`` of the section's errors against ±MPE, or None when there is
    nothing to draw (no errors, or units that cannot share an axis).

    Drawn from plain shapes (lines, circles, strings) with round ticks: a certificate holds
    few points, and plain shapes render several times faster than the chart widgets.
    """
    data = _points(section)
    if data is None:
        return None
    from reportlab.graphics.shapes import Drawing

    x_unit, y_unit, points = data
    frame = _frame(points, width, height)
    drawing = Drawing(width, height)
    has_limits = _plot(drawing, frame, points, lang, font)
    _axis_titles(drawing, frame, x_unit, y_unit, lang, font)
    _legend(drawing, frame, height, has_limits, lang, font)
    return drawing


def _plot(drawing: Any, frame: _Frame, points: list[Point], lang: str, font: str) -> bool:
    """Grid, axes and tick labels, the ±MPE steps, the error bars and dots; True when a point has an MPE.

    Lines of one style go into one path: a chart of a few shapes draws several times faster
    than one shape per line.
    """
    from reportlab.graphics.shapes import Circle, Group, Path, String
    from reportlab.lib.colors import Color

    err_colour, mpe_colour, grey = Color(*ERROR_COLOUR), Color(*MPE_COLOUR), Color(0.4, 0.4, 0.4)
    light = Color(0.85, 0.85, 0.85)
    grid = Path(strokeColor=light, strokeWidth=0.3, fillColor=None)
    axes = Path(strokeColor=grey, strokeWidth=0.5, fillColor=None)
    limits_path = Path(strokeColor=mpe_colour, strokeWidth=1, strokeDashArray=(3, 2), fillColor=None)
    bars = Path(strokeColor=err_colour, strokeWidth=0.8, fillColor=None)
    left, bottom, right, top, sx, sy = frame.left, frame.bottom, frame.right, frame.top, frame.sx, frame.sy

    labels = Group()
    for t in frame.y_ticks:
        _segment(grid if t else axes, left, sy(t), right, sy(t))
        _segment(axes, left - 3, sy(t), left, sy(t))
        labels.add(String(left - 5, sy(t) - 2.5, _tick_label(t, lang), fontName=font, fontSize=7, textAnchor="end"))
    for t in frame.x_ticks:
        _segment(axes, sx(t), bottom, sx(t), bottom - 3)
        labels.add(String(sx(t), bottom - 11, _tick_label(t, lang), fontName=font, fontSize=7, textAnchor="middle"))
    _segment(axes, left, bottom, right, bottom)
    _segment(axes, left, bottom, left, top)

    # ±MPE of each point as a step reaching half-way to its neighbours: the MPE is known at
    # the points only; between them the table of the regulation applies.
    limits = [(sx(x), m) for x, _, _, m in points if m is not None]
    for i, (px, m) in enumerate(limits):
        a = (px + limits[i - 1][0]) / 2 if i else left
        b = (px + limits[i + 1][0]) / 2 if i + 1 < len(limits) else right
        for sign in (1, -1):
            _segment(limits_path, a, sy(sign * m), b, sy(sign * m))
    dots = Group()
    for x, e, u, _ in points:
        px = sx(x)
        if u:
            _segment(bars, px, sy(e - u), px, sy(e + u))
            for end in (e - u, e + u):
                _segment(bars, px - 2.5, sy(end), px + 2.5, sy(end))
        dots.add(Circle(px, sy(e), 2.2, fillColor=err_colour, strokeColor=None))
    for shape in (grid, axes, limits_path, bars, dots, labels):
        drawing.add(shape)
    return bool(limits)


def _axis_titles(drawing: Any, frame: _Frame, x_unit: str, y_unit: str, lang: str, font: str) -> None:
    from reportlab.graphics.shapes import Group, String

    drawing.add(String((frame.left + frame.right) / 2, 4, f"{label('chart.x', lang)} ({display_unit(x_unit)})",
                       fontName=font, fontSize=7.5, textAnchor="middle"))
    y_title = Group(String(0, 0, f"{label('chart.y', lang)} ({display_unit(y_unit)})", fontName=font,
                           fontSize=7.5, textAnchor="middle"))
    y_title.translate(10, (frame.bottom + frame.top) / 2)
    y_title.rotate(90)
    drawing.add(y_title)


def _legend(drawing: Any, frame: _Frame, height: float, has_limits: bool, lang: str, font: str) -> None:
    from reportlab.graphics.shapes import Circle, Line, String
    from reportlab.lib.colors import Color

    err_colour, mpe_colour = Color(*ERROR_COLOUR), Color(*MPE_COLOUR)
    lx, ly = frame.left + 4, height - 12
    drawing.add(Line(lx, ly + 3, lx + 14, ly + 3, strokeColor=err_colour, strokeWidth=0.8))
    drawing.add(Circle(lx + 7, ly + 3, 2.2, fillColor=err_colour, strokeColor=None))
    drawing.add(String(lx + 18, ly, label("chart.legend.error", lang), fontName=font, fontSize=7))
    if has_limits:
        mx = lx + 100
        drawing.add(Line(mx, ly + 3, mx + 14, ly + 3, strokeColor=mpe_colour, strokeWidth=1, strokeDashArray=(3, 2)))
        drawing.add(String(mx + 18, ly, label("chart.legend.mpe", lang), fontName=font, fontSize=7))
