"""`kconnect transforms test`: run a connector's converters and transform chain on sample records.

Records are read as JSON lines, each `{"topic", "partition"?, "key", "value", "headers"?,
"timestamp"?}` with key and value being the serialized payloads as text. Each is treated as a
sink task would treat a consumed record: the key/value converters turn the bytes into Connect
data, the predicates and transforms run, and the same converters serialize the result again. One
JSON line is printed per input line: the resulting record, `{"dropped": true}`, or
`{"error": {"stage", "message", ...}}`. Lines go through the native pipeline in batches, as in
a running task.
"""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from engine.config import properties
from engine.config.transforms import converter_config, parse_transforms
from engine.errors import ConfigError
from engine.pipeline import Pipeline, RawRecord

__all__ = ["BATCH_SIZE", "load_connector_config", "run_dry_run"]

BATCH_SIZE = 1_000
_INPUT_STAGE = "INPUT"


def load_connector_config(path: str | Path) -> dict[str, str]:
    """Reads a connector config: `.properties`, a JSON object of strings, or a REST create body.

    Raises:
        ConfigError: the file is missing or not a valid config (one-line message).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"Cannot read connector config {path}: {exc.strerror or exc}") from exc
    if path.suffix != ".json" and not text.lstrip().startswith("{"):
        try:
            return properties.loads(text)
        except properties.PropertiesError as exc:
            raise ConfigError(f"{path}: {exc}") from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path} is not valid JSON: {exc}") from exc
    # `{"name": ..., "config": {...}}` is the body of POST /connectors; a bare object is the config.
    config = document.get("config", document) if isinstance(document, dict) else None
    if not isinstance(config, dict):
        raise ConfigError(f"{path} must hold a JSON object of connector configs")
    if isinstance(document, dict) and "name" in document and "name" not in config:
        config = {**config, "name": document["name"]}
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}


@dataclass(frozen=True, slots=True)
class _Parsed:
    record: RawRecord | None
    error: str | None


def _text_to_bytes(value: Any, field: str) -> bytes | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f'"{field}" must be a string or null, not {type(value).__name__}')
    return value.encode("utf-8")


def _parse_line(line: str, position: int) -> _Parsed:
    try:
        item = json.loads(line)
        if not isinstance(item, dict):
            raise ValueError("each line must be a JSON object")
        topic = item.get("topic")
        if not isinstance(topic, str) or not topic:
            raise ValueError('"topic" is required and must be a non-empty string')
        partition = item.get("partition", 0)
        timestamp = item.get("timestamp")
        if not isinstance(partition, int) or (timestamp is not None and not isinstance(timestamp, int)):
            raise ValueError('"partition" and "timestamp" must be integers')
        headers_in = item.get("headers") or {}
        if not isinstance(headers_in, dict):
            raise ValueError('"headers" must be an object of strings')
        headers = [(str(k), _text_to_bytes(v, f"headers.{k}")) for k, v in headers_in.items()]
        record = RawRecord(
            topic=topic,
            partition=partition,
            # Sink records carry an offset; the line number stands in for it (InsertField can use it).
            offset=position,
            timestamp=timestamp,
            key=_text_to_bytes(item.get("key"), "key"),
            value=_text_to_bytes(item.get("value"), "value"),
            headers=headers,
        )
        return _Parsed(record, None)
    except ValueError as exc:  # json.JSONDecodeError is a ValueError too
        return _Parsed(None, str(exc))


def _bytes_field(data: bytes | None, name: str, out: dict[str, Any]) -> None:
    if data is None:
        out[name] = None
        return
    try:
        out[name] = data.decode("utf-8")
    except UnicodeDecodeError:
        # Not text (e.g. ByteArrayConverter output): say so rather than mangle it.
        out[name] = base64.b64encode(data).decode("ascii")
        out[f"{name}_encoding"] = "base64"


def _render(record: RawRecord) -> dict[str, Any]:
    out: dict[str, Any] = {"topic": record.topic, "partition": record.partition}
    _bytes_field(record.key, "key", out)
    _bytes_field(record.value, "value", out)
    headers: dict[str, Any] = {}
    for key, value in record.headers:
        headers[key] = None if value is None else value.decode("utf-8", errors="backslashreplace")
    out["headers"] = headers
    out["timestamp"] = record.timestamp
    return out


def _batches(lines: Iterable[str], size: int) -> Iterator[list[tuple[int, str]]]:
    batch: list[tuple[int, str]] = []
    for position, line in enumerate(lines):
        if not line.strip():
            continue
        batch.append((position, line))
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def build_pipeline(config: Mapping[str, str], worker: Mapping[str, str] | None = None) -> Pipeline:
    """The native pipeline a sink task of this connector config would run.

    Raises:
        ConfigError: an invalid transform, predicate or converter configuration.
    """
    return Pipeline(
        key_converter=converter_config(config, "key", worker),
        value_converter=converter_config(config, "value", worker),
        stages=parse_transforms(config),
    )


def run_dry_run(pipeline: Pipeline, lines: Iterable[str], out: IO[str] = sys.stdout) -> int:
    """Runs every input line through `pipeline`, printing one JSON line each; returns the count."""
    count = 0
    for batch in _batches(lines, BATCH_SIZE):
        parsed = [_parse_line(line, position) for position, line in batch]
        records = [p.record for p in parsed if p.record is not None]
        results = iter(pipeline.sink_batch(records))
        for p in parsed:
            if p.record is None:
                line: dict[str, Any] = {"error": {"stage": _INPUT_STAGE, "message": p.error}}
            else:
                outcome = next(results)
                if outcome.error is not None:
                    line = {"error": outcome.error.as_json()}
                elif outcome.record is None:
                    line = {"dropped": True}
                else:
                    line = _render(outcome.record)
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            count += 1
    out.flush()
    return count
