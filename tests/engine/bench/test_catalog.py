"""The light name catalog matches what the scenarios and systems modules implement."""

from __future__ import annotations

from engine.bench import catalog, scenarios, systems


def test_scenario_names_match_the_implementations() -> None:
    assert list(scenarios.SCENARIOS) == list(catalog.SCENARIOS)
    assert all(scenario.name == name for name, scenario in scenarios.SCENARIOS.items())


def test_system_names_match_the_implementations() -> None:
    assert tuple(systems.SYSTEMS) == catalog.SYSTEMS
    assert all(cls().name == name for name, cls in systems.SYSTEMS.items())
