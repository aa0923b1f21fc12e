"""Mettler Toledo MT-SICS level 0/1 driver: transcripts from the reference manual, then
the simulated balance on the mock:// port."""

from __future__ import annotations

import pytest
import serial

import instruments  # noqa: F401  (registers the mock:// URL handler)
from instruments.drivers.mt_sics import MtSicsBalance, parse_weight
from instruments.errors import (
    DeviceError,
    DeviceTimeout,
    GarbledResponse,
    NotStable,
    OutOfRange,
    Overload,
    Underload,
)
from instruments.testing import expected_protocol


def test_stable_weight_s_command_mt_sics_manual() -> None:
    """MT-SICS reference manual, command S: ``S`` -> ``S S     100.00 g`` (stable, 10-character field)."""
    with expected_protocol(MtSicsBalance, [(b"S\r\n", b"S S     100.00 g\r\n")]) as balance:
        (reading,) = balance.read(stable=True)
    assert reading.value == 100.00
    assert reading.unit == "g"
    assert reading.stable is True
    assert reading.raw == "S S     100.00 g"
    assert reading.decimals == 2  # "100.00": two decimals, resolution 0.01 g
    assert reading.resolution == pytest.approx(0.01)


def test_immediate_weight_si_dynamic_mt_sics_manual() -> None:
    """MT-SICS reference manual, command SI: the reply ID is ``S``; ``S D     129.07 g`` is dynamic."""
    with expected_protocol(MtSicsBalance, [(b"SI\r\n", b"S D     129.07 g\r\n")]) as balance:
        (reading,) = balance.read()
    assert (reading.value, reading.unit, reading.stable) == (129.07, "g", False)


def test_negative_weight_sign_inside_the_field() -> None:
    """MT-SICS weight field: 10 characters right aligned, sign inside: ``S S    -100.00 g`` is -100.00 g."""
    reading = parse_weight("S S    -100.00 g")
    assert reading.value == -100.00
    assert len("S S    -100.00 g"[4:14]) == 10  # the field itself, as the manual lays it out


def test_kilogram_and_carat_units_map_to_pint_strings() -> None:
    """MT-SICS unit field: ``kg`` stays ``kg``; ``ct`` (metric carat) becomes pint's ``carat``."""
    assert parse_weight("S S      6.2001 kg").unit == "kg"
    assert parse_weight("S S      6.2001 kg").decimals == 4
    assert parse_weight("S S     12.345 ct").unit == "carat"


def test_non_mass_unit_is_refused() -> None:
    """A balance in piece-counting mode shows ``PCS``: not a mass, so no reading is made of it."""
    with pytest.raises(DeviceError, match="not a mass unit"):
        parse_weight("S S         12 PCS")


@pytest.mark.parametrize(
    ("answer", "command", "error", "words"),
    [
        ("S I", "S", NotStable, "no stable weight"),
        ("S I", "SI", DeviceError, "busy"),
        ("S +", "S", Overload, "above the balance's capacity"),
        ("S -", "S", Underload, "below the balance's range"),
        ("ES", "S", DeviceError, "syntax error"),
        ("ET", "S", DeviceError, "transmission error"),
        ("EL", "S", DeviceError, "logical error"),
        ("S S Error 5e", "S", DeviceError, "weighing cell"),
        ("S X 1,0 g", "S", GarbledResponse, "unexpected answer"),
    ],
)
def test_every_documented_error_answer_maps_to_our_exception(
    answer: str, command: str, error: type, words: str
) -> None:
    """MT-SICS reference manual, status codes and error messages: I, +, -, ES, ET, EL (and cell errors)."""
    with pytest.raises(error, match=words):
        parse_weight(answer, command, port="COM1")


def test_error_answer_through_the_driver_names_the_port() -> None:
    """MT-SICS: ``S +`` answers ``S`` when the load exceeds the capacity."""
    with expected_protocol(MtSicsBalance, [(b"S\r\n", b"S +\r\n")]) as balance:
        with pytest.raises(Overload) as info:
            balance.read(stable=True)
    assert str(info.value).startswith("transcript:mt-sics: ")
    assert info.value.port == "transcript:mt-sics"


