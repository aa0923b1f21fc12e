"""Software stability check for devices that have no stable flag of their own.

A reading is called stable when the last ``count`` readings all lie within a band
of width ``band`` (max - min <= band). When no band is given, it is twice the
resolution of the readings (the last displayed digit), the rule of thumb in the
serial-protocols notes: "N consecutive readings within a band (e.g. 3 within
2 x resolution)". Devices with their own flag (MT-SICS ``S``/``D``, A&D ``ST``/``US``,
SBI unit present) never use this.
"""

from __future__ import annotations

from collections import deque

from instruments.reading import Reading
from lims.i18n import _


class StabilityDetector:
    """N consecutive readings within a band, per channel.

    ``count`` is N (at least 1); ``band`` is the allowed spread in the readings'
    unit, ``None`` for 2 x resolution (or ``relative`` x |value| when the
    resolution is unknown); ``relative`` adds a band proportional to the value,
    useful for multimeters (``1e-5`` = 10 ppm).
    """

    def __init__(self, count: int = 3, band: float | None = None, relative: float = 0.0) -> None:
        if count < 1:
            raise ValueError(_("stability count must be at least 1, got %(count)s", count=count))
        if band is not None and band < 0:
            raise ValueError(_("stability band must not be negative, got %(band)s", band=band))
        if relative < 0:
            raise ValueError(_("relative stability band must not be negative, got %(relative)s", relative=relative))
        self.count = count
        self.band = band
        self.relative = relative
        self._recent: dict[str, deque[float]] = {}
        self._units: dict[str, str] = {}

    def reset(self) -> None:
        """Forget all earlier readings (after a zero, a tare or a range change)."""
        self._recent.clear()
        self._units.clear()

    def band_for(self, reading: Reading) -> float:
        """The band applied to this reading, in its unit."""
        if self.band is not None:
            base = self.band
        elif reading.resolution is not None:
            base = 2.0 * reading.resolution
        else:
            base = 0.0
        return base + self.relative * abs(reading.value)

    def check(self, reading: Reading) -> Reading:
        """Record the reading and return it with ``stable`` set by the N-in-band rule."""
        recent = self._recent.get(reading.channel)
        if recent is None or self._units.get(reading.channel) != reading.unit:
            recent = self._recent[reading.channel] = deque(maxlen=self.count)
            self._units[reading.channel] = reading.unit
        recent.append(reading.value)
        # a little slack for binary rounding: 100.02 - 100.00 is 0.0199999... or 0.0200000...1
        slack = 1e-9 * max(1.0, abs(reading.value))
        stable = len(recent) == self.count and (max(recent) - min(recent)) <= self.band_for(reading) + slack
        return reading.with_stable(stable)
