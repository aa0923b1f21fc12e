"""What the simulated balances share: the load options and a weighing cell built from them."""
from __future__ import annotations

import random
from typing import Any

from instruments.mock.device import SimulatedDevice
from instruments.mock.faults import FaultPlan
from instruments.mock.options import Option, measured, non_negative
from instruments.mock.weighing import WeighingCell, capacity_in

MASS = ("mg", "g", "kg")


def weighing_options(capacity: str = "220g") -> dict[str, Option]:
    """``weight``, ``capacity``, ``settle`` and ``noise``, as every simulated balance takes them."""
    return {
        "weight": Option(measured("g", MASS), measured("g", MASS)("100.00g"), "load on the pan, e.g. 100.00g"),
        "capacity": Option(measured("g", MASS), measured("g", MASS)(capacity), "maximum capacity"),
        "settle": Option(non_negative(int), 4, "dynamic readings before the weight is stable"),
        "noise": Option(non_negative(float), 0.0, "standard deviation of the stable reading, weight unit"),
    }


class SimulatedBalance(SimulatedDevice):
    """A balance: ``self.cell`` settles on the load after ``settle`` readings, in the load's unit."""

    def __init__(self, params: dict[str, Any], rng: random.Random, faults: FaultPlan) -> None:
        super().__init__(params, rng, faults)
        weight, capacity = params["weight"], params["capacity"]
        self.unit = weight.unit
        self.decimals = weight.decimals
        self.cell = WeighingCell(
            weight.value,
            decimals=weight.decimals,
            capacity=capacity_in(weight.unit, capacity.value, capacity.unit),
            settle=params["settle"],
            noise=params["noise"],
            rng=rng,
            faults=faults,
        )
