"""A simulated measured value for devices without a stable flag (meters, thermometers).

After power-up (or a change of function) it rings down to the target over
``settle`` readings (+1 %, -0.5 %, ... of the value, at least 20 digits), then stays
at the target with optional Gaussian ``noise`` (standard deviation, in the value's
unit). With the ``unstable`` fault it swings from one side of the value to the
other by at least 10 digits at every reading, so no three readings ever fall
within a band of 2 digits and the device never settles.
"""

from __future__ import annotations

import random

from instruments.mock.faults import FaultPlan


class Signal:
    """One simulated quantity, shown with ``decimals`` decimals."""

    def __init__(
        self,
        target: float,
        *,
        decimals: int,
        settle: int,
        noise: float,
        rng: random.Random,
        faults: FaultPlan,
    ) -> None:
        self.target = target
        self.decimals = decimals
        self.digit = 10.0**-decimals
        self.settle = settle
        self.noise = noise
        self.rng = rng
        self.faults = faults
        self._left = settle
        self._swing = 1.0

    def restart(self) -> None:
        """Start settling again (new function, new range)."""
        self._left = self.settle

    def next(self) -> float:
        """The next value shown (not yet rounded for devices that print more digits)."""
        amplitude = max(0.01 * abs(self.target), 20 * self.digit)
        if self.faults.active("unstable"):
            self._swing = -self._swing
            return self.target + self._swing * amplitude * self.rng.uniform(0.5, 1.0)
        if self._left > 0:
            step = self.settle - self._left
            self._left -= 1
            return self.target + amplitude * (-0.5) ** step
        if self.noise:
            return self.target + self.rng.gauss(0.0, self.noise)
        return self.target

    def shown(self) -> float:
        """The next value rounded to the displayed decimals."""
        return round(self.next(), self.decimals) + 0.0
