"""The native shared-memory RingBuffer seen from Python: batches, errors, waits, close, and real processes.

Cross-process tests start children with the `spawn` method (never plain fork) and join every one;
every ring a test creates is unlinked by the `ring_name` fixture.
"""

from __future__ import annotations

import itertools
import multiprocessing
import multiprocessing.synchronize
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine._native import RingBuffer

_names = itertools.count()
_SPAWN = multiprocessing.get_context("spawn")
_JOIN_TIMEOUT = 60.0


@pytest.fixture
def ring_name() -> Iterator[str]:
    """A name no other test or process uses; unlinked afterwards whether or not it was created."""
    name = f"kconnect-test-ring-{os.getpid()}-{next(_names)}"
    yield name
    RingBuffer.unlink(name, missing_ok=True)


def _frame(seq: int) -> bytes:
    """Frame `seq` of a stream: 8 to 104 bytes, every byte derived from `seq`."""
    return seq.to_bytes(8, "little") + bytes([seq % 251]) * (seq % 97)


def _join(process: multiprocessing.process.BaseProcess) -> int | None:
    process.join(_JOIN_TIMEOUT)
    if process.is_alive():  # pragma: no cover - only when a child hangs; the assertion reports it
        process.kill()
        process.join()
    return process.exitcode


# Children: module-level so that `spawn` can import them by name.


def _produce_stream(name: str, count: int) -> None:
    ring = RingBuffer.open(name)
    for start in range(0, count, 256):
        batch = [_frame(seq) for seq in range(start, min(start + 256, count))]
        assert ring.push_many(batch, timeout=30.0) == len(batch)
    ring.close()


def _echo(inbound: str, outbound: str) -> None:
    rx, tx = RingBuffer.open(inbound), RingBuffer.open(outbound)
    while frames := rx.pop_many(512, timeout=30.0):
        assert tx.push_many(frames, timeout=30.0) == len(frames)
    # An empty batch means closed (or a stalled parent, which the parent's assertions report).
    tx.close()


def _wait_for_close(name: str, ready: multiprocessing.synchronize.Event) -> None:
    ring = RingBuffer.open(name)
    ready.set()
    frames = ring.pop_many(16, timeout=30.0)
    # Exit code 0 only if the wait ended because the parent closed the ring.
    sys.exit(0 if frames == [] and ring.closed else 3)


# Single process.


def test_push_and_pop_many_keep_order_and_content(ring_name: str) -> None:
    producer = RingBuffer.create(ring_name, 1 << 16)
    consumer = RingBuffer.open(ring_name)
    frames = [_frame(seq) for seq in range(300)]
    assert producer.push_many(frames[:100]) == 100
    assert all(producer.push(frame) for frame in frames[100:])
    assert consumer.pop_many(7, 0) == frames[:7]
    assert consumer.pop_many(1000, 0) == frames[7:]
    assert consumer.pop_many(1000, 0) == []


def test_properties_and_repr(ring_name: str) -> None:
    ring = RingBuffer.create(ring_name, 4096)
    assert (ring.name, ring.capacity, ring.max_frame_size, ring.closed) == (ring_name, 4096, 2044, False)
    assert repr(ring) == f"RingBuffer(name='{ring_name}', capacity=4096, closed=False)"


def test_push_many_returns_how_many_fit(ring_name: str) -> None:
    # 64-byte ring: a 28-byte frame is a 32-byte record, so two fit.
    ring = RingBuffer.create(ring_name, 64)
    assert ring.push_many([b"a" * 28, b"b" * 28, b"c" * 28]) == 2
    assert not ring.push(b"")
    assert ring.pop_many(1, 0) == [b"a" * 28]
    assert ring.push_many([b"c" * 28, b"d"]) == 1
    assert ring.pop_many(5, 0) == [b"b" * 28, b"c" * 28]


