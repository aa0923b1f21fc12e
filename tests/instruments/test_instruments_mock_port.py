"""The mock:// pyserial URL handler: URL options, line timing (with an explicit clock), faults."""

from __future__ import annotations

import random

import pytest
import serial

import instruments
from instruments.mock import MockUrlError, build, device_names, parse_url
from instruments.mock.engine import Engine
from instruments.mock.faults import FaultPlan, garble


def test_serial_for_url_opens_a_mock_balance() -> None:
    """pyserial's URL handlers: ``serial_for_url("mock://mt-sics?weight=100.00g")`` gives a working port."""
    port = serial.serial_for_url("mock://mt-sics?weight=100.00g&settle=0", timeout=0.1)
    port.write(b"SI\r\n")
    assert port.read_until(b"\r\n") == b"S S     100.00 g\r\n"  # pyserial's own line reading works too
    port.close()
    assert not port.is_open


def test_every_driver_has_a_simulated_device() -> None:
    """Each registered driver name is also a mock device name."""
    assert set(instruments.driver_names()) <= set(device_names())


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("mock://", "names no device"),
        ("mock://teapot", "no simulated device 'teapot'"),
        ("mock://mt-sics?wieght=1g", "has no option 'wieght'"),
        ("mock://mt-sics?weight=heavy", "option weight='heavy'"),
        ("mock://mt-sics?weight=10lb", "unit 'lb' not simulated"),
        ("mock://hart-152x?fault=overload", "cannot simulate fault overload"),
        ("mock://mt-sics?latency=-1", "must not be negative"),
    ],
)
def test_bad_urls_are_refused_with_the_reason(url: str, words: str) -> None:
    """A bad URL raises pyserial's SerialException (as its own handlers do) saying what is wrong."""
    with pytest.raises(serial.SerialException, match=words):
        serial.serial_for_url(url)
    with pytest.raises(MockUrlError):
        parse_url(url)


def test_url_options_are_parsed_with_units_and_decimals() -> None:
    """``weight=100.00g`` keeps value, unit and the two decimals (display resolution 0.01 g)."""
    cls, params = parse_url("mock://mt-sics?weight=100.00g&noise=0.01&seed=5&fault=garbled,partial&after=3&times=2")
    assert cls.name == "mt-sics"
    assert params["weight"] == (100.0, "g", 2)
    assert (params["noise"], params["seed"], params["after"], params["times"]) == (0.01, 5, 3, 2)
    assert params["fault"] == frozenset({"garbled", "partial"})


def _engine(url: str, baudrate: int = 9600, bits: float = 10) -> Engine:
    engine = build(url)
    engine.configure(baudrate, bits)
    return engine


def test_baud_rate_delay_at_9600_8n1_with_explicit_clock() -> None:
    """Line timing: 8N1 is 10 bits per character; at 9600 baud one character takes
    10 / 9600 s = 1.0417 ms. ``SI`` CR LF (4 characters) reaches the balance after 4.167 ms; its
    18-character answer ``S S     100.00 g`` CR LF is complete 18 x 1.0417 = 18.75 ms later."""
    engine = _engine("mock://mt-sics?weight=100.00g&settle=0&delay=1")
    char = 10 / 9600
    assert engine.char_time == pytest.approx(char)
    engine.receive(b"SI\r\n", now=0.0)
    arrived_command = 4 * char
    engine.advance(arrived_command)
    assert engine.rx == b""
    engine.advance(arrived_command + 9.5 * char)  # nine whole characters have arrived
    assert bytes(engine.rx) == b"S S     1"
    engine.advance(arrived_command + 18 * char + 1e-9)
    assert bytes(engine.rx) == b"S S     100.00 g\r\n"


def test_parity_and_stop_bits_lengthen_each_character() -> None:
    """7E1 is 1 + 7 + 1 + 1 = 10 bits; 8N2 (34401A) is 1 + 8 + 2 = 11 bits: 11 / 9600 s per character."""
    port = serial.serial_for_url("mock://scpi-dmm?delay=1", baudrate=9600, stopbits=2, timeout=0.1)
    assert port.engine is not None
    assert port.engine.char_time == pytest.approx(11 / 9600)
    port.close()


