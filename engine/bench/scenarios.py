"""The named benchmark scenarios: their input data, connector configs, raw job and completion test.

A scenario is prepared once per run (input file written, input topic
filled), then planned once per system and round (`BenchContext.for_round`):
each system gets its own output topic or file, its own connector names (so
its own consumer group), and the same properties. ``kconnect`` and
``connect-java`` run the very same worker and connector properties; ``raw``
gets a job that does only the scenario's Kafka I/O (see `engine.bench.raw`).
"""

from __future__ import annotations

import dataclasses
import io
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from confluent_kafka import Producer
from confluent_kafka.admin import (  # type: ignore[attr-defined]  # NewTopic is re-exported without __all__
    AdminClient,
    NewTopic,
)

from engine.bench.observe import FileOutput, Output, TopicOutput, latency_line
from engine.bench.settings import Settings
from engine.runtime.clients import SINK_CONSUMER_TUNING

__all__ = ["SCENARIOS", "BenchContext", "Feeder", "Plan", "Scenario", "scenario_names"]

STRING_CONVERTER = "org.apache.kafka.connect.storage.StringConverter"
JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter"
FILE_SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"
FILE_SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector"
VERIFIABLE_SOURCE = "org.apache.kafka.connect.tools.VerifiableSourceConnector"
REGEX_ROUTER = "org.apache.kafka.connect.transforms.RegexRouter"
REPLACE_FIELD_VALUE = "org.apache.kafka.connect.transforms.ReplaceField$Value"

_PRODUCE_CHUNK = 10_000
_FILLER = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" * 4
_WARMUP_INTERVAL_S = 0.1
_FEED_TICK_S = 0.005


@dataclass
class BenchContext:
    """What every scenario of one run shares: the broker, a work directory and the settings."""

    bootstrap: str
    workdir: Path
    settings: Settings
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    inputs: dict[str, object] = field(default_factory=dict)

    def name(self, label: str) -> str:
        """A topic or connector name unique to this run."""
        return f"bench-{self.run_id}-{label}"

    def for_round(self, index: int) -> BenchContext:
        """The context of round ``index`` of a repeated run (``--repeat``): the same inputs, nothing else.

        Its run id, and so every name derived from it (topics, connectors and
        their consumer groups, the raw job's group, a distributed worker's
        group and internal topics), and its directory, and so every file a
        plan or a system writes there (outputs, offsets files, properties,
        logs), are the round's own: a later round finds no committed offsets,
        stored source offsets or earlier output, and does all the work the
        first did. `inputs` (what `Scenario.prepare` made, only ever read) is
        the same object.
        """
        return dataclasses.replace(
            self, run_id=f"{self.run_id}-r{index}", workdir=self.workdir / f"round-{index}"
        )

    def create_topic(self, topic: str, partitions: int) -> None:
        # log_level 4: without it librdkafka prints an info line about the unread result event.
        admin = AdminClient({"bootstrap.servers": self.bootstrap, "log_level": 4})
        futures = admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])
        for future in futures.values():
            future.result(timeout=30)
        # The controller has the topic; wait until the broker's metadata shows every partition too.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            metadata = admin.list_topics(topic, timeout=5).topics.get(topic)
            if metadata is not None and metadata.error is None and len(metadata.partitions) == partitions:
                return
            time.sleep(0.05)
        raise RuntimeError(f"topic `{topic}` did not show up in the broker's metadata within 30 s")


class Feeder:
    """Appends `latency_line`\\ s to a file at a fixed rate from a thread (``end-to-end``).

    Until `go` is called it writes one warm-up line every 100 ms, so the
    harness can tell when the system under test moves data end to end; the
    measured lines follow at ``rate`` per second, stamped when written.
    """

    def __init__(self, path: Path, records: int, rate: int, size: int) -> None:
        self.path = path
        self.records = records
        self.rate = rate
        self.size = size
        self.error: OSError | None = None
        self._go = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-feeder", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def go(self) -> None:
        """Switch from warm-up lines to the measured feed."""
        self._go.set()

    def stop(self) -> None:
        self._stop.set()
        self._go.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            with open(self.path, "ab", buffering=0) as out:
                warmups = 0
                while not self._go.is_set():
                    out.write(latency_line(warmups, time.monotonic_ns(), self.size, warmup=True))
                    warmups += 1
                    self._go.wait(_WARMUP_INTERVAL_S)
                self._feed(out)
        except OSError as exc:  # handed to the harness thread, which reports it
            self.error = exc

    def _feed(self, out: io.FileIO) -> None:
        write = out.write
        started = time.monotonic()
        written = 0
        while written < self.records and not self._stop.is_set():
            due = min(self.records, int((time.monotonic() - started) * self.rate) + 1)
            if due > written:
                now = time.monotonic_ns()
                write(b"".join(latency_line(i, now, self.size) for i in range(written, due)))
                written = due
            self._stop.wait(_FEED_TICK_S)


