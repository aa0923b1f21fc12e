"""The measurement core: units, GUM uncertainty budgets, Monte Carlo, MPE and decision rules.

A pure package: plain values in (floats, text, dicts, pint quantities), plain values out;
no Flask, no database. Modules:

* :mod:`lims.metrology.units` — the one pint registry ``ureg``, ``Q_``, ``parse_quantity``,
  ``format_quantity``, ``canonical_unit`` (unit text for storage), the lab's unit table
  ``UNIT_TABLE`` (symbol, D-SI, UN/ECE code) and ``require_reportable``;
* :mod:`lims.metrology.uncertainty` — ``prepare_budget``, ``evaluate_budget``,
  ``evaluate_budget_file`` (JCGM 100 GUM method, JCGM 101 Monte Carlo check);
* :mod:`lims.metrology.mpe` — ``r76_mpe``, ``percent_of_reading``, ``percent_of_span``,
  ``fixed_mpe``; :mod:`lims.metrology.mpe_spec` — ``mpe_from_spec`` (rules as data);
* :mod:`lims.metrology.decision` — ``decide``, ``decide_from_spec`` (ILAC G8:09/2019);
* :mod:`lims.metrology.errors` — ``MetrologyError`` and its subclasses.

Submodules are imported on demand so that ``import lims.metrology`` stays cheap.
"""
from lims.metrology.errors import (
    BudgetError,
    BudgetUnitError,
    DecisionError,
    MetrologyError,
    MPEError,
    UnitError,
)

__all__ = ["MetrologyError", "UnitError", "BudgetError", "BudgetUnitError", "MPEError", "DecisionError"]
