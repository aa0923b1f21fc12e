"""SCPI multimeter, Hart 152x thermometer, Vaisala HMT330 and Druck PACE: transcripts in
the manuals' formats, the simulated devices, and the N-in-band stability rule."""

from __future__ import annotations

import pytest
import serial

import instruments  # noqa: F401  (registers the mock:// URL handler)
from instruments.drivers.hart152x import Hart152x, parse_temperature
from instruments.drivers.hmt330 import Hmt330, parse_send
from instruments.drivers.pace import DruckPace, parse_pressure
from instruments.drivers.scpi_dmm import ScpiMultimeter, canonical_function, parse_number
from instruments.errors import DeviceError, InvalidOption, NotStable, Overload
from instruments.testing import expected_protocol

# -- SCPI multimeter ---------------------------------------------------------------------------


def test_scpi_reading_format_34401a() -> None:
    """HP 34401A user's guide, reading format: ``+1.23456789E+00`` = 1.23456789 V, 8 decimals
    (mantissa 8 decimals, exponent 0: resolution 1e-8 V)."""
    reading = parse_number("+1.23456789E+00", "VOLT:DC")
    assert (reading.value, reading.unit, reading.channel, reading.decimals) == (1.23456789, "V", "voltage", 8)
    small = parse_number("-1.23456789E-03", "VOLT:DC")
    assert small.value == pytest.approx(-0.00123456789)
    assert small.decimals == 8 + 3  # shown to 1e-11 V


def test_scpi_overload_reading() -> None:
    """34401A: an overloaded input reads ``+9.90000000E+37``: Overload, never a value."""
    with pytest.raises(Overload, match="over range"):
        parse_number("+9.90000000E+37")


def test_scpi_function_short_forms() -> None:
    """IEEE 488.2 short form: four letters, three if the fourth is a vowel (VOLTage, RESistance, FRESistance)."""
    assert canonical_function("voltage:dc") == "VOLT:DC"
    assert canonical_function("VOLT") == "VOLT:DC"
    assert canonical_function("resistance") == "RES"
    assert canonical_function("FRESistance") == "FRES"
    with pytest.raises(ValueError):
        canonical_function("TEMPerature")


def test_scpi_remote_transcript() -> None:
    """34401A over RS-232: SYST:REM, *CLS, CONF:VOLT:DC, SYST:ERR? until +0,"No error", READ?, *IDN?."""
    transcript = [
        (b"SYST:REM\n", None),
        (b"*CLS\n", None),
        (b"CONF:VOLT:DC\n", None),
        (b"SYST:ERR?\n", b'+0,"No error"\r\n'),
        (b"READ?\n", b"+1.00000120E+01\r\n"),
        (b"*IDN?\n", b"HEWLETT-PACKARD,34401A,0,11-5-2\r\n"),
        (b"MEAS:RES? DEF,DEF\n", b"+1.00012300E+02\r\n"),
    ]
    with expected_protocol(ScpiMultimeter, transcript) as meter:
        meter.initialise()
        (volts,) = meter.read()
        info = meter.identify()
        (ohms,) = meter.measure("RES")
    assert (volts.value, volts.unit) == (10.0000120, "V")
    assert (info.manufacturer, info.model, info.firmware) == ("HEWLETT-PACKARD", "34401A", "11-5-2")
    assert (ohms.value, ohms.unit, ohms.channel) == (100.0123, "ohm", "resistance")


def test_scpi_error_queue_is_reported() -> None:
    """SCPI: after CONF, every queued error is read (until 0) and reported as a DeviceError."""
    transcript = [
        (b"*CLS\n", None),
        (b"CONF:VOLT:DC\n", None),
        (b"SYST:ERR?\n", b'-221,"Settings conflict"\r\n'),
        (b"SYST:ERR?\n", b'+0,"No error"\r\n'),
    ]
    with expected_protocol(ScpiMultimeter, transcript, remote=False) as meter:
        with pytest.raises(DeviceError, match=r"-221 Settings conflict"):
            meter.initialise()


