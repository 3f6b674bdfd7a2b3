"""Connect's validate body for connector configs."""

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

import engine
import engine.pipeline
from engine.config.transforms import PluginConfig, StageConfig
from engine.config.validation import (
    check_validate_request_type,
    invalid_config_message,
    validate_connector,
)
from engine.errors import BadRequestError, ConfigError, ConnectError
from engine.herder.entities import ConfigInfos
from engine.plugins import PluginDesc, PluginRegistry, load_class
from engine.plugins.catalog import NATIVE_PLUGINS

ROOT = Path(__file__).parents[3]


def registry() -> PluginRegistry:
    table = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]
    plugins = []
    for name, target in table["kconnect.connectors"].items():
        cls = load_class(target)
        plugins.append(PluginDesc(name, "sink" if "Sink" in name else "source", "1", cls=cls))
    plugins += [PluginDesc(name, kind, engine.__version__) for name, kind in NATIVE_PLUGINS]
    return PluginRegistry(plugins)


class FakePipeline:
    """Stands in for the native chain: RegexRouter without `regex` fails as the native one does."""

    def __init__(
        self, *, key_converter: PluginConfig, value_converter: PluginConfig, stages: Sequence[StageConfig]
    ):
        for stage in stages:
            if stage.transform.type_name.endswith("RegexRouter") and "regex" not in stage.transform.props:
                raise ConfigError('Missing required configuration "regex" which has no default value.')


@pytest.fixture(autouse=True)
def fake_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine.pipeline, "Pipeline", FakePipeline)


def by_name(infos: ConfigInfos) -> dict[str, Any]:
    return {(c.definition.name if c.definition else c.value.name): c for c in infos.configs}


SINK = {"name": "s", "connector.class": "FileStreamSink", "topics": "t1", "file": "/tmp/out"}


def test_valid_sink_config_has_no_errors_and_connect_groups() -> None:
    infos = validate_connector(registry(), SINK)
    assert infos.name == "FileStreamSink"
    assert infos.error_count == 0
    assert infos.groups == ["Common", "Transforms", "Predicates", "Error Handling", "Restart Policy"]
    names = [c.definition.name for c in infos.configs if c.definition]
    # Framework keys in Connect's order, then the plugin's own keys.
    assert names[:4] == ["name", "connector.class", "tasks.max", "tasks.max.enforce"]
    assert names.index("topics") < names.index("task.restart.policy") < names.index("file")
    tasks_max = by_name(infos)["tasks.max"]
    assert (tasks_max.definition.order, tasks_max.definition.width, tasks_max.definition.display_name) == (
        3,
        "SHORT",
        "Tasks max",
    )
    assert tasks_max.definition.default_value == "1"
    assert tasks_max.value.value == "1"


def test_source_groups_in_connect_order() -> None:
    config = {"name": "s", "connector.class": "FileStreamSource", "topic": "t"}
    infos = validate_connector(registry(), config)
    assert infos.groups == [
        "Common",
        "Transforms",
        "Predicates",
        "Error Handling",
        "Topic Creation",
        "Exactly Once Support",
        "offsets.topic",
        "Restart Policy",
    ]
    assert infos.error_count == 0


def test_missing_and_invalid_values_in_connect_words() -> None:
    config = {"connector.class": "FileStreamSource", "tasks.max": "0", "errors.tolerance": "ALL"}
    infos = validate_connector(registry(), config)
    values = by_name(infos)
    assert values["name"].value.errors == [
        'Missing required configuration "name" which has no default value.'
    ]
    assert values["tasks.max"].value.errors == [
        "Invalid value 0 for configuration tasks.max: Value must be at least 1"
    ]
    assert values["errors.tolerance"].value.errors == [
        "Invalid value ALL for configuration errors.tolerance: String must be one of: none, all"
    ]
    assert values["topic"].value.errors == [
        'Missing required configuration "topic" which has no default value.'
    ]
    assert infos.error_count == 4


def test_sink_topics_rules() -> None:
    neither = by_name(validate_connector(registry(), {**SINK, "topics": ""}))
    assert neither["topics"].value.errors == ["Must configure one of topics or topics.regex"]
    assert neither["topics.regex"].value.errors == ["Must configure one of topics or topics.regex"]
    both = by_name(validate_connector(registry(), {**SINK, "topics.regex": "t.*"}))
    assert both["topics"].value.errors == [
        "topics and topics.regex are mutually exclusive options, but both are set."
    ]
    dlq = by_name(
        validate_connector(
            registry(), {**SINK, "topics": "a, dlq", "errors.deadletterqueue.topic.name": "dlq"}
        )
    )
    assert dlq["topics"].value.errors == [
        "The DLQ topic 'dlq' may not be included in the list of topics ('topics=[a, dlq]') "
        "consumed by the connector"
    ]
    regex = {**SINK, "topics": "", "topics.regex": "d.*", "errors.deadletterqueue.topic.name": "dlq"}
    assert by_name(validate_connector(registry(), regex))["topics.regex"].value.errors == [
        "The DLQ topic 'dlq' may not be matched by the regex for the topics ('topics.regex=d.*') "
        "consumed by the connector"
    ]


