"""`/admin/loggers` over Python logging."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from engine.logger_levels import LOG4J_LEVELS, Loggers, log4j_level_name

NOW = 1_700_000_000_000


@pytest.fixture
def tree() -> Iterator[list[logging.Logger]]:
    """A private logger tree; levels are restored afterwards."""
    names = ["kct", "kct.a", "kct.a.b", "kctx", "other.kct"]
    loggers = [logging.getLogger(name) for name in names]
    root_level = logging.root.level
    for logger in loggers:
        logger.setLevel(logging.NOTSET)
    yield loggers
    for logger in loggers:
        logger.setLevel(logging.NOTSET)
    logging.root.setLevel(root_level)


def test_level_names_map_both_ways() -> None:
    assert LOG4J_LEVELS["TRACE"] == logging.DEBUG - 5
    assert LOG4J_LEVELS["FATAL"] == logging.CRITICAL
    for name, value in LOG4J_LEVELS.items():
        assert log4j_level_name(value) == name
    assert log4j_level_name(15) == "DEBUG"
    assert log4j_level_name(0) == "ALL"


def test_set_level_applies_to_prefix_matches(call: Any, tree: list[logging.Logger]) -> None:
    reply = call("PUT", "/admin/loggers/kct", {"level": "debug"})
    assert reply.status == 200
    # Connect compat: plain prefix, so `kctx` is included and `other.kct` is not.
    assert reply.body == ["kct", "kct.a", "kct.a.b", "kctx"]
    # Children already inheriting the level are left unset, as log4j's are.
    assert logging.getLogger("kct.a.b").getEffectiveLevel() == logging.DEBUG
    assert logging.getLogger("kctx").level == logging.DEBUG
    assert logging.getLogger("other.kct").level == logging.NOTSET
    assert call("GET", "/admin/loggers/kct").body == {"level": "DEBUG", "last_modified": NOW}
    assert call("GET", "/admin/loggers/kct.a").body == {"level": "DEBUG", "last_modified": None}
    listed = call("GET", "/admin/loggers").body
    assert listed["kct"] == {"level": "DEBUG", "last_modified": NOW}
    assert "root" in listed
    assert list(listed) == sorted(listed)


def test_set_level_creates_missing_namespace(call: Any, tree: list[logging.Logger]) -> None:
    name = "kct.fresh.namespace"
    assert call("GET", f"/admin/loggers/{name}").status == 404
    assert call("PUT", f"/admin/loggers/{name}", {"level": "TRACE"}).body == [name]
    assert logging.getLogger(name).level == LOG4J_LEVELS["TRACE"]
    assert call("GET", f"/admin/loggers/{name}").body["level"] == "TRACE"


def test_get_unset_logger_reports_effective_level_without_last_modified(
    call: Any, tree: list[logging.Logger]
) -> None:
    logging.getLogger("kct").setLevel(logging.ERROR)
    assert call("GET", "/admin/loggers/kct.a").body == {"level": "ERROR", "last_modified": None}
    assert call("GET", "/admin/loggers/ROOT").body["last_modified"] is None


def test_unknown_logger_answers_404(call: Any) -> None:
    reply = call("GET", "/admin/loggers/no.such.logger.anywhere")
    assert reply.body == {"error_code": 404, "message": "Logger no.such.logger.anywhere not found."}


def test_bad_requests(call: Any, tree: list[logging.Logger]) -> None:
    reply = call("PUT", "/admin/loggers/kct", {"lvl": "DEBUG"})
    assert reply.body == {
        "error_code": 400,
        "message": "Desired 'level' parameter was not specified in request.",
    }
    reply = call("PUT", "/admin/loggers/kct", {"level": "LOUD"})
    assert reply.body == {"error_code": 404, "message": "invalid log level 'LOUD'."}


def test_cluster_scope_answers_204_and_applies_locally(call: Any, tree: list[logging.Logger]) -> None:
    reply = call("PUT", "/admin/loggers/kct.a?scope=Cluster", {"level": "OFF"})
    assert (reply.status, reply.raw) == (204, b"")
    assert logging.getLogger("kct.a.b").getEffectiveLevel() == LOG4J_LEVELS["OFF"]
    reply = call("PUT", "/admin/loggers/kct.a?scope=galaxy", {"level": "WARN"})
    assert (reply.status, reply.body) == (200, ["kct.a", "kct.a.b"])


def test_setting_the_same_level_keeps_last_modified(tree: list[logging.Logger]) -> None:
    ticks = iter([1, 2, 3])
    loggers = Loggers(clock_ms=lambda: next(ticks))
    loggers.set_level("kct.a", "INFO")
    loggers.set_level("kct.a", "info")
    level = loggers.level("kct.a")
    assert level is not None
    assert (level.level, level.last_modified) == ("INFO", 1)


def test_root_namespace_sets_every_logger(tree: list[logging.Logger]) -> None:
    loggers = Loggers(clock_ms=lambda: NOW)
    before = {
        name: lg.level
        for name, lg in logging.root.manager.loggerDict.items()
        if isinstance(lg, logging.Logger)
    }
    try:
        affected = loggers.set_level("root", "ERROR")
        assert "root" in affected and "kct.a.b" in affected
        assert logging.root.level == logging.ERROR
    finally:
        for name, level in before.items():
            logging.getLogger(name).setLevel(level)
