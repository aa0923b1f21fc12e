r"""The results of a certificate as DCC tables, the way PTB's good-practice DCCs and readers have them.

One results table of the document (:class:`~certificates.model.ResultSection`) is one
``dcc:result`` whose ``dcc:data/dcc:list`` is a one-index table (refType ``basic_1IndexTable``,
read as such by PTB's ``dccquantities``). Its columns are ``dcc:quantity`` elements holding
``si:realListXMLList`` (one D-SI unit per column):

* ``basic_referenceValue basic_tableIndex0`` — the measured reference value
  (:attr:`ResultRow.reference`, else the nominal value); when the nominal value or set point
  differs from it, the nominal values follow as
  ``dcc:measurementMetaData/dcc:metaData[@refType='basic_calibrationValue']``; the standards
  used are linked by ``dcc:metaData[@refType='basic_normalUsed']/@refId``;
* ``basic_measuredValue`` — the indication;
* ``basic_measurementError`` — the error with ``si:expandedUncXMLList`` (U, k, p and the
  distribution, see :func:`distribution_of`), and the verdicts as
  ``dcc:metaData[@refType='basic_conformity']`` (``dcc:conformityXMLList``, ``refId`` of the
  decision rule) whose ``dcc:data`` holds the tolerance limits ∓MPE
  (``basic_toleranceLimitLower``/``Upper``) and, with a guard band (ILAC G8:09/2019 4.2.2,
  4.2.3), the acceptance limits ∓(MPE − w) (``basic_acceptanceLimitLower``/``Upper``);
* ``lims_repeatabilitySpread`` — the compared quantity of a repeatability test (max − min);
* ``lims_pointLabel`` — the points' names as ``dcc:charsXMLList`` (a list separated by white
  space, so a space inside a name is written ``_``: ``50_%_Max``; readers split on any Unicode
  space, a no-break space included).

Rows whose units cannot share a column (another kind of quantity) or that state other columns
start a new table, so every column is complete and has one unit. Temperatures are written in
°C (``\degreecelsius``) and temperature errors in kelvin, as the document holds them.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from certificates.dcc_xml import (
    CONFORMITY,
    both,
    collapsed,
    el,
    in_unit,
    local,
    number,
    real_list,
    text,
    unit_from_symbol,
    unit_of,
)
from certificates.model import LocalText, Measure, ResultRow, ResultSection, Text
from certificates.units import compatible
from certificates.values import distribution_of

#: What a space inside a point's name is written as in a ``dcc:charsXMLList``.
SPACE = "_"
_SPREAD = re.compile(r"(?:^|·\s*)max − min = (?P<value>[−\-+]?[\d\u2009\u202f ]*\.?\d+)\s*(?P<unit>\S.*?)\s*$")


@dataclass(frozen=True)
class Rule:
    """The decision rule the verdicts came from: its id in the DCC, ILAC G8 clause, guard band factor."""

    ident: str
    clause: str | None
    guard_band: Decimal | None


def spread_of(row: ResultRow) -> Measure | None:
    """A repeatability row's max − min: the row's ``spread``; for a document stored before rows
    had it (never rebuilt, and still re-exported), the measure the document wrote into the English
    label (``max − min = 0.02 kg``)."""
    if row.spread is not None:
        return row.spread
    label = row.label.en if isinstance(row.label, LocalText) else row.label
    match = _SPREAD.search(label or "")
    if match is None:
        return None
    unit = unit_from_symbol(match["unit"], difference=True)  # a spread is a difference
    if unit is None:
        return None
    digits = re.sub(r"[\u2009\u202f ]", "", match["value"]).replace("−", "-")
    return Measure(Decimal(digits), unit)


def point_label(row: ResultRow, lang: str) -> str:
    """The point's name without the spread (written as a column of its own), one list item."""
    label = row.label.get(lang) if isinstance(row.label, LocalText) else (row.label or "")
    label = re.split(r"\s*·?\s*max − min = ", label)[0].strip()
    return re.sub(r"\s+", SPACE, label) or "–"


def _signature(row: ResultRow) -> tuple[Any, ...]:
    return (row.indication is not None, row.error is not None, row.uncertainty is not None, row.mpe is not None,
            row.verdict is not None, spread_of(row) is not None, row.label is not None)