def test_transform_groups_and_native_errors_on_the_type_key() -> None:
    config = {
        **SINK,
        "transforms": "route,drop",
        "transforms.route.type": "RegexRouter",
        "transforms.drop.type": "com.example.Nope",
        "transforms.drop.negate": "true",
        "predicates": "p",
        "predicates.p.type": "TopicNameMatches",
    }
    infos = validate_connector(registry(), config)
    values = by_name(infos)
    route = values["transforms.route.type"]
    assert route.definition.group == "Transforms: route"
    assert route.definition.display_name == "Transformation type for route"
    assert route.value.value == "org.apache.kafka.connect.transforms.RegexRouter"
    assert route.value.errors == ['Missing required configuration "regex" which has no default value.']
    assert "org.apache.kafka.connect.transforms.RegexRouter" in route.value.recommended_values
    assert values["transforms.route.negate"].definition.order == 2
    assert values["transforms.drop.type"].value.errors == [
        "Invalid value com.example.Nope for configuration transforms.drop.type: "
        "Class com.example.Nope could not be found.",
        "Config 'transforms.drop.negate' was provided but there is no config 'transforms.drop.predicate' "
        "defining a predicate to be negated.",
    ]
    assert "transforms.drop.negate" not in values  # no definition when the class is unknown, as in Connect
    assert values["predicates.p.type"].definition.group == "Predicates: p"
    assert infos.groups[-3:] == ["Transforms: route", "Transforms: drop", "Predicates: p"]


def test_duplicate_aliases() -> None:
    values = by_name(
        validate_connector(registry(), {**SINK, "transforms": "a,a", "transforms.a.type": "Filter"})
    )
    assert values["transforms"].value.errors == [
        "Invalid value [a, a] for configuration transforms: Duplicate alias provided."
    ]


def test_connector_converters_are_resolved_and_their_keys_validated() -> None:
    config = {
        **SINK,
        "value.converter": "Json",
        "value.converter.schemas.enable": "maybe",
        "key.converter": "Nope",
    }
    infos = validate_connector(registry(), config)
    values = by_name(infos)
    assert values["value.converter"].value.value == "org.apache.kafka.connect.json.JsonConverter"
    assert values["key.converter"].value.errors == [
        "Invalid value Nope for configuration key.converter: Class Nope could not be found."
    ]
    schemas = values["value.converter.schemas.enable"]
    assert schemas.value.errors == [
        "Invalid value maybe for configuration schemas.enable: Expected value to be either true or false"
    ]
    assert values["value.converter.converter.type"].value.value == "value"
    assert "Schemas" in infos.groups and "Serialization" in infos.groups
    header = by_name(validate_connector(registry(), {**SINK, "header.converter": "RegexRouter"}))
    assert header["header.converter"].value.errors == [
        "Invalid value RegexRouter for configuration header.converter: "
        "Class RegexRouter is not a subclass of org.apache.kafka.connect.storage.HeaderConverter"
    ]


def test_null_values_and_unknown_keys() -> None:
    infos = validate_connector(registry(), {**SINK, "tasks.max": None, "whatever": None, "other": "x"})
    values = by_name(infos)
    assert infos.configs[0].definition is None
    assert infos.configs[0].value.name == "whatever"
    assert values["whatever"].value.errors == ["Null value can not be supplied as the configuration value."]
    assert "Null value can not be supplied as the configuration value." in values["tasks.max"].value.errors
    assert "other" not in values  # Connect does not report keys nobody defines


def test_client_overrides_follow_the_policy() -> None:
    config = {**SINK, "consumer.override.max.poll.records": "10", "producer.override.acks": "1"}
    values = by_name(validate_connector(registry(), config))
    assert values["consumer.override.max.poll.records"].value.errors == []
    assert "producer.override.acks" not in values  # a sink without DLQ has no producer
    denied = by_name(validate_connector(registry(), config, override_policy="None"))
    assert denied["consumer.override.max.poll.records"].value.errors == [
        "The 'None' policy does not allow 'max.poll.records' to be overridden in the connector configuration."
    ]


def test_provider_resolved_values_show_their_raw_text() -> None:
    raw = {**SINK, "file": "${env:OUT}"}
    resolved = {**SINK, "file": "/secret/path"}
    values = by_name(validate_connector(registry(), resolved, raw=raw))
    assert values["file"].value.value == "${env:OUT}"


def test_missing_connector_class_and_unknown_class() -> None:
    with pytest.raises(
        BadRequestError, match=re.escape("Connector config {name=x} contains no connector type")
    ):
        validate_connector(registry(), {"name": "x"})
    with pytest.raises(ConnectError, match="Failed to find any class that implements Connector"):
        validate_connector(registry(), {"name": "x", "connector.class": "Nope"})


def test_invalid_config_message_matches_abstract_herder() -> None:
    infos = validate_connector(registry(), {"connector.class": "FileStreamSink", "topics": ""})
    assert invalid_config_message(infos) == (
        "Connector configuration is invalid and contains the following 3 error(s):\n"
        'Missing required configuration "name" which has no default value.\n'
        "Must configure one of topics or topics.regex\n"
        "Must configure one of topics or topics.regex\n"
        "You can also find the above list of errors at the endpoint "
        "`/connector-plugins/{connectorType}/config/validate`"
    )


def test_validate_request_type_check() -> None:
    check_validate_request_type(
        "FileStreamSinkConnector", {"connector.class": "org.apache.kafka.connect.file.FileStreamSink"}
    )
    check_validate_request_type("FileStreamSink", {"connector.class": "FileStreamSinkConnector"})
    with pytest.raises(
        BadRequestError, match="Included connector type FileStreamSource does not match request type"
    ):
        check_validate_request_type("FileStreamSink", {"connector.class": "FileStreamSource"})
