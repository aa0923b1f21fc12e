"""Readings, the stability rule, the driver registry, and the package's purity."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from instruments import driver_names, get_driver
from instruments.drivers.mt_sics import parse_weight
from instruments.errors import DeviceTimeout, InstrumentError, UnknownDriver
from instruments.reading import Reading
from instruments.stability import StabilityDetector

AT = datetime(2025, 5, 1, 8, 30, tzinfo=UTC)


def test_reading_to_dict_and_text() -> None:
    """The JSON shape of issue 4, and the value shown with the device's decimals."""
    reading = Reading(100.0, "g", True, "S S     100.00 g", AT, "weight", 2)
    assert reading.to_dict() == {
        "value": 100.0,
        "unit": "g",
        "stable": True,
        "raw": "S S     100.00 g",
        "at": "2025-05-01T08:30:00+00:00",
        "channel": "weight",
    }
    assert reading.text() == "100.00 g"


@pytest.mark.parametrize(
    ("value", "unit", "to", "expected"),
    [
        (100.0, "g", "kg", 0.1),
        (2.0, "carat", "g", 0.4),  # metric carat = 200 mg
        (55.2, "percent_RH", "dimensionless", 0.552),
        (1014.25, "mbar", "Pa", 101425.0),
        (10.0, "mV", "V", 0.01),
    ],
)
def test_unit_strings_parse_in_the_program_registry(value: float, unit: str, to: str, expected: float) -> None:
    """Every unit string the drivers emit is a unit of the one pint registry (lims.metrology.units)."""
    reading = Reading(value, unit, True, "", AT)
    assert reading.quantity.to(to).magnitude == pytest.approx(expected)


def test_temperature_reading_is_an_absolute_temperature() -> None:
    """DESIGN conventions: a temperature reading is degC (absolute), 23.1 degC = 296.25 K."""
    reading = Reading(23.1, "degC", True, "", AT, "temperature", 1)
    assert reading.quantity.to("K").magnitude == pytest.approx(296.25)


def test_stability_three_within_two_resolutions() -> None:
    """Serial notes, stability: N consecutive readings within a band (3 within 2 x resolution).
    Resolution 0.01 g -> band 0.02 g: 100.00, 100.02, 100.01 spread 0.02 -> stable; a fourth
    reading 100.03 makes 100.02, 100.01, 100.03: spread 0.02 -> still stable; 100.05 -> spread 0.04 -> not."""
    detector = StabilityDetector(count=3)
    flags = [
        detector.check(Reading(v, "g", False, "", AT, "weight", 2)).stable
        for v in (100.00, 100.02, 100.01, 100.03, 100.05)
    ]
    assert flags == [False, False, True, True, False]


def test_stability_band_and_relative_band() -> None:
    """An explicit band (0.5 g) and a relative band (10 ppm of 10 V = 100 uV)."""
    wide = StabilityDetector(count=2, band=0.5)
    wide.check(Reading(10.0, "g", False, "", AT))
    assert wide.check(Reading(10.4, "g", False, "", AT)).stable
    meter = StabilityDetector(count=2, relative=1e-5)
    meter.check(Reading(10.00000, "V", False, "", AT, "voltage", 5))
    # band = 2 x 1e-5 V (resolution) + 1e-5 x 10.00009 V = 0.00012 V; spread 0.00009 V -> stable
    assert meter.check(Reading(10.00009, "V", False, "", AT, "voltage", 5)).stable
    assert not meter.check(Reading(10.00030, "V", False, "", AT, "voltage", 5)).stable


def test_stability_keeps_channels_apart() -> None:
    """A hygrometer's humidity and temperature are judged separately."""
    detector = StabilityDetector(count=2)
    for _ in range(2):
        humidity = detector.check(Reading(55.2, "percent_RH", False, "", AT, "humidity", 1))
        temperature = detector.check(Reading(23.1, "degC", False, "", AT, "temperature", 1))
    assert humidity.stable and temperature.stable


def test_stability_rejects_nonsense_settings() -> None:
    """count < 1 or a negative band cannot define stability."""
    with pytest.raises(ValueError):
        StabilityDetector(count=0)
    with pytest.raises(ValueError):
        StabilityDetector(band=-0.1)


