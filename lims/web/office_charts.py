"""Bar charts of the office dashboard, as inline SVG drawn on the server (no script, no CDN).

One group of bars per row of a table (a week, a month, a type, a technician), one bar per
series (opened / approved, median / 90th percentile ...). The vertical axis starts at zero;
each bar's tooltip gives its value with its unit. The table beside the chart carries the same
numbers, so the chart is a picture of the table, never the only place of a figure.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

from markupsafe import Markup

PALETTE = ("#0b5cad", "#1b7f3b", "#a05a00", "#b3261e")


def _nice_top(value: float) -> tuple[float, float]:
    """A round top of the axis at or above ``value``, and the step between its ticks."""
    if value <= 0:
        return 1.0, 0.25
    raw = value / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if raw <= m * power)
    return step * math.ceil(value / step), step


def bar_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *, title: str,
              unit: str, fmt: Callable[..., str], width: int = 480, height: int = 250) -> Markup:
    """Grouped bars: ``labels`` along the bottom, ``series`` as (name, values) — None draws no bar."""
    left, right, upper, lower = 50, 8, 14, 50
    plot_w, plot_h = width - left - right, height - upper - lower
    values = [v for _n, vs in series for v in vs if v is not None]
    top, step = _nice_top(max(values, default=0.0))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="office-chart" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>',
             f'<rect x="{left}" y="{upper}" width="{plot_w}" height="{plot_h}" fill="#fff" stroke="#d7dee6"/>']

    def y(v: float) -> float:
        return upper + plot_h - v / top * plot_h

    tick = 0.0
    while tick <= top + 1e-9:
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
                     f'stroke="#eef1f4"/><text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" '
                     f'font-size="12" fill="#5b6b7b">{escape(fmt(round(tick, 9)))}</text>')
        tick += step
    parts.append(f'<text x="12" y="{upper + plot_h / 2:.1f}" font-size="11" fill="#1d2733" text-anchor="middle" '
                 f'transform="rotate(-90 12 {upper + plot_h / 2:.1f})">{escape(unit)}</text>')
    groups = max(len(labels), 1)
    group_w = plot_w / groups
    bar_w = group_w * 0.8 / max(len(series), 1)
    every = max(1, math.ceil(groups / 6))  # at most 6 labels along the bottom: they stay apart on a phone
    for i, label in enumerate(labels):
        x0 = left + group_w * i + group_w * 0.1
        for k, (name, vs) in enumerate(series):
            v = vs[i] if i < len(vs) else None
            if v is None:
                continue
            parts.append(f'<rect class="ob s{k}" x="{x0 + bar_w * k:.1f}" y="{y(v):.1f}" width="{bar_w:.1f}" '
                         f'height="{upper + plot_h - y(v):.1f}" fill="{PALETTE[k % len(PALETTE)]}">'
                         f'<title>{escape(label)} – {escape(name)}: {escape(fmt(v))} {escape(unit)}</title></rect>')
        if i % every == 0:
            cx = left + group_w * (i + 0.5)
            parts.append(f'<text class="xl" x="{cx:.1f}" y="{upper + plot_h + 15}" text-anchor="middle" '
                         f'font-size="12" fill="#1d2733">{escape(label[:14])}</text>')
    legend_y = height - 12
    for k, (name, _vs) in enumerate(series):
        x = left + k * 170
        parts.append(f'<rect x="{x}" y="{legend_y - 9}" width="12" height="10" fill="{PALETTE[k % len(PALETTE)]}"/>'
                     f'<text x="{x + 17}" y="{legend_y}" font-size="12">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
