"""Java's `String.valueOf` for Connect values, for connectors that write values as text.

Connect's FileStreamSink writes `println(value)`; users' files and tests depend on that text:
`Struct{id=1,name=choi}`, maps as `{k=v, k2=v2}`, lists as `[a, b]`, `null`, `true`, and
doubles as Java prints them (`1.0`, `1.0E10`). The Rust side has the same rules
(`native/src/data/display.rs`) for values that never leave Rust.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from typing import TYPE_CHECKING, Any

from engine.api.schema import Struct

if TYPE_CHECKING:
    from engine.api.records import SinkRecord

__all__ = ["java_double", "to_java_string", "value_text"]


def java_double(value: float) -> str:
    """`Double.toString` (JDK 19+): shortest round-trip digits, plain in [1e-3, 1e7), else `d.dddEn`."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    sign = "-" if value < 0 else ""
    digits, exponent = _shortest_digits(abs(value))
    if 1e-3 <= abs(value) < 1e7:
        point = exponent + 1  # digits before the decimal point
        if point <= 0:
            return f"{sign}0.{'0' * -point}{digits}"
        if point >= len(digits):
            return f"{sign}{digits}{'0' * (point - len(digits))}.0"
        return f"{sign}{digits[:point]}.{digits[point:]}"
    fraction = digits[1:] or "0"
    return f"{sign}{digits[0]}.{fraction}E{exponent}"


def _shortest_digits(value: float) -> tuple[str, int]:
    """The shortest digits that round-trip (Python's `repr` finds them) and the decimal exponent."""
    sign_digits_exp = decimal.Decimal(repr(value)).normalize().as_tuple()
    digits = "".join(map(str, sign_digits_exp.digits))
    exponent = int(sign_digits_exp.exponent) + len(digits) - 1
    return digits, exponent


def to_java_string(value: Any) -> str:
    """The text Java's `String.valueOf(value)` gives for the equivalent Connect value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, Struct):
        return repr(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{to_java_string(k)}={to_java_string(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(to_java_string(v) for v in value) + "]"
    if isinstance(value, decimal.Decimal):
        # BigDecimal.toString uses scientific notation when the exponent is small, as Python's str does.
        return str(value).replace("e", "E")
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def value_text(record: SinkRecord) -> str:
    """`to_java_string(record.value)`, computed natively while the engine converted the record
    when the task asked for it (a sink task class with ``uses_value_text = True``), else here.

    The text is the value's as delivered: a task that changes the value in place (a `Struct`'s
    `put`, a dict) before asking gets the text of the delivered value.
    """
    text = record._value_text  # the engine's cache, read through this function
    return to_java_string(record.value) if text is None else text
