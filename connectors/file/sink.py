"""FileStreamSinkConnector: each record's value is appended to a file (or standard output) as a line.

Connect compat: `org.apache.kafka.connect.file.FileStreamSinkConnector`/`…SinkTask`. Values are
written as Java's `String.valueOf` writes them (`Struct{id=1,name=choi}`, `{k=v}`, `null`), UTF-8,
one per line, handed to the OS at the end of every `put()` as Connect's does.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, Sequence
from typing import ClassVar, TextIO

from engine.api import (
    ENGINE_VERSION,
    ConfigKey,
    ConfigSpec,
    ConfigType,
    ConnectError,
    Importance,
    SinkConnector,
    SinkRecord,
    SinkRecords,
    SinkTask,
    TopicPartition,
)
from engine.api.display import value_text

__all__ = ["FileStreamSinkConnector", "FileStreamSinkTask"]

logger = logging.getLogger("connectors.file")

FILE_CONFIG = "file"

CONFIG = ConfigSpec.of(
    [
        ConfigKey(
            FILE_CONFIG,
            ConfigType.STRING,
            "Destination filename. If not specified, the standard output will be used",
            default=None,
            importance=Importance.HIGH,
        ),
    ]
)


class FileStreamSinkConnector(SinkConnector):
    """Appends records to one file; every task appends to the same file."""

    def __init__(self) -> None:
        self._props: dict[str, str] = {}

    def version(self) -> str:
        return ENGINE_VERSION

    def config(self) -> ConfigSpec:
        return CONFIG

    def start(self, props: Mapping[str, str]) -> None:
        filename = CONFIG.parse(props)[FILE_CONFIG] or "standard output"
        logger.info("Starting file sink connector writing to `%s`.", filename)
        self._props = dict(props)

    def task_class(self) -> type[SinkTask]:
        return FileStreamSinkTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [dict(self._props) for _ in range(max_tasks)]

    def stop(self) -> None:
        """Nothing to release: the tasks own the file."""


class FileStreamSinkTask(SinkTask):
    """Writes each value as a line."""

    uses_value_text: ClassVar[bool] = True
    """The engine computes each value's text natively while converting it (`value_text`)."""

    def __init__(self) -> None:
        self._filename: str | None = None
        self._out: TextIO | None = None

    def start(self, props: Mapping[str, str]) -> None:
        self._filename = CONFIG.parse(props)[FILE_CONFIG] or None
        if self._filename is None:
            self._out = sys.stdout
            return
        try:
            # Connect's PrintStream over an unbuffered file stream hands every line to the OS at
            # once (a `tail -f` shows it); we do the same once per batch, at the end of put().
            self._out = open(self._filename, "a", encoding="utf-8", newline="")  # noqa: SIM115  # closed in stop()
        except OSError as exc:
            raise ConnectError(
                f"Couldn't find or create file '{self._filename}' for FileStreamSinkTask"
            ) from exc

    def put(self, records: Sequence[SinkRecord]) -> None:
        if self._out is None:
            raise ConnectError("FileStreamSinkTask was not started")
        if records:
            # The runtime's batch has the lines without building a record object per value.
            if isinstance(records, SinkRecords):
                lines = records.value_text_block(os.linesep)
            else:
                lines = "".join(value_text(r) + os.linesep for r in records)
            # One write per batch, visible in the file when put() returns.
            self._out.write(lines)
            self._out.flush()

    def flush(self, current_offsets: Mapping[TopicPartition, int]) -> None:
        if self._out is not None:
            self._out.flush()

    def stop(self) -> None:
        out, self._out = self._out, None
        if out is not None and self._filename is not None:
            out.close()
