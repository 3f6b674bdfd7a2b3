"""The Connect data model for connectors: `Schema`, `SchemaBuilder`, `Struct` and the logical types.

Mirrors `org.apache.kafka.connect.data`. Python values stand for Connect's runtime values:
`bool`, `int` (INT8..INT64, range-checked against the schema), `float`, `str`, `bytes`, `list`,
`dict`, `Struct`, and for the logical types `decimal.Decimal` (Decimal), `datetime.date` (Date),
`datetime.time` (Time) and timezone-aware `datetime.datetime` (Timestamp). The native converters
and transforms use the same model in Rust (`native/src/data`).
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from engine.errors import DataError

__all__ = [
    "BOOLEAN_SCHEMA",
    "BYTES_SCHEMA",
    "FLOAT32_SCHEMA",
    "FLOAT64_SCHEMA",
    "INT8_SCHEMA",
    "INT16_SCHEMA",
    "INT32_SCHEMA",
    "INT64_SCHEMA",
    "OPTIONAL_BOOLEAN_SCHEMA",
    "OPTIONAL_BYTES_SCHEMA",
    "OPTIONAL_FLOAT32_SCHEMA",
    "OPTIONAL_FLOAT64_SCHEMA",
    "OPTIONAL_INT8_SCHEMA",
    "OPTIONAL_INT16_SCHEMA",
    "OPTIONAL_INT32_SCHEMA",
    "OPTIONAL_INT64_SCHEMA",
    "OPTIONAL_STRING_SCHEMA",
    "STRING_SCHEMA",
    "Date",
    "Decimal",
    "Field",
    "Schema",
    "SchemaBuilder",
    "Struct",
    "Time",
    "Timestamp",
    "Type",
]


class Type(enum.Enum):
    """Connect's `Schema.Type`; the value is the lower-case name Connect's JSON uses."""

    INT8 = "int8"
    INT16 = "int16"
    INT32 = "int32"
    INT64 = "int64"
    FLOAT32 = "float32"
    FLOAT64 = "float64"
    BOOLEAN = "boolean"
    STRING = "string"
    BYTES = "bytes"
    ARRAY = "array"
    MAP = "map"
    STRUCT = "struct"

    @property
    def is_primitive(self) -> bool:
        return self not in (Type.ARRAY, Type.MAP, Type.STRUCT)


_INT_RANGES = {
    Type.INT8: (-(2**7), 2**7 - 1),
    Type.INT16: (-(2**15), 2**15 - 1),
    Type.INT32: (-(2**31), 2**31 - 1),
    Type.INT64: (-(2**63), 2**63 - 1),
}

DECIMAL_NAME = "org.apache.kafka.connect.data.Decimal"
DATE_NAME = "org.apache.kafka.connect.data.Date"
TIME_NAME = "org.apache.kafka.connect.data.Time"
TIMESTAMP_NAME = "org.apache.kafka.connect.data.Timestamp"


@dataclass(frozen=True, slots=True)
class Field:
    """A field of a struct schema."""

    name: str
    index: int
    schema: Schema


@dataclass(frozen=True, slots=True)
class Schema:
    """An immutable Connect schema (`ConnectSchema`); build one with `SchemaBuilder`."""

    type: Type
    optional: bool = False
    default: Any = None
    name: str | None = None
    version: int | None = None
    doc: str | None = None
    parameters: Mapping[str, str] | None = None
    fields: tuple[Field, ...] = ()
    key_schema: Schema | None = None
    value_schema: Schema | None = None

    def field(self, name: str) -> Field | None:
        """The struct field called `name`, or None."""
        for f in self.fields:
            if f.name == name:
                return f
        return None

    def validate_value(self, value: Any, field_name: str | None = None) -> None:
        """Checks `value` against this schema as `ConnectSchema.validateValue` does.

        Raises:
            DataError: with Connect's message when the value does not fit.
        """
        where = f' for field: "{field_name}"' if field_name is not None else ""
        if value is None:
            if not self.optional:
                subject = f' "{field_name}"' if field_name is not None else ""
                raise DataError(
                    f"Invalid value: null used for required field:{subject}, schema type: {self.type.name}"
                )
            return
        if not _fits(self, value):
            raise DataError(
                f"Invalid Java object for schema with type {self.type.name}: {_java_class(value)}{where}"
            )
        if self.type is Type.STRUCT and isinstance(value, Struct):
            if value.schema != self:
                raise DataError("Struct schemas do not match.")
            value.validate()
        elif self.type is Type.ARRAY and self.value_schema is not None:
            for item in value:
                self.value_schema.validate_value(item, field_name)
        elif self.type is Type.MAP and self.key_schema is not None and self.value_schema is not None:
            for k, v in value.items():
                self.key_schema.validate_value(k, field_name)
                self.value_schema.validate_value(v, field_name)


def _logical_fits(schema: Schema, value: Any) -> bool | None:
    if schema.name == DECIMAL_NAME:
        return isinstance(value, decimal.Decimal)
    if schema.name == DATE_NAME:
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    if schema.name == TIME_NAME:
        return isinstance(value, dt.time)
    if schema.name == TIMESTAMP_NAME:
        return isinstance(value, dt.datetime)
    return None


def _fits(schema: Schema, value: Any) -> bool:
    logical = _logical_fits(schema, value)
    if logical is not None:
        return logical
    kind = schema.type
    if kind in _INT_RANGES:
        low, high = _INT_RANGES[kind]
        return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    checks: dict[Type, type | tuple[type, ...]] = {
        Type.FLOAT32: float,
        Type.FLOAT64: float,
        Type.BOOLEAN: bool,
        Type.STRING: str,
        Type.BYTES: (bytes, bytearray, memoryview),
        Type.ARRAY: list,
        Type.MAP: dict,
        Type.STRUCT: Struct,
    }
    return isinstance(value, checks[kind])


def _java_class(value: Any) -> str:
    """The Java class Connect would name for an equivalent value, for error messages."""
    names: list[tuple[type, str]] = [
        (bool, "java.lang.Boolean"),
        (int, "java.lang.Long"),
        (float, "java.lang.Double"),
        (str, "java.lang.String"),
        (bytes, "[B"),
        (list, "java.util.ArrayList"),
        (dict, "java.util.HashMap"),
        (decimal.Decimal, "java.math.BigDecimal"),
        (dt.date, "java.util.Date"),
        (dt.time, "java.util.Date"),
    ]
    if isinstance(value, Struct):
        return "class org.apache.kafka.connect.data.Struct"
    for py_type, java in names:
        if isinstance(value, py_type):
            return f"class {java}"
    return f"class {type(value).__module__}.{type(value).__qualname__}"


@dataclass(slots=True)
class SchemaBuilder:
    """Fluent construction of a `Schema`, as Connect's `SchemaBuilder`."""

    _type: Type
    _optional: bool = False
    _default: Any = None
    _name: str | None = None
    _version: int | None = None
    _doc: str | None = None
    _parameters: dict[str, str] | None = None
    _fields: list[tuple[str, Schema]] = field(default_factory=list)
    _key_schema: Schema | None = None
    _value_schema: Schema | None = None

    @classmethod
    def struct(cls) -> SchemaBuilder:
        return cls(Type.STRUCT)

    @classmethod
    def array(cls, items: Schema) -> SchemaBuilder:
        return cls(Type.ARRAY, _value_schema=items)

    @classmethod
    def map(cls, keys: Schema, values: Schema) -> SchemaBuilder:
        return cls(Type.MAP, _key_schema=keys, _value_schema=values)

    def optional(self) -> SchemaBuilder:
        self._optional = True
        return self

    def name(self, name: str) -> SchemaBuilder:
        self._name = name
        return self

    def version(self, version: int) -> SchemaBuilder:
        self._version = version
        return self

    def doc(self, doc: str) -> SchemaBuilder:
        self._doc = doc
        return self

    def parameter(self, key: str, value: str) -> SchemaBuilder:
        if self._parameters is None:
            self._parameters = {}
        self._parameters[key] = value
        return self

    def default_value(self, value: Any) -> SchemaBuilder:
        self._default = value
        return self

    def field(self, name: str, schema: Schema) -> SchemaBuilder:
        """Adds a struct field.

        Raises:
            DataError: not a struct builder, or a duplicate field name (Connect's messages).
        """
        if self._type is not Type.STRUCT:
            raise DataError("Cannot create fields on type " + self._type.name)
        if any(existing == name for existing, _ in self._fields):
            raise DataError(f"Cannot create field because of field name duplication {name}")
        self._fields.append((name, schema))
        return self

    def build(self) -> Schema:
        schema = Schema(
            type=self._type,
            optional=self._optional,
            name=self._name,
            version=self._version,
            doc=self._doc,
            parameters=dict(self._parameters) if self._parameters is not None else None,
            fields=tuple(Field(name, i, s) for i, (name, s) in enumerate(self._fields)),
            key_schema=self._key_schema,
            value_schema=self._value_schema,
        )
        if self._default is not None:
            schema.validate_value(self._default)
            schema = replace(schema, default=self._default)
        return schema


