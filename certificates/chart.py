"""The error-versus-±MPE chart of a results table (reportlab graphics).

For each point: the stored error as a dot with a bar of ± the expanded uncertainty, and the
limits ±MPE as two step lines. It pictures the decision of ILAC G8:09/2019 4.2: a point whose
bar stays inside the limits passes without doubt. All values are the stored ones, only
shifted by powers of ten when a column uses a prefixed unit (0.3 mg drawn on a g axis).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from certificates.errors import UnitError
from certificates.formatting import format_number
from certificates.labels import label
from certificates.model import ResultSection
from certificates.units import display_unit, rescale

ERROR_COLOUR = (0.05, 0.25, 0.6)
MPE_COLOUR = (0.75, 0.1, 0.1)


def _points(section: ResultSection) -> tuple[str, str, list[tuple[float, float, float | None, float | None]]] | None:
    """(x unit, y unit, [(x, error, U, MPE)]) in the first row's units, or None if not drawable."""
    rows = [r for r in section.rows if r.error is not None]
    if len(rows) < 1:
        return None
    x_unit, y_unit = rows[0].nominal.unit, rows[0].error.unit  # type: ignore[union-attr]
    points = []
    try:
        for row in rows:
            assert row.error is not None
            x = rescale(row.nominal.value, row.nominal.unit, x_unit)
            e = rescale(row.error.value, row.error.unit, y_unit)
            u = rescale(row.uncertainty.expanded.value, row.uncertainty.expanded.unit, y_unit) if row.uncertainty else None
            m = rescale(row.mpe.value, row.mpe.unit, y_unit) if row.mpe else None
            points.append((float(x), float(e), None if u is None else float(u), None if m is None else float(m)))
    except UnitError:
        return None
    return x_unit, y_unit, points


def _tick_format(lang: str):  # type: ignore[no-untyped-def]
    def fmt(value: float) -> str:
        return format_number(Decimal(f"{value:.6g}"), lang)

    return fmt


def error_chart(section: ResultSection, lang: str, width: float, height: float, font: str) -> Any | None:
    """A reportlab ``Drawing`` of the section's errors against ±MPE, or None when there is
    nothing to draw (no errors, or units that cannot share an axis)."""
    data = _points(section)
    if data is None:
        return None
    from reportlab.graphics.charts.lineplots import LinePlot
    from reportlab.graphics.shapes import Drawing, Group, Line, String
    from reportlab.graphics.widgets.markers import makeMarker
    from reportlab.lib.colors import Color

    x_unit, y_unit, points = data
    err_colour, mpe_colour = Color(*ERROR_COLOUR), Color(*MPE_COLOUR)
    xs = [p[0] for p in points]
    reach = max([abs(e) + (u or 0) for _, e, u, _ in points] + [m for *_, m in points if m is not None] + [0.0])
    reach = reach * 1.25 or 1.0
    span = (max(xs) - min(xs)) or abs(max(xs)) or 1.0

    drawing = Drawing(width, height)
    plot = LinePlot()
    plot.x, plot.y = 52, 30
    plot.width, plot.height = width - plot.x - 10, height - plot.y - 24
    plot.data = [[(x, e) for x, e, _, _ in points]]
    mpe_points = [(x, m) for x, _, _, m in points if m is not None]
    plot.lines[0].symbol = makeMarker("FilledCircle", size=4, fillColor=err_colour, strokeColor=err_colour)
    plot.lines[0].strokeColor = None
    plot.lines[0].strokeWidth = 0
    xa, ya = plot.xValueAxis, plot.yValueAxis
    xa.valueMin, xa.valueMax = min(xs) - 0.05 * span, max(xs) + 0.05 * span
    ya.valueMin, ya.valueMax = -reach, reach
    xa.joinAxisMode = "bottom"
    for axis in (xa, ya):
        axis.labels.fontName = font
        axis.labels.fontSize = 7
        axis.labelTextFormat = _tick_format(lang)
        axis.strokeWidth = 0.5
    ya.visibleGrid = 1
    ya.gridStrokeColor = Color(0.85, 0.85, 0.85)
    ya.gridStrokeWidth = 0.3

    def limits(xscale: Any, yscale: Any) -> Group:
        """±MPE of each point as a step reaching half-way to its neighbours (the MPE is only
        known at the points; between them the table of the regulation applies)."""
        group = Group()
        px = [xscale(x) for x, _ in mpe_points]
        for i, (x, m) in enumerate(mpe_points):
            left = (px[i] + px[i - 1]) / 2 if i else plot.x
            right = (px[i] + px[i + 1]) / 2 if i + 1 < len(px) else plot.x + plot.width
            for sign in (1, -1):
                group.add(Line(left, yscale(sign * m), right, yscale(sign * m), strokeColor=mpe_colour,
                               strokeWidth=1, strokeDashArray=(3, 2)))
        return group

    def bars(plot_: Any, xscale: Any, yscale: Any) -> Group:
        group = Group()
        group.add(Line(plot_.x, yscale(0), plot_.x + plot_.width, yscale(0), strokeColor=Color(0.4, 0.4, 0.4),
                       strokeWidth=0.4))
        if mpe_points:
            group.add(limits(xscale, yscale))
        for x, e, u, _ in points:
            if u:
                px = xscale(x)
                group.add(Line(px, yscale(e - u), px, yscale(e + u), strokeColor=err_colour, strokeWidth=0.8))
                for end in (e - u, e + u):
                    group.add(Line(px - 2.5, yscale(end), px + 2.5, yscale(end), strokeColor=err_colour,
                                   strokeWidth=0.8))
        return group

    plot.annotations = [bars]
    drawing.add(plot)
    x_title = f"{label('chart.x', lang)} ({display_unit(x_unit)})"
    y_title = f"{label('chart.y', lang)} ({display_unit(y_unit)})"
    drawing.add(String(plot.x + plot.width / 2, 4, x_title, fontName=font, fontSize=7.5, textAnchor="middle"))
    y_label = String(0, 0, y_title, fontName=font, fontSize=7.5, textAnchor="middle")
    holder = Group(y_label)
    holder.translate(10, plot.y + plot.height / 2)
    holder.rotate(90)
    drawing.add(holder)
    # legend, top left
    lx, ly = plot.x + 4, height - 12
    drawing.add(Line(lx, ly + 3, lx + 14, ly + 3, strokeColor=err_colour, strokeWidth=0.8))
    drawing.add(makeMarker("FilledCircle", x=lx + 7, y=ly + 3, size=4, fillColor=err_colour, strokeColor=err_colour))
    drawing.add(String(lx + 18, ly, label("chart.legend.error", lang), fontName=font, fontSize=7))
    if mpe_points:
        mx = lx + 100
        drawing.add(Line(mx, ly + 3, mx + 14, ly + 3, strokeColor=mpe_colour, strokeWidth=1, strokeDashArray=(3, 2)))
        drawing.add(String(mx + 18, ly, label("chart.legend.mpe", lang), fontName=font, fontSize=7))
    return drawing
