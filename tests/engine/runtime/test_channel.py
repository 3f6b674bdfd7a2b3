"""The child's channel over real rings, driven from the test as the supervisor would."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator

import pytest

from engine._native import RingBuffer
from engine.errors import ConnectError
from engine.runtime import channel as channel_module
from engine.runtime.channel import Channel
from engine.runtime.protocol import (
    Commit,
    Heartbeat,
    Metrics,
    SetLoggerLevel,
    SetTargetState,
    StatusChanged,
    Stop,
    decode_event,
    encode,
)


@pytest.fixture
def rings() -> Iterator[tuple[RingBuffer, RingBuffer]]:
    base = f"kconnect-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    control = RingBuffer.create(f"{base}-ctl", 4096)
    events = RingBuffer.create(f"{base}-evt", 4096)
    yield control, events
    for ring in (control, events):
        RingBuffer.unlink(ring.name, missing_ok=True)


def test_open_by_name_and_exchange_frames(rings: tuple[RingBuffer, RingBuffer]) -> None:
    control, events = rings
    channel = Channel.open(control.name, events.name)
    control.push_many([encode(SetTargetState(state="PAUSED")), encode(Commit())])
    assert channel.poll_control(1.0) == [SetTargetState(state="PAUSED"), Commit()]
    assert channel.poll_control(0.0) == []
    channel.emit(StatusChanged(state="PAUSED"))
    assert [decode_event(f) for f in events.pop_many(10, 1.0)] == [StatusChanged(state="PAUSED")]
    assert channel.max_frame_size == events.max_frame_size


def test_unread_messages_come_back_first(rings: tuple[RingBuffer, RingBuffer]) -> None:
    control, events = rings
    channel = Channel(control, events)
    control.push(encode(Stop()))
    channel.unread([Commit()])
    assert channel.poll_control(1.0) == [Commit()]
    assert channel.poll_control(1.0) == [Stop()]


def test_logger_levels_are_applied_in_order_and_never_reach_the_loop(
    rings: tuple[RingBuffer, RingBuffer],
) -> None:
    control, events = rings
    applied: list[tuple[str, str]] = []
    channel = Channel(control, events, on_logger_level=lambda ns, level: applied.append((ns, level)))
    control.push_many(
        [
            encode(SetLoggerLevel(namespace="a", level="DEBUG")),
            encode(Commit()),
            encode(SetLoggerLevel(namespace="a.b", level="ERROR")),
        ]
    )
    assert channel.poll_control(1.0) == [Commit()]
    assert applied == [("a", "DEBUG"), ("a.b", "ERROR")]


def test_emit_is_safe_from_many_threads(rings: tuple[RingBuffer, RingBuffer]) -> None:
    control, events = rings
    channel = Channel(control, events)
    received: list[bytes] = []
    per_thread = 300

    def reader() -> None:
        while len(received) < 4 * per_thread:
            received.extend(events.pop_many(256, 1.0))

    def writer(n: int) -> None:
        for i in range(per_thread):
            channel.emit(Metrics(counters={"thread": n, "i": i}))

    consumer = threading.Thread(target=reader)
    consumer.start()
    writers = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    consumer.join(10)
    decoded = [decode_event(frame) for frame in received]
    for n in range(4):
        # Each thread's events arrive whole and in its order.
        mine = [e.counters["i"] for e in decoded if isinstance(e, Metrics) and e.counters["thread"] == n]
        assert mine == list(range(per_thread))


def test_try_emit_drops_when_full_and_emit_gives_up(
    rings: tuple[RingBuffer, RingBuffer], monkeypatch: pytest.MonkeyPatch
) -> None:
    control, events = rings
    channel = Channel(control, events)
    sent = 0
    while channel.try_emit(Heartbeat(monotonic_ms=sent)):
        sent += 1
    assert sent > 10
    monkeypatch.setattr(channel_module, "EMIT_TIMEOUT_S", 0.05)
    with pytest.raises(ConnectError, match="stayed full"):
        channel.emit(StatusChanged(state="RUNNING"))
    assert len(events.pop_many(10_000, 0)) == sent


def test_close_ends_both_directions(rings: tuple[RingBuffer, RingBuffer]) -> None:
    control, events = rings
    channel = Channel(control, events)
    channel.emit(StatusChanged(state="RUNNING"))
    channel.close()
    assert channel.control_closed
    assert not channel.try_emit(Heartbeat(monotonic_ms=0))
    with pytest.raises(ConnectError, match="closed the event ring"):
        channel.emit(StatusChanged(state="FAILED"))
    # What was emitted before the close is still delivered.
    assert [decode_event(f) for f in events.pop_many(10, 0)] == [StatusChanged(state="RUNNING")]
    assert channel.poll_control(0.1) == []


def test_open_missing_ring_raises() -> None:
    with pytest.raises(FileNotFoundError):
        Channel.open(f"kconnect-test-missing-{uuid.uuid4().hex}", "x")
