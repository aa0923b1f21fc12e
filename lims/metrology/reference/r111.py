"""OIML R111-1:2004 Table 1: maximum permissible errors of weights, as data.

``R111_MPE_MG[nominal in mg][class]`` is the MPE (±, in mg) of a weight of that nominal value
and class, for the classes the lab's sets are: E2, F1, F2, M1. R111-1 5.2 asks that the
expanded uncertainty (k = 2) of a weight's conventional mass be at most ⅓ of its MPE, and 5.3.2
that its conventional mass differ from the nominal by at most the MPE less that uncertainty.
*(check)* The figures were transcribed from Table 1 without the text at hand; a correction is a
change of one row here.
"""
from __future__ import annotations

R111_CLASSES = ("E2", "F1", "F2", "M1")

_ROWS: tuple[tuple[float, tuple[float, float, float, float]], ...] = (
    # nominal (mg)    E2      F1      F2      M1   (MPE in mg)
    (5_000_000_000, (0.0, 25_000, 80_000, 250_000)),
    (2_000_000_000, (0.0, 10_000, 30_000, 100_000)),
    (1_000_000_000, (1_600, 5_000, 16_000, 50_000)),
    (500_000_000, (800, 2_500, 8_000, 25_000)),
    (200_000_000, (300, 1_000, 3_000, 10_000)),
    (100_000_000, (160, 500, 1_600, 5_000)),
    (50_000_000, (80, 250, 800, 2_500)),
    (20_000_000, (30, 100, 300, 1_000)),
    (10_000_000, (16, 50, 160, 500)),
    (5_000_000, (8.0, 25, 80, 250)),
    (2_000_000, (3.0, 10, 30, 100)),
    (1_000_000, (1.6, 5.0, 16, 50)),
    (500_000, (0.8, 2.5, 8.0, 25)),
    (200_000, (0.3, 1.0, 3.0, 10)),
    (100_000, (0.16, 0.5, 1.6, 5.0)),
    (50_000, (0.10, 0.3, 1.0, 3.0)),
    (20_000, (0.08, 0.25, 0.8, 2.5)),
    (10_000, (0.06, 0.20, 0.6, 2.0)),
    (5_000, (0.05, 0.16, 0.5, 1.6)),
    (2_000, (0.04, 0.12, 0.4, 1.2)),
    (1_000, (0.03, 0.10, 0.3, 1.0)),
    (500, (0.025, 0.08, 0.25, 0.8)),
    (200, (0.020, 0.06, 0.20, 0.6)),
    (100, (0.016, 0.05, 0.16, 0.5)),
    (50, (0.012, 0.04, 0.12, 0.4)),
    (20, (0.010, 0.03, 0.10, 0.3)),
    (10, (0.008, 0.025, 0.08, 0.25)),
    (5, (0.006, 0.020, 0.06, 0.20)),
    (2, (0.006, 0.020, 0.06, 0.20)),
    (1, (0.006, 0.020, 0.06, 0.20)),
)

#: MPE in mg by nominal value in mg and class (a class without a value for a nominal is absent).
R111_MPE_MG: dict[float, dict[str, float]] = {
    nominal: {cls: mpe for cls, mpe in zip(R111_CLASSES, row, strict=True) if mpe > 0} for nominal, row in _ROWS
}


def r111_mpe_kg(accuracy_class: str, nominal_kg: float) -> float | None:
    """The MPE (kg) of a weight of ``nominal_kg`` in ``accuracy_class`` (OIML R111-1 Table 1), or None
    when the table has no such weight (not a 1-2-5 nominal value, or not made in that class)."""
    nominal_mg = nominal_kg * 1e6
    for row_nominal, by_class in R111_MPE_MG.items():
        if abs(row_nominal - nominal_mg) <= 1e-9 * row_nominal:
            mpe = by_class.get(accuracy_class)
            return None if mpe is None else mpe * 1e-6
    return None
