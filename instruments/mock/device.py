"""Base class of simulated devices: commands in, reply lines out, byte for byte.

A simulated device knows nothing about time or ports: the engine
(:mod:`instruments.mock.engine`) feeds it the bytes the host wrote and schedules
the lines it answers. Devices in a continuous-output mode set ``streaming`` and
produce lines from :meth:`SimulatedDevice.next_stream_line`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, ClassVar

from instruments.mock.faults import FaultPlan
from instruments.mock.options import Option


@dataclass(slots=True)
class Reply:
    """Lines a device sends in answer to one command, ``after`` seconds of work."""

    lines: list[bytes] = field(default_factory=list)
    after: float = 0.0


class SimulatedDevice:
    """Byte-level model of one device family. Subclasses implement :meth:`handle`."""

    #: name in the URL (``mock://NAME``), same as the driver's registry name
    name: ClassVar[str]
    #: one line for listings
    title: ClassVar[str]
    #: device options from the URL (the engine's common options are added)
    options: ClassVar[dict[str, Option]] = {}
    #: device faults this device can simulate (line faults work for every device)
    device_faults: ClassVar[frozenset[str]] = frozenset()
    #: bytes that end a command
    command_ends: ClassVar[bytes] = b"\r\n"
    #: the line end of everything the device sends
    line_end: ClassVar[bytes] = b"\r\n"
    #: longest command kept before the device discards its input buffer
    max_command: ClassVar[int] = 256

    def __init__(self, params: dict[str, Any], rng: random.Random, faults: FaultPlan) -> None:
        self.params = params
        self.rng = rng
        self.faults = faults
        self.streaming = False
        #: seconds between display updates (stream lines); 0 = as fast as the line allows
        self.interval: float = params.get("interval", 0.0)
        self._inbuf = bytearray()

    def feed(self, data: bytes) -> list[Reply]:
        """Take bytes written by the host; return the replies to complete commands."""
        buf = self._inbuf
        buf += data
        replies: list[Reply] = []
        ends = self.command_ends
        while True:
            cut = min((i for i in (buf.find(bytes([e])) for e in ends) if i >= 0), default=-1)
            if cut < 0:
                if len(buf) > self.max_command:
                    buf.clear()
                return replies
            command = bytes(buf[:cut])
            del buf[: cut + 1]
            if command:
                reply = self.handle(command.decode("ascii", errors="replace"))
                if reply is not None:
                    replies.append(reply)

    def handle(self, command: str) -> Reply | None:
        """Answer one command (without its terminator); ``None`` for no answer."""
        raise NotImplementedError

    def next_stream_line(self) -> bytes:
        """The next line of a continuous output (only called while ``streaming``)."""
        raise NotImplementedError

    def line(self, text: str) -> bytes:
        """Encode one outgoing line with the device's line end."""
        return text.encode("ascii") + self.line_end

    def reply(self, *texts: str, after: float = 0.0) -> Reply:
        """A :class:`Reply` of the given lines."""
        return Reply([self.line(t) for t in texts], after)
