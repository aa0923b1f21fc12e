"""A driver over a real pseudo-terminal pair (os.openpty) with the simulated device on the far
end: the code path of a real device file (pyserial's POSIX port, termios, select, os.read)."""

from __future__ import annotations

import pytest
import serial

from instruments.capture import capture
from instruments.drivers.mt_sics import MtSicsBalance
from instruments.errors import DeviceTimeout, Disconnected
from instruments.mock.pty import PtyDevice


def test_mt_sics_balance_on_a_pseudo_terminal() -> None:
    """MT-SICS over a device file: ``@`` reset, identity, SIR until stable, all through /dev/pts/N."""
    with PtyDevice("mock://mt-sics?weight=100.00g&serial=PTY0000001") as device:
        assert device.path.startswith("/dev/")
        port = serial.Serial(device.path, baudrate=9600, timeout=0.02, exclusive=True)
        assert type(port).__module__ == "serial.serialposix"  # the real-port class, not a URL handler
        balance = MtSicsBalance(port)
        balance.initialise()
        assert balance.identify().serial_number == "PTY0000001"
        readings = balance.collect(2, until_stable=True, timeout=3.0)
        balance.close()
    assert [r.raw for r in readings] == ["S S     100.00 g"] * 2


def test_capture_by_device_path_hygrometer() -> None:
    """capture() with a path, as the workflow passes a workstation's configured port."""
    with PtyDevice("mock://hmt330?temperature=22.8&rh=48.9", baudrate=4800) as device:
        readings = capture(device.path, "hmt330", timeout=3.0)
    assert [(r.channel, r.value) for r in readings] == [("humidity", 48.9), ("temperature", 22.8)]


def test_pulled_cable_on_a_pseudo_terminal_is_disconnected() -> None:
    """The far end closes mid-stream (cable pulled): pyserial's error becomes Disconnected."""
    with PtyDevice("mock://mt-sics?weight=100.00g&settle=0&fault=disconnect&after=4") as device:
        with pytest.raises(Disconnected, match=device.path):
            capture(device.path, "mt-sics", count=50, timeout=3.0)


def test_silent_device_on_a_pseudo_terminal_times_out() -> None:
    """No answer on a real device file: DeviceTimeout naming the path."""
    with PtyDevice("mock://mt-sics?fault=timeout") as device:
        with pytest.raises(DeviceTimeout, match="no answer to '@'"):
            capture(device.path, "mt-sics", timeout=0.2)


def test_serve_command_refuses_a_bad_url(capsys: pytest.CaptureFixture[str]) -> None:
    """``python -m instruments.mock`` explains a bad URL or missing argument (exit code 2)."""
    from instruments.mock.__main__ import main

    assert main([]) == 2
    assert "usage: python -m instruments.mock" in capsys.readouterr().err
    assert main(["mock://teapot"]) == 2
    assert "no simulated device 'teapot'" in capsys.readouterr().err
