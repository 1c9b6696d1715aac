"""Cross-simulator comparison: run one circuit on several backends, time it, check the agreement.

Behind ``qspectral compare``. Times are medians over repeats after one warm-up run, measured in
one process so that ratios between backends are meaningful on a shared, noisy machine. The
reference is numpy's FFT for the QFT (``sqrt(N) * ifft``) and Qiskit's ``Statevector`` for any
other circuit.

Example:
    >>> rows = compare_qft(4, backends=["qiskit"], repeats=1)
    >>> rows[0].passed, rows[0].fidelity > 1 - 1e-12
    (True, True)
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit.random import random_circuit as qiskit_random_circuit
from qiskit.quantum_info import Statevector

from qspectral.conventions import apply_qft, fidelity, max_abs_diff, random_state
from qspectral.errors import QSpectralError
from qspectral.quantum.qft import qft
from qspectral.sim.backends import available_backends, check_memory, get_backend, simulate
from qspectral.timing import format_table as timing_table
from qspectral.timing import time_calls

#: The agreement a complex128 backend must reach against the reference.
TOLERANCE = 1e-10


@dataclass
class ComparisonRow:
    """One backend's result: median wall time, agreement with the reference, and pass/fail."""

    backend: str
    num_qubits: int
    median_seconds: float | None
    max_abs_diff: float | None
    fidelity: float | None
    passed: bool
    error: str = ""


def _memory_screen(num_qubits: int, backends: list[str] | None) -> tuple[list[ComparisonRow], list[str]]:
    """Rows for the backends refused by the memory guard, and the names of the others.

    Unknown backend names raise here, before any work.
    """
    names = backends if backends is not None else available_backends()
    for name in names:
        get_backend(name)
    refusals, runnable = [], []
    for name in names:
        try:
            check_memory(num_qubits, name)
            runnable.append(name)
        except QSpectralError as exc:
            refusals.append(ComparisonRow(name, num_qubits, None, None, None, False, str(exc)))
    return refusals, runnable


def random_circuit(num_qubits: int, depth: int = 20, seed: int = 0) -> QuantumCircuit:
    """A seeded random circuit of one- and two-qubit gates without measurements (Qiskit's generator).

    Example:
        >>> random_circuit(3, depth=4, seed=1).num_qubits
        3
    """
    return qiskit_random_circuit(num_qubits, depth, max_operands=2, measure=False, seed=seed)


def compare(
    circuit: QuantumCircuit,
    backends: list[str] | None = None,
    *,
    initial_state: np.ndarray | None = None,
    seed: int | None = None,
    reference: np.ndarray | None = None,
    repeats: int = 3,
    tolerance: float = TOLERANCE,
) -> list[ComparisonRow]:
    """Run ``circuit`` on each backend and compare with ``reference`` (default: Qiskit's Statevector).

    The input is ``initial_state``, else a seeded :func:`random_state` when ``seed`` is given,
    else |0...0>. A backend that cannot run (missing package, no GPU, not enough memory) gets a row
    with its error and ``passed=False``; the others still run. Memory is checked for every backend
    before any state is allocated.
    """
    n = circuit.num_qubits
    if repeats < 1:
        raise QSpectralError(f"repeats must be >= 1, got {repeats}")
    rows, runnable = _memory_screen(n, backends)
    if not runnable:
        return rows
    if initial_state is None and seed is not None:
        initial_state = random_state(n, seed)
    if reference is None:
        start = Statevector(initial_state) if initial_state is not None else Statevector.from_int(0, 2**n)
        reference = start.evolve(circuit).data
    for name in runnable:
        try:
            timing = time_calls(lambda: simulate(circuit, name, initial_state=initial_state), repeats)
        except QSpectralError as exc:
            rows.append(ComparisonRow(name, n, None, None, None, False, str(exc)))
            continue
        out = timing.output  # the warm-up run's state is the one checked
        diff = max_abs_diff(out, reference)
        rows.append(ComparisonRow(name, n, timing.median, diff, fidelity(out, reference), diff <= tolerance))
    return rows


def compare_qft(
    num_qubits: int,
    backends: list[str] | None = None,
    *,
    repeats: int = 3,
    seed: int = 0,
    tolerance: float = TOLERANCE,
) -> list[ComparisonRow]:
    """QFT of a seeded random state on each backend, against ``sqrt(N) * numpy.fft.ifft``."""
    refusals, runnable = _memory_screen(num_qubits, backends)
    if not runnable:  # do not allocate an input state that nothing can take
        return refusals
    psi = random_state(num_qubits, seed)
    return compare(
        qft(num_qubits), backends, initial_state=psi, reference=apply_qft(psi), repeats=repeats, tolerance=tolerance
    )


def format_table(rows: list[ComparisonRow], tolerance: float = TOLERANCE) -> str:
    """Render rows as a fixed-width text table (:func:`qspectral.timing.format_table`)."""
    columns = [("backend", "<15"), ("qubits", ">6"), ("median time", ">12"), ("max |delta|", ">12"),
               ("1 - fidelity", ">13"), ("pass @ " + format(tolerance, "g"), "")]
    cells = [
        [r.backend, str(r.num_qubits), "-", "-", "-", f"FAIL: {r.error}"] if r.error else
        [r.backend, str(r.num_qubits), f"{r.median_seconds * 1e3:.1f}ms", f"{r.max_abs_diff:.2e}",
         f"{1 - r.fidelity:.1e}", "pass" if r.passed else "FAIL"]
        for r in rows
    ]
    return timing_table(columns, cells)


def write_json(rows: list[ComparisonRow], path: str | Path) -> None:
    """Write rows as a JSON list of objects."""
    Path(path).write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n")
