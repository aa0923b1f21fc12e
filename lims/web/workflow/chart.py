"""The error-versus-MPE chart of a record, as inline SVG drawn on the server (no script, no CDN).

Each measurement point is one column: the ±MPE band as a shaded box, the error E as a dot
and its expanded uncertainty as a bar E ± U. A bar that stays inside the band is a pass
without doubt (ILAC G8:09/2019 4.2); the dot's colour is the point's verdict.
"""
from __future__ import annotations

import math
from html import escape

from markupsafe import Markup

COLOURS = {"pass": "#1b7f3b", "conditional_pass": "#a05a00", "conditional_fail": "#c2410c", "fail": "#b3261e",
           None: "#0b5cad"}


def _nice_step(span: float) -> float:
    raw = span / 4
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * power:
            return m * power
    return 10 * power


def error_chart_svg(results: dict, *, fmt, unit_label: str, labels: dict[str, str], title: str,
                    width: int = 760, height: int = 300) -> Markup | None:
    """SVG of the stored results (``Record.results``), or None when no point has an error yet.

    ``fmt`` formats a number for the page's language; ``labels`` maps test names to their
    translated names (used in the tooltips).
    """
    points = [p for p in results.get("points", []) if p.get("error") is not None]
    if not points:
        return None
    values = []
    for p in points:
        e = p["error"]["value"]
        u = (p.get("uncertainty") or {}).get("value") or 0.0
        m = (p.get("mpe") or {}).get("value")
        values.extend([e - u, e + u])
        if m is not None:
            values.extend([m, -m])
    top = max(max(values), 0.0)
    bottom = min(min(values), 0.0)
    if top == bottom:
        top, bottom = top + 1.0, bottom - 1.0
    pad = 0.12 * (top - bottom)
    top, bottom = top + pad, bottom - pad
    left, right, upper, lower = 70, 12, 30, 48
    plot_w, plot_h = width - left - right, height - upper - lower
    n = len(points)
    col = plot_w / n

    def y(v: float) -> float:
        return upper + (top - v) / (top - bottom) * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="error-chart" viewBox="0 0 {width} {height}" '
             f'role="img" aria-labelledby="chart-title"><title id="chart-title">{escape(title)}</title>',
             f'<rect x="{left}" y="{upper}" width="{plot_w}" height="{plot_h}" fill="#fff" stroke="#d7dee6"/>']
    step = _nice_step(top - bottom)
    tick = math.ceil(bottom / step) * step
    while tick <= top + 1e-12:
        ty = y(tick)
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="#eef1f4"/>')
        parts.append(f'<text x="{left - 6}" y="{ty + 4:.1f}" text-anchor="end" font-size="11" fill="#5b6b7b">'
                     f'{escape(fmt(round(tick, 12)))}</text>')
        tick += step
    parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#5b6b7b"/>')
    parts.append(f'<text x="14" y="{upper + plot_h / 2:.1f}" font-size="12" fill="#1d2733" '
                 f'transform="rotate(-90 14 {upper + plot_h / 2:.1f})" text-anchor="middle">'
                 f'E ({escape(unit_label)})</text>')
    for i, p in enumerate(points):
        cx = left + col * (i + 0.5)
        m = (p.get("mpe") or {}).get("value")
        if m is not None:
            parts.append(f'<rect class="mpe" x="{cx - col * 0.42:.1f}" y="{y(m):.1f}" width="{col * 0.84:.1f}" '
                         f'height="{y(-m) - y(m):.1f}" fill="#e7f3ea" stroke="#9ccaa8"/>')
        e = p["error"]["value"]
        u = (p.get("uncertainty") or {}).get("value")
        colour = COLOURS.get(p.get("verdict"), COLOURS[None])
        tip = f'{labels.get(p.get("test"), p.get("test"))} {p.get("label") or ""}: E = {fmt(e)}'
        if u is not None:
            tip += f" ± {fmt(u)}"
            parts.append(f'<line class="u" x1="{cx:.1f}" x2="{cx:.1f}" y1="{y(e + u):.1f}" y2="{y(e - u):.1f}" '
                         f'stroke="{colour}" stroke-width="2"/>')
            for end in (e + u, e - u):
                parts.append(f'<line x1="{cx - 5:.1f}" x2="{cx + 5:.1f}" y1="{y(end):.1f}" y2="{y(end):.1f}" '
                             f'stroke="{colour}" stroke-width="2"/>')
        if m is not None:
            tip += f" (MPE ± {fmt(m)})"
        parts.append(f'<circle class="e verdict-{escape(str(p.get("verdict")))}" cx="{cx:.1f}" cy="{y(e):.1f}" '
                     f'r="4.5" fill="{colour}"><title>{escape(tip)} {escape(unit_label)}</title></circle>')
        parts.append(f'<text x="{cx:.1f}" y="{upper + plot_h + 16}" text-anchor="middle" font-size="11" '
                     f'fill="#1d2733">{p["seq"]}</text>')
    legend_y = height - 10
    parts.append(f'<rect x="{left}" y="{legend_y - 10}" width="14" height="10" fill="#e7f3ea" stroke="#9ccaa8"/>'
                 f'<text x="{left + 20}" y="{legend_y}" font-size="12">±MPE</text>'
                 f'<circle cx="{left + 90}" cy="{legend_y - 4}" r="4.5" fill="#0b5cad"/>'
                 f'<line x1="{left + 90}" x2="{left + 90}" y1="{legend_y - 14}" y2="{legend_y + 4}" '
                 f'stroke="#0b5cad" stroke-width="2"/><text x="{left + 100}" y="{legend_y}" font-size="12">E ± U</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
