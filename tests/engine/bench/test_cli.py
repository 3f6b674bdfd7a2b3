"""Tests of engine.bench.cli: the flags, the system list and usage errors (no broker)."""

from __future__ import annotations

import argparse
import importlib.util

import pytest

from engine.bench import cli
from engine.bench.settings import SettingsError
from engine.bench.stats import SystemResult, aggregate


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kconnect")
    cli.add_parser(parser.add_subparsers())
    return parser


def test_run_flags_parse_into_the_handler() -> None:
    args = _parser().parse_args(
        [
            "bench",
            "run",
            "file-source",
            "--records",
            "20_000",
            "--converter",
            "json",
            "--set",
            "producer.acks=1",
        ]
    )
    assert args.handler is cli.run
    assert args.bench_action == "run"
    assert (args.scenario, args.records, args.converter, args.set) == (
        "file-source",
        20_000,
        "json",
        ["producer.acks=1"],
    )
    assert args.against == cli.DEFAULT_AGAINST
    assert args.mode is None  # Settings' default (standalone) applies


def test_mode_flag_reaches_the_settings() -> None:
    args = _parser().parse_args(["bench", "run", "file-source", "--mode", "distributed"])
    assert cli._settings(args).mode == "distributed"
    assert cli._settings(_parser().parse_args(["bench", "run", "file-source"])).mode == "standalone"
    with pytest.raises(SystemExit):
        _parser().parse_args(["bench", "run", "file-source", "--mode", "cluster"])


def test_repeat_flag_reaches_the_settings_of_both_commands() -> None:
    for action in (["run"], ["sweep", "--knob", "tasks=1,2"]):
        args = _parser().parse_args(["bench", *action[:1], "file-source", *action[1:], "--repeat", "3"])
        assert cli._settings(args).repeat == 3
    assert cli._settings(_parser().parse_args(["bench", "run", "file-source"])).repeat == 1
    for bad in ("0", "two"):
        with pytest.raises(SystemExit):
            _parser().parse_args(["bench", "run", "file-source", "--repeat", bad])


def test_exit_status_is_1_when_any_run_failed_even_if_the_others_give_figures() -> None:
    ok = SystemResult("raw", records_per_s=10.0)
    broken = SystemResult("raw", error="raw exited with status 1")
    assert cli._status([aggregate("kconnect", [ok, ok]), aggregate("raw", [ok, ok])]) == 0
    partly = aggregate("raw", [ok, broken])
    assert partly.error is None  # it has figures...
    assert cli._status([aggregate("kconnect", [ok, ok]), partly]) == 1  # ...but a run failed
    assert cli._status([aggregate("raw", [broken])]) == 1
    assert cli._status([broken]) == 1


def test_sweep_needs_a_knob() -> None:
    parser = _parser()
    args = parser.parse_args(["bench", "sweep", "tasks-scaling", "--knob", "tasks=1,2", "--no-plot"])
    assert (args.bench_action, args.knob, args.no_plot) == ("sweep", "tasks=1,2", True)
    with pytest.raises(SystemExit):
        parser.parse_args(["bench", "sweep", "tasks-scaling"])


def test_unknown_scenario_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        _parser().parse_args(["bench", "run", "nope"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'nope'" in capsys.readouterr().err


def test_parse_systems_puts_kconnect_first_once() -> None:
    assert cli.parse_systems("raw,connect-java,raw") == ["kconnect", "raw", "connect-java"]
    assert cli.parse_systems("kconnect") == ["kconnect"]
    assert cli.parse_systems("") == ["kconnect"]
    with pytest.raises(SettingsError, match="unknown system 'flink'"):
        cli.parse_systems("raw,flink")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["bench", "run", "file-source", "--against", "flink"], "unknown system 'flink'"),
        (["bench", "run", "file-source", "--set", "speed=3"], "unknown knob 'speed'"),
        (["bench", "sweep", "file-source", "--knob", "tasks=1,x"], "whole number"),
    ],
)
def test_bad_values_exit_2_before_anything_starts(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _parser().parse_args([*argv, "--bootstrap-servers", "127.0.0.1:1"])
    assert cli.run(args) == 2
    assert message in capsys.readouterr().err


def test_sweep_without_matplotlib_fails_at_once_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    if importlib.util.find_spec("matplotlib") is not None:
        pytest.skip("matplotlib is installed")
    args = _parser().parse_args(
        ["bench", "sweep", "file-source", "--knob", "tasks=1,2", "--bootstrap-servers", "x:1"]
    )
    assert cli.run(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("kconnect: error: plotting a sweep needs matplotlib")
    assert err.count("\n") == 1
