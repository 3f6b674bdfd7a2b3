"""The native plugins (converters, transformations, predicates) under their Connect class names.

They live in Rust (`native/src/convert`, `native/src/smt`); this table is what the registry lists
for `GET /connector-plugins?connectorsOnly=false` and resolves aliases against, and it declares the
converters' own keys for `GET /connector-plugins/{plugin}/config` (Connect's `JsonConverterConfig`,
`StringConverterConfig`, `ConverterConfig`).
"""

from __future__ import annotations

from engine.api.config import ConfigKey, ConfigSpec, ConfigType, Importance, one_of

__all__ = ["CONVERTER_SPECS", "NATIVE_PLUGINS", "native_class_name"]

_CONVERTERS = "org.apache.kafka.connect.converters."
_JSON = "org.apache.kafka.connect.json.JsonConverter"
_STORAGE = "org.apache.kafka.connect.storage."
_TRANSFORMS = "org.apache.kafka.connect.transforms."
_PREDICATES = "org.apache.kafka.connect.transforms.predicates."

# SMTs that Connect ships as `$Key`/`$Value` pairs, and those that have a single class.
_KEY_VALUE_SMTS = (
    "Cast",
    "ExtractField",
    "Flatten",
    "HeaderFrom",
    "HoistField",
    "InsertField",
    "MaskField",
    "ReplaceField",
    "SetSchemaMetadata",
    "TimestampConverter",
)
_SINGLE_SMTS = ("DropHeaders", "Filter", "InsertHeader", "RegexRouter", "TimestampRouter", "ValueToKey")

NATIVE_PLUGINS: list[tuple[str, str]] = [
    *(
        (_TRANSFORMS + f"{smt}${part}", "transformation")
        for smt in _KEY_VALUE_SMTS
        for part in ("Key", "Value")
    ),
    *((_TRANSFORMS + smt, "transformation") for smt in _SINGLE_SMTS),
    *(
        (_PREDICATES + name, "predicate")
        for name in ("HasHeaderKey", "RecordIsTombstone", "TopicNameMatches")
    ),
    (_CONVERTERS + "ByteArrayConverter", "converter"),
    (_JSON, "converter"),
    (_STORAGE + "StringConverter", "converter"),
    (_CONVERTERS + "ByteArrayConverter", "header_converter"),
    (_JSON, "header_converter"),
    (_STORAGE + "SimpleHeaderConverter", "header_converter"),
    (_STORAGE + "StringConverter", "header_converter"),
]
"""`(class name, plugin type)` of every plugin implemented natively."""


def _native_names() -> dict[str, str]:
    # What the native side accepts for each class (`native/src/convert/mod.rs`,
    # `native/src/smt/registry.rs`): the class name, the name without Connect's package (with its
    # `$Key`/`$Value` part), and for converters the name without its `Converter` suffix.
    names: dict[str, str] = {}
    for class_name, kind in NATIVE_PLUGINS:
        short = class_name.rsplit(".", 1)[-1]
        names[class_name] = names[short] = class_name
        if kind in ("converter", "header_converter") and short.endswith("Converter"):
            names[short.removesuffix("Converter")] = class_name
    return names


_NATIVE_NAMES = _native_names()


def native_class_name(type_name: str) -> str:
    """The Connect class name a native plugin's configured name stands for (`JsonConverter` →
    `org.apache.kafka.connect.json.JsonConverter`), as Connect reports the executing class in error
    reports and dead letter queue headers; any other name unchanged."""
    name = type_name.strip()
    return _NATIVE_NAMES.get(name, name)


_CONVERTER_TYPE = ConfigKey(
    "converter.type",
    ConfigType.STRING,
    "How this converter will be used.",
    importance=Importance.LOW,
    validator=one_of("key", "value", "header"),
)

CONVERTER_SPECS: dict[str, ConfigSpec] = {
    _JSON: ConfigSpec.of(
        [
            _CONVERTER_TYPE,
            ConfigKey(
                "schemas.enable",
                ConfigType.BOOLEAN,
                "Include schemas within each of the serialized values and keys.",
                default=True,
                importance=Importance.HIGH,
                group="Schemas",
                order_in_group=0,
                display_name="Enable Schemas",
                width="MEDIUM",
            ),
            ConfigKey(
                "schemas.cache.size",
                ConfigType.INT,
                "The maximum number of schemas that can be cached in this converter instance.",
                default=1000,
                importance=Importance.HIGH,
                group="Schemas",
                order_in_group=1,
                display_name="Schema Cache Size",
                width="MEDIUM",
            ),
            ConfigKey(
                "decimal.format",
                ConfigType.STRING,
                "Controls which format this converter will serialize decimals in. This value is case "
                "insensitive and can be either 'BASE64' (default) or 'NUMERIC'",
                default="BASE64",
                importance=Importance.LOW,
                validator=one_of("BASE64", "NUMERIC", case_sensitive=False),
                group="Serialization",
                order_in_group=0,
                display_name="Decimal Format",
                width="MEDIUM",
            ),
            ConfigKey(
                "replace.null.with.default",
                ConfigType.BOOLEAN,
                "Whether to replace fields that have a default value and that are null to the default value. "
                "When set to true, the default value is used, otherwise null is used.",
                default=True,
                importance=Importance.LOW,
                group="Serialization",
                order_in_group=1,
                display_name="Replace null with default",
                width="MEDIUM",
            ),
        ]
    ),
    _STORAGE + "StringConverter": ConfigSpec.of(
        [
            _CONVERTER_TYPE,
            ConfigKey(
                "converter.encoding",
                ConfigType.STRING,
                "The name of the Java character set to use for encoding strings as byte arrays.",
                default="UTF-8",
                importance=Importance.HIGH,
                display_name="Encoding",
                width="MEDIUM",
            ),
        ]
    ),
    _CONVERTERS + "ByteArrayConverter": ConfigSpec.of([_CONVERTER_TYPE]),
    _STORAGE + "SimpleHeaderConverter": ConfigSpec(),
}
"""Each native converter's own keys, as `GET /connector-plugins/{plugin}/config` lists them."""
