"""Automatic restart of failed connectors and tasks: exponential backoff, bounded attempts.

Connect itself never restarts a failed task; kconnect does, by connector-level policy
(`task.restart.policy` = `on-failure` | `none`, `task.restart.max.attempts`,
`task.restart.backoff.initial.ms`, `task.restart.backoff.max.ms`, declared in
`engine.config.connector`). The n-th consecutive failure waits `initial * 2**(n-1)` ms capped at
`max`; after `max.attempts` restarts the instance stays FAILED until restarted through REST. An
instance that ran healthy for `backoff.max.ms` before failing starts counting again from 1.

Pure logic over an injectable monotonic clock; the herder owns the timers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["RestartPolicy", "RestartTracker", "restart_trace_line"]

POLICY_ON_FAILURE = "on-failure"
POLICY_NONE = "none"


@dataclass(frozen=True, slots=True)
class RestartPolicy:
    enabled: bool = True
    max_attempts: int = 5
    initial_backoff_ms: int = 1000
    max_backoff_ms: int = 60000

    @classmethod
    def of(
        cls, policy: str, max_attempts: int, initial_backoff_ms: int, max_backoff_ms: int
    ) -> RestartPolicy:
        """From the parsed connector keys (validated by the connector config spec)."""
        return cls(
            enabled=policy == POLICY_ON_FAILURE and max_attempts > 0,
            max_attempts=max_attempts,
            initial_backoff_ms=initial_backoff_ms,
            max_backoff_ms=max(max_backoff_ms, initial_backoff_ms),
        )

    def backoff_ms(self, attempt: int) -> int:
        """The wait before restart number `attempt` (1-based)."""
        # Capping the exponent first keeps a huge attempt count from building a huge integer.
        return min(self.initial_backoff_ms * (1 << min(attempt - 1, 40)), self.max_backoff_ms)


def restart_trace_line(attempt: int, max_attempts: int, delay_ms: int) -> str:
    """The line the FAILED status trace ends with while a restart is pending (design E)."""
    return f"kconnect: automatic restart {attempt} of {max_attempts} in {delay_ms} ms"


class RestartTracker:
    """The restart state of one connector or task instance."""

    def __init__(self, policy: RestartPolicy, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self._clock = clock
        self._attempts = 0
        self._started_at = clock()

    @property
    def attempts(self) -> int:
        """Automatic restarts scheduled since the last healthy period or manual restart."""
        return self._attempts

    def started(self) -> None:
        """The instance was (re)started now."""
        self._started_at = self._clock()

    def reset(self) -> None:
        """A manual restart: the count starts again."""
        self._attempts = 0
        self._started_at = self._clock()

    def failed(self) -> tuple[int, int] | None:
        """Records a failure; returns (attempt, delay_ms) of the restart to schedule, or None when
        the policy is off or the attempts are used up."""
        if not self.policy.enabled:
            return None
        healthy_ms = (self._clock() - self._started_at) * 1000.0
        if healthy_ms >= self.policy.max_backoff_ms:
            self._attempts = 0
        if self._attempts >= self.policy.max_attempts:
            return None
        self._attempts += 1
        return self._attempts, self.policy.backoff_ms(self._attempts)