def test_continuous_output_runs_back_to_back_at_the_line_rate() -> None:
    """SIR at 9600 baud with no update interval: lines follow each other with no gap, so in
    1 s of line time the host receives 9600 / 10 / 18 = 53.33 lines (53 whole lines)."""
    engine = _engine("mock://mt-sics?weight=100.00g&settle=0&delay=1")
    engine.receive(b"SIR\r\n", now=0.0)
    start = 5 * 10 / 9600  # the command has arrived
    engine.advance(start + 1.0)
    lines = bytes(engine.rx).count(b"\r\n")
    assert lines == int(9600 / 10 / 18)


def test_update_interval_spaces_continuous_lines() -> None:
    """``interval=0.1``: one line each 0.1 s, however fast the line is: 10 lines in 1 s (at 0, 0.1 ... 0.9)."""
    engine = _engine("mock://mt-sics?weight=100.00g&settle=0&interval=0.1")
    engine.receive(b"SIR\r\n", now=0.0)
    engine.advance(0.95)
    assert bytes(engine.rx).count(b"\r\n") == 10


def test_wrong_baud_rate_on_the_port_garbles_everything() -> None:
    """``baud=2400``: a device fixed at 2400 baud hears noise at 9600 and its output is garbage."""
    engine = _engine("mock://hmt330?baud=2400&mode=run&interval=0.01", baudrate=9600)
    engine.advance(0.05)
    assert any(b > 0x7F for b in engine.rx)
    right = _engine("mock://hmt330?baud=2400&mode=run&interval=0.01", baudrate=2400)
    right.advance(0.05)
    assert bytes(right.rx).startswith(b"RH= 55.2 %RH T= 23.1 'C\r\n")


def test_garble_sets_the_top_bit_of_every_third_byte() -> None:
    """Garbled fault: bytes 1, 4, 7 ... of the line get bit 7 set, the line end survives."""
    assert garble(b"S S 1\r\n", b"\r\n") == b"S\xa0S \xb1\r\n"


def test_fault_plan_after_and_times() -> None:
    """``after=2&times=1``: two good lines, one faulty line, then good again."""
    plan = FaultPlan(kinds=frozenset({"partial"}), after=2, times=1)
    line = b"S S     100.00 g\r\n"
    sent = [plan.transform(line, b"\r\n")[0] for _ in range(4)]
    assert sent == [line, line, b"S S     ", line]


def test_timeout_fault_reads_nothing_within_the_port_timeout() -> None:
    """``fault=timeout``: the device stays silent; pyserial's read returns empty at its timeout."""
    port = serial.serial_for_url("mock://mt-sics?fault=timeout", timeout=0.05)
    port.write(b"SI\r\n")
    assert port.read(18) == b""
    port.close()


def test_disconnect_fault_raises_like_an_unplugged_adapter() -> None:
    """``fault=disconnect``: half a line, then pyserial's own 'device reports readiness...' error."""
    port = serial.serial_for_url("mock://mt-sics?fault=disconnect&settle=0", timeout=0.05)
    port.write(b"SI\r\n")
    assert port.read(100) == b"S S     "  # the first 8 of the 16 characters before CR LF
    with pytest.raises(serial.SerialException, match="device reports readiness to read"):
        port.read(1)
    with pytest.raises(serial.SerialException, match="write failed"):
        port.write(b"SI\r\n")
    port.close()


def test_same_seed_same_noise() -> None:
    """Simulated noise comes from ``random.Random(seed)``: same seed, same bytes."""

    def stream(seed: int) -> bytes:
        engine = _engine(f"mock://mt-sics?weight=100.00g&noise=0.01&settle=0&seed={seed}")
        engine.receive(b"SIR\r\n", now=0.0)
        engine.advance(0.0, 2000)
        return bytes(engine.rx)

    assert stream(3) == stream(3)
    assert stream(3) != stream(4)
    assert random.Random(3).random() == random.Random(3).random()
