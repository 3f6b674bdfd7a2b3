"""The demo job against the real session broker."""

import pytest

from engine.demo import run_demo


@pytest.mark.integration
def test_demo_round_trips_every_record(kafka_bootstrap: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_demo(bootstrap_servers=kafka_bootstrap, records=2_500, port=0) == 0
    out = capsys.readouterr().out
    assert "Produced 2500 JSON records" in out
    assert "Consumed 2500 records back" in out
    assert "routed-orders-" in out
    assert "All 2500 records came back intact and in order." in out
