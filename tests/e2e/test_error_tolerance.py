"""End to end: under `errors.tolerance=all` a bad record is skipped and reported, never lost silently.

Sink side: the record's original bytes go to the dead letter queue topic with Connect's
`__connect.errors.*` context headers. Source side: the record is skipped, the worker says so in its
log with a count, and the records around it are delivered.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any, cast

import pytest

from tests.e2e.conftest import consume, produce

pytestmark = pytest.mark.integration

# Connect compat: DeadLetterQueueReporter's context headers, in its order.
DLQ_HEADERS = [
    f"__connect.errors.{suffix}"
    for suffix in (
        *("topic", "partition", "offset", "connector.name", "task.id", "stage", "class.name"),
        *("exception.class.name", "exception.message", "exception.stacktrace"),
    )
]


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_a_bad_sink_record_goes_to_the_dead_letter_queue_with_its_bytes_and_context(
    shared_worker: Any, kafka_bootstrap: str, tmp_path: Path
) -> None:
    worker, name = shared_worker, _name("dlq-sink")
    topic, dlq, outfile = _name("dlq-in"), _name("dlq"), tmp_path / "out.txt"
    produce(kafka_bootstrap, topic, [(b"k0", b'{"n": 0}'), (b"k1", b"not json"), (b"k2", b'{"n": 2}')])
    config = {
        "connector.class": "FileStreamSink",
        "file": str(outfile),
        "topics": topic,
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
        "errors.tolerance": "all",
        "errors.deadletterqueue.topic.name": dlq,
        "errors.deadletterqueue.topic.replication.factor": "1",
        "errors.deadletterqueue.context.headers.enable": "true",
    }
    assert worker.call("PUT", f"/connectors/{name}/config", config)[0] == 201
    worker.wait_for(
        "the two good records", lambda: outfile.exists() and len(outfile.read_text().splitlines()) == 2
    )
    assert outfile.read_text().splitlines() == ["{n=0}", "{n=2}"]
    [dead] = consume(kafka_bootstrap, dlq, 1)
    assert (dead.key(), dead.value()) == (b"k1", b"not json")  # the original bytes
    pairs = cast("list[tuple[str, bytes]]", dead.headers() or [])  # the stubs type them loosely
    assert [key for key, _ in pairs] == DLQ_HEADERS
    headers = {key: value.decode() for key, value in pairs}
    exception_class = headers.pop("__connect.errors.exception.class.name")
    assert {k: v for k, v in headers.items() if not k.startswith("__connect.errors.exception.")} == {
        "__connect.errors.topic": topic,
        "__connect.errors.partition": "0",
        "__connect.errors.offset": "1",
        "__connect.errors.connector.name": name,
        "__connect.errors.task.id": "0",
        "__connect.errors.stage": "VALUE_CONVERTER",
        "__connect.errors.class.name": "org.apache.kafka.connect.json.JsonConverter",
    }
    assert headers["__connect.errors.exception.message"].startswith(
        "Converting byte[] to Kafka Connect data failed due to serialization error"
    )
    assert (
        "DataException" in headers["__connect.errors.exception.stacktrace"]
        or "DataError" in (headers["__connect.errors.exception.stacktrace"])
    )
    assert worker.state(name) == ("RUNNING", ["RUNNING"])
    assert worker.call("DELETE", f"/connectors/{name}") == (204, None)
    assert exception_class == "org.apache.kafka.connect.errors.DataException"


def test_a_bad_source_record_is_skipped_logged_and_counted(
    shared_worker: Any, kafka_bootstrap: str, tmp_path: Path
) -> None:
    worker, name = shared_worker, _name("skip-source")
    topic, infile = _name("skip"), tmp_path / "numbers.txt"
    infile.write_text("1\nabc\n3\n")
    config = {
        "connector.class": "FileStreamSource",
        "file": str(infile),
        "topic": topic,
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
        "transforms": "cast",
        "transforms.cast.type": "org.apache.kafka.connect.transforms.Cast$Value",
        "transforms.cast.spec": "int32",
        "errors.tolerance": "all",
    }
    assert worker.call("PUT", f"/connectors/{name}/config", config)[0] == 201
    delivered = [json.loads(m.value() or b"null") for m in consume(kafka_bootstrap, topic, 2)]
    assert delivered == [1, 3]
    worker.wait_for(
        "the skip to be reported",
        lambda: "Skipped 1 record(s) that failed in the converters or transforms" in worker.log_text(),
    )
    # The skipped record counts as done: the committed offset is past all three lines.
    worker.wait_for(
        "the offset past the bad record",
        lambda: (
            worker.call("GET", f"/connectors/{name}/offsets")[1]["offsets"]
            == [{"partition": {"filename": str(infile)}, "offset": {"position": infile.stat().st_size}}]
        ),
    )
    assert worker.state(name) == ("RUNNING", ["RUNNING"])
    assert worker.call("DELETE", f"/connectors/{name}") == (204, None)
