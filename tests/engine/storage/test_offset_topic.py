"""OffsetTopicStore: Connect's key/value bytes, Java HashMap key order, lookups by content."""

from __future__ import annotations

from typing import Any

from engine.storage.offset_topic import java_hash_order, offset_key, parse_offset_key


def test_maps_are_written_in_java_hashmap_order() -> None:
    # Orders printed by `new HashMap<>()` filled in list order on JDK 17 (keySet iteration).
    small = ["filename", "position", "zeta", "alpha", "Aa", "BB"]
    assert list(java_hash_order(dict.fromkeys(small, 0))) == [
        "zeta",
        "Aa",
        "BB",
        "filename",
        "alpha",
        "position",
    ]
    large = [
        "table",
        "schema",
        "database",
        "server",
        "lsn",
        "ts_usec",
        "snapshot",
        "row",
        "file",
        "pos",
        "gtid",
    ]
    large += ["query", "thread", "a"]  # 14 entries: the table has grown to 32 buckets
    assert list(java_hash_order(dict.fromkeys(large, 0))) == [
        "schema", "server", "a", "lsn", "query", "thread", "database", "file", "pos", "gtid", "row",
        "ts_usec", "table", "snapshot",
    ]  # fmt: skip


def test_key_bytes_do_not_depend_on_dict_order() -> None:
    assert offset_key("c", {"b": 1, "a": 2}) == offset_key("c", {"a": 2, "b": 1})
    assert parse_offset_key(offset_key("c", {"a": 2})) == ("c", {"a": 2})
    assert parse_offset_key(b'["c"]') is None
    assert parse_offset_key(b"nope") is None


def test_lookups_go_by_content(offset_store: Any) -> None:
    store, log = offset_store
    store.put("c", [({"b": 1, "a": "x"}, {"pos": 5})])
    assert store.get("c", {"a": "x", "b": 1}) == {"pos": 5}
    log.feed(b'["c",{"a":"x","b":1}]', b'{"pos":6}')  # a Java worker's write in another order
    assert store.offsets("c") == [({"b": 1, "a": "x"}, {"pos": 6})]
    store.put("c", [({"a": "x", "b": 1}, None)])
    assert store.connector_partitions("c") == []
    log.feed(b'"not an array"', b"{}")
    assert store.offsets("c") == []


def test_flush_waits_for_the_acks(offset_store: Any) -> None:
    store, _ = offset_store
    store.put("c", [({"f": "a"}, {"p": 1})])
    store.flush(1.0)
    store.set("c", [({"f": "a"}, {"p": 2})])
    assert store.get("c", {"f": "a"}) == {"p": 2}
