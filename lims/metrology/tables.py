"""Tables of the regulations, kept as data so that a correction is a one-line change.

OIML R76-1:2006 (non-automatic weighing instruments), as compiled in the project's
metrology rules:

* 3.5.1 MPE at initial verification by load m in verification scale intervals e;
* 3.5.2 MPE in service = 2 × the MPE at initial verification;
* Table 3: verification scale interval e, number of intervals n = Max/e and minimum
  capacity Min per accuracy class.
"""
from __future__ import annotations

import math

__all__ = ["R76_CLASSES", "R76_MPE_BANDS", "R76_IN_SERVICE_FACTOR", "R76_INSTRUMENT_LIMITS"]

R76_CLASSES = ("I", "II", "III", "IIII")

#: class -> ((upper load limit in e, inclusive; MPE in e at initial verification), ...)
R76_MPE_BANDS: dict[str, tuple[tuple[float, float], ...]] = {
    "I": ((50_000, 0.5), (200_000, 1.0), (math.inf, 1.5)),
    "II": ((5_000, 0.5), (20_000, 1.0), (100_000, 1.5)),
    "III": ((500, 0.5), (2_000, 1.0), (10_000, 1.5)),
    "IIII": ((50, 0.5), (200, 1.0), (1_000, 1.5)),
}

#: OIML R76-1 3.5.2: the MPE in service is twice the MPE at initial verification.
R76_IN_SERVICE_FACTOR = 2.0

#: class -> ((e from, e to, in g; n min; n max; Min in e), ...)  (OIML R76-1 Table 3)
R76_INSTRUMENT_LIMITS: dict[str, tuple[tuple[float, float, float, float, float], ...]] = {
    "I": ((0.001, math.inf, 50_000, math.inf, 100),),
    "II": ((0.001, 0.05, 100, 100_000, 20), (0.1, math.inf, 5_000, 100_000, 50)),
    "III": ((0.1, 2.0, 100, 10_000, 20), (5.0, math.inf, 500, 10_000, 20)),
    "IIII": ((5.0, math.inf, 100, 1_000, 10),),
}
