"""What a driver returns: one reading of one quantity from one device.

Unit strings emitted by the drivers (all parse with pint):

==============  ==============================================================
quantity        unit strings
==============  ==============================================================
mass            ``g``, ``kg``, ``mg``, ``ug``, ``carat``, ``lb``, ``oz``, ``ozt``, ``dwt``, ``grain``
voltage         ``V``
current         ``A``
resistance      ``ohm``
frequency       ``Hz`` (``s`` for a period)
temperature     ``degC``, ``degF``, ``K`` (absolute temperatures, never deltas)
humidity        ``percent_RH`` (relative humidity, 0.01; channel ``humidity``)
pressure        ``mbar``, ``bar``, ``Pa``, ``hPa``, ``kPa``, ``MPa``, ``psi``, ``inHg``, ``mmHg``,
                ``inH2O``, ``mH2O``
==============  ==============================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pint


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC (readings are stamped with it)."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Reading:
    """One value read from a device.

    ``value`` and ``unit`` are the number and its pint unit string; ``stable`` is the
    device's own stability flag, or the result of the driver's stability check for
    devices without one; ``raw`` is the line exactly as received (without the line
    end); ``at`` is when it was received (UTC); ``channel`` says which quantity
    (``weight``, ``voltage``, ``temperature``, ``humidity``, ``pressure``);
    ``decimals`` is the number of decimals the device displayed, when known.
    """

    value: float
    unit: str
    stable: bool
    raw: str
    at: datetime = field(default_factory=utc_now)
    channel: str = "value"
    decimals: int | None = None

    @property
    def resolution(self) -> float | None:
        """The last displayed digit as a number (``0.01`` for ``100.00 g``), if known."""
        return None if self.decimals is None else 10.0**-self.decimals

    @property
    def quantity(self) -> pint.Quantity[float]:
        """The value as a pint quantity of the program's one unit registry."""
        quantity: pint.Quantity[float] = _registry().Quantity(self.value, self.unit)
        return quantity

    def text(self) -> str:
        """The value as the device displayed it, with its unit: ``"100.00 g"``."""
        number = f"{self.value:.{self.decimals}f}" if self.decimals is not None else f"{self.value:g}"
        return f"{number} {self.unit}"

    def with_stable(self, stable: bool) -> Reading:
        """A copy with the stability flag set (used by software stability checks)."""
        return self if stable == self.stable else replace(self, stable=stable)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: value, unit, stable, raw, at (ISO 8601), channel."""
        return {
            "value": self.value,
            "unit": self.unit,
            "stable": self.stable,
            "raw": self.raw,
            "at": self.at.isoformat(),
            "channel": self.channel,
        }


def _registry() -> Any:
    """The program's pint registry, imported lazily to keep this package standalone."""
    try:
        from lims.metrology.units import ureg
    except ImportError:  # the package used on its own, without the LIMS
        import pint

        registry = pint.application_registry  # what pint.get_application_registry() returns
        if "percent_RH" not in registry:
            registry.define("percent_RH = 0.01")
        return registry
    return ureg