def _fits(first: ResultRow, row: ResultRow) -> bool:
    """True when ``row`` can share every column of the table ``first`` opened."""
    if _signature(first) != _signature(row):
        return False
    pairs = [(first.nominal, row.nominal), (first.reference or first.nominal, row.reference or row.nominal),
             (first.indication, row.indication), (first.error, row.error)]
    return all(a is None or b is None or compatible(a.unit, b.unit) for a, b in pairs)


def tables_of(section: ResultSection) -> list[tuple[ResultRow, ...]]:
    """The section's rows in runs that can share one table (usually the whole section)."""
    runs: list[list[ResultRow]] = []
    for row in section.rows:
        if runs and _fits(runs[-1][0], row):
            runs[-1].append(row)
        else:
            runs.append([row])
    return [tuple(run) for run in runs]


def _column(rows: Sequence[ResultRow], pick: Callable[[ResultRow], Measure], where: str) -> tuple[list[Decimal], str]:
    """The values of one column in the unit of its first row, and that unit."""
    unit = pick(rows[0]).unit
    return [in_unit(pick(r), unit, f"{where}.rows[{i}]") for i, r in enumerate(rows)], unit


def _list_quantity(parent: Any, name: Text, values: Sequence[Decimal], unit: str, ref_type: str, where: str) -> Any:
    quantity = el(parent, "dcc:quantity", refType=ref_type)
    text(quantity, "dcc:name", name)
    real_list(quantity, values, unit_of(unit, where))
    return quantity


def _uncertainty(real: Any, rows: Sequence[ResultRow], unit: str, where: str) -> None:
    """``si:expandedUncXMLList``: U in the column's unit, k, p and, when they agree, the distribution."""
    us = [r.uncertainty for r in rows if r.uncertainty is not None]
    unc = el(real, "si:expandedUncXMLList")
    el(unc, "si:uncertaintyXMLList", " ".join(
        number(in_unit(u.expanded, unit, f"{where}.uncertainty")) for u in us))
    el(unc, "si:coverageFactorXMLList", collapsed([format(u.k, "f") for u in us]))
    el(unc, "si:coverageProbabilityXMLList", collapsed([format(u.coverage_probability, "f") for u in us]))
    kinds = [distribution_of(u.k, u.coverage_probability) for u in us]
    if None not in kinds:
        el(unc, "si:distributionXMLList", collapsed([k for k in kinds if k]))


def _reference(table: Any, rows: Sequence[ResultRow], where: str, standards: str) -> None:
    values, unit = _column(rows, lambda r: r.reference or r.nominal, f"{where}.reference")
    quantity = _list_quantity(table, both("col.nominal"), values, unit, "basic_referenceValue basic_tableIndex0",
                              f"{where}.reference")
    nominals = [in_unit(r.nominal, unit, f"{where}.nominal") if compatible(r.nominal.unit, unit) else None
                for r in rows]
    differs = any(r.reference is not None for r in rows) and nominals != values
    if not (differs or standards):
        return
    meta = el(quantity, "dcc:measurementMetaData")
    if differs:
        nominal_values, nominal_unit = _column(rows, lambda r: r.nominal, f"{where}.nominal")
        calibration = el(meta, "dcc:metaData", refType="basic_calibrationValue")
        text(calibration, "dcc:name", LocalText("Giá trị danh định, điểm đặt", "Nominal value or set point"))
        _list_quantity(el(calibration, "dcc:data"), LocalText("Giá trị danh định", "Nominal value"),
                       nominal_values, nominal_unit, "basic_calibrationValue", f"{where}.nominal")
    if standards:
        used = el(meta, "dcc:metaData", refType="basic_normalUsed", refId=standards)
        text(used, "dcc:name", both("standards"))


