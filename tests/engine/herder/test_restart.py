"""The restart policy: backoff doubling, the cap, the attempt limit and the healthy reset."""

from __future__ import annotations

from engine.herder.restart import RestartPolicy, RestartTracker, restart_trace_line


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_backoff_doubles_up_to_the_cap() -> None:
    policy = RestartPolicy.of("on-failure", 10, 1000, 5000)
    assert [policy.backoff_ms(n) for n in range(1, 6)] == [1000, 2000, 4000, 5000, 5000]
    assert policy.backoff_ms(10_000) == 5000


def test_attempts_stop_at_the_maximum() -> None:
    clock = Clock()
    tracker = RestartTracker(RestartPolicy.of("on-failure", 3, 100, 60000), clock)
    results = []
    for _ in range(4):
        results.append(tracker.failed())
        clock.now += 0.5
        tracker.started()
    assert results == [(1, 100), (2, 200), (3, 400), None]


def test_a_healthy_run_resets_the_count() -> None:
    clock = Clock()
    tracker = RestartTracker(RestartPolicy.of("on-failure", 2, 100, 1000), clock)
    assert tracker.failed() == (1, 100)
    tracker.started()
    clock.now += 0.999
    assert tracker.failed() == (2, 200)
    tracker.started()
    clock.now += 1.0  # a run as long as backoff.max.ms counts as healthy
    assert tracker.failed() == (1, 100)


def test_a_manual_reset_starts_again() -> None:
    tracker = RestartTracker(RestartPolicy.of("on-failure", 1, 100, 1000), Clock())
    assert tracker.failed() == (1, 100)
    assert tracker.failed() is None
    tracker.reset()
    assert tracker.attempts == 0
    assert tracker.failed() == (1, 100)


def test_policy_none_or_zero_attempts_never_restart() -> None:
    assert RestartTracker(RestartPolicy.of("none", 5, 100, 1000), Clock()).failed() is None
    assert RestartTracker(RestartPolicy.of("on-failure", 0, 100, 1000), Clock()).failed() is None


def test_trace_line() -> None:
    assert restart_trace_line(2, 5, 2000) == "kconnect: automatic restart 2 of 5 in 2000 ms"
