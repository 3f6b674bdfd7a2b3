"""The ``raw`` system: only a scenario's Kafka I/O, with plain confluent-kafka calls.

The ceiling the engines are measured against: no converters, no transforms,
no framework, just ``produce_batch`` and ``consume(num_messages)``. It runs
as its own process (``python -m engine.bench.raw JOB.json``), so the harness
measures its CPU time and memory exactly as it measures the other systems.

Jobs (written by `engine.bench.scenarios`):

- ``file-to-topic``: every line of ``file`` becomes a record of ``topic``.
- ``topic-to-file``: ``records`` records of ``topic`` (from the start) become lines of ``file``.
- ``file-pipe``: tails ``input`` into ``topic`` while a consumer writes ``topic`` to
  ``output``, until ``records`` non-warm-up lines are written.
- ``generate``: ``records`` small records to ``topic`` from ``processes`` processes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, KafkaError, Producer

__all__ = ["main"]

_PRODUCE_BATCH = 10_000
# Connect's max.poll.records default, and kconnect's sink batch; `consumer.max.poll.records` in the
# run's worker properties sets it, as it does for both workers. Batches of 10,000 (~4.4 MB of
# file-sink-smt envelopes) ran at about half the rate for 2.5x the CPU: each batch's Message objects and
# joined buffer miss the caches and fault fresh pages in (bench/README.md, "The raw ceiling").
_CONSUME_BATCH = 500
_MAX_POLL_RECORDS = "max.poll.records"
_READ_CHUNK = 1 << 20
_TAIL_INTERVAL_S = 0.002
_PIPE_CONSUME_S = 0.005
_FLUSH_TIMEOUT_S = 120.0


class RawJobError(Exception):
    """The job cannot go on; the message is printed and the process exits with status 1."""


def _producer(job: dict[str, Any]) -> Producer:
    return Producer({"bootstrap.servers": job["bootstrap"], **job.get("producer", {})})


def _consumer(job: dict[str, Any]) -> tuple[Consumer, int]:
    """The job's consumer, subscribed, and how many records to consume at a time."""
    settings = dict(job.get("consumer", {}))
    # A Java consumer setting librdkafka does not know: the job applies it to consume() itself.
    # At most what confluent-kafka's consume() takes, as kconnect's sink task caps it.
    batch = min(int(settings.pop(_MAX_POLL_RECORDS, _CONSUME_BATCH)), 1_000_000)
    config = {
        "bootstrap.servers": job["bootstrap"],
        "group.id": job["group"],
        "auto.offset.reset": "earliest",
        **settings,
    }
    consumer = Consumer(config)
    consumer.subscribe([job["topic"]])
    return consumer, batch


def produce_all(producer: Producer, topic: str, messages: list[dict[str, Any]]) -> None:
    """Queue every message, waiting for room whenever the producer's queue is full."""
    while messages:
        queued = producer.produce_batch(topic, messages)
        if queued == len(messages):
            producer.poll(0)
            return
        failed = [message for message in messages if "_error" in message]
        error = failed[0]["_error"]
        if not isinstance(error, KafkaError) or error.code() != KafkaError._QUEUE_FULL:
            raise RawJobError(f"producing to `{topic}` failed: {error}")
        for message in failed:
            del message["_error"]
        messages = failed
        producer.poll(0.05)


def _flush(producer: Producer) -> None:
    remaining = producer.flush(_FLUSH_TIMEOUT_S)
    if remaining:
        raise RawJobError(f"{remaining} records were not delivered within {_FLUSH_TIMEOUT_S} s")


def file_to_topic(job: dict[str, Any]) -> None:
    producer = _producer(job)
    topic = job["topic"]
    partial = b""
    with open(job["file"], "rb") as source:
        while chunk := source.read(_READ_CHUNK):
            lines = (partial + chunk).split(b"\n")
            partial = lines.pop()
            for start in range(0, len(lines), _PRODUCE_BATCH):
                batch = lines[start : start + _PRODUCE_BATCH]
                produce_all(producer, topic, [{"value": line} for line in batch])
    if partial:
        produce_all(producer, topic, [{"value": partial}])
    _flush(producer)


