"""Runs a scenario against each system on one broker and measures them the same way.

With ``repeat`` rounds (``--repeat``), round 1 runs every system once in
order, then round 2 does (starting with the second system), and so on:
interleaved, so a minute in which a shared host runs slow hits every system
alike rather than one system's block of runs. Each run has fresh topics, files and state of its own
(`BenchContext.for_round`); each system's reported figures are the medians
of its runs (`engine.bench.stats.aggregate`), and the ratios compare those.

For each run of a system: plan the scenario, launch the system in its own
session, sample its process tree, (in distributed mode) create its connectors over
REST once it answers, watch its output until the expected records are
there, stop it (SIGTERM, then SIGKILL for the whole session), and turn what
was seen into a `SystemResult`. The measured window runs from the first
output the harness sees to the last expected record, so JVM and
interpreter start-up are reported separately (``startup_s``) and do not
dilute records/s.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from engine.bench import machine
from engine.bench.errors import BenchError
from engine.bench.observe import FileOutput
from engine.bench.procstat import ProcessTreeSampler, TreeUsage
from engine.bench.rest import ConnectorSubmitter, rest_answers
from engine.bench.scenarios import SCENARIOS, BenchContext, Plan, Scenario
from engine.bench.settings import Knob, Settings, apply_knob
from engine.bench.stats import SystemResult, aggregate, percentile, ratios, throughput
from engine.bench.systems import SYSTEMS, Launch, System
from engine.localkafka import BROKER_HOST, LocalKafka, LocalKafkaError

__all__ = ["BenchReport", "Progress", "SweepReport", "local_broker", "run_scenario", "run_sweep"]

_POLL_S = 0.02
_REST_PROBE_S = 0.1
_STOP_TIMEOUT_S = 30.0
_LOG_TAIL_LINES = 15
_BROKER_HEAP_MB = 512
_MB = 1_000_000


class Progress(Protocol):
    """Told how each system advances (see `engine.bench.report.ProgressBar`)."""

    def update(self, system: str, count: int, expected: int, rate: float) -> None: ...

    def finish(self, system: str, result: SystemResult) -> None:
        """``system``'s run of the current round ended with ``result``."""
        ...

    def start_round(self, index: int, rounds: int) -> None:
        """Round ``index`` (from 1) of ``rounds`` starts; the calls that follow are about its runs."""
        ...


@dataclass
class BenchReport:
    """All systems' results for one scenario run."""

    scenario: str
    settings: Settings
    machine: dict[str, object]
    results: list[SystemResult] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        """``{"scenario", "machine", "settings", "results": [...]}`` (the issue's shape plus settings)."""
        return {
            "scenario": self.scenario,
            "machine": self.machine,
            "settings": self.settings.as_json(),
            "results": [result.as_json() for result in self.results],
        }


def _free_ports(count: int) -> list[int]:
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind((BROKER_HOST, 0))
        return [sock.getsockname()[1] for sock in sockets]


@contextmanager
def local_broker(bootstrap: str | None, workdir: Path) -> Iterator[str]:
    """Yield ``bootstrap`` if given; otherwise start a broker on free ports and stop it afterwards."""
    if bootstrap:
        yield bootstrap
        return
    port, controller_port = _free_ports(2)
    broker = LocalKafka(
        workdir / "kafka", port=port, controller_port=controller_port, heap_mb=_BROKER_HEAP_MB
    )
    try:
        broker.start()
    except LocalKafkaError as exc:
        raise BenchError(f"cannot start the local Kafka broker: {exc}") from exc
    try:
        yield broker.bootstrap
    finally:
        broker.stop()


