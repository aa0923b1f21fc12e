"""The error-versus-MPE chart of a record, as inline SVG drawn on the server (no script, no CDN).

Each measurement point is one column: the ±MPE band as a shaded box, the error E as a dot
and its expanded uncertainty as a bar E ± U. A bar that stays inside the band is a pass
without doubt (ILAC G8:09/2019 4.2); the dot's colour is the point's verdict. The tooltip's
E ± U is rounded by :func:`lims.metrology.reporting.round_result`, as on the page.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from markupsafe import Markup

from lims.metrology.reporting import round_result

COLOURS = {"pass": "#1b7f3b", "conditional_pass": "#a05a00", "conditional_fail": "#c2410c", "fail": "#b3261e",
           None: "#0b5cad"}


def _nice_step(span: float) -> float:
    raw = span / 4
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * power:
            return m * power
    return 10 * power


@dataclass(frozen=True)
class _Frame:
    """Where values and columns go on the canvas."""

    top: float
    bottom: float
    width: int
    height: int
    columns: int
    left: int = 70
    right: int = 12
    upper: int = 30
    lower: int = 48

    @property
    def plot_w(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_h(self) -> float:
        return self.height - self.upper - self.lower

    def y(self, v: float) -> float:
        return self.upper + (self.top - v) / (self.top - self.bottom) * self.plot_h

    def x(self, i: int) -> float:
        return self.left + self.plot_w / self.columns * (i + 0.5)


def _frame(points: list[dict], width: int, height: int) -> _Frame:
    """The vertical range: every E ± U and ±MPE, zero, and a margin."""
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
    return _Frame(top + pad, bottom - pad, width, height, len(points))


def _axes(f: _Frame, fmt: Callable[..., str], unit_label: str) -> list[str]:
    parts = []
    step = _nice_step(f.top - f.bottom)
    tick = math.ceil(f.bottom / step) * step
    while tick <= f.top + 1e-12:
        ty = f.y(tick)
        parts.append(f'<line x1="{f.left}" x2="{f.left + f.plot_w}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="#eef1f4"/>')
        parts.append(f'<text x="{f.left - 6}" y="{ty + 4:.1f}" text-anchor="end" font-size="11" fill="#5b6b7b">'
                     f'{escape(fmt(round(tick, 12)))}</text>')
        tick += step
    parts.append(f'<line x1="{f.left}" x2="{f.left + f.plot_w}" y1="{f.y(0):.1f}" y2="{f.y(0):.1f}" stroke="#5b6b7b"/>')
    mid = f.upper + f.plot_h / 2
    parts.append(f'<text x="14" y="{mid:.1f}" font-size="12" fill="#1d2733" '
                 f'transform="rotate(-90 14 {mid:.1f})" text-anchor="middle">'
                 f'E ({escape(unit_label)})</text>')
    return parts


def _digits(number: Decimal) -> int:
    return max(0, -int(number.as_tuple().exponent))


def _tooltip(p: dict, fmt: Callable[..., str], labels: dict[str, str]) -> str:
    """"weighing 20 kg: E = 0.028 ± 0.015 (MPE ± 0.05)": E and U rounded by the one rule (JCGM 100 7.2.6)."""
    e = p["error"]["value"]
    u = (p.get("uncertainty") or {}).get("value")
    m = (p.get("mpe") or {}).get("value")
    test = str(p.get("test"))
    tip = f'{labels.get(test, test)} {p.get("label") or ""}: E = '
    if u:
        value, uncertainty = round_result(e, u)
        tip += f"{fmt(value, _digits(value))} ± {fmt(uncertainty, _digits(uncertainty))}"
    else:
        tip += fmt(e) + (f" ± {fmt(u)}" if u is not None else "")
    if m is not None:
        tip += f" (MPE ± {fmt(m)})"
    return tip


def _column(f: _Frame, i: int, p: dict, tip: str, unit_label: str) -> list[str]:
    """One point: the ±MPE box, the E ± U bar and the dot in its verdict's colour."""
    parts = []
    cx, col = f.x(i), f.plot_w / f.columns
    y = f.y
    m = (p.get("mpe") or {}).get("value")
    if m is not None:
        parts.append(f'<rect class="mpe" x="{cx - col * 0.42:.1f}" y="{y(m):.1f}" width="{col * 0.84:.1f}" '
                     f'height="{y(-m) - y(m):.1f}" fill="#e7f3ea" stroke="#9ccaa8"/>')
    e = p["error"]["value"]
    u = (p.get("uncertainty") or {}).get("value")
    colour = COLOURS.get(p.get("verdict"), COLOURS[None])
    if u is not None:
        parts.append(f'<line class="u" x1="{cx:.1f}" x2="{cx:.1f}" y1="{y(e + u):.1f}" y2="{y(e - u):.1f}" '
                     f'stroke="{colour}" stroke-width="2"/>')
        for end in (e + u, e - u):
            parts.append(f'<line x1="{cx - 5:.1f}" x2="{cx + 5:.1f}" y1="{y(end):.1f}" y2="{y(end):.1f}" '
                         f'stroke="{colour}" stroke-width="2"/>')
    parts.append(f'<circle class="e verdict-{escape(str(p.get("verdict")))}" cx="{cx:.1f}" cy="{y(e):.1f}" '
                 f'r="4.5" fill="{colour}"><title>{escape(tip)} {escape(unit_label)}</title></circle>')
    parts.append(f'<text x="{cx:.1f}" y="{f.upper + f.plot_h + 16}" text-anchor="middle" font-size="11" '
                 f'fill="#1d2733">{p["seq"]}</text>')
    return parts


def _legend(f: _Frame) -> str:
    left, legend_y = f.left, f.height - 10
    return (f'<rect x="{left}" y="{legend_y - 10}" width="14" height="10" fill="#e7f3ea" stroke="#9ccaa8"/>'
            f'<text x="{left + 20}" y="{legend_y}" font-size="12">±MPE</text>'
            f'<circle cx="{left + 90}" cy="{legend_y - 4}" r="4.5" fill="#0b5cad"/>'
            f'<line x1="{left + 90}" x2="{left + 90}" y1="{legend_y - 14}" y2="{legend_y + 4}" '
            f'stroke="#0b5cad" stroke-width="2"/><text x="{left + 100}" y="{legend_y}" font-size="12">E ± U</text>')


def error_chart_svg(results: dict, *, fmt: Callable[..., str], unit_label: str, labels: dict[str, str], title: str,
                    width: int = 760, height: int = 300) -> Markup | None:
    """SVG of the stored results (``Record.results``), or None when no point has an error yet.

    ``fmt(value, digits=None)`` formats a number for the page's language; ``labels`` maps test
    names to their translated names (used in the tooltips).
    """
    points = [p for p in results.get("points", []) if p.get("error") is not None]
    if not points:
        return None
    f = _frame(points, width, height)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="error-chart" viewBox="0 0 {width} {height}" '
             f'role="img" aria-labelledby="chart-title"><title id="chart-title">{escape(title)}</title>',
             f'<rect x="{f.left}" y="{f.upper}" width="{f.plot_w}" height="{f.plot_h}" fill="#fff" stroke="#d7dee6"/>']
    parts.extend(_axes(f, fmt, unit_label))
    for i, p in enumerate(points):
        parts.extend(_column(f, i, p, _tooltip(p, fmt, labels), unit_label))
    parts.append(_legend(f))
    parts.append("</svg>")
    return Markup("".join(parts))