def _primitive(kind: Type, optional: bool = False) -> Schema:
    return Schema(kind, optional=optional)


INT8_SCHEMA = _primitive(Type.INT8)
INT16_SCHEMA = _primitive(Type.INT16)
INT32_SCHEMA = _primitive(Type.INT32)
INT64_SCHEMA = _primitive(Type.INT64)
FLOAT32_SCHEMA = _primitive(Type.FLOAT32)
FLOAT64_SCHEMA = _primitive(Type.FLOAT64)
BOOLEAN_SCHEMA = _primitive(Type.BOOLEAN)
STRING_SCHEMA = _primitive(Type.STRING)
BYTES_SCHEMA = _primitive(Type.BYTES)
OPTIONAL_INT8_SCHEMA = _primitive(Type.INT8, True)
OPTIONAL_INT16_SCHEMA = _primitive(Type.INT16, True)
OPTIONAL_INT32_SCHEMA = _primitive(Type.INT32, True)
OPTIONAL_INT64_SCHEMA = _primitive(Type.INT64, True)
OPTIONAL_FLOAT32_SCHEMA = _primitive(Type.FLOAT32, True)
OPTIONAL_FLOAT64_SCHEMA = _primitive(Type.FLOAT64, True)
OPTIONAL_BOOLEAN_SCHEMA = _primitive(Type.BOOLEAN, True)
OPTIONAL_STRING_SCHEMA = _primitive(Type.STRING, True)
OPTIONAL_BYTES_SCHEMA = _primitive(Type.BYTES, True)


