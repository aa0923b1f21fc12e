"""A weighing cell shared by the simulated balances: settling, noise, zero, tare.

After a load change the display shows ``settle`` dynamic readings that overshoot
and ring down (+2 %, -1 %, +0.5 % ... of the load, at least 20 digits), then the
load itself, stable, with optional Gaussian ``noise`` (standard deviation in the
weighing unit) rounded to the display's last digit. With the ``unstable`` fault it
wanders by several digits for ever; ``overload``/``underload`` faults put it over
or under range.
"""

from __future__ import annotations

import random

from instruments.mock.faults import FaultPlan
from lims.i18n import _

#: conversion of the simulated mass units to grams
GRAMS = {"mg": 0.001, "g": 1.0, "kg": 1000.0}


class WeighingCell:
    """The mechanics behind a simulated balance's display, in one unit."""

    def __init__(
        self,
        load: float,
        *,
        decimals: int,
        capacity: float,
        settle: int,
        noise: float,
        rng: random.Random,
        faults: FaultPlan,
    ) -> None:
        self.gross = load
        self.decimals = decimals
        self.digit = 10.0**-decimals
        self.capacity = capacity
        self.settle = settle
        self.noise = noise
        self.rng = rng
        self.faults = faults
        self.zero_offset = 0.0
        self.tare_weight = 0.0
        self._dynamic_left = settle

    @property
    def net(self) -> float:
        """Load minus zero offset and tare."""
        return self.gross - self.zero_offset - self.tare_weight

    def over(self) -> bool:
        """Above capacity (plus 9 digits, as balances allow)."""
        return self.faults.active("overload") or self.gross - self.zero_offset > self.capacity + 9 * self.digit

    def under(self) -> bool:
        """Below the zero range (pan removed)."""
        return self.faults.active("underload") or self.gross - self.zero_offset < -0.02 * self.capacity

    def remaining_dynamic(self) -> int:
        """Dynamic readings still to come before the display is stable."""
        return self._dynamic_left

    def update(self) -> tuple[float, bool]:
        """One display update: (displayed net weight, stable)."""
        amplitude = max(0.02 * abs(self.gross), 20 * self.digit)
        if self.faults.active("unstable"):
            value = self.net + amplitude * self.rng.uniform(-1.0, 1.0)
            return self._shown(value), False
        if self._dynamic_left > 0:
            step = self.settle - self._dynamic_left
            self._dynamic_left -= 1
            return self._shown(self.net + amplitude * (-0.5) ** step), False
        value = self.net + (self.rng.gauss(0.0, self.noise) if self.noise else 0.0)
        return self._shown(value), True

    def settle_now(self) -> int:
        """Skip the dynamic readings (a 'send when stable' command); returns how many."""
        left = self._dynamic_left
        self._dynamic_left = 0
        return left

    def zero(self) -> bool:
        """Zero if within +-2 % of capacity of the power-up zero; False if out of range."""
        if abs(self.gross) > 0.02 * self.capacity:
            return False
        self.zero_offset = self.gross
        self.tare_weight = 0.0
        return True

    def tare(self) -> bool:
        """Tare the load on the pan; False if it is out of the tare range."""
        weight = self.gross - self.zero_offset
        if weight < 0 or weight > self.capacity:
            return False
        self.tare_weight = weight
        return True

    def _shown(self, value: float) -> float:
        return round(value, self.decimals) + 0.0  # + 0.0 turns -0.0 into 0.0


def capacity_in(unit: str, capacity_value: float, capacity_unit: str) -> float:
    """Express a capacity given in ``capacity_unit`` in the weighing ``unit``."""
    if capacity_unit == unit:
        return capacity_value
    if unit in GRAMS and capacity_unit in GRAMS:
        return capacity_value * GRAMS[capacity_unit] / GRAMS[unit]
    raise ValueError(_("capacity unit %(capacity_unit)s does not match weight unit %(unit)s",
                       capacity_unit=repr(capacity_unit), unit=repr(unit)))
