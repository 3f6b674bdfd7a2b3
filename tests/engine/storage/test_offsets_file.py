"""The standalone offsets file: round trips, resets, atomic writes and bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.errors import ConfigError
from engine.storage.offsets_file import FileOffsetStore, offset_key


def test_missing_file_is_an_empty_store(tmp_path: Path) -> None:
    store = FileOffsetStore(tmp_path / "none.offsets")
    store.load()
    assert store.offsets("c") == []
    assert not store.dirty


def test_offsets_survive_a_write_and_a_reload(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "connect.offsets"
    store = FileOffsetStore(path)
    store.put("c", [({"filename": "a.txt"}, {"position": 30}), ({"filename": "b.txt"}, {"position": 4})])
    store.put("other", [({"filename": "a.txt"}, {"position": 1})])
    store.put("c", [({"filename": "a.txt"}, {"position": 60})])
    assert store.dirty
    store.flush()
    assert not store.dirty
    again = FileOffsetStore(path)
    again.load()
    assert again.offsets("c") == [
        ({"filename": "b.txt"}, {"position": 4}),
        ({"filename": "a.txt"}, {"position": 60}),
    ]
    assert again.offsets("other") == [({"filename": "a.txt"}, {"position": 1})]
    document = json.loads(path.read_text())
    assert document["version"] == 1
    assert ["c", {"filename": "a.txt"}] in [key for key, _ in document["offsets"]]
    assert list(tmp_path.joinpath("sub").iterdir()) == [path]  # no temporary file left behind


def test_a_null_offset_removes_the_partition(tmp_path: Path) -> None:
    store = FileOffsetStore(tmp_path / "o")
    store.put("c", [({"f": 1}, {"p": 1})])
    store.encode()
    store.put("c", [({"f": 2}, None)])
    assert not store.dirty  # removing an absent partition changes nothing
    store.put("c", [({"f": 1}, None)])
    assert store.dirty
    assert store.offsets("c") == []


def test_partition_key_order_does_not_matter() -> None:
    assert offset_key("c", {"a": 1, "b": 2}) == offset_key("c", {"b": 2, "a": 1})
    assert offset_key("c", {"filename": "x"}) == '["c",{"filename":"x"}]'


def test_mark_dirty_asks_for_another_write(tmp_path: Path) -> None:
    store = FileOffsetStore(tmp_path / "o")
    store.put("c", [({"f": 1}, {"p": 1})])
    store.encode()
    store.mark_dirty()
    assert store.dirty


@pytest.mark.parametrize(
    "text", ["{", "[]", '{"version": 2, "offsets": []}', '{"version": 1, "offsets": [[1, 2]]}']
)
def test_a_corrupt_file_is_a_config_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.offsets"
    path.write_text(text)
    with pytest.raises(ConfigError, match=r"bad\.offsets"):
        FileOffsetStore(path).load()
