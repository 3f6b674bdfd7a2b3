"""The plugin registry: bundled entry points, plugin.path locations, Connect's aliases and errors."""

import re
import sys
import tomllib
from pathlib import Path

import pytest

import engine
from engine.errors import BadRequestError, ConnectError, NotFoundError
from engine.plugins import PluginDesc, PluginRegistry, class_path, load_class
from engine.plugins.catalog import NATIVE_PLUGINS
from engine.plugins.registry import ENTRY_POINT_GROUP

ROOT = Path(__file__).parents[3]
FILE_SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"

CONNECTOR_MODULE = """
from engine.api import ConfigSpec, SourceConnector, SourceTask

class {name}(SourceConnector):
    def version(self): return "9.9"
    def config(self): return ConfigSpec()
    def start(self, props): pass
    def task_class(self): return SourceTask
    def task_configs(self, max_tasks): return []
    def stop(self): pass
"""


def bundled() -> dict[str, str]:
    table = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]
    return dict(table[ENTRY_POINT_GROUP])


def registry(extra: list[PluginDesc] | None = None) -> PluginRegistry:
    """The registry the installed wheel's entry points give (read from pyproject.toml, so the test
    does not depend on when the editable install last regenerated its metadata)."""
    plugins = []
    for name, target in bundled().items():
        cls = load_class(target)
        kind = "sink" if "Sink" in name else "source"
        plugins.append(PluginDesc(name, kind, cls().version(), cls=cls))
    plugins += extra or []
    plugins += [PluginDesc(name, kind, engine.__version__) for name, kind in NATIVE_PLUGINS]
    return PluginRegistry(plugins)


def test_bundled_entry_points_name_their_java_classes() -> None:
    for name, target in bundled().items():
        cls = load_class(target)
        assert cls.__name__ == name.rsplit(".", 1)[-1]
        assert name.startswith(("org.apache.kafka.connect.file.", "org.apache.kafka.connect.tools."))


def test_connectors_resolve_by_full_simple_and_pruned_name() -> None:
    plugins = registry()
    for name in (FILE_SOURCE, "FileStreamSourceConnector", "FileStreamSource"):
        assert plugins.connector(name).class_name == FILE_SOURCE
    assert plugins.connector_type("FileStreamSink") == "sink"
    assert plugins.connector_type("VerifiableSource") == "source"
    assert plugins.connector_class("MockSinkConnector").__name__ == "MockSinkConnector"


def test_aliases_of_native_plugins_and_ambiguous_ones_dropped() -> None:
    plugins = registry()
    assert plugins.resolve("Json") == "org.apache.kafka.connect.json.JsonConverter"
    assert plugins.resolve("JsonConverter") == "org.apache.kafka.connect.json.JsonConverter"
    assert plugins.resolve("RegexRouter") == "org.apache.kafka.connect.transforms.RegexRouter"
    assert (
        plugins.resolve("TopicNameMatches")
        == "org.apache.kafka.connect.transforms.predicates.TopicNameMatches"
    )
    assert plugins.resolve("Simple") == "org.apache.kafka.connect.storage.SimpleHeaderConverter"
    # `Cast$Value`, `Flatten$Value`, ... all have the simple name `Value`: ambiguous, so not an alias.
    assert plugins.resolve("Value") == "Value"
    assert plugins.find("Value") is None


def test_unknown_connector_lists_available_ones_in_connect_words() -> None:
    with pytest.raises(ConnectError) as caught:
        registry().connector("com.example.Nope")
    message = str(caught.value)
    assert message.startswith(
        "Failed to find any class that implements Connector and which name matches com.example.Nope, "
        "available connectors are: "
        "PluginDesc{klass=class org.apache.kafka.connect.file.FileStreamSinkConnector, "
        "name='org.apache.kafka.connect.file.FileStreamSinkConnector', version='"
    )
    assert "type=source, typeName='source', location='classpath'}" in message
    with pytest.raises(ConnectError):
        registry().connector("JsonConverter")  # a plugin, but not a connector


def test_two_connectors_with_one_simple_name_are_ambiguous() -> None:
    a = PluginDesc("com.a.DupConnector", "source", "1", cls=object)
    b = PluginDesc("com.b.DupConnector", "source", "1", cls=object)
    with pytest.raises(
        ConnectError, match=re.escape("More than one connector matches alias Dup. Please use")
    ):
        registry([a, b]).connector("Dup")
    assert registry([a, b]).connector("com.b.DupConnector") is b


def test_connector_plugins_in_connect_order() -> None:
    infos = registry().connector_plugins(connectors_only=True)
    assert [i.type for i in infos] == ["sink"] * 3 + ["source"] * 3
    assert infos[0].class_name == "org.apache.kafka.connect.file.FileStreamSinkConnector"
    everything = registry().connector_plugins(connectors_only=False)
    kinds = [i.type for i in everything]
    order = ["sink", "source", "transformation", "predicate", "converter", "header_converter"]
    assert kinds == sorted(kinds, key=order.index)
    assert {"transformation", "predicate", "converter", "header_converter"} <= set(kinds)


