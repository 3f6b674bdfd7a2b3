"""FileStreamSource: lines, positions, restarts from offsets, missing files, config errors."""

import io
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from connectors.file import source
from connectors.file.source import FileStreamSourceConnector, FileStreamSourceTask
from engine.api import STRING_SCHEMA, ConfigError, SourceRecord
from engine.api.records import SourceRecords


class Offsets:
    """A fixed committed offset, standing in for the runtime's offset reader."""

    def __init__(self, committed: dict[str, Any] | None) -> None:
        self.committed = committed
        self.asked: list[Mapping[str, Any]] = []

    def offset(self, partition: Mapping[str, Any]) -> Mapping[str, Any] | None:
        self.asked.append(partition)
        return self.committed

    def offsets(self, partitions: Sequence[Mapping[str, Any]]) -> list[tuple[Mapping[str, Any], Any]]:
        return [(p, self.committed) for p in partitions]


class Context:
    def __init__(self, committed: dict[str, Any] | None = None) -> None:
        self.offset_reader = Offsets(committed)
        self.config: dict[str, str] = {}


_RUNNING: list[FileStreamSourceTask] = []


@pytest.fixture(autouse=True)
def no_idle_wait_and_stop_tasks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(source, "IDLE_WAIT_S", 0.0)
    yield
    while _RUNNING:
        _RUNNING.pop().stop()


def started(path: Path, committed: dict[str, Any] | None = None, batch: int = 2000) -> FileStreamSourceTask:
    task = FileStreamSourceTask()
    task.initialize(Context(committed))  # type: ignore[arg-type]  # a structural stand-in
    task.start({"file": str(path), "topic": "lines", "batch.size": str(batch)})
    _RUNNING.append(task)
    return task


def poll_all(task: FileStreamSourceTask, polls: int = 5) -> list[SourceRecord]:
    records: list[SourceRecord] = []
    for _ in range(polls):
        records.extend(task.poll() or [])
    return records


