"""Sartorius SBI and A&D balances: transcripts in the manuals' formats, then the simulated devices."""

from __future__ import annotations

import pytest
import serial

import instruments  # noqa: F401  (registers the mock:// URL handler)
from instruments.drivers.and_balance import AndBalance
from instruments.drivers.and_balance import parse_line as parse_and
from instruments.drivers.sbi import SartoriusSbi
from instruments.drivers.sbi import parse_line as parse_sbi
from instruments.errors import DeviceError, NotStable, Overload, Underload
from instruments.testing import expected_protocol

# -- Sartorius SBI ----------------------------------------------------------------------------


def test_sbi_16_character_line() -> None:
    """Sartorius SBI output, 16 characters: sign, space, 8-character value, space, 3-character unit, CR LF."""
    line = "+   123.56 g  "
    assert len(line) + 2 == 16  # with CR LF
    reading = parse_sbi(line)
    assert (reading.value, reading.unit, reading.stable, reading.decimals) == (123.56, "g", True, 2)


def test_sbi_22_character_line_with_id() -> None:
    """Sartorius SBI output, 22 characters: a 6-character ID (``N``) before the 16-character line."""
    line = "N     +   123.56 g  "
    assert len(line) + 2 == 22
    assert parse_sbi(line).value == 123.56


def test_sbi_blank_unit_means_unstable_and_minus_sign() -> None:
    """SBI: an unstable reading is printed without its unit; ``-`` is the sign character."""
    reading = parse_sbi("-     4.07    ")
    assert (reading.value, reading.stable) == (-4.07, False)


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("      High    ", Overload),
        ("       Low    ", Underload),
        ("        Err 54", DeviceError),
        ("       Cal    ", DeviceError),
    ],
)
def test_sbi_status_words(line: str, error: type) -> None:
    """SBI status words in place of the value: High, Low, Err, Cal."""
    with pytest.raises(error):
        parse_sbi(line)


def test_sbi_print_command_and_identity_transcript() -> None:
    """SBI: ``ESC P`` prints one line; ``ESC x1_``/``x2_``/``x3_`` answer model, serial number, software."""
    transcript = [
        (b"\x1bP\r\n", b"+   100.00 g  \r\n"),
        (b"\x1bx1_\r\n", b"BCE224I-1S\r\n"),
        (b"\x1bx2_\r\n", b"0037512345\r\n"),
        (b"\x1bx3_\r\n", b"00-20-04.30\r\n"),
        (b"\x1bU\r\n", None),
    ]
    with expected_protocol(SartoriusSbi, transcript) as balance:
        assert balance.read()[0].value == 100.0
        info = balance.identify()
        assert balance.tare() is None  # ESC U: the balance does not report the tare
    assert (info.model, info.serial_number, info.firmware) == ("BCE224I-1S", "0037512345", "00-20-04.30")


def test_sbi_auto_print_mode_listens_only() -> None:
    """SBI auto-print: the balance prints by itself; the driver only listens (mode=auto)."""
    transcript = [(None, b"+    99.00    \r\n+   100.00 g  \r\n")]
    with expected_protocol(SartoriusSbi, transcript, mode="auto") as balance:
        readings = balance.collect(1, until_stable=True, timeout=1.0)
    assert [r.value for r in readings] == [100.0]


def test_sbi_mock_settles_and_22_character_format() -> None:
    """Simulated SBI balance, 22-character lines: G (gross) ID, then unstable lines until stable."""
    port = serial.serial_for_url("mock://sbi?weight=100.00g&format=22", timeout=0.02)
    balance = SartoriusSbi(port)
    balance.initialise()
    seen: list[str] = []
    (reading,) = balance.collect(1, until_stable=True, timeout=2.0, on_reading=lambda r: seen.append(r.raw))
    balance.close()
    assert seen[0] == "G     +   102.00     "[:20]
    assert reading.raw == "G     +   100.00 g  "
    assert len(seen) == 5


def test_sbi_busy_display_gives_not_stable() -> None:
    """SBI ``--`` (balance busy) is not a value: the driver waits, then gives up with NotStable."""
    transcript = [(None, b"    --        \r\n    --        \r\n")]
    with expected_protocol(SartoriusSbi, transcript, answer_timeout=0.05, mode="auto") as balance:
        with pytest.raises(NotStable, match="--"):
            balance.read(timeout=0.05)


# -- A&D -----------------------------------------------------------------------------------------


def test_and_standard_format_line() -> None:
    """A&D standard format: ``ST,+00123.45  g`` is 15 characters plus CR LF; ST stable."""
    line = "ST,+00123.45  g"
    assert len(line) == 15
    reading = parse_and(line)
    assert (reading.value, reading.unit, reading.stable, reading.decimals) == (123.45, "g", True, 2)


def test_and_unstable_and_negative() -> None:
    """A&D: ``US`` header unstable; the sign is part of the 9-character data field."""
    reading = parse_and("US,-00001.20  g")
    assert (reading.value, reading.stable) == (-1.2, False)


@pytest.mark.parametrize(
    ("line", "error", "words"),
    [
        ("OL,+9999999E+19", Overload, "capacity"),
        ("OL,-9999999E+19", Underload, "below"),
        ("EC,E1", DeviceError, "undefined command"),
        ("EC,E2", DeviceError, "not ready"),
        ("QT,+00000012 PC", DeviceError, "counting mode"),
    ],
)
def test_and_overload_and_error_codes(line: str, error: type, words: str) -> None:
    """A&D manual: ``OL`` overload data; ``EC,E1`` undefined command, ``EC,E2`` not ready; ``QT`` counting."""
    with pytest.raises(error, match=words):
        parse_and(line)


def test_and_ack_is_not_a_reading() -> None:
    """A&D with acknowledgements on: ACK (0x06) answers a command and is skipped."""
    assert parse_and("\x06") is None
    transcript = [(b"S\r\n", b"\x06\r\nST,+00100.00  g\r\n"), (b"R\r\n", b"\x06\r\n")]
    with expected_protocol(AndBalance, transcript, ack=True) as balance:
        assert balance.read(stable=True)[0].value == 100.0
        balance.zero()


def test_and_mock_sir_stream_and_identity() -> None:
    """Simulated A&D balance: SIR streams US lines then ST; ``C`` cancels; ?ID and ?SN answer."""
    port = serial.serial_for_url("mock://and?weight=50.000g&ack=yes&serial=T7654321", timeout=0.02)
    balance = AndBalance(port, ack=True)
    balance.initialise()
    readings = balance.collect(2, until_stable=True, timeout=2.0)
    info = balance.identify()
    balance.tare()
    net = balance.read()
    balance.close()
    assert [r.raw for r in readings] == ["ST,+0050.000  g", "ST,+0050.000  g"]
    assert info.serial_number == "T7654321"
    assert net[0].value == 0.0
