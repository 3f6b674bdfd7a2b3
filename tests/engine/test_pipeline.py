"""engine.pipeline: source_batch and sink_records through the native converters and chain."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import decimal
import json
import math
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import KafkaError, Message

from engine.api import (
    INT32_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Date,
    Decimal,
    Header,
    Schema,
    SchemaBuilder,
    SinkRecord,
    SourceRecord,
    Struct,
    Time,
    Timestamp,
    Type,
)
from engine.api.display import to_java_string, value_text
from engine.api.records import SinkRecords, SourceRecords
from engine.config.transforms import PluginConfig, StageConfig
from engine.errors import ConfigError
from engine.pipeline import Pipeline, RawRecord, StageError

JSON = "org.apache.kafka.connect.json.JsonConverter"
STRING = "org.apache.kafka.connect.storage.StringConverter"
GOLDEN = Path(__file__).parents[1] / "compat" / "golden" / "json_converter"
UTC = dt.UTC


def pipeline(
    key: PluginConfig | None = None,
    value: PluginConfig | None = None,
    stages: list[StageConfig] | None = None,
    header: PluginConfig | None = None,
) -> Pipeline:
    return Pipeline(
        key_converter=key or PluginConfig(STRING),
        value_converter=value or PluginConfig(JSON),
        stages=stages or [],
        header_converter=header,
    )


def stage(alias: str, type_name: str, **props: str) -> StageConfig:
    return StageConfig(alias, PluginConfig(type_name, props))


def source(value: Any, schema: Schema | None = None, **kwargs: Any) -> SourceRecord:
    return SourceRecord(
        {"filename": "in.txt"}, {"position": 0}, kwargs.pop("topic", "t"), value, schema, **kwargs
    )


def raw(value: bytes | None, key: bytes | None = None, **kwargs: Any) -> RawRecord:
    fields: dict[str, Any] = {"topic": "t", "partition": 0, "offset": 5, "timestamp": 1_700_000_000_000}
    fields.update(kwargs)
    return RawRecord(key=key, value=value, **fields)


ORDER = (
    SchemaBuilder.struct()
    .name("shop.Order")
    .field("id", INT32_SCHEMA)
    .field("note", OPTIONAL_STRING_SCHEMA)
    .field("amount", Decimal.schema(2))
    .build()
)


# ---- source_batch ----


def test_file_stream_lines_become_connect_bytes() -> None:
    # FileStreamSource: string values with STRING_SCHEMA, no key, a partition/offset per line.
    lines = ["first line", "", "ünïcode"]
    p = pipeline(value=PluginConfig(STRING))
    outcomes = p.source_batch([source(line, STRING_SCHEMA, topic="connect-test") for line in lines])
    assert [o.error for o in outcomes] == [None] * 3
    records = [o.record for o in outcomes]
    assert [r.value for r in records if r] == [line.encode() for line in lines]
    assert all(
        r is not None and (r.topic, r.key, r.offset, r.headers) == ("connect-test", None, None, [])
        for r in records
    )

    # The same lines with JsonConverter (the worker default) carry Connect's envelope.
    out = pipeline().source_batch([source("first line", STRING_SCHEMA)])[0].record
    assert out is not None
    assert out.value == b'{"schema":{"type":"string","optional":false},"payload":"first line"}'


def test_struct_with_schema_is_written_as_connect_writes_it() -> None:
    value = Struct(ORDER).put("id", 7).put("amount", decimal.Decimal("12.50"))
    out = pipeline().source_batch([source(value, ORDER, key="k1", kafka_partition=3, timestamp=42)])
    record = out[0].record
    assert record is not None
    assert (record.topic, record.partition, record.timestamp, record.key) == ("t", 3, 42, b"k1")
    assert json.loads(record.value or b"") == {
        "schema": {
            "type": "struct",
            "fields": [
                {"type": "int32", "optional": False, "field": "id"},
                {"type": "string", "optional": True, "field": "note"},
                {
                    "type": "bytes",
                    "optional": False,
                    "name": "org.apache.kafka.connect.data.Decimal",
                    "version": 1,
                    "parameters": {"scale": "2"},
                    "field": "amount",
                },
            ],
            "optional": False,
            "name": "shop.Order",
        },
        "payload": {"id": 7, "note": None, "amount": base64.b64encode(bytes([0x04, 0xE2])).decode()},
    }


def _golden_schema(spec: dict[str, Any] | None) -> Schema | None:
    if spec is None:
        return None
    kind = {"float": Type.FLOAT32, "double": Type.FLOAT64}.get(spec["type"]) or Type(spec["type"])
    if kind is Type.ARRAY:
        builder = SchemaBuilder.array(_golden_schema(spec["items"]))  # type: ignore[arg-type]
    elif kind is Type.MAP:
        builder = SchemaBuilder.map(_golden_schema(spec["keys"]), _golden_schema(spec["values"]))  # type: ignore[arg-type]
    else:
        builder = SchemaBuilder(kind)
    for field in spec.get("fields", []):
        builder.field(field["field"], _golden_schema(field))  # type: ignore[arg-type]
    if spec.get("optional"):
        builder.optional()
    for key in ("name", "version", "doc"):
        if key in spec:
            getattr(builder, key)(spec[key])
    for k, v in (spec.get("parameters") or {}).items():
        builder.parameter(k, v)
    schema = builder.build()
    if "default" in spec:
        # Built without validation: golden defaults are typed Java values.
        schema = Schema(
            **{
                **{f: getattr(schema, f) for f in schema.__dataclass_fields__},
                "default": _golden_value(spec["default"], schema),
            }
        )
    return schema


def _golden_value(value: Any, schema: Schema | None) -> Any:
    if value is None:
        return None
    ((kind, payload),) = [(k, v) for k, v in value.items() if k != "struct_schema"]
    if kind in ("int8", "int16", "int32", "int64", "boolean", "string"):
        return payload
    if kind in ("float32", "float64"):
        return float(payload)
    if kind == "bytes":
        return base64.b64decode(payload)
    if kind == "decimal":
        return decimal.Decimal(payload)
    if kind == "date":
        return dt.date(1970, 1, 1) + dt.timedelta(days=payload)
    if kind == "time":
        return (dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=payload)).time()
    if kind == "timestamp":
        return dt.datetime(1970, 1, 1, tzinfo=UTC) + dt.timedelta(milliseconds=payload)
    items = schema.value_schema if schema else None
    if kind == "array":
        return [_golden_value(v, items) for v in payload]
    if kind == "map":
        keys = schema.key_schema if schema else None
        return {_golden_value(k, keys): _golden_value(v, items) for k, v in payload}
    assert kind == "struct", kind
    struct_schema = _golden_schema(value["struct_schema"]) if "struct_schema" in value else schema
    assert struct_schema is not None
    out = Struct(struct_schema)
    for field in struct_schema.fields:
        out._values[field.index] = _golden_value(payload.get(field.name), field.schema)
    return out


# Cases whose Java value has no Python equivalent to hand to a connector: a schemaless INT8/
# INT16/INT32/FLOAT32 (Python ints and floats are INT64/FLOAT64 without a schema) or a Java
# value of one logical type under another's schema, or a Time of 24:00 (datetime.time stops at
# 23:59:59.999999).
_NOT_EXPRESSIBLE = {
    "time_end_of_day_allowed",
    "write_int32_schemaless",
    "write_int8_schemaless",
    "write_float32_schemaless",
    "date_given_midnight_timestamp",
    "timestamp_given_date",
    "logical_name_on_other_type",
    "map_null_key_optional_schema",
    "map_null_key_default_schema",
}


def _golden_cases() -> list[Any]:
    cases = []
    for path in sorted(GOLDEN.glob("*.json")):
        document = json.loads(path.read_text())
        for case in document["cases"]:
            if "from_connect" in case and "bytes" in case["expect"] and case["name"] not in _NOT_EXPRESSIBLE:
                cases.append(
                    pytest.param(
                        document["config"],
                        document.get("is_key", False),
                        case,
                        id=f"{path.stem}-{case['name']}",
                    )
                )
    return cases


@pytest.mark.parametrize(("config", "is_key", "case"), _golden_cases())
def test_source_batch_writes_connect_golden_bytes(
    config: dict[str, str], is_key: bool, case: dict[str, Any]
) -> None:
    schema = _golden_schema(case["from_connect"]["schema"])
    value = _golden_value(case["from_connect"]["value"], schema)
    converter = PluginConfig(JSON, config)
    if is_key:
        p = pipeline(key=converter, value=PluginConfig(STRING))
        record = SourceRecord(None, None, "t", None, None, key=value, key_schema=schema)
    else:
        p = pipeline(value=converter)
        record = source(value, schema)
    (outcome,) = p.source_batch([record])
    assert outcome.error is None
    assert outcome.record is not None
    written = outcome.record.key if is_key else outcome.record.value
    expected = case["expect"]["bytes"]
    assert written == (None if expected is None else expected.encode())


def test_source_headers_go_through_the_simple_header_converter() -> None:
    headers = (
        Header("text", "hello"),
        Header("count", 42, INT32_SCHEMA),
        Header("list", [1, 2]),
        Header("when", dt.date(2024, 1, 2), Date.SCHEMA),
        Header("empty", None),
    )
    (outcome,) = pipeline().source_batch([source("v", STRING_SCHEMA, headers=headers)])
    assert outcome.record is not None
    # Connect's Values.convertToString text for each value.
    assert outcome.record.headers == [
        ("text", b"hello"),
        ("count", b"42"),
        ("list", b"[1,2]"),
        ("when", b"2024-01-02"),
        ("empty", None),
    ]


def test_transforms_run_before_the_converters_and_may_drop() -> None:
    stages = [
        stage("route", "org.apache.kafka.connect.transforms.RegexRouter", regex="raw-(.*)", replacement="$1"),
        StageConfig(
            "drop",
            PluginConfig("org.apache.kafka.connect.transforms.Filter"),
            predicate_alias="isTomb",
            predicate=PluginConfig("org.apache.kafka.connect.transforms.predicates.RecordIsTombstone"),
        ),
        stage("mask", "org.apache.kafka.connect.transforms.MaskField$Value", fields="note"),
    ]
    p = pipeline(stages=stages)
    value = Struct(ORDER).put("id", 1).put("note", "secret").put("amount", decimal.Decimal("0.01"))
    outcomes = p.source_batch(
        [
            source(value, ORDER, topic="raw-orders"),
            source(None, None, topic="raw-orders"),
            source("not a struct", STRING_SCHEMA, topic="raw-orders"),
        ]
    )
    first = outcomes[0].record
    assert first is not None and first.topic == "orders"
    assert json.loads(first.value or b"")["payload"]["note"] == ""
    assert outcomes[1].record is None and outcomes[1].error is None
    error = outcomes[2].error
    assert error is not None
    assert (error.stage, error.alias) == ("TRANSFORMATION", "mask")
    assert "Only Struct objects supported" in error.message


def test_source_data_errors_name_the_converter_stage() -> None:
    p = pipeline(key=PluginConfig(JSON))
    outcomes = p.source_batch(
        [
            source(object()),
            source("v", key=object()),
            source("v", headers=(Header("h", object()),)),
            source(300, SchemaBuilder(Type.INT8).build()),
            source("fine"),
        ]
    )
    stages = [o.error.stage if o.error else None for o in outcomes]
    assert stages == ["VALUE_CONVERTER", "KEY_CONVERTER", "HEADER_CONVERTER", "VALUE_CONVERTER", None]
    assert outcomes[0].error is not None
    assert outcomes[0].error.message == "Python type object has no corresponding Connect schema type"
    assert outcomes[3].error is not None and "INT8" in outcomes[3].error.message
    # A value that does not fit its schema fails in the converter, with Connect's message.
    (mismatch,) = pipeline().source_batch([source("text", INT64_SCHEMA)])
    assert mismatch.error is not None and mismatch.error.stage == "VALUE_CONVERTER"


def test_a_malformed_source_record_object_raises() -> None:
    with pytest.raises(TypeError):
        pipeline().source_batch([source("v", topic=7)])


def test_schemaless_maps_and_lists() -> None:
    p = pipeline(value=PluginConfig(JSON, {"schemas.enable": "false"}))
    value = {"name": "a", "tags": ["x", None], "n": 3, "f": 1.5, "ok": True, "nested": {"k": b"\x01"}}
    (outcome,) = p.source_batch([source(value)])
    assert outcome.record is not None
    assert json.loads(outcome.record.value or b"") == {
        "name": "a",
        "tags": ["x", None],
        "n": 3,
        "f": 1.5,
        "ok": True,
        "nested": {"k": "AQ=="},
    }
    (back,) = p.sink_records([raw(outcome.record.value)])
    assert back.record is not None
    assert back.record.value_schema is None
    assert back.record.value == {**value, "nested": {"k": "AQ=="}}


# ---- sink_records ----


def test_sink_records_give_structs_with_their_schema() -> None:
    envelope = (
        b'{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},'
        b'{"type":"string","optional":true,"field":"note"}],"optional":false,"name":"shop.Order"},'
        b'"payload":{"id":7,"note":"x"}}'
    )
    p = pipeline()
    outcomes = p.sink_records([raw(envelope, key=b"k1", offset=10), raw(envelope, offset=11)])
    records = [o.record for o in outcomes]
    assert all(isinstance(r, SinkRecord) for r in records)
    first, second = records
    assert first is not None and second is not None
    expected_schema = (
        SchemaBuilder.struct()
        .name("shop.Order")
        .field("id", INT32_SCHEMA)
        .field("note", OPTIONAL_STRING_SCHEMA)
        .build()
    )
    assert first.value_schema == expected_schema
    assert first.value == Struct(expected_schema).put("id", 7).put("note", "x")
    assert repr(first.value) == "Struct{id=7,note=x}"
    assert (first.key, first.key_schema) == ("k1", OPTIONAL_STRING_SCHEMA)
    assert (first.topic, first.kafka_partition, first.kafka_offset, second.kafka_offset) == ("t", 0, 10, 11)
    assert (first.timestamp, first.timestamp_type) == (1_700_000_000_000, "CreateTime")
    # The converter's schema is converted once and shared, as connectors expect.
    assert first.value_schema is second.value_schema


def test_sink_records_run_the_chain_after_the_converters() -> None:
    stages = [
        stage("fields", "org.apache.kafka.connect.transforms.ReplaceField$Value", renames="id:order_id"),
        StageConfig(
            "drop",
            PluginConfig("org.apache.kafka.connect.transforms.Filter"),
            predicate_alias="skip",
            predicate=PluginConfig(
                "org.apache.kafka.connect.transforms.predicates.TopicNameMatches", {"pattern": "skip-.*"}
            ),
        ),
    ]
    p = pipeline(value=PluginConfig(JSON, {"schemas.enable": "false"}), stages=stages)
    envelope = (
        b'{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}],'
        b'"optional":false},"payload":{"id":1}}'
    )
    p_schemas = pipeline(stages=stages[:1])
    (renamed,) = p_schemas.sink_records([raw(envelope)])
    assert renamed.record is not None
    assert renamed.record.value.get("order_id") == 1
    outcomes = p.sink_records([raw(b'{"id":1}'), raw(b'{"id":2}', topic="skip-me"), raw(b"{bad")])
    assert outcomes[0].record is not None and outcomes[0].record.value == {"order_id": 1}
    assert outcomes[1].record is None and outcomes[1].error is None
    assert outcomes[2].error is not None and outcomes[2].error.stage == "VALUE_CONVERTER"


def test_sink_errors_name_their_stage() -> None:
    p = pipeline(key=PluginConfig(JSON), header=PluginConfig(JSON))
    schema_less_int = b'{"schema":null,"payload":1}'
    outcomes = p.sink_records(
        [
            raw(schema_less_int, key=b"{oops"),
            raw(b"[1,"),
            raw(schema_less_int, headers=[("h", b"{nope")]),
            raw(schema_less_int, headers=[("h", schema_less_int)]),
        ]
    )
    assert [o.error.stage if o.error else None for o in outcomes] == [
        "KEY_CONVERTER",
        "VALUE_CONVERTER",
        "HEADER_CONVERTER",
        None,
    ]
    assert outcomes[3].record is not None
    assert outcomes[3].record.headers == (Header("h", 1, None),)
    masked = pipeline(stages=[stage("m", "org.apache.kafka.connect.transforms.MaskField$Value", fields="a")])
    (failed,) = masked.sink_records([raw(b'{"schema":{"type":"string","optional":false},"payload":"x"}')])
    assert failed.error is not None
    assert (failed.error.stage, failed.error.alias) == ("TRANSFORMATION", "m")
    assert failed.error == StageError("TRANSFORMATION", failed.error.message, "m")


def test_sink_headers_are_inferred_like_simple_header_converter() -> None:
    headers = [
        ("n", b"42"),
        ("big", b"40000"),
        ("b", b"true"),
        ("s", b"hello world"),
        ("l", b"[1,2]"),
        ("z", None),
    ]
    (outcome,) = pipeline().sink_records([raw(b'{"schema":null,"payload":null}', headers=headers)])
    assert outcome.record is not None
    got = [(h.key, h.value, h.schema.type if h.schema else None) for h in outcome.record.headers]
    assert got == [
        ("n", 42, Type.INT8),
        ("big", 40000, Type.INT32),
        ("b", True, Type.BOOLEAN),
        ("s", "hello world", Type.STRING),
        ("l", [1, 2], Type.ARRAY),
        ("z", None, None),
    ]


def test_logical_types_round_trip_through_bytes() -> None:
    schema = (
        SchemaBuilder.struct()
        .field("amount", Decimal.schema(3))
        .field("day", Date.SCHEMA)
        .field("at", Time.SCHEMA)
        .field("ts", Timestamp.SCHEMA)
        .field("old", SchemaBuilder(Type.INT64).name(Timestamp.LOGICAL_NAME).version(1).optional().build())
        .build()
    )
    value = (
        Struct(schema)
        .put("amount", decimal.Decimal("-1234.567"))
        .put("day", dt.date(2024, 2, 29))
        .put("at", dt.time(12, 34, 56, 789_000))
        .put("ts", dt.datetime(2024, 1, 1, 13, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))))
        .put("old", dt.datetime(1969, 12, 31, 23, 59, 59, 999_000, tzinfo=UTC))
    )
    p = pipeline()
    (produced,) = p.source_batch([source(value, schema)])
    assert produced.record is not None
    payload = json.loads(produced.record.value or b"")["payload"]
    assert (payload["day"], payload["at"], payload["ts"], payload["old"]) == (
        19782,
        45_296_789,
        1_704_110_400_000,
        -1,
    )
    (consumed,) = p.sink_records([raw(produced.record.value)])
    assert consumed.record is not None
    back = consumed.record.value
    assert back.get("amount") == decimal.Decimal("-1234.567")
    assert back.get("amount").as_tuple().exponent == -3
    assert back.get("day") == dt.date(2024, 2, 29)
    assert back.get("at") == dt.time(12, 34, 56, 789_000)
    assert back.get("ts") == dt.datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
    assert back.get("ts").tzinfo is UTC
    assert back.get("old") == dt.datetime(1969, 12, 31, 23, 59, 59, 999_000, tzinfo=UTC)
    assert consumed.record.value_schema == schema


def test_float32_values_read_as_java_prints_them() -> None:
    (outcome,) = pipeline().sink_records([raw(b'{"schema":{"type":"float","optional":false},"payload":1.1}')])
    assert outcome.record is not None
    assert outcome.record.value == 1.1
    # Connect writes NaN as the string "NaN" and reads that back as 0.0 (Jackson's
    # TextNode.doubleValue()); a Python sink sees what a Java one would.
    nan_bytes = pipeline().source_batch([source(math.nan, SchemaBuilder(Type.FLOAT64).build())])[0].record
    assert (
        nan_bytes is not None
        and nan_bytes.value == b'{"schema":{"type":"double","optional":false},"payload":"NaN"}'
    )
    (nan,) = pipeline().sink_records([raw(nan_bytes.value)])
    assert nan.record is not None and nan.record.value == 0.0


def test_schema_defaults_and_metadata_survive_both_ways() -> None:
    schema = (
        SchemaBuilder.struct()
        .name("s.S")
        .version(3)
        .doc("a doc")
        .field("n", SchemaBuilder(Type.INT16).optional().default_value(5).build())
        .field("m", SchemaBuilder.map(STRING_SCHEMA, INT32_SCHEMA).optional().build())
        .build()
    )
    value = Struct(schema).put("m", {"a": 1})
    p = pipeline(value=PluginConfig(JSON, {"replace.null.with.default": "false"}))
    (produced,) = p.source_batch([source(value, schema)])
    assert produced.record is not None
    written = json.loads(produced.record.value or b"")
    assert written["schema"]["fields"][0]["default"] == 5
    assert written["payload"] == {"n": None, "m": {"a": 1}}
    (consumed,) = p.sink_records([raw(produced.record.value)])
    assert consumed.record is not None
    assert consumed.record.value_schema == schema
    assert consumed.record.value.get("n") == 5


def test_header_converter_config_errors() -> None:
    with pytest.raises(ConfigError, match=r"header\.converter"):
        pipeline(header=PluginConfig("com.example.AvroHeaderConverter"))
    explicit = pipeline(header=PluginConfig("org.apache.kafka.connect.storage.SimpleHeaderConverter"))
    (outcome,) = explicit.source_batch([source("v", headers=(Header("h", 1.5),))])
    assert outcome.record is not None and outcome.record.headers == [("h", b"1.5")]


# ---- sink_messages ----


class FakeMessage:
    """What the native side reads of a confluent-kafka `Message`."""

    def __init__(
        self,
        value: bytes | None,
        *,
        topic: str = "t",
        partition: int = 0,
        offset: int = 0,
        timestamp: tuple[int, int] = (1, 1_700_000_000_000),
        key: bytes | None = None,
        headers: list[tuple[str, bytes | None]] | None = None,
        error: Any = None,
    ) -> None:
        self._fields = (value, topic, partition, offset, timestamp, key, headers, error)

    def value(self) -> bytes | None:
        return self._fields[0]

    def topic(self) -> str:
        return self._fields[1]

    def partition(self) -> int:
        return self._fields[2]

    def offset(self) -> int:
        return self._fields[3]

    def timestamp(self) -> tuple[int, int]:
        return self._fields[4]

    def key(self) -> bytes | None:
        return self._fields[5]

    def headers(self) -> list[tuple[str, bytes | None]] | None:
        return self._fields[6]

    def error(self) -> Any:
        return self._fields[7]


def test_sink_messages_read_messages_natively_and_track_the_next_offset_per_partition() -> None:
    p = pipeline(value=PluginConfig(JSON, {"schemas.enable": "false"}))
    batch = p.sink_messages(
        [
            FakeMessage(b"1", offset=4, key=b"k", headers=[("h", b"42")]),
            FakeMessage(b"2", topic="u", partition=1, offset=9, timestamp=(0, -1)),
            FakeMessage(b"3", offset=5),
        ]
    )
    first, second, third = batch.records
    assert first is not None and second is not None and third is not None
    assert (first.topic, first.kafka_partition, first.kafka_offset, first.key, first.value) == (
        "t",
        0,
        4,
        "k",
        1,
    )
    assert [(h.key, h.value) for h in first.headers] == [("h", 42)]
    assert (second.topic, second.kafka_partition, second.timestamp) == ("u", 1, None)
    assert (first.timestamp, third.value) == (1_700_000_000_000, 3)
    assert batch.offsets == [("t", 0, 6), ("u", 1, 10)]
    assert (batch.failed, batch.consumer_errors) == ({}, [])


def test_sink_messages_leave_consumer_errors_out_and_keep_positions() -> None:
    p = pipeline(value=PluginConfig(JSON, {"schemas.enable": "false"}))
    batch = p.sink_messages(
        [
            FakeMessage(None, offset=0, error="broken"),
            FakeMessage(b"{bad", offset=1),
            FakeMessage(b"7", offset=2),
        ]
    )
    assert batch.consumer_errors == [0]
    # Only records to deliver are in the batch; each knows the message it came from.
    assert [r.value for r in batch.records] == [7]
    assert batch.position(0) == 2
    assert list(batch.failed) == [1]
    assert batch.failed[1].stage == "VALUE_CONVERTER"
    assert batch.offsets == [("t", 0, 3)]


def test_sink_messages_read_confluent_kafka_messages_as_any_object_with_their_methods() -> None:
    class Overriding(Message):  # a subclass's own methods are the ones to call
        def value(self) -> bytes:
            return b"99"

    def fields(message: Any) -> dict[str, Any]:
        return {
            name: getattr(message, name)()
            for name in ("topic", "partition", "offset", "timestamp", "key", "value", "headers", "error")
        }

    real = [
        Message(
            topic="t", partition=0, offset=4, key=b"k", value=b"1", headers=[("h", b"42")], timestamp=(1, 5)
        ),
        Message(topic="u", partition=1, offset=9, value=b"2", timestamp=(0, -1)),
        Message(topic="t", partition=0, error=KafkaError(KafkaError._PARTITION_EOF)),
        Message(topic="t", partition=0, offset=5, value=b"{bad"),
        Overriding(topic="t", partition=0, offset=6, value=b"3"),
        Message(topic="t", partition=0, offset=7, value=None, key=b"x"),
    ]
    fakes = [FakeMessage(**fields(m)) for m in real]
    p = pipeline(value=PluginConfig(JSON, {"schemas.enable": "false"}))
    # Real messages first (their getters called directly), then mixed with other objects.
    for messages in (real, fakes, [fakes[0], *real[1:]], [real[0], fakes[1], *real[2:]]):
        batch = p.sink_messages(messages)
        assert [
            (r.topic, r.kafka_partition, r.kafka_offset, r.timestamp, r.key, r.value) for r in batch.records
        ] == [
            ("t", 0, 4, 5, "k", 1),
            ("u", 1, 9, None, None, 2),
            ("t", 0, 6, None, None, 99),
            ("t", 0, 7, None, "x", None),
        ]
        assert [(h.key, h.value) for h in batch.records[0].headers] == [("h", 42)]
        assert batch.offsets == [("t", 0, 8), ("u", 1, 10)]
        assert batch.consumer_errors == [2]
        assert list(batch.failed) == [3]


def _envelope(schema: dict[str, Any], payload: Any) -> bytes:
    return json.dumps({"schema": schema, "payload": payload}).encode()


def test_sink_messages_value_text_is_the_python_text_computed_natively() -> None:
    def field(field_name: str, kind: str, **extra: Any) -> dict[str, Any]:
        return {"field": field_name, "type": kind, **extra}

    plain = [
        _envelope(
            {
                "type": "struct",
                "fields": [
                    field("id", "int64"),
                    field("name", "string", optional=True),
                    field("f", "double"),
                    field("g", "float"),
                    field("b", "boolean"),
                    field("inner", "struct", fields=[field("x", "string")]),
                    field("m", "map", keys={"type": "string"}, values={"type": "double"}),
                ],
            },
            {"id": 1, "name": None, "f": 1e10, "g": 1.1, "b": True, "inner": {"x": 'é"y'}, "m": {"k": 0.001}},
        ),
        _envelope({"type": "array", "items": {"type": "int32"}}, [1, 2]),
        _envelope({"type": "string", "optional": True}, None),
        _envelope(
            {"type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "parameters": {"scale": "2"}},
            "AeI=",
        ),
        _envelope(
            {
                "type": "struct",
                "fields": [
                    field("a", "array", items={"type": "string", "optional": True}),
                    field("m", "map", keys={"type": "int32"}, values={"type": "boolean"}),
                    field("g", "float"),
                    field(
                        "s",
                        "array",
                        items={"type": "struct", "fields": [field("x", "double", optional=True)]},
                    ),
                ],
            },
            {
                "a": ["x", None, "y"],
                "m": [[1, True], [2, False]],
                "g": 0.00099999994,
                "s": [{"x": None}, {"x": 1e-7}],
            },
        ),
    ]
    # Java's text of these differs from Python's (`[B@…`, Date.toString): computed in Python.
    in_python = [
        _envelope({"type": "bytes"}, "AeI="),
        _envelope(
            {
                "type": "struct",
                "fields": [field("ts", "int64", name="org.apache.kafka.connect.data.Timestamp")],
            },
            {"ts": 1_700_000_000_123},
        ),
    ]
    p = pipeline(value=PluginConfig(JSON, {"schemas.enable": "true"}))
    messages = [FakeMessage(v, offset=i) for i, v in enumerate(plain + in_python)]
    batch = p.sink_messages(messages, value_text=True)
    assert not batch.failed
    records = list(batch.records)
    assert [r._value_text is not None for r in records] == [True] * len(plain) + [False] * len(in_python)
    assert [value_text(r) for r in records] == [to_java_string(r.value) for r in records]
    # The batch's texts, without building records, are the same (in Python where they must be).
    unbuilt = p.sink_messages(messages).records
    assert unbuilt.value_texts() == [to_java_string(r.value) for r in records]
    # As one block of lines: built natively when every text is, else from the texts above.
    lines = [to_java_string(r.value) + "\r\n" for r in records]
    assert p.sink_messages(messages[: len(plain)]).records.value_text_block("\r\n") == "".join(
        lines[: len(plain)]
    )
    assert unbuilt.value_text_block("\r\n") == "".join(lines)
    assert p.sink_messages([]).records.value_text_block("\n") == ""
    assert value_text(records[0]) == 'Struct{id=1,f=1.0E10,g=1.1,b=true,inner=Struct{x=é"y},m={k=0.001}}'
    assert value_text(records[3]) == "4.82"
    assert (
        value_text(records[4])
        == "Struct{a=[x, null, y],m={1=true, 2=false},g=9.999999E-4,s=[Struct{}, Struct{x=1.0E-7}]}"
    )
    # Off by default, and never copied: a copy's text is computed from its value.
    assert all(r._value_text is None for r in p.sink_messages(messages).records)
    assert dataclasses.replace(records[1], value=[3])._value_text is None


def test_sink_messages_build_each_record_once_when_touched() -> None:
    p = pipeline(value=PluginConfig(JSON, {"schemas.enable": "true"}))
    schema = {"type": "struct", "fields": [{"field": "id", "type": "int64"}]}
    records = p.sink_messages([FakeMessage(_envelope(schema, {"id": i}), offset=i) for i in range(3)]).records
    assert isinstance(records, SinkRecords) and len(records) == 3
    first = records[0]
    assert records[0] is first and records[-3] is first and next(iter(records)) is first
    assert [r.value.get("id") for r in records[1:]] == [1, 2]
    assert records.index(first) == 0
    assert records.index(dataclasses.replace(records[2])) == 2  # an equal copy, found by equality
    with pytest.raises(IndexError):
        records[3]
    with pytest.raises(ValueError):
        records.index(dataclasses.replace(first, kafka_offset=7))
    # Later batches share the schema objects of earlier ones, as eagerly built records did.
    later = p.sink_messages([FakeMessage(_envelope(schema, {"id": 9}))]).records
    assert later[0].value_schema is first.value_schema


def test_sink_messages_fail_a_record_python_cannot_hold_before_put() -> None:
    p = pipeline(value=PluginConfig(JSON, {"schemas.enable": "true"}))
    date = {"type": "int32", "name": "org.apache.kafka.connect.data.Date"}
    nested = {"type": "struct", "fields": [{"field": "d", **date}]}
    array_keys = {"type": "map", "keys": {"type": "array", "items": {"type": "int32"}}, "values": date}
    first_day = (dt.date(1, 1, 1) - dt.date(1970, 1, 1)).days
    values = [
        _envelope(date, (dt.date(9999, 12, 31) - dt.date(1970, 1, 1)).days + 1),  # year 10000
        _envelope(array_keys, [[[1], 2]]),  # a list cannot be a dict key
        _envelope(date, 0),
        _envelope(nested, {"d": first_day - 1}),  # year 0, inside a struct
        _envelope(nested, {"d": first_day}),
    ]
    batch = p.sink_messages([FakeMessage(v, offset=i) for i, v in enumerate(values)])
    assert [batch.position(i) for i in range(len(batch.records))] == [2, 4]
    assert batch.records[0].value == dt.date(1970, 1, 1)
    assert batch.records[1].value.get("d") == dt.date(1, 1, 1)
    # The same failures, stages and messages as when every record is built at once.
    eager = p.sink_records([RawRecord("t", 0, i, None, None, v) for i, v in enumerate(values)])
    expected = {i: o.error for i, o in enumerate(eager) if o.error is not None}
    assert sorted(expected) == [0, 1, 3]
    assert {e.stage for e in expected.values()} == {"VALUE_CONVERTER"}
    assert batch.failed == expected


# ---- SourceRecords and source_sends ----


def source_records(values: list[Any], schema: Schema | None, **kwargs: Any) -> SourceRecords:
    offsets = [{"position": i} for i in range(len(values))]
    return SourceRecords(
        {"filename": "in.txt"}, kwargs.pop("topic", "t"), values, offsets, value_schema=schema, **kwargs
    )


@pytest.mark.parametrize(
    ("converter", "schema", "values"),
    [
        (PluginConfig(STRING), STRING_SCHEMA, ["first line", "", "ünïcode", "\ufffd"]),
        (PluginConfig(JSON), STRING_SCHEMA, ["a", 'quote " and \\', "ü"]),
        (PluginConfig(JSON, {"schemas.enable": "false"}), None, [{"n": 1}, None, ["x", 2.5], "s"]),
    ],
)
def test_a_source_records_batch_converts_as_its_records_one_by_one(
    converter: PluginConfig, schema: Schema | None, values: list[Any]
) -> None:
    batch = source_records(values, schema, topic="lines", timestamp=1_700_000_000_000)
    p = pipeline(value=converter)
    assert p.source_batch(batch) == p.source_batch(list(batch))
    outcomes = p.source_batch(batch)
    assert all(o.record is not None and o.record.timestamp == 1_700_000_000_000 for o in outcomes)


def test_source_records_whose_values_do_not_fit_fail_at_their_position() -> None:
    outcomes = pipeline().source_batch(source_records(["a", 7, "c", object()], STRING_SCHEMA))
    assert [o.error is None for o in outcomes] == [True, False, True, False]
    assert all(o.error.stage == "VALUE_CONVERTER" for o in outcomes if o.error is not None)


def test_source_sends_are_produce_arguments_of_the_records_to_send() -> None:
    stages = [
        StageConfig(
            "drop",
            PluginConfig("org.apache.kafka.connect.transforms.Filter"),
            predicate_alias="isTomb",
            predicate=PluginConfig("org.apache.kafka.connect.transforms.predicates.RecordIsTombstone"),
        )
    ]

    def on_delivery(_error: Any, _message: Any) -> None:
        raise AssertionError("not called by the pipeline")

    p = pipeline(value=PluginConfig(STRING), stages=stages)
    records = [
        source("a", STRING_SCHEMA, key="k", kafka_partition=2, timestamp=5, headers=(Header("h", "v"),)),
        source(None, None),  # a tombstone: dropped by the chain, nothing to send
        source(object()),  # no Connect type: fails at the value converter stage
        source("b", STRING_SCHEMA),
    ]
    sends = p.source_sends(records, on_delivery)
    assert sends.sends == [
        ("t", b"a", b"k", 2, on_delivery, None, 5, [("h", b"v")]),
        ("t", b"b", None, -1, on_delivery, None, 0, None),
    ]
    assert list(sends.failed) == [2] and sends.failed[2].stage == "VALUE_CONVERTER"
