"""engine.api.records: `SourceRecords`, a batch of records read as `SourceRecord`s."""

import pytest

from engine.api import STRING_SCHEMA, SourceRecord
from engine.api.records import SourceRecords


def batch() -> SourceRecords:
    return SourceRecords(
        {"f": "a"}, "t", ["x", "y", "z"], [{"o": 1}, None, {"o": 3}], value_schema=STRING_SCHEMA, timestamp=9
    )


def test_indexing_and_iterating_build_the_equivalent_records() -> None:
    records = batch()
    expected = [
        SourceRecord({"f": "a"}, offset, "t", value, STRING_SCHEMA, timestamp=9)
        for value, offset in (("x", {"o": 1}), ("y", None), ("z", {"o": 3}))
    ]
    assert len(records) == 3
    assert list(records) == expected
    assert [records[i] for i in range(-3, 3)] == expected + expected
    assert records[1:] == expected[1:]
    with pytest.raises(IndexError):
        records[3]


def test_values_and_offsets_must_pair_up() -> None:
    with pytest.raises(ValueError, match="2 values but 1 source offsets"):
        SourceRecords({"f": "a"}, "t", ["x", "y"], [{"o": 1}])
