"""The traceability chain of a result: built from plain look-ups, and each kind of break found."""
from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import date

import pytest

from lims.i18n import use_language
from traceability.chain import Calibration, Lab, Result, build_chain, calibration_in_force

LAB = Lab("Lab", "VILAS 1")


def test_the_demo_chain_reaches_si(demo):
    """Every path of the issue's chain ends at SI: working weights -> F1 set -> VMI -> national kilogram
    -> SI, and pressure controller -> VILAS lab's reference -> VMI -> national pressure standard -> SI."""
    chain = build_chain(*demo.args())
    assert chain.breaks == []
    assert chain.reaches_si
    ids = [n.id for n in chain.nodes]
    assert ids[0] == "result:LS-KĐ-2026-00042" and ids[-1] == "si"
    depths = [n.depth for n in chain.nodes]
    assert depths == sorted(depths)
    edges = {(e.source, e.target) for e in chain.edges}
    assert ("result:LS-KĐ-2026-00042", "standard:M1-07@2026-03-10") in edges
    assert ("standard:M1-07@2026-03-10", "calibration:LS-HC-2026-0012") in edges
    # F1-01 is taken as it was on the day it calibrated M1-07 (2026-02-01): the 2026 VMI certificate
    assert ("calibration:LS-HC-2026-0012", "standard:F1-01@2026-02-01") in edges
    assert ("standard:F1-01@2026-02-01", "calibration:VMI-M-2026-0031") in edges
    assert "calibration:VMI-M-2025-0117" not in ids
    assert ("calibration:VMI-M-2026-0031", "national:VMI|National kilogram prototype No. 65") in edges
    assert ("national:VMI|National kilogram prototype No. 65", "si") in edges
    assert ("calibration:VMI-P-2025-0203", "national:VMI|National pressure standard (piston gauge)") in edges
    assert chain.node("standard:REF-9@2025-09-01").depth == 3
    assert chain.node("si").depth == 6
    assert not any(e.broken for e in chain.edges)


@pytest.mark.parametrize(("day", "expected"), [
    (date(2025, 1, 19), None),  # the day before the first calibration
    (date(2025, 1, 20), "A"),  # its calibration day counts
    (date(2026, 1, 14), "A"),  # the day before the second
    (date(2026, 1, 15), "B"),  # both in force from here: the later one
    (date(2026, 1, 19), "B"),  # A's due day, still B
    (date(2026, 1, 20), "B"),
    (date(2027, 1, 14), "B"),  # its due day counts
    (date(2027, 1, 15), None),  # the day after: none
])
def test_the_calibration_in_force_is_picked_on_the_day(day, expected):
    """calibration_date <= day <= due_date, boundary days included; of two in force, the latest."""
    a = Calibration("A", "S", LAB, date(2025, 1, 20), date(2026, 1, 19), 1, "g")
    b = Calibration("B", "S", LAB, date(2026, 1, 15), date(2027, 1, 14), 1, "g")
    found = calibration_in_force([b, a], day)
    assert (found.certificate_number if found else None) == expected


def test_no_calibration_in_force_on_the_work_date(demo):
    """P-03's calibration is due 2026-08-31: a result of 2026-09-01 breaks at P-03, the day after."""
    demo.result = replace(demo.result, work_date=date(2026, 9, 1))
    chain = build_chain(*demo.args())
    with use_language("en"):
        found = [(b.code, b.node, b.reason()) for b in chain.breaks]
    assert ("no_calibration", "standard:P-03@2026-09-01",
            "No calibration of P-03 is in force on 2026-09-01.") in found
    assert found[-1][0] == "not_traced_to_si" and found[-1][1] == "result:LS-KĐ-2026-00042"
    assert not chain.reaches_si
    # the mass branch is still whole: no break on its nodes
    assert chain.breaks_of("standard:M1-07@2026-09-01") == []


def test_a_calibration_without_upstream_link(demo):
    demo.upstream["VILAS123-P-0588"] = None
    chain = build_chain(*demo.args())
    assert [(b.code, b.node) for b in chain.breaks] == [
        ("no_upstream", "calibration:VILAS123-P-0588"), ("not_traced_to_si", "result:LS-KĐ-2026-00042")]
    with use_language("vi"):
        assert chain.breaks[0].reason() == "Giấy chứng nhận hiệu chuẩn VILAS123-P-0588 không nêu chuẩn cấp trên."


