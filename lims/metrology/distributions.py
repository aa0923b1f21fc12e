"""Standard uncertainty from the way an input's uncertainty is stated (JCGM 100:2008, 4.2-4.3).

* Type A from repeated readings: mean (4.2.1), experimental standard deviation s (4.2.2),
  standard uncertainty of the mean s/√n with n − 1 degrees of freedom (4.2.3); with a
  pooled standard deviation s_p from earlier work, s_p/√n with the pooled degrees of
  freedom (4.2.4).
* Expanded uncertainty U with coverage factor k: u = U/k (4.3.3).
* Half-width a of a rectangular distribution: u = a/√3 (4.3.7); triangular: a/√6 (4.3.9);
  arcsine (U-shaped): a/√2 (JCGM 101:2008 6.4.6); normal with a stated k: a/k (4.3.4).
"""
from __future__ import annotations

import math
from collections.abc import Sequence

from lims.i18n import N_, _
from lims.metrology.errors import BudgetError

__all__ = ["distribution_name", "DISTRIBUTIONS", "HALF_WIDTH_DIVISORS", "normalise_distribution", "type_a"]

DISTRIBUTIONS = ("normal", "rectangular", "triangular", "arcsine")
HALF_WIDTH_DIVISORS = {
    "rectangular": math.sqrt(3.0),
    "triangular": math.sqrt(6.0),
    "arcsine": math.sqrt(2.0),
}
_ALIASES = {
    "normal": "normal", "gaussian": "normal", "gauss": "normal",
    "rectangular": "rectangular", "uniform": "rectangular",
    "triangular": "triangular",
    "arcsine": "arcsine", "arc-sine": "arcsine", "arc_sine": "arcsine",
    "u-shaped": "arcsine", "u_shaped": "arcsine", "ushaped": "arcsine",
}


def normalise_distribution(name: object, symbol: str) -> str:
    """The canonical name of a distribution (``uniform`` -> ``rectangular`` ...)."""
    key = name.strip().lower() if isinstance(name, str) else None
    if key is None or key not in _ALIASES:
        raise BudgetError(
            _("Input '%(symbol)s': unknown distribution %(name)s (use one of %(known)s; 'U-shaped' means arcsine).",
              symbol=symbol, name=repr(name), known=", ".join(DISTRIBUTIONS)),
            input=symbol, field="distribution",
        )
    return _ALIASES[key]


_NAMES = {"normal": N_("normal"), "rectangular": N_("rectangular"), "triangular": N_("triangular"),
          "arcsine": N_("arcsine (U-shaped)"), "type A": N_("type A (from the readings)")}


def distribution_name(key: str) -> str:
    """A distribution's name as a budget table shows it, in the current language."""
    return _(_NAMES[key]) if key in _NAMES else key


def type_a(values: Sequence[float]) -> tuple[float, float]:
    """Mean and experimental standard deviation of readings (JCGM 100 4.2.1, 4.2.2).

    Two passes over the data (mean first, then squared deviations) keep the standard
    deviation exact for readings that agree to many digits.
    """
    n = len(values)
    mean = math.fsum(values) / n
    if n < 2:
        return mean, 0.0
    variance = math.fsum((v - mean) ** 2 for v in values) / (n - 1)
    return mean, math.sqrt(variance)
