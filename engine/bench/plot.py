"""A PNG of a sweep: records/s and peak RSS of each system against the knob's values.

matplotlib is optional (the ``bench`` dependency group) and imported only
here, only when a plot is asked for.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from engine.bench.errors import BenchError
from engine.bench.harness import SweepReport

__all__ = ["plot_sweep", "require_matplotlib", "sweep_series"]


def _pyplot() -> Any:
    try:
        # import_module keeps mypy from needing matplotlib's stubs where it is not installed.
        matplotlib = importlib.import_module("matplotlib")
        matplotlib.use("Agg")  # headless: no display on a benchmark machine
        plt = importlib.import_module("matplotlib.pyplot")
    except ImportError:
        raise BenchError(
            "plotting a sweep needs matplotlib: install the `bench` dependency group "
            "(`uv sync --group bench`) or `pip install matplotlib`, or pass --no-plot"
        ) from None
    return plt


def require_matplotlib() -> None:
    """Raise `BenchError` now if matplotlib is missing."""
    _pyplot()


def sweep_series(report: SweepReport) -> dict[str, tuple[list[float | None], list[float | None]]]:
    """Per system: records/s and peak RSS MB at each knob value (``None`` where it failed)."""
    series: dict[str, tuple[list[float | None], list[float | None]]] = {}
    for index, point in enumerate(report.points):
        for result in point.results:
            rates, memory = series.setdefault(
                result.system, ([None] * len(report.points), [None] * len(report.points))
            )
            if result.error is None:
                rates[index] = result.records_per_s
                memory[index] = result.peak_rss_mb
    return series


def plot_sweep(report: SweepReport, path: Path) -> Path:
    """Draw ``report`` into the PNG ``path`` and return it.

    Numeric knob values get a line per system; other values (``converter``)
    get grouped bars.

    Raises:
        BenchError: matplotlib is not installed.
    """
    plt = _pyplot()
    values = list(report.knob.values)
    numeric = all(_is_number(value) for value in values)
    xs: list[float] = (
        [float(value.replace("_", "")) for value in values] if numeric else list(range(len(values)))
    )
    series = sweep_series(report)
    figure, (rate_axis, memory_axis) = plt.subplots(2, 1, figsize=(8, 7), sharex=True)
    width = 0.8 / max(len(series), 1)
    for offset, (system, (rates, memory)) in enumerate(series.items()):
        for axis, ys in ((rate_axis, rates), (memory_axis, memory)):
            points = [(x, y) for x, y in zip(xs, ys, strict=True) if y is not None]
            if not points:
                continue
            if numeric:
                axis.plot([x for x, _ in points], [y for _, y in points], marker="o", label=system)
            else:
                axis.bar([x + offset * width for x, _ in points], [y for _, y in points], width, label=system)
    rate_axis.set_ylabel("records/s")
    memory_axis.set_ylabel("peak RSS (MB)")
    memory_axis.set_xlabel(report.knob.name)
    if not numeric:
        memory_axis.set_xticks([x + width * (len(series) - 1) / 2 for x in xs], values)
    rate_axis.set_title(f"kconnect bench sweep {report.scenario} --knob {report.knob.name}")
    rate_axis.legend()
    for axis in (rate_axis, memory_axis):
        axis.grid(True, alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _is_number(text: str) -> bool:
    try:
        float(text.replace("_", ""))
    except ValueError:
        return False
    return True
