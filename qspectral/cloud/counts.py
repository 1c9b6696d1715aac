"""Counts of a sampling job against its ideal distribution.

Counts are ``{outcome: count}`` with integer outcomes in qspectral's bit order
(:mod:`qspectral.cloud.program`: bit ``j`` is classical bit ``j``; as a bitstring the rightmost
character is bit 0, Qiskit's order).

Example:
    >>> import numpy as np
    >>> tv_distance({0: 90, 3: 10}, np.array([1.0, 0.0, 0.0, 0.0]))
    0.1
    >>> bitstring(1, 3)
    '001'
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from qspectral.quantum.measurements import tv_distance

__all__ = ["bitstring", "comparison_table", "tv_distance"]


def bitstring(outcome: int, num_bits: int) -> str:
    """``outcome`` written with ``num_bits`` characters, bit 0 rightmost (Qiskit's order)."""
    return format(int(outcome), f"0{num_bits}b")


def comparison_table(
    counts: Mapping[int, int], ideal: np.ndarray | None, num_bits: int, *, top: int = 16
) -> str:
    """A text table of the most frequent outcomes: bitstring, integer, count, frequency, ideal.

    Rows: outcomes seen or with ideal probability > 1e-12, most frequent first, at most ``top``;
    the total-variation distance closes the table when ``ideal`` is given.

    Example:
        >>> print(comparison_table({1: 3, 0: 1}, np.array([0.0, 1.0]), 1))
        bits  outcome  count   freq  ideal
           1        1      3  0.750  1.000
           0        0      1  0.250  0.000
        total-variation distance to ideal: 0.2500 (4 shots)
    """
    shots = sum(counts.values())
    seen = set(counts)
    if ideal is not None:
        seen |= {int(x) for x in np.flatnonzero(np.asarray(ideal) > 1e-12)}
    order = sorted(seen, key=lambda x: (-counts.get(x, 0), -(ideal[x] if ideal is not None else 0), x))
    width = max(num_bits, 4)
    lines = [f"{'bits':>{width}}  outcome  count   freq" + ("  ideal" if ideal is not None else "")]
    for x in order[:top]:
        row = f"{bitstring(x, num_bits):>{width}}  {x:>7}  {counts.get(x, 0):>5}  {counts.get(x, 0) / shots:5.3f}"
        if ideal is not None:
            row += f"  {ideal[x]:5.3f}"
        lines.append(row)
    if len(order) > top:
        lines.append(f"... {len(order) - top} more outcomes")
    if ideal is not None:
        lines.append(f"total-variation distance to ideal: {tv_distance(counts, ideal):.4f} ({shots} shots)")
    return "\n".join(lines)