def test_a_cycle_is_detected_and_the_walk_terminates(demo):
    """F1-01 calibrated against M1-07 which is calibrated against F1-01: the walk stops where the
    cycle closes, with a broken edge and a break on the calibration that closes it."""
    demo.result = Result("C-1", date(2026, 3, 10), ("M1-07",))
    demo.upstream["VMI-M-2026-0031"] = demo.standards["M1-07"]
    chain = build_chain(*demo.args())
    assert [(b.code, b.node, dict(b.params)) for b in chain.breaks] == [
        ("cycle", "calibration:VMI-M-2026-0031", {"standard": "M1-07"}),
        ("not_traced_to_si", "result:C-1", {"number": "C-1"})]
    broken = [e for e in chain.edges if e.broken]
    assert [(e.source, e.target) for e in broken] == [("calibration:VMI-M-2026-0031", "standard:M1-07@2026-03-10")]
    # every edge joins two nodes of the graph
    ids = {n.id for n in chain.nodes}
    assert all(e.source in ids and e.target in ids for e in chain.edges)
    assert "si" not in [n.id for n in chain.nodes]


def test_a_self_calibration_is_a_cycle(demo):
    demo.result = Result("C-2", date(2026, 3, 10), ("M1-07",))
    demo.upstream["LS-HC-2026-0012"] = demo.standards["M1-07"]
    chain = build_chain(*demo.args())
    assert chain.breaks[0].code == "cycle" and chain.breaks[0].node == "calibration:LS-HC-2026-0012"


@pytest.mark.parametrize(("since", "broken"), [
    (date(2026, 2, 1), True),  # out of tolerance on the very day it calibrated M1-07
    (date(2026, 1, 31), True),
    (date(2026, 2, 2), False),  # only after: the calibration of M1-07 stands
])
def test_an_upstream_standard_out_of_tolerance_at_the_time(demo, since, broken):
    """out_of_tolerance_since <= the date of the calibration it served in breaks the chain there."""
    demo.standards["F1-01"] = replace(demo.standards["F1-01"], out_of_tolerance_since=since)
    chain = build_chain(*demo.args())
    found = [(b.code, b.node) for b in chain.breaks]
    assert (("out_of_tolerance", "standard:F1-01@2026-02-01") in found) is broken
    assert chain.reaches_si is not broken
    if broken:
        with use_language("en"):
            reason = chain.breaks_of("standard:F1-01@2026-02-01")[0].reason()
        assert reason == (f"F1-01 was out of tolerance from {since.isoformat()}, before it was used on 2026-02-01.")


def test_a_result_with_no_standard_does_not_reach_si():
    chain = build_chain(Result("X-1", date(2026, 3, 10)), {}, {}, {})
    assert [(b.code, b.node) for b in chain.breaks] == [("not_traced_to_si", "result:X-1")]


def test_lookups_may_be_callables(demo):
    """The database layer passes functions: the same chain as from mappings."""
    chain = build_chain(demo.result, demo.standards.get, lambda code: demo.calibrations.get(code, []),
                        lambda calibration: demo.upstream.get(calibration.certificate_number))
    assert chain == build_chain(*demo.args())


def test_every_reason_has_a_vietnamese_translation():
    """The traceability package is outside the catalog test's scan (lims/, instruments/): check it here."""
    from pathlib import Path

    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[2]
    with (root / "lims/translations/traceability/vi/LC_MESSAGES/messages.po").open("rb") as fh:
        vi = {m.id: m.string for m in read_po(fh) if m.id}
    found = [m for _f, _l, m, _c, _x in extract_from_dir(str(root / "traceability"), keywords={"_": None})]
    assert len(found) >= 15
    assert [m for m in found if not vi.get(m)] == []


def test_the_package_is_pure():
    """traceability.chain and chain_svg import neither Flask nor SQLAlchemy nor the app (DESIGN: layers)."""
    forbidden = ("flask", "sqlalchemy", "werkzeug", "lims.app", "lims.web", "lims.models", "lims.services")
    code = ("import sys, traceability.chain, traceability.chain_svg\n"
            f"print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {forbidden!r} "
            f"or m.startswith({forbidden!r}))))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""


def test_a_standard_of_the_result_out_of_tolerance_on_the_work_date(demo):
    """The same rule at the bottom of the chain: P-03 out of tolerance since 2026-03-10, the work date."""
    demo.standards["P-03"] = replace(demo.standards["P-03"], out_of_tolerance_since=date(2026, 3, 10))
    chain = build_chain(*demo.args())
    assert [(b.code, b.node) for b in chain.breaks] == [
        ("out_of_tolerance", "standard:P-03@2026-03-10"), ("not_traced_to_si", "result:LS-KĐ-2026-00042")]
