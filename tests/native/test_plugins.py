"""engine._native.plugins(): the classes the native registry builds, for GET /connector-plugins."""

from __future__ import annotations

from engine import _native
from engine.config.transforms import PluginConfig, StageConfig
from engine.pipeline import Pipeline

JSON = "org.apache.kafka.connect.json.JsonConverter"


def test_plugins_lists_every_kind_sorted() -> None:
    plugins = _native.plugins()
    assert set(plugins) == {"converter", "header_converter", "transformation", "predicate"}
    for names in plugins.values():
        assert names == sorted(names)
    assert "org.apache.kafka.connect.storage.SimpleHeaderConverter" in plugins["header_converter"]
    assert "org.apache.kafka.connect.storage.SimpleHeaderConverter" not in plugins["converter"]
    assert "org.apache.kafka.connect.transforms.ReplaceField$Value" in plugins["transformation"]
    assert "org.apache.kafka.connect.transforms.predicates.TopicNameMatches" in plugins["predicate"]


def test_every_listed_class_is_accepted_by_the_pipeline() -> None:
    plugins = _native.plugins()
    for name in plugins["converter"]:
        Pipeline(key_converter=PluginConfig(name), value_converter=PluginConfig(name), stages=[])
    for name in plugins["header_converter"]:
        converter = PluginConfig(JSON)
        Pipeline(
            key_converter=converter, value_converter=converter, stages=[], header_converter=PluginConfig(name)
        )
    # Filter needs no settings; with each predicate that needs none it builds as is.
    for name in ("org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",):
        assert name in plugins["predicate"]
        stage = StageConfig(
            "f",
            PluginConfig("org.apache.kafka.connect.transforms.Filter"),
            predicate_alias="p",
            predicate=PluginConfig(name),
        )
        Pipeline(key_converter=PluginConfig(JSON), value_converter=PluginConfig(JSON), stages=[stage])