def test_plugin_config_lists_own_keys_then_framework_keys() -> None:
    keys = [k.name for k in registry().plugin_config("FileStreamSource")]
    assert keys[:3] == ["file", "topic", "batch.size"]
    assert keys[3:6] == ["name", "connector.class", "tasks.max"]
    assert "exactly.once.support" in keys and "topics" not in keys
    sink_keys = [k.name for k in registry().plugin_config("FileStreamSink")]
    assert "topics" in sink_keys and "errors.deadletterqueue.topic.name" in sink_keys
    json_keys = {k.name: k for k in registry().plugin_config("JsonConverter")}
    assert json_keys["schemas.enable"].default_value == "true"
    assert json_keys["schemas.enable"].width == "MEDIUM"
    assert json_keys["converter.type"].width == "NONE"
    string_keys = {k.name: k.width for k in registry().plugin_config("StringConverter")}
    assert string_keys == {"converter.type": "NONE", "converter.encoding": "MEDIUM"}
    assert registry().plugin_config("RegexRouter") == []


def test_unknown_plugin_config_is_not_found() -> None:
    with pytest.raises(NotFoundError, match=re.escape("Unknown plugin com.example.Nope.")):
        registry().plugin_config("com.example.Nope")


def test_plugin_path_locations_register_entry_points_and_plugin_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))
    plugins_dir = tmp_path / "plugins"
    wheel_like = plugins_dir / "acme"
    (wheel_like / "acme_kc_plugin").mkdir(parents=True)
    (wheel_like / "acme_kc_plugin" / "__init__.py").write_text(
        CONNECTOR_MODULE.format(name="AcmeSourceConnector")
    )
    dist_info = wheel_like / "acme_kc_plugin-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-kc-plugin\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\ncom.acme.AcmeSourceConnector = acme_kc_plugin:AcmeSourceConnector\n"
    )
    plain = plugins_dir / "plain"
    plain.mkdir()
    (plain / "plain_kc_plugin.py").write_text(CONNECTOR_MODULE.format(name="PlainSourceConnector"))
    (plain / "kconnect-plugins.txt").write_text(
        "# comment\ncom.plain.PlainSourceConnector = plain_kc_plugin:PlainSourceConnector\nnot a line\n"
    )
    found = PluginRegistry.discover([str(plugins_dir), str(tmp_path / "missing")])
    acme = found.connector("AcmeSource")
    assert (acme.class_name, acme.type, acme.version, acme.location) == (
        "com.acme.AcmeSourceConnector",
        "source",
        "9.9",
        str(wheel_like),
    )
    assert found.connector("PlainSourceConnector").location == str(plain)
    assert found.resolve("JsonConverter") == "org.apache.kafka.connect.json.JsonConverter"


def test_broken_plugin_is_skipped_not_fatal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))
    location = tmp_path / "plugins"
    location.mkdir()
    (location / "kconnect-plugins.txt").write_text("com.x.BrokenConnector = no_such_module_kc:Broken\n")
    found = PluginRegistry.discover([str(location)])
    with pytest.raises(ConnectError, match="BrokenConnector"):
        found.connector("com.x.BrokenConnector")


def test_class_path_round_trips() -> None:
    cls = registry().connector_class("FileStreamSource")
    assert class_path(cls) == "connectors.file.source:FileStreamSourceConnector"
    assert load_class(class_path(cls)) is cls
    with pytest.raises(ConnectError, match="expected module:Class"):
        load_class("connectors.file.FileStreamSourceConnector")
    with pytest.raises(ConnectError, match="has no class"):
        load_class("connectors.file:Nope")


def test_herder_facing_methods() -> None:
    plugins = registry()
    assert plugins.connector_class_path("FileStreamSink") == "connectors.file.sink:FileStreamSinkConnector"
    raw = {"name": "s", "connector.class": "FileStreamSink", "topics": "t", "file": "${env:F}"}
    infos = plugins.validate({**raw, "file": "/resolved"}, raw)
    assert infos.error_count == 0
    assert {c.value.name: c.value.value for c in infos.configs}["file"] == "${env:F}"
    with pytest.raises(BadRequestError, match="does not match request type"):
        plugins.check_validate_request_type("FileStreamSource", raw)


def test_override_policy_applies_to_validation() -> None:
    strict = PluginRegistry(registry().plugins(), override_policy="None")
    config = {"name": "s", "connector.class": "FileStreamSink", "topics": "t", "consumer.override.a": "1"}
    assert strict.validate(config).error_count == 1
    assert registry().validate(config).error_count == 0


def test_discover_finds_the_installed_bundled_connectors() -> None:
    # `make setup` reinstalls the package whenever pyproject.toml changes, refreshing its entry points.
    found = PluginRegistry.discover([])
    assert {p.class_name for p in found.connector_plugins(True)} == set(bundled())
    assert found.find("org.apache.kafka.connect.transforms.Cast$Value") is not None