def test_empty_frames_and_zero_max(ring_name: str) -> None:
    ring = RingBuffer.create(ring_name, 64)
    assert ring.push_many([b"", b"x", b""]) == 3
    assert ring.pop_many(0, None) == []
    assert ring.pop_many(10, 0) == [b"", b"x", b""]


def test_frame_over_half_the_capacity_is_a_value_error_and_nothing_is_pushed(ring_name: str) -> None:
    ring = RingBuffer.create(ring_name, 4096)
    message = (
        f'frame of 2045 bytes is too large for ring "{ring_name}": the limit is 2044 bytes '
        r"\(half the capacity, less the 4-byte length prefix\)"
    )
    with pytest.raises(ValueError, match=message):
        ring.push(b"x" * 2045)
    with pytest.raises(ValueError, match=message):
        ring.push_many([b"ok", b"x" * 2045])
    assert ring.push(b"y" * 2044)
    assert ring.pop_many(10, 0) == [b"y" * 2044]


def test_frames_must_be_bytes(ring_name: str) -> None:
    ring = RingBuffer.create(ring_name, 64)
    with pytest.raises(TypeError):
        ring.push_many([b"ok", "text"])  # type: ignore[list-item]  # the error is what is tested
    assert ring.pop_many(10, 0) == []


def test_create_open_and_unlink_errors(ring_name: str) -> None:
    with pytest.raises(FileNotFoundError, match=f'cannot open ring "{ring_name}"'):
        RingBuffer.open(ring_name)
    RingBuffer.create(ring_name, 64)
    with pytest.raises(FileExistsError, match=f'cannot create ring "{ring_name}"'):
        RingBuffer.create(ring_name, 64)
    RingBuffer.unlink(ring_name)
    with pytest.raises(FileNotFoundError):
        RingBuffer.unlink(ring_name)
    RingBuffer.unlink(ring_name, missing_ok=True)


@pytest.mark.parametrize("capacity", [0, 100, 32, 1 << 33])
def test_capacity_must_be_a_power_of_two_in_range(ring_name: str, capacity: int) -> None:
    with pytest.raises(ValueError, match=f"power of two from 64 to 4294967296 bytes, got {capacity}$"):
        RingBuffer.create(ring_name, capacity)


@pytest.mark.parametrize("name", ["", "a/b", "x" * 201])
def test_bad_names_are_value_errors(name: str) -> None:
    with pytest.raises(ValueError, match="invalid ring name"):
        RingBuffer.create(name, 64)


@pytest.mark.skipif(not Path("/dev/shm").is_dir(), reason="needs Linux's /dev/shm")
def test_a_stale_or_foreign_file_is_refused_with_a_clear_error(ring_name: str) -> None:
    Path("/dev/shm", ring_name).write_bytes(b"\xab" * 4096)
    with pytest.raises(ValueError, match=r"bad magic number .* a stale or foreign file; unlink it"):
        RingBuffer.open(ring_name)


# Waiting and closing.


def test_pop_many_timeout_returns_promptly(ring_name: str) -> None:
    ring = RingBuffer.create(ring_name, 4096)
    start = time.monotonic()
    assert ring.pop_many(10, 0.05) == []
    assert 0.05 <= time.monotonic() - start < 1.0
    start = time.monotonic()
    assert ring.pop_many(10, 0) == []
    assert time.monotonic() - start < 0.05


def test_push_many_timeout_returns_promptly_when_full(ring_name: str) -> None:
    ring = RingBuffer.create(ring_name, 64)
    start = time.monotonic()
    assert ring.push_many([b"z" * 28] * 3, timeout=0.05) == 2
    assert 0.05 <= time.monotonic() - start < 1.0


def test_negative_timeout_is_a_value_error(ring_name: str) -> None:
    ring = RingBuffer.create(ring_name, 64)
    with pytest.raises(ValueError, match="timeout must be a non-negative number of seconds, got -1"):
        ring.pop_many(1, -1)