class Decimal:
    """Connect's `Decimal` logical type: bytes holding the unscaled value, `scale` as a parameter."""

    LOGICAL_NAME = DECIMAL_NAME
    SCALE_FIELD = "scale"

    @staticmethod
    def builder(scale: int) -> SchemaBuilder:
        return SchemaBuilder(Type.BYTES).name(DECIMAL_NAME).version(1).parameter("scale", str(scale))

    @staticmethod
    def schema(scale: int) -> Schema:
        return Decimal.builder(scale).build()


class Date:
    """Connect's `Date` logical type: int32 days since the epoch; Python `datetime.date`."""

    LOGICAL_NAME = DATE_NAME
    SCHEMA = Schema(Type.INT32, name=DATE_NAME, version=1)


class Time:
    """Connect's `Time` logical type: int32 milliseconds since midnight; Python `datetime.time`."""

    LOGICAL_NAME = TIME_NAME
    SCHEMA = Schema(Type.INT32, name=TIME_NAME, version=1)


class Timestamp:
    """Connect's `Timestamp` logical type: int64 epoch milliseconds; aware `datetime.datetime`."""

    LOGICAL_NAME = TIMESTAMP_NAME
    SCHEMA = Schema(Type.INT64, name=TIMESTAMP_NAME, version=1)


class Struct:
    """A struct value: one value per field of its schema (Connect's `Struct`).

    Not thread-safe; `put` validates each value against its field's schema.
    """

    __slots__ = ("_values", "schema")

    def __init__(self, schema: Schema) -> None:
        if schema.type is not Type.STRUCT:
            raise DataError("Not a struct schema: " + repr(schema))
        self.schema = schema
        self._values: list[Any] = [None] * len(schema.fields)

    def _field(self, name: str) -> Field:
        found = self.schema.field(name)
        if found is None:
            raise DataError(f"{name} is not a valid field name")
        return found

    def put(self, name: str, value: Any) -> Struct:
        """Sets a field (validated) and returns self, so calls chain.

        Raises:
            DataError: unknown field or a value that does not fit the field's schema.
        """
        f = self._field(name)
        f.schema.validate_value(value, name)
        self._values[f.index] = value
        return self

    def get(self, name: str) -> Any:
        """The field's value, or its schema default when the value is null (as `Struct.get`)."""
        f = self._field(name)
        value = self._values[f.index]
        return f.schema.default if value is None else value

    def get_without_default(self, name: str) -> Any:
        return self._values[self._field(name).index]

    def validate(self) -> None:
        """Checks every field, including required fields left null.

        Raises:
            DataError: with Connect's message for the first field that does not fit.
        """
        for f in self.schema.fields:
            value = self._values[f.index]
            f.schema.validate_value(f.schema.default if value is None else value, f.name)

    def items(self) -> Iterable[tuple[str, Any]]:
        return ((f.name, self._values[f.index]) for f in self.schema.fields)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Struct) and self.schema == other.schema and self._values == other._values

    def __hash__(self) -> int:
        return hash(tuple(map(repr, self._values)))

    def __repr__(self) -> str:
        # Connect compat: Struct.toString() omits null fields and prints each value as Java's
        # String.valueOf does: Struct{id=1,name=choi,active=false}.
        from engine.api.display import to_java_string  # noqa: PLC0415 - display imports this module

        values = self._values
        body = ",".join(
            f"{f.name}={to_java_string(values[f.index])}"
            for f in self.schema.fields
            if values[f.index] is not None
        )
        return f"Struct{{{body}}}"
