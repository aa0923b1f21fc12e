"""Serve a simulated device on a pseudo-terminal, as a real device file (POSIX).

``with PtyDevice("mock://mt-sics?weight=100.00g") as dev: capture(dev.path, "mt-sics")``
exercises exactly the code path of a USB-serial adapter: pyserial's POSIX port,
termios settings, ``select`` and ``os.read``. The device end runs in a thread.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
import tty
from types import TracebackType

from instruments.mock import build
from instruments.mock.engine import Engine


class PtyDevice:
    """A simulated device on the far end of a pseudo-terminal pair."""

    def __init__(self, url: str, *, baudrate: int = 9600, bits_per_character: float = 10) -> None:
        self.url = url
        self.engine: Engine = build(url)
        self.engine.configure(baudrate, bits_per_character)
        self.path = ""
        self._master = -1
        self._slave = -1
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        """Create the pty pair and start serving; returns the device path (``/dev/pts/N``)."""
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no line editing until the host configures it
        self.path = os.ttyname(self._slave)
        self._thread = threading.Thread(target=self._serve, name=f"pty {self.url}", daemon=True)
        self._thread.start()
        return self.path

    def stop(self) -> None:
        """Stop serving and close both ends."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        for fd in (self._master, self._slave):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = -1

    def __enter__(self) -> PtyDevice:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def _serve(self) -> None:
        engine = self.engine
        master = self._master
        pending = b""
        while not self._stop.is_set():
            now = time.monotonic()
            engine.advance(now, 4096)
            if engine.rx and len(pending) < 4096:
                pending += engine.take(4096)
            if engine.disconnected and not engine.rx:
                if pending:
                    os.write(master, pending)
                os.close(master)  # the cable is pulled: the host sees the line hang up
                self._master = -1
                return
            arrival = engine.next_arrival()
            wait = 0.01 if arrival is None else min(0.01, max(0.0, arrival - now))
            readable, writable, _ = select.select([master], [master] if pending else [], [], wait)
            if readable:
                try:
                    data = os.read(master, 4096)
                except OSError:
                    data = b""
                if data:
                    engine.receive(data, time.monotonic())
            if writable and pending:
                written = os.write(master, pending)
                pending = pending[written:]
