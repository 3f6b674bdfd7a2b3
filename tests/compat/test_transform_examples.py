"""Connect's documented transform examples, end to end through the dry run.

Each case is a connector config as Connect's documentation or its transforms' source describe it
(`connect_transforms` in Kafka's docs; `Cast`, `Flatten`, `MaskField`, `TimestampRouter`
javadocs), one input record, and the output Connect produces for it. The byte-exact
behaviour of each transform is pinned in Rust by the ported Connect unit tests; these cases check
the whole path: config parsing, converters, predicates, chain, and serialization.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from engine.dryrun import build_pipeline, run_dry_run

PLAIN_JSON = {
    "key.converter": "org.apache.kafka.connect.storage.StringConverter",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter.schemas.enable": "false",
}
T = "org.apache.kafka.connect.transforms."

CASES: list[tuple[str, dict[str, str], dict[str, Any], dict[str, Any]]] = [
    (
        # Kafka docs, "Transformations": wrap each line in a struct and add a static field.
        "hoist-and-insert-static-field",
        {
            "key.converter": "org.apache.kafka.connect.storage.StringConverter",
            "value.converter": "org.apache.kafka.connect.storage.StringConverter",
            "transforms": "MakeMap, InsertSource",
            "transforms.MakeMap.type": T + "HoistField$Value",
            "transforms.MakeMap.field": "line",
            "transforms.InsertSource.type": T + "InsertField$Value",
            "transforms.InsertSource.static.field": "data_source",
            "transforms.InsertSource.static.value": "test-file-source",
        },
        {"topic": "connect-test", "key": None, "value": "hello"},
        # StringConverter writes Struct.toString(), as FileStreamSink would.
        {"value": "Struct{line=hello,data_source=test-file-source}", "key": None},
    ),
    (
        # Kafka docs, "Predicates": drop records of topic `foo`; the pattern must match the whole topic.
        "filter-with-topic-predicate-whole-match",
        {
            **PLAIN_JSON,
            "transforms": "Filter",
            "transforms.Filter.type": T + "Filter",
            "transforms.Filter.predicate": "IsFoo",
            "predicates": "IsFoo",
            "predicates.IsFoo.type": T + "predicates.TopicNameMatches",
            "predicates.IsFoo.pattern": "foo",
        },
        {"topic": "foobar", "key": "k", "value": "1"},
        {"topic": "foobar", "value": "1"},
    ),
    (
        "filter-drops-the-matching-topic",
        {
            **PLAIN_JSON,
            "transforms": "Filter",
            "transforms.Filter.type": T + "Filter",
            "transforms.Filter.predicate": "IsFoo",
            "predicates": "IsFoo",
            "predicates.IsFoo.type": T + "predicates.TopicNameMatches",
            "predicates.IsFoo.pattern": "foo",
        },
        {"topic": "foo", "key": "k", "value": "1"},
        {"dropped": True},
    ),
    (
        # TimestampRouter's defaults: `${topic}-${timestamp}` with `yyyyMMdd`, in UTC.
        "timestamp-router-defaults",
        {**PLAIN_JSON, "transforms": "r", "transforms.r.type": T + "TimestampRouter"},
        {"topic": "logs", "key": None, "value": "{}", "timestamp": 1_700_000_000_000},
        {"topic": "logs-20231114"},
    ),
    (
        # Cast truncates a double to int32 as Java's Number.intValue() does.
        "cast-schemaless-field",
        {
            **PLAIN_JSON,
            "transforms": "c",
            "transforms.c.type": T + "Cast$Value",
            "transforms.c.spec": "amount:int32",
        },
        {"topic": "t", "key": None, "value": '{"amount":12.7,"id":"a"}'},
        {"value": '{"amount":12,"id":"a"}'},
    ),
    (
        # MaskField replaces a string with its null-equivalent, the empty string.
        "mask-field-schemaless",
        {
            **PLAIN_JSON,
            "transforms": "m",
            "transforms.m.type": T + "MaskField$Value",
            "transforms.m.fields": "ssn",
        },
        {"topic": "t", "key": None, "value": '{"ssn":"123-45-6789","id":7}'},
        {"value": '{"ssn":"","id":7}'},
    ),
    (
        "flatten-nested-maps",
        {**PLAIN_JSON, "transforms": "f", "transforms.f.type": T + "Flatten$Value"},
        {"topic": "t", "key": None, "value": '{"a":{"b":1,"c":{"d":"x"}},"e":[1]}'},
        {"value": '{"a.b":1,"a.c.d":"x","e":[1]}'},
    ),
    (
        # ExtractField on a schemaless key map; ValueToKey first builds that key from the value.
        "value-to-key-then-extract",
        {
            **PLAIN_JSON,
            "key.converter": "org.apache.kafka.connect.json.JsonConverter",
            "key.converter.schemas.enable": "false",
            "transforms": "v,x",
            "transforms.v.type": T + "ValueToKey",
            "transforms.v.fields": "id",
            "transforms.x.type": T + "ExtractField$Key",
            "transforms.x.field": "id",
        },
        {"topic": "t", "key": None, "value": '{"id":42,"name":"n"}'},
        {"key": "42", "value": '{"id":42,"name":"n"}'},
    ),
    (
        # RegexRouter's javadoc example: the whole topic must match; `$3` is the third group.
        "regex-router-javadoc",
        {
            **PLAIN_JSON,
            "transforms": "r",
            "transforms.r.type": T + "RegexRouter",
            "transforms.r.regex": "(.*)-(.*)-(.*)",
            "transforms.r.replacement": "$3",
        },
        {"topic": "my-kafka-topic", "key": None, "value": "1"},
        {"topic": "topic"},
    ),
]


@pytest.mark.parametrize(("config", "record", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_documented_example(config: dict[str, str], record: dict[str, Any], expected: dict[str, Any]) -> None:
    out = io.StringIO()
    run_dry_run(build_pipeline(config), [json.dumps(record)], out)
    result = json.loads(out.getvalue())
    assert {k: result.get(k) for k in expected} == expected, result
