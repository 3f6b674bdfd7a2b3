"""Shared-memory ring throughput and latency between two processes, against `multiprocessing`.

Groups (run with `make bench`; in `make test` each benchmark runs once as a smoke test):
- `ring-throughput-64B`, `ring-throughput-1KiB`: one round delivers a fixed number of frames from
  this process to a consumer process, which acknowledges the byte count at the end of the round.
  The ring pushes batches of 256 frames (`push_many`) and the consumer pops up to 4096 at a time;
  `Pipe` sends each frame with `send_bytes` (its own framing); `Queue` puts the same batches of
  256 as lists. `extra_info` holds frames/s and MB/s (10^6 bytes) of the median round.
- `ring-latency`: ping-pong of one 64-byte frame with an echo process; `extra_info` holds the
  p50 and p99 round trip in microseconds over every round trip measured.

Every peer is a `spawn` child started before timing and joined afterwards; every ring is unlinked.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any

import pytest

from engine._native import RingBuffer

_SPAWN = multiprocessing.get_context("spawn")
_names = itertools.count()
BATCH = 256
RING_CAPACITY = 1 << 20
ROUND_TRIPS = 2_000
# Frames per throughput round, sized so one round stays well under a second even for Pipe.
ROUNDS = {64: 50_000, 1024: 20_000}
SIZES = pytest.mark.parametrize(
    "size",
    [
        pytest.param(64, id="64B", marks=pytest.mark.benchmark(group="ring-throughput-64B")),
        pytest.param(1024, id="1KiB", marks=pytest.mark.benchmark(group="ring-throughput-1KiB")),
    ],
)


def _name(tag: str) -> str:
    return f"kconnect-bench-ring-{os.getpid()}-{next(_names)}-{tag}"


def _frames(size: int, count: int) -> list[bytes]:
    distinct = [bytes([i % 256]) * size for i in range(BATCH)]
    return [distinct[i % BATCH] for i in range(count)]


# Peers (module-level so that `spawn` can import them).


def _ring_sink(name: str, ack_name: str, per_round: int) -> None:
    rx, ack = RingBuffer.open(name), RingBuffer.open(ack_name)
    received = nbytes = 0
    while frames := rx.pop_many(4096, None):
        received += len(frames)
        nbytes += sum(map(len, frames))
        if received == per_round:
            ack.push(nbytes.to_bytes(8, "little"))
            received = nbytes = 0


def _pipe_sink(conn: Connection, per_round: int) -> None:
    received = nbytes = 0
    while frame := conn.recv_bytes():
        received += 1
        nbytes += len(frame)
        if received == per_round:
            conn.send_bytes(nbytes.to_bytes(8, "little"))
            received = nbytes = 0


def _queue_sink(frames: Any, acks: Any, per_round: int) -> None:
    received = nbytes = 0
    while (batch := frames.get()) is not None:
        received += len(batch)
        nbytes += sum(map(len, batch))
        if received == per_round:
            acks.put(nbytes)
            received = nbytes = 0


def _ring_echo(inbound: str, outbound: str) -> None:
    rx, tx = RingBuffer.open(inbound), RingBuffer.open(outbound)
    while frames := rx.pop_many(BATCH, None):
        tx.push_many(frames, None)


def _pipe_echo(conn: Connection) -> None:
    while frame := conn.recv_bytes():
        conn.send_bytes(frame)


def _queue_echo(inbound: Any, outbound: Any) -> None:
    while (frame := inbound.get()) is not None:
        outbound.put(frame)


@contextmanager
def _peer(target: Callable[..., None], *args: Any, stop: Callable[[], None]) -> Iterator[None]:
    """Runs `target(*args)` in a spawned process; `stop()` must make it return."""
    process = _SPAWN.Process(target=target, args=args)
    process.start()
    try:
        yield
    finally:
        stop()
        process.join(30)
        if process.is_alive():  # pragma: no cover - a hung peer; the exit code assertion reports it
            process.kill()
            process.join()
    assert process.exitcode == 0


@contextmanager
def _rings(*tags: str) -> Iterator[list[RingBuffer]]:
    names = [_name(tag) for tag in tags]
    try:
        yield [RingBuffer.create(name, RING_CAPACITY) for name in names]
    finally:
        for name in names:
            RingBuffer.unlink(name, missing_ok=True)


# Throughput.


def _timed(rounds: list[float], send_round: Callable[[], int]) -> Callable[[], int]:
    def run() -> int:
        start = time.perf_counter()
        acked = send_round()
        rounds.append(time.perf_counter() - start)
        return acked

    return run


def _record_throughput(benchmark: Any, rounds: list[float], count: int, size: int) -> None:
    median = statistics.median(rounds)
    benchmark.extra_info.update(
        frames=count,
        frame_bytes=size,
        frames_per_s=round(count / median),
        mb_per_s=round(count * size / median / 1e6, 1),
    )


@SIZES
def test_ring_throughput(benchmark: Any, size: int) -> None:
    count = ROUNDS[size]
    frames = _frames(size, count)
    batches = [frames[i : i + BATCH] for i in range(0, count, BATCH)]
    rounds: list[float] = []
    with _rings("data", "ack") as (tx, ack):

        def send_round() -> int:
            for batch in batches:
                tx.push_many(batch, None)
            (acked,) = ack.pop_many(1, 30.0)
            return int.from_bytes(acked, "little")

        with _peer(_ring_sink, tx.name, ack.name, count, stop=tx.close):
            acked = benchmark(_timed(rounds, send_round))
    assert acked == count * size
    _record_throughput(benchmark, rounds, count, size)


@SIZES
def test_pipe_throughput(benchmark: Any, size: int) -> None:
    count = ROUNDS[size]
    frames = _frames(size, count)
    rounds: list[float] = []
    parent, child = _SPAWN.Pipe()

    def send_round() -> int:
        for frame in frames:
            parent.send_bytes(frame)
        return int.from_bytes(parent.recv_bytes(), "little")

    with _peer(_pipe_sink, child, count, stop=lambda: parent.send_bytes(b"")):
        acked = benchmark(_timed(rounds, send_round))
    parent.close()
    child.close()
    assert acked == count * size
    _record_throughput(benchmark, rounds, count, size)


@SIZES
def test_queue_throughput(benchmark: Any, size: int) -> None:
    count = ROUNDS[size]
    frames = _frames(size, count)
    batches = [frames[i : i + BATCH] for i in range(0, count, BATCH)]
    rounds: list[float] = []
    queue, acks = _SPAWN.Queue(), _SPAWN.Queue()

    def send_round() -> int:
        for batch in batches:
            queue.put(batch)
        return int(acks.get(timeout=30))

    with _peer(_queue_sink, queue, acks, count, stop=lambda: queue.put(None)):
        acked = benchmark(_timed(rounds, send_round))
    assert acked == count * size
    _record_throughput(benchmark, rounds, count, size)


# Latency.


def _record_latency(benchmark: Any, samples: list[int]) -> None:
    samples.sort()
    benchmark.extra_info.update(
        round_trips=len(samples),
        p50_us=round(samples[len(samples) // 2] / 1000, 1),
        p99_us=round(samples[len(samples) * 99 // 100] / 1000, 1),
    )


@pytest.mark.benchmark(group="ring-latency")
def test_ring_ping_pong_latency(benchmark: Any) -> None:
    frame = b"p" * 64
    samples: list[int] = []
    with _rings("ping", "pong") as (ping, pong):

        def round_trips() -> None:
            for _ in range(ROUND_TRIPS):
                start = time.perf_counter_ns()
                ping.push(frame)
                (echo,) = pong.pop_many(1, 10.0)
                samples.append(time.perf_counter_ns() - start)
            assert echo == frame

        with _peer(_ring_echo, ping.name, pong.name, stop=ping.close):
            benchmark(round_trips)
    _record_latency(benchmark, samples)


@pytest.mark.benchmark(group="ring-latency")
def test_pipe_ping_pong_latency(benchmark: Any) -> None:
    frame = b"p" * 64
    samples: list[int] = []
    parent, child = _SPAWN.Pipe()

    def round_trips() -> None:
        for _ in range(ROUND_TRIPS):
            start = time.perf_counter_ns()
            parent.send_bytes(frame)
            echo = parent.recv_bytes()
            samples.append(time.perf_counter_ns() - start)
        assert echo == frame

    with _peer(_pipe_echo, child, stop=lambda: parent.send_bytes(b"")):
        benchmark(round_trips)
    parent.close()
    child.close()
    _record_latency(benchmark, samples)


@pytest.mark.benchmark(group="ring-latency")
def test_queue_ping_pong_latency(benchmark: Any) -> None:
    frame = b"p" * 64
    samples: list[int] = []
    inbound, outbound = _SPAWN.Queue(), _SPAWN.Queue()

    def round_trips() -> None:
        for _ in range(ROUND_TRIPS):
            start = time.perf_counter_ns()
            inbound.put(frame)
            echo = outbound.get(timeout=10)
            samples.append(time.perf_counter_ns() - start)
        assert echo == frame

    with _peer(_queue_echo, inbound, outbound, stop=lambda: inbound.put(None)):
        benchmark(round_trips)
    _record_latency(benchmark, samples)
