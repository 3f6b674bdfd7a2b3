"""Property tests of the native JsonConverter through the pipeline: envelopes and plain JSON round-trip.

A value written in Connect's envelope with a random schema must come back from
`JsonConverter → (no transforms) → JsonConverter` as the same document, and schemaless JSON as
the same JSON value. Byte-exact cases against Connect itself live in `tests/compat/golden/`.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.config.transforms import PluginConfig
from engine.pipeline import Pipeline, RawRecord

JSON = "org.apache.kafka.connect.json.JsonConverter"
INT_BOUNDS = {"int8": 2**7, "int16": 2**15, "int32": 2**31, "int64": 2**63}
FIELD_NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)


def pipeline(schemas: bool) -> Pipeline:
    converter = PluginConfig(JSON, {"schemas.enable": str(schemas).lower()})
    return Pipeline(key_converter=converter, value_converter=converter, stages=[])


def primitive_schema_and_value(kind: str) -> st.SearchStrategy[tuple[dict[str, Any], Any]]:
    values: st.SearchStrategy[Any]
    if kind in INT_BOUNDS:
        bound = INT_BOUNDS[kind]
        values = st.integers(-bound, bound - 1)
    elif kind == "double":
        values = st.floats(allow_nan=False, allow_infinity=False)
    elif kind == "boolean":
        values = st.booleans()
    else:
        values = st.text()
    optional = st.booleans()
    return st.tuples(optional, values, st.booleans()).map(
        lambda t: ({"type": kind, "optional": t[0]}, None if t[0] and t[2] else t[1])
    )


primitive = st.sampled_from(["int8", "int16", "int32", "int64", "double", "boolean", "string"]).flatmap(
    primitive_schema_and_value
)


@st.composite
def struct_schema_and_value(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    names = draw(st.lists(FIELD_NAMES, min_size=1, max_size=6, unique=True))
    fields, payload = [], {}
    for name in names:
        schema, value = draw(
            st.one_of(
                primitive,
                primitive.map(lambda sv: ({"type": "array", "items": sv[0], "optional": False}, [sv[1]] * 2)),
            )
        )
        if schema["type"] == "array" and any(v is None for v in value):
            schema["items"] = {**schema["items"], "optional": True}
        fields.append({**schema, "field": name})
        payload[name] = value
    return {"type": "struct", "fields": fields, "optional": False, "name": "prop.Record"}, payload


def round_trip(p: Pipeline, value: bytes) -> Any:
    (outcome,) = p.sink_batch([RawRecord("t", 0, 0, None, None, value)])
    assert outcome.error is None, outcome.error
    assert outcome.record is not None and outcome.record.value is not None
    return json.loads(outcome.record.value)


@settings(max_examples=150, deadline=None)
@given(struct_schema_and_value())
def test_envelopes_round_trip(schema_and_payload: tuple[dict[str, Any], dict[str, Any]]) -> None:
    schema, payload = schema_and_payload
    envelope = {"schema": schema, "payload": payload}
    assert round_trip(pipeline(True), json.dumps(envelope).encode()) == envelope


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_schemaless_json_round_trips(value: Any) -> None:
    encoded = json.dumps(value).encode()
    if value is None:
        return  # JSON null is a Kafka null on the way out; covered by the golden cases.
    assert round_trip(pipeline(False), encoded) == value
