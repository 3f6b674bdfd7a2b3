"""Worker properties: file + CONNECT_* environment, typed keys, advertised worker id."""

import re
from pathlib import Path

import pytest

from engine.errors import ConfigError
from engine.worker.config import STANDALONE_SPEC, WORKER_SPEC, WorkerConfig, env_to_props, load_worker_props

BASE = {
    "key.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "offset.storage.file.filename": "/tmp/connect.offsets",
}


def test_env_names_map_as_confluent_images_map_them() -> None:
    env = {
        "CONNECT_BOOTSTRAP_SERVERS": "kafka:9092",
        "CONNECT_VALUE_CONVERTER_SCHEMAS_ENABLE": "false",
        "CONNECT_PRODUCER_SASL__JAAS__CONFIG": "x",
        "CONNECT_A___B": "dash",
        "CONNECT_LOG4J_ROOT_LOGLEVEL": "WARN",
        "OTHER": "ignored",
    }
    assert env_to_props(env) == {
        "bootstrap.servers": "kafka:9092",
        "value.converter.schemas.enable": "false",
        "producer.sasl_jaas_config": "x",
        "a-b": "dash",
    }


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = tmp_path / "worker.properties"
    path.write_text("bootstrap.servers=file:9092\nlisteners=http://:18083\n")
    props = load_worker_props(path, {"CONNECT_BOOTSTRAP_SERVERS": "env:9092"})
    assert props == {"bootstrap.servers": "env:9092", "listeners": "http://:18083"}


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=re.escape("Could not read worker properties file")):
        load_worker_props(tmp_path / "absent.properties", {})


def test_typed_attributes_and_defaults() -> None:
    config = WorkerConfig.from_props(
        {
            **BASE,
            "key.converter.schemas.enable": "false",
            "producer.linger.ms": "5",
            "consumer.fetch.min.bytes": "1",
        }
    )
    assert config.bootstrap_servers == ["localhost:9092"]
    assert config.offset_flush_interval_ms == 60000
    assert config.task_shutdown_graceful_timeout_ms == 5000
    assert config.heartbeat_timeout_ms == 30000
    assert config.key_converter.type_name == "org.apache.kafka.connect.json.JsonConverter"
    assert config.key_converter.props == {"schemas.enable": "false"}
    assert config.header_converter.type_name == "org.apache.kafka.connect.storage.SimpleHeaderConverter"
    assert config.producer_props() == {"bootstrap.servers": "localhost:9092", "linger.ms": "5"}
    assert config.consumer_props() == {"bootstrap.servers": "localhost:9092", "fetch.min.bytes": "1"}
    assert config.plugin_path == []
    assert config.offset_storage_file_filename == "/tmp/connect.offsets"


def test_converters_are_required_as_in_connect() -> None:
    with pytest.raises(
        ConfigError, match=re.escape('Missing required configuration "key.converter" which has no default')
    ):
        WorkerConfig.from_props({"value.converter": "x", "offset.storage.file.filename": "f"})


def test_standalone_requires_the_offsets_file() -> None:
    props = {k: v for k, v in BASE.items() if k != "offset.storage.file.filename"}
    with pytest.raises(ConfigError, match=re.escape("offset.storage.file.filename")):
        WorkerConfig.from_props(props)
    assert WorkerConfig.from_props(props, standalone=False).offset_storage_file_filename is None


def test_invalid_value_in_connect_words() -> None:
    with pytest.raises(
        ConfigError, match=re.escape("Invalid value abc for configuration offset.flush.interval.ms")
    ):
        WorkerConfig.from_props({**BASE, "offset.flush.interval.ms": "abc"})


def test_worker_id_prefers_advertised_then_listener_then_host_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Connect compat: Jetty's Server.getURI advertises InetAddress.getLocalHost().getHostAddress().
    monkeypatch.setattr("socket.gethostname", lambda: "machine")
    monkeypatch.setattr("socket.gethostbyname", {"machine": "10.1.2.3"}.__getitem__)
    assert WorkerConfig.from_props(BASE).worker_id == "10.1.2.3:8083"
    assert WorkerConfig.from_props({**BASE, "listeners": "http://10.0.0.5:9000"}).worker_id == "10.0.0.5:9000"
    advertised = {**BASE, "listeners": "http://0.0.0.0:9000", "rest.advertised.host.name": "w1"}
    assert WorkerConfig.from_props(advertised).worker_id == "w1:9000"
    assert WorkerConfig.from_props({**advertised, "rest.advertised.port": "1234"}).worker_id == "w1:1234"
    ephemeral = WorkerConfig.from_props({**BASE, "listeners": "http://127.0.0.1:0"})
    assert ephemeral.worker_id_for(45678) == "127.0.0.1:45678"


def test_https_listener_is_advertised_when_only_https_is_configured() -> None:
    config = WorkerConfig.from_props({**BASE, "listeners": "https://h:8443"})
    assert config.advertised_url() == "https://h:8443/"


def test_empty_listener_is_refused() -> None:
    with pytest.raises(ConfigError, match=re.escape("Empty URL found when parsing listeners list.")):
        WorkerConfig.from_props({**BASE, "listeners": "http://:8083,,"})


def test_worker_keys_are_resolved_from_providers_except_plugin_path(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.properties"
    secrets.write_text("servers=broker:9092\n")
    props = {
        **BASE,
        "config.providers": "file,env",
        "config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider",
        "config.providers.env.class": "EnvVarConfigProvider",
        "bootstrap.servers": f"${{file:{secrets}:servers}}",
        "producer.sasl.password": "${env:SECRET}",
        "plugin.path": "${env:PLUGINS}",
    }
    config = WorkerConfig.from_props(props, environ={"SECRET": "s3cr3t", "PLUGINS": "/opt"})
    assert config.bootstrap_servers == ["broker:9092"]
    assert config.producer_props()["sasl.password"] == "s3cr3t"
    assert config.plugin_path == ["${env:PLUGINS}"]
    assert config.raw["producer.sasl.password"] == "${env:SECRET}"
    assert "s3cr3t" not in repr(config)


def test_every_key_is_declared_once_with_doc() -> None:
    assert "offset.storage.file.filename" in STANDALONE_SPEC.keys
    assert "offset.storage.file.filename" not in WORKER_SPEC.keys
    assert all(key.doc for key in STANDALONE_SPEC.keys.values())
