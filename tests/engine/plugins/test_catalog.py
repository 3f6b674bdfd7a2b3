"""Tests of engine.plugins.catalog: the native plugins' Connect class names."""

from __future__ import annotations

import pytest

from engine import _native
from engine.plugins.catalog import NATIVE_PLUGINS, native_class_name


@pytest.mark.parametrize(
    ("configured", "class_name"),
    [
        ("JsonConverter", "org.apache.kafka.connect.json.JsonConverter"),
        ("Json", "org.apache.kafka.connect.json.JsonConverter"),
        (" StringConverter ", "org.apache.kafka.connect.storage.StringConverter"),
        ("ByteArray", "org.apache.kafka.connect.converters.ByteArrayConverter"),
        ("SimpleHeaderConverter", "org.apache.kafka.connect.storage.SimpleHeaderConverter"),
        ("RegexRouter", "org.apache.kafka.connect.transforms.RegexRouter"),
        ("ReplaceField$Value", "org.apache.kafka.connect.transforms.ReplaceField$Value"),
        ("HasHeaderKey", "org.apache.kafka.connect.transforms.predicates.HasHeaderKey"),
        ("org.apache.kafka.connect.transforms.Cast$Key", "org.apache.kafka.connect.transforms.Cast$Key"),
        # Not native: left as configured.
        ("com.example.MyConverter", "com.example.MyConverter"),
        ("ReplaceField", "ReplaceField"),
    ],
)
def test_native_class_name_resolves_what_the_native_side_accepts(configured: str, class_name: str) -> None:
    assert native_class_name(configured) == class_name


def test_the_catalog_lists_exactly_the_native_sides_plugins() -> None:
    listed: dict[str, set[str]] = {}
    for class_name, kind in NATIVE_PLUGINS:
        listed.setdefault(kind, set()).add(class_name)
    assert listed == {kind: set(names) for kind, names in _native.plugins().items()}
