"""``lims read``: JSON lines, human output, and errors as one line on stderr with exit code 1."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from lims.cli import main


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_json_reading_matches_the_issue_example(runner: CliRunner) -> None:
    """Issue 4, ``lims read``: ``--json`` prints
    ``{"value": 100.0, "unit": "g", "stable": true, "raw": "S S     100.00 g", "at": "..."}``."""
    result = runner.invoke(
        main, ["read", "--port", "mock://mt-sics?weight=100.00g", "--driver", "mt-sics", "--stable", "--json"]
    )
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.splitlines()
    obj = json.loads(line)
    assert {k: obj[k] for k in ("value", "unit", "stable", "raw")} == {
        "value": 100.0,
        "unit": "g",
        "stable": True,
        "raw": "S S     100.00 g",
    }
    assert obj["at"].endswith("+00:00")  # ISO 8601 in UTC


def test_count_gives_one_json_object_per_reading(runner: CliRunner) -> None:
    """``--count 3 --stable``: three JSON lines, all stable."""
    result = runner.invoke(
        main, ["read", "-p", "mock://mt-sics?weight=20.000g", "-d", "mt-sics", "-n", "3", "--stable", "--json"]
    )
    assert result.exit_code == 0
    objs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(o["value"], o["stable"]) for o in objs] == [(20.0, True)] * 3


def test_human_output_for_a_hygrometer(runner: CliRunner) -> None:
    """Without ``--json``: one line per reading with channel, value as displayed, unit and state."""
    result = runner.invoke(main, ["read", "-p", "mock://hmt330?temperature=23.1&rh=55.2", "-d", "hmt330", "--stable"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("humidity: 55.2 percent_RH  stable  ")
    assert lines[1].startswith("temperature: 23.1 degC  stable  ")


def test_driver_option_and_baud(runner: CliRunner) -> None:
    """``--option function=RES`` and ``--baud`` reach the driver and the port."""
    result = runner.invoke(
        main,
        [
            "read",
            "-p",
            "mock://scpi-dmm?resistance=99.9990ohm&baud=4800",
            "-d",
            "scpi-dmm",
            "--baud",
            "4800",
            "-o",
            "function=RES",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["unit"] == "ohm"


@pytest.mark.parametrize(
    ("url", "extra", "words"),
    [
        ("mock://mt-sics?fault=timeout", ["--timeout", "0.2"], "no answer to '@'"),
        ("mock://mt-sics?fault=garbled", ["--timeout", "0.2"], "garbled line"),
        ("mock://mt-sics?fault=overload", [], "above the balance's capacity"),
        ("mock://mt-sics?fault=el", [], "EL, logical error"),
        ("mock://mt-sics?fault=unstable", ["--stable", "--timeout", "0.3"], "no stable reading"),
        ("mock://mt-sics?fault=disconnect&after=2", ["--count", "5"], "disconnected"),
        ("/dev/ttyUSB-not-there", [], "no such port"),
    ],
)
def test_errors_end_with_one_line_and_exit_code_1(runner: CliRunner, url: str, extra: list[str], words: str) -> None:
    """Issue 4: a timeout, device error or garbled line ends with a clear message naming the port and
    the cause, exit code 1, no traceback, and no reading printed."""
    result = runner.invoke(main, ["read", "--port", url, "--driver", "mt-sics", "--json", *extra])
    assert result.exit_code == 1
    assert result.stdout == ""
    message = result.stderr.strip()
    assert message.startswith(f"Error: {url}: ")
    assert words in message
    assert "Traceback" not in result.output
    assert len(message.splitlines()) == 1


def test_unknown_driver_is_a_usage_error(runner: CliRunner) -> None:
    """An unknown driver name is a usage error (exit 2) listing the known drivers."""
    result = runner.invoke(main, ["read", "--port", "mock://mt-sics", "--driver", "nope"])
    assert result.exit_code == 2
    assert "known drivers: and, hart-152x, hmt330, mt-sics, pace, sbi, scpi-dmm" in result.stderr


def test_bad_driver_option_exits_1(runner: CliRunner) -> None:
    """A driver option that does not exist: exit 1 with the list of options."""
    result = runner.invoke(main, ["read", "-p", "mock://mt-sics", "-d", "mt-sics", "-o", "colour=red"])
    assert result.exit_code == 1
    assert "has no option 'colour'" in result.stderr


def test_list_drivers(runner: CliRunner) -> None:
    """``--list-drivers`` names every driver with its factory line settings."""
    result = runner.invoke(main, ["read", "--list-drivers"])
    assert result.exit_code == 0
    assert "mt-sics" in result.stdout and "[9600 8N1]" in result.stdout
    assert "hmt330" in result.stdout and "[4800 7E1]" in result.stdout