def test_scpi_unknown_function_option() -> None:
    """A driver option naming no SCPI function is refused before anything is sent."""
    with pytest.raises(InvalidOption, match="unknown measurement function"):
        with expected_protocol(ScpiMultimeter, [], function="TEMP"):
            pass


def test_scpi_mock_meter_voltage_and_stability() -> None:
    """Simulated 34401A at 1.000000 V: three equal readings (band 10 ppm) make the third stable."""
    port = serial.serial_for_url("mock://scpi-dmm?voltage=1.000000V", timeout=0.02)
    meter = ScpiMultimeter(port)
    meter.initialise()
    flags = [meter.read()[0].stable for _ in range(3)]
    meter.close()
    assert flags == [False, False, True]


def test_scpi_mock_meter_resistance_function_option() -> None:
    """``function=RES`` configures resistance; the simulated meter answers its resistance option."""
    port = serial.serial_for_url("mock://scpi-dmm?resistance=99.9876ohm", timeout=0.02)
    meter = ScpiMultimeter(port, function="RES")
    meter.initialise()
    readings = meter.collect(1, until_stable=True, timeout=2.0)
    meter.close()
    assert (readings[0].value, readings[0].unit) == (pytest.approx(99.9876), "ohm")


# -- Hart 1521/1522 --------------------------------------------------------------------------------


def test_hart_reading_format() -> None:
    """Hart 1521/1522 user's guide: ``READ?`` answers ``t: 25.587 C``."""
    reading = parse_temperature("t: 25.587 C")
    assert (reading.value, reading.unit, reading.decimals, reading.channel) == (25.587, "degC", 3, "temperature")
    assert parse_temperature("T: 77.500 F").unit == "degF"


def test_hart_transcript_and_no_probe() -> None:
    """Hart: commands end with CR; a reading without a number means no probe (DeviceError)."""
    transcript = [
        (b"READ?\r", b"t: 125.745 C\r\n"),
        (b"*IDN?\r", b"HART,1521,A12345,1.00\r\n"),
        (b"READ?\r", b"t: ------- C\r\n"),
    ]
    with expected_protocol(Hart152x, transcript) as thermometer:
        assert thermometer.read()[0].value == 125.745
        assert thermometer.identify().serial_number == "A12345"
        with pytest.raises(DeviceError, match="probe"):
            thermometer.read()


def test_hart_mock_stable_after_three_readings_within_two_digits() -> None:
    """Stability without a flag: 3 readings within 2 x resolution (2 x 0.001 C = 0.002 C)."""
    port = serial.serial_for_url("mock://hart-152x?temperature=25.587C&settle=2", timeout=0.02)
    thermometer = Hart152x(port)
    thermometer.initialise()
    seen: list[tuple[float, bool]] = []
    (reading,) = thermometer.collect(
        1, until_stable=True, timeout=2.0, on_reading=lambda r: seen.append((r.value, r.stable))
    )
    thermometer.close()
    # settle=2: ring-down of 1 % of the value, 0.01 x 25.587 = 0.25587 C:
    # 25.587 + 0.25587 = 25.84287 -> 25.843; 25.587 - 0.25587 / 2 = 25.459065 -> 25.459; then 25.587
    assert [v for v, _ in seen[:2]] == [pytest.approx(25.843), pytest.approx(25.459)]
    assert [s for _, s in seen] == [False, False, False, False, True]
    assert reading.value == 25.587


# -- Vaisala HMT330 ------------------------------------------------------------------------------


def test_hmt330_send_line_gives_humidity_and_temperature() -> None:
    """HMT330 user's guide, SEND in the default FORM: ``RH= 98.4 %RH T= 31.1 'C``."""
    humidity, temperature = parse_send("RH= 98.4 %RH T= 31.1 'C")
    assert (humidity.value, humidity.unit, humidity.channel) == (98.4, "percent_RH", "humidity")
    assert (temperature.value, temperature.unit, temperature.channel) == (31.1, "degC", "temperature")
    assert humidity.raw == temperature.raw == "RH= 98.4 %RH T= 31.1 'C"


