"""`kconnect transforms test`: the dry run of a connector's converters and transform chain."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.dryrun import build_pipeline, load_connector_config, run_dry_run
from engine.errors import ConfigError

CHAIN = {
    "transforms": "route,fields,drop",
    "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
    "transforms.route.regex": "orders-(.*)",
    "transforms.route.replacement": "shop.$1",
    "transforms.fields.type": "org.apache.kafka.connect.transforms.ReplaceField$Value",
    "transforms.fields.exclude": "note",
    "transforms.fields.renames": "id:order_id",
    "transforms.drop.type": "Filter",
    "transforms.drop.predicate": "tomb",
    "predicates": "tomb",
    "predicates.tomb.type": "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
    "key.converter": "org.apache.kafka.connect.storage.StringConverter",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
}


def dry_run(config: dict[str, str], *lines: object) -> list[dict[str, object]]:
    out = io.StringIO()
    text = [line if isinstance(line, str) else json.dumps(line) for line in lines]
    run_dry_run(build_pipeline(config), text, out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_schemaless_record_through_the_chain() -> None:
    config = {**CHAIN, "value.converter.schemas.enable": "false"}
    (result,) = dry_run(
        config,
        {
            "topic": "orders-eu",
            "key": "k1",
            "value": '{"id":1,"note":"x","amount":2.5}',
            "headers": {"h": "v"},
        },
    )
    assert result == {
        "topic": "shop.eu",
        "partition": 0,
        "key": "k1",
        "value": '{"order_id":1,"amount":2.5}',
        "headers": {"h": "v"},
        "timestamp": None,
    }


def test_schema_envelope_is_rewritten_byte_for_byte() -> None:
    value = (
        '{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},'
        '{"type":"string","optional":true,"field":"note"}],"optional":false,"name":"shop.Order"},'
        '"payload":{"id":7,"note":null}}'
    )
    (result,) = dry_run(CHAIN, {"topic": "orders-us", "key": None, "value": value, "timestamp": 5})
    assert result["value"] == (
        '{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"order_id"}],'
        '"optional":false,"name":"shop.Order"},"payload":{"order_id":7}}'
    )
    assert result["timestamp"] == 5
    assert result["key"] is None


def test_drops_errors_and_bad_lines_each_get_one_output_line() -> None:
    config = {**CHAIN, "value.converter.schemas.enable": "false"}
    results = dry_run(
        config,
        {"topic": "orders-eu", "key": "k", "value": None},
        {"topic": "orders-eu", "key": "k", "value": "{broken"},
        "not json at all",
        "",
        {"key": "no topic"},
        {"topic": "orders-eu", "key": "k", "value": "[1]"},
    )
    assert results[0] == {"dropped": True}
    assert results[1]["error"]["stage"] == "VALUE_CONVERTER"
    assert results[2]["error"]["stage"] == "INPUT"
    assert results[3]["error"] == {
        "stage": "INPUT",
        "message": '"topic" is required and must be a non-empty string',
    }
    assert results[4]["error"]["stage"] == "TRANSFORMATION"
    assert results[4]["error"]["alias"] == "fields"
    assert "Only Map objects supported in absence of schema" in results[4]["error"]["message"]
    assert len(results) == 5  # the blank line produces nothing


def test_invalid_transform_config_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"transforms\.r\.regex"):
        build_pipeline({"transforms": "r", "transforms.r.type": "RegexRouter"})
    with pytest.raises(ConfigError, match=r"com\.example\.Missing"):
        build_pipeline({"transforms": "r", "transforms.r.type": "com.example.Missing"})
    with pytest.raises(ConfigError, match="could not be found"):
        build_pipeline({"value.converter": "io.confluent.connect.avro.AvroConverter"})


def test_config_files_in_all_three_shapes(tmp_path: Path) -> None:
    props = tmp_path / "c.properties"
    props.write_text("name=p\ntransforms=r\ntransforms.r.type=RegexRouter\n")
    body = tmp_path / "body.json"
    body.write_text(json.dumps({"name": "b", "config": {"tasks.max": 2}}))
    flat = tmp_path / "flat.json"
    flat.write_text(json.dumps({"name": "f"}))
    assert load_connector_config(props)["transforms.r.type"] == "RegexRouter"
    assert load_connector_config(body) == {"tasks.max": "2", "name": "b"}
    assert load_connector_config(flat) == {"name": "f"}
    with pytest.raises(ConfigError, match="Cannot read connector config"):
        load_connector_config(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("[1]")
    with pytest.raises(ConfigError, match="must hold a JSON object"):
        load_connector_config(tmp_path / "bad.json")


def run_cli(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine", "transforms", "test", *args],
        input=stdin,
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_exit_status_and_messages(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps({**CHAIN, "value.converter.schemas.enable": "false"}))
    result = run_cli(str(good), stdin='{"topic":"orders-x","key":"a","value":"{\\"id\\":3}"}\nbroken\n')
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0]["topic"] == "shop.x"
    assert lines[1]["error"]["stage"] == "INPUT"

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"transforms": "a"}))
    result = run_cli(str(bad), stdin="")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        'kconnect: error: Missing required configuration "transforms.a.type" which has no default value.'
    )


def test_worker_properties_supply_default_converters(tmp_path: Path) -> None:
    worker = tmp_path / "worker.properties"
    worker.write_text("value.converter=org.apache.kafka.connect.storage.StringConverter\n")
    config = tmp_path / "c.properties"
    config.write_text("name=c\n")
    result = run_cli(
        str(config), "--worker", str(worker), stdin='{"topic":"t","key":null,"value":"plain text"}\n'
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["value"] == "plain text"