@given(st.lists(st.integers(min_value=-99_999_99, max_value=99_999_99), min_size=3, max_size=12), st.integers(1, 4))
def test_stability_property_matches_the_definition(digits: list[int], count: int) -> None:
    """Property: stable exactly when the last N values span at most 2 digits (resolution 0.01)."""
    detector = StabilityDetector(count=count)
    for i, d in enumerate(digits):
        flag = detector.check(Reading(d / 100, "g", False, "", AT, "weight", 2)).stable
        window = digits[max(0, i - count + 1) : i + 1]
        assert flag == (len(window) == count and max(window) - min(window) <= 2)


@given(st.integers(min_value=-9_999_999, max_value=99_999_999), st.integers(0, 5))
def test_mt_sics_weight_field_round_trip(units: int, decimals: int) -> None:
    """Property: any weight formatted into the 10-character MT-SICS field parses back exactly."""
    value = units / 10**decimals
    field = f"{value:>10.{decimals}f}"
    if len(field) > 10:
        return
    reading = parse_weight(f"S S {field} g")
    assert reading.value == pytest.approx(value, abs=10**-decimals / 2)
    assert reading.decimals == decimals


def test_registry_names_and_aliases() -> None:
    """Drivers are found by name (and aliases), case-insensitive; unknown names list the known ones."""
    assert driver_names() == ["and", "hart-152x", "hmt330", "mt-sics", "pace", "sbi", "scpi-dmm"]
    assert get_driver("MT-SICS") is get_driver("mettler")
    assert get_driver("a&d").name == "and"
    with pytest.raises(UnknownDriver) as info:
        get_driver("ohaus")
    assert isinstance(info.value, LookupError)


def test_errors_carry_port_and_cause_and_a_builtin_base() -> None:
    """Our errors: ``str`` is "<port>: <cause>"; DeviceTimeout is also a TimeoutError."""
    error = DeviceTimeout("/dev/ttyUSB0", "no answer")
    assert str(error) == "/dev/ttyUSB0: no answer"
    assert isinstance(error, TimeoutError) and isinstance(error, InstrumentError)
    assert (error.port, error.cause) == ("/dev/ttyUSB0", "no answer")


FORBIDDEN = ("flask", "sqlalchemy", "lims.app", "lims.web", "lims.models", "lims.services")


def test_package_is_pure_and_registers_mock_on_import() -> None:
    """DESIGN layers: instruments imports neither Flask nor the database; ``import instruments``
    alone makes ``serial.serial_for_url("mock://...")`` work."""
    code = (
        "import sys, serial, instruments\n"
        "from instruments.capture import capture\n"
        "p = serial.serial_for_url('mock://mt-sics?weight=100.00g&settle=0', timeout=0.5)\n"
        "p.write(b'S\\r\\n'); line = p.read_until(b'\\r\\n'); p.close()\n"
        "r = capture('mock://hmt330', 'hmt330')\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r} or m.startswith({FORBIDDEN!r}))\n"
        "print(line.decode().strip() + '|' + str(len(r)) + '|' + ','.join(bad))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "S S     100.00 g|2|"


def test_every_unit_string_a_driver_can_emit_is_known_to_the_registry() -> None:
    """Units on every number: each unit string in the drivers' tables parses in lims.metrology.units."""
    from instruments.drivers.hart152x import TEMPERATURE_UNITS
    from instruments.drivers.hmt330 import UNITS as HMT_UNITS
    from instruments.drivers.mt_sics import MASS_UNITS
    from instruments.drivers.pace import PRESSURE_UNITS
    from instruments.drivers.scpi_dmm import FUNCTIONS
    from lims.metrology.units import ureg

    units = {
        *MASS_UNITS.values(),
        *PRESSURE_UNITS.values(),
        *TEMPERATURE_UNITS.values(),
        *HMT_UNITS.values(),
        *(unit for unit, _channel in FUNCTIONS.values()),
    }
    for unit in sorted(units):
        assert ureg.Quantity(1.0, unit).magnitude == 1.0, unit
