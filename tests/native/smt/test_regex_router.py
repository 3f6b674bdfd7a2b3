"""The native RegexRouter seen from Python: batch routing and errors at the boundary."""

import pytest

from engine.transforms import RegexRouter


def test_route_batch_renames_matching_topics_and_keeps_the_rest() -> None:
    router = RegexRouter(regex="(.*)-(.*)-(.*)", replacement="$3")
    assert router.route_batch(["my-kafka-topic", "plain", "a-b-c"]) == ["topic", "plain", "c"]


def test_unmatched_topics_are_the_same_objects() -> None:
    # Nothing is copied for records the transform does not touch.
    topic = "".join(["un", "touched"])
    (routed,) = RegexRouter(regex="x(.*)", replacement="$1").route_batch([topic])
    assert routed is topic


def test_java_replacement_syntax() -> None:
    router = RegexRouter(regex=r"(?<env>prod|dev)\.(.*)", replacement=r"${env}_\$_$2")
    assert router.route_batch(["prod.orders", "qa.orders"]) == ["prod_$_orders", "qa.orders"]


def test_bad_replacement_is_a_value_error_naming_the_key() -> None:
    with pytest.raises(ValueError, match=r"Invalid value \$2 for configuration replacement: No group 2"):
        RegexRouter(regex="(x)", replacement="$2")


def test_non_string_topic_is_a_type_error() -> None:
    router = RegexRouter(regex="(.*)", replacement="$1")
    with pytest.raises(TypeError):
        router.route_batch(["ok", 42])  # type: ignore[list-item]  # the boundary must reject it


def test_empty_batch() -> None:
    assert RegexRouter(regex="(.*)", replacement="$1").route_batch([]) == []
