"""A fake channel and small test tasks for the task-loop tests, imported by name (`loop_fakes:X`).

The tests put this directory on `sys.path`, so the loops can load these tasks from `StartTask`.
Behaviour is chosen by the task config; records go through the real native pipeline and broker.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from engine.api import Header, RetriableError, SinkRecord, SinkTask, SourceRecord, SourceTask
from engine.runtime.protocol import Control, Event


class FakeChannel:
    """Events into a list, controls from a queue: what `engine.runtime.channel.Channel` offers."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.controls: queue.Queue[Control] = queue.Queue()
        self._lock = threading.Lock()

    def emit(self, event: Event) -> None:
        with self._lock:
            self.events.append(event)

    def poll_control(self, timeout: float = 0.0) -> list[Control]:
        try:
            first = self.controls.get(timeout=timeout) if timeout > 0 else self.controls.get_nowait()
        except queue.Empty:
            return []
        out = [first]
        while not self.controls.empty():
            out.append(self.controls.get_nowait())
        return out

    def send(self, control: Control) -> None:
        self.controls.put(control)

    def of(self, kind: type) -> list[Any]:
        with self._lock:
            return [e for e in self.events if isinstance(e, kind)]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"Timed out; events so far: {self.events!r:.2000}")
            time.sleep(0.05)


class ListSourceTask(SourceTask):
    """Emits `count` records `value-<i>` (partition {"p": "x"}, offset {"i": i}) in batches of
    `batch` (values padded with `pad` x's, timestamps `timestamp` + i when set), then nothing;
    records committed are kept in `COMMITTED` for the test to read."""

    COMMITTED: ClassVar[list[tuple[SourceRecord, Any]]] = []
    COMMITS: ClassVar[list[int]] = []

    def start(self, props: Mapping[str, str]) -> None:
        self._topic = props["topic"]
        self._count = int(props.get("count", "10"))
        self._batch = int(props.get("batch", "5"))
        self._headers = props.get("headers") == "true"
        self._pad = "x" * int(props.get("pad", "0"))
        self._timestamp = int(props["timestamp"]) if "timestamp" in props else None
        self._next = 0
        self._stop = threading.Event()
        ListSourceTask.COMMITTED = []
        ListSourceTask.COMMITS = []

    def poll(self) -> list[SourceRecord] | None:
        if self._next >= self._count:
            self._stop.wait(0.1)
            return None
        end = min(self._next + self._batch, self._count)
        records = []
        for i in range(self._next, end):
            headers = (Header("h", f"v{i}"),) if self._headers else ()
            records.append(
                SourceRecord(
                    {"p": "x"},
                    {"i": i},
                    self._topic,
                    f"value-{i}{self._pad}",
                    headers=headers,
                    key=f"k{i}",
                    timestamp=self._timestamp + i if self._timestamp is not None else None,
                )
            )
        self._next = end
        return records

    def commit_record(self, record: SourceRecord, metadata: Any) -> None:
        ListSourceTask.COMMITTED.append((record, metadata))

    def commit(self) -> None:
        ListSourceTask.COMMITS.append(len(ListSourceTask.COMMITTED))

    def stop(self) -> None:
        self._stop.set()


class PlainListSourceTask(ListSourceTask):
    """ListSourceTask without `commit_record`: the loop tracks its batches as units, so
    `COMMITTED` stays empty and only offsets and `commit()` show progress."""

    commit_record = SourceTask.commit_record


class CollectingSinkTask(SinkTask):
    """Keeps what `put` receives in `PUT`; `fail` = `retriable:N` raises RetriableError on the
    first N non-empty puts, `fatal` raises ValueError; `errant` reports every record as errant;
    `rewind` = N seeks every opened partition to offset N."""

    PUT: ClassVar[list[SinkRecord]] = []
    BATCHES: ClassVar[list[int]] = []
    EVENTS: ClassVar[list[str]] = []

    def start(self, props: Mapping[str, str]) -> None:
        CollectingSinkTask.PUT = []
        CollectingSinkTask.BATCHES = []
        CollectingSinkTask.EVENTS = ["start"]
        self._fail = props.get("fail", "")
        self._retriable = int(self._fail.split(":")[1]) if self._fail.startswith("retriable:") else 0
        self._errant = props.get("errant") == "true"
        self._rewind = int(props["rewind"]) if "rewind" in props else None

    def open(self, partitions: Sequence[tuple[str, int]]) -> None:
        CollectingSinkTask.EVENTS.append(f"open:{sorted(partitions)}")
        if self._rewind is not None:
            assert self.context is not None
            self.context.offset({tp: self._rewind for tp in partitions})

    def close(self, partitions: Sequence[tuple[str, int]]) -> None:
        CollectingSinkTask.EVENTS.append(f"close:{sorted(partitions)}")

    def put(self, records: Sequence[SinkRecord]) -> None:
        if not records:
            return
        if self._retriable > 0:
            self._retriable -= 1
            CollectingSinkTask.EVENTS.append("retriable")
            assert self.context is not None
            self.context.timeout(200)
            raise RetriableError("try again")
        if self._fail == "fatal":
            raise ValueError("broken sink")
        if self._errant:
            assert self.context is not None
            for record in records:
                self.context.report_errant(record, ValueError(f"bad {record.value}"))
            return
        CollectingSinkTask.PUT.extend(records)
        CollectingSinkTask.BATCHES.append(len(records))

    def stop(self) -> None:
        CollectingSinkTask.EVENTS.append("stop")
