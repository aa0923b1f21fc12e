"""Time and bytes between a simulated device and the host side of a port.

The engine delivers a device's output the way a serial line does: with
``delay`` on, each character takes (1 start + data + parity + stop bits) / baud
seconds and lines follow each other back to back at most; without it, bytes are
there at once. Nothing runs in the background: the schedule is worked out from
the clock whenever the host reads, so the simulation is deterministic for a
given seed and costs nothing while idle.
"""

from __future__ import annotations

from collections import deque

from instruments.mock.device import SimulatedDevice
from instruments.mock.faults import FaultPlan, garble

#: bytes a real UART driver buffers; a streaming device beyond this loses lines
RX_BUFFER = 65536
#: most stream lines generated per host call when there is no delay
BATCH_LINES = 512


class _Chunk:
    __slots__ = ("data", "disconnect", "done", "start")

    def __init__(self, data: bytes, start: float, disconnect: bool) -> None:
        self.data = data
        self.start = start
        self.done = 0
        self.disconnect = disconnect


class Engine:
    """Schedules what a :class:`SimulatedDevice` sends; applies line faults and timing."""

    def __init__(
        self,
        device: SimulatedDevice,
        faults: FaultPlan,
        *,
        delay: bool = False,
        latency: float = 0.0,
        device_baud: int | None = None,
    ) -> None:
        self.device = device
        self.faults = faults
        self.delay = delay
        self.latency = latency
        self.device_baud = device_baud
        self.rx = bytearray()
        self.disconnected = False
        self._queue: deque[_Chunk] = deque()
        self._char_time = 0.0
        self._tx_free = 0.0
        self._next_stream: float | None = None
        self._mismatch = False
        self._queued = 0

    # -- line settings -----------------------------------------------------------------
    def configure(self, baudrate: int, bits_per_character: float) -> None:
        """Apply the host port's settings (baud rate, framing)."""
        self._char_time = bits_per_character / baudrate if self.delay else 0.0
        self._mismatch = self.device_baud is not None and baudrate != self.device_baud

    @property
    def char_time(self) -> float:
        """Seconds per character on the line (0 without ``delay``)."""
        return self._char_time

    @property
    def _instant(self) -> bool:
        return self._char_time == 0.0 and self.device.interval == 0.0

    # -- host to device --------------------------------------------------------------------
    def receive(self, data: bytes, now: float) -> None:
        """The host wrote ``data`` at ``now``; the device answers once it has arrived."""
        arrival = now + len(data) * self._char_time
        if not self._instant:
            self._generate(arrival)
        if self._mismatch:
            return  # at the wrong baud rate the device hears only noise
        device = self.device
        was_streaming = device.streaming
        for reply in device.feed(data):
            at = arrival + self.latency + reply.after
            for line in reply.lines:
                self._emit(line, at)
        if device.streaming and not was_streaming:
            self._next_stream = max(self._tx_free, arrival + self.latency)

    # -- device to host -------------------------------------------------------------------
    def _emit(self, line: bytes, earliest: float, now: float | None = None) -> None:
        if self.disconnected:
            return
        terminator = self.device.line_end
        if self._mismatch:
            data, cut = garble(line, terminator), False
        else:
            data, cut = self.faults.transform(line, terminator)
        if not data and not cut:
            return
        if now is not None and not cut and not self._queue and self._char_time == 0.0 and earliest <= now:
            self.rx += data  # nothing ahead of it and no line delay: it has arrived
            return
        start = max(earliest, self._tx_free)
        self._tx_free = start + len(data) * self._char_time
        self._queue.append(_Chunk(data, start, cut))
        self._queued += len(data)

    def _generate(self, now: float, want: int = 0) -> None:
        device = self.device
        if not device.streaming or self.disconnected:
            return
        if self._instant:
            made = 0
            while device.streaming and len(self.rx) + self._queued < want and made < BATCH_LINES:
                self._emit(device.next_stream_line(), now, now)
                made += 1
            return
        if self._next_stream is None:  # streaming since power-up: from the first look on
            self._next_stream = now
        while device.streaming and self._next_stream <= now:
            if len(self.rx) + self._queued > RX_BUFFER:
                # overrun: the host's buffer is full and what the device sends meanwhile is lost
                self._next_stream = now + max(device.interval, self._char_time)
                return
            start = max(self._next_stream, self._tx_free)
            self._emit(device.next_stream_line(), start)
            self._next_stream = max(self._tx_free, start + device.interval)

    def advance(self, now: float, want: int = 0) -> None:
        """Bring the schedule up to ``now``: arrived bytes move into :attr:`rx`."""
        self._generate(now, want)
        queue = self._queue
        char_time = self._char_time
        rx = self.rx
        while queue:
            chunk = queue[0]
            size = len(chunk.data)
            if char_time == 0.0:
                if chunk.start > now:
                    return
                arrived = size
            else:
                arrived = min(size, int((now - chunk.start) / char_time))
                if arrived <= chunk.done:
                    return
            rx += chunk.data[chunk.done : arrived]
            self._queued -= arrived - chunk.done
            chunk.done = arrived
            if arrived < size:
                return
            queue.popleft()
            if chunk.disconnect:
                self.disconnected = True
                queue.clear()
                self._queued = 0
                return

    def next_arrival(self) -> float | None:
        """When the next byte arrives (``None``: nothing is coming)."""
        if self._queue:
            chunk = self._queue[0]
            return chunk.start + (chunk.done + 1) * self._char_time
        if self.device.streaming and not self.disconnected and not self._instant:
            return self._next_stream
        return None

    def take(self, size: int) -> bytes:
        """Remove and return up to ``size`` arrived bytes."""
        rx = self.rx
        if size >= len(rx):
            data = bytes(rx)
            rx.clear()
        else:
            data = bytes(rx[:size])
            del rx[:size]
        return data

    def flush_input(self, now: float) -> None:
        """Discard what has arrived (bytes still on the wire keep coming)."""
        self.advance(now)
        self.rx.clear()
