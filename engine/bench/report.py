"""What the user sees of a benchmark: a progress bar while it runs, then a table.

Plain ANSI on a terminal (no dependency): the bar redraws one line with
``\\r`` and erase-line; when standard error is not a terminal only one line
per finished system is printed, so logs stay readable. With ``--repeat``
both name the round, and the table shows each system's median with the
spread of its runs.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import TextIO

from engine.bench.stats import SystemResult

__all__ = ["ProgressBar", "format_rate", "render_table"]

_BAR_WIDTH = 28
_REDRAW_S = 0.1
_ERASE_LINE = "\r\x1b[2K"


def format_rate(value: float) -> str:
    """``1234567`` → ``"1.23M"``, ``45600`` → ``"45.6k"``, ``12.3`` → ``"12.3"``."""
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.3g}"


class ProgressBar:
    """Draws each system's progress on one line of ``stream``.

    Args:
        stream: Where to draw (standard error by default).
        interactive: Redraw a bar; defaults to whether ``stream`` is a terminal.
    """

    def __init__(self, stream: TextIO | None = None, interactive: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self._last_draw = 0.0
        self._round = ""

    def start_round(self, index: int, rounds: int) -> None:
        """Name round ``index`` of ``rounds`` on the lines that follow (nothing when there is one)."""
        self._round = f"round {index}/{rounds}  " if rounds > 1 else ""

    def update(self, system: str, count: int, expected: int, rate: float) -> None:
        if not self.interactive:
            return
        now = time.monotonic()
        if now - self._last_draw < _REDRAW_S and count < expected:
            return
        self._last_draw = now
        self.stream.write(_ERASE_LINE + self._round + render_bar(system, count, expected, rate))
        self.stream.flush()

    def finish(self, system: str, result: SystemResult) -> None:
        prefix = _ERASE_LINE if self.interactive else ""
        if result.error is not None:
            first = result.error.splitlines()[0]
            line = f"{system}: failed: {first}"
        else:
            line = f"{system}: {format_rate(result.records_per_s)} records/s, {result.mb_per_s:.1f} MB/s"
        self.stream.write(f"{prefix}{self._round}{line}\n")
        self.stream.flush()


def render_bar(system: str, count: int, expected: int, rate: float) -> str:
    """One progress line: ``kconnect      [█████·····]  50.0%  500k/1M  123k rec/s``."""
    fraction = min(1.0, count / expected) if expected > 0 else 1.0
    filled = int(fraction * _BAR_WIDTH)
    bar = "█" * filled + "·" * (_BAR_WIDTH - filled)
    return (
        f"{system:<13} [{bar}] {fraction * 100:5.1f}%  "
        f"{format_rate(count)}/{format_rate(expected)}  {format_rate(rate)} rec/s"
    )


def _cell(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def render_table(results: Sequence[SystemResult]) -> str:
    """The results as an aligned text table, one ``vs <system>`` column per other system.

    Results over several runs show records/s as ``median (min-max)`` and end
    with a line saying how the figures were taken.
    """
    names = [result.system for result in results]
    rounds = max((len(result.runs) for result in results), default=0)
    rate_header = "records/s (min-max)" if rounds > 1 else "records/s"
    headers = ["system", rate_header, "MB/s", "p50 ms", "p99 ms", "CPU s", "peak RSS MB"]
    headers += [f"vs {name}" for name in names]
    rows: list[list[str]] = []
    errors: list[str] = []
    for result in results:
        if result.error is not None:
            rows.append([result.system, "failed", *["-"] * (len(headers) - 2)])
            errors.append(f"{result.system}: {result.error}")
            continue
        row = [
            result.system,
            _rate_cell(result),
            _cell(result.mb_per_s, 2),
            _cell(result.p50_ms),
            _cell(result.p99_ms),
            _cell(result.cpu_s, 2),
            _cell(result.peak_rss_mb),
        ]
        row += ["-" if name == result.system else _ratio(result.ratios.get(name)) for name in names]
        rows.append(row)
    widths = [max(len(header), *(len(row[i]) for row in rows)) for i, header in enumerate(headers)]
    lines = [_row(headers, widths), _row(["-" * width for width in widths], widths)]
    lines += [_row(row, widths) for row in rows]
    notes = [f"{result.system}: {result.note}" for result in results if result.note]
    if rounds > 1:
        notes.insert(
            0,
            f"Medians of {rounds} interleaved runs per system; records/s (min-max) over the "
            "successful runs; peak RSS: the highest run.",
        )
    return "\n".join(lines + notes + errors)


def _rate_cell(result: SystemResult) -> str:
    cell = _cell(result.records_per_s, 0)
    spread = result.records_per_s_range
    if spread is None or sum(1 for run in result.runs if run.error is None) < 2:
        return cell
    return f"{cell} ({format_rate(spread[0])}-{format_rate(spread[1])})"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _row(cells: Sequence[str], widths: Sequence[int]) -> str:
    first = cells[0].ljust(widths[0])
    rest = [cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True)]
    return "  ".join([first, *rest]).rstrip()
