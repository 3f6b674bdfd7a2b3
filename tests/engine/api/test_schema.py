"""The Python face of the Connect data model."""

import datetime as dt
import decimal
import re

import pytest

from engine.api import (
    BOOLEAN_SCHEMA,
    FLOAT64_SCHEMA,
    INT32_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    DataError,
    Date,
    Decimal,
    Schema,
    SchemaBuilder,
    Struct,
    Timestamp,
    Type,
)


def order_schema() -> Schema:
    return (
        SchemaBuilder.struct()
        .name("com.example.Order")
        .field("id", INT32_SCHEMA)
        .field("name", OPTIONAL_STRING_SCHEMA)
        .field("price", Decimal.schema(2))
        .build()
    )


def test_struct_put_get_and_java_style_repr() -> None:
    schema = order_schema()
    s = Struct(schema).put("id", 1).put("price", decimal.Decimal("7.68"))
    assert s.get("id") == 1
    assert s.get("name") is None
    assert repr(s) == "Struct{id=1,price=7.68}"


def test_put_checks_type_and_range() -> None:
    s = Struct(order_schema())
    with pytest.raises(
        DataError,
        match=re.escape(
            'Invalid Java object for schema with type INT32: class java.lang.String for field: "id"'
        ),
    ):
        s.put("id", "1")
    with pytest.raises(DataError, match="INT32"):
        s.put("id", 2**31)
    with pytest.raises(DataError, match="is not a valid field name"):
        s.put("nope", 1)


def test_validate_reports_required_nulls() -> None:
    s = Struct(order_schema()).put("price", decimal.Decimal(1))
    with pytest.raises(DataError, match='null used for required field: "id", schema type: INT32'):
        s.validate()


def test_builder_rejects_duplicate_fields_and_non_struct_fields() -> None:
    with pytest.raises(DataError, match="duplication id"):
        SchemaBuilder.struct().field("id", INT32_SCHEMA).field("id", STRING_SCHEMA)
    with pytest.raises(DataError, match="Cannot create fields on type ARRAY"):
        SchemaBuilder.array(INT32_SCHEMA).field("x", INT32_SCHEMA)


def test_logical_schemas_match_connect() -> None:
    assert Decimal.schema(2).parameters == {"scale": "2"}
    assert Decimal.schema(2).name == "org.apache.kafka.connect.data.Decimal"
    assert Date.SCHEMA.type is Type.INT32
    assert Timestamp.SCHEMA.version == 1
    Timestamp.SCHEMA.validate_value(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(DataError):
        Date.SCHEMA.validate_value(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))


def test_default_is_validated_and_used_by_get() -> None:
    with_default = SchemaBuilder(Type.STRING).optional().default_value("n/a").build()
    schema = SchemaBuilder.struct().field("s", with_default).build()
    assert Struct(schema).get("s") == "n/a"
    with pytest.raises(DataError):
        SchemaBuilder(Type.INT8).default_value(1000).build()


def test_struct_repr_prints_values_as_java_string_value_of() -> None:
    schema = (
        SchemaBuilder.struct()
        .field("active", BOOLEAN_SCHEMA)
        .field("ratio", FLOAT64_SCHEMA)
        .field("tags", SchemaBuilder.array(STRING_SCHEMA).build())
        .field("note", OPTIONAL_STRING_SCHEMA)
        .build()
    )
    s = Struct(schema).put("active", False).put("ratio", 1e10).put("tags", ["a", "b"])
    # Java: Struct{active=false,ratio=1.0E10,tags=[a, b]} (null `note` omitted).
    assert repr(s) == "Struct{active=false,ratio=1.0E10,tags=[a, b]}"
