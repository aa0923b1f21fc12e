"""The traceability chain drawn as SVG on the server (no script, no chart library).

One column, read top-down: SI at the top, the result at the bottom, each box under the box it is
traced through, arrows pointing up towards SI. A link between boxes that are not neighbours runs
in a lane on the right. The viewBox is 390 units wide, so on a 390 px phone one unit is one pixel
and no text is smaller than 12 px; the drawing scales with its container. A broken node or link
is red (class ``broken``) with its reason written in the box. Every text is XML-escaped.
"""
from __future__ import annotations

import textwrap
from html import escape

from lims.i18n import _
from lims.metrology.units_format import page_day, page_number, page_quantity
from traceability.chain import SI_ID, Calibration, Chain, NationalStandard, Node, Result, Standard

WIDTH = 390
BOX_X = 8
BOX_W = 306
LANE_X0 = 326  # first lane for links between boxes that are not neighbours
LANE_STEP = 8
LANES = 8
LINE = 17  # line height of the 13 px text
PAD = 9
GAP = 30  # vertical space between boxes (room for an arrow)
CHARS = 40  # characters per line at 13 px in a 306-unit box
INK, MUTED, RED, BLUE = "#1d2733", "#5b6b7b", "#b3261e", "#0b5cad"


def _wrap(text: str, bold: bool = False) -> list[str]:
    return textwrap.wrap(text, CHARS - (3 if bold else 0), break_on_hyphens=False) or [""]


def _facts(node: Node) -> tuple[str, list[str]]:
    """The box's title and its lines of facts, in the current language."""
    item = node.item
    if isinstance(item, Result):
        if item.kind == "use":
            return _("Use of %(code)s", code=item.number), [_("Used on %(day)s", day=page_day(item.work_date))]
        head = _("Record %(number)s", number=item.number) if item.kind == "record" else \
            _("Certificate %(number)s", number=item.number)
        return head, [_("Work date: %(day)s", day=page_day(item.work_date))]
    if isinstance(item, Standard):
        lines = [item.name, _("Used on %(day)s", day=page_day(node.on))] if node.on else [item.name]
        return _("Standard %(code)s", code=item.code), lines
    if isinstance(item, Calibration):
        u = _("U = %(value)s (k = %(k)s)", value=page_quantity(item.uncertainty, item.unit),
              k=page_number(item.k))
        return (_("Calibration certificate %(number)s", number=item.certificate_number),
                [f"{item.lab.name} ({item.lab.accreditation})" if item.lab.accreditation else item.lab.name,
                 _("Calibrated %(day)s, due %(due)s", day=page_day(item.calibration_date), due=page_day(item.due_date)),
                 u])
    if isinstance(item, NationalStandard):
        lines = [item.name] + ([_("CMC: %(ref)s", ref=item.kcdb_ref)] if item.kcdb_ref else [])
        return _("National standard, %(institute)s", institute=item.institute), lines
    return "SI", [_("International System of Units")]


def _order(chain: Chain) -> list[Node]:
    """Top to bottom: a node's upstream boxes above it, the first one right above it (post-order)."""
    onward: dict[str, list[str]] = {}
    for edge in chain.edges:
        if not edge.broken:
            onward.setdefault(edge.source, []).append(edge.target)
    by_id = {n.id: n for n in chain.nodes}
    placed: list[str] = []
    seen: set[str] = set()

    def visit(node_id: str) -> None:
        seen.add(node_id)
        for target in reversed(onward.get(node_id, [])):
            if target not in seen:
                visit(target)
        placed.append(node_id)

    visit(chain.nodes[0].id)
    placed += [n.id for n in chain.nodes if n.id not in seen]  # not linked: drawn, never lost
    if SI_ID in placed:  # SI always at the top
        placed.remove(SI_ID)
        placed.insert(0, SI_ID)
    return [by_id[i] for i in placed]


def _arrow_head(x: float, y: float, colour: str, pointing: str = "up") -> str:
    if pointing == "left":
        return f'<path d="M{x:.1f} {y:.1f} l7 -4.5 v9 z" fill="{colour}"/>'
    tip = -1 if pointing == "up" else 1
    return f'<path d="M{x:.1f} {y:.1f} l-4.5 {-7 * tip} h9 z" fill="{colour}"/>'


