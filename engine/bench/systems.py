"""The systems a benchmark compares: how each one is launched for a planned scenario.

``kconnect`` and ``connect-java`` get the same worker and connector
``.properties`` files (the harness adds the broker, a free REST port and a
fresh offsets file); ``raw`` gets the scenario's raw job. Each system runs as
its own process tree, which the harness samples and stops.
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from engine.bench.connectjars import resolve_connect_jars
from engine.bench.errors import BenchError
from engine.bench.scenarios import BenchContext, Plan
from engine.config import properties
from engine.localkafka import LocalKafkaError

__all__ = ["SYSTEMS", "ConnectJava", "Kconnect", "Launch", "Raw", "System", "system_names"]

# Same as Connect's connect-standalone.properties example; the harness never waits on it.
OFFSET_FLUSH_INTERVAL_MS = "10000"
_CONNECT_MAIN = "org.apache.kafka.connect.cli.ConnectStandalone"
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
    """How to start one system: its command line and, for workers, the REST root to probe."""

    command: list[str]
    rest_url: str | None = None


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


def worker_properties(plan: Plan, context: BenchContext, workdir: Path, rest_port: int) -> dict[str, str]:
    """The standalone worker properties both workers get, overrides last."""
    return {
        "bootstrap.servers": context.bootstrap,
        "listeners": f"http://127.0.0.1:{rest_port}",
        "offset.storage.file.filename": str(workdir / "offsets"),
        "offset.flush.interval.ms": OFFSET_FLUSH_INTERVAL_MS,
        **plan.worker,
        **context.settings.worker_properties,
    }


def write_properties(plan: Plan, context: BenchContext, workdir: Path, rest_port: int) -> list[str]:
    """Write ``worker.properties`` and one ``connector-N.properties`` per connector; return their paths."""
    worker = workdir / "worker.properties"
    worker.write_text(properties.dumps(worker_properties(plan, context, workdir, rest_port)))
    paths = [str(worker)]
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


class Kconnect:
    name = "kconnect"

    def prepare(self) -> None:
        return None

    def launch(self, plan: Plan, context: BenchContext, workdir: Path, rest_port: int) -> Launch:
        files = write_properties(plan, context, workdir, rest_port)
        return Launch(
            [sys.executable, "-m", "engine", "standalone", *files], rest_url=f"http://127.0.0.1:{rest_port}/"
        )


class ConnectJava:
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

    def launch(self, plan: Plan, context: BenchContext, workdir: Path, rest_port: int) -> Launch:
        if self._java is None or self._libs is None:
            self.prepare()
        files = write_properties(plan, context, workdir, rest_port)
        command = [
            str(self._java),
            *_JAVA_OPTIONS,
            f"-Dlog4j2.configurationFile={_CONNECT_LOG4J}",
            "-cp",
            f"{self._libs}/*",
            _CONNECT_MAIN,
            *files,
        ]
        return Launch(command, rest_url=f"http://127.0.0.1:{rest_port}/")


SYSTEMS: dict[str, type[Raw] | type[Kconnect] | type[ConnectJava]] = {
    "kconnect": Kconnect,
    "connect-java": ConnectJava,
    "raw": Raw,
}


def system_names() -> list[str]:
    return list(SYSTEMS)
