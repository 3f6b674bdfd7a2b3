"""engine._native.Pipeline.sink_batch: how the batch call reads its `(topic, …, headers)` tuples.

The converters and chain behind it are tested in Rust (`native/src/pipeline.rs`) and through
engine.pipeline (`tests/engine/test_pipeline.py`); these tests pin the boundary: the accepted
header containers, the errors for malformed input, and records that reuse the same buffers.
"""

from __future__ import annotations

from typing import Any

import pytest

from engine.config.transforms import PluginConfig
from engine.pipeline import Pipeline

JSON = "org.apache.kafka.connect.json.JsonConverter"


def native(schemas: bool = False) -> Any:
    converter = PluginConfig(JSON, {"schemas.enable": str(schemas).lower()})
    return Pipeline(key_converter=converter, value_converter=converter, stages=[])._native


def record(value: bytes | None, headers: Any = (), offset: int | None = 1) -> tuple[Any, ...]:
    return ("t", 0, offset, 5, None, value, headers)


@pytest.mark.parametrize(
    "headers",
    [[("a", b"1"), ("b", None)], (("a", b"1"), ("b", None)), iter([("a", b"1"), ("b", None)])],
    ids=["list", "tuple", "iterator"],
)
def test_header_containers_give_the_same_headers(headers: Any) -> None:
    (out,) = native().sink_batch([record(b"[1]", headers)]).records()
    assert out == ("t", 0, 5, None, b"[1]", (("a", b"1"), ("b", None)))


@pytest.mark.parametrize("headers", [[], ()], ids=["list", "tuple"])
def test_empty_header_containers_give_no_headers(headers: Any) -> None:
    (out,) = native().sink_batch([record(b"2", headers)]).records()
    assert out == ("t", 0, 5, None, b"2", ())


def test_records_of_a_batch_do_not_share_their_data() -> None:
    # The pipeline reuses one record and the converter's struct values from record to record.
    schema = (
        b'{"type":"struct","fields":[{"type":"string","optional":true,"field":"s"},'
        b'{"type":"int64","optional":true,"field":"n"}],"optional":false}'
    )
    values = [
        b'{"schema":' + schema + b',"payload":{"s":"a much longer first string","n":1}}',
        b'{"schema":' + schema + b',"payload":{"n":2}}',
        b'{"schema":' + schema + b',"payload":{"s":"x"}}',
        None,
        b'{"schema":' + schema + b',"payload":{"n":3,"s":"yz"}}',
    ]
    headers = [[("h", b"1")], [], [("h", b"2"), ("i", b"x y")], (), []]
    batch = native(schemas=True).sink_batch([record(v, h) for v, h in zip(values, headers, strict=True)])
    payloads = [None if r is None or r[4] is None else r[4].split(b',"payload":')[1] for r in batch.records()]
    assert payloads == [
        b'{"s":"a much longer first string","n":1}}',
        b'{"s":null,"n":2}}',
        b'{"s":"x","n":null}}',
        None,
        b'{"s":"yz","n":3}}',
    ]
    assert [r[5] for r in batch.records()] == [(("h", b"1"),), (), (("h", b"2"), ("i", b"x y")), (), ()]


def test_malformed_records_raise_before_any_record_runs() -> None:
    p = native()
    with pytest.raises(ValueError, match="each record is"):
        p.sink_batch([record(b"1"), ("t", 0, 1)])
    with pytest.raises(TypeError):
        p.sink_batch([["t", 0, 1, 5, None, b"1", []]])
    with pytest.raises(TypeError):
        p.sink_batch([record("not bytes")])  # type: ignore[arg-type]  # a wrong type on purpose
    with pytest.raises(TypeError):
        p.sink_batch([record(b"1", [("h", "not bytes")])])
    with pytest.raises(TypeError):
        p.sink_batch([record(b"1", None)])
    with pytest.raises(OverflowError):
        p.sink_batch([("t", 2**40, 1, 5, None, b"1", [])])
    assert p.sink_batch([record(b"1", offset=None)]).records() == [("t", 0, 5, None, b"1", ())]
