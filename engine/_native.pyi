"""Stubs for the private Rust extension `engine._native`; import through `engine.transforms`."""

from collections.abc import Callable
from typing import Any

from engine.api.records import SinkRecord, SourceRecord
from engine.api.schema import Schema

__version__: str

def plugins() -> dict[str, list[str]]:
    """The classes the native registry builds, by Connect's class name, sorted, under the keys
    `converter`, `header_converter`, `transformation` and `predicate`."""

class RegexRouter:
    """Renames a topic when the whole topic matches `regex` (Connect's RegexRouter).

    The replacement uses Java's syntax: `$1`, `${name}`, `\\$` for a literal dollar.

    Raises:
        ValueError: the pattern does not compile, or the replacement names a missing group.
    """

    def __init__(self, *, regex: str, replacement: str) -> None: ...
    def route_batch(self, topics: list[str], /) -> list[str]:
        """Routes every topic in one call; a topic that does not match is returned unchanged."""

_Props = dict[str, str]
_Headers = list[tuple[str, bytes | None]] | tuple[tuple[str, bytes | None], ...]
_RecordIn = tuple[str, int | None, int | None, int | None, bytes | None, bytes | None, _Headers]
_RecordOut = tuple[
    str, int | None, int | None, bytes | None, bytes | None, tuple[tuple[str, bytes | None], ...]
]
_ProduceArgs = tuple[
    str,
    bytes | None,
    bytes | None,
    int,
    Callable[[Any, Any], None],
    None,
    int,
    list[tuple[str, bytes | None]] | None,
]
_Stage = tuple[str, str, _Props, str | None, str | None, _Props | None, bool]

class Pipeline:
    """Key/value converters plus the transform chain of one task, built once (see engine.pipeline).

    Raises:
        ValueError: an unknown class or invalid setting, in Connect's words.
    """

    def __init__(
        self,
        *,
        key_converter: tuple[str, _Props],
        value_converter: tuple[str, _Props],
        stages: list[_Stage],
        header_converter: tuple[str, _Props] | None = None,
    ) -> None: ...
    @property
    def warnings(self) -> list[str]:
        """Deprecation warnings from building the chain."""

    def sink_batch(self, records: list[_RecordIn], /) -> RecordBatch:
        """Runs a batch as a sink task would and serializes the results again, natively, with the
        interpreter released.

        Raises:
            ValueError: a record is not a 7-tuple.
            TypeError: a record's item has the wrong type; every record is read before any runs.
        """

    def sink_messages(
        self, messages: list[Any], /, *, value_text: bool = False
    ) -> tuple[
        SinkRecordBatch, list[tuple[int, str, str | None, str]], list[tuple[str, int, int]], list[int]
    ]:
        """Runs consumed confluent-kafka `Message`s as a sink task would, reading their fields
        natively.

        Returns:
            `(records, errors, offsets, consumer_errors)`: the records to deliver, in order
            (dropped and failed ones left out), kept natively until asked for; `(position,
            stage, alias, message)` per failed record; `(topic, partition, next offset)` per
            partition in first-seen order; positions of messages carrying a consumer error
            (left out). A record Python cannot hold (a date beyond year 9999) fails here, in
            its converter stage. With `value_text`, every `SinkRecord` built carries Java's
            `String.valueOf` of its value in `_value_text`.
        """

    def source_batch(self, records: list[SourceRecord], /) -> RecordBatch:
        """Runs engine.api `SourceRecord`s through the chain, then the converters, natively.

        Raises:
            TypeError: a record's topic, partition or timestamp has the wrong type.
        """

    def source_values(
        self, topic: str, values: list[Any], value_schema: Schema | None, timestamp: int | None, /
    ) -> RecordBatch:
        """Runs a batch of values sharing a topic, value schema and timestamp (engine.api
        `SourceRecords`) as `source_batch` runs the equivalent records (no key, no headers, no
        Kafka partition), reading the values list once: no attribute read per record.

        Raises:
            TypeError: the topic or timestamp has the wrong type.
        """

    @staticmethod
    def produce_args(batch: RecordBatch, on_delivery: Callable[[Any, Any], None], /) -> list[_ProduceArgs]:
        """The `Producer.produce` positional arguments of each record of a source batch that has
        one (dropped and failed records have none): `(topic, value, key, partition, on_delivery,
        None, timestamp, headers)`, with -1 for the partitioner's choice, 0 for no timestamp and
        None for no headers."""

    def sink_records(
        self, records: list[_RecordIn], /
    ) -> tuple[list[SinkRecord | None], list[tuple[int, str, str | None, str]]]:
        """Converters then chain; `(records, errors)`: a `SinkRecord` or None per input, and
        `(position, stage, alias, message)` per failure."""

