"""Simulated Vaisala HMT330 humidity and temperature transmitter.

Commands end with CR (LF accepted). ``SEND`` answers ``RH= 55.2 %RH T= 23.1 'C``
(the default ``FORM``); ``R`` starts the continuous output (one line per
``interval`` s), ``S`` stops it; ``VERS`` answers ``HMT330 / 5.16``. Options:
``temperature`` (``23.1``), ``rh`` (``55.2``), ``noise``, ``settle``, ``echo``
(echo commands back, as in a terminal), ``mode`` (``stop`` or ``run`` at power-up),
``version``. Device faults: ``unstable``, ``error`` (RH shown as ``***``).
"""

from __future__ import annotations

import random
from typing import Any

from instruments.mock import register_device
from instruments.mock.device import Reply, SimulatedDevice
from instruments.mock.faults import FaultPlan
from instruments.mock.options import Option, boolean, choice, measured, non_negative, text
from instruments.mock.signal import Signal


@register_device
class Hmt330Device(SimulatedDevice):
    """A Vaisala HMT330 in a calibration laboratory."""

    name = "hmt330"
    title = "Vaisala HMT330 humidity and temperature transmitter"
    command_ends = b"\r\n"
    options = {
        "temperature": Option(measured("C", ("C",)), measured("C")("23.1C"), "air temperature"),
        "rh": Option(measured("%RH", ("%RH", "%")), measured("%RH")("55.2"), "relative humidity"),
        "noise": Option(non_negative(float), 0.0, "standard deviation of readings"),
        "settle": Option(non_negative(int), 0, "readings before the values settle"),
        "echo": Option(boolean, False, "echo each command back"),
        "mode": Option(choice("stop", "run"), "stop", "serial mode at power-up"),
        "version": Option(text, "5.16", "software version in VERS"),
    }
    device_faults = frozenset({"unstable", "error"})

    def __init__(self, params: dict[str, Any], rng: random.Random, faults: FaultPlan) -> None:
        super().__init__(params, rng, faults)
        common = {"settle": params["settle"], "noise": params["noise"], "rng": rng, "faults": faults}
        self.temperature = Signal(params["temperature"].value, decimals=1, **common)
        self.rh = Signal(params["rh"].value, decimals=1, **common)
        self.streaming = params["mode"] == "run"

    def _send_line(self) -> str:
        t = self.temperature.shown()
        if self.faults.active("error"):
            return f"RH=  *** %RH T={t:5.1f} 'C"
        rh = min(100.0, max(0.0, self.rh.shown()))
        return f"RH={rh:5.1f} %RH T={t:5.1f} 'C"

    def handle(self, command: str) -> Reply | None:
        upper = command.strip().upper()
        echo = [self.line(command)] if self.params["echo"] else []
        if upper == "SEND":
            return Reply([*echo, self.line(self._send_line())])
        if upper == "R":
            self.streaming = True
            return Reply(echo) if echo else None
        if upper == "S":
            self.streaming = False
            return Reply(echo) if echo else None
        if upper == "VERS":
            return Reply([*echo, self.line(f"HMT330 / {self.params['version']}")])
        return Reply(echo) if echo else None

    def next_stream_line(self) -> bytes:
        return self.line(self._send_line())
