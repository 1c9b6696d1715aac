"""Cross-simulator comparison: run one circuit on several backends, time it, check it against numpy.

Behind ``qspectral compare``. Times are medians over repeats after one warm-up run, measured in
one process so that ratios between backends are meaningful on a shared, noisy machine.

Example:
    >>> rows = compare_qft(4, backends=["qiskit"], repeats=1)
    >>> rows[0].passed
    True
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from qspectral.conventions import apply_qft, max_abs_diff, random_state
from qspectral.errors import QSpectralError
from qspectral.quantum.qft import qft
from qspectral.sim.backends import available_backends, check_memory, get_backend, simulate

#: The agreement a complex128 backend must reach against numpy's FFT.
TOLERANCE = 1e-10


@dataclass
class ComparisonRow:
    """One backend's result: median wall time, max |delta| to numpy, and pass/fail."""

    backend: str
    num_qubits: int
    median_seconds: float | None
    max_abs_diff: float | None
    passed: bool
    error: str = ""


def compare_qft(
    num_qubits: int,
    backends: list[str] | None = None,
    *,
    repeats: int = 3,
    seed: int = 0,
    tolerance: float = TOLERANCE,
) -> list[ComparisonRow]:
    """QFT of a seeded random state on each backend, against ``sqrt(N) * numpy.fft.ifft``.

    A backend that cannot run (missing package, no GPU, not enough memory) gets a row with its
    error and ``passed=False``; the others still run.
    """
    names = backends if backends is not None else available_backends()
    for name in names:
        get_backend(name)  # unknown names fail before any work
    rows: list[ComparisonRow] = []
    runnable = []
    for name in names:  # refuse what cannot fit before allocating the input state
        try:
            check_memory(num_qubits, name)
            runnable.append(name)
        except QSpectralError as exc:
            rows.append(ComparisonRow(name, num_qubits, None, None, False, str(exc)))
    if not runnable:
        return rows
    psi = random_state(num_qubits, seed)
    reference = apply_qft(psi)
    circuit = qft(num_qubits)
    for name in runnable:
        try:
            out = simulate(circuit, name, initial_state=psi)  # warm-up, and the checked result
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                simulate(circuit, name, initial_state=psi)
                times.append(time.perf_counter() - start)
        except QSpectralError as exc:
            rows.append(ComparisonRow(name, num_qubits, None, None, False, str(exc)))
            continue
        diff = max_abs_diff(out, reference)
        rows.append(
            ComparisonRow(name, num_qubits, statistics.median(times), diff, diff <= tolerance)
        )
    return rows


def format_table(rows: list[ComparisonRow], tolerance: float = TOLERANCE) -> str:
    """Render rows as a fixed-width text table."""
    header = f"{'backend':<15} {'qubits':>6} {'median time':>12} {'max |delta|':>12}  {'pass @ ' + format(tolerance, 'g'):<12}"
    lines = [header, "-" * len(header)]
    for r in rows:
        if r.error:
            lines.append(f"{r.backend:<15} {r.num_qubits:>6} {'-':>12} {'-':>12}  FAIL: {r.error}")
        else:
            lines.append(
                f"{r.backend:<15} {r.num_qubits:>6} {r.median_seconds * 1e3:>10.1f}ms "
                f"{r.max_abs_diff:>12.2e}  {'pass' if r.passed else 'FAIL'}"
            )
    return "\n".join(lines)


def write_json(rows: list[ComparisonRow], path: str | Path) -> None:
    """Write rows as a JSON list of objects."""
    Path(path).write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n")
