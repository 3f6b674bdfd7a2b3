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
from collections.abc import Mapping
from itertools import accumulate
from typing import BinaryIO

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
        self._lines: list[bytes] = []
        """Complete lines read and not yet returned, from `_next` on."""
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

    def poll(self) -> list[SourceRecord] | None:
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
            # bytes.splitlines ends lines at exactly `\n`, `\r\n` and `\r`, as Connect's task does.
            lines = (self._buffer + chunk).splitlines(keepends=True)
            # The last piece is complete only with its `\n`: a final `\r` may be half of `\r\n`.
            self._buffer = lines.pop() if not lines[-1].endswith(b"\n") else b""
            self._lines, self._next = lines, 0
            return self._drain_lines() or None
        self._stopping.wait(IDLE_WAIT_S)
        return None

    def _drain_lines(self) -> list[SourceRecord]:
        start = self._next
        lines = self._lines[start : start + self._batch_size]
        if not lines:
            return []
        self._next = start + len(lines)
        now = int(time.time() * 1000)
        partition, topic, position = self._partition, self._topic, self._position
        # Positional arguments: source_partition, source_offset, topic, value, value_schema, key,
        # key_schema, kafka_partition, timestamp (Connect compat: `poll` stamps each record).
        # Only the terminator is stripped: splitlines left no other `\r` or `\n` at the end.
        if position is None:
            return [
                SourceRecord(
                    partition,
                    {POSITION_FIELD: None},
                    topic,
                    line.rstrip(b"\r\n").decode("utf-8", errors="replace"),
                    STRING_SCHEMA,
                    None,
                    None,
                    None,
                    now,
                )
                for line in lines
            ]
        ends = list(accumulate(map(len, lines), initial=position))
        del ends[0]
        self._position = ends[-1]
        return [
            SourceRecord(
                partition,
                {POSITION_FIELD: end},
                topic,
                line.rstrip(b"\r\n").decode("utf-8", errors="replace"),
                STRING_SCHEMA,
                None,
                None,
                None,
                now,
            )
            for line, end in zip(lines, ends, strict=True)
        ]

    def stop(self) -> None:
        self._stopping.set()
        stream, self._stream = self._stream, None
        if stream is not None and self._filename is not None:
            stream.close()
