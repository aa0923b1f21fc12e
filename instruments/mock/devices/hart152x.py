"""Simulated Fluke/Hart 1521/1522 thermometer readout.

Commands end with CR or LF, any case; answers end with CR LF. ``READ?``, ``FETC?``,
``FETCH?``, ``MEAS?`` and ``T`` answer ``t: 25.587 C``; ``*IDN?`` answers
``HART,1521,<serial>,1.00``. Options: ``temperature`` (e.g. ``25.587C``; ``F`` or
``K`` change the unit shown), ``noise``, ``settle``, ``serial``, ``model``.
Device faults: ``unstable``, ``error`` (no probe: ``t: ------- C``).
"""

from __future__ import annotations

import random
from typing import Any

from instruments.mock import register_device
from instruments.mock.device import Reply, SimulatedDevice
from instruments.mock.faults import FaultPlan
from instruments.mock.options import Option, measured, non_negative, text
from instruments.mock.signal import Signal

_READ_COMMANDS = {"READ?", "FETC?", "FETCH?", "MEAS?", "MEASURE?", "T"}


@register_device
class Hart152xDevice(SimulatedDevice):
    """A Hart 1521 thermometer with a PRT probe."""

    name = "hart-152x"
    title = "Fluke/Hart 1521/1522 thermometer readout"
    command_ends = b"\r\n"
    options = {
        "temperature": Option(measured("C", ("C", "F", "K")), measured("C")("25.000C"), "temperature at the probe"),
        "noise": Option(non_negative(float), 0.0, "standard deviation of readings"),
        "settle": Option(non_negative(int), 0, "readings before the value settles"),
        "serial": Option(text, "A12345", "serial number in *IDN?"),
        "model": Option(text, "1521", "model in *IDN?"),
    }
    device_faults = frozenset({"unstable", "error"})

    def __init__(self, params: dict[str, Any], rng: random.Random, faults: FaultPlan) -> None:
        super().__init__(params, rng, faults)
        t = params["temperature"]
        self.unit = t.unit
        self.decimals = max(t.decimals, 3)
        self.signal = Signal(
            t.value, decimals=self.decimals, settle=params["settle"], noise=params["noise"], rng=rng, faults=faults
        )

    def handle(self, command: str) -> Reply | None:
        upper = command.strip().upper()
        if upper in _READ_COMMANDS:
            if self.faults.active("error"):
                return self.reply(f"t: ------- {self.unit}")
            return self.reply(f"t: {self.signal.shown():.{self.decimals}f} {self.unit}")
        if upper == "*IDN?":
            return self.reply(f"HART,{self.params['model']},{self.params['serial']},1.00")
        return None