def run_scenario(
    scenario: str,
    settings: Settings,
    systems: Sequence[str],
    *,
    bootstrap: str | None = None,
    progress: Progress | None = None,
    timeout_s: float = 600.0,
    workdir: Path | None = None,
) -> BenchReport:
    """Run ``scenario`` against each of ``systems`` in turn, ``settings.repeat`` rounds, on one broker.

    Args:
        scenario: A name in `SCENARIOS`.
        settings: The run's parameters.
        systems: Names in `SYSTEMS`, run in this order in every round.
        bootstrap: An existing broker; ``None`` starts a local one for the run.
        progress: Told about each round and each system's progress.
        timeout_s: Longest one run of a system may take, start-up included;
            that run then gets an error result and the next one starts.
        workdir: Where inputs, properties, outputs and logs go, kept
            afterwards (each round's in ``round-N/`` when there are several);
            ``None`` uses a temporary directory removed at the end.

    Raises:
        BenchError: Unknown scenario or system, or the broker or the
            scenario's inputs cannot be set up. A system failing only marks
            its result.
    """
    if scenario not in SCENARIOS:
        raise BenchError(f"unknown scenario {scenario!r}; choose from {', '.join(SCENARIOS)}")
    unknown = [name for name in systems if name not in SYSTEMS]
    if unknown:
        raise BenchError(f"unknown system {unknown[0]!r}; choose from {', '.join(SYSTEMS)}")
    if not systems or len(set(systems)) != len(systems):
        raise BenchError(f"systems must be named once each, at least one: {list(systems)}")
    report = BenchReport(scenario=scenario, settings=settings, machine=machine.describe_machine())
    with ExitStack() as stack:
        if workdir is None:
            workdir = Path(tempfile.mkdtemp(prefix="kconnect-bench-"))
            stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        workdir.mkdir(parents=True, exist_ok=True)
        broker = stack.enter_context(local_broker(bootstrap, workdir))
        context = BenchContext(bootstrap=broker, workdir=workdir, settings=settings)
        SCENARIOS[scenario].prepare(context)
        instances: dict[str, System] = {name: SYSTEMS[name]() for name in systems}
        prepared: dict[str, str | None] = {}
        runs: dict[str, list[SystemResult]] = {name: [] for name in systems}
        rounds = settings.repeat
        for index in range(1, rounds + 1):
            if progress is not None:
                progress.start_round(index, rounds)
            # A single round keeps the directories and names a run has always had (DIR/<system>/).
            round_context = context if rounds == 1 else context.for_round(index)
            # Each round starts with the next system, so none always runs first (on a cold cache,
            # or right after the input was written).
            shift = (index - 1) % len(systems)
            for name in [*systems[shift:], *systems[:shift]]:
                if name not in prepared:
                    prepared[name] = _prepare(instances[name])
                failure = prepared[name]
                if failure is None:
                    result = _run_system(
                        SCENARIOS[scenario], instances[name], round_context, progress, timeout_s
                    )
                else:
                    result = SystemResult(system=name, error=failure)
                runs[name].append(result)
                if progress is not None:
                    progress.finish(name, result)
    report.results = [aggregate(name, runs[name]) for name in systems]
    ratios(report.results)
    return report


@dataclass
class SweepReport:
    """One scenario run per value of a knob (each with its own rounds), all on one broker."""

    scenario: str
    knob: Knob
    settings: Settings
    machine: dict[str, object]
    points: list[BenchReport] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        """``{"scenario", "machine", "knob", "settings", "points": [{"value", "results"}]}``."""
        return {
            "scenario": self.scenario,
            "machine": self.machine,
            "knob": self.knob.name,
            "settings": self.settings.as_json(),
            "points": [
                {"value": value, "results": [result.as_json() for result in point.results]}
                for value, point in zip(self.knob.values, self.points, strict=True)
            ],
        }


def run_sweep(
    scenario: str,
    settings: Settings,
    knob: Knob,
    systems: Sequence[str],
    *,
    bootstrap: str | None = None,
    progress: Progress | None = None,
    timeout_s: float = 600.0,
    workdir: Path | None = None,
) -> SweepReport:
    """Run ``scenario`` once per value of ``knob`` (see `run_scenario` for the other arguments).

    Raises:
        BenchError: As `run_scenario`; SettingsError: a knob value is invalid
            (checked for all values before anything runs).
    """
    variants = [apply_knob(settings, knob.name, value) for value in knob.values]
    with ExitStack() as stack:
        if workdir is None:
            workdir = Path(tempfile.mkdtemp(prefix="kconnect-bench-"))
            stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        workdir.mkdir(parents=True, exist_ok=True)
        broker = stack.enter_context(local_broker(bootstrap, workdir))
        points = [
            run_scenario(
                scenario,
                variant,
                systems,
                bootstrap=broker,
                progress=progress,
                timeout_s=timeout_s,
                workdir=workdir / f"point-{index}",
            )
            for index, variant in enumerate(variants)
        ]
    return SweepReport(scenario, knob, settings, points[0].machine, points)


def _prepare(system: System) -> str | None:
    """Prepare ``system`` once per run of the scenario; return why it cannot run, or ``None``."""
    try:
        system.prepare()
    except BenchError as exc:
        return str(exc)
    return None


def _run_system(
    scenario: Scenario, system: System, context: BenchContext, progress: Progress | None, timeout_s: float
) -> SystemResult:
    workdir = context.workdir / system.name
    workdir.mkdir(parents=True, exist_ok=True)
    plan = scenario.plan(context, system.name)
    try:
        launch = system.launch(plan, context, workdir, _free_ports(1)[0])
        return _SystemRun(system.name, launch, plan, workdir, progress, timeout_s).measure()
    finally:
        plan.output.close()


@dataclass
class _Window:
    """What the watch loop saw: first output, completion, REST readiness."""

    launched: float
    first_at: float | None = None
    first_count: int = 0
    first_cpu: float = 0.0
    done_at: float | None = None
    done_count: int = 0
    done_cpu: float = 0.0
    rest_ready_at: float | None = None


