"""Resolves the Apache Kafka broker jars from Maven Central into a local cache.

The broker is launched as ``java -cp '<libs>/*' kafka.Kafka`` (see
`engine.localkafka.broker`), so all it needs is one directory holding
``kafka_2.13`` and its runtime dependencies. Maven fills that directory from
the throw-away ``pom.xml`` next to this module, once per Kafka version; later
calls only check a marker file.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import shutil
import subprocess
from pathlib import Path

from engine.localkafka.errors import LocalKafkaError

__all__ = ["KAFKA_VERSION", "default_cache_dir", "resolve_jars"]

KAFKA_VERSION = "4.3.1"

logger = logging.getLogger("engine.localkafka")

_POM = Path(__file__).with_name("pom.xml")
# Written last, inside the staging directory, so a libs directory that has it
# was filled completely. Java's `libs/*` class path only picks up `*.jar`.
_MARKER = ".kconnect-resolved"
# A Maven version: keeps arbitrary text out of the -D flag and the cache path.
_VERSION_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+_-]*")
_ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# Generic advice Maven prints after every failure; it hides the real cause.
_MVN_BOILERPLATE = (
    "To see the full stack trace",
    "Re-run Maven using",
    "For more information about the errors",
    "[Help 1] http",
)
# Generous: the first resolution downloads ~45 MB from Maven Central.
_MVN_TIMEOUT_SECONDS = 900


def default_cache_dir(version: str = KAFKA_VERSION) -> Path:
    """Return ``$XDG_CACHE_HOME/kconnect/kafka-<version>/libs``.

    ``XDG_CACHE_HOME`` defaults to ``~/.cache``; a relative value is ignored,
    as the XDG Base Directory spec requires.
    """
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / "kconnect" / f"kafka-{version}" / "libs"


def resolve_jars(
    version: str = KAFKA_VERSION,
    cache_dir: Path | None = None,
    *,
    pom: Path = _POM,
    artifact: str = "kafka_2.13",
    what: str = "Kafka",
) -> Path:
    """Return a directory holding every jar the Kafka ``version`` broker needs.

    The first call runs ``mvn dependency:copy-dependencies`` (network access
    to Maven Central, or a warm ``~/.m2``); later calls return at once.
    Concurrent callers, threads or processes, are serialised by a file lock
    next to the directory, and Maven writes into a staging directory that is
    renamed into place only when complete, so an interrupted run never
    leaves a half-filled cache behind.

    Args:
        version: Apache Kafka version, e.g. ``"4.3.1"`` (4.x only: the broker
            code in this package assumes KRaft and Log4j 2).
        cache_dir: The jar directory to fill. Defaults to
            `default_cache_dir` of ``version``.
        pom: The throw-away POM to resolve (``engine/bench/pom.xml``
            resolves Kafka Connect's worker instead of the broker).
        artifact: The artifact whose ``<artifact>-<version>.jar`` proves
            that Maven resolved something.
        what: What the jars are, for messages ("Kafka Connect").

    Returns:
        The jar directory, suitable for ``java -cp '<dir>/*'``.

    Raises:
        LocalKafkaError: ``mvn`` is not installed, the version string is
            malformed, ``cache_dir`` holds files kconnect did not put there,
            or Maven failed (the message carries Maven's error lines).
    """
    if not _VERSION_RE.fullmatch(version):
        raise LocalKafkaError(f"invalid Kafka version {version!r}")
    libs = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir(version)
    libs = libs.absolute()
    if (libs / _MARKER).is_file():
        return libs

    mvn = shutil.which("mvn")
    if mvn is None:
        raise LocalKafkaError(
            f"Maven (`mvn`) is not installed, and it is needed once to download the {what} jars; "
            "run `make` or `apt-get install maven`"
        )

    lock_path = libs.parent / f".{libs.name}.lock"
    try:
        libs.parent.mkdir(parents=True, exist_ok=True)
        lock = open(lock_path, "a")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        raise LocalKafkaError(f"cannot use {libs.parent} for the {what} jar cache: {exc.strerror}") from None
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        # Another caller may have finished while this one waited for the lock.
        if (libs / _MARKER).is_file():
            return libs
        _claim(libs)
        staging = libs.parent / f".{libs.name}.partial"
        shutil.rmtree(staging, ignore_errors=True)
        try:
            _copy_dependencies(mvn, version, staging, pom=pom, artifact=artifact, what=what)
            (staging / _MARKER).write_text(f"{version}\n")
            os.rename(staging, libs)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return libs


def _claim(libs: Path) -> None:
    """Make sure ``libs`` is free for the rename, without deleting user files.

    A directory without the marker was never completed by `resolve_jars`
    (the marker goes in before the rename), so only an empty one is
    removed; anything else is a path the caller chose badly.
    """
    if not libs.exists():
        return
    try:
        libs.rmdir()
    except OSError:
        raise LocalKafkaError(
            f"{libs} already exists and was not filled by kconnect; "
            "remove it or choose another cache directory"
        ) from None


def _copy_dependencies(mvn: str, version: str, output: Path, *, pom: Path, artifact: str, what: str) -> None:
    logger.info(
        f"Resolving the {what} jars with Maven; the first run downloads them from Maven Central.",
        extra={"kafka_version": version, "libs_dir": str(output)},
    )
    command = [
        mvn,
        "-q",
        "-B",
        "-Dstyle.color=never",
        "-f",
        str(pom),
        f"-Dkafka.version={version}",
        "dependency:copy-dependencies",
        "-DincludeScope=runtime",
        f"-DoutputDirectory={output}",
    ]
    try:
        result = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=_MVN_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise LocalKafkaError(
            f"Maven did not finish resolving the {what} {version} jars within {_MVN_TIMEOUT_SECONDS} s"
        ) from None
    if result.returncode != 0:
        raise LocalKafkaError(
            f"Maven could not resolve the {what} {version} jars (exit code {result.returncode})",
            _mvn_error_lines(result.stdout + result.stderr),
        )
    # Maven succeeds on an empty dependency set, so check for the main artifact itself.
    if not (output / f"{artifact}-{version}.jar").is_file():
        raise LocalKafkaError(f"Maven finished but did not produce {artifact}-{version}.jar in {output}")


def _mvn_error_lines(output: str, limit: int = 4) -> list[str]:
    """Pick the lines that name the cause out of Maven's output."""
    lines = [_ANSI_RE.sub("", line).rstrip() for line in output.splitlines()]
    errors = [
        line.removeprefix("[ERROR]").strip()
        for line in lines
        if line.startswith("[ERROR]") and not any(b in line for b in _MVN_BOILERPLATE)
    ]
    errors = [line for line in errors if line]
    if errors:
        return errors[:limit]
    return [line for line in lines if line.strip()][-limit:]
