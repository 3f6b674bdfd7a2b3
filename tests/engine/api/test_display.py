"""Java's String.valueOf for Connect values (what FileStreamSink writes)."""

import decimal

import pytest

from engine.api.display import java_double, to_java_string


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1.0"),
        (0.1, "0.1"),
        (100.0, "100.0"),
        (1e7, "1.0E7"),
        (1234567.0, "1234567.0"),
        (0.001, "0.001"),
        (0.00012, "1.2E-4"),
        (1.5e10, "1.5E10"),
        (-2.5e-5, "-2.5E-5"),
        (1e22, "1.0E22"),
        (-0.0, "-0.0"),
        (float("nan"), "NaN"),
        (float("-inf"), "-Infinity"),
    ],
)
def test_java_double(value: float, text: str) -> None:
    assert java_double(value) == text


def test_collections_and_scalars() -> None:
    assert to_java_string({"a": [1, "x"], "b": None}) == "{a=[1, x], b=null}"
    assert to_java_string(False) == "false"
    assert to_java_string(decimal.Decimal("1E+3")) == "1E+3"