@dataclass
class _SystemRun:
    """One system's launch, watch and stop."""

    name: str
    launch: Launch
    plan: Plan
    workdir: Path
    progress: Progress | None
    timeout_s: float

    def measure(self) -> SystemResult:
        log_path = self.workdir / f"{self.name}.log"
        with open(log_path, "wb") as log:
            child = subprocess.Popen(
                self.launch.command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
                cwd=self.workdir,
                start_new_session=True,
            )
        window = _Window(launched=time.monotonic())
        sampler = ProcessTreeSampler(child.pid)
        sampler.start()
        feeder = self.plan.feeder
        submitter = None
        if self.launch.rest_url is not None and self.launch.connectors:
            submitter = ConnectorSubmitter(
                self.launch.rest_url, self.launch.connectors, window.launched + self.timeout_s
            )
        error: str | None = None
        try:
            if feeder is not None:
                feeder.start()
            error = self._watch(child, window, sampler, submitter)
        finally:
            _stop(child)
            usage = sampler.stop()
            if submitter is not None:
                submitter.stop()  # after the worker stopped: a request in flight has ended
            if feeder is not None:
                feeder.stop()
        if error is None and feeder is not None and feeder.error is not None:
            error = f"writing the input file failed: {feeder.error}"
        if error is not None:
            return SystemResult(system=self.name, error=f"{error}{_log_tail(log_path)}")
        return _result(self.name, self.plan, window, usage)

    def _watch(
        self,
        child: subprocess.Popen[bytes],
        window: _Window,
        sampler: ProcessTreeSampler,
        submitter: ConnectorSubmitter | None,
    ) -> str | None:
        """Follow the output until complete; return why it failed, or ``None``.

        ``submitter`` (distributed mode) starts creating the connectors as
        soon as the worker's REST root answers.
        """
        plan, name = self.plan, self.name
        next_probe = window.launched
        fed = False
        while True:
            exited = child.poll()
            count = plan.output.count()
            now = time.monotonic()
            if (
                plan.feeder is not None
                and not fed
                and isinstance(plan.output, FileOutput)
                and plan.output.warmups
            ):
                plan.feeder.go()
                fed = True
            if count > 0 and window.first_at is None:
                window.first_at, window.first_count, window.first_cpu = now, count, sampler.usage().cpu_s
            if self.progress is not None:
                self.progress.update(name, count, plan.expected, _rate(window, count, now))
            if count >= plan.expected:
                window.done_at, window.done_count, window.done_cpu = now, count, sampler.usage().cpu_s
                return None
            if exited is not None:
                return f"{name} exited with status {exited} after {count} of {plan.expected} records"
            if submitter is not None and submitter.error is not None:
                return f"{name} did not take its connectors: {submitter.error}"
            if now - window.launched > self.timeout_s:
                return (
                    f"{name} timed out after {self.timeout_s:.0f} s with {count} of {plan.expected} records"
                )
            if self.launch.rest_url is not None and window.rest_ready_at is None and now >= next_probe:
                next_probe = now + _REST_PROBE_S
                if rest_answers(self.launch.rest_url):
                    window.rest_ready_at = time.monotonic()
                    if submitter is not None:
                        submitter.start()
            time.sleep(_POLL_S)


def _rate(window: _Window, count: int, now: float) -> float:
    if window.first_at is None or now <= window.first_at:
        return 0.0
    return (count - window.first_count) / (now - window.first_at)


def _stop(child: subprocess.Popen[bytes]) -> None:
    """SIGTERM the root for a graceful stop, then SIGKILL whatever is left of its session."""
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    # Children the root left behind (the group id is the root's pid: it led a new session).
    with suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)


def _log_tail(path: Path) -> str:
    try:
        lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    if not lines:
        return ""
    return "\n" + "\n".join(f"  {line}" for line in lines[-_LOG_TAIL_LINES:])


def _result(name: str, plan: Plan, window: _Window, usage: TreeUsage) -> SystemResult:
    assert window.done_at is not None  # _watch returned None only once done
    first_at = window.first_at if window.first_at is not None else window.launched
    records = window.done_count - window.first_count
    seconds = window.done_at - first_at
    note = None
    if records <= 0 or seconds <= 0:
        # Everything arrived between two observations: fall back to launch → done.
        records, seconds = window.done_count, window.done_at - window.launched
        note = "finished between two observations; records/s includes start-up (use more --records)"
    payload = plan.payload_bytes * records // max(plan.expected, 1)
    records_per_s, mb_per_s = throughput(records, payload, seconds)
    latencies = plan.output.latencies_ms()
    return SystemResult(
        system=name,
        records=records,
        seconds=seconds,
        records_per_s=records_per_s,
        mb_per_s=mb_per_s,
        p50_ms=percentile(latencies, 0.50),
        p99_ms=percentile(latencies, 0.99),
        cpu_s=window.done_cpu - window.first_cpu if note is None else usage.cpu_s,
        cpu_total_s=usage.cpu_s,
        peak_rss_mb=usage.peak_rss_bytes / _MB,
        peak_pss_mb=usage.peak_pss_bytes / _MB,
        startup_s=first_at - window.launched,
        rest_ready_s=None if window.rest_ready_at is None else window.rest_ready_at - window.launched,
        note=note,
    )