def test_lines_with_every_terminator_and_byte_positions(tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    path.write_bytes(b"one\ntwo\r\nthree\rfour")
    task = started(path)
    records = poll_all(task)
    assert [r.value for r in records] == ["one", "two", "three"]  # "four" waits for its terminator
    assert [r.source_offset for r in records] == [{"position": 4}, {"position": 9}, {"position": 15}]
    assert records[0].source_partition == {"filename": str(path)}
    assert records[0].value_schema == STRING_SCHEMA
    assert records[0].topic == "lines" and records[0].key is None and records[0].kafka_partition is None
    with path.open("ab") as f:
        f.write(b"\n")
    assert [r.value for r in poll_all(task)] == ["four"]
    task.stop()


def test_trailing_carriage_return_waits_for_a_possible_newline(tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    path.write_bytes(b"a\r")
    task = started(path)
    assert poll_all(task) == []
    with path.open("ab") as f:
        f.write(b"\nb\n")
    records = poll_all(task)
    assert [(r.value, r.source_offset) for r in records] == [("a", {"position": 3}), ("b", {"position": 5})]


def test_restart_resumes_from_the_committed_position(tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    path.write_bytes("naïve\nsecond\nthird\n".encode())
    first = poll_all(started(path))
    assert first[0].source_offset == {"position": len("naïve\n".encode())}
    resumed = poll_all(started(path, committed=dict(first[0].source_offset or {})))
    assert [r.value for r in resumed] == ["second", "third"]


def test_batch_size_limits_each_poll(tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    path.write_text("".join(f"{i}\n" for i in range(10)))
    task = started(path, batch=4)
    sizes = [len(task.poll() or []) for _ in range(4)]
    assert sizes == [4, 4, 2, 0]


def test_missing_file_is_retried_until_it_appears(tmp_path: Path) -> None:
    path = tmp_path / "later.txt"
    task = started(path)
    assert task.poll() is None
    path.write_text("x\n")
    assert [r.value for r in poll_all(task)] == ["x"]


def test_connector_has_one_task_and_needs_one_topic() -> None:
    connector = FileStreamSourceConnector()
    connector.start({"file": "f", "topic": "t"})
    assert connector.task_configs(5) == [{"file": "f", "topic": "t"}]
    assert connector.task_class() is FileStreamSourceTask
    # Connect compat: `topic` is a STRING with NonEmptyString, as in Kafka's FileStreamSourceConnector.
    assert source.CONFIG.keys["topic"].type.value == "STRING"
    with pytest.raises(ConfigError, match="Invalid value  for configuration topic: String must be non-empty"):
        FileStreamSourceConnector().start({"topic": "  "})
    with pytest.raises(ConfigError, match='Missing required configuration "topic"'):
        FileStreamSourceConnector().start({"file": "f"})


def test_batch_size_below_one_still_returns_one_line_per_poll(tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    path.write_text("a\nb\n")
    task = FileStreamSourceTask()
    task.start({"file": str(path), "topic": "t", "batch.size": "0"})
    first = task.poll()
    assert first is not None and [r.value for r in first] == ["a"]
    task.stop()


def test_lines_split_across_reads_keep_their_order_text_and_positions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Reads of 7 bytes: lines and `\r\n` pairs straddle reads; batches straddle them too.
    monkeypatch.setattr(source, "READ_CHUNK", 7)
    data = b"alpha\r\nbeta\rgamma-delta\n\xff\xfeoops\nz\r\n"
    path = tmp_path / "in.txt"
    path.write_bytes(data)
    task = started(path, batch=2)
    records = poll_all(task, polls=20)
    assert [r.value for r in records] == ["alpha", "beta", "gamma-delta", "\ufffd\ufffdoops", "z"]
    ends = [r.source_offset["position"] for r in records if r.source_offset is not None]
    assert ends == [7, 12, 24, 31, len(data)]
    assert all(r.timestamp is not None and r.value_schema == STRING_SCHEMA for r in records)


def test_bulk_split_lines_match_lines_decoded_one_by_one(tmp_path: Path) -> None:
    # Without `\r`, a read is split and decoded in bulk: the text (with U+FFFD for invalid or
    # truncated UTF-8) and byte positions must be those of each line decoded on its own.
    lines = [b"plain", "naïve €".encode(), b"\xff\xfe", b"cut \xe2\x82", b"", b"\xf0\x9f\x98\x80 end"]
    path = tmp_path / "in.txt"
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    records = poll_all(started(path))
    assert [r.value for r in records] == [line.decode("utf-8", errors="replace") for line in lines]
    ends, end = [], 0
    for line in lines:
        end += len(line) + 1
        ends.append({"position": end})
    assert [r.source_offset for r in records] == ends


def test_poll_returns_one_source_records_batch_per_poll(tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    path.write_text("a\nb\nc\n")
    batch = started(path, batch=2).poll()
    assert isinstance(batch, SourceRecords)
    assert (batch.topic, batch.source_partition, batch.values) == (
        "lines",
        {"filename": str(path)},
        ["a", "b"],
    )
    assert [batch.offsets[i] for i in range(2)] == [{"position": 2}, {"position": 4}]
    assert batch[-1] == SourceRecord(
        {"filename": str(path)}, {"position": 4}, "lines", "b", STRING_SCHEMA, timestamp=batch.timestamp
    )


def test_standard_input_lines_have_no_position(monkeypatch: pytest.MonkeyPatch) -> None:
    class Stdin:
        buffer = io.BytesIO(b"x\ny\r\n")

    monkeypatch.setattr("sys.stdin", Stdin)
    task = FileStreamSourceTask()
    task.start({"topic": "t"})
    _RUNNING.append(task)
    assert [(r.value, r.source_offset) for r in poll_all(task)] == [
        ("x", {"position": None}),
        ("y", {"position": None}),
    ]
