"""capture(): every injected fault gives its clear error, the port is always closed, and a
caller gets all the readings or none (nothing half-read reaches a record)."""

from __future__ import annotations

from typing import Any

import pytest
import serial

import instruments.capture as capture_module
from instruments.capture import capture
from instruments.errors import (
    DeviceError,
    DeviceTimeout,
    Disconnected,
    GarbledResponse,
    IncompleteLine,
    InstrumentError,
    NotStable,
    Overload,
    PortError,
    Underload,
    UnknownDriver,
    WrongDevice,
)
from instruments.reading import Reading


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[serial.SerialBase]:
    """Every port capture() opens, to check it was closed again."""
    ports: list[serial.SerialBase] = []
    real = capture_module.open_port

    def spy(port: str, settings: Any) -> serial.SerialBase:
        handle = real(port, settings)
        ports.append(handle)
        return handle

    monkeypatch.setattr(capture_module, "open_port", spy)
    return ports


FAULTS: list[tuple[str, str, type[InstrumentError]]] = [
    (driver, fault, error)
    for driver in ("mt-sics", "sbi", "and", "scpi-dmm", "hart-152x", "hmt330", "pace")
    for fault, error in (
        ("timeout", DeviceTimeout),
        ("garbled", GarbledResponse),
        ("partial", GarbledResponse),
        ("disconnect", Disconnected),
        ("unstable", NotStable),
    )
] + [
    ("mt-sics", "overload", Overload),
    ("mt-sics", "underload", Underload),
    ("mt-sics", "es", DeviceError),
    ("mt-sics", "et", DeviceError),
    ("mt-sics", "el", DeviceError),
    ("sbi", "overload", Overload),
    ("sbi", "underload", Underload),
    ("sbi", "error", DeviceError),
    ("and", "overload", Overload),
    ("and", "underload", Underload),
    ("and", "error", DeviceError),
    ("scpi-dmm", "overload", Overload),
    ("scpi-dmm", "error", DeviceError),
    ("hart-152x", "error", DeviceError),
    ("hmt330", "error", DeviceError),
    ("pace", "error", DeviceError),
]


@pytest.mark.parametrize(("driver", "fault", "error"), FAULTS, ids=[f"{d}-{f}" for d, f, _ in FAULTS])
def test_each_injected_fault_gives_its_clear_error_and_closes_the_port(
    driver: str, fault: str, error: type[InstrumentError], opened: list[serial.SerialBase]
) -> None:
    """Issue 4, faults: no answer, garbled bytes, partial lines, never settling, overload,
    disconnect, device errors; each raises our own error naming the port, and the port is closed."""
    url = f"mock://{driver}?fault={fault}"
    seen: list[Reading] = []
    with pytest.raises(error) as info:
        capture(url, driver, timeout=0.2, until_stable=True, on_reading=seen.append)
    assert str(info.value).startswith(f"{url}: ")
    assert info.value.cause
    assert len(opened) == 1 and not opened[0].is_open
    if fault in {"timeout", "garbled", "partial", "disconnect"}:
        assert seen == []  # no line was readable, so no reading was ever shown


def test_a_partial_line_once_is_read_again() -> None:
    """Reading robustly: one partial line is discarded, the command sent again, the answer used."""
    readings = capture(
        "mock://hart-152x?temperature=25.587C&fault=partial&times=1", "hart-152x", until_stable=False, timeout=0.3
    )
    assert readings[0].value == 25.587


def test_a_partial_line_that_never_ends_is_an_incomplete_line() -> None:
    """A line whose end never comes: IncompleteLine (a GarbledResponse) quoting what did arrive."""
    with pytest.raises(IncompleteLine, match=r"incomplete line b't: 25'"):
        capture("mock://hart-152x?temperature=25.000C&fault=partial", "hart-152x", timeout=0.1)


def test_disconnect_mid_reading_returns_nothing(opened: list[serial.SerialBase]) -> None:
    """Disconnect after 3 lines while 5 stable readings are wanted: the live display saw the first
    readings, but capture() raises and the record gets none of them."""
    record: list[Reading] = []
    shown: list[Reading] = []
    with pytest.raises(Disconnected, match="middle of a line"):
        record.extend(
            capture(
                "mock://mt-sics?weight=100.00g&settle=0&fault=disconnect&after=3",
                "mt-sics",
                count=5,
                on_reading=shown.append,
            )
        )
    assert record == []
    assert [r.value for r in shown] == [100.0, 100.0]  # lines 2 and 3 (line 1 answered the reset)
    assert not opened[0].is_open


