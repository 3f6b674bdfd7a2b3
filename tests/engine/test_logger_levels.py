"""What `Loggers` remembers and announces, so task processes can follow the worker's levels."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from engine.logger_levels import Loggers


@pytest.fixture
def tree() -> Iterator[None]:
    """A private logger tree; levels are restored afterwards."""
    names = ["kll", "kll.a", "kll.a.b"]
    for name in names:
        logging.getLogger(name).setLevel(logging.NOTSET)
    yield
    for name in names:
        logging.getLogger(name).setLevel(logging.NOTSET)


def test_settings_keep_the_order_of_each_namespaces_last_change(tree: None) -> None:
    loggers = Loggers(clock_ms=lambda: 1)
    loggers.set_level("kll.a", "debug")
    loggers.set_level("kll", "WARN")
    loggers.set_level("kll.a", "error")
    # Upper-cased; `kll.a` moved behind `kll` because its last change came later.
    assert loggers.settings() == [("kll", "WARN"), ("kll.a", "ERROR")]


def test_replaying_settings_elsewhere_gives_the_same_levels(tree: None) -> None:
    here = Loggers(clock_ms=lambda: 1)
    here.set_level("kll.a.b", "DEBUG")
    here.set_level("kll", "ERROR")  # overrides kll.a.b, which exists
    here.set_level("kll.a", "INFO")  # and kll.a.b again
    expected = {name: logging.getLogger(name).level for name in ("kll", "kll.a", "kll.a.b")}
    for name in expected:
        logging.getLogger(name).setLevel(logging.NOTSET)
    elsewhere = Loggers(clock_ms=lambda: 1)
    for namespace, level in here.settings():
        elsewhere.set_level(namespace, level)
    assert {name: logging.getLogger(name).level for name in expected} == expected
    assert expected["kll.a.b"] == logging.INFO


def test_subscribers_hear_every_change(tree: None) -> None:
    heard: list[tuple[str, str]] = []
    loggers = Loggers(clock_ms=lambda: 1)
    loggers.subscribe(lambda namespace, level: heard.append((namespace, level)))
    loggers.set_level("kll", "trace")
    loggers.set_level("kll", "TRACE")  # unchanged level: still announced, processes may differ
    assert heard == [("kll", "TRACE"), ("kll", "TRACE")]
