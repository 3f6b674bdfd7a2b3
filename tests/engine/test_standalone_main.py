"""`kconnect standalone`'s command-line side: connector files and one-line errors (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli import main
from engine.errors import ConfigError
from engine.standalone import load_connector_file


def test_properties_json_map_and_request_body(tmp_path: Path) -> None:
    props = tmp_path / "a.properties"
    props.write_text("name=a\\\n  b\nconnector.class=FileStreamSource\n")
    assert load_connector_file(str(props)).name == "ab"
    bare = tmp_path / "b.json"
    bare.write_text(json.dumps({"name": "b", "connector.class": "X"}))
    assert load_connector_file(str(bare)).config == {"name": "b", "connector.class": "X"}
    body = tmp_path / "c.json"
    body.write_text(json.dumps({"name": "c", "config": {"connector.class": "X"}}))
    loaded = load_connector_file(str(body))
    assert (loaded.name, loaded.config) == ("c", {"connector.class": "X"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{oops", "is not valid JSON"),
        ('{"connector.class": "X"}', "has no connector name"),
        ('{"name": "x", "tasks.max": 1}', "the value of tasks.max must be a string"),
        ("[1]", "must be a JSON object"),
    ],
)
def test_bad_connector_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_connector_file(str(path))


def test_cli_reports_bad_files_in_one_line_with_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    worker = tmp_path / "worker.properties"
    worker.write_text("bootstrap.servers=127.0.0.1:1\n")
    assert main(["standalone", str(worker), str(tmp_path / "missing.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kconnect: error: Could not read connector config") and err.count("\n") == 1
