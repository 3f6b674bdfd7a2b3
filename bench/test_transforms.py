"""Transform throughput: the native RegexRouter over a batch against Python's `re` doing the same work.

Run with `make bench`; in `make test` each benchmark runs once as a smoke test.
"""

import re

import pytest

from engine.transforms import RegexRouter

TOPICS = [f"prod.customers_{i % 50}" if i % 3 else f"other-{i}" for i in range(10_000)]
PATTERN = r"prod\.(.*)_(\d+)"
REPLACEMENT_JAVA = "$1-v$2"
REPLACEMENT_PY = r"\1-v\2"


def python_route_batch(pattern: re.Pattern[str], topics: list[str]) -> list[str]:
    out = []
    for topic in topics:
        match = pattern.fullmatch(topic)
        out.append(match.expand(REPLACEMENT_PY) if match else topic)
    return out


@pytest.mark.benchmark(group="regex-router-10k")
def test_native_route_batch(benchmark: pytest.FixtureRequest) -> None:
    router = RegexRouter(regex=PATTERN, replacement=REPLACEMENT_JAVA)
    result = benchmark(router.route_batch, TOPICS)
    assert result == python_route_batch(re.compile(PATTERN), TOPICS)


@pytest.mark.benchmark(group="regex-router-10k")
def test_python_re_route_batch(benchmark: pytest.FixtureRequest) -> None:
    pattern = re.compile(PATTERN)
    result = benchmark(python_route_batch, pattern, TOPICS)
    assert result[1] == "customers-v1"
