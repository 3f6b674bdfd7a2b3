"""Config keys declared once: parsing, Connect's error texts, validation and secrets."""

import re

import pytest

from engine.api.config import (
    NO_DEFAULT,
    WIDTHS,
    ConfigKey,
    ConfigSpec,
    ConfigType,
    Password,
    at_least,
    between,
    non_empty_string,
    one_of,
)
from engine.errors import ConfigError

SPEC = ConfigSpec.of(
    [
        ConfigKey("name", ConfigType.STRING, "Connector name.", validator=non_empty_string),
        ConfigKey("tasks.max", ConfigType.INT, "Maximum tasks.", default=1, validator=at_least(1)),
        ConfigKey("enabled", ConfigType.BOOLEAN, "On or off.", default=True),
        ConfigKey("topics", ConfigType.LIST, "Topics.", default=""),
        ConfigKey(
            "mode", ConfigType.STRING, "Mode.", default="bulk", validator=one_of("bulk", "incrementing")
        ),
        ConfigKey("ratio", ConfigType.DOUBLE, "Ratio.", default=0.5, validator=between(0, 1)),
        ConfigKey("connection.password", ConfigType.PASSWORD, "Secret.", default=None),
        ConfigKey("offset", ConfigType.LONG, "Offset.", default=0),
    ]
)


def test_parse_fills_defaults_and_types() -> None:
    values = SPEC.parse({"name": " c1 ", "tasks.max": "3", "enabled": "FALSE", "topics": " a, b ,c "})
    assert values == {
        "name": "c1",
        "tasks.max": 3,
        "enabled": False,
        "topics": ["a", "b", "c"],
        "mode": "bulk",
        "ratio": 0.5,
        "connection.password": None,
        "offset": 0,
    }


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({}, 'Missing required configuration "name" which has no default value.'),
        (
            {"name": "c", "tasks.max": "x"},
            "Invalid value x for configuration tasks.max: Not a number of type INT",
        ),
        (
            {"name": "c", "tasks.max": "0"},
            "Invalid value 0 for configuration tasks.max: Value must be at least 1",
        ),
        ({"name": "c", "tasks.max": str(2**31)}, "Not a number of type INT"),
        ({"name": "c", "enabled": "yes"}, "Expected value to be either true or false"),
        (
            {"name": "c", "mode": "x"},
            "Invalid value x for configuration mode: String must be one of: bulk, incrementing",
        ),
        ({"name": "c", "ratio": "2"}, "Value must be no more than 1"),
        ({"name": " "}, "String must be non-empty"),
    ],
)
def test_connect_error_texts(props: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        SPEC.parse(props)
    assert message in str(info.value)


def test_validate_collects_every_problem() -> None:
    results = {
        key.name: (value, errors) for key, value, errors in SPEC.validate({"tasks.max": "0", "mode": "x"})
    }
    assert results["name"][1] == ['Missing required configuration "name" which has no default value.']
    assert results["tasks.max"] == (
        "0",
        ["Invalid value 0 for configuration tasks.max: Value must be at least 1"],
    )
    assert results["enabled"] == (True, [])


def test_passwords_are_hidden() -> None:
    values = SPEC.parse({"name": "c", "connection.password": "s3cret"})
    secret = values["connection.password"]
    assert isinstance(secret, Password)
    assert secret.value == "s3cret"
    assert "s3cret" not in repr(values)
    assert SPEC.keys["connection.password"].to_text(secret) == "[hidden]"
    assert SPEC.secret_keys() == ["connection.password"]


def test_defining_a_key_twice_or_an_invalid_default_fails() -> None:
    with pytest.raises(ValueError, match="defined twice"):
        ConfigSpec.of([ConfigKey("a", ConfigType.INT, ""), ConfigKey("a", ConfigType.INT, "")])
    with pytest.raises(ConfigError):
        ConfigSpec.of([ConfigKey("a", ConfigType.INT, "", default=0, validator=at_least(1))])
    assert ConfigKey("b", ConfigType.INT, "").required
    assert ConfigKey("b", ConfigType.INT, "", default=NO_DEFAULT).required


def test_width_defaults_to_none_and_must_be_a_connect_width() -> None:
    assert ConfigKey("a", ConfigType.INT, "").width == "NONE"
    assert [ConfigKey("a", ConfigType.INT, "", width=w).width for w in WIDTHS] == [
        "NONE",
        "SHORT",
        "MEDIUM",
        "LONG",
    ]
    with pytest.raises(
        ValueError, match=re.escape("Configuration a has width 'WIDE', not one of NONE, SHORT, MEDIUM, LONG.")
    ):
        ConfigKey("a", ConfigType.INT, "", width="WIDE")
    with pytest.raises(ValueError, match="width 'short'"):
        ConfigKey("a", ConfigType.INT, "", width="short")