@dataclass
class Plan:
    """One system's part of a scenario run.

    Attributes:
        expected: Records the output must reach for the run to be complete.
        payload_bytes: Payload bytes of those records, for MB/s.
        output: How the harness counts progress.
        worker: Worker properties (the harness adds bootstrap, REST listener
            and offsets file).
        connectors: One property map per connector.
        raw_job: The `engine.bench.raw` job doing the same Kafka I/O.
        feeder: Writes the input while the system runs (``end-to-end``).
    """

    expected: int
    payload_bytes: int
    output: Output
    worker: dict[str, str]
    connectors: list[dict[str, str]]
    raw_job: dict[str, object]
    feeder: Feeder | None = None


class Scenario:
    """A named workload. Subclasses fill `prepare` (shared inputs) and `plan` (per system)."""

    name = ""

    def prepare(self, context: BenchContext) -> None:
        """Create what all systems read (called once per run, before any system starts)."""

    def plan(self, context: BenchContext, system: str) -> Plan:
        raise NotImplementedError


def _line(index: int, size: int) -> bytes:
    head = b"%010d " % index
    start = index % 61
    return head + _FILLER[start : start + max(0, size - len(head))] + b"\n"


def _converter_properties(kind: str, prefix: str) -> dict[str, str]:
    if kind == "json":
        return {prefix: JSON_CONVERTER, f"{prefix}.schemas.enable": "false"}
    return {prefix: STRING_CONVERTER}


def _with_overrides(context: BenchContext, connector: dict[str, str]) -> dict[str, str]:
    return {**connector, **context.settings.connector_properties}


def _raw_job(context: BenchContext, kind: str, **fields: object) -> dict[str, object]:
    worker = context.settings.worker_properties
    return {
        "kind": kind,
        "bootstrap": context.bootstrap,
        "producer": {k.removeprefix("producer."): v for k, v in worker.items() if k.startswith("producer.")},
        # The librdkafka defaults kconnect's sink consumers change (engine/runtime/clients.py):
        # without the fetch backoff, the ceiling itself stalled for up to a second whenever its
        # prefetch queue filled (raw's file-sink-smt figures ranged over 0.2M-0.8M records/s).
        "consumer": {
            **SINK_CONSUMER_TUNING,
            **{k.removeprefix("consumer."): v for k, v in worker.items() if k.startswith("consumer.")},
        },
        **fields,
    }


class FileSource(Scenario):
    name = "file-source"

    def prepare(self, context: BenchContext) -> None:
        settings = context.settings
        path = context.workdir / "input.txt"
        size = 0
        with open(path, "wb") as out:
            for start in range(0, settings.records, _PRODUCE_CHUNK):
                stop = min(settings.records, start + _PRODUCE_CHUNK)
                chunk = b"".join(_line(i, settings.record_size) for i in range(start, stop))
                size += len(chunk) - (stop - start)
                out.write(chunk)
        context.inputs["file"] = path
        context.inputs["payload_bytes"] = size

    def plan(self, context: BenchContext, system: str) -> Plan:
        settings = context.settings
        topic = context.name(f"{self.name}-{system}")
        context.create_topic(topic, settings.partitions)
        path = str(context.inputs["file"])
        connector = {
            "name": context.name(f"{self.name}-{system}"),
            "connector.class": FILE_SOURCE,
            "tasks.max": "1",
            "file": path,
            "topic": topic,
        }
        return Plan(
            expected=settings.records,
            payload_bytes=int(str(context.inputs["payload_bytes"])),
            output=TopicOutput(context.bootstrap, topic, settings.partitions),
            worker={
                **_converter_properties("string", "key.converter"),
                **_converter_properties(settings.converter, "value.converter"),
            },
            connectors=[_with_overrides(context, connector)],
            raw_job=_raw_job(context, "file-to-topic", file=path, topic=topic),
        )


_SMT_SCHEMA = json.dumps(
    {
        "type": "struct",
        "name": "bench.Order",
        "optional": False,
        "fields": [
            {"field": "id", "type": "int64", "optional": False},
            {"field": "name", "type": "string", "optional": False},
            {"field": "amount", "type": "double", "optional": False},
            {"field": "active", "type": "boolean", "optional": False},
            {"field": "note", "type": "string", "optional": True},
        ],
    },
    separators=(",", ":"),
)


def smt_value(index: int, size: int) -> bytes:
    """A JsonConverter envelope (schema + payload) whose payload is about ``size`` bytes."""
    active = "true" if index % 2 else "false"
    head = f'{{"id":{index},"name":"user-{index}","amount":{index % 1000}.5,"active":{active},"note":"'
    start = index % 61
    note = _FILLER[start : start + max(0, size - len(head) - 2)].decode()
    return f'{{"schema":{_SMT_SCHEMA},"payload":{head}{note}"}}}}'.encode()


