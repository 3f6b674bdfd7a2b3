"""FileStreamSink: values written as Java's String.valueOf, one per line, visible after each put()."""

import datetime as dt
import os
from pathlib import Path

import pytest

from connectors.file.sink import FileStreamSinkConnector, FileStreamSinkTask
from engine.api import INT32_SCHEMA, STRING_SCHEMA, ConnectError, SchemaBuilder, SinkRecord, Struct
from engine.api.records import SinkRecords


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


class CountingSource:
    """A `SinkRecords` source that records which records were built."""

    def __init__(self, records: list[SinkRecord], texts: list[str | None]) -> None:
        self._records, self._texts = records, texts
        self.built: list[int] = []

    def __len__(self) -> int:
        return len(self._records)

    def record(self, index: int) -> SinkRecord:
        self.built.append(index)
        return self._records[index]

    def value_texts(self) -> list[str | None]:
        return list(self._texts)

    def value_text_block(self, separator: str) -> str | None:
        if None in self._texts:
            return None
        return "".join(f"{text}{separator}" for text in self._texts)


def test_a_runtime_batch_is_written_from_its_texts_without_building_records(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    # The runtime leaves a date's text to Python (Java's Date.toString differs from ISO 8601).
    source = CountingSource([record("a"), record(dt.date(2024, 5, 1), 1), record(7, 2)], ["a", None, "7"])
    task = FileStreamSinkTask()
    task.start({"file": str(path)})
    task.put(SinkRecords(source))
    task.stop()
    assert path.read_text(encoding="utf-8") == "".join(line + os.linesep for line in ["a", "2024-05-01", "7"])
    assert source.built == [1]


def test_a_runtime_batch_with_every_text_is_written_as_one_block(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    source = CountingSource([record("a"), record(7, 1)], ["a", "7"])
    task = FileStreamSinkTask()
    task.start({"file": str(path)})
    task.put(SinkRecords(source))
    task.put(SinkRecords(CountingSource([], [])))
    task.stop()
    assert path.read_text(encoding="utf-8") == f"a{os.linesep}7{os.linesep}"
    assert source.built == []


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
