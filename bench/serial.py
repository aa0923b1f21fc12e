"""Serial reading speed: MT-SICS parsing rate, and SIR line rate at a simulated 9600 baud.

Run from the repository root: ``python bench/serial.py`` (``--quick`` for a short run).

1. Parsing: MT-SICS ``SIR`` lines streamed by the simulated balance on the
   ``mock://`` port at unlimited rate, read and parsed by the driver into
   readings. Target: at least 50,000 lines per second. For comparison, the same
   driver on recorded bytes (no simulation) is printed too.
2. Line rate at 9600 baud: the simulated balance streams ``SIR`` lines back to
   back, each character taking 10 bits / 9600 baud (8N1: start, 8 data, stop);
   the driver reads for a few seconds. ``S S     100.00 g`` + CR LF is 18
   characters, so the line allows 9600 / 10 / 18 = 53.3 lines per second. Target:
   at least 95 % of that.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

# this file is called serial.py: keep its folder off the path so ``import serial`` finds pyserial
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import serial

import instruments  # noqa: F401  (registers the mock:// URL handler)
from instruments.drivers.mt_sics import MtSicsBalance
from instruments.testing import ScriptedPort

PARSE_TARGET = 50_000.0
RATE_TARGET = 0.95


def parse_rate(lines: int) -> tuple[float, int]:
    """Lines per second through the driver at unlimited rate, and lines read."""
    port = serial.serial_for_url("mock://mt-sics?weight=100.00g&noise=0.003&seed=1", timeout=0.02)
    balance = MtSicsBalance(port)
    balance.initialise()
    stream = balance.samples()
    next(stream)  # warm up
    count = 0
    start = time.perf_counter()
    for sample in stream:  # noqa: B007 - the last sample is checked after the timed loop
        count += 1
        if count >= lines:
            break
    elapsed = time.perf_counter() - start
    stream.close()
    balance.close()
    assert sample[0].unit == "g"
    return count / elapsed, count


def driver_only_rate(lines: int) -> float:
    """Lines per second of recorded SIR bytes through the line reader and parser alone."""
    recorded = b"S S     100.00 g\r\nS S     100.01 g\r\n" * (lines // 2)
    balance = MtSicsBalance(ScriptedPort([(b"SIR\r\n", recorded)]))
    stream = balance.samples()
    count = 0
    start = time.perf_counter()
    for _sample in stream:
        count += 1
        if count >= lines:
            break
    return count / (time.perf_counter() - start)


def line_rate_at(baudrate: int, seconds: float) -> tuple[float, float, int]:
    """Measured SIR lines per second at ``baudrate``, the line's maximum, and lines read."""
    url = "mock://mt-sics?weight=100.00g&settle=0&delay=1"
    port = serial.serial_for_url(url, baudrate=baudrate, timeout=0.02)
    balance = MtSicsBalance(port)
    balance.initialise()
    stream = balance.samples()
    first = next(stream)  # the stream is running from here
    line_bytes = len(first[0].raw) + 2
    allowed = baudrate / 10 / line_bytes
    count = 0
    start = time.perf_counter()
    end = start + seconds
    for _sample in stream:
        count += 1
        if time.perf_counter() >= end:
            break
    elapsed = time.perf_counter() - start
    stream.close()
    balance.close()
    return count / elapsed, allowed, count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter run")
    args = parser.parse_args()
    lines = 50_000 if args.quick else 300_000
    seconds = 2.0 if args.quick else 6.0

    rate, count = parse_rate(lines)
    verdict = "PASS" if rate >= PARSE_TARGET else "FAIL"
    print(
        f"MT-SICS parsing through the driver, mock:// unlimited rate: {rate:,.0f} lines/s "
        f"({count:,} lines; target >= {PARSE_TARGET:,.0f} lines/s) {verdict}"
    )

    alone = driver_only_rate(lines)
    print(f"  (of which the driver alone, recorded bytes without the simulation: {alone:,.0f} lines/s)")

    measured, allowed, n = line_rate_at(9600, seconds)
    share = measured / allowed
    verdict = "PASS" if share >= RATE_TARGET else "FAIL"
    print(
        f"SIR continuous reading at 9600 baud 8N1: {measured:.2f} lines/s of {allowed:.2f} lines/s the line allows "
        f"= {share:.1%} ({n} lines in {seconds:g} s; target >= {RATE_TARGET:.0%}) {verdict}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
