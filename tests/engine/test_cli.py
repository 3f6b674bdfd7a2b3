"""The `kconnect` command line: help, version and one-line errors."""

import subprocess
import sys

import pytest

import engine
from engine.cli import main


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine", *args], check=False, capture_output=True, text=True, timeout=60
    )


def test_version_prints_the_package_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"kconnect {engine.__version__}"
    assert engine.__version__ == "0.1.0"


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("kafka", "demo"):
        assert command in result.stdout
    kafka_help = run("kafka", "--help")
    for action in ("start", "stop", "status", "install"):
        assert action in kafka_help.stdout


def test_no_command_is_a_usage_error() -> None:
    result = run()
    assert result.returncode == 2
    assert "required" in result.stderr


def test_bad_records_value_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--records", "-5"])
    assert exit_info.value.code == 2
    assert "-5 is not a positive number" in capsys.readouterr().err


def test_status_of_a_broker_that_never_ran(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kafka", "status", "--dir", str(tmp_path), "--port", "1"]) == 3
    assert capsys.readouterr().out.startswith("stopped")