def topic_to_file(job: dict[str, Any]) -> None:
    consumer, batch = _consumer(job)
    wanted = int(job["records"])
    written = 0
    try:
        with open(job["file"], "ab", buffering=0) as sink:
            while written < wanted:
                values = _values(consumer.consume(num_messages=batch, timeout=0.5))
                if values:
                    sink.write(b"\n".join(values) + b"\n")
                    written += len(values)
    finally:
        consumer.close()


def _values(messages: Sequence[Any]) -> list[bytes]:
    values = []
    for message in messages:
        error = message.error()
        if error is not None:
            if error.code() == KafkaError._PARTITION_EOF:
                continue
            raise RawJobError(f"consuming failed: {error}")
        values.append(message.value() or b"")
    return values


def _tail_into(job: dict[str, Any], stop: threading.Event, failure: list[BaseException]) -> None:
    producer = _producer(job)
    topic = job["topic"]
    partial = b""
    try:
        with open(job["input"], "rb") as source:
            while not stop.is_set():
                chunk = source.read(_READ_CHUNK)
                if not chunk:
                    producer.poll(_TAIL_INTERVAL_S)
                    continue
                lines = (partial + chunk).split(b"\n")
                partial = lines.pop()
                if lines:
                    produce_all(producer, topic, [{"value": line} for line in lines])
        _flush(producer)
    except (RawJobError, OSError) as exc:
        failure.append(exc)
        stop.set()


def file_pipe(job: dict[str, Any]) -> None:
    stop = threading.Event()
    failure: list[BaseException] = []
    tail = threading.Thread(target=_tail_into, args=(job, stop, failure), name="raw-tail")
    tail.start()
    consumer, batch = _consumer(job)
    wanted = int(job["records"])
    written = 0
    try:
        with open(job["output"], "ab", buffering=0) as sink:
            while written < wanted and not stop.is_set():
                # Short: consume() waits for a full batch or the timeout, which adds to latency here.
                values = _values(consumer.consume(num_messages=batch, timeout=_PIPE_CONSUME_S))
                if values:
                    sink.write(b"\n".join(values) + b"\n")
                    written += sum(1 for value in values if not value.startswith(b"w"))
    finally:
        stop.set()
        tail.join()
        consumer.close()
    if failure:
        raise RawJobError(f"the producing side failed: {failure[0]}")


def generate(job: dict[str, Any], shard: int | None, job_path: str) -> None:
    processes = int(job["processes"])
    records = int(job["records"])
    children: list[subprocess.Popen[bytes]] = []
    if shard is None:
        # Shard 0 is this process; the others are children, so they are part of the measured tree.
        children = [
            subprocess.Popen([sys.executable, "-m", "engine.bench.raw", job_path, str(index)])
            for index in range(1, processes)
        ]
        shard = 0
    count = records // processes + (records % processes if shard == 0 else 0)
    producer = _producer(job)
    key = str(shard).encode()
    for start in range(0, count, _PRODUCE_BATCH):
        stop = min(count, start + _PRODUCE_BATCH)
        produce_all(
            producer, job["topic"], [{"key": key, "value": b"%d" % seqno} for seqno in range(start, stop)]
        )
    _flush(producer)
    failed = [child.args for child in children if child.wait() != 0]
    if failed:
        raise RawJobError(f"{len(failed)} generator processes failed")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the job file ``argv[0]`` (``argv[1]``: the generator shard of a child process)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print("usage: python -m engine.bench.raw JOB.json [SHARD]", file=sys.stderr)
        return 2
    job: dict[str, Any] = json.loads(Path(args[0]).read_text())
    kind = job["kind"]
    try:
        if kind == "file-to-topic":
            file_to_topic(job)
        elif kind == "topic-to-file":
            topic_to_file(job)
        elif kind == "file-pipe":
            file_pipe(job)
        elif kind == "generate":
            generate(job, int(args[1]) if len(args) > 1 else None, args[0])
        else:
            raise RawJobError(f"unknown raw job kind {kind!r}")
    except RawJobError as exc:
        print(f"raw: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
