"""The record pipeline of a task: converters and the transform chain, run natively per batch.

`Pipeline` wraps `engine._native.Pipeline`, which is built once from the converter and transform
configuration and then called once per batch: bytes in, Connect data and transforms in Rust,
bytes out. Configuration errors surface as `ConfigError`; a record that fails is reported with the
stage it failed in (Connect's `Stage` names) and its position in the batch, and never stops the
rest of the batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from engine import _native
from engine.config.transforms import PluginConfig, StageConfig
from engine.errors import ConfigError

__all__ = ["Outcome", "Pipeline", "RawRecord", "StageError"]

Headers = list[tuple[str, bytes | None]]


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


class Pipeline:
    """Converters plus transform chain, compiled once, applied per batch."""

    def __init__(
        self, *, key_converter: PluginConfig, value_converter: PluginConfig, stages: Sequence[StageConfig]
    ) -> None:
        """Builds the native pipeline.

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
            )
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc

    @property
    def warnings(self) -> list[str]:
        """Deprecation warnings from building the chain (e.g. ReplaceField's `blacklist`)."""
        return list(self._native.warnings)

    def sink_batch(self, records: Sequence[RawRecord]) -> list[Outcome]:
        """Runs a batch as a sink task would: bytes → Connect data → transforms → bytes."""
        batch = self._native.sink_batch(
            [(r.topic, r.partition, r.offset, r.timestamp, r.key, r.value, r.headers) for r in records]
        )
        results, errors = batch.records(), batch.errors()
        failed = {position: StageError(stage, message, alias) for position, stage, alias, message in errors}
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
