"""Transformation settings are validated by building the real native chain."""

import tomllib
from pathlib import Path

import pytest

import engine
from engine.config.transforms import PluginConfig
from engine.config.validation import validate_connector
from engine.pipeline import Pipeline
from engine.plugins import PluginDesc, PluginRegistry, load_class
from engine.plugins.catalog import NATIVE_PLUGINS

ROOT = Path(__file__).parents[3]
BYTES = PluginConfig("org.apache.kafka.connect.converters.ByteArrayConverter")


def native_pipeline_builds() -> bool:
    try:
        Pipeline(key_converter=BYTES, value_converter=BYTES, stages=[])
    except TypeError:
        return False  # the compiled module predates engine/pipeline.py (rebuild with `make setup`)
    return True


@pytest.mark.skipif(not native_pipeline_builds(), reason="engine._native is older than engine/pipeline.py")
def test_native_chain_errors_land_on_the_transform_type_key() -> None:
    table = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]
    plugins = [
        PluginDesc(n, "sink" if "Sink" in n else "source", "1", cls=load_class(t))
        for n, t in table["kconnect.connectors"].items()
    ]
    plugins += [PluginDesc(name, kind, engine.__version__) for name, kind in NATIVE_PLUGINS]
    config = {
        "name": "s",
        "connector.class": "FileStreamSink",
        "topics": "t",
        "transforms": "bad,good",
        "transforms.bad.type": "RegexRouter",
        "transforms.good.type": "org.apache.kafka.connect.transforms.ReplaceField$Value",
        "transforms.good.exclude": "a",
    }
    infos = validate_connector(PluginRegistry(plugins), config)
    values = {c.value.name: c.value for c in infos.configs}
    assert values["transforms.bad.type"].errors == [
        'Missing required configuration "transforms.bad.regex" which has no default value.'
    ]
    assert values["transforms.good.type"].errors == []
    assert infos.error_count == 1
