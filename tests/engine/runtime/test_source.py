"""The source task loop against the real broker: records, offsets, stop, errors."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.errors import ConnectError
from engine.runtime.protocol import (
    Commit,
    Metrics,
    SetTargetState,
    SourceOffsets,
    StartTask,
    StatusChanged,
    TopicsUsed,
)
from engine.runtime.source import RecordMetadata, run_source_task
from tests.engine.runtime.conftest import JSON, STRING, TaskThread, consume

pytestmark = pytest.mark.integration


class Running(TaskThread):
    def __init__(self, start: StartTask, channel: Any) -> None:
        super().__init__(run_source_task, start, channel, timeout=20.0)


def start_task(task_class: str, bootstrap: str, config: dict[str, str], **worker: str) -> StartTask:
    return StartTask(
        connector="src",
        task=0,
        task_class=task_class,
        connector_config=config,
        task_config=config,
        target_state="STARTED",
        worker={"bootstrap.servers": bootstrap, "offset.flush.interval.ms": "200", **worker},
    )


def latest_offsets(channel: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for event in channel.of(SourceOffsets):
        for partition, offset in event.offsets:
            out[json.dumps(partition, sort_keys=True)] = offset
    return out


@pytest.fixture
def lines_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "in.txt"
    path.write_text("alpha\nbeta\ngamma\n", encoding="utf-8")
    yield path


def test_file_source_lines_land_in_kafka_with_the_converters_bytes(
    fakes: Any, kafka_bootstrap: str, unique_topic: str, lines_file: Path
) -> None:
    channel = fakes.FakeChannel()
    config = {
        "file": str(lines_file),
        "topic": unique_topic,
        "key.converter": STRING,
        "value.converter": JSON,
        "value.converter.schemas.enable": "true",
    }
    running = Running(
        start_task("connectors.file.source:FileStreamSourceTask", kafka_bootstrap, config), channel
    )
    end = lines_file.stat().st_size
    partition = json.dumps({"filename": str(lines_file)}, sort_keys=True)
    running.wait_for(lambda: latest_offsets(channel).get(partition) == {"position": end})
    assert channel.of(StatusChanged)[0] == StatusChanged("RUNNING")
    messages = consume(kafka_bootstrap, unique_topic, 3)
    assert [m.value() for m in messages] == [
        b'{"schema":{"type":"string","optional":false},"payload":"%s"}' % word
        for word in (b"alpha", b"beta", b"gamma")
    ]
    assert [m.key() for m in messages] == [None, None, None]
    running.stop()
    assert TopicsUsed([unique_topic]) in channel.events


def test_offsets_only_for_acked_records_and_commit_record_gets_metadata(
    fakes: Any, kafka_bootstrap: str, unique_topic: str
) -> None:
    channel = fakes.FakeChannel()
    config = {
        "topic": unique_topic,
        "count": "12",
        "batch": "5",
        "key.converter": STRING,
        "value.converter": STRING,
    }
    running = Running(start_task("loop_fakes:ListSourceTask", kafka_bootstrap, config), channel)
    running.wait_for(lambda: latest_offsets(channel).get('{"p": "x"}') == {"i": 11})
    running.stop()
    committed = fakes.ListSourceTask.COMMITTED
    assert [r.value for r, _ in committed] == [f"value-{i}" for i in range(12)]
    metadata = committed[-1][1]
    assert isinstance(metadata, RecordMetadata)
    assert (metadata.topic, metadata.partition, metadata.offset) == (unique_topic, 0, 11)
    # Offsets reported never run ahead of acknowledged records.
    for event in channel.of(SourceOffsets):
        for _, offset in event.offsets:
            assert offset["i"] < len(committed)
    assert fakes.ListSourceTask.COMMITS, "task.commit() was never called"
    messages = consume(kafka_bootstrap, unique_topic, 12)
    assert [(m.key(), m.value()) for m in messages] == [
        (f"k{i}".encode(), f"value-{i}".encode()) for i in range(12)
    ]


def test_records_with_headers_are_produced_with_their_headers(
    fakes: Any, kafka_bootstrap: str, unique_topic: str
) -> None:
    channel = fakes.FakeChannel()
    config = {
        "topic": unique_topic,
        "count": "3",
        "headers": "true",
        "key.converter": STRING,
        "value.converter": STRING,
    }
    running = Running(start_task("loop_fakes:ListSourceTask", kafka_bootstrap, config), channel)
    running.wait_for(lambda: latest_offsets(channel).get('{"p": "x"}') == {"i": 2})
    running.stop()
    messages = consume(kafka_bootstrap, unique_topic, 3)
    assert [m.headers() for m in messages] == [[("h", f"v{i}".encode())] for i in range(3)]


def test_stop_flushes_and_reports_the_final_offsets(
    fakes: Any, kafka_bootstrap: str, unique_topic: str
) -> None:
    channel = fakes.FakeChannel()
    config = {
        "topic": unique_topic,
        "count": "50",
        "batch": "50",
        "key.converter": STRING,
        "value.converter": STRING,
    }
    # No periodic commit: only Stop reports offsets.
    start = start_task(
        "loop_fakes:ListSourceTask", kafka_bootstrap, config, **{"offset.flush.interval.ms": "600000"}
    )
    running = Running(start, channel)
    running.wait_for(lambda: len(fakes.ListSourceTask.COMMITTED) == 50)
    assert channel.of(SourceOffsets) == []
    channel.send(Commit())
    running.wait_for(lambda: latest_offsets(channel).get('{"p": "x"}') == {"i": 49})
    running.stop()
    assert channel.of(SourceOffsets)[-1].offsets == [({"p": "x"}, {"i": 49})]


def test_paused_task_does_not_poll_until_resumed(fakes: Any, kafka_bootstrap: str, unique_topic: str) -> None:
    channel = fakes.FakeChannel()
    config = {"topic": unique_topic, "count": "5", "key.converter": STRING, "value.converter": STRING}
    start = start_task("loop_fakes:ListSourceTask", kafka_bootstrap, config)
    start = StartTask(**{**{f: getattr(start, f) for f in start.__struct_fields__}, "target_state": "PAUSED"})
    running = Running(start, channel)
    running.wait_for(lambda: StatusChanged("PAUSED") in channel.events)
    time.sleep(0.5)
    assert fakes.ListSourceTask.COMMITTED == []
    channel.send(SetTargetState("STARTED"))
    running.wait_for(lambda: len(fakes.ListSourceTask.COMMITTED) == 5)
    running.stop()
    assert [e.state for e in channel.of(StatusChanged)] == ["PAUSED", "RUNNING"]


def test_conversion_failure_fails_the_task_under_tolerance_none(
    fakes: Any, kafka_bootstrap: str, unique_topic: str
) -> None:
    channel = fakes.FakeChannel()
    # Cast to int32 fails on a non-numeric string: a TRANSFORMATION failure.
    config = {
        "topic": unique_topic,
        "count": "3",
        "key.converter": STRING,
        "value.converter": STRING,
        "transforms": "cast",
        "transforms.cast.type": "org.apache.kafka.connect.transforms.Cast$Value",
        "transforms.cast.spec": "int32",
    }
    running = Running(start_task("loop_fakes:ListSourceTask", kafka_bootstrap, config), channel)
    with pytest.raises(ConnectError, match=r"^Tolerance exceeded in error handler$") as failure:
        running.join()
    assert failure.value.__cause__ is not None


@pytest.mark.parametrize("log_enable", [True, False])
def test_conversion_failure_is_skipped_logged_and_counted_under_tolerance_all(
    fakes: Any, kafka_bootstrap: str, unique_topic: str, caplog: pytest.LogCaptureFixture, log_enable: bool
) -> None:
    channel = fakes.FakeChannel()
    config = {
        "topic": unique_topic,
        "count": "3",
        "key.converter": STRING,
        "value.converter": STRING,
        "transforms": "cast",
        "transforms.cast.type": "org.apache.kafka.connect.transforms.Cast$Value",
        "transforms.cast.spec": "int32",
        "errors.tolerance": "all",
        "errors.log.enable": str(log_enable).lower(),
    }
    running = Running(start_task("loop_fakes:ListSourceTask", kafka_bootstrap, config), channel)
    running.wait_for(lambda: latest_offsets(channel).get('{"p": "x"}') == {"i": 2})
    running.stop()
    assert [metadata for _, metadata in fakes.ListSourceTask.COMMITTED] == [None, None, None]
    metrics = channel.of(Metrics)[-1].counters
    assert metrics["source_record_skip_total"] == 3
    assert metrics["total_records_skipped"] == 3
    if log_enable:
        assert (
            "Error encountered in task src-0. Executing stage 'TRANSFORMATION' with class "
            "'org.apache.kafka.connect.transforms.Cast$Value'."
        ) in caplog.text
        assert metrics["total_errors_logged"] == 3
    else:
        # Not logged record by record, but never silently: one warning per batch.
        assert "Error encountered" not in caplog.text
        assert "Skipped 3 record(s) that failed in the converters or transforms" in caplog.text


def refused_records(topic: str, **settings: str) -> dict[str, str]:
    """Two records librdkafka refuses (above `message.max.bytes`): KAFKA_PRODUCE failures."""
    return {
        "topic": topic,
        "count": "2",
        "key.converter": STRING,
        "value.converter": STRING,
        "producer.override.message.max.bytes": "1000",
        "pad": "2000",
        **settings,
    }


# Per-record acknowledgements (the task overrides commit_record) and batches as units.
@pytest.mark.parametrize("task_class", ["loop_fakes:ListSourceTask", "loop_fakes:PlainListSourceTask"])
def test_send_failure_fails_the_task_without_offsets_under_tolerance_none(
    fakes: Any, kafka_bootstrap: str, unique_topic: str, task_class: str
) -> None:
    channel = fakes.FakeChannel()
    running = Running(start_task(task_class, kafka_bootstrap, refused_records(unique_topic)), channel)
    with pytest.raises(ConnectError, match=r"^Unrecoverable exception from producer send callback$"):
        running.join()
    assert fakes.ListSourceTask.COMMITTED == []
    assert channel.of(SourceOffsets) == []


def test_send_failure_is_skipped_and_logged_under_tolerance_all(
    fakes: Any, kafka_bootstrap: str, unique_topic: str, caplog: pytest.LogCaptureFixture
) -> None:
    channel = fakes.FakeChannel()
    config = refused_records(unique_topic, **{"errors.tolerance": "all", "errors.log.enable": "true"})
    running = Running(start_task("loop_fakes:ListSourceTask", kafka_bootstrap, config), channel)
    running.wait_for(lambda: latest_offsets(channel).get('{"p": "x"}') == {"i": 1})
    running.stop()
    assert [metadata for _, metadata in fakes.ListSourceTask.COMMITTED] == [None, None]
    metrics = channel.of(Metrics)[-1].counters
    assert metrics["source_record_skip_total"] == 2
    # Connect compat: WorkerSourceTask.producerSendFailed reports itself as the executing class.
    assert (
        "Error encountered in task src-0. Executing stage 'KAFKA_PRODUCE' with class "
        "'org.apache.kafka.connect.runtime.WorkerSourceTask'."
    ) in caplog.text


def test_stop_wakes_a_blocked_poll(
    fakes: Any, kafka_bootstrap: str, unique_topic: str, tmp_path: Path
) -> None:
    channel = fakes.FakeChannel()
    config = {"file": str(tmp_path / "missing.txt"), "topic": unique_topic}
    running = Running(
        start_task("connectors.file.source:FileStreamSourceTask", kafka_bootstrap, config), channel
    )
    running.wait_for(lambda: StatusChanged("RUNNING") in channel.events)
    started = time.monotonic()
    running.stop()
    assert time.monotonic() - started < 1.0


def test_batches_are_acknowledged_as_units_when_the_task_skips_commit_record(
    fakes: Any, kafka_bootstrap: str, unique_topic: str
) -> None:
    channel = fakes.FakeChannel()
    config = {
        "topic": unique_topic,
        "count": "23",
        "batch": "5",
        "timestamp": "1700000000000",
        "key.converter": STRING,
        "value.converter": STRING,
    }
    running = Running(start_task("loop_fakes:PlainListSourceTask", kafka_bootstrap, config), channel)
    running.wait_for(lambda: latest_offsets(channel).get('{"p": "x"}') == {"i": 22})
    running.stop()
    assert fakes.ListSourceTask.COMMITTED == []  # batch mode: no commit_record calls
    assert fakes.ListSourceTask.COMMITS, "task.commit() was never called"
    # Every offset reported ends a whole batch of 5 (or the last, partial one).
    reported = [offset["i"] for event in channel.of(SourceOffsets) for _, offset in event.offsets]
    assert reported and all(i % 5 == 4 or i == 22 for i in reported), reported
    assert TopicsUsed([unique_topic]) in channel.events
    assert channel.of(Metrics)[-1].counters["source_record_write_total"] == 23.0
    messages = consume(kafka_bootstrap, unique_topic, 23)
    assert [(m.key(), m.value(), m.timestamp()[1]) for m in messages] == [
        (f"k{i}".encode(), f"value-{i}".encode(), 1700000000000 + i) for i in range(23)
    ]


def test_batch_records_refused_by_a_full_producer_queue_are_sent_once_in_order(
    fakes: Any, kafka_bootstrap: str, unique_topic: str
) -> None:
    # A queue of 3 messages refuses most of every batch of 10: each refused record is retried
    # once there is room, and the run over the batch resumes after it.
    channel = fakes.FakeChannel()
    config = {
        "topic": unique_topic,
        "count": "23",
        "batch": "10",
        "key.converter": STRING,
        "value.converter": STRING,
        "producer.override.queue.buffering.max.messages": "3",
    }
    running = Running(start_task("loop_fakes:PlainListSourceTask", kafka_bootstrap, config), channel)
    running.wait_for(lambda: latest_offsets(channel).get('{"p": "x"}') == {"i": 22})
    running.stop()
    assert channel.of(Metrics)[-1].counters["source_record_write_total"] == 23.0
    messages = consume(kafka_bootstrap, unique_topic, 30, timeout=5.0)
    assert [m.value() for m in messages] == [f"value-{i}".encode() for i in range(23)]


def test_one_record_per_poll_is_sent_acknowledged_and_committed_once_each_in_order(
    fakes: Any, kafka_bootstrap: str, unique_topic: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # VerifiableSource: a poll() per record, commit_record overridden (a delivery callback per
    # record), a line printed when sent and again when acknowledged.
    channel = fakes.FakeChannel()
    config = {
        "name": "vs",
        "id": "0",
        "topic": unique_topic,
        "throughput": "-1",
        "key.converter": JSON,
        "value.converter": JSON,
        "key.converter.schemas.enable": "false",
        "value.converter.schemas.enable": "false",
    }
    running = Running(
        start_task("connectors.tools.verifiable:VerifiableSourceTask", kafka_bootstrap, config), channel
    )
    partition = json.dumps({"id": 0}, sort_keys=True)
    running.wait_for(lambda: latest_offsets(channel).get(partition, {}).get("seqno", -1) >= 200)
    channel.send(Commit())  # a control reaching the loop between two polls
    commits = len(channel.of(SourceOffsets))
    running.wait_for(lambda: len(channel.of(SourceOffsets)) > commits)
    running.stop()
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    sent = [p["seqno"] for p in printed if "committed" not in p]
    acknowledged = [p["seqno"] for p in printed if p.get("committed") is True]
    # Stop flushed the producer: every record sent was acknowledged, once, in order.
    assert sent == list(range(len(sent)))
    assert acknowledged == sent
    assert latest_offsets(channel)[partition] == {"seqno": sent[-1]}
    for event in channel.of(SourceOffsets):
        assert [p for p, _ in event.offsets] == [{"id": 0}]
    messages = consume(kafka_bootstrap, unique_topic, len(sent))
    assert [(m.key(), m.value()) for m in messages] == [(b"0", str(i).encode()) for i in sent]
