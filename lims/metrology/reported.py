"""The numbers of a record's results as people and partner systems read them.

A record keeps its results at full precision (the stored point columns and ``Record.results``),
so that they can be recomputed and compared. Everything that is read — the record pages, the
record API, exports — shows them rounded once, by :mod:`lims.metrology.reporting`:

* the expanded uncertainty U to two significant digits, half away from zero, rounded up where
  ordinary rounding would lower it by more than 5 % (JCGM 100 7.2.6, EA-4/02 M §5);
* the measured values of the same point — indication, error, measured reference value, spread —
  to the decimal place of that rounded U (JCGM 100 7.2.6); without U, to one digit more than the
  instrument's resolution; ``decimals`` says how many places that is, so a reader can print the
  trailing zeros a JSON number drops (0.010 kg is ``0.01`` in JSON, with ``decimals`` 3);
* the coverage factor k to two decimals (JCGM 100 7.2.4 example: k = 2.26);
* nominal values, MPEs, readings and any other number: binary noise removed (12 significant
  digits, the noise of 30.01 − 30 = 0.010000000000001563 lies beyond them); a stated limit such as
  an MPE is never rounded to U's place;
* in a budget table (JCGM 100 7.2.7): u(x_i) and u_i(y) to two significant digits like U, the
  percentages to one decimal, ν to one decimal.

A value of binary noise only (a repeatability error of −4.44e-16 kg) reads as 0 at U's place.
The functions take plain dicts and floats and return new ones; nothing stored is changed.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from lims.metrology.reporting import result_places, round_to_places, round_uncertainty

__all__ = ["MEASURED_KEYS", "UNCERTAINTY_KEYS", "clean", "reported_k", "reported_uncertainty", "point_places",
           "reported_point", "reported_results", "reported_budget_rows"]

#: Measured values of a point, reported to the decimal place of the point's rounded U.
MEASURED_KEYS = ("indication", "error", "reference_value", "reference", "spread", "hysteresis", "change", "added_load")
#: Expanded uncertainties, reported to two significant digits.
UNCERTAINTY_KEYS = ("uncertainty", "expanded_uncertainty")
_SIGNIFICANT = 12


def clean(value: Any) -> Any:
    """``value`` with binary noise removed from every float in it (12 significant digits),
    dicts and lists walked; other values unchanged."""
    if isinstance(value, float):
        if value == 0 or not math.isfinite(value):
            return 0.0 if value == 0 else value
        places = _SIGNIFICANT - 1 - math.floor(math.log10(abs(value)))
        return float(round_to_places(value, places))
    if isinstance(value, Mapping):
        return {key: clean(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(item) for item in value]
    return value


def reported_uncertainty(value: float | None) -> float | None:
    """U as reported: two significant digits (JCGM 100 7.2.6, EA-4/02 M §5)."""
    if value is None:
        return None
    return float(round_uncertainty(abs(value)))


def reported_k(value: float | None) -> float | None:
    """The coverage factor as reported: two decimals (2.0000024439 → 2.0, 2.42880908223 → 2.43)."""
    if value is None:
        return None
    return float(round_to_places(value, 2))


def point_places(uncertainty: float | None, resolution: float | None = None) -> int | None:
    """Decimal places of a point's measured values: those of its rounded U (JCGM 100 7.2.6),
    else one more than the resolution; None when neither is known."""
    return result_places(uncertainty, resolution)


def _number(value: Any) -> float | None:
    """The number of a bare float or of a ``{"value", "unit"}`` quantity."""
    if isinstance(value, Mapping):
        value = value.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _replace(value: Any, number: float | None) -> Any:
    """``value`` (bare or a quantity dict) with its number replaced."""
    if number is None:
        return value
    if isinstance(value, Mapping):
        return {**value, "value": number}
    return number


def _at_places(value: Any, places: int | None) -> Any:
    """``value`` rounded to ``places`` decimals; a number too large for that place (ν_eff of
    1e30 for a budget of type B inputs only) or not finite keeps its digits, without noise."""
    number = _number(value)
    if number is None:
        return clean(value)
    if places is None or not math.isfinite(number) or abs(number) * 10.0**places >= 1e15:
        return _replace(value, clean(number))
    return _replace(value, float(round_to_places(number, places)))


def reported_point(point: Mapping[str, Any], resolution: float | None = None) -> dict[str, Any]:
    """One point (the stored columns or a point of ``Record.results``) as reported.

    Adds ``decimals``: the decimal places of its measured values (None when unknown).
    """
    u = _number(point.get("uncertainty"))
    places = point_places(u, resolution)
    out: dict[str, Any] = {}
    for key, value in point.items():
        if key in MEASURED_KEYS:
            out[key] = _at_places(value, places)
        elif key in UNCERTAINTY_KEYS:
            out[key] = _replace(value, reported_uncertainty(_number(value)))
        elif key == "coverage_factor":
            out[key] = reported_k(_number(value))
        elif key == "dof_effective":
            out[key] = None if value is None else _at_places(value, 1)
        else:
            out[key] = clean(value)
    out["decimals"] = places
    return out


def reported_budget_rows(rows: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The budget table (JCGM 100 7.2.7): u(x_i) and |c_i|·u(x_i) to two significant digits,
    the estimate x_i to the decimal place of its rounded u(x_i) (7.2.6; the mean 0.133333… °C
    of three readings with u = 0.033 °C reads 0.133 °C), the share of u_c² to one decimal,
    ν to one decimal, other numbers without binary noise."""
    out = []
    for row in rows:
        new = {key: clean(value) for key, value in row.items()}
        for key in ("standard_uncertainty", "contribution"):
            if key in row:
                new[key] = _replace(row[key], reported_uncertainty(_number(row[key])))
        u = _number(row.get("standard_uncertainty"))
        if "estimate" in row and u:
            new["estimate"] = _at_places(row["estimate"], point_places(u))
        for key in ("percent", "dof"):
            if row.get(key) is not None:
                new[key] = _at_places(row[key], 1)
        out.append(new)
    return out


def reported_results(results: Mapping[str, Any] | None, resolution: float | None = None) -> dict[str, Any]:
    """``Record.results`` as reported: its points, hysteresis rows and budget table rounded
    (see the module docstring); every other number without binary noise."""
    if not results:
        return {}
    out: dict[str, Any] = clean(dict(results))
    points = [reported_point(p, resolution) for p in results.get("points") or []]
    if "points" in results:
        out["points"] = points
    finest = max((p["decimals"] for p in points if p["decimals"] is not None), default=None)
    if results.get("hysteresis"):
        fallback = finest if finest is not None else point_places(None, resolution)
        out["hysteresis"] = [{**clean(dict(row)), "hysteresis": _at_places(row.get("hysteresis"), fallback)}
                             for row in results["hysteresis"]]
    budget = results.get("budget")
    if isinstance(budget, Mapping) and budget.get("table"):
        out["budget"] = {**clean(dict(budget)), "table": reported_budget_rows(budget["table"])}
    return out