def test_connect_resets_and_flushes_then_identifies() -> None:
    """MT-SICS rules: on connect send ``@`` (answer ``I4 A "<serial>"``); I2 type/capacity/unit parsed
    from the right, I4 serial number, I3 software."""
    transcript = [
        (b"@\r\n", b'I4 A "0123456789"\r\n'),
        (b"I2\r\n", b'I2 A "WXS205SDU WXA-Bridge 220.00900 g"\r\n'),
        (b"I4\r\n", b'I4 A "0123456789"\r\n'),
        (b"I3\r\n", b'I3 A "2.20 1.00"\r\n'),
    ]
    with expected_protocol(MtSicsBalance, transcript) as balance:
        balance.initialise()
        info = balance.identify()
    assert info.model == "WXS205SDU WXA-Bridge"
    assert info.capacity == pytest.approx(220.009)
    assert info.unit == "g"
    assert info.serial_number == "0123456789"
    assert info.firmware == "2.20 1.00"


def test_sir_stream_then_reset_discards_the_tail() -> None:
    """MT-SICS SIR: a stream of ``S D``/``S S`` lines until ``@``; lines still in flight are discarded."""
    stream = b"S D     102.00 g\r\nS D      99.00 g\r\nS S     100.00 g\r\n"
    transcript = [
        (b"SIR\r\n", stream),
        (b"@\r\n", b"S S     100.00 g\r\nS S     100.00 g\r\n" + b'I4 A "0123456789"\r\n'),
    ]
    with expected_protocol(MtSicsBalance, transcript) as balance:
        readings = balance.collect(1, until_stable=True, timeout=1.0)
    assert [r.value for r in readings] == [100.00]


def test_zero_and_tare_commands() -> None:
    """MT-SICS Z -> ``Z A``; T -> ``T S      2.486 g`` (tare weight); TAC -> ``TAC A``."""
    transcript = [
        (b"Z\r\n", b"Z A\r\n"),
        (b"T\r\n", b"T S      2.486 g\r\n"),
        (b"TA\r\n", b"TA A      2.486 g\r\n"),
        (b"TAC\r\n", b"TAC A\r\n"),
    ]
    with expected_protocol(MtSicsBalance, transcript) as balance:
        balance.zero()
        tare = balance.tare()
        assert balance.tare_value().value == pytest.approx(2.486)
        balance.clear_tare()
    assert (tare.value, tare.unit, tare.channel) == (2.486, "g", "tare")


@pytest.mark.parametrize(
    ("answer", "error"), [(b"Z I\r\n", DeviceError), (b"Z +\r\n", OutOfRange), (b"Z -\r\n", OutOfRange)]
)
def test_zero_refusals(answer: bytes, error: type) -> None:
    """MT-SICS Z: ``Z I`` busy or unstable; ``Z +``/``Z -`` upper/lower zero limit exceeded."""
    with expected_protocol(MtSicsBalance, [(b"Z\r\n", answer)]) as balance:
        with pytest.raises(error):
            balance.zero()


def test_garbled_answer_is_asked_again_then_accepted() -> None:
    """Reading robustly: a garbled answer is discarded and the command sent again (bounded)."""
    transcript = [(b"SI\r\n", b"S \xd3     1\xb000.00 g\r\n"), (b"SI\r\n", b"S S     100.00 g\r\n")]
    with expected_protocol(MtSicsBalance, transcript) as balance:
        assert balance.read()[0].value == 100.0


def test_persistently_garbled_answer_gives_up_after_the_retries() -> None:
    """Three garbled answers in a row (first try + 2 retries): GarbledResponse, no reading."""
    bad = b"S \xd3     1\xb000.00 g\r\n"
    with expected_protocol(MtSicsBalance, [(b"SI\r\n", bad)] * 3) as balance:
        with pytest.raises(GarbledResponse, match="baud rate"):
            balance.read()


