"""Jackson's compact JSON text, as Connect's JsonConverter writes internal-topic records."""

from __future__ import annotations

import pytest

from engine.storage.records import dumps, loads


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({"b": 1, "a": [True, False, None]}, '{"b":1,"a":[true,false,null]}'),
        ('tab\there "q" back\\slash', '"tab\\there \\"q\\" back\\\\slash"'),
        ("\x00\x1f\x08\x0c\r\n", '"\\u0000\\u001F\\b\\f\\r\\n"'),
        ("é ✓ 😀 \x7f /", '"é ✓ 😀 \x7f /"'),
        (1.0, "1.0"),
        (1e10, "1.0E10"),
        (0.001, "0.001"),
        (float("nan"), '"NaN"'),
        (-(2**63), "-9223372036854775808"),
    ],
)
def test_dumps_writes_what_jackson_writes(value: object, text: str) -> None:
    assert dumps(value) == text.encode()


def test_dumps_refuses_what_json_cannot_hold() -> None:
    with pytest.raises(TypeError):
        dumps({1: "x"})
    with pytest.raises(TypeError):
        dumps({"x": object()})


def test_loads_reads_back() -> None:
    assert loads(dumps({"k": ["v", 2, 2.5]})) == {"k": ["v", 2, 2.5]}
