"""Config providers and Kafka's ConfigTransformer placeholder rules."""

import re
from pathlib import Path

import pytest

from engine.config.providers import (
    ConfigProviders,
    DirectoryConfigProvider,
    EnvVarConfigProvider,
    FileConfigProvider,
    provider_class,
    resolved_keys,
)
from engine.errors import ConfigError, ConnectError


def providers(tmp_path: Path, **extra: str) -> ConfigProviders:
    return ConfigProviders.from_worker(
        {
            "config.providers": "file,env,dir",
            "config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider",
            "config.providers.env.class": "EnvVar",
            "config.providers.env.param.allowlist.pattern": "DB_.*",
            "config.providers.dir.class": "DirectoryConfigProvider",
            **extra,
        },
        environ={"DB_PASSWORD": "hunter2", "HOME": "/root"},
    )


def test_file_env_and_directory_placeholders_resolve(tmp_path: Path) -> None:
    (tmp_path / "db.properties").write_text("user=alice\npassword=p\\u00e4ss\n")
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "token").write_text("t0k3n\n")
    resolved = providers(tmp_path).resolve(
        {
            "user": f"${{file:{tmp_path}/db.properties:user}}",
            "url": f"jdbc://${{file:{tmp_path}/db.properties:user}}:${{env:DB_PASSWORD}}@h",
            "token": f"${{dir:{secrets}:token}}",
            "plain": "no placeholders",
        }
    )
    assert resolved == {
        "user": "alice",
        "url": "jdbc://alice:hunter2@h",
        "token": "t0k3n\n",
        "plain": "no placeholders",
    }


def test_unknown_provider_or_missing_key_is_left_as_written(tmp_path: Path) -> None:
    (tmp_path / "a.properties").write_text("k=v\n")
    config = {
        "a": "${vault:secret/db:password}",
        "b": f"${{file:{tmp_path}/a.properties:missing}}",
        "c": "${env:HOME}",  # filtered out by allowlist.pattern
        "d": None,
    }
    assert providers(tmp_path).resolve(config) == config


def test_resolved_keys_names_only_values_a_provider_changed(tmp_path: Path) -> None:
    raw = {"password": "${env:DB_PASSWORD}", "other": "${env:HOME}", "plain": "x"}
    resolved = providers(tmp_path).resolve(raw)
    assert resolved_keys(raw, resolved) == {"password"}


def test_file_provider_respects_allowed_paths(tmp_path: Path) -> None:
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (tmp_path / "outside.properties").write_text("k=v\n")
    (allowed / "in.properties").write_text("k=w\n")
    provider = FileConfigProvider()
    provider.configure({"allowed.paths": str(allowed)})
    assert provider.get(str(tmp_path / "outside.properties"), {"k"}) == {}
    assert provider.get(str(allowed / ".." / "outside.properties"), {"k"}) == {}
    assert provider.get(str(allowed / "in.properties"), {"k"}) == {"k": "w"}


def test_allowed_paths_must_be_absolute_and_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is not absolute"):
        FileConfigProvider().configure({"allowed.paths": "relative/dir"})
    with pytest.raises(ConfigError, match="does not exist"):
        DirectoryConfigProvider().configure({"allowed.paths": str(tmp_path / "nope")})


def test_env_provider_refuses_paths() -> None:
    provider = EnvVarConfigProvider({"A": "1"})
    provider.configure({})
    assert provider.get("", {"A", "B"}) == {"A": "1"}
    with pytest.raises(ConfigError, match=re.escape("Path is not supported for EnvVarConfigProvider")):
        provider.get("some/path", {"A"})


def test_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Could not read properties from file"):
        providers(tmp_path).resolve({"a": f"${{file:{tmp_path}/absent:k}}"})


def test_unknown_provider_class_in_connect_words() -> None:
    with pytest.raises(ConnectError, match="Failed to find any class that implements ConfigProvider"):
        provider_class("com.example.VaultConfigProvider")
    assert provider_class("File") is FileConfigProvider
