"""JSON text of internal-topic records, byte for byte as Connect's JsonConverter writes it.

Connect compat: the internal topics are written with `JsonConverter` (`schemas.enable=false`),
i.e. Jackson's compact output: no whitespace, object fields in the order given (struct schema
order, or the map's iteration order), strings with only `"`, `\\` and control characters escaped
(`\\b \\t \\n \\f \\r`, others as `\\u00XX` with upper-case hex), everything else raw UTF-8, and
doubles as Java's `Double.toString`. Python's `json.dumps` differs on the hex case and on floats.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from engine.api.display import java_double

__all__ = ["dumps", "loads"]

_ESCAPES = {i: f"\\u{i:04X}" for i in range(0x20)} | {
    0x08: "\\b",
    0x09: "\\t",
    0x0A: "\\n",
    0x0C: "\\f",
    0x0D: "\\r",
    ord('"'): '\\"',
    ord("\\"): "\\\\",
}


def _string(text: str) -> str:
    return '"' + text.translate(_ESCAPES) + '"'


def _scalar(value: Any) -> str | None:
    if value is None:
        return "null"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Connect compat: Jackson quotes the non-finite doubles (QUOTE_NON_NUMERIC_NUMBERS).
        text = java_double(value)
        return text if math.isfinite(value) else f'"{text}"'
    return None


def _write(value: Any, out: list[str]) -> None:
    scalar = _scalar(value)
    if scalar is not None:
        out.append(scalar)
    elif isinstance(value, Mapping):
        out.append("{")
        first = True
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys must be strings, not {type(key).__name__}")
            if not first:
                out.append(",")
            first = False
            out.append(_string(key))
            out.append(":")
            _write(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise TypeError(f"{type(value).__name__} is not a JSON value")


def dumps(value: Any) -> bytes:
    """The compact UTF-8 JSON Jackson writes for `value` (dict order kept).

    Raises:
        TypeError: a value that is not JSON (or a non-string object key).
    """
    out: list[str] = []
    _write(value, out)
    return "".join(out).encode()


def loads(data: bytes) -> Any:
    """Parses a record's JSON; raises ValueError when it is not JSON."""
    return json.loads(data)
