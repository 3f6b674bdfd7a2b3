"""Connector-level keys: the framework keys' declarations and the sink/source specs."""

import pytest

from engine.config.connector import SINK_SPEC, SOURCE_SPEC, connector_spec
from engine.errors import ConfigError
from engine.plugins import load_class

# Connect compat: the `ConfigDef.Width` of each framework key in Connect's ConnectorConfig,
# SinkConnectorConfig and SourceConnectorConfig (kconnect's restart keys are SHORT).
WIDTHS = {
    "name": "MEDIUM",
    "connector.class": "LONG",
    "tasks.max": "SHORT",
    "tasks.max.enforce": "SHORT",
    "key.converter": "SHORT",
    "value.converter": "SHORT",
    "header.converter": "SHORT",
    "transforms": "LONG",
    "predicates": "LONG",
    "config.action.reload": "MEDIUM",
    "errors.retry.timeout": "MEDIUM",
    "errors.retry.delay.max.ms": "MEDIUM",
    "errors.tolerance": "SHORT",
    "errors.log.enable": "SHORT",
    "errors.log.include.messages": "SHORT",
    "topics": "LONG",
    "topics.regex": "LONG",
    "errors.deadletterqueue.topic.name": "MEDIUM",
    "errors.deadletterqueue.topic.replication.factor": "MEDIUM",
    "errors.deadletterqueue.context.headers.enable": "MEDIUM",
    "topic.creation.groups": "LONG",
    "exactly.once.support": "SHORT",
    "transaction.boundary": "SHORT",
    "transaction.boundary.interval.ms": "SHORT",
    "offsets.storage.topic": "LONG",
    "task.restart.policy": "SHORT",
    "task.restart.max.attempts": "SHORT",
    "task.restart.backoff.initial.ms": "SHORT",
    "task.restart.backoff.max.ms": "SHORT",
}


def test_framework_keys_declare_connect_widths() -> None:
    declared = {**SINK_SPEC.keys, **SOURCE_SPEC.keys}
    assert {name: key.width for name, key in declared.items()} == WIDTHS


def test_restart_keys_apply_to_connector_instances_too() -> None:
    restart_keys = [key for name, key in SINK_SPEC.keys.items() if name.startswith("task.restart.")]
    assert len(restart_keys) == 4
    for key in restart_keys:
        assert "task or connector instance" in key.doc, key.name
    assert SINK_SPEC.keys["task.restart.policy"].doc.startswith(
        "What the worker does when a task or connector instance fails: "
    )


def test_restart_policy_keys_and_specs() -> None:
    assert SINK_SPEC.parse({"name": "n", "connector.class": "c"})["task.restart.policy"] == "on-failure"
    values = SOURCE_SPEC.parse({"name": "n", "connector.class": "c"})
    assert (values["task.restart.max.attempts"], values["task.restart.backoff.initial.ms"]) == (5, 1000)
    assert values["task.restart.backoff.max.ms"] == 60000
    with pytest.raises(ConfigError, match="String must be one of: on-failure, none"):
        SINK_SPEC.parse({"name": "n", "connector.class": "c", "task.restart.policy": "always"})
    merged = connector_spec("sink", load_class("connectors.file:FileStreamSinkConnector")().config())
    assert list(merged.keys)[-1] == "file"