class RecordBatch:
    """The output of `Pipeline.sink_batch`, held in Rust until asked for."""

    def __len__(self) -> int: ...
    def records(self) -> list[_RecordOut | None]:
        """One entry per input record; None when it was dropped or failed."""

    def errors(self) -> list[tuple[int, str, str | None, str]]:
        """`(position, stage, alias, message)` for each failed record."""

    @property
    def dropped(self) -> int:
        """How many input records the chain dropped."""

    @property
    def nbytes(self) -> int:
        """Total bytes of keys, values and header values."""

class SinkRecordBatch:
    """The records of `Pipeline.sink_messages`, held in Rust; a `SinkRecord` is built on request.

    Read by `engine.api.records.SinkRecords`. Thread-safe: a task's threads may build records
    while the task loop converts the next batch.
    """

    def __len__(self) -> int: ...
    def record(self, index: int) -> SinkRecord:
        """A new `SinkRecord` for record `index` (the caller keeps it to reuse it).

        Raises:
            IndexError: no such record.
        """

    def value_texts(self) -> list[str | None]:
        """Java's `String.valueOf` of each record's value, in order; None where it is not the
        text `engine.api.display.to_java_string` gives (bytes, dates and times)."""

    def value_text_block(self, separator: str, /) -> str | None:
        """Each record's `value_texts` entry followed by `separator`, as one string (no Python
        string per record); None when a record's entry is None (its text must come from Python)."""

    def position(self, index: int) -> int:
        """The position in the consumed batch of the message record `index` came from.

        Raises:
            IndexError: no such record.
        """

class RingBuffer:
    """One end of a shared-memory single-producer/single-consumer ring of byte frames.

    The supervisor creates a ring by name and a task process opens it; one side only pushes and
    the other only pops. Frames are at most `max_frame_size` bytes (half the capacity, less a
    4-byte length prefix). Waiting methods release the GIL and sleep in the kernel. A handle is
    thread-safe, but a ring still has exactly one producer and one consumer process; two
    producers corrupt it. Dropping the handle unmaps the ring; only `unlink` removes the name.
    """

    @staticmethod
    def create(name: str, capacity: int) -> RingBuffer:
        """Creates the ring `name` (a file under /dev/shm on Linux), empty and open.

        Args:
            name: 1 to 200 bytes, without '/' or NUL; unique per ring.
            capacity: bytes of frame storage, a power of two from 64 to 2**32.

        Raises:
            FileExistsError: a ring (or any object) of that name exists; unlink a stale one first.
            ValueError: a bad name or capacity.
        """

    @staticmethod
    def open(name: str) -> RingBuffer:
        """Opens the existing ring `name`, checking its magic number, version and size.

        Raises:
            FileNotFoundError: there is no such ring.
            ValueError: the object is not a usable ring (stale, foreign or half-created).
        """

    @staticmethod
    def unlink(name: str, *, missing_ok: bool = False) -> None:
        """Removes the name `name`; handles already open keep working.

        Raises:
            FileNotFoundError: there is no such ring and `missing_ok` is false.
        """

    @property
    def name(self) -> str:
        """The name the ring was created or opened with."""

    @property
    def capacity(self) -> int:
        """Bytes of frame storage."""

    @property
    def max_frame_size(self) -> int:
        """The largest frame this ring accepts: `capacity // 2 - 4`."""

    @property
    def closed(self) -> bool:
        """Whether either end called `close()`."""

    def push(self, frame: bytes, /) -> bool:
        """Producer: appends one frame if it fits now; False when the ring is full.

        Raises:
            ValueError: the frame is larger than `max_frame_size`.
            BrokenPipeError: the ring is closed.
        """

    def push_many(self, frames: list[bytes], /, timeout: float | None = 0.0) -> int:
        """Producer: appends frames in order until one does not fit, in one call and one wake-up.

        Args:
            frames: the frames; all are checked against `max_frame_size` before any is pushed.
            timeout: seconds to wait for space while frames remain; 0 does not wait, None waits
                until all are pushed or the ring is closed.

        Returns:
            How many frames, from the start of `frames`, were pushed.

        Raises:
            ValueError: a frame is larger than `max_frame_size` (nothing is pushed).
            BrokenPipeError: the ring was closed before any frame could be pushed.
        """

    def pop_many(self, max: int, /, timeout: float | None = None) -> list[bytes]:
        """Consumer: removes up to `max` frames, oldest first.

        Args:
            max: the most frames to return.
            timeout: seconds to wait for the first frame; 0 does not wait, None waits until one
                arrives or the ring is closed. The GIL is released while waiting.

        Returns:
            The frames; empty on timeout, or once the ring is closed and drained.

        Raises:
            RuntimeError: the ring holds data the protocol cannot produce (a second producer).
        """

    def close(self) -> None:
        """Marks the ring closed for both ends and wakes every waiter; permanent.

        Frames already pushed can still be popped; pushing raises BrokenPipeError.
        """