def test_hmt330_stars_mean_no_valid_value() -> None:
    """HMT330: an invalid value is printed as stars; no reading is made of it."""
    with pytest.raises(DeviceError, match="no valid RH"):
        parse_send("RH=  *** %RH T= 23.1 'C")


def test_hmt330_transcript_with_echo() -> None:
    """HMT330: ``S`` stops a running output; with echo on, the echoed ``SEND`` line is skipped."""
    transcript = [
        (b"S\r", b"S\r\n"),
        (b"SEND\r", b"SEND\r\nRH= 55.2 %RH T= 23.1 'C\r\n"),
        (b"VERS\r", b"HMT330 / 5.16\r\n"),
    ]
    with expected_protocol(Hmt330, transcript) as hygrometer:
        hygrometer.initialise()
        humidity, temperature = hygrometer.read()
        info = hygrometer.identify()
    assert (humidity.value, temperature.value) == (55.2, 23.1)
    assert (info.model, info.firmware) == ("HMT330", "5.16")


def test_hmt330_mock_environment_conditions() -> None:
    """Simulated HMT330 in the laboratory: 23.1 C and 55.2 %RH, both stable after 3 readings."""
    port = serial.serial_for_url("mock://hmt330?temperature=23.1&rh=55.2&echo=yes", timeout=0.02)
    hygrometer = Hmt330(port)
    hygrometer.initialise()
    readings = hygrometer.collect(1, until_stable=True, timeout=2.0)
    hygrometer.close()
    assert [(r.channel, r.value, r.unit, r.stable) for r in readings] == [
        ("humidity", 55.2, "percent_RH", True),
        ("temperature", 23.1, "degC", True),
    ]


def test_hmt330_running_output_at_power_up_is_stopped() -> None:
    """A transmitter left in RUN mode streams lines; initialise stops it (``S``) and reads on demand."""
    port = serial.serial_for_url("mock://hmt330?mode=run&interval=0.01", timeout=0.02)
    hygrometer = Hmt330(port)
    hygrometer.initialise()
    humidity, temperature = hygrometer.read()
    hygrometer.close()
    assert (humidity.value, temperature.value) == (55.2, 23.1)


# -- Druck PACE --------------------------------------------------------------------------------------


def test_pace_pressure_reading_and_unit() -> None:
    """Druck PACE SCPI manual: ``:SENS:PRES?`` -> ``:SENS:PRES 1014.25`` in the ``:UNIT:PRES?`` unit."""
    transcript = [
        (b":UNIT:PRES?\n", b":UNIT:PRES MBAR\r\n"),
        (b":SENS:PRES?\n", b":SENS:PRES 1014.25\r\n"),
        (b":SYST:ERR?\n", b'0,"No error"\r\n'),
    ]
    with expected_protocol(DruckPace, transcript) as controller:
        controller.initialise()
        (reading,) = controller.read()
        controller.check_errors()
    assert (reading.value, reading.unit, reading.channel) == (1014.25, "mbar", "pressure")
    assert parse_pressure("2.000123", "bar").unit == "bar"


def test_pace_mock_in_kilopascal() -> None:
    """Simulated PACE at 101.325 kPa: the driver reads the unit first, then the pressure."""
    port = serial.serial_for_url("mock://pace?pressure=101.325kPa", timeout=0.02)
    controller = DruckPace(port)
    controller.initialise()
    (reading,) = controller.collect(1, until_stable=True, timeout=2.0)
    controller.close()
    assert (reading.value, reading.unit) == (101.325, "kPa")
    assert reading.quantity.to("Pa").magnitude == pytest.approx(101325.0)


def test_meter_that_never_settles_gives_not_stable() -> None:
    """N-in-band rule with a device swinging by >= 10 digits per reading: NotStable, no value."""
    port = serial.serial_for_url("mock://hart-152x?fault=unstable", timeout=0.02)
    thermometer = Hart152x(port)
    thermometer.initialise()
    with pytest.raises(NotStable, match="no stable reading after 30 readings"):
        thermometer.collect(1, until_stable=True, timeout=5.0, max_readings=30)
    thermometer.close()
