"""What the source and sink task-loop tests share: the fakes, a loop on a thread, a consumer.

The loops run in the test's process, on a thread, against the session's real broker; the tasks
they load by name (`loop_fakes:X`) come from `loop_fakes.py` next to this file.
"""

from __future__ import annotations

import importlib
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from engine.runtime.protocol import StartTask, Stop

__all__ = ["JSON", "STRING", "TaskThread", "consume"]

STRING = "org.apache.kafka.connect.storage.StringConverter"
JSON = "org.apache.kafka.connect.json.JsonConverter"


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The `loop_fakes` module, importable by name so the loops can load its tasks."""
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    return importlib.import_module("loop_fakes")


class TaskThread:
    """A task loop on a thread; `stop()` sends Stop and joins, re-raising what the loop raised.

    Args:
        loop: `run_source_task` or `run_sink_task`.
        timeout: how long `wait_for`, `stop` and `join` wait unless told otherwise, in seconds.
    """

    def __init__(
        self, loop: Callable[[StartTask, Any], None], start: StartTask, channel: Any, *, timeout: float
    ) -> None:
        self.channel = channel
        self.timeout = timeout
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(loop, start), daemon=True)
        self.thread.start()

    def _run(self, loop: Callable[[StartTask, Any], None], start: StartTask) -> None:
        try:
            loop(start, self.channel)
        except BaseException as e:  # noqa: BLE001  # handed to the test, which re-raises it
            self.error = e

    def wait_for(self, predicate: Any, timeout: float | None = None) -> None:
        self.channel.wait_for(
            lambda: self.error is not None or predicate(), self.timeout if timeout is None else timeout
        )
        if self.error is not None:
            raise self.error

    def stop(self, timeout: float | None = None) -> None:
        self.channel.send(Stop())
        self.join(timeout)

    def join(self, timeout: float | None = None) -> None:
        self.thread.join(self.timeout if timeout is None else timeout)
        assert not self.thread.is_alive(), "the loop did not return"
        if self.error is not None:
            raise self.error


def consume(bootstrap: str, topic: str, count: int, timeout: float = 20.0) -> list[Any]:
    """Up to `count` messages of partition 0 of `topic`, from the beginning."""
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": uuid.uuid4().hex, "auto.offset.reset": "earliest"}
    )
    # Assigned, not subscribed: no group join to wait for (the topics have one partition).
    consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    out: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while len(out) < count and time.monotonic() < deadline:
            out += [m for m in consumer.consume(count - len(out), 0.5) if m.error() is None]
    finally:
        consumer.close()
    return out
