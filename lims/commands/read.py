"""``lims read``: read a measuring device on a serial port (or a ``mock://`` port).

A timeout, a device error or a garbled line ends with one line on stderr naming
the port and the cause, and exit code 1; a reading is printed only when it was
read whole.

Any port or pyserial URL is accepted here, unlike in the web app and the API
(``lims.services.workflow.devices.check_port``): this is the operator's own tool, run
with their own permissions on their own machine, and ``spy://``/``loop://`` are how
transcripts are recorded (docs/instruments.md).
"""

from __future__ import annotations

import json
import sys

import click


def _parse_options(pairs: tuple[str, ...]) -> dict[str, str]:
    options: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--option")
        options[key.strip()] = value.strip()
    return options


def _list_drivers(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    # The drivers and pyserial load when a device is read, not each time `lims` starts.
    from instruments.registry import drivers

    for name, cls in drivers().items():
        options = ", ".join(sorted(cls.all_option_types()))
        click.echo(f"{name:<10} {cls.title} [{cls.settings.describe()}] options: {options}")
    ctx.exit(0)


@click.command("read")
@click.option(
    "--port", "-p", required=True, help="Device path (/dev/ttyUSB0, /dev/pts/3, COM3) or pyserial URL (mock://mt-sics)."
)
@click.option(
    "--driver",
    "-d",
    "driver_name",
    required=True,
    help="Driver name, e.g. mt-sics, sbi, and, scpi-dmm, hart-152x, hmt330, pace.",
)
@click.option(
    "--baud", type=click.IntRange(min=1), default=None, help="Baud rate (default: the device's factory rate)."
)
@click.option("--count", "-n", type=click.IntRange(min=1), default=1, show_default=True, help="Number of readings.")
@click.option("--stable", is_flag=True, help="Only accept stable readings (wait for them).")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=5.0,
    show_default=True,
    help="Seconds allowed for the whole reading.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per reading.")
@click.option(
    "--option", "-o", "pairs", multiple=True, metavar="KEY=VALUE", help="Driver option, e.g. function=RES (repeatable)."
)
@click.option("--expect-serial", default=None, help="Refuse a device with another serial number.")
@click.option(
    "--list-drivers",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_list_drivers,
    help="List the drivers and exit.",
)
def command(
    port: str,
    driver_name: str,
    baud: int | None,
    count: int,
    stable: bool,
    timeout: float,
    as_json: bool,
    pairs: tuple[str, ...],
    expect_serial: str | None,
) -> None:
    """Read a balance, multimeter, thermometer or hygrometer over a serial line."""
    # Loaded here, not at import: every command module is imported when `lims` starts.
    from instruments.capture import capture
    from instruments.errors import InstrumentError, UnknownDriver
    from instruments.reading import Reading
    from instruments.registry import get_driver

    options = _parse_options(pairs)
    try:
        driver = get_driver(driver_name)
    except UnknownDriver as exc:
        raise click.BadParameter(exc.cause, param_hint="--driver") from None

    live = not as_json and sys.stderr.isatty()

    def show_progress(reading: Reading) -> None:
        if not reading.stable:
            click.echo(f"  ... {reading.text()} (not stable yet)", err=True)

    try:
        readings = capture(
            port,
            driver,
            count=count,
            until_stable=stable,
            timeout=timeout,
            baudrate=baud,
            on_reading=show_progress if live else None,
            expect_serial=expect_serial,
            options=options,
        )
    except InstrumentError as exc:
        raise click.ClickException(str(exc)) from None
    for reading in readings:
        if as_json:
            click.echo(json.dumps(reading.to_dict(), ensure_ascii=False))
        else:
            state = "stable" if reading.stable else "unstable"
            label = f"{reading.channel}: " if reading.channel not in {"weight", "value"} else ""
            click.echo(f"{label}{reading.text()}  {state}  {reading.at.isoformat(timespec='seconds')}")
