"""Wall-clock timing (one warm-up call, then the median of repeats) and the fixed-width tables it is shown in.

Every timed number qspectral reports (``qspectral compare``, ``qspectral bench``, the model
benchmarks) comes from :func:`time_calls`: the first call warms caches, JIT and allocators and
returns the output that is checked; only the calls after it are timed.

Example:
    >>> timing = time_calls(lambda: sum(range(1000)), repeats=3, inner=2)
    >>> timing.output, len(timing.seconds), timing.median >= 0
    (499500, 3, True)
    >>> print(format_table([("name", "<6"), ("ms", ">6"), ("note", "")], [["fft", "1.5", "ok"]]))
    name       ms  note
    -------------------
    fft       1.5  ok
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Timing:
    """What :func:`time_calls` measured: the warm-up call's output and the seconds per call of each repeat."""

    output: Any
    seconds: list[float]

    @property
    def median(self) -> float:
        """Median seconds per call over the repeats."""
        return statistics.median(self.seconds)


def time_calls(fn: Callable[[], Any], repeats: int, *, inner: int = 1) -> Timing:
    """Call ``fn`` once (warm-up; its result is kept), then time ``repeats`` rounds of ``inner`` calls each.

    ``seconds[i]`` is round ``i``'s wall time divided by ``inner`` (``time.perf_counter``).
    """
    output = fn()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        seconds.append((time.perf_counter() - start) / inner)
    return Timing(output, seconds)


def format_table(columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[str]]) -> str:
    """A fixed-width text table: a header, a rule of dashes, one line per row.

    ``columns`` are ``(title, format_spec)`` pairs (e.g. ``("backend", "<15")``); each row gives one
    preformatted string per column. Cells are joined by one space; the last column (free text) follows
    two spaces and is not padded.
    """
    *fixed, _ = columns

    def line(cells: Sequence[str]) -> str:
        *body, last = cells
        return " ".join(format(cell, spec) for cell, (_, spec) in zip(body, fixed)) + "  " + last

    header = line([title for title, _ in columns])
    return "\n".join([header, "-" * len(header), *(line(row) for row in rows)])