def test_no_answer_is_a_timeout_naming_the_command_and_settings() -> None:
    """A silent balance: DeviceTimeout naming the command and the expected 9600 8N1."""
    with expected_protocol(MtSicsBalance, [(b"SI\r\n", None)], answer_timeout=0.05) as balance:
        with pytest.raises(DeviceTimeout, match=r"no answer to 'SI'.*9600 8N1"):
            balance.read()


# -- the simulated balance -------------------------------------------------------------------


def _balance(url: str) -> MtSicsBalance:
    balance = MtSicsBalance(serial.serial_for_url(url, timeout=0.02))
    balance.answer_timeout = balance.link.answer_timeout = 0.3
    balance.initialise()
    return balance


def test_mock_balance_settles_after_a_few_dynamic_readings() -> None:
    """Simulated WXS205: after a load, ``settle`` dynamic readings ringing down
    (+2 %, -1 %, +0.5 %, -0.25 % of 100 g = 102.00, 99.00, 100.50, 99.75 g), then 100.00 g stable."""
    balance = _balance("mock://mt-sics?weight=100.00g&settle=4")
    seen: list[tuple[float, bool]] = []
    readings = balance.collect(1, until_stable=True, timeout=2.0, on_reading=lambda r: seen.append((r.value, r.stable)))
    balance.close()
    assert seen == [(102.00, False), (99.00, False), (100.50, False), (99.75, False), (100.00, True)]
    assert [r.raw for r in readings] == ["S S     100.00 g"]


def test_mock_balance_noise_is_deterministic_for_a_seed() -> None:
    """Same seed, same readings; noise shows in the last digit only (0.003 g standard deviation)."""

    def values(seed: int) -> list[float]:
        balance = _balance(f"mock://mt-sics?weight=100.00g&settle=0&noise=0.003&seed={seed}")
        out = [r.value for r in balance.collect(20, until_stable=True, timeout=2.0)]
        balance.close()
        return out

    first, again, other = values(7), values(7), values(8)
    assert first == again
    assert first != other
    assert all(abs(v - 100.0) <= 0.02 for v in first)  # within ~6 standard deviations, rounded to 0.01 g


def test_mock_balance_stable_command_and_identity() -> None:
    """S waits for stability; I2 answers the configured type, capacity and unit."""
    balance = _balance("mock://mt-sics?weight=52.1234g&capacity=220g&serial=B123456789")
    (reading,) = balance.read(stable=True)
    info = balance.identify()
    balance.close()
    assert (reading.value, reading.stable, reading.decimals) == (52.1234, True, 4)
    assert info.serial_number == "B123456789"
    assert info.capacity == 220.0


def test_mock_balance_kilograms() -> None:
    """A 6.2 kg load on a 32 kg balance: ``S S      6.200 kg``."""
    balance = _balance("mock://mt-sics?weight=6.200kg&capacity=32kg&settle=0")
    (reading,) = balance.read()
    balance.close()
    assert reading.raw == "S S      6.200 kg"
    assert reading.quantity.to("g").magnitude == pytest.approx(6200.0)


def test_mock_balance_zero_and_tare() -> None:
    """Zero within +-2 % of capacity (220 g: 4.4 g), then tare 2.486 g, then the net weight is 0."""
    balance = _balance("mock://mt-sics?weight=2.486g&settle=0")
    tare = balance.tare()
    net = balance.read()[0]
    balance.close()
    assert tare.value == pytest.approx(2.486)
    assert net.value == 0.0
    heavy = _balance("mock://mt-sics?weight=100.00g&settle=0")
    with pytest.raises(OutOfRange, match="zero range"):
        heavy.zero()  # 100 g is far outside the 4.4 g zero range
    heavy.close()


def test_mock_balance_over_capacity_answers_s_plus() -> None:
    """A load above capacity (230 g on 220 g): ``S +``, raised as Overload."""
    balance = _balance("mock://mt-sics?weight=230.00g")
    with pytest.raises(Overload):
        balance.read()
    balance.close()
