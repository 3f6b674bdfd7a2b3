"""The offsets topic of a distributed cluster: Connect's `KafkaOffsetBackingStore` for source offsets.

Each record's key is `["connector",{partition}]` and its value the offset JSON, or null when the
offset was reset (reference §2.2), as Connect's JsonConverter (`schemas.enable=false`) writes them.
Compaction, and a Java worker's lookup, go by exact key bytes, so maps are written in the order a
Java `HashMap` with the same entries iterates (what a Java connector's map and JsonConverter's
reads produce), not in dict order; our own lookups go by content and ignore the order.

`put()` sends without waiting (`flush()` waits for the acks); the cache follows the topic, so a
write is visible in `offsets()` once read back (`refresh()` reads to the end).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeoutError
from typing import Any

from engine.errors import ConnectError
from engine.storage import records
from engine.storage.kafka_log import KafkaBasedLog, LogRecord

__all__ = ["OffsetTopicStore", "java_hash_order", "offset_key", "offset_value", "parse_offset_key"]

logger = logging.getLogger("engine.storage")

Offsets = Iterable[tuple[Mapping[str, Any], Mapping[str, Any] | None]]


def _java_string_hash(text: str) -> int:
    """`String.hashCode` (over UTF-16 code units), as an unsigned 32-bit value."""
    data = text.encode("utf-16-be")
    h = 0
    for index in range(0, len(data), 2):
        h = (31 * h + (data[index] << 8 | data[index + 1])) & 0xFFFFFFFF
    return h


def java_hash_order(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """The entries in the iteration order of a Java `HashMap` filled by `put` in this order.

    Connect compat: `HashMap` iterates by bucket (`hash ^ hash >>> 16` masked by the table size,
    16 doubled while more than 3/4 full), then by insertion within a bucket.
    """
    capacity = 16
    while len(mapping) > capacity * 3 // 4:
        capacity *= 2

    def bucket(item: tuple[int, str]) -> tuple[int, int]:
        h = _java_string_hash(item[1])
        return (h ^ (h >> 16)) & (capacity - 1), item[0]

    order = sorted(enumerate(mapping), key=bucket)
    return {key: mapping[key] for _, key in order}


def offset_key(connector: str, partition: Mapping[str, Any]) -> bytes:
    """`["connector",{partition}]` as Connect writes it."""
    return records.dumps([connector, java_hash_order(partition)])


def offset_value(offset: Mapping[str, Any] | None) -> bytes | None:
    """The offset JSON as Connect writes it; None (a tombstone) for a reset offset."""
    return None if offset is None else records.dumps(java_hash_order(offset))


def parse_offset_key(data: bytes) -> tuple[str, dict[str, Any]] | None:
    """`(connector, partition)` of a key; None for keys that are not `[string, object]`."""
    try:
        key = records.loads(data)
    except ValueError:
        return None
    if (
        not isinstance(key, list)
        or len(key) != 2
        or not isinstance(key[0], str)
        or not isinstance(key[1], dict)
    ):
        return None
    return key[0], key[1]


def _identity(partition: Mapping[str, Any]) -> str:
    return json.dumps(partition, sort_keys=True, separators=(",", ":"))


class OffsetTopicStore:
    """Committed source offsets of every connector of the cluster, backed by the offsets topic.

    Args:
        log_factory: builds the store's log given its record callback.
    """

    def __init__(self, log_factory: Callable[[Callable[[LogRecord], None]], KafkaBasedLog]) -> None:
        self._log = log_factory(self._on_record)
        self._lock = threading.Lock()
        # connector → partition identity → (partition, offset); insertion order is read order.
        self._offsets: dict[str, dict[str, tuple[dict[str, Any], dict[str, Any]]]] = {}
        self._pending: set[Future[None]] = set()

    def start(self, timeout: float = 60.0) -> None:
        self._log.start(timeout)

    def stop(self) -> None:
        self._log.stop()

    def refresh(self, timeout: float) -> None:
        """Reads to the end of the topic, so every acknowledged write is in the cache."""
        self._log.read_to_end(timeout)

    def put(self, connector: str, offsets: Offsets) -> None:
        """Sends the offsets in order (a None offset is a tombstone) without waiting."""
        for partition, offset in offsets:
            future = self._log.send(offset_key(connector, partition), offset_value(offset))
            with self._lock:
                self._pending.add(future)
            future.add_done_callback(self._sent)

    def set(self, connector: str, offsets: Offsets, timeout: float = 30.0) -> None:
        """Writes the offsets and waits until they are acknowledged and read back.

        Raises:
            ConnectError: a write failed, or did not complete within `timeout` seconds.
        """
        futures = [self._log.send(offset_key(connector, p), offset_value(o)) for p, o in offsets]
        try:
            for future in futures:
                future.result(timeout)
            self._log.read_to_end(timeout)
        except (FutureTimeoutError, TimeoutError) as exc:
            raise ConnectError(f"Timed out writing the offsets of connector {connector}.") from exc

    def flush(self, timeout: float) -> None:
        """Waits for the acks of every `put()` so far.

        Raises:
            ConnectError: a write failed or is not acknowledged within `timeout` seconds.
        """
        with self._lock:
            pending = list(self._pending)
        try:
            for future in pending:
                future.result(timeout)
        except (FutureTimeoutError, TimeoutError) as exc:
            raise ConnectError("Timed out waiting for the offsets topic to acknowledge offsets.") from exc

    def _sent(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)
        error = future.exception()
        if error is not None:
            logger.error("Failed to write source offsets.", exc_info=error)

    def offsets(self, connector: str) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
        """The connector's partitions and their offsets, in the order first read."""
        with self._lock:
            return [(dict(p), dict(o)) for p, o in self._offsets.get(connector, {}).values()]

    def get(self, connector: str, partition: Mapping[str, Any]) -> dict[str, Any] | None:
        """The partition's offset, None when there is none."""
        with self._lock:
            entry = self._offsets.get(connector, {}).get(_identity(partition))
            return None if entry is None else dict(entry[1])

    def connector_partitions(self, connector: str) -> list[dict[str, Any]]:
        """The partitions holding an offset of the connector (Connect's partition index)."""
        with self._lock:
            return [dict(p) for p, _ in self._offsets.get(connector, {}).values()]

    def _on_record(self, record: LogRecord) -> None:
        parsed = None if record.key is None else parse_offset_key(record.key)
        if parsed is None:
            logger.warning(
                "Ignoring an offsets record whose key is not a [connector, partition] array.",
                extra={"partition": record.partition, "offset": record.offset},
            )
            return
        connector, partition = parsed
        offset: Any = None
        if record.value is not None:
            try:
                offset = records.loads(record.value)
            except ValueError:
                logger.warning(
                    "Ignoring an offsets record whose value is not JSON.", extra={"connector": connector}
                )
                return
            if not isinstance(offset, dict):
                logger.warning(
                    "Ignoring an offsets record whose value is not an object.", extra={"connector": connector}
                )
                return
        identity = _identity(partition)
        with self._lock:
            entries = self._offsets.setdefault(connector, {})
            if offset is None:
                entries.pop(identity, None)
                if not entries:
                    del self._offsets[connector]
            else:
                entries[identity] = (partition, offset)
