"""The native record pipeline against a careful pure-Python (orjson) implementation of the same work.

Groups (10,000 records per round; see bench/README.md for the measured figures):
- `json-roundtrip-schemas`: JsonConverter with schemas.enable=true, decode + encode, no transforms.
- `json-roundtrip-plain`: the same with schemas.enable=false.
- `chain`: JSON with schema → RegexRouter → ReplaceField$Value → JSON, the issue's target chain.
- `source-strings`: FileStream-like `SourceRecord`s (a line of text with STRING_SCHEMA) through
  `source_batch` to StringConverter and JsonConverter bytes, raw native call and the Python wrapper.

The native side returns a `RecordBatch` that keeps every output in Rust (one buffer for the
batch); the timed call creates no Python object per record. The Python side builds its output
list of `(topic, bytes)` pairs, which is what that implementation naturally produces.

The Python baseline parses and re-serializes with orjson and applies the same rename/filter, but
does not validate values against the schema as Connect (and the native path) does, so it does
less work than the native side.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
import pytest
from records import envelope_records, plain_records

from engine.api import STRING_SCHEMA, SourceRecord
from engine.config.transforms import PluginConfig, StageConfig
from engine.pipeline import Pipeline

COUNT = 10_000
TOPIC = "orders-eu"
JSON = "org.apache.kafka.connect.json.JsonConverter"
CHAIN = [
    StageConfig(
        "route",
        PluginConfig(
            "org.apache.kafka.connect.transforms.RegexRouter",
            {"regex": "orders-(.*)", "replacement": "shop.$1"},
        ),
    ),
    StageConfig(
        "fields",
        PluginConfig(
            "org.apache.kafka.connect.transforms.ReplaceField$Value",
            {"exclude": "note", "renames": "customer:customer_id"},
        ),
    ),
]


def native_pipeline(schemas: bool, stages: list[StageConfig]) -> Any:
    converter = PluginConfig(JSON, {"schemas.enable": str(schemas).lower()})
    pipeline = Pipeline(key_converter=converter, value_converter=converter, stages=stages)
    # Call the native object directly: the bench measures the batch call, not the Python wrapper.
    return pipeline._native


def batch(values: list[bytes]) -> list[tuple[Any, ...]]:
    return [(TOPIC, 0, i, 1_700_000_000_000, None, v, []) for i, v in enumerate(values)]


class PythonChain:
    """RegexRouter + ReplaceField over JSON envelopes, in plain Python with orjson."""

    def __init__(self) -> None:
        self.pattern = re.compile("orders-(.*)")
        self.exclude = {"note"}
        self.renames = {"customer": "customer_id"}

    def process(self, records: list[tuple[Any, ...]]) -> list[tuple[str, bytes]]:
        out = []
        for topic, _partition, _offset, _ts, _key, value, _headers in records:
            match = self.pattern.fullmatch(topic)
            new_topic = match.expand(r"shop.\1") if match else topic
            envelope = orjson.loads(value)
            schema = dict(envelope["schema"])
            schema["fields"] = [
                {**f, "field": self.renames.get(f["field"], f["field"])}
                for f in schema["fields"]
                if f["field"] not in self.exclude
            ]
            payload = {
                self.renames.get(k, k): v for k, v in envelope["payload"].items() if k not in self.exclude
            }
            out.append((new_topic, orjson.dumps({"schema": schema, "payload": payload})))
        return out


def python_roundtrip(records: list[tuple[Any, ...]]) -> list[bytes]:
    return [orjson.dumps(orjson.loads(r[5])) for r in records]


def records_per_s(benchmark: Any) -> None:
    if benchmark.stats is not None:  # None when benchmarks are disabled (the CI smoke run)
        benchmark.extra_info["records_per_s"] = round(COUNT / benchmark.stats.stats.median)


@pytest.mark.benchmark(group="json-roundtrip-schemas")
def test_native_json_roundtrip_schemas(benchmark: Any) -> None:
    records = batch(envelope_records(COUNT))
    out = benchmark(native_pipeline(True, []).sink_batch, records)
    results = out.records()
    assert out.errors() == []
    assert orjson.loads(results[7][4]) == orjson.loads(records[7][5])
    records_per_s(benchmark)


@pytest.mark.benchmark(group="json-roundtrip-schemas")
def test_python_json_roundtrip_schemas(benchmark: Any) -> None:
    records = batch(envelope_records(COUNT))
    results = benchmark(python_roundtrip, records)
    assert orjson.loads(results[7]) == orjson.loads(records[7][5])
    records_per_s(benchmark)


@pytest.mark.benchmark(group="json-roundtrip-plain")
def test_native_json_roundtrip_plain(benchmark: Any) -> None:
    records = batch(plain_records(COUNT))
    out = benchmark(native_pipeline(False, []).sink_batch, records)
    results = out.records()
    assert out.errors() == []
    assert orjson.loads(results[7][4]) == orjson.loads(records[7][5])
    records_per_s(benchmark)


@pytest.mark.benchmark(group="json-roundtrip-plain")
def test_python_json_roundtrip_plain(benchmark: Any) -> None:
    records = batch(plain_records(COUNT))
    results = benchmark(python_roundtrip, records)
    assert orjson.loads(results[7]) == orjson.loads(records[7][5])
    records_per_s(benchmark)


@pytest.mark.benchmark(group="chain")
def test_native_chain(benchmark: Any) -> None:
    records = batch(envelope_records(COUNT))
    out = benchmark(native_pipeline(True, CHAIN).sink_batch, records)
    results = out.records()
    assert out.errors() == []
    # Both implementations must produce the same records (compared as JSON documents).
    expected = PythonChain().process(records[:50])
    assert [(r[0], orjson.loads(r[4])) for r in results[:50]] == [(t, orjson.loads(v)) for t, v in expected]
    records_per_s(benchmark)


@pytest.mark.benchmark(group="chain")
def test_python_chain(benchmark: Any) -> None:
    records = batch(envelope_records(COUNT))
    results = benchmark(PythonChain().process, records)
    assert results[0][0] == "shop.eu"
    records_per_s(benchmark)


STRING = "org.apache.kafka.connect.storage.StringConverter"


def file_lines(count: int) -> list[SourceRecord]:
    """What FileStreamSourceTask.poll() returns: one record per line, its position as the offset."""
    partition = {"filename": "/tmp/input.txt"}
    return [
        SourceRecord(
            partition, {"position": i * 40}, "connect-test", f"line {i:08d} of the input file", STRING_SCHEMA
        )
        for i in range(count)
    ]


def source_pipeline(value_converter: str) -> Pipeline:
    return Pipeline(
        key_converter=PluginConfig(STRING), value_converter=PluginConfig(value_converter), stages=[]
    )


@pytest.mark.benchmark(group="source-strings")
@pytest.mark.parametrize("converter", [STRING, JSON], ids=["string", "json"])
def test_native_source_batch_strings(benchmark: Any, converter: str) -> None:
    records = file_lines(COUNT)
    out = benchmark(source_pipeline(converter)._native.source_batch, records)
    assert out.errors() == []
    assert len(out) == COUNT
    records_per_s(benchmark)


@pytest.mark.benchmark(group="source-strings")
def test_wrapped_source_batch_strings(benchmark: Any) -> None:
    records = file_lines(COUNT)
    outcomes = benchmark(source_pipeline(STRING).source_batch, records)
    first = outcomes[0].record
    assert first is not None and first.value == b"line 00000000 of the input file"
    records_per_s(benchmark)
