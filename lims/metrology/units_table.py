"""The units the lab may use, each named once in every vocabulary that needs it.

One row per unit: the text the program stores and pint reads (:func:`canonical_unit`), the
symbol printed for people (SI Brochure, 9th ed., 5.4: ``°C``, not ``degC``), the D-SI string of
the Digital Calibration Certificate (written by PTB's ``dsiunits`` package from the pint unit,
see :mod:`lims.metrology.units_dsi`) and the UN/ECE Recommendation 20 common code (for EPCIS
and other trade documents).

An instrument type, an instrument, a reference standard, a procedure and the measurand of an
uncertainty budget may use exactly these units (:func:`lims.metrology.units.require_reportable`),
so whatever is registered can be printed on a certificate and written in its DCC. A unit the
lab needs is one more row here; a test walks every row through pint, the printed symbol,
dsiunits and a DCC that validates.

Rec 20 codes were checked against the Rec 20 code list (revision 17 and later); a row with
``unece_confirmed=False`` has no code of its own there and carries the nearest one, with the
reason in a comment.

This module is plain data (no pint), so the certificates package reads it cheaply.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LabUnit", "UNIT_TABLE", "lab_unit", "LAB_UNITS"]


@dataclass(frozen=True, slots=True)
class LabUnit:
    """One unit the lab may use: ``pint`` (storage text), ``symbol`` (printed), ``unece`` (Rec 20)."""

    pint: str
    symbol: str
    unece: str
    unece_confirmed: bool = True

    @property
    def dsi(self) -> str:
        r"""The D-SI string (``\kilogram``, ``\degreecelsius``), as PTB's dsiunits writes it."""
        # Imported here so that reading the table loads neither pint nor dsiunits.
        from lims.metrology.units_dsi import dsi_unit

        return dsi_unit(self.pint)


UNIT_TABLE: tuple[LabUnit, ...] = (
    # mass
    LabUnit("mg", "mg", "MGM"),
    LabUnit("g", "g", "GRM"),
    LabUnit("kg", "kg", "KGM"),
    LabUnit("t", "t", "TNE"),
    # volume
    LabUnit("mL", "mL", "MLT"),
    LabUnit("L", "L", "LTR"),
    LabUnit("m**3", "m³", "MTQ"),
    # pressure
    LabUnit("Pa", "Pa", "PAL"),
    LabUnit("kPa", "kPa", "KPA"),
    LabUnit("MPa", "MPa", "MPA"),
    LabUnit("bar", "bar", "BAR"),
    LabUnit("mbar", "mbar", "MBR"),
    LabUnit("mmHg", "mmHg", "HN"),  # conventional millimetre of mercury (sphygmomanometers)
    # temperature, and a temperature difference (errors, uncertainties, MPEs)
    LabUnit("degC", "°C", "CEL"),
    LabUnit("K", "K", "KEL"),
    # Rec 20 has no code for a difference of temperature; a difference of 1 °C is 1 K.
    LabUnit("delta_degC", "°C", "KEL", unece_confirmed=False),
    # relative humidity, ratios, pure numbers
    # Rec 20 has no code for relative humidity; it is a percentage.
    LabUnit("percent_RH", "%RH", "P1", unece_confirmed=False),
    LabUnit("percent", "%", "P1"),
    LabUnit("dimensionless", "", "C62"),
    # counted items of a product (traceability: lots counted in packages or pieces)
    LabUnit("piece", "pcs", "H87"),
    # length, speed
    LabUnit("mm", "mm", "MMT"),
    LabUnit("m", "m", "MTR"),
    LabUnit("km", "km", "KMT"),
    LabUnit("m/s", "m/s", "MTS"),
    LabUnit("km/h", "km/h", "KMH"),
    # force
    LabUnit("N", "N", "NEW"),
    LabUnit("kN", "kN", "B47"),
    # electricity
    LabUnit("V", "V", "VLT"),
    LabUnit("mV", "mV", "2Z"),
    LabUnit("A", "A", "AMP"),
    LabUnit("mA", "mA", "4K"),
    LabUnit("ohm", "Ω", "OHM"),
    LabUnit("W", "W", "WTT"),
    LabUnit("kW", "kW", "KWT"),
    LabUnit("J", "J", "JOU"),
    LabUnit("Wh", "Wh", "WHR"),
    LabUnit("kWh", "kWh", "KWH"),
    # time, frequency
    LabUnit("s", "s", "SEC"),
    LabUnit("min", "min", "MIN"),
    LabUnit("h", "h", "HUR"),
    LabUnit("Hz", "Hz", "HTZ"),
    # flow, density, concentration
    LabUnit("m**3/s", "m³/s", "MQS"),
    LabUnit("m**3/h", "m³/h", "MQH"),
    LabUnit("L/min", "L/min", "L2"),
    LabUnit("kg/m**3", "kg/m³", "KMQ"),
    LabUnit("mg/L", "mg/L", "M1"),
    # dose rate
    LabUnit("Sv/h", "Sv/h", "P70"),
    LabUnit("uSv/h", "µSv/h", "P72"),
)

_BY_TEXT: dict[str, LabUnit] = {row.pint: row for row in UNIT_TABLE}


def lab_unit(text: str) -> LabUnit | None:
    """The row whose storage text is exactly ``text`` (``"degC"``), or None.

    Other spellings (``°C``, ``%RH``) are resolved through pint first, see
    :func:`lims.metrology.units.reportable_unit`.
    """
    return _BY_TEXT.get(text)


#: The units a metrology lab uses, as typed by technicians (the table's storage texts, and
#: ``%RH``); each round-trips through :func:`canonical_unit` (a test proves it).
LAB_UNITS: tuple[str, ...] = tuple(row.pint for row in UNIT_TABLE) + ("%RH",)
