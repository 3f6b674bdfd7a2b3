"""FileStreamSink: values written as Java's String.valueOf, one per line, visible after each put()."""

import os
from pathlib import Path

import pytest

from connectors.file.sink import FileStreamSinkConnector, FileStreamSinkTask
from engine.api import INT32_SCHEMA, STRING_SCHEMA, ConnectError, SchemaBuilder, SinkRecord, Struct


def record(value: object, offset: int = 0) -> SinkRecord:
    return SinkRecord("t", 0, None, None, None, value, offset)


def test_values_are_written_as_java_prints_them(tmp_path: Path) -> None:
    schema = SchemaBuilder.struct().field("id", INT32_SCHEMA).field("name", STRING_SCHEMA).build()
    path = tmp_path / "out.txt"
    task = FileStreamSinkTask()
    task.start({"file": str(path)})
    task.put(
        [
            record("plain"),
            record(Struct(schema).put("id", 1).put("name", "choi")),
            record({"k": 1, "m": [1.0, None, True]}),
            record(None),
            record(1e10),
        ]
    )
    # In the file as soon as put() returns, as Connect's PrintStream writes through (tail -f).
    expected = ["plain", "Struct{id=1,name=choi}", "{k=1, m=[1.0, null, true]}", "null", "1.0E10"]
    assert path.read_text(encoding="utf-8") == "".join(line + os.linesep for line in expected)
    task.flush({("t", 0): 5})
    task.stop()


def test_appends_to_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    path.write_text("before\n")
    task = FileStreamSinkTask()
    task.start({"file": str(path)})
    task.put([record("after")])
    task.stop()
    assert path.read_text() == "before\nafter" + os.linesep


def test_unwritable_file_fails_with_connects_message(tmp_path: Path) -> None:
    task = FileStreamSinkTask()
    with pytest.raises(ConnectError, match="Couldn't find or create file"):
        task.start({"file": str(tmp_path / "missing-dir" / "out.txt")})


def test_connector_gives_every_task_the_same_config() -> None:
    connector = FileStreamSinkConnector()
    connector.start({"file": "f", "topics": "a"})
    assert connector.task_configs(3) == [{"file": "f", "topics": "a"}] * 3
