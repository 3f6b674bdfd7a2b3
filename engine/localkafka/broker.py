"""A real single-node Apache Kafka broker (KRaft) for local runs and tests.

`LocalKafka` runs the unmodified Apache Kafka broker from the Maven Central
jars (`engine.localkafka.jars`) as one combined broker+controller process
listening on 127.0.0.1 only. It owns one state directory::

    <dir>/server.properties   rewritten on every start from the constructor args
    <dir>/data/               log.dirs: the topics and the KRaft metadata log
    <dir>/broker.log          the JVM's stdout/stderr (Log4j at WARN)
    <dir>/broker.pid          present while the broker runs
    <dir>/broker.lock         serialises start/stop across processes

The broker is detached (its own session), so it outlives the Python process
that started it: ``kconnect kafka start`` returns while the broker keeps
running, and any later `LocalKafka` on the same directory finds it through
the pid file. Several brokers run side by side when each has its own
directory and ports (MirrorMaker tests need two clusters).
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from engine.localkafka import process
from engine.localkafka.errors import LocalKafkaError
from engine.localkafka.jars import resolve_jars
from engine.localkafka.properties import (
    META_PROPERTIES_FILE,
    new_cluster_id,
    read_client_port,
    read_cluster_id,
    render_server_properties,
)

__all__ = ["BROKER_HOST", "BrokerStatus", "LocalKafka", "default_dir"]

BROKER_HOST = "127.0.0.1"

logger = logging.getLogger("engine.localkafka")

_PROPERTIES_FILE = "server.properties"
_DATA_DIR = "data"
_LOG_FILE = "broker.log"
_PID_FILE = "broker.pid"
_LOCK_FILE = "broker.lock"
_MAIN_CLASS = "kafka.Kafka"
_STORAGE_TOOL = "kafka.tools.StorageTool"
_LOG4J_CONFIG = Path(__file__).with_name("log4j2.properties")
_LOG_TAIL_LINES = 20
_PROBE_INTERVAL_SECONDS = 0.25
# After SIGKILL the kernel still needs a moment to tear the JVM down.
_KILL_WAIT_SECONDS = 10.0
# Same GC/JIT options as Kafka's bin/kafka-run-class.sh, so the broker
# behaves like a stock one. -XX:TieredStopAtLevel=1 was measured as well: it
# saves ~0.5 s of a ~3-4 s start but caps the JIT at C1, which would slow
# the broker down in throughput benchmarks, so it is left out.
_JVM_OPTIONS = (
    "-server",
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent",
    "-XX:MaxInlineLevel=15",
    "-Djava.awt.headless=true",
    # With a small heap, a broker limping on after an OOM is worse for tests
    # than one that exits and shows up as not running.
    "-XX:+ExitOnOutOfMemoryError",
)


@dataclass(frozen=True)
class BrokerStatus:
    """What `LocalKafka.status` found in a state directory.

    Attributes:
        running: A broker process started from this directory is alive.
        pid: Its process id, or ``None`` when not running.
        bootstrap: ``"127.0.0.1:<port>"`` it listens on, or ``None`` when not
            running. The port is the one the running broker was started
            with, which may differ from the `LocalKafka` constructor's.
        dir: The state directory (absolute).
    """

    running: bool
    pid: int | None
    bootstrap: str | None
    dir: Path


def default_dir(port: int = 9092) -> Path:
    """Return the default state directory for the broker on ``port``.

    That is ``$XDG_STATE_HOME/kconnect/kafka-<port>``; ``XDG_STATE_HOME``
    defaults to ``~/.local/state`` (a relative value is ignored, as the XDG
    Base Directory spec requires).
    """
    base = os.environ.get("XDG_STATE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".local" / "state"
    return root / "kconnect" / f"kafka-{port}"


class LocalKafka:
    """One local single-node Kafka broker and its state directory.

    The object holds no process state: every call re-reads the pid file, so
    a `LocalKafka` built in a later process (the CLI's ``stop``) controls a
    broker an earlier one started. Calls on the same directory from several
    threads or processes are serialised by a file lock.

    Args:
        dir: State directory; created by `start`. Data survives restarts.
        port: Client (PLAINTEXT) port on 127.0.0.1.
        controller_port: KRaft controller port on 127.0.0.1. Defaults to
            ``port + 1`` (9092 → 9093), so brokers on 9092 and 9192 get
            9093 and 9193 and never collide.
        heap_mb: JVM heap (``-Xms`` = ``-Xmx``) in MiB. 256 is enough for
            tests and keeps two brokers affordable on a 2-core box.

    Raises:
        LocalKafkaError: A port is out of range, the two ports are equal, or
            ``heap_mb`` is not positive.
    """

    def __init__(
        self,
        dir: Path,
        port: int = 9092,
        controller_port: int | None = None,
        heap_mb: int = 256,
    ) -> None:
        if controller_port is None:
            controller_port = port + 1
        for name, value in (("port", port), ("controller port", controller_port)):
            if not 1 <= value <= 65535:
                raise LocalKafkaError(f"{name} {value} is out of range 1-65535")
        if controller_port == port:
            raise LocalKafkaError(f"the controller port must differ from the broker port {port}")
        if heap_mb <= 0:
            raise LocalKafkaError(f"the heap size must be a positive number of MiB, not {heap_mb}")
        self.dir = Path(dir).expanduser().resolve()
        self.port = port
        self.controller_port = controller_port
        self.heap_mb = heap_mb

    def __repr__(self) -> str:
        return f"LocalKafka(dir={str(self.dir)!r}, port={self.port}, controller_port={self.controller_port})"

    @property
    def bootstrap(self) -> str:
        """``"127.0.0.1:<port>"``, the ``bootstrap.servers`` value for clients."""
        return f"{BROKER_HOST}:{self.port}"

    @property
    def log_path(self) -> Path:
        """The broker's log file (JVM stdout and stderr), truncated on each launch."""
        return self.dir / _LOG_FILE

    def start(self, timeout: float = 60.0) -> str:
        """Start the broker unless it already runs, and wait until it answers.

        Idempotent: when the pid file names a live broker of this directory,
        nothing is launched and its bootstrap is returned once it answers a
        metadata request. A stale pid file (process gone, or the pid now
        belongs to something else) is removed silently. The first start
        formats the storage with a fresh cluster id; later starts keep the
        data. Both ports are checked before anything is launched, so a
        port clash fails at once.

        Args:
            timeout: Seconds to wait for the broker to answer. Jar resolution
                (minutes on a cold Maven cache) and storage formatting come
                before and are not counted.

        Returns:
            ``"127.0.0.1:<port>"``.

        Raises:
            LocalKafkaError: ``dir`` cannot be created, a port is taken, this
                directory's broker already runs on a different port, ``java``
                is missing, the jars cannot be resolved, formatting fails, or
                the broker exits or stays silent during startup (the message
                then carries the tail of ``broker.log``, and a broker
                launched by this call is stopped first).
        """
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LocalKafkaError(f"cannot create the broker directory {self.dir}: {exc.strerror}") from None
        with self._locked():
            pid = self._recorded_pid()
            if pid is not None:
                return self._adopt(pid, timeout)
            _check_port_free(self.port, "port")
            _check_port_free(self.controller_port, "controller port")
            java = _which_java()
            libs = resolve_jars()
            properties = render_server_properties(
                host=BROKER_HOST,
                port=self.port,
                controller_port=self.controller_port,
                data_dir=self._data_dir,
            )
            process.write_atomically(self._properties_path, properties)
            self._format_storage(java, libs)
            return self._launch(java, libs, timeout)

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop the broker: SIGTERM for a controlled shutdown, SIGKILL after ``timeout``.

        Args:
            timeout: Seconds to wait for the controlled shutdown (an idle
                single node takes well under a second).

        Returns:
            ``True`` if a broker was running and is now gone; ``False`` if
            none was (a stale pid file is removed).
        """
        if not self.dir.is_dir():
            return False
        with self._locked():
            pid = self._recorded_pid()
            if pid is None:
                return False
            self._terminate(pid, timeout)
            self._pid_path.unlink(missing_ok=True)
            logger.info("Stopped the local Kafka broker.", extra={"pid": pid, "dir": str(self.dir)})
            return True

    def status(self) -> BrokerStatus:
        """Report whether this directory's broker runs, without changing anything.

        A process that is alive but still starting (or hung) counts as
        running; `start` is the call that waits for it to answer.
        """
        pid = process.read_pid(self._pid_path)
        if pid is None or not self._is_our_broker(pid):
            return BrokerStatus(running=False, pid=None, bootstrap=None, dir=self.dir)
        port = read_client_port(self._properties_path)
        bootstrap = f"{BROKER_HOST}:{port}" if port is not None else None
        return BrokerStatus(running=True, pid=pid, bootstrap=bootstrap, dir=self.dir)

    def _adopt(self, pid: int, timeout: float) -> str:
        """Wait for the already-running broker of this directory instead of launching one."""
        port = read_client_port(self._properties_path)
        if port is not None and port != self.port:
            raise LocalKafkaError(
                f"the broker of {self.dir} is already running on {BROKER_HOST}:{port} (pid {pid}); "
                f"stop it before starting it on port {self.port}"
            )
        self._wait_until_ready(pid, time.monotonic() + timeout)
        return self.bootstrap

    def _format_storage(self, java: str, libs: Path) -> None:
        # meta.properties is what the broker itself checks; skipping the tool
        # when it exists saves a JVM start (~1.5 s) on every restart.
        if (self._data_dir / META_PROPERTIES_FILE).is_file():
            return
        command = [
            java,
            "-Xmx128m",
            f"-Dlog4j2.configurationFile={_LOG4J_CONFIG}",
            "-cp",
            f"{libs}/*",
            _STORAGE_TOOL,
            "format",
            "--standalone",
            "--ignore-formatted",
            "-t",
            new_cluster_id(),
            "-c",
            str(self._properties_path),
        ]
        result = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            cwd=self.dir,
            check=False,
        )
        if result.returncode != 0:
            lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
            raise LocalKafkaError(
                f"formatting the broker storage in {self._data_dir} failed (exit code {result.returncode})",
                lines[-_LOG_TAIL_LINES:],
            )

    def _launch(self, java: str, libs: Path, timeout: float) -> str:
        command = [
            java,
            f"-Xms{self.heap_mb}m",
            f"-Xmx{self.heap_mb}m",
            *_JVM_OPTIONS,
            f"-Dkafka.logs.dir={self.dir / 'logs'}",
            f"-Dlog4j2.configurationFile={_LOG4J_CONFIG}",
            "-cp",
            f"{libs}/*",
            _MAIN_CLASS,
            str(self._properties_path),
        ]
        started = time.monotonic()
        with open(self.log_path, "wb") as log:
            # Own session: a Ctrl-C in the terminal that ran `kconnect kafka
            # start` must not reach the broker it left running.
            child = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.dir,
                start_new_session=True,
            )
        process.track(child)
        process.write_atomically(self._pid_path, f"{child.pid}\n")
        try:
            self._wait_until_ready(child.pid, started + timeout)
        except BaseException:
            # Also on KeyboardInterrupt: never leave a half-started broker.
            self._terminate(child.pid, _KILL_WAIT_SECONDS)
            self._pid_path.unlink(missing_ok=True)
            raise
        logger.info(
            "Started the local Kafka broker.",
            extra={
                "bootstrap": self.bootstrap,
                "pid": child.pid,
                "dir": str(self.dir),
                "startup_seconds": round(time.monotonic() - started, 2),
            },
        )
        return self.bootstrap

    def _wait_until_ready(self, pid: int, deadline: float) -> None:
        """Return once the broker answers a metadata request for its own cluster.

        Matching the cluster id guards against declaring victory because
        some other Kafka answered on the port.
        """
        cluster_id = read_cluster_id(self._data_dir)
        admin: AdminClient | None = None
        with process.PidWatch(pid) as watch:
            while True:
                if watch.exited():
                    code = process.reap(pid)
                    how = f" with exit code {code}" if code is not None else ""
                    raise LocalKafkaError(
                        f"the Kafka broker exited{how} during startup; see {self.log_path}",
                        _tail(self.log_path),
                    )
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise LocalKafkaError(
                        f"the Kafka broker (pid {pid}) did not answer on {self.bootstrap} in time; "
                        f"see {self.log_path}",
                        _tail(self.log_path),
                    )
                # A plain connect first: until the socket listens, librdkafka
                # would only log connection-refused noise.
                if _accepts_connections(self.port):
                    if admin is None:
                        # log_level 0: failed probes are expected while starting.
                        admin = AdminClient({"bootstrap.servers": self.bootstrap, "log_level": 0})
                    with suppress(KafkaException):
                        metadata = admin.list_topics(timeout=max(0.5, min(2.0, remaining)))
                        if metadata.cluster_id == cluster_id and metadata.brokers:
                            return
                # Sleeps on the pidfd, so a crash ends the wait at once.
                watch.wait(min(_PROBE_INTERVAL_SECONDS, deadline - time.monotonic()))

    def _terminate(self, pid: int, timeout: float) -> None:
        with process.PidWatch(pid) as watch:
            if watch.exited():
                process.reap(pid)
                return
            watch.send(signal.SIGTERM)
            if watch.wait(timeout):
                logger.warning(
                    "The Kafka broker did not shut down in time; killing it.",
                    extra={"pid": pid, "timeout_seconds": timeout},
                )
                watch.send(signal.SIGKILL)
                watch.wait(_KILL_WAIT_SECONDS)
        process.reap(pid)

    @property
    def _pid_path(self) -> Path:
        return self.dir / _PID_FILE

    @property
    def _properties_path(self) -> Path:
        return self.dir / _PROPERTIES_FILE

    @property
    def _data_dir(self) -> Path:
        return self.dir / _DATA_DIR

    @contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            lock = open(self.dir / _LOCK_FILE, "a")  # noqa: SIM115 - closed by the with below
        except OSError as exc:
            raise LocalKafkaError(f"cannot use {self.dir} as the broker directory: {exc.strerror}") from None
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def _recorded_pid(self) -> int | None:
        """The pid of this directory's live broker; removes a stale pid file."""
        pid = process.read_pid(self._pid_path)
        if pid is not None and self._is_our_broker(pid):
            return pid
        if self._pid_path.exists():
            logger.debug("Removed a stale broker pid file.", extra={"pid": pid, "dir": str(self.dir)})
            self._pid_path.unlink(missing_ok=True)
        return None

    def _is_our_broker(self, pid: int) -> bool:
        # The properties path, not just the main class: a reused pid that now
        # belongs to another directory's broker is not ours.
        return process.is_running(pid, _MAIN_CLASS, str(self._properties_path))


def _check_port_free(port: int, name: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # Kafka binds with SO_REUSEADDR too, so TIME_WAIT leftovers of a
        # broker that just stopped must not count as "in use".
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((BROKER_HOST, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise LocalKafkaError(f"{name} {port} is already in use by another process") from None
            raise LocalKafkaError(f"cannot bind {name} {port} on {BROKER_HOST}: {exc.strerror}") from None


def _which_java() -> str:
    java = shutil.which("java")
    if java is None:
        raise LocalKafkaError(
            "Java (`java`, version 17 or later) is not installed; "
            "run `make` or `apt-get install openjdk-17-jre-headless`"
        )
    return java


def _accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection((BROKER_HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def _tail(path: Path, lines: int = _LOG_TAIL_LINES) -> list[str]:
    try:
        with open(path, "rb") as file:
            file.seek(0, os.SEEK_END)
            file.seek(max(0, file.tell() - 16384))
            text = file.read().decode("utf-8", errors="replace")
    except OSError:
        return []
    return [line for line in text.splitlines() if line.strip()][-lines:]
