"""The record pipeline of a task: converters and the transform chain, run natively per batch.

`Pipeline` wraps `engine._native.Pipeline`, which is built once from the key, value and header
converter and transform configuration and then called once per batch:

- `source_batch`: a source task's `SourceRecord`s → transforms → converters → serialized records.
- `sink_records`: consumed records → converters → transforms → `SinkRecord`s.
- `sink_messages`: consumed `Message`s → the same, as a `SinkRecords` batch for `put()` whose
  records are built when touched.
- `sink_batch`: bytes → converters → transforms → bytes again (the dry run).

Configuration errors surface as `ConfigError`; a record that fails is reported with the stage it
failed in (Connect's `Stage` names: `KEY_CONVERTER`, `VALUE_CONVERTER`, `HEADER_CONVERTER`,
`TRANSFORMATION` with the alias) and its position in the batch, and never stops the rest of the
batch. Without a header converter, headers go through Connect's default `SimpleHeaderConverter`:
text in, with numbers, booleans, lists, maps and ISO dates inferred (`Values.parseString`), and
`Values.convertToString` text out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine import _native
from engine.api.records import SinkRecord, SinkRecords, SourceRecord, SourceRecords
from engine.config.transforms import PluginConfig, StageConfig
from engine.errors import ConfigError

__all__ = [
    "Outcome",
    "Pipeline",
    "ProduceArgs",
    "Produced",
    "RawRecord",
    "SinkBatch",
    "SinkOutcome",
    "SourceOutcome",
    "SourceOutputs",
    "SourceSends",
    "StageError",
]

Headers = list[tuple[str, bytes | None]]
# A serialized source record as the native batch hands it out:
# `(topic, partition, timestamp, key, value, headers)`.
Produced = tuple[
    str, int | None, int | None, bytes | None, bytes | None, tuple[tuple[str, bytes | None], ...]
]


@dataclass(frozen=True, slots=True)
class RawRecord:
    """A record in its serialized form, as consumed from or produced to Kafka."""

    topic: str
    partition: int | None
    offset: int | None
    timestamp: int | None
    key: bytes | None
    value: bytes | None
    headers: Headers = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StageError:
    """Where and why one record failed: `stage` is Connect's stage name (`VALUE_CONVERTER`, ...)."""

    stage: str
    message: str
    alias: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"stage": self.stage, "message": self.message}
        if self.alias is not None:
            out["alias"] = self.alias
        return out


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one input record: a record, a drop (both None), or an error."""

    record: RawRecord | None = None
    error: StageError | None = None


# A source record's outcome: the serialized record to produce (offset None), a drop, or an error.
SourceOutcome = Outcome


@dataclass(frozen=True, slots=True)
class SinkOutcome:
    """What became of one consumed record: the `SinkRecord` for `put()`, a drop (both None), or an error."""

    record: SinkRecord | None = None
    error: StageError | None = None


@dataclass(frozen=True, slots=True)
class SourceOutputs:
    """A source batch after the chain and converters, one entry of `records` per input record:
    the serialized record, or None when the chain dropped it or it failed (then `failed` holds
    its `StageError` by position)."""

    records: list[Produced | None]
    failed: dict[int, StageError]


# The positional arguments of confluent-kafka's `Producer.produce` for one serialized record:
# `(topic, value, key, partition, on_delivery, None, timestamp, headers)`.
ProduceArgs = tuple[
    str,
    bytes | None,
    bytes | None,
    int,
    Callable[[Any, Any], None],
    None,
    int,
    list[tuple[str, bytes | None]] | None,
]


@dataclass(frozen=True, slots=True)
class SourceSends:
    """A source batch after the chain and converters, ready for the producer: `sends` holds the
    `Producer.produce` arguments of each record to send, in order (dropped and failed records have
    none; `failed` holds the `StageError`s by position in the batch)."""

    sends: list[ProduceArgs]
    failed: dict[int, StageError]


@dataclass(frozen=True, slots=True)
class SinkBatch:
    """Consumed messages after the converters and chain: `records` holds the records to deliver,
    in order (dropped and failed ones left out; see `failed` by message position), built only
    when touched, and `position(i)` says which message record `i` came from; `offsets` is
    `(topic, partition, next offset)` for each partition the converted messages came from;
    `consumer_errors` lists the messages that carry a consumer error instead of a record."""

    records: SinkRecords
    failed: dict[int, StageError]
    offsets: list[tuple[str, int, int]]
    consumer_errors: list[int]
    position: Callable[[int], int]


def _failures(errors: list[tuple[int, str, str | None, str]]) -> dict[int, StageError]:
    return {position: StageError(stage, message, alias) for position, stage, alias, message in errors}


class Pipeline:
    """Converters plus transform chain, compiled once, applied per batch."""

    def __init__(
        self,
        *,
        key_converter: PluginConfig,
        value_converter: PluginConfig,
        stages: Sequence[StageConfig],
        header_converter: PluginConfig | None = None,
    ) -> None:
        """Builds the native pipeline.

        Args:
            key_converter: the key converter class and its own settings.
            value_converter: the value converter class and its own settings.
            stages: the transform chain, in order (`engine.config.transforms.parse_transforms`).
            header_converter: the header converter; None means `SimpleHeaderConverter`, Connect's
                default. `JsonConverter`, `StringConverter` and `ByteArrayConverter` also serve.

        Raises:
            ConfigError: an unknown class or an invalid setting, in Connect's words.
        """
        native_stages = [
            (
                s.alias,
                s.transform.type_name,
                s.transform.props,
                s.predicate_alias,
                s.predicate.type_name if s.predicate else None,
                s.predicate.props if s.predicate else None,
                s.negate,
            )
            for s in stages
        ]
        try:
            self._native = _native.Pipeline(
                key_converter=(key_converter.type_name, key_converter.props),
                value_converter=(value_converter.type_name, value_converter.props),
                stages=native_stages,
                header_converter=(
                    (header_converter.type_name, header_converter.props) if header_converter else None
                ),
            )
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc

    @property
    def warnings(self) -> list[str]:
        """Deprecation warnings from building the chain (e.g. ReplaceField's `blacklist`)."""
        return list(self._native.warnings)

    def source_batch(self, records: Sequence[SourceRecord]) -> list[SourceOutcome]:
        """Runs a batch as a source task would: transforms, then the key/value/header converters.

        One outcome per record, in order: the serialized record to produce (its offset None), a
        drop by the chain, or the stage error (data with no Connect equivalent fails at the
        converter stage of the part that holds it).

        Raises:
            TypeError: a record's topic, partition or timestamp has the wrong type (a task bug).
        """
        batch = self._source(records)
        failed = _failures(batch.errors())
        outcomes = []
        for position, result in enumerate(batch.records()):
            if position in failed:
                outcomes.append(SourceOutcome(error=failed[position]))
            elif result is None:
                outcomes.append(SourceOutcome())
            else:
                topic, partition, timestamp, key, value, headers = result
                outcomes.append(
                    SourceOutcome(RawRecord(topic, partition, None, timestamp, key, value, list(headers)))
                )
        return outcomes

    def source_outputs(self, records: Sequence[SourceRecord]) -> SourceOutputs:
        """`source_batch` without a Python object per record beyond the output tuple: what a
        source task loop hands to the producer.

        Raises:
            TypeError: a record's topic, partition or timestamp has the wrong type (a task bug).
        """
        batch = self._source(records)
        errors = batch.errors()
        return SourceOutputs(batch.records(), _failures(errors) if errors else {})

    def source_sends(
        self, records: Sequence[SourceRecord], on_delivery: Callable[[Any, Any], None]
    ) -> SourceSends:
        """`source_outputs` for a task loop that sends a batch with one delivery callback: the
        `produce` arguments of each record, built natively, so the loop can call `produce`
        through `itertools.starmap` without Python code per record (no output tuple to unpack).

        Raises:
            TypeError: a record's topic, partition or timestamp has the wrong type (a task bug).
        """
        batch = self._source(records)
        errors = batch.errors()
        return SourceSends(self._native.produce_args(batch, on_delivery), _failures(errors) if errors else {})

    def _source(self, records: Sequence[SourceRecord]) -> _native.RecordBatch:
        if isinstance(records, SourceRecords):
            # Shared fields once, values as one list: no attribute read per record.
            return self._native.source_values(
                records.topic, records.values, records.value_schema, records.timestamp
            )
        return self._native.source_batch(records if isinstance(records, list) else list(records))

    def sink_records(self, records: Sequence[RawRecord]) -> list[SinkOutcome]:
        """Runs a batch as a sink task would: key/value/header converters, then transforms.

        One outcome per record, in order: the `SinkRecord` to hand to `put()` (Python values, e.g.
        `Struct`, `decimal.Decimal`, aware UTC `datetime`), a drop by the chain, or the stage error.
        """
        records_out, errors = self._native.sink_records(
            [(r.topic, r.partition, r.offset, r.timestamp, r.key, r.value, r.headers) for r in records]
        )
        failed = _failures(errors)
        return [
            SinkOutcome(error=failed[position]) if position in failed else SinkOutcome(record)
            for position, record in enumerate(records_out)
        ]

    def sink_messages(self, messages: list[Any], *, value_text: bool = False) -> SinkBatch:
        """Runs consumed confluent-kafka `Message`s as a sink task would, reading them natively:
        what a sink task loop hands to `put()`, without a Python object per record on the way
        (records are built when the task touches them). With `value_text`, each record built
        carries Java's text of its value (`engine.api.display.value_text`), computed natively."""
        native, errors, offsets, consumer_errors = self._native.sink_messages(messages, value_text=value_text)
        return SinkBatch(
            SinkRecords(native),
            _failures(errors) if errors else {},
            offsets,
            consumer_errors,
            native.position,
        )

    def sink_batch(self, records: Sequence[RawRecord]) -> list[Outcome]:
        """Runs a batch as a sink task would and serializes it again: bytes → Connect data →
        transforms → bytes (the dry run)."""
        batch = self._native.sink_batch(
            [(r.topic, r.partition, r.offset, r.timestamp, r.key, r.value, r.headers) for r in records]
        )
        results, errors = batch.records(), batch.errors()
        failed = _failures(errors)
        outcomes = []
        for position, (source, result) in enumerate(zip(records, results, strict=True)):
            if position in failed:
                outcomes.append(Outcome(error=failed[position]))
            elif result is None:
                outcomes.append(Outcome())
            else:
                topic, partition, timestamp, key, value, headers = result
                outcomes.append(
                    Outcome(RawRecord(topic, partition, source.offset, timestamp, key, value, list(headers)))
                )
        return outcomes
