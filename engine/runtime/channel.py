"""A connector or task process's view of its two rings: control frames in, events out.

`process.main` opens the rings the supervisor created and hands one `Channel` to the connector
main or the task loop. The event ring has a single producer (this process), so every push goes
through one lock: the loop, the heartbeat thread and connector background threads (through their
context) may all emit.

Logger-level changes (`SetLoggerLevel`) are applied here, as they arrive, by the process's
`on_logger_level`: whichever loop polls the ring, connector code never sees them, and a busy task
picks them up at its next poll.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from engine._native import RingBuffer
from engine.errors import ConnectError
from engine.runtime.protocol import Control, Event, SetLoggerLevel, decode_control, encode

__all__ = ["EMIT_TIMEOUT_S", "Channel"]

log = logging.getLogger(__name__)

EMIT_TIMEOUT_S = 10.0
"""How long `emit` waits for room in a full event ring before giving up. The supervisor drains
the ring continuously, so a ring that stays full this long means the supervisor is stuck."""

_POP_MAX = 64


class Channel:
    """The child's end of a control ring (it pops) and an event ring (it pushes).

    Args:
        control: the ring the supervisor pushes `Control` frames on.
        events: the ring this process pushes `Event` frames on.
        on_logger_level: applies `(namespace, level)` of each `SetLoggerLevel`; without it they
            are dropped with a warning.
    """

    def __init__(
        self,
        control: RingBuffer,
        events: RingBuffer,
        on_logger_level: Callable[[str, str], object] | None = None,
    ) -> None:
        self._control = control
        self._events = events
        self._lock = threading.Lock()
        self._unread: list[Control] = []
        self._on_logger_level = on_logger_level

    @classmethod
    def open(
        cls,
        control_ring: str,
        event_ring: str,
        on_logger_level: Callable[[str, str], object] | None = None,
    ) -> Channel:
        """Opens the two rings by name.

        Raises:
            FileNotFoundError: a ring does not exist (the supervisor removed it, or never made it).
            ValueError: a name does not hold a usable ring.
        """
        return cls(RingBuffer.open(control_ring), RingBuffer.open(event_ring), on_logger_level)

    @property
    def max_frame_size(self) -> int:
        """The largest encoded event the ring accepts; senders of big lists split them."""
        return self._events.max_frame_size

    def emit(self, event: Event) -> None:
        """Sends one event; thread-safe. Waits at most `EMIT_TIMEOUT_S` for room.

        Raises:
            ConnectError: the ring stayed full, or the supervisor closed it.
            ValueError: the encoded event is larger than `max_frame_size`.
        """
        frame = encode(event)
        with self._lock:
            try:
                pushed = self._events.push_many([frame], timeout=EMIT_TIMEOUT_S)
            except BrokenPipeError as e:
                raise ConnectError("The supervisor closed the event ring.") from e
        if pushed != 1:
            raise ConnectError(
                f"The event ring stayed full for {EMIT_TIMEOUT_S:g} s; the supervisor is not reading it."
            )

    def try_emit(self, event: Event) -> bool:
        """Sends one event if it fits now (for heartbeats, which are worthless late); thread-safe.

        Returns:
            False when the ring is full or closed.
        """
        frame = encode(event)
        with self._lock:
            try:
                return self._events.push(frame)
            except BrokenPipeError:
                return False

    def poll_control(self, timeout: float = 0.0) -> list[Control]:
        """Control messages that arrived, oldest first; waits up to `timeout` s for the first one.

        Only one thread may poll. Returns an empty list on timeout and once the supervisor closed
        the ring.

        Raises:
            msgspec.DecodeError: a frame is not a control message (a version mismatch).
        """
        if self._unread:
            messages, self._unread = self._unread, []
            return messages
        frames = self._control.pop_many(_POP_MAX, timeout)
        messages = []
        for frame in frames:
            message = decode_control(frame)
            if isinstance(message, SetLoggerLevel):
                self._set_logger_level(message)
            else:
                messages.append(message)
        return messages

    def _set_logger_level(self, message: SetLoggerLevel) -> None:
        if self._on_logger_level is None:
            log.warning("No handler for logger levels; `%s` stays as it is.", message.namespace)
            return
        self._on_logger_level(message.namespace, message.level)

    def unread(self, messages: list[Control]) -> None:
        """Puts messages back: the next `poll_control` returns them first."""
        self._unread = messages + self._unread

    @property
    def control_closed(self) -> bool:
        """Whether the supervisor closed the control ring (it will send nothing more)."""
        return self._control.closed

    def close(self) -> None:
        """Marks both rings closed: the supervisor still pops what was emitted, then sees the end."""
        with self._lock:
            self._events.close()
        self._control.close()
