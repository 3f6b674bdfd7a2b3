"""`engine.localkafka.jars`: resolving the broker jars with the real Maven, once."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from engine.localkafka import KAFKA_VERSION, LocalKafkaError, default_cache_dir, resolve_jars

# Every artifact that binds SLF4J 1.x or 2.x to a logging backend.
_SLF4J_BINDINGS = (
    "log4j-slf4j-impl-",
    "log4j-slf4j2-impl-",
    "slf4j-reload4j-",
    "slf4j-log4j12-",
    "slf4j-simple-",
    "slf4j-nop-",
    "slf4j-jdk14-",
    "logback-classic-",
)


def jar_names(libs: Path) -> set[str]:
    return {path.name for path in libs.glob("*.jar")}


@pytest.fixture
def no_maven(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A PATH on which no `mvn` can be found."""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def test_resolves_the_broker_with_exactly_one_slf4j_binding() -> None:
    names = jar_names(resolve_jars())
    assert f"kafka_2.13-{KAFKA_VERSION}.jar" in names
    assert f"kafka-clients-{KAFKA_VERSION}.jar" in names
    bindings = sorted(name for name in names if name.startswith(_SLF4J_BINDINGS))
    assert len(bindings) == 1, bindings
    # Kafka 4.x still uses slf4j-api 1.7, which only loads the 1.x binding.
    assert bindings[0].startswith("log4j-slf4j-impl-")
    log4j_version = bindings[0].removeprefix("log4j-slf4j-impl-")
    assert {f"log4j-api-{log4j_version}", f"log4j-core-{log4j_version}"} <= names


def test_second_call_is_served_from_the_cache_without_maven(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    libs = resolve_jars()
    # With no mvn on PATH, any attempt to run Maven again would raise.
    monkeypatch.setenv("PATH", str(tmp_path))
    assert resolve_jars() == libs


def test_missing_maven_is_a_one_line_error(no_maven: None, tmp_path: Path) -> None:
    with pytest.raises(LocalKafkaError) as caught:
        resolve_jars(cache_dir=tmp_path / "libs")
    message = str(caught.value)
    assert "\n" not in message
    assert "`mvn`" in message
    assert "run `make` or `apt-get install maven`" in message
    assert not (tmp_path / "libs").exists()


def test_maven_failure_carries_mavens_error_and_leaves_no_cache(tmp_path: Path) -> None:
    libs = tmp_path / "libs"
    with pytest.raises(LocalKafkaError) as caught:
        resolve_jars("0.0.1-kconnect-missing", cache_dir=libs)
    error = caught.value
    assert error.message.startswith(
        "Maven could not resolve the Kafka 0.0.1-kconnect-missing jars (exit code "
    )
    # Maven's own line names the artifact it could not get.
    assert any("kafka_2.13" in line and "0.0.1-kconnect-missing" in line for line in error.tail), error.tail
    assert not any("Re-run Maven" in line for line in error.tail)
    assert sorted(path.name for path in tmp_path.iterdir()) == [".libs.lock"]


def test_concurrent_callers_get_one_complete_cache(tmp_path: Path) -> None:
    libs = tmp_path / "libs"
    results: list[Path] = []
    errors: list[BaseException] = []

    def resolve() -> None:
        try:
            results.append(resolve_jars(cache_dir=libs))
        except BaseException as exc:  # noqa: BLE001 - collected for the assert in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=resolve) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    assert results == [libs, libs, libs]
    assert jar_names(libs) == jar_names(resolve_jars())
    assert sorted(path.name for path in tmp_path.iterdir()) == [".libs.lock", "libs"]


def test_refuses_to_fill_a_directory_it_did_not_create(tmp_path: Path) -> None:
    libs = tmp_path / "libs"
    libs.mkdir()
    (libs / "mine.txt").write_text("keep me")
    with pytest.raises(LocalKafkaError, match="already exists and was not filled by kconnect"):
        resolve_jars(cache_dir=libs)
    assert (libs / "mine.txt").read_text() == "keep me"


def test_rejects_a_version_that_is_not_a_maven_version(tmp_path: Path) -> None:
    with pytest.raises(LocalKafkaError, match=r"invalid Kafka version '\.\./4\.4\.0'"):
        resolve_jars("../4.4.0", cache_dir=tmp_path / "libs")


def test_default_cache_dir_follows_xdg_cache_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir("4.4.0") == tmp_path / "kconnect" / "kafka-4.4.0" / "libs"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir("4.4.0") == tmp_path / "home" / ".cache" / "kconnect" / "kafka-4.4.0" / "libs"
