"""The sink task loop against the real broker: put, commits, redelivery, errors and the DLQ."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]  # re-exported without __all__

from engine.errors import ConnectError
from engine.runtime.protocol import Commit, SetTargetState, StartTask, StatusChanged, TopicsUsed
from engine.runtime.sink import run_sink_task, subscription
from tests.engine.runtime.conftest import JSON, STRING, TaskThread, consume

pytestmark = pytest.mark.integration


class Running(TaskThread):
    def __init__(self, start: StartTask, channel: Any) -> None:
        super().__init__(run_sink_task, start, channel, timeout=30.0)


def create_topic(bootstrap: str, topic: str) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})  # kept alive until the topic exists
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)


def produce(bootstrap: str, topic: str, records: list[tuple[bytes | None, bytes | None, list[Any]]]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap})
    for key, value, headers in records:
        producer.produce(topic, key=key, value=value, headers=headers or None, timestamp=1_700_000_000_000)
    assert producer.flush(30) == 0


def committed(bootstrap: str, group: str, topic: str) -> int:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        return consumer.committed([TopicPartition(topic, 0)], timeout=10)[0].offset
    except KafkaException:
        return -1  # the group coordinator is still loading: nothing to read yet
    finally:
        consumer.close()


def start_task(
    task_class: str, bootstrap: str, config: dict[str, str], name: str, **worker: str
) -> StartTask:
    return StartTask(
        connector=name,
        task=0,
        task_class=task_class,
        connector_config=config,
        task_config=config,
        target_state=worker.pop("target_state", "STARTED"),
        worker={"bootstrap.servers": bootstrap, "offset.flush.interval.ms": "300", **worker},
    )


def json_value(text: str) -> bytes:
    return b'{"schema":{"type":"string","optional":false},"payload":"%s"}' % text.encode()


def test_subscription_from_topics_or_regex() -> None:
    assert subscription({"topics": "a, b"}) == ["a", "b"]
    assert subscription({"topics.regex": "orders-.*"}) == ["^(orders-.*)$"]
    with pytest.raises(ConnectError, match=r"^Must configure one of topics or topics\.regex$"):
        subscription({})
    with pytest.raises(ConnectError, match=r"mutually exclusive options, but both are set"):
        subscription({"topics": "a", "topics.regex": "b"})


def test_file_sink_writes_values_and_commits_in_group_connect_name(
    fakes: Any, kafka_bootstrap: str, unique_topic: str, tmp_path: Path
) -> None:
    create_topic(kafka_bootstrap, unique_topic)
    produce(kafka_bootstrap, unique_topic, [(None, json_value(w), []) for w in ("alpha", "beta", "gamma")])
    out = tmp_path / "out.txt"
    name = f"sink-{uuid.uuid4().hex[:6]}"
    config = {"topics": unique_topic, "file": str(out), "key.converter": STRING, "value.converter": JSON}
    channel = fakes.FakeChannel()
    running = Running(
        start_task("connectors.file.sink:FileStreamSinkTask", kafka_bootstrap, config, name), channel
    )
    running.wait_for(lambda: committed(kafka_bootstrap, f"connect-{name}", unique_topic) == 3)
    running.stop()
    assert out.read_text(encoding="utf-8").splitlines() == ["alpha", "beta", "gamma"]
    assert channel.of(StatusChanged)[0] == StatusChanged("RUNNING")
    assert TopicsUsed([unique_topic]) in channel.events


def test_stop_flushes_and_commits(fakes: Any, kafka_bootstrap: str, unique_topic: str) -> None:
    create_topic(kafka_bootstrap, unique_topic)
    produce(kafka_bootstrap, unique_topic, [(b"k", b"v%d" % i, []) for i in range(5)])
    name = f"sink-{uuid.uuid4().hex[:6]}"
    config = {"topics": unique_topic, "key.converter": STRING, "value.converter": STRING}
    channel = fakes.FakeChannel()
    start = start_task(
        "loop_fakes:CollectingSinkTask",
        kafka_bootstrap,
        config,
        name,
        **{"offset.flush.interval.ms": "600000"},
    )
    running = Running(start, channel)
    running.wait_for(lambda: len(fakes.CollectingSinkTask.PUT) == 5)
    assert committed(kafka_bootstrap, f"connect-{name}", unique_topic) < 0  # nothing committed yet
    running.stop()
    assert committed(kafka_bootstrap, f"connect-{name}", unique_topic) == 5
    put = fakes.CollectingSinkTask.PUT
    assert [(r.key, r.value, r.kafka_offset) for r in put] == [("k", f"v{i}", i) for i in range(5)]
    assert fakes.CollectingSinkTask.EVENTS[-2:] == [f"close:{[(unique_topic, 0)]}", "stop"]


def _collect_with_max_poll_records(
    fakes: Any, kafka_bootstrap: str, topic: str, count: int, max_poll_records: str
) -> list[int]:
    """Runs a collecting sink over `count` records of `topic`; the sizes of its put() batches."""
    create_topic(kafka_bootstrap, topic)
    produce(kafka_bootstrap, topic, [(None, b"v%d" % i, []) for i in range(count)])
    config = {
        "topics": topic,
        "key.converter": STRING,
        "value.converter": STRING,
        "consumer.override.max.poll.records": max_poll_records,
    }
    start = start_task("loop_fakes:CollectingSinkTask", kafka_bootstrap, config, uuid.uuid4().hex)
    running = Running(start, fakes.FakeChannel())
    running.wait_for(lambda: len(fakes.CollectingSinkTask.PUT) == count)
    running.stop()
    assert [r.value for r in fakes.CollectingSinkTask.PUT] == [f"v{i}" for i in range(count)]
    batches: list[int] = fakes.CollectingSinkTask.BATCHES
    return batches


def test_max_poll_records_sets_the_batch_size_of_put(
    fakes: Any, kafka_bootstrap: str, unique_topic: str
) -> None:
    # Connect compat: the Java consumer's max.poll.records bounds each put(); librdkafka has no
    # such setting, so the task applies it itself.
    assert max(_collect_with_max_poll_records(fakes, kafka_bootstrap, unique_topic, 10, "3")) == 3


def test_max_poll_records_above_what_confluent_kafka_takes_still_consumes(
    fakes: Any, kafka_bootstrap: str, unique_topic: str
) -> None:
    # Connect takes any INT; confluent-kafka's consume() refuses more than 1M messages at a time.
    assert sum(_collect_with_max_poll_records(fakes, kafka_bootstrap, unique_topic, 3, "2000000")) == 3


def test_paused_sink_delivers_nothing_until_resumed(
    fakes: Any, kafka_bootstrap: str, unique_topic: str
) -> None:
    create_topic(kafka_bootstrap, unique_topic)
    produce(kafka_bootstrap, unique_topic, [(None, b"v%d" % i, []) for i in range(3)])
    config = {"topics": unique_topic, "key.converter": STRING, "value.converter": STRING}
    channel = fakes.FakeChannel()
    start = start_task(
        "loop_fakes:CollectingSinkTask", kafka_bootstrap, config, uuid.uuid4().hex, target_state="PAUSED"
    )
    running = Running(start, channel)
    running.wait_for(lambda: any(e.startswith("open:") for e in fakes.CollectingSinkTask.EVENTS))
    time.sleep(1.0)
    assert fakes.CollectingSinkTask.PUT == []
    channel.send(SetTargetState("STARTED"))
    running.wait_for(lambda: len(fakes.CollectingSinkTask.PUT) == 3)
    running.stop()
    assert [r.value for r in fakes.CollectingSinkTask.PUT] == ["v0", "v1", "v2"]
    assert [e.state for e in channel.of(StatusChanged)] == ["PAUSED", "RUNNING"]


def test_retriable_error_from_put_redelivers_the_same_batch(
    fakes: Any, kafka_bootstrap: str, unique_topic: str
) -> None:
    create_topic(kafka_bootstrap, unique_topic)
    produce(kafka_bootstrap, unique_topic, [(None, b"v%d" % i, []) for i in range(4)])
    config = {
        "topics": unique_topic,
        "key.converter": STRING,
        "value.converter": STRING,
        "fail": "retriable:2",
    }
    channel = fakes.FakeChannel()
    running = Running(
        start_task("loop_fakes:CollectingSinkTask", kafka_bootstrap, config, uuid.uuid4().hex), channel
    )
    running.wait_for(lambda: len(fakes.CollectingSinkTask.PUT) == 4)
    channel.send(Commit())
    running.stop()
    assert fakes.CollectingSinkTask.EVENTS.count("retriable") == 2
    assert [r.value for r in fakes.CollectingSinkTask.PUT] == ["v0", "v1", "v2", "v3"]


def test_unrecoverable_put_failure_fails_the_task(
    fakes: Any, kafka_bootstrap: str, unique_topic: str
) -> None:
    create_topic(kafka_bootstrap, unique_topic)
    produce(kafka_bootstrap, unique_topic, [(None, b"v", [])])
    config = {"topics": unique_topic, "key.converter": STRING, "value.converter": STRING, "fail": "fatal"}
    running = Running(
        start_task("loop_fakes:CollectingSinkTask", kafka_bootstrap, config, uuid.uuid4().hex),
        fakes.FakeChannel(),
    )
    with pytest.raises(
        ConnectError, match=r"^Exiting WorkerSinkTask due to unrecoverable exception\.$"
    ) as failure:
        running.join()
    assert isinstance(failure.value.__cause__, ValueError)


def test_bad_record_fails_the_task_under_tolerance_none(
    fakes: Any, kafka_bootstrap: str, unique_topic: str
) -> None:
    create_topic(kafka_bootstrap, unique_topic)
    produce(kafka_bootstrap, unique_topic, [(None, b"not json", [])])
    config = {"topics": unique_topic, "key.converter": STRING, "value.converter": JSON}
    running = Running(
        start_task("loop_fakes:CollectingSinkTask", kafka_bootstrap, config, uuid.uuid4().hex),
        fakes.FakeChannel(),
    )
    with pytest.raises(ConnectError, match=r"^Tolerance exceeded in error handler$") as failure:
        running.join()
    assert failure.value.__cause__ is not None


def test_bad_record_goes_to_the_dlq_with_original_bytes_and_context_headers(
    fakes: Any, kafka_bootstrap: str, unique_topic: str
) -> None:
    create_topic(kafka_bootstrap, unique_topic)
    dlq = unique_topic + "-dlq"
    produce(
        kafka_bootstrap,
        unique_topic,
        [
            (None, json_value("good"), []),
            (b"key-1", b"not json", [("orig", b"h")]),
            (None, json_value("after"), []),
        ],
    )
    name = f"sink-{uuid.uuid4().hex[:6]}"
    config = {
        "topics": unique_topic,
        "key.converter": STRING,
        "value.converter": JSON,
        "errors.tolerance": "all",
        "errors.deadletterqueue.topic.name": dlq,
        "errors.deadletterqueue.context.headers.enable": "true",
    }
    channel = fakes.FakeChannel()
    running = Running(start_task("loop_fakes:CollectingSinkTask", kafka_bootstrap, config, name), channel)
    running.wait_for(lambda: committed(kafka_bootstrap, f"connect-{name}", unique_topic) == 3)
    running.stop()
    assert [r.value for r in fakes.CollectingSinkTask.PUT] == ["good", "after"]
    [record] = consume(kafka_bootstrap, dlq, 1)
    assert (record.key(), record.value(), record.timestamp()[1]) == (b"key-1", b"not json", 1_700_000_000_000)
    headers = dict(record.headers())
    assert record.headers()[0] == ("orig", b"h")
    assert headers["__connect.errors.topic"] == unique_topic.encode()
    assert headers["__connect.errors.partition"] == b"0"
    assert headers["__connect.errors.offset"] == b"1"
    assert headers["__connect.errors.connector.name"] == name.encode()
    assert headers["__connect.errors.task.id"] == b"0"
    assert headers["__connect.errors.stage"] == b"VALUE_CONVERTER"
    assert headers["__connect.errors.class.name"] == JSON.encode()
    exception_class = headers["__connect.errors.exception.class.name"]
    assert exception_class == b"org.apache.kafka.connect.errors.DataException"
    assert headers["__connect.errors.exception.message"]
    assert b"DataError" in headers["__connect.errors.exception.stacktrace"]


def test_report_errant_sends_the_original_record_to_the_dlq(
    fakes: Any, kafka_bootstrap: str, unique_topic: str
) -> None:
    create_topic(kafka_bootstrap, unique_topic)
    dlq = unique_topic + "-dlq"
    produce(kafka_bootstrap, unique_topic, [(b"k", b"v0", [])])
    name = f"sink-{uuid.uuid4().hex[:6]}"
    config = {
        "topics": unique_topic,
        "key.converter": STRING,
        "value.converter": STRING,
        "errant": "true",
        "errors.tolerance": "all",
        "errors.deadletterqueue.topic.name": dlq,
        "errors.deadletterqueue.context.headers.enable": "true",
    }
    channel = fakes.FakeChannel()
    running = Running(start_task("loop_fakes:CollectingSinkTask", kafka_bootstrap, config, name), channel)
    running.wait_for(lambda: committed(kafka_bootstrap, f"connect-{name}", unique_topic) == 1)
    running.stop()
    [record] = consume(kafka_bootstrap, dlq, 1)
    headers = dict(record.headers())
    assert (record.key(), record.value()) == (b"k", b"v0")
    assert headers["__connect.errors.stage"] == b"TASK_PUT"
    # Connect compat: WorkerErrantRecordReporter.report names `SinkTask`, whichever task reports.
    assert headers["__connect.errors.class.name"] == b"org.apache.kafka.connect.sink.SinkTask"
    assert headers["__connect.errors.exception.message"] == b"bad v0"


def test_report_errant_finds_each_routed_record_s_own_message(
    fakes: Any, kafka_bootstrap: str, unique_topic: str
) -> None:
    # A record that fails conversion shifts the delivered records against the consumed ones, and
    # the router changes their topic: each errant record must still map to its own message.
    create_topic(kafka_bootstrap, unique_topic)
    dlq = unique_topic + "-dlq"
    produce(
        kafka_bootstrap,
        unique_topic,
        [(b"k0", b"not json", []), (b"k1", json_value("a"), []), (b"k2", json_value("b"), [])],
    )
    name = f"sink-{uuid.uuid4().hex[:6]}"
    config = {
        "topics": unique_topic,
        "key.converter": STRING,
        "value.converter": JSON,
        "transforms": "route",
        "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
        "transforms.route.regex": ".*",
        "transforms.route.replacement": "routed",
        "errant": "true",
        "errors.tolerance": "all",
        "errors.deadletterqueue.topic.name": dlq,
        "errors.deadletterqueue.context.headers.enable": "true",
    }
    channel = fakes.FakeChannel()
    running = Running(start_task("loop_fakes:CollectingSinkTask", kafka_bootstrap, config, name), channel)
    running.wait_for(lambda: committed(kafka_bootstrap, f"connect-{name}", unique_topic) == 3)
    running.stop()
    sent = [
        (r.key(), r.value(), dict(r.headers())["__connect.errors.stage"])
        for r in consume(kafka_bootstrap, dlq, 3)
    ]
    assert sent == [
        (b"k0", b"not json", b"VALUE_CONVERTER"),
        (b"k1", json_value("a"), b"TASK_PUT"),
        (b"k2", json_value("b"), b"TASK_PUT"),
    ]


def test_regex_subscription_and_rewind_on_open(fakes: Any, kafka_bootstrap: str, unique_topic: str) -> None:
    create_topic(kafka_bootstrap, unique_topic)
    produce(kafka_bootstrap, unique_topic, [(None, b"v%d" % i, []) for i in range(5)])
    config = {
        "topics.regex": unique_topic.replace("-", "."),
        "key.converter": STRING,
        "value.converter": STRING,
        "rewind": "3",
    }
    channel = fakes.FakeChannel()
    running = Running(
        start_task("loop_fakes:CollectingSinkTask", kafka_bootstrap, config, uuid.uuid4().hex), channel
    )
    running.wait_for(lambda: len(fakes.CollectingSinkTask.PUT) == 2)
    running.stop()
    assert [(r.value, r.kafka_offset) for r in fakes.CollectingSinkTask.PUT] == [("v3", 3), ("v4", 4)]