def chain_svg(chain: Chain, title: str) -> str:
    """The chain as a standalone SVG string (embed it in a page as it is)."""
    order = _order(chain)
    broken_nodes = {b.node for b in chain.breaks}
    boxes: dict[str, tuple[float, float]] = {}  # node id -> (top, bottom)
    body: list[str] = []
    y = 34.0
    for node in order:
        head, lines = _facts(node)
        reasons = [b.reason() for b in chain.breaks_of(node.id)]
        rows = [(text, "head") for text in _wrap(head, True)]
        rows += [(text, "fact") for line in lines for text in _wrap(line)]
        rows += [(text, "reason") for reason in reasons for text in _wrap(reason)]
        height = PAD * 2 + LINE * len(rows) - 4
        broken = node.id in broken_nodes
        css = f"node node-{node.kind}" + (" broken" if broken else "")
        stroke = RED if broken else ("#9ccaa8" if node.kind == "si" else "#b8c4d0")
        fill = "#fdecea" if broken else ("#e7f3ea" if node.kind == "si" else "#fff")
        body.append(f'<g class="{css}" data-node="{escape(node.id)}">'
                    f'<rect x="{BOX_X}" y="{y:.1f}" width="{BOX_W}" height="{height}" rx="6" fill="{fill}" '
                    f'stroke="{stroke}" stroke-width="{2 if broken else 1}"/>')
        for i, (text, kind) in enumerate(rows):
            colour = RED if kind == "reason" else (INK if kind == "head" else MUTED)
            weight = ' font-weight="bold"' if kind == "head" else ""
            size = 14 if kind == "head" else 13
            body.append(f'<text x="{BOX_X + PAD}" y="{y + PAD + 12 + i * LINE:.1f}" font-size="{size}"'
                        f'{weight} fill="{colour}">{escape(text)}</text>')
        body.append("</g>")
        boxes[node.id] = (y, y + height)
        y += height + GAP
    position = {n.id: i for i, n in enumerate(order)}
    lane = 0
    links: list[str] = []
    for edge in chain.edges:
        if edge.source not in boxes or edge.target not in boxes:
            continue
        red = edge.broken or edge.target in broken_nodes  # a cycle, or a link into a broken node
        colour = RED if red else BLUE
        css = "link broken" if red else "link"
        dash = ' stroke-dasharray="5 4"' if edge.broken else ""
        src_top, src_bottom = boxes[edge.source]
        tgt_top, tgt_bottom = boxes[edge.target]
        if position[edge.target] == position[edge.source] - 1 and not edge.broken:
            x = BOX_X + BOX_W / 2
            links.append(f'<g class="{css}"><line x1="{x}" y1="{src_top:.1f}" x2="{x}" y2="{tgt_bottom + 7:.1f}" '
                         f'stroke="{colour}" stroke-width="2"{dash}/>{_arrow_head(x, tgt_bottom, colour)}</g>')
            continue
        lx = LANE_X0 + LANE_STEP * (lane % LANES)
        lane += 1
        y1, y2 = src_top + 14 + (lane % 3) * 4, tgt_top + 18 + (lane % 3) * 4
        links.append(f'<g class="{css}"><path d="M{BOX_X + BOX_W} {y1:.1f} H{lx} V{y2:.1f} H{BOX_X + BOX_W + 7}" '
                     f'fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
                     f'{_arrow_head(BOX_X + BOX_W, y2, colour, "left")}</g>')
    height = int(y - GAP + 12)
    status = _("Traced to the SI without a break.") if chain.reaches_si else _("The chain is broken.")
    status_colour = "#1b7f3b" if chain.reaches_si else RED
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="traceability-chain" viewBox="0 0 {WIDTH} {height}" '
            f'width="100%" role="img" aria-labelledby="chain-title"><title id="chain-title">{escape(title)}</title>'
            f'<text class="chain-status" x="{BOX_X}" y="20" font-size="14" font-weight="bold" '
            f'fill="{status_colour}">{escape(status)}</text>')
    return head + "".join(links) + "".join(body) + "</svg>"
