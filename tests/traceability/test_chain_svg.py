"""The traceability chain drawn as SVG: well-formed, complete, red where broken, escaped, phone-sized."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date

from lims.i18n import use_language
from traceability.chain import Standard, build_chain
from traceability.chain_svg import chain_svg

SVG = "{http://www.w3.org/2000/svg}"


def _texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def _groups(root: ET.Element, css: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if css in (g.get("class") or "").split()]


def test_the_demo_chain_is_well_formed_and_shows_every_certificate_and_u(demo):
    """Parsed as XML; each calibration certificate number and each U with its unit and k is written,
    as people write them (Vietnamese decimal comma, a no-break space before the unit)."""
    with use_language("vi"):
        root = ET.fromstring(chain_svg(build_chain(*demo.args()), "Chuỗi liên kết chuẩn"))
    text = "\n".join(_texts(root))
    for number in ("LS-KĐ-2026-00042", "VMI-M-2026-0031", "LS-HC-2026-0012", "VILAS123-P-0588", "VMI-P-2025-0203"):
        assert number in text
    for u in ("U = 0,05\u00a0mg (k = 2)", "U = 0,016\u00a0g (k = 2)", "U = 0,07\u00a0bar (k = 2)",
              "U = 0,012\u00a0bar (k = 2)"):
        assert u in text
    assert "Phòng hiệu chuẩn áp suất (VILAS 123)" in text
    assert "CMC: APMP-M-VN-001" in text
    assert text.startswith("Liên kết chuẩn liền mạch đến hệ đơn vị SI.")
    assert _groups(root, "broken") == []
    # 12 boxes: result, 4 standards, 4 calibrations, 2 national standards, SI; one link per edge
    assert len(_groups(root, "node")) == 12
    assert len(_groups(root, "link")) == 12


def test_the_si_box_is_at_the_top_and_the_result_at_the_bottom(demo):
    root = ET.fromstring(chain_svg(build_chain(*demo.args()), "chain"))
    tops = {g.get("data-node"): float(g.find(f"{SVG}rect").get("y")) for g in _groups(root, "node")}  # type: ignore[union-attr]
    assert min(tops, key=tops.__getitem__) == "si"
    assert max(tops, key=tops.__getitem__) == "result:LS-KĐ-2026-00042"
    # each standard sits right below its calibration
    assert tops["calibration:LS-HC-2026-0012"] < tops["standard:M1-07@2026-03-10"]
    assert tops["standard:F1-01@2026-02-01"] < tops["calibration:LS-HC-2026-0012"]


def test_breaks_are_red_with_their_reason_and_names_are_escaped(demo):
    """A standard named with "<&" stays text (escaped, the SVG still parses); the broken nodes carry the
    class ``broken``, a red outline and their reason; the link into a broken node is red."""
    demo.standards["F1-01"] = Standard("F1-01", "F1 <set> & co", out_of_tolerance_since=date(2026, 1, 1))
    demo.result = replace(demo.result, work_date=date(2026, 9, 1))
    svg = chain_svg(build_chain(*demo.args()), "A <title> & more")
    assert "F1 &lt;set&gt; &amp; co" in svg and "<set>" not in svg
    root = ET.fromstring(svg)
    assert root.find(f"{SVG}title").text == "A <title> & more"  # type: ignore[union-attr]
    broken = {g.get("data-node"): g for g in _groups(root, "broken") if "node" in g.get("class", "")}
    assert set(broken) == {"standard:P-03@2026-09-01", "standard:F1-01@2026-02-01", "result:LS-KĐ-2026-00042"}
    for g in broken.values():
        assert g.find(f"{SVG}rect").get("stroke") == "#b3261e"  # type: ignore[union-attr]
    with use_language("en"):
        text = "\n".join(_texts(ET.fromstring(chain_svg(build_chain(*demo.args()), "chain"))))
    assert text.startswith("The chain is broken.")
    assert "No calibration of P-03 is in force on\n2026-09-01." in text  # wrapped over two lines
    red_links = [g for g in _groups(root, "link") if "broken" in g.get("class", "")]
    assert len(red_links) == 2  # the result -> P-03, LS-HC-2026-0012 -> F1-01
    assert "F1 <set> & co" in text


def test_a_cycle_is_drawn_as_a_red_dashed_link(demo):
    demo.upstream["VMI-M-2026-0031"] = demo.standards["M1-07"]
    root = ET.fromstring(chain_svg(build_chain(*demo.args()), "chain"))
    red = [g for g in _groups(root, "link") if "broken" in g.get("class", "")]
    dashed = [g for g in red if any(el.get("stroke-dasharray") for el in g)]
    assert len(dashed) == 1


def test_it_reads_on_a_phone(demo):
    """The viewBox is 390 wide (one unit is one pixel on a 390 px phone), the drawing scales, no text
    is smaller than 12 px and every text line stays inside the 390-unit width (at most 40 characters
    of 13 px text from x = 17: about 17 + 40 × 7 = 297)."""
    with use_language("vi"):
        svg = chain_svg(build_chain(*demo.args()), "chain")
    root = ET.fromstring(svg)
    assert root.get("viewBox", "").startswith("0 0 390 ")
    assert root.get("width") == "100%"
    sizes = {float(t.get("font-size", "0")) for t in root.iter(f"{SVG}text")}
    assert min(sizes) >= 12
    assert max(len(t) for t in _texts(root)) <= 44
    assert not re.search(r"<script|style=|\son\w+=", svg)
