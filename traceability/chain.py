"""The metrological traceability chain of a result, as a graph, and where it breaks.

ISO/IEC 17025:2017 §6.5.1: the lab establishes the metrological traceability of its results by a
documented, unbroken chain of calibrations, each contributing to the measurement uncertainty,
linking them to the appropriate reference; §6.5.2: to the SI through calibrations by a national
metrology institute or by an accredited lab (ILAC P10: a calibration certificate bearing the
accreditation body's mark, or an NMI service covered by the CIPM MRA and its CMCs in the KCDB).

The graph runs from a result (a certificate or record, on its work date) to each standard used,
to the calibration of that standard in force on the date, to the calibration's upstream (a
higher standard of the calibrating lab, calibrated in turn, or a national standard), to SI.
Pure: plain dataclasses in, plain dataclasses out; the database layer supplies the look-ups.

Breaks (``Break.code``):

* ``no_calibration`` - a standard has no calibration in force on the date it was used;
* ``no_upstream`` - a calibration names no upstream standard;
* ``cycle`` - the chain comes back to a standard already on it (A against B against A);
* ``out_of_tolerance`` - a standard was out of tolerance when it was used (its
  ``out_of_tolerance_since`` on or before the work date or the calibration date);
* ``not_traced_to_si`` - on the result: some path from it does not reach SI unbroken.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from lims.i18n import _
from lims.metrology.units_format import page_day

NodeKind = Literal["result", "standard", "calibration", "national", "si"]
BreakCode = Literal["no_calibration", "no_upstream", "cycle", "out_of_tolerance", "not_traced_to_si"]

SI_ID = "si"


@dataclass(frozen=True)
class Result:
    """A certificate or record whose values are to be traced: its number, the day the work was done
    and the codes of the standards used. ``kind`` says what it is: a ``certificate``, a ``record``,
    or the ``use`` of a standard on a day (its own chain, ``number`` being its code)."""

    number: str
    work_date: date
    standards: tuple[str, ...] = ()
    kind: Literal["certificate", "record", "use"] = "certificate"


@dataclass(frozen=True)
class Standard:
    """A reference standard (chuẩn đo lường) of a lab."""

    code: str
    name: str
    status: str = "in_service"
    out_of_tolerance_since: date | None = None


@dataclass(frozen=True)
class Lab:
    """A calibrating lab and what vouches for it: ``"VILAS 123"`` or ``"national metrology institute"``."""

    name: str
    accreditation: str


@dataclass(frozen=True)
class NationalStandard:
    """A national measurement standard kept by an NMI, with its CMC reference in the BIPM KCDB."""

    institute: str
    name: str
    kcdb_ref: str = ""

    @property
    def key(self) -> str:
        return f"{self.institute}|{self.name}"


@dataclass(frozen=True)
class Calibration:
    """One calibration of a standard: certificate, lab, dates, expanded uncertainty U (value, unit, k)."""

    certificate_number: str
    standard_code: str
    lab: Lab
    calibration_date: date
    due_date: date
    uncertainty: float
    unit: str
    k: float = 2.0

    def in_force_on(self, day: date) -> bool:
        """Both ends count: the calibration is in force on its own date and on its due date."""
        return self.calibration_date <= day <= self.due_date


Upstream = Standard | NationalStandard


@dataclass(frozen=True)
class Node:
    """One box of the chain; ``item`` is the dataclass it shows (None for SI)."""

    id: str
    kind: NodeKind
    depth: int
    item: Result | Standard | Calibration | NationalStandard | None
    on: date | None = None  # the day a standard was used (it picks the calibration in force)


@dataclass(frozen=True)
class Edge:
    """A link towards SI: ``source`` is traced through ``target``; a broken edge closes a cycle."""

    source: str
    target: str
    broken: bool = False


@dataclass(frozen=True)
class Break:
    code: BreakCode
    node: str
    params: Mapping[str, str] = field(default_factory=dict)

    def reason(self) -> str:
        """The reason as a sentence in the current language (lims.i18n)."""
        return break_reason(self.code, self.params)


@dataclass
class Chain:
    nodes: list[Node]
    edges: list[Edge]
    breaks: list[Break]

    @property
    def reaches_si(self) -> bool:
        return not self.breaks

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)

    def breaks_of(self, node_id: str) -> list[Break]:
        return [b for b in self.breaks if b.node == node_id]


def break_reason(code: str, params: Mapping[str, str]) -> str:
    """One sentence per break code; ``params`` fill the placeholders."""
    texts = {
        "no_calibration": _("No calibration of %(standard)s is in force on %(day)s."),
        "no_upstream": _("Calibration %(certificate)s names no upstream standard."),
        "cycle": _("Cycle: %(standard)s is calibrated, through this chain, against itself."),
        "out_of_tolerance": _("%(standard)s was out of tolerance from %(since)s, before it was used on %(day)s."),
        "not_traced_to_si": _("The chain of %(number)s does not reach the SI unbroken."),
    }
    shown = {key: page_day(date.fromisoformat(value)) if key in ("day", "since") else value
             for key, value in params.items()}
    return texts[code] % shown


def calibration_in_force(calibrations: Iterable[Calibration], day: date) -> Calibration | None:
    """The latest calibration (by calibration date) in force on ``day``, or None."""
    candidates = [c for c in calibrations if c.in_force_on(day)]
    return max(candidates, key=lambda c: (c.calibration_date, c.due_date), default=None)


def _as_callable(source: Mapping[Any, Any] | Callable[[Any], Any]) -> Callable[[Any], Any]:
    if isinstance(source, Mapping):
        return lambda key: source.get(key)
    return source


def _day(day: date) -> str:
    return day.isoformat()


class _Builder:
    def __init__(self, standard_of: Callable[[str], Standard | None],
                 calibrations_of: Callable[[str], Iterable[Calibration] | None],
                 upstream_of: Callable[[Calibration], Upstream | Sequence[Upstream] | None]) -> None:
        self.standard_of = standard_of
        self.calibrations_of = calibrations_of
        self.upstream_of = upstream_of
        self.nodes: dict[str, Node] = {}
        self.edges: list[Edge] = []
        self.breaks: list[Break] = []

    def add(self, node: Node) -> bool:
        """Add a node; False when it is already there (reached by another path)."""
        if node.id in self.nodes:
            return False
        self.nodes[node.id] = node
        return True

    def link(self, source: str, target: str, broken: bool = False) -> None:
        edge = Edge(source, target, broken)
        if edge not in self.edges:
            self.edges.append(edge)

    def standard(self, code: str, on: date, depth: int, source: str, path: tuple[tuple[str, str], ...]) -> None:
        """The standard ``code`` used on ``on`` (by ``source``), its calibration then, and upwards."""
        node_id = f"standard:{code}@{_day(on)}"
        closes = [seen for seen_code, seen in path if seen_code == code]
        if closes:  # back to a standard already on this path: link to it, broken, and stop
            self.link(source, closes[0], broken=True)
            self.breaks.append(Break("cycle", source, {"standard": code}))
            return
        self.link(source, node_id)
        standard = self.standard_of(code) or Standard(code, code)
        if not self.add(Node(node_id, "standard", depth, standard, on)):
            return
        since = standard.out_of_tolerance_since
        if since is not None and since <= on:
            self.breaks.append(Break("out_of_tolerance", node_id,
                                     {"standard": code, "since": _day(since), "day": _day(on)}))
        calibration = calibration_in_force(self.calibrations_of(code) or (), on)
        if calibration is None:
            self.breaks.append(Break("no_calibration", node_id, {"standard": code, "day": _day(on)}))
            return
        self.calibration(calibration, depth + 1, node_id, path + ((code, node_id),))

    def calibration(self, calibration: Calibration, depth: int, source: str,
                    path: tuple[tuple[str, str], ...]) -> None:
        node_id = f"calibration:{calibration.certificate_number}"
        self.link(source, node_id)
        if not self.add(Node(node_id, "calibration", depth, calibration)):
            return
        found = self.upstream_of(calibration)
        upstream: Sequence[Upstream] = (found,) if isinstance(found, (Standard, NationalStandard)) else (found or ())
        if not upstream:
            self.breaks.append(Break("no_upstream", node_id, {"certificate": calibration.certificate_number}))
            return
        for item in upstream:
            if isinstance(item, NationalStandard):
                national_id = f"national:{item.key}"
                self.link(node_id, national_id)
                if self.add(Node(national_id, "national", depth + 1, item)):
                    self.link(national_id, SI_ID)
            else:
                self.standard(item.code, calibration.calibration_date, depth + 1, node_id, path)

    def reaches_si(self, node_id: str, seen: set[str]) -> bool:
        """Every unbroken path from ``node_id`` ends at SI, and no node on them has a break."""
        if node_id == SI_ID:
            return True
        if node_id in seen or any(b.node == node_id for b in self.breaks):
            return False
        onward = [e for e in self.edges if e.source == node_id]
        if not onward or any(e.broken for e in onward):
            return False
        return all(self.reaches_si(e.target, seen | {node_id}) for e in onward)


def build_chain(result: Result,
                standards: Mapping[str, Standard] | Callable[[str], Standard | None],
                calibrations: Mapping[str, Iterable[Calibration]] | Callable[[str], Iterable[Calibration] | None],
                upstream: Mapping[str, Upstream | Sequence[Upstream]]
                | Callable[[Calibration], Upstream | Sequence[Upstream] | None]) -> Chain:
    """The traceability chain of ``result``.

    ``standards`` gives a standard by its code; ``calibrations`` a standard's calibrations by its
    code; ``upstream`` a calibration's upstream standard(s) - by the calibration, or a mapping by
    certificate number. Each standard is taken with the calibration in force on the day it was used
    (the work date for the result's own standards, the calibration date for an upstream standard).
    Nodes come depth-ordered (the result first, SI last); a standard reached by two paths is one
    node, so a cycle is cut where it closes.
    """
    upstream_of = _as_callable(upstream)
    if isinstance(upstream, Mapping):
        by_number = upstream_of
        upstream_of = lambda calibration: by_number(calibration.certificate_number)  # noqa: E731
    builder = _Builder(_as_callable(standards), _as_callable(calibrations), upstream_of)
    root = f"result:{result.number}"
    builder.add(Node(root, "result", 0, result))
    for code in result.standards:
        builder.standard(code, result.work_date, 1, root, ())
    nodes = sorted(builder.nodes.values(), key=lambda n: n.depth)
    if any(e.target == SI_ID for e in builder.edges):
        nodes.append(Node(SI_ID, "si", max(n.depth for n in nodes) + 1, None))
    if not builder.reaches_si(root, set()):
        builder.breaks.append(Break("not_traced_to_si", root, {"number": result.number}))
    return Chain(nodes, builder.edges, builder.breaks)
