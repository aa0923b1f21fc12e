"""Simulated Druck PACE pressure controller (SCPI over RS-232).

Commands end with LF; answers end with CR LF. ``:SENS:PRES?`` answers
``:SENS:PRES 1014.25``; ``:UNIT:PRES?`` answers ``:UNIT:PRES MBAR``;
``:SYST:ERR?`` answers ``0,"No error"`` or the oldest queued error; ``*IDN?``
answers the ``idn`` option. Options: ``pressure`` (``1014.25mbar``; units mbar,
bar, Pa, hPa, kPa, MPa, psi), ``noise``, ``settle``, ``idn``. Device faults:
``unstable``, ``error`` (reading commands queue ``-113,"Undefined header"`` and get
no answer).
"""

from __future__ import annotations

import random
from typing import Any

from instruments.mock import register_device
from instruments.mock.device import Reply, SimulatedDevice
from instruments.mock.faults import FaultPlan
from instruments.mock.options import Option, measured, non_negative, text
from instruments.mock.signal import Signal

_UNITS = ("mbar", "bar", "Pa", "hPa", "kPa", "MPa", "psi")


@register_device
class PaceDevice(SimulatedDevice):
    """A PACE 5000 controlling at a fixed pressure."""

    name = "pace"
    title = "Druck PACE pressure controller"
    command_ends = b"\n\r"
    options = {
        "pressure": Option(measured("mbar", _UNITS), measured("mbar")("1014.25mbar"), "pressure shown"),
        "noise": Option(non_negative(float), 0.0, "standard deviation of readings"),
        "settle": Option(non_negative(int), 0, "readings before the pressure settles"),
        "idn": Option(text, "GE Druck,PACE5000,1234567,02.00.00", "answer to *IDN?"),
    }
    device_faults = frozenset({"unstable", "error"})

    def __init__(self, params: dict[str, Any], rng: random.Random, faults: FaultPlan) -> None:
        super().__init__(params, rng, faults)
        p = params["pressure"]
        self.unit = p.unit
        self.decimals = p.decimals
        self.signal = Signal(
            p.value, decimals=p.decimals, settle=params["settle"], noise=params["noise"], rng=rng, faults=faults
        )
        self.errors: list[str] = []

    def handle(self, command: str) -> Reply | None:
        upper = command.strip().upper()
        if upper == "*IDN?":
            return self.reply(self.params["idn"])
        if upper in {":SYST:ERR?", "SYST:ERR?"}:
            return self.reply(self.errors.pop(0) if self.errors else '0,"No error"')
        if upper in {":UNIT:PRES?", "UNIT:PRES?"}:
            return self.reply(f":UNIT:PRES {self.unit.upper()}")
        if upper in {":SENS:PRES?", "SENS:PRES?"} and not self.faults.active("error"):
            return self.reply(f":SENS:PRES {self.signal.shown():.{self.decimals}f}")
        self.errors.append('-113,"Undefined header"')
        return None
