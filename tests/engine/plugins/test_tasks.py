"""Task class names: bundled tasks by Connect's Java names, plugin tasks by their entry points."""

import logging
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from connectors.file import FileStreamSinkConnector, FileStreamSourceConnector
from connectors.tools import (
    MockSinkConnector,
    MockSourceConnector,
    VerifiableSinkConnector,
    VerifiableSourceConnector,
)
from engine.api import Connector, SourceTask
from engine.errors import ConnectError
from engine.plugins import load_class
from engine.plugins.tasks import TASK_ENTRY_POINT_GROUP, task_class_name, task_class_path

# The names Connect's Worker writes for its own connectors' tasks (`taskClass().getName()` in
# Kafka's connect/file and connect/test-plugins).
JAVA_TASKS = [
    (FileStreamSourceConnector, "org.apache.kafka.connect.file.FileStreamSourceTask"),
    (FileStreamSinkConnector, "org.apache.kafka.connect.file.FileStreamSinkTask"),
    (MockSourceConnector, "org.apache.kafka.connect.tools.MockSourceTask"),
    (MockSinkConnector, "org.apache.kafka.connect.tools.MockSinkTask"),
    (VerifiableSourceConnector, "org.apache.kafka.connect.tools.VerifiableSourceTask"),
    (VerifiableSinkConnector, "org.apache.kafka.connect.tools.VerifiableSinkTask"),
]

TASK_MODULE = """
from engine.api import SourceTask

class AcmeSourceTask(SourceTask):
    def version(self): return "1.0"
    def start(self, props): pass
    def poll(self): return []
    def stop(self): pass

class NotATask:
    pass
"""


class LocalTask(SourceTask):
    """A task no entry point names."""

    def version(self) -> str:
        return "0"

    def start(self, props: Mapping[str, str]) -> None:
        return None

    def poll(self) -> None:
        return None

    def stop(self) -> None:
        return None


@pytest.mark.parametrize(("connector", "java_name"), JAVA_TASKS, ids=[j for _, j in JAVA_TASKS])
def test_bundled_tasks_are_named_and_found_by_their_java_names(
    connector: type[Connector], java_name: str
) -> None:
    # The installed entry points: `make setup` reinstalls the package when pyproject.toml changes.
    task = connector().task_class()
    assert task_class_name(task) == java_name
    assert load_class(task_class_path(java_name)) is task


def test_a_plugin_distribution_names_its_tasks_through_entry_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    location = tmp_path / "acme"
    (location / "acme_kc_tasks").mkdir(parents=True)
    (location / "acme_kc_tasks" / "__init__.py").write_text(TASK_MODULE)
    dist_info = location / "acme_kc_tasks-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-kc-tasks\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text(
        f"[{TASK_ENTRY_POINT_GROUP}]\n"
        "com.acme.AcmeSourceTask = acme_kc_tasks:AcmeSourceTask\n"
        "com.acme.NotATask = acme_kc_tasks:NotATask\n"
        "com.acme.GoneTask = no_such_module_kc:GoneTask\n"
    )
    # Where PluginRegistry.discover puts a plugin.path location.
    monkeypatch.setattr(sys, "path", [*sys.path, str(location)])
    assert task_class_path("com.acme.AcmeSourceTask") == "acme_kc_tasks:AcmeSourceTask"
    task = load_class("acme_kc_tasks:AcmeSourceTask")
    with caplog.at_level(logging.ERROR, logger="engine.plugins"):
        assert task_class_name(task) == "com.acme.AcmeSourceTask"
    # The broken entries are reported and name nothing; the others still work.
    messages = [r.getMessage() for r in caplog.records]
    assert any("`com.acme.NotATask`" in m and "is not a Task" in m for m in messages)
    assert any("`com.acme.GoneTask`" in m and "could not be loaded" in m for m in messages)
    assert task_class_name(FileStreamSourceConnector().task_class()).startswith("org.apache.")


def test_a_task_without_a_java_name_keeps_its_python_name() -> None:
    name = task_class_name(LocalTask)
    assert name == f"{__name__}:LocalTask"
    assert task_class_path(name) == name
    assert load_class(task_class_path(name)) is LocalTask


def test_an_unknown_java_task_name_fails_in_connects_words() -> None:
    with pytest.raises(ConnectError) as raised:
        task_class_path("com.example.MissingTask")
    # Connect compat: the ConfigException of TaskConfig.getClass("task.class").
    assert str(raised.value) == (
        "Invalid value com.example.MissingTask for configuration task.class: "
        "Class com.example.MissingTask could not be found."
    )
