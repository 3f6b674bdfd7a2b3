"""The systems a benchmark compares: how each one is launched for a planned scenario.

``kconnect`` and ``connect-java`` get the same worker and connector
properties (the harness adds the broker, a free REST port, and a fresh
offsets file or, in distributed mode, a fresh group and internal topics);
in standalone mode the connectors are ``.properties`` files on the command
line, in distributed mode the harness submits them over REST. ``raw`` gets
the scenario's raw job in both modes. Each system runs as its own process
tree, which the harness samples and stops.
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from engine.bench.connectjars import resolve_connect_jars
from engine.bench.errors import BenchError
from engine.bench.scenarios import BenchContext, Plan
from engine.config import properties
from engine.localkafka import LocalKafkaError

__all__ = [
    "SYSTEMS",
    "ConnectJava",
    "Kconnect",
    "Launch",
    "Raw",
    "System",
    "system_names",
    "worker_properties",
    "write_properties",
]

# Same as Connect's connect-standalone.properties example; the harness never waits on it.
OFFSET_FLUSH_INTERVAL_MS = "10000"
# One local broker: the internal topics cannot have Connect's default of three replicas.
_INTERNAL_TOPICS_REPLICATION = "1"
_CONNECT_MAINS = {
    "standalone": "org.apache.kafka.connect.cli.ConnectStandalone",
    "distributed": "org.apache.kafka.connect.cli.ConnectDistributed",
}
_CONNECT_LOG4J = Path(__file__).with_name("connect-log4j2.properties")
# connect-standalone.sh defaults to -Xms256M -Xmx2G; 512 MiB is ample for these scenarios and
# keeps the JVM from sizing its heap from the machine's RAM.
_JAVA_OPTIONS = (
    "-Xms256m",
    "-Xmx512m",
    "-server",
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent",
    "-XX:MaxInlineLevel=15",
    "-Djava.awt.headless=true",
    "-XX:+ExitOnOutOfMemoryError",
)


@dataclass(frozen=True)
class Launch:
    """How to start one system.

    Attributes:
        command: The command line.
        rest_url: The worker's REST root, probed for readiness (``None``: not a worker).
        connectors: Connector configs to ``POST /connectors`` once the REST root
            answers (distributed mode); empty when the command line carries them.
    """

    command: list[str]
    rest_url: str | None = None
    connectors: tuple[dict[str, str], ...] = field(default=())


class System(Protocol):
    """One benchmarked system."""

    name: str

    def prepare(self) -> None:
        """Get ready once per run, outside any measurement (e.g. resolve jars).

        Raises:
            BenchError: The system cannot run here; the message says why.
        """
        ...

    def launch(self, plan: Plan, context: BenchContext, workdir: Path, rest_port: int) -> Launch: ...


def _mode_properties(context: BenchContext, system: str, workdir: Path) -> dict[str, str]:
    if context.settings.mode == "standalone":
        return {"offset.storage.file.filename": str(workdir / "offsets")}
    # A cluster of its own per run and system: nothing left by an earlier run (configs, offsets,
    # a previous member) can be read back.
    return {
        "group.id": context.name(f"{system}-cluster"),
        "config.storage.topic": context.name(f"{system}-configs"),
        "offset.storage.topic": context.name(f"{system}-offsets"),
        "status.storage.topic": context.name(f"{system}-status"),
        "config.storage.replication.factor": _INTERNAL_TOPICS_REPLICATION,
        "offset.storage.replication.factor": _INTERNAL_TOPICS_REPLICATION,
        "status.storage.replication.factor": _INTERNAL_TOPICS_REPLICATION,
    }


def worker_properties(
    plan: Plan, context: BenchContext, system: str, workdir: Path, rest_port: int
) -> dict[str, str]:
    """The worker properties both workers get in the run's mode, overrides last."""
    return {
        "bootstrap.servers": context.bootstrap,
        "listeners": f"http://127.0.0.1:{rest_port}",
        **_mode_properties(context, system, workdir),
        "offset.flush.interval.ms": OFFSET_FLUSH_INTERVAL_MS,
        **plan.worker,
        **context.settings.worker_properties,
    }


def write_properties(
    plan: Plan, context: BenchContext, system: str, workdir: Path, rest_port: int
) -> list[str]:
    """Write ``worker.properties`` and, standalone, one ``connector-N.properties`` per connector.

    Returns:
        The files' paths, in the order a worker's command line takes them.
    """
    worker = workdir / "worker.properties"
    worker.write_text(properties.dumps(worker_properties(plan, context, system, workdir, rest_port)))
    paths = [str(worker)]
    if context.settings.mode == "distributed":
        return paths  # a distributed worker takes its connectors over REST only
    for index, connector in enumerate(plan.connectors):
        path = workdir / f"connector-{index}.properties"
        path.write_text(properties.dumps(connector))
        paths.append(str(path))
    return paths


class Raw:
    name = "raw"

    def prepare(self) -> None:
        return None

    def launch(self, plan: Plan, context: BenchContext, workdir: Path, rest_port: int) -> Launch:
        job = workdir / "raw-job.json"
        job.write_text(json.dumps(plan.raw_job, indent=2))
        return Launch([sys.executable, "-m", "engine.bench.raw", str(job)])


class _Worker:
    """What both workers share: the properties files, the REST root, connectors by file or over REST."""

    name = ""

    def prepare(self) -> None:
        return None

    def launch(self, plan: Plan, context: BenchContext, workdir: Path, rest_port: int) -> Launch:
        mode = context.settings.mode
        files = write_properties(plan, context, self.name, workdir, rest_port)
        return Launch(
            [*self.command(mode), *files],
            rest_url=f"http://127.0.0.1:{rest_port}/",
            connectors=tuple(plan.connectors) if mode == "distributed" else (),
        )

    def command(self, mode: str) -> list[str]:
        """The worker's command line for ``mode``, without the properties files."""
        raise NotImplementedError


class Kconnect(_Worker):
    name = "kconnect"

    def command(self, mode: str) -> list[str]:
        return [sys.executable, "-m", "engine", mode]


class ConnectJava(_Worker):
    name = "connect-java"

    def __init__(self) -> None:
        self._java: str | None = None
        self._libs: Path | None = None

    def prepare(self) -> None:
        self._java = shutil.which("java")
        if self._java is None:
            raise BenchError("`java` (17+) is not installed; it is needed to run Apache Kafka Connect")
        try:
            self._libs = resolve_connect_jars()
        except LocalKafkaError as exc:
            raise BenchError(str(exc)) from exc

    def command(self, mode: str) -> list[str]:
        if self._java is None or self._libs is None:
            self.prepare()
        return [
            str(self._java),
            *_JAVA_OPTIONS,
            f"-Dlog4j2.configurationFile={_CONNECT_LOG4J}",
            "-cp",
            f"{self._libs}/*",
            _CONNECT_MAINS[mode],
        ]


SYSTEMS: dict[str, type[Raw] | type[Kconnect] | type[ConnectJava]] = {
    "kconnect": Kconnect,
    "connect-java": ConnectJava,
    "raw": Raw,
}


def system_names() -> list[str]:
    return list(SYSTEMS)
