"""Tests of engine.bench.settings: knob and NAME=VALUE parsing and application."""

from __future__ import annotations

import pytest

from engine.bench.settings import (
    Knob,
    Settings,
    SettingsError,
    apply_assignments,
    apply_knob,
    parse_assignment,
    parse_knob,
)


def test_parse_knob_of_a_parameter_accepts_underscores_for_dashes() -> None:
    assert parse_knob("tasks=1,2,4") == Knob("tasks", ("1", "2", "4"))
    assert parse_knob(" record_size = 100, 1000 ") == Knob("record-size", ("100", "1000"))


def test_parse_knob_of_worker_and_connector_properties() -> None:
    assert parse_knob("producer.linger.ms=0,5,20").name == "producer.linger.ms"
    assert parse_knob("connector.batch.size=100,2000").values == ("100", "2000")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tasks", "NAME=V1,V2"),
        ("tasks=", "non-empty"),
        ("tasks=1,,2", "non-empty"),
        ("speed=1,2", "unknown knob 'speed'"),
        ("connector.=1", "unknown knob"),
    ],
)
def test_parse_knob_rejects(text: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        parse_knob(text)


def test_apply_knob_sets_parameters_and_properties() -> None:
    settings = Settings()
    assert apply_knob(settings, "records", "2_000").records == 2000
    assert apply_knob(settings, "converter", "json").converter == "json"
    assert apply_knob(settings, "mode", "distributed").mode == "distributed"
    assert parse_knob("mode=standalone,distributed") == Knob("mode", ("standalone", "distributed"))
    worker = apply_knob(settings, "producer.linger.ms", "5")
    assert worker.worker_properties == {"producer.linger.ms": "5"}
    connector = apply_knob(worker, "connector.batch.size", "100")
    assert connector.connector_properties == {"batch.size": "100"}
    assert connector.worker_properties == {"producer.linger.ms": "5"}
    assert settings.worker_properties == {}  # the original is untouched


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("tasks", "many", "whole number"),
        ("tasks", "0", "positive"),
        ("converter", "avro", "converter must be one of string, json"),
        ("mode", "cluster", "mode must be one of standalone, distributed, not 'cluster'"),
    ],
)
def test_apply_knob_rejects_bad_values(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        apply_knob(Settings(), name, value)


def test_assignments_apply_in_order() -> None:
    pairs = [parse_assignment("producer.acks=1"), parse_assignment("producer.acks=all")]
    assert apply_assignments(Settings(), pairs).worker_properties == {"producer.acks": "all"}
    with pytest.raises(SettingsError, match="NAME=VALUE"):
        parse_assignment("producer.acks")


def test_settings_json_lists_everything() -> None:
    assert Settings(records=5).as_json() == {
        "records": 5,
        "record_size": 100,
        "tasks": 1,
        "rate": 10_000,
        "partitions": 1,
        "converter": "string",
        "mode": "standalone",
        "repeat": 1,
        "worker_properties": {},
        "connector_properties": {},
    }


def test_repeat_is_a_positive_setting_and_not_a_knob() -> None:
    assert Settings(repeat=3).as_json()["repeat"] == 3
    with pytest.raises(SettingsError, match="repeat must be a positive number, not 0"):
        Settings(repeat=0)
    # A sweep repeats every point; varying the repeat count itself measures nothing.
    with pytest.raises(SettingsError, match="unknown knob 'repeat'"):
        parse_knob("repeat=1,3")
    assert apply_knob(Settings(repeat=2), "tasks", "4").repeat == 2  # each point keeps the rounds