class FileSinkSmt(Scenario):
    name = "file-sink-smt"

    def prepare(self, context: BenchContext) -> None:
        settings = context.settings
        topic = context.name(self.name)
        context.create_topic(topic, settings.partitions)
        # A queue big enough for the whole input: filling it is not what is measured.
        producer = Producer(
            {
                "bootstrap.servers": context.bootstrap,
                "linger.ms": 20,
                "queue.buffering.max.messages": 2_000_000,
                "queue.buffering.max.kbytes": 2_000_000,
            }
        )
        size = 0
        for start in range(0, settings.records, _PRODUCE_CHUNK):
            stop = min(settings.records, start + _PRODUCE_CHUNK)
            values = [smt_value(i, settings.record_size) for i in range(start, stop)]
            size += sum(len(value) for value in values)
            messages: list[dict[str, object]] = [{"value": value} for value in values]
            if producer.produce_batch(topic, messages) != len(messages):
                failed = next(message for message in messages if "_error" in message)
                raise RuntimeError(f"filling the input topic `{topic}` failed: {failed['_error']}")
            producer.poll(0)
        remaining = producer.flush(120)
        if remaining:
            raise RuntimeError(f"{remaining} records of the input topic `{topic}` were not delivered")
        context.inputs["topic"] = topic
        context.inputs["payload_bytes"] = size

    def plan(self, context: BenchContext, system: str) -> Plan:
        settings = context.settings
        topic = str(context.inputs["topic"])
        path = context.workdir / f"{self.name}-{system}.txt"
        connector = {
            "name": context.name(f"{self.name}-{system}"),
            "connector.class": FILE_SINK,
            "tasks.max": str(settings.tasks),
            "topics": topic,
            "file": str(path),
            "transforms": "route,fields",
            "transforms.route.type": REGEX_ROUTER,
            "transforms.route.regex": "bench-(.*)",
            "transforms.route.replacement": "routed-$1",
            "transforms.fields.type": REPLACE_FIELD_VALUE,
            "transforms.fields.exclude": "active",
            "transforms.fields.renames": "name:user",
        }
        return Plan(
            expected=settings.records,
            payload_bytes=int(str(context.inputs["payload_bytes"])),
            output=FileOutput(path),
            worker={
                "key.converter": STRING_CONVERTER,
                "value.converter": JSON_CONVERTER,
                "value.converter.schemas.enable": "true",
            },
            connectors=[_with_overrides(context, connector)],
            raw_job=_raw_job(
                context,
                "topic-to-file",
                topic=topic,
                file=str(path),
                records=settings.records,
                group=context.name(f"raw-{self.name}"),
            ),
        )


class EndToEnd(Scenario):
    name = "end-to-end"

    def plan(self, context: BenchContext, system: str) -> Plan:
        settings = context.settings
        topic = context.name(f"{self.name}-{system}")
        context.create_topic(topic, settings.partitions)
        source_file = context.workdir / f"{self.name}-{system}-in.txt"
        sink_file = context.workdir / f"{self.name}-{system}-out.txt"
        source_file.touch()
        source = {
            "name": context.name(f"{self.name}-{system}-source"),
            "connector.class": FILE_SOURCE,
            "tasks.max": "1",
            "file": str(source_file),
            "topic": topic,
        }
        sink = {
            "name": context.name(f"{self.name}-{system}-sink"),
            "connector.class": FILE_SINK,
            "tasks.max": "1",
            "topics": topic,
            "file": str(sink_file),
        }
        return Plan(
            expected=settings.records,
            payload_bytes=settings.records * max(settings.record_size, 32),
            output=FileOutput(sink_file, latency=True),
            worker={"key.converter": STRING_CONVERTER, "value.converter": STRING_CONVERTER},
            connectors=[_with_overrides(context, source), _with_overrides(context, sink)],
            raw_job=_raw_job(
                context,
                "file-pipe",
                input=str(source_file),
                topic=topic,
                output=str(sink_file),
                records=settings.records,
                group=context.name(f"raw-{self.name}"),
            ),
            feeder=Feeder(source_file, settings.records, settings.rate, settings.record_size),
        )


class TasksScaling(Scenario):
    name = "tasks-scaling"

    def plan(self, context: BenchContext, system: str) -> Plan:
        settings = context.settings
        topic = context.name(f"{self.name}-{system}")
        partitions = max(settings.partitions, settings.tasks)
        context.create_topic(topic, partitions)
        connector = {
            "name": context.name(f"{self.name}-{system}"),
            "connector.class": VERIFIABLE_SOURCE,
            "tasks.max": str(settings.tasks),
            "topic": topic,
            "throughput": "-1",
        }
        return Plan(
            expected=settings.records,
            # Each record is a task id key and a seqno value, a few bytes of JSON each.
            payload_bytes=settings.records * (1 + len(str(settings.records))),
            output=TopicOutput(context.bootstrap, topic, partitions),
            worker={
                **_converter_properties("json", "key.converter"),
                **_converter_properties("json", "value.converter"),
            },
            connectors=[_with_overrides(context, connector)],
            raw_job=_raw_job(
                context, "generate", topic=topic, records=settings.records, processes=settings.tasks
            ),
        )


SCENARIOS: dict[str, Scenario] = {
    scenario.name: scenario for scenario in (FileSource(), FileSinkSmt(), EndToEnd(), TasksScaling())
}


def scenario_names() -> list[str]:
    return list(SCENARIOS)
