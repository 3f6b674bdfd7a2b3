"""FileStreamSourceConnector: each line of a file (or standard input) becomes a record.

Connect compat: `org.apache.kafka.connect.file.FileStreamSourceConnector`/`…SourceTask`. One task;
source partition `{"filename": <file>}`, offset `{"position": <where the next line starts>}`;
value schema STRING; lines end at `\\n`, `\\r\\n` or `\\r`; an unterminated last line waits for its
terminator. A missing file is retried on each poll. One deliberate difference: positions count
bytes, where Java counts characters but skips bytes on restart (which breaks on multi-byte UTF-8).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from itertools import accumulate, repeat
from operator import add
from typing import BinaryIO, overload

from engine.api import (
    ENGINE_VERSION,
    STRING_SCHEMA,
    ConfigKey,
    ConfigSpec,
    ConfigType,
    ConnectError,
    Importance,
    SourceConnector,
    SourceRecord,
    SourceRecords,
    SourceTask,
    non_empty_string,
)

__all__ = ["FileStreamSourceConnector", "FileStreamSourceTask"]

logger = logging.getLogger("connectors.file")

FILE_CONFIG = "file"
TOPIC_CONFIG = "topic"
BATCH_SIZE_CONFIG = "batch.size"
FILENAME_FIELD = "filename"
POSITION_FIELD = "position"
# How long poll() waits when there is no data (or no file yet), as Connect's task does.
IDLE_WAIT_S = 1.0
# Enough for a full batch of ~100-byte lines in one read: fewer, larger batches downstream.
READ_CHUNK = 256 * 1024

CONFIG = ConfigSpec.of(
    [
        ConfigKey(
            FILE_CONFIG,
            ConfigType.STRING,
            "Source filename. If not specified, the standard input will be used",
            default=None,
            importance=Importance.HIGH,
        ),
        ConfigKey(
            TOPIC_CONFIG,
            ConfigType.STRING,
            "The topic to publish data to",
            importance=Importance.HIGH,
            validator=non_empty_string,
        ),
        ConfigKey(
            BATCH_SIZE_CONFIG,
            ConfigType.INT,
            "The maximum number of records the source task can read from the file each time it is polled",
            default=2000,
            importance=Importance.LOW,
        ),
    ]
)


class _Positions(Sequence[Mapping[str, int | None]]):
    """The source offsets of a batch of lines, `{"position": <end of the line>}`, built when
    asked for: the runtime usually reads only the last one of a batch."""

    __slots__ = ("_count", "_ends")

    def __init__(self, ends: list[int] | None, count: int) -> None:
        self._ends = ends
        self._count = count

    def __len__(self) -> int:
        return self._count

    def _offset(self, index: int) -> dict[str, int | None]:
        return {POSITION_FIELD: None if self._ends is None else self._ends[index]}

    @overload
    def __getitem__(self, index: int) -> dict[str, int | None]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, int | None]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, int | None] | list[dict[str, int | None]]:
        if isinstance(index, slice):
            return [self._offset(i) for i in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError("position index out of range")
        return self._offset(index)


class FileStreamSourceConnector(SourceConnector):
    """Reads lines from a file into one topic, with exactly one task."""

    def __init__(self) -> None:
        self._props: dict[str, str] = {}

    def version(self) -> str:
        return ENGINE_VERSION

    def config(self) -> ConfigSpec:
        return CONFIG

    def start(self, props: Mapping[str, str]) -> None:
        filename = CONFIG.parse(props)[FILE_CONFIG] or "standard input"
        logger.info("Starting file source connector reading from `%s`.", filename)
        self._props = dict(props)

    def task_class(self) -> type[SourceTask]:
        return FileStreamSourceTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        # Connect compat: only one task can read a file, whatever tasks.max says.
        return [dict(self._props)]

    def stop(self) -> None:
        """Nothing to release: the task owns the file."""


class FileStreamSourceTask(SourceTask):
    """Reads the file from the committed position onwards."""

    def __init__(self) -> None:
        self._filename: str | None = None
        self._topic = ""
        self._batch_size = 2000
        self._stream: BinaryIO | None = None
        self._buffer = b""
        """The incomplete last line read so far."""
        self._values: list[str] = []
        """The text of the complete lines read, returned from `_next` on."""
        self._ends: list[int] = []
        """Where each line of `_values` ends in the file (unused without a file)."""
        self._next = 0
        self._position: int | None = 0
        self._stopping = threading.Event()
        # One mapping shared by every record: the runtime keys a source partition once per batch.
        self._partition: dict[str, str | None] = {FILENAME_FIELD: None}

    def start(self, props: Mapping[str, str]) -> None:
        values = CONFIG.parse(props)
        self._filename = values[FILE_CONFIG] or None
        self._partition = {FILENAME_FIELD: self._filename}
        self._topic = values[TOPIC_CONFIG]
        # Connect compat: a batch always holds at least the line that reached batch.size.
        self._batch_size = max(1, values[BATCH_SIZE_CONFIG])
        self._stopping.clear()
        if self._filename is None:
            self._stream = sys.stdin.buffer
            self._position = None

    def _open(self) -> bool:
        assert self._filename is not None
        try:
            stream = open(self._filename, "rb")  # noqa: SIM115  # held open across polls, closed in stop()
        except FileNotFoundError:
            logger.warning(
                "Couldn't find file `%s` for FileStreamSourceTask, sleeping to wait for it to be created.",
                self._filename,
            )
            return False
        except OSError as exc:
            raise ConnectError(f"Error while trying to open file {self._filename}: {exc}") from exc
        offset = None
        if self.context is not None:
            offset = self.context.offset_reader.offset({FILENAME_FIELD: self._filename})
        position = offset.get(POSITION_FIELD) if offset else None
        if position is not None:
            if not isinstance(position, int) or position < 0:
                raise ConnectError(f"Offset position is the incorrect type: {position!r}")
            logger.debug("Found previous offset, trying to skip to file offset %d.", position)
            stream.seek(position)
        self._position = position or 0
        self._stream = stream
        return True

    def poll(self) -> Sequence[SourceRecord] | None:
        if self._stream is None and not self._open():
            self._stopping.wait(IDLE_WAIT_S)
            return None
        assert self._stream is not None
        records = self._drain_lines()
        if records:
            return records
        chunk = (
            self._stream.read1(READ_CHUNK)
            if hasattr(self._stream, "read1")
            else self._stream.read(READ_CHUNK)
        )
        if chunk:
            data = self._buffer + chunk
            if b"\r" in data:
                self._split_any(data)
            else:
                self._split_newlines(data)
            return self._drain_lines() or None
        self._stopping.wait(IDLE_WAIT_S)
        return None

    def _split_newlines(self, data: bytes) -> None:
        """Complete lines of `data`, which holds no `\r`, in bulk: no Python code per line."""
        cut = data.rfind(b"\n") + 1
        complete, self._buffer = data[:cut], data[cut:]
        # The text of the lines at once: `\n` never belongs to a multi-byte UTF-8 sequence, so
        # decoding the whole gives the text (and U+FFFD replacements) of each line decoded alone.
        values = complete.decode("utf-8", errors="replace").split("\n")
        del values[-1]  # the empty piece after the last `\n`
        self._values, self._next = values, 0
        if self._position is not None:
            sizes = map(len, values if complete.isascii() else complete.split(b"\n"))
            # Each line's terminator is one byte more than its text.
            self._ends = list(accumulate(map(add, sizes, repeat(1)), initial=self._position))
            del self._ends[0]

    def _split_any(self, data: bytes) -> None:
        """Complete lines of `data` ending at `\n`, `\r\n` or `\r`, as Connect's task splits them."""
        # bytes.splitlines ends lines at exactly `\n`, `\r\n` and `\r`, as Connect's task does.
        lines = data.splitlines(keepends=True)
        # The last piece is complete only with its `\n`: a final `\r` may be half of `\r\n`.
        self._buffer = lines.pop() if not lines[-1].endswith(b"\n") else b""
        # Only the terminator is stripped: splitlines left no other `\r` or `\n` at the end.
        self._values = [line.rstrip(b"\r\n").decode("utf-8", errors="replace") for line in lines]
        self._next = 0
        if self._position is not None:
            self._ends = list(accumulate(map(len, lines), initial=self._position))
            del self._ends[0]

    def _drain_lines(self) -> SourceRecords | None:
        """The next batch of complete lines read and not returned yet, None when there is none.

        One `SourceRecords` rather than a list of `SourceRecord`s: the runtime converts its values
        without a Python object per line (the task's `poll()` annotation predates it).
        """
        start = self._next
        values = self._values[start : start + self._batch_size]
        if not values:
            return None
        self._next = start + len(values)
        ends = None
        if self._position is not None:
            ends = self._ends[start : self._next]
            self._position = ends[-1]
        # Connect compat: FileStreamSourceTask stamps each record with the time of its poll.
        return SourceRecords(
            self._partition,
            self._topic,
            values,
            _Positions(ends, len(values)),
            value_schema=STRING_SCHEMA,
            timestamp=int(time.time() * 1000),
        )

    def stop(self) -> None:
        self._stopping.set()
        stream, self._stream = self._stream, None
        if stream is not None and self._filename is not None:
            stream.close()
