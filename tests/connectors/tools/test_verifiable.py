"""VerifiableSource/VerifiableSink: sequence numbers, resume from offsets, Kafka's JSON lines."""

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from connectors.tools import (
    VerifiableSinkConnector,
    VerifiableSinkTask,
    VerifiableSourceConnector,
    VerifiableSourceTask,
)
from engine.api import INT32_SCHEMA, INT64_SCHEMA, ConnectError, SinkRecord, Struct
from tests.recording_stream import RecordingStream


class FakeOffsets:
    def __init__(self, stored: dict[int, dict[str, Any]]) -> None:
        self.stored = stored

    def offset(self, partition: Mapping[str, Any]) -> Mapping[str, Any] | None:
        return self.stored.get(partition["id"])

    def offsets(self, partitions: Sequence[Mapping[str, Any]]) -> list[Any]:
        return [(p, self.offset(p)) for p in partitions]


class FakeSourceContext:
    def __init__(self, stored: dict[int, dict[str, Any]]) -> None:
        self.offset_reader = FakeOffsets(stored)
        self.config: Mapping[str, str] = {}


def lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().out.splitlines()


def source(stored: dict[int, dict[str, Any]], **props: str) -> VerifiableSourceTask:
    task = VerifiableSourceTask()
    task.initialize(FakeSourceContext(stored))
    task.start({"name": "vs", "id": "1", "topic": "t", "throughput": "-1", **props})
    return task


def test_connector_gives_each_task_an_id() -> None:
    connector = VerifiableSourceConnector()
    connector.start({"name": "vs", "topic": "t", "throughput": "10"})
    assert [c["id"] for c in connector.task_configs(3)] == ["0", "1", "2"]
    assert connector.task_class() is VerifiableSourceTask
    sink = VerifiableSinkConnector()
    sink.start({"name": "vk", "topics": "t"})
    assert sink.task_configs(2) == [
        {"name": "vk", "topics": "t", "id": "0"},
        {"name": "vk", "topics": "t", "id": "1"},
    ]


def test_source_records_and_printed_lines(capsys: pytest.CaptureFixture[str]) -> None:
    task = source({})
    first, second = task.poll(), task.poll()
    assert first is not None and second is not None
    record = first[0]
    assert (record.key, record.key_schema, record.value, record.value_schema) == (
        1,
        INT32_SCHEMA,
        0,
        INT64_SCHEMA,
    )
    assert (record.source_partition, record.source_offset, record.topic) == ({"id": 1}, {"seqno": 0}, "t")
    assert second[0].value == 1
    task.commit_record(record, None)
    out = lines(capsys)
    # Kafka's field order (a Java HashMap's), compact JSON.
    assert out[0].startswith('{"task":1,"seqno":0,"time_ms":')
    assert out[0].endswith(',"name":"vs","topic":"t"}')
    assert json.loads(out[2])["committed"] is True
    assert out[2].startswith('{"committed":true,"task":1,"seqno":0,')


def _kafka_line(**data: Any) -> str:
    # Kafka's key order (a Java HashMap's) for these keys, as Jackson writes them: compact.
    order = ("committed", "task", "seqno", "time_ms", "name", "topic")
    return json.dumps({key: data[key] for key in order if key in data}, separators=(",", ":"))


def test_source_lines_are_the_json_of_kafka_maps_with_names_escaped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    name, topic = 'vs "quoted" \\ é', "t\tab"
    task = source({1: {"seqno": 6}}, name=name, topic=topic)
    polled = task.poll()
    assert polled is not None
    task.commit_record(polled[0], None)
    sent, committed = lines(capsys)
    for line, flags in ((sent, {}), (committed, {"committed": True})):
        time_ms = json.loads(line)["time_ms"]
        assert line == _kafka_line(**flags, task=1, seqno=7, time_ms=time_ms, name=name, topic=topic)


def test_complete_record_data_prints_the_seqno_of_its_struct(capsys: pytest.CaptureFixture[str]) -> None:
    task = source({}, **{"complete.record.data": "true"})
    polled = task.poll()
    assert polled is not None
    task.commit_record(polled[0], None)
    sent, committed = lines(capsys)
    assert polled[0].value.get("time_ms") == json.loads(sent)["time_ms"]
    time_ms = json.loads(committed)["time_ms"]
    assert committed == _kafka_line(committed=True, task=1, seqno=0, time_ms=time_ms, name="vs", topic="t")


def test_source_flushes_every_line_as_kafka_println_does(monkeypatch: pytest.MonkeyPatch) -> None:
    out = RecordingStream()
    task = source({})
    monkeypatch.setattr("sys.stdout", out)
    polled = task.poll()
    assert polled is not None
    task.commit_record(polled[0], None)
    assert [call is None for call in out.calls] == [False, True, False, True]
    assert all(call is None or call.endswith("}\n") for call in out.calls)


def test_source_resumes_after_the_committed_seqno(capsys: pytest.CaptureFixture[str]) -> None:
    task = source({1: {"seqno": 41}})
    polled = task.poll()
    assert polled is not None and polled[0].value == 42
    capsys.readouterr()


def test_complete_record_data_is_a_struct(capsys: pytest.CaptureFixture[str]) -> None:
    polled = source({}, **{"complete.record.data": "true"}).poll()
    assert polled is not None
    value = polled[0].value
    assert isinstance(value, Struct)
    assert (value.get("name"), value.get("task"), value.get("seqno")) == ("vs", 1, 0)
    capsys.readouterr()


def test_zero_throughput_produces_nothing_until_stopped(capsys: pytest.CaptureFixture[str]) -> None:
    task = source({}, throughput="0")
    task.stop()
    assert task.poll() is None
    assert lines(capsys) == []


def test_bad_config_fails_like_kafka() -> None:
    with pytest.raises(ConnectError, match="Invalid VerifiableSourceTask configuration"):
        VerifiableSourceTask().start({"name": "x", "id": "zero", "topic": "t", "throughput": "1"})


def test_sink_prints_each_record_then_again_when_flushed(capsys: pytest.CaptureFixture[str]) -> None:
    task = VerifiableSinkTask()
    task.start({"name": "vk", "id": "0"})
    records = [
        SinkRecord("t", 0, INT32_SCHEMA, 3, INT64_SCHEMA, 7, kafka_offset=10),
        SinkRecord("t", 1, INT32_SCHEMA, 3, INT64_SCHEMA, 8, kafka_offset=11),
    ]
    task.put(records)
    task.flush({("t", 0): 11})
    out = [json.loads(line) for line in lines(capsys)]
    assert [(o["seqno"], o["offset"], o["task"], o["sinkTask"]) for o in out[:2]] == [
        (7, 10, 3, 0),
        (8, 11, 3, 0),
    ]
    assert len(out) == 3 and out[2]["flushed"] is True and out[2]["seqno"] == 7
    task.flush({("t", 0): 11, ("t", 1): 12})
    assert [json.loads(line)["seqno"] for line in lines(capsys)] == [8]