def _limits(data: Any, rows: Sequence[ResultRow], unit: str, rule: Rule | None, where: str) -> None:
    """Tolerance limits ∓MPE and, with a guard band w = r·U, the acceptance limits ∓(MPE − w)."""
    mpes = [in_unit(r.mpe, unit, f"{where}.mpe") for r in rows if r.mpe is not None]
    names = {"basic_toleranceLimitLower": LocalText("Giới hạn dưới (−MPE)", "Lower tolerance limit (−MPE)"),
             "basic_toleranceLimitUpper": LocalText("Giới hạn trên (+MPE)", "Upper tolerance limit (+MPE)")}
    for ref_type, sign in (("basic_toleranceLimitLower", -1), ("basic_toleranceLimitUpper", 1)):
        _list_quantity(data, names[ref_type], [sign * m for m in mpes], unit, ref_type, f"{where}.mpe")
    if rule is None or not rule.guard_band or any(r.uncertainty is None for r in rows):
        return
    us = [in_unit(r.uncertainty.expanded, unit, f"{where}.uncertainty") for r in rows if r.uncertainty]
    accept = [m - rule.guard_band * u for m, u in zip(mpes, us, strict=True)]
    for ref_type, sign, name in (
            ("basic_acceptanceLimitLower", -1, LocalText("Giới hạn chấp nhận dưới", "Lower acceptance limit")),
            ("basic_acceptanceLimitUpper", 1, LocalText("Giới hạn chấp nhận trên", "Upper acceptance limit"))):
        _list_quantity(data, name, [sign * a for a in accept], unit, ref_type, f"{where}.acceptance")


def _conformity(quantity: Any, rows: Sequence[ResultRow], unit: str, rule: Rule | None, where: str) -> None:
    """The verdicts as ``basic_conformity`` metaData of the error, with the limits they were judged by."""
    verdicts = [CONFORMITY[r.verdict] for r in rows if r.verdict is not None]
    has_mpe = all(r.mpe is not None for r in rows)
    if not verdicts and not has_mpe:
        return
    meta = el(el(quantity, "dcc:measurementMetaData"), "dcc:metaData", refType="basic_conformity",
              refId=rule.ident if rule and verdicts else "")
    text(meta, "dcc:name", both("col.verdict"))
    if verdicts:
        el(meta, "dcc:conformityXMLList", " ".join(verdicts))
    if has_mpe:
        _limits(el(meta, "dcc:data"), rows, unit, rule, where)


def _measured(table: Any, rows: Sequence[ResultRow], where: str, rule: Rule | None) -> None:
    """Indication and error columns; U goes with the error (else the indication)."""
    if rows[0].indication is not None:
        values, unit = _column(rows, lambda r: r.indication or r.nominal, f"{where}.indication")
        quantity = _list_quantity(table, both("col.indication"), values, unit, "basic_measuredValue",
                                  f"{where}.indication")
        if rows[0].error is None and rows[0].uncertainty is not None:
            _uncertainty(quantity.find("{https://ptb.de/si}realListXMLList"), rows, unit, where)
    if rows[0].error is not None:
        values, unit = _column(rows, lambda r: r.error or r.nominal, f"{where}.error")
        quantity = _list_quantity(table, both("col.error"), values, unit, "basic_measurementError", f"{where}.error")
        if rows[0].uncertainty is not None:
            _uncertainty(quantity.find("{https://ptb.de/si}realListXMLList"), rows, unit, where)
        _conformity(quantity, rows, unit, rule, where)


def _extras(table: Any, rows: Sequence[ResultRow], where: str, lang: str) -> None:
    """The repeatability spread and the points' names, as columns of their own."""
    spreads = [spread_of(r) for r in rows]
    if all(s is not None for s in spreads):
        values, unit = _column(rows, lambda r: spread_of(r) or r.nominal, f"{where}.spread")
        _list_quantity(table, LocalText("Hiệu số lớn nhất − nhỏ nhất", "Largest − smallest result (max − min)"),
                       values, unit, "lims_repeatabilitySpread", f"{where}.spread")
    if rows[0].label is not None:
        labels = el(table, "dcc:quantity", refType="lims_pointLabel")
        text(labels, "dcc:name", LocalText("Điểm đo", "Point"))
        el(labels, "dcc:charsXMLList", " ".join(point_label(r, lang) for r in rows))


def write_table(results: Any, name: Text, rows: Sequence[ResultRow], *, where: str, ident: str,
                ref_type: str, standards: str, rule: Rule | None, lang: str) -> Any:
    """One ``dcc:result`` holding one table of ``rows`` (see the module docstring)."""
    result = el(results, "dcc:result", refType=ref_type, id=ident)
    text(result, "dcc:name", local(name))
    table = el(el(result, "dcc:data"), "dcc:list", refType="basic_1IndexTable")
    text(table, "dcc:name", local(name))
    _reference(table, rows, where, standards)
    _measured(table, rows, where, rule)
    _extras(table, rows, where, lang)
    return result