def test_close_wakes_a_pop_waiting_in_another_thread(ring_name: str) -> None:
    # The waiting thread releases the GIL: otherwise this thread could not run close() at all.
    ring = RingBuffer.create(ring_name, 4096)
    result: list[list[bytes]] = []
    waiter = threading.Thread(target=lambda: result.append(ring.pop_many(10, None)))
    waiter.start()
    time.sleep(0.05)
    start = time.monotonic()
    ring.close()
    waiter.join(10)
    assert not waiter.is_alive()
    assert result == [[]]
    assert time.monotonic() - start < 2.0
    assert ring.closed


def test_frames_pushed_before_close_are_still_delivered(ring_name: str) -> None:
    producer = RingBuffer.create(ring_name, 4096)
    consumer = RingBuffer.open(ring_name)
    assert producer.push_many([b"last", b"words"]) == 2
    producer.close()
    with pytest.raises(BrokenPipeError, match=f'ring "{ring_name}" is closed'):
        producer.push(b"more")
    assert consumer.closed
    assert consumer.pop_many(10, None) == [b"last", b"words"]
    start = time.monotonic()
    assert consumer.pop_many(10, None) == []
    assert time.monotonic() - start < 0.5


def test_push_many_waits_for_a_consumer_to_make_room(ring_name: str) -> None:
    producer = RingBuffer.create(ring_name, 256)
    consumer = RingBuffer.open(ring_name)
    frames = [_frame(seq) for seq in range(2000)]
    received: list[bytes] = []

    def consume() -> None:
        while len(received) < len(frames) and (batch := consumer.pop_many(7, 10.0)):
            received.extend(batch)

    thread = threading.Thread(target=consume)
    thread.start()
    assert producer.push_many(frames, timeout=None) == len(frames)
    thread.join(30)
    assert received == frames


# Across processes.


def test_cross_process_stream_keeps_order_and_content(ring_name: str) -> None:
    count = 100_000
    ring = RingBuffer.create(ring_name, 1 << 16)
    child = _SPAWN.Process(target=_produce_stream, args=(ring_name, count))
    child.start()
    received = 0
    try:
        while frames := ring.pop_many(1024, 30.0):
            for frame in frames:
                assert frame == _frame(received), f"frame {received}"
                received += 1
    finally:
        exitcode = _join(child)
    assert exitcode == 0
    assert received == count
    assert ring.closed


def test_cross_process_echo_round_trips_both_directions(ring_name: str) -> None:
    out_name, back_name = f"{ring_name}-out", f"{ring_name}-back"
    try:
        out, back = RingBuffer.create(out_name, 4096), RingBuffer.create(back_name, 4096)
        child = _SPAWN.Process(target=_echo, args=(out_name, back_name))
        child.start()
        frames = [_frame(seq) for seq in range(20_000)]
        echoed: list[bytes] = []
        sent = 0
        deadline = time.monotonic() + 60
        try:
            # Never block on `out` while `back` may be full (the child would block too): push what
            # fits, then wait briefly for echoes. With 4 KiB rings both sides fill up many times.
            while len(echoed) < len(frames) and time.monotonic() < deadline:
                pushed = out.push_many(frames[sent : sent + 500], timeout=0)
                sent += pushed
                echoed.extend(back.pop_many(10_000, 0 if pushed else 0.01))
            out.close()
        finally:
            exitcode = _join(child)
        assert exitcode == 0
        assert echoed == frames
    finally:
        RingBuffer.unlink(out_name, missing_ok=True)
        RingBuffer.unlink(back_name, missing_ok=True)


def test_close_propagates_to_a_waiting_process(ring_name: str) -> None:
    ring = RingBuffer.create(ring_name, 4096)
    ready = _SPAWN.Event()
    child = _SPAWN.Process(target=_wait_for_close, args=(ring_name, ready))
    child.start()
    try:
        assert ready.wait(30)
        # Let the child fall asleep in pop_many.
        time.sleep(0.2)
        start = time.monotonic()
        ring.close()
    finally:
        exitcode = _join(child)
    assert exitcode == 0
    assert time.monotonic() - start < 10.0
