"""Parsing `transforms.*`, `predicates.*` and converter keys of a connector config."""

import pytest

from engine.config.transforms import DEFAULT_CONVERTER, PluginConfig, converter_config, parse_transforms
from engine.errors import ConfigError


def test_chain_in_order_with_own_props_and_predicates() -> None:
    stages = parse_transforms(
        {
            "transforms": "route, drop",
            "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
            "transforms.route.regex": "(.*)",
            "transforms.route.replacement": "x-$1",
            "transforms.drop.type": "Filter",
            "transforms.drop.predicate": "tomb",
            "transforms.drop.negate": "TRUE",
            "predicates": "tomb",
            "predicates.tomb.type": "RecordIsTombstone",
            "predicates.tomb.extra": "1",
        }
    )
    assert [s.alias for s in stages] == ["route", "drop"]
    assert stages[0].transform == PluginConfig(
        "org.apache.kafka.connect.transforms.RegexRouter", {"regex": "(.*)", "replacement": "x-$1"}
    )
    assert stages[0].predicate is None
    assert stages[1].transform == PluginConfig("Filter", {})
    assert stages[1].predicate == PluginConfig("RecordIsTombstone", {"extra": "1"})
    assert stages[1].negate is True


def test_no_transforms() -> None:
    assert parse_transforms({"transforms": ""}) == []
    assert parse_transforms({}) == []


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"transforms": "a"},
            'Missing required configuration "transforms.a.type" which has no default value.',
        ),
        ({"transforms": "a,a", "transforms.a.type": "Filter"}, "Duplicate alias provided."),
        ({"transforms": "a,", "transforms.a.type": "Filter"}, "Empty alias provided."),
        (
            {"transforms": "a", "transforms.a.type": "Filter", "transforms.a.predicate": "p"},
            "Predicate alias not found",
        ),
        (
            {"transforms": "a", "transforms.a.type": "Filter", "transforms.a.negate": "maybe"},
            "either true or false",
        ),
        ({"predicates": "p"}, 'Missing required configuration "predicates.p.type"'),
    ],
)
def test_config_errors(config: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_transforms(config)


def test_converter_from_connector_then_worker_then_default() -> None:
    connector = {"value.converter": "StringConverter", "value.converter.converter.encoding": "UTF-16"}
    worker = {"key.converter": "JsonConverter", "key.converter.schemas.enable": "false"}
    assert converter_config(connector, "value", worker) == PluginConfig(
        "StringConverter", {"converter.encoding": "UTF-16"}
    )
    assert converter_config(connector, "key", worker) == PluginConfig(
        "JsonConverter", {"schemas.enable": "false"}
    )
    assert converter_config({}, "key") == PluginConfig(DEFAULT_CONVERTER, {})
