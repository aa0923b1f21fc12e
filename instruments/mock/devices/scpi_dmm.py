"""Simulated SCPI multimeter (HP/Keysight 34401A class) on RS-232.

Commands end with LF (CR is accepted too); several may be joined with ``;``.
Answers end with CR LF: ``*IDN?`` -> ``HEWLETT-PACKARD,34401A,0,11-5-2``; ``READ?``,
``MEAS:VOLT:DC? DEF,DEF`` -> ``+1.00000000E+00``; ``SYST:ERR?`` -> ``+0,"No error"`` or
the oldest queued error; an unknown command queues ``-113,"Undefined header"``.
Options: ``voltage`` (``1.000000V``), ``current``, ``resistance``, ``frequency``,
``noise`` (standard deviation in the function's unit), ``settle``, ``idn``.
Device faults: ``unstable``, ``overload`` (``+9.90000000E+37``), ``error`` (every
configuration or reading command queues ``-221,"Settings conflict"`` and gets no
answer).
"""

from __future__ import annotations

import random
from typing import Any

from instruments.mock import register_device
from instruments.mock.device import Reply, SimulatedDevice
from instruments.mock.faults import FaultPlan
from instruments.mock.options import Option, measured, non_negative, text
from instruments.mock.signal import Signal

_FUNCTIONS = {
    "VOLT": "voltage",
    "VOLT:DC": "voltage",
    "VOLT:AC": "voltage",
    "CURR": "current",
    "CURR:DC": "current",
    "CURR:AC": "current",
    "RES": "resistance",
    "FRES": "resistance",
    "FREQ": "frequency",
    "PER": "frequency",
}


def _short(header: str) -> str:
    """SCPI long form to short form (IEEE 488.2 rule: four letters, three if the
    fourth is a vowel): ``VOLTAGE:DC`` -> ``VOLT:DC``, ``SYSTEM:ERROR?`` -> ``SYST:ERR?``."""
    parts = []
    for word in header.upper().lstrip(":").split(":"):
        query = word.endswith("?")
        stem = word.rstrip("?")
        if len(stem) > 4:
            stem = stem[:3] if stem[3] in "AEIOU" else stem[:4]
        parts.append(stem + ("?" if query else ""))
    return ":".join(parts)


@register_device
class ScpiDmmDevice(SimulatedDevice):
    """A 6½-digit bench multimeter answering SCPI over RS-232."""

    name = "scpi-dmm"
    title = "SCPI multimeter (34401A class)"
    command_ends = b"\n\r"
    options = {
        "voltage": Option(measured("V", ("V", "mV")), measured("V")("1.000000V"), "voltage at the input"),
        "current": Option(measured("A", ("A", "mA")), measured("A")("0.0100000A"), "current through the input"),
        "resistance": Option(measured("ohm", ("ohm",)), measured("ohm")("100.0000ohm"), "resistance at the input"),
        "frequency": Option(measured("Hz", ("Hz",)), measured("Hz")("1000.000Hz"), "frequency at the input"),
        "noise": Option(non_negative(float), 0.0, "standard deviation of readings, function's unit"),
        "settle": Option(non_negative(int), 0, "readings before the value settles"),
        "idn": Option(text, "HEWLETT-PACKARD,34401A,0,11-5-2", "answer to *IDN?"),
    }
    device_faults = frozenset({"unstable", "overload", "error"})

    def __init__(self, params: dict[str, Any], rng: random.Random, faults: FaultPlan) -> None:
        super().__init__(params, rng, faults)
        self.function = "VOLT:DC"
        self.errors: list[str] = []
        self.signals: dict[str, Signal] = {}
        for quantity in ("voltage", "current", "resistance", "frequency"):
            m = params[quantity]
            scale = 0.001 if m.unit in {"mV", "mA"} else 1.0
            self.signals[quantity] = Signal(
                m.value * scale,
                decimals=m.decimals + (3 if scale != 1.0 else 0),
                settle=params["settle"],
                noise=params["noise"],
                rng=rng,
                faults=faults,
            )

    def _reading(self) -> str:
        if self.faults.active("overload"):
            return "+9.90000000E+37"
        value = self.signals[_FUNCTIONS[self.function]].next()
        if self.function == "PER":
            value = 1.0 / value
        return f"{value:+.8E}"

    def handle(self, command: str) -> Reply | None:
        lines: list[str] = []
        for part in command.split(";"):
            part = part.strip()
            if part:
                answer = self._one(part)
                if answer is not None:
                    lines.append(answer)
        return self.reply(*lines) if lines else None

    def _one(self, command: str) -> str | None:
        head, _, _args = command.partition(" ")
        upper = head.upper()
        if upper == "*IDN?":
            return str(self.params["idn"])
        if upper in {"*RST", "*CLS"}:
            if upper == "*CLS":
                self.errors.clear()
            else:
                self.function = "VOLT:DC"
            return None
        short = _short(upper)
        if short in {"SYST:REM", "SYST:LOC", "SYST:RWL"}:
            return None
        if short == "SYST:ERR?":
            return self.errors.pop(0) if self.errors else '+0,"No error"'
        if self.faults.active("error"):
            self.errors.append('-221,"Settings conflict"')
            return None
        if short.startswith("CONF:") or short.startswith("MEAS:"):
            function = short.split(":", 1)[1].rstrip("?")
            if function not in _FUNCTIONS:
                self.errors.append('-113,"Undefined header"')
                return None
            if function != self.function:
                self.function = function if ":" in function or function not in {"VOLT", "CURR"} else function + ":DC"
                self.signals[_FUNCTIONS[self.function]].restart()
            return self._reading() if short.startswith("MEAS:") else None
        if short == "CONF?":
            return f'"{self.function} +1.000000E+01,+3.000000E-06"'
        if short in {"READ?", "FETC?"}:
            return self._reading()
        if short == "INIT":
            return None
        self.errors.append('-113,"Undefined header"')
        return None
