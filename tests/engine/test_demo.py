"""The demo job against the real session broker: a standalone worker's file → Kafka → file pipeline."""

import pytest

from engine.demo import run_demo


@pytest.mark.integration
def test_demo_runs_the_file_pipeline_through_a_worker(
    kafka_bootstrap: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_demo(bootstrap_servers=kafka_bootstrap, records=500, port=0) == 0
    out = capsys.readouterr().out
    assert "demo-source: connector RUNNING; task 0 RUNNING" in out
    assert "500 records went file → Kafka → file" in out
    assert "  {id=0, customer=customer-0}" in out
    assert "Stopped the worker (exit status 0)." in out
    assert "exactly the input with the `card` field removed" in out
