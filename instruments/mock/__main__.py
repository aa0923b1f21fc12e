"""``python -m instruments.mock URL``: serve a simulated device on a pseudo-terminal.

Prints the device path; then ``lims read --port /dev/pts/N --driver mt-sics`` talks
to it as to a real balance. Stop with Ctrl-C.
"""

from __future__ import annotations

import sys
import time

from instruments.mock import MockUrlError, device_names


def main(argv: list[str] | None = None) -> int:
    """Serve the device named by the URL until interrupted."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0] in {"-h", "--help"}:
        print("usage: python -m instruments.mock mock://DEVICE?options", file=sys.stderr)
        print(f"devices: {', '.join(device_names())}", file=sys.stderr)
        return 2
    from instruments.mock.pty import PtyDevice

    try:
        device = PtyDevice(args[0])
    except MockUrlError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with device:
        print(f"{args[0]} on {device.path} (Ctrl-C to stop)", flush=True)
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
