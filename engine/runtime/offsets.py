"""Source offsets inside a task process: the reader over the start snapshot, and acked-offset tracking.

`OffsetSnapshot` is the task's `OffsetReader` (Connect's `OffsetStorageReader`): the connector's
committed offsets as the supervisor sent them in `StartTask`, updated with the offsets this task
reports afterwards, so a reader sees what is committed or about to be.

`SubmittedRecords` mirrors Connect's class of that name: records are submitted in the order the
task returned them, acknowledged in any order, and for each source partition the committable
offset is that of the latest record such that it and every earlier record of the same partition
were acknowledged (or dropped). Committing only those offsets gives at-least-once delivery.
A whole `poll()` batch can also be tracked as one unit (`submit_batch`): its offsets become
committable once every one of its records is acknowledged, which costs a counter per record
instead of an object, and commits no more than per-record tracking would.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.api.task import OffsetReader

__all__ = ["OffsetSnapshot", "SubmittedBatch", "SubmittedRecord", "SubmittedRecords", "partition_key"]

SourcePartition = Mapping[str, Any]
SourceOffset = Mapping[str, Any]


def partition_key(partition: Mapping[str, Any]) -> str:
    """A hashable identity for a source partition (equal maps give equal keys)."""
    return json.dumps(partition, sort_keys=True, separators=(",", ":"), default=str)


class OffsetSnapshot(OffsetReader):
    """Committed source offsets of the connector, by source partition."""

    def __init__(self, offsets: Iterable[tuple[Mapping[str, Any], Mapping[str, Any] | None]] = ()) -> None:
        self._offsets: dict[str, Mapping[str, Any] | None] = {}
        self.update(offsets)

    def update(self, offsets: Iterable[tuple[Mapping[str, Any], Mapping[str, Any] | None]]) -> None:
        """Records newer offsets (None = the partition's offset was reset)."""
        for partition, offset in offsets:
            self._offsets[partition_key(partition)] = dict(offset) if offset is not None else None

    def offset(self, partition: Mapping[str, Any]) -> Mapping[str, Any] | None:
        return self._offsets.get(partition_key(partition))

    def offsets(
        self, partitions: Sequence[Mapping[str, Any]]
    ) -> list[tuple[Mapping[str, Any], Mapping[str, Any] | None]]:
        return [(partition, self.offset(partition)) for partition in partitions]


@dataclass(slots=True, eq=False)
class SubmittedRecord:
    """One record handed to the producer; `ack()` once Kafka acknowledged it (or it was dropped)."""

    partition: Mapping[str, Any] | None
    offset: Mapping[str, Any] | None
    acked: bool = False

    def ack(self) -> None:
        self.acked = True


class SubmittedBatch:
    """The records of one batch handed to the producer together; `acked` once all of them are.

    `pending` is the count of records not acknowledged yet: a producer's delivery callback may
    decrement it directly (`SubmittedRecords.acked_in` does the same), the cheapest thing Python
    can do once per record; everything else derives from it when asked.
    """

    __slots__ = ("pending", "size")

    def __init__(self, pending: int) -> None:
        self.pending = pending
        self.size = pending

    @property
    def acked(self) -> bool:
        return self.pending <= 0


@dataclass(slots=True)
class _BatchPart:
    """A batch's last offset for one source partition, committable when the batch is acked."""

    batch: SubmittedBatch
    offset: SourceOffset

    @property
    def acked(self) -> bool:
        return self.batch.pending <= 0


@dataclass(slots=True)
class _Partition:
    partition: SourcePartition
    pending: deque[SubmittedRecord | _BatchPart] = field(default_factory=deque)


class SubmittedRecords:
    """Records in flight, per source partition, in submission order. Single-threaded."""

    def __init__(self) -> None:
        self._partitions: dict[str, _Partition] = {}
        self._in_flight = 0
        """Records submitted one by one and not acknowledged yet."""
        self._batches: deque[SubmittedBatch] = deque()
        """Batches that may still have records in flight, in submission order."""
        self._batched = 0
        """The records `_batches` were submitted with: at least those still in flight."""
        # The last source partition `submit` keyed (a copy, so a task reusing and changing one
        # map cannot make it stale) and its key: a task returning one record per `poll()` would
        # otherwise serialize the same partition for every record (bench: tasks-scaling).
        self._last_partition: dict[str, Any] | None = None
        self._last_key = ""

    def submit(
        self, partition: Mapping[str, Any] | None, offset: Mapping[str, Any] | None
    ) -> SubmittedRecord:
        """Tracks a record about to be produced. A record without a source partition or offset
        has nothing to commit, but is still counted in flight until acknowledged."""
        record = SubmittedRecord(partition, offset)
        if partition is not None and offset is not None:
            # Equal maps give equal keys (`submit_batch` relies on the same).
            if partition != self._last_partition:
                self._last_partition = dict(partition)
                self._last_key = partition_key(partition)
            self._entry(self._last_key, partition).pending.append(record)
        self._in_flight += 1
        return record

    def _entry(self, key: str, partition: SourcePartition) -> _Partition:
        entry = self._partitions.get(key)
        if entry is None:
            entry = self._partitions[key] = _Partition(dict(partition))
        return entry

    def submit_batch(
        self,
        records: Iterable[tuple[SourcePartition | None, SourceOffset | None]],
        pending: int,
    ) -> SubmittedBatch:
        """Tracks a batch of records, in order, of which `pending` go to the producer (the
        others, dropped or skipped, are done already). Acknowledge each sent record with
        `acked_in(batch)`."""
        batch = SubmittedBatch(pending)
        last: dict[str, tuple[SourcePartition, SourceOffset]] = {}
        previous: SourcePartition | None = None
        key = ""
        for partition, offset in records:
            if partition is None or offset is None:
                continue
            # Consecutive records usually share their source partition: key it once per run.
            if partition is not previous and partition != previous:
                key = partition_key(partition)
            previous = partition
            last[key] = (partition, offset)
        for key, (partition, offset) in last.items():
            self._entry(key, partition).pending.append(_BatchPart(batch, offset))
        if pending > 0:
            self._batches.append(batch)
            self._batched += pending
        return batch

    @staticmethod
    def acked_in(batch: SubmittedBatch) -> None:
        """One record of `batch` was acknowledged (or failed and is skipped)."""
        batch.pending -= 1

    def acked(self, record: SubmittedRecord) -> None:
        """Marks a record acknowledged; use this rather than `record.ack()` to keep the count."""
        if not record.acked:
            record.ack()
            self._in_flight -= 1

    @property
    def in_flight(self) -> int:
        """Submitted records not acknowledged yet."""
        self._batches = deque(batch for batch in self._batches if batch.pending > 0)
        self._batched = sum(batch.size for batch in self._batches)
        return self._in_flight + sum(batch.pending for batch in self._batches)

    def in_flight_above(self, limit: int) -> bool:
        """Whether more than `limit` records are in flight: what a loop asks before every send,
        so it costs a comparison unless the batches submitted since the last count could
        exceed `limit` (`in_flight` walks every batch still open)."""
        if self._in_flight + self._batched <= limit:
            return False
        self._forget_acked_batches()
        return self._in_flight + self._batched > limit and self.in_flight > limit

    def _forget_acked_batches(self) -> None:
        # Batches are mostly acknowledged in submission order: drop the acknowledged head.
        batches = self._batches
        while batches and batches[0].pending <= 0:
            self._batched -= batches.popleft().size

    def committable(self) -> list[tuple[Mapping[str, Any], Mapping[str, Any]]]:
        """Removes the acknowledged prefix of every partition and returns, for each partition that
        had one, the offset of its last record. Partitions left empty are forgotten."""
        out = []
        for key in list(self._partitions):
            entry = self._partitions[key]
            last: SubmittedRecord | _BatchPart | None = None
            while entry.pending and entry.pending[0].acked:
                last = entry.pending.popleft()
            if last is not None and last.offset is not None:
                out.append((entry.partition, last.offset))
            if not entry.pending:
                del self._partitions[key]
        return out