def test_capture_returns_count_stable_readings_and_shows_every_one() -> None:
    """until_stable: the 4 dynamic readings are shown live but only the 3 stable ones are returned."""
    shown: list[Reading] = []
    readings = capture("mock://mt-sics?weight=200.00g", "mt-sics", count=3, on_reading=shown.append)
    assert [r.raw for r in readings] == ["S S     200.00 g"] * 3
    assert [r.stable for r in shown] == [False] * 4 + [True] * 3


def test_capture_immediate_readings_without_waiting() -> None:
    """until_stable=False returns the first readings as they come, stable or not."""
    readings = capture("mock://mt-sics?weight=200.00g", "mt-sics", count=2, until_stable=False)
    assert [r.stable for r in readings] == [False, False]


def test_capture_two_channel_hygrometer() -> None:
    """A thermo-hygrometer sample is two readings: humidity then temperature."""
    readings = capture("mock://hmt330?temperature=23.1&rh=55.2", "hmt330")
    assert [(r.channel, r.value, r.unit) for r in readings] == [
        ("humidity", 55.2, "percent_RH"),
        ("temperature", 23.1, "degC"),
    ]


def test_capture_checks_the_serial_number(opened: list[serial.SerialBase]) -> None:
    """MT-SICS rule: check the I4 serial number against the instrument being recorded."""
    readings = capture("mock://mt-sics?serial=B021234567", "mt-sics", expect_serial="B021234567")
    assert readings[0].value == 100.0
    with pytest.raises(WrongDevice, match="'B021234567', not 'B029999999'"):
        capture("mock://mt-sics?serial=B021234567", "mt-sics", expect_serial="B029999999")
    assert all(not p.is_open for p in opened)


def test_capture_driver_options_and_baud_rate() -> None:
    """Driver options (``function=RES``) and a baud rate other than the factory one reach the port."""
    readings = capture(
        "mock://scpi-dmm?resistance=100.0123ohm&baud=19200", "scpi-dmm", baudrate=19200, options={"function": "RES"}
    )
    assert (readings[0].value, readings[0].unit) == (100.0123, "ohm")
    with pytest.raises(GarbledResponse):
        capture("mock://hmt330?baud=4800&mode=run&interval=0.001", "hmt330", baudrate=9600, timeout=0.2)


def test_capture_refuses_unknown_drivers_ports_and_bad_arguments() -> None:
    """Unknown driver, missing port, count < 1: clear errors before anything is read."""
    with pytest.raises(UnknownDriver, match="known drivers: and, hart-152x"):
        capture("mock://mt-sics", "mettler-toledo-xyz")
    with pytest.raises(PortError, match="no such port"):
        capture("/dev/ttyUSB-not-there", "mt-sics")
    with pytest.raises(PortError, match="no simulated device"):
        capture("mock://nothing", "mt-sics")
    with pytest.raises(ValueError, match="count"):
        capture("mock://mt-sics", "mt-sics", count=0)


def test_callback_errors_still_close_the_port(opened: list[serial.SerialBase]) -> None:
    """If the live display fails (browser gone), the error propagates and the port is closed."""

    def broken(reading: Reading) -> None:
        raise RuntimeError("display gone")

    with pytest.raises(RuntimeError, match="display gone"):
        capture("mock://mt-sics", "mt-sics", on_reading=broken)
    assert not opened[0].is_open


def test_open_device_for_zero_and_tare(opened: list[serial.SerialBase]) -> None:
    """open_device(): an initialised driver for commands other than readings; closed on leaving."""
    from instruments.capture import open_device

    with open_device("mock://mt-sics?weight=1.234g&settle=0", "mt-sics") as balance:
        balance.zero()  # 1.234 g is inside the +-2 % zero range of 220 g (4.4 g)
        assert balance.read()[0].value == 0.0
    assert not opened[0].is_open
    with pytest.raises(DeviceTimeout):
        open_device("mock://mt-sics?fault=timeout", "mt-sics", answer_timeout=0.1)
    assert not opened[1].is_open
