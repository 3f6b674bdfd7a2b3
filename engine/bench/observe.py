"""How the harness sees a system's progress from the outside: the output topic or the sink file.

Every system is observed the same way, so no system reports its own
figures. A topic's progress is the sum of its partitions' end offsets; a
file's is its count of complete lines. A file whose lines carry a send time
(``end-to-end``) also yields one latency per line: the time the harness saw
the line minus the time the feeder wrote it, both on the harness's
monotonic clock.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Protocol

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

__all__ = [
    "FileOutput",
    "Output",
    "TopicOutput",
    "latency_line",
    "parse_latency_line",
]

WARMUP_MARK = b"w"
_NOT_YET_KNOWN = (KafkaError._UNKNOWN_PARTITION, KafkaError._UNKNOWN_TOPIC, KafkaError.UNKNOWN_TOPIC_OR_PART)
# Transient while a topic is new or its leader moves; the watermark call does not flag them
# retriable itself, so they are named here.
_TRANSIENT = (
    KafkaError.NOT_LEADER_FOR_PARTITION,
    KafkaError.LEADER_NOT_AVAILABLE,
    KafkaError.REPLICA_NOT_AVAILABLE,
    KafkaError.REQUEST_TIMED_OUT,
    KafkaError._TIMED_OUT,
    KafkaError._TRANSPORT,
)
_READ_CHUNK = 1 << 20


class Output(Protocol):
    """Something whose record count grows while a system runs."""

    def count(self) -> int:
        """Records seen so far (counting from the start of the run)."""
        ...

    def latencies_ms(self) -> list[float]:
        """End-to-end latencies of the records seen so far (empty when not measured)."""
        ...

    def close(self) -> None: ...


class TopicOutput:
    """Counts the records in a topic from its partitions' end offsets.

    Args:
        bootstrap: ``bootstrap.servers``.
        topic: The topic, which must exist.
        partitions: Its partition count.
    """

    def __init__(self, bootstrap: str, topic: str, partitions: int) -> None:
        self.topic = topic
        # Only watermark requests: the group id is never joined or committed.
        self._consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": "kconnect-bench-observer",
                "enable.auto.commit": False,
            }
        )
        self._partitions = [TopicPartition(topic, partition) for partition in range(partitions)]
        self._last = [0] * partitions
        """Each partition's last known end offset, counted while a retriable error hides it."""

    def count(self) -> int:
        total = 0
        for index, partition in enumerate(self._partitions):
            try:
                _, high = self._consumer.get_watermark_offsets(partition, timeout=5.0, cached=False)
            except KafkaException as exc:
                error = exc.args[0]
                if error.code() in _NOT_YET_KNOWN or error.code() in _TRANSIENT or error.retriable():
                    # A topic created a moment ago (its partitions count 0 until known), or a
                    # leader that moved (NOT_LEADER_FOR_PARTITION): the next count asks again.
                    total += self._last[index]
                    continue
                raise RuntimeError(f"cannot read the end offsets of topic `{self.topic}`: {exc}") from exc
            self._last[index] = max(high, 0)
            total += self._last[index]
        return total

    def latencies_ms(self) -> list[float]:
        return []

    def close(self) -> None:
        self._consumer.close()


class FileOutput:
    """Counts the complete lines of a growing file, reading only what was appended.

    Args:
        path: The sink file (it may not exist yet).
        latency: Parse each line's send time (see `latency_line`) and keep
            one latency per line. Warm-up lines (starting with ``w``) are
            never counted.
    """

    def __init__(self, path: Path, latency: bool = False) -> None:
        self.path = path
        self.latency = latency
        self._position = 0
        self._partial = b""
        self._lines = 0
        self._latencies: list[float] = []
        self.warmups = 0
        """Warm-up lines seen: the system moves data end to end once this is positive."""

    def count(self) -> int:
        try:
            with open(self.path, "rb") as file:
                file.seek(self._position)
                while chunk := file.read(_READ_CHUNK):
                    self._position += len(chunk)
                    self._take(chunk, time.monotonic_ns())
        except FileNotFoundError:
            pass
        return self._lines

    def _take(self, chunk: bytes, seen_ns: int) -> None:
        if not self.latency:
            # Plain counting (no warm-up lines outside latency runs): no per-line work.
            self._lines += chunk.count(b"\n")
            return
        data = self._partial + chunk
        lines = data.split(b"\n")
        self._partial = lines.pop()
        for line in lines:
            if line.startswith(WARMUP_MARK):
                self.warmups += 1
                continue
            self._lines += 1
            if self.latency:
                sent_ns = parse_latency_line(line)
                if sent_ns is not None:
                    self._latencies.append((seen_ns - sent_ns) / 1e6)

    def latencies_ms(self) -> list[float]:
        return list(self._latencies)

    def close(self) -> None:
        return None


def latency_line(sequence: int, sent_ns: int, size: int, warmup: bool = False) -> bytes:
    """A line of ``size`` bytes (newline excluded, at least the header) carrying its send time.

    Layout: ``<seq:010d> <monotonic ns:020d> <filler>``; warm-up lines start with ``w``.
    """
    head = f"{'w' if warmup else ''}{sequence:010d} {sent_ns:020d} ".encode()
    return head + b"x" * max(0, size - len(head)) + b"\n"


def parse_latency_line(line: bytes) -> int | None:
    """The send time of a `latency_line`, or ``None`` when the line is not one."""
    parts = line.split(b" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        return None
    return int(parts[1])
