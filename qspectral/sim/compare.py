"""Cross-simulator comparison: run one circuit on several backends, time it, check the agreement.

Behind ``qspectral compare``. Times are medians over repeats after one warm-up run, measured in
one process so that ratios between backends are meaningful on a shared, noisy machine. The
reference is numpy's FFT for the QFT (``sqrt(N) * ifft``) and Qiskit's ``Statevector`` for any
other circuit.

With ``shots``, each backend *samples* the circuit from ``|0...0>`` over its measured bits
(outcome bit ``j`` = classical bit ``j`` as written, bit 0 rightmost as a bitstring; a circuit
without measurements reads qubit ``q`` into bit ``q``): Aer with its ``SamplerV2``, Lightning and
default.qubit with shots, every other backend by numpy's seeded generator from its statevector.
Each row reports the total-variation (TV) distance to the exact distribution (Qiskit's
``Statevector``) and passes when it is within :func:`~qspectral.quantum.measurements.tv_bound`,
which a correct sampler exceeds with probability at most 1e-6. A dynamic circuit (reset,
mid-circuit measurement, ``if``) runs on Aer only, against an Aer estimate from
:data:`~qspectral.quantum.measurements.REFERENCE_SHOTS` shots (the bound adds that estimate's own);
the other backends get a note that they need a unitary circuit.

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
from qspectral.quantum import measurements
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
    shots: int | None = None
    tv_distance: float | None = None
    tv_bound: float | None = None
    note: str = ""
    counts: dict[int, int] | None = None

    @property
    def skipped(self) -> bool:
        """True when the backend was not asked to run (``note`` says why): not a failure."""
        return self.median_seconds is None and not self.error


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
    shots: int | None = None,
) -> list[ComparisonRow]:
    """Run ``circuit`` on each backend and compare with ``reference`` (default: Qiskit's Statevector).

    The input is ``initial_state``, else a seeded :func:`random_state` when ``seed`` is given,
    else |0...0>. A backend that cannot run (missing package, no GPU, not enough memory) gets a row
    with its error and ``passed=False``; the others still run. Memory is checked for every backend
    before any state is allocated.

    With ``shots`` the backends sample the circuit instead (module docstring; ``seed`` seeds the
    samplers): rows carry ``tv_distance`` and ``tv_bound``, and backends that cannot run a
    dynamic circuit are ``skipped`` with a ``note``.

    Example:
        >>> qc = QuantumCircuit(2, 2); _ = qc.x(1); _ = qc.measure([0, 1], [0, 1])
        >>> row = compare(qc, ["engine"], shots=100, seed=1, repeats=1)[0]
        >>> row.tv_distance, row.passed
        (0.0, True)
    """
    n = circuit.num_qubits
    if repeats < 1:
        raise QSpectralError(f"repeats must be >= 1, got {repeats}")
    if shots is not None:
        if initial_state is not None or reference is not None:
            raise QSpectralError("with shots the circuit is sampled from |0...0>; drop initial_state and reference")
        return _compare_sampled(circuit, backends, shots=shots, seed=seed, repeats=repeats)
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


def _sample_pennylane(ops: list, num_qubits: int, measured: tuple[int, ...], device: str, shots: int, seed):
    """Counts of the PennyLane ``ops`` read out on the qubits ``measured``, from ``device`` with shots."""
    import pennylane as qml

    dev = qml.device(device, wires=list(range(num_qubits - 1, -1, -1)), seed=seed)

    @qml.set_shots(shots=shots)
    @qml.qnode(dev)
    def run():
        for op in ops:
            qml.apply(op)
        return qml.sample(wires=list(measured))

    bits = np.asarray(run(), dtype=np.int64).reshape(shots, len(measured))
    outcomes = bits @ (1 << np.arange(len(measured), dtype=np.int64))
    values, counts = np.unique(outcomes, return_counts=True)
    return {int(v): int(c) for v, c in zip(values, counts)}


#: Backends that sample with PennyLane's shots, and their PennyLane device names.
_PENNYLANE = {"lightning": "lightning.qubit", "lightning.gpu": "lightning.gpu", "default.qubit": "default.qubit"}


def _sampler(name: str, circuit: QuantumCircuit, unitary: QuantumCircuit | None, measured, shots: int, seed):
    """``(() -> counts, how)``: how backend ``name`` samples the circuit."""
    if name in ("aer", "aer.gpu"):
        measured_circuit = circuit if circuit.num_clbits else circuit.measure_all(inplace=False)
        device = "GPU" if name == "aer.gpu" else "CPU"
        return lambda: measurements.aer_counts(measured_circuit, shots, seed=seed, device=device), "Aer SamplerV2"
    if name in _PENNYLANE:
        from qspectral.sim.host_diagonal import HostDiagonal
        from qspectral.sim.pennylane.bridge import circuit_to_pennylane_ops

        ops, _ = circuit_to_pennylane_ops(unitary)
        if not any(isinstance(op, HostDiagonal) for op in ops):  # else: sample its statevector
            device = _PENNYLANE[name]
            return (lambda: _sample_pennylane(ops, unitary.num_qubits, measured, device, shots, seed),
                    f"{device} with shots")

    def from_state() -> dict[int, int]:
        probs = np.abs(simulate(unitary, name)) ** 2
        return measurements.sample_counts(measurements.outcome_distribution(probs, measured), shots, seed)

    return from_state, "numpy sample of its statevector"


def _compare_sampled(
    circuit: QuantumCircuit, backends: list[str] | None, *, shots: int, seed: int | None, repeats: int
) -> list[ComparisonRow]:
    """:func:`compare` with ``shots``: TV distance of each backend's counts to the reference distribution."""
    n = circuit.num_qubits
    dynamic = measurements.dynamic_instruction(circuit)
    if dynamic is None:
        unitary, measured = measurements.split_final_measurements(circuit)
    elif not circuit.num_clbits:
        raise QSpectralError(f"the circuit is dynamic ({dynamic}) but measures nothing; add classical bits")
    else:
        unitary, measured = None, ()
    rows, runnable = _memory_screen(n, backends)
    for row in rows:
        row.shots = shots
    if not runnable:
        return rows
    if dynamic is None:
        reference = measurements.outcome_distribution(Statevector(unitary).probabilities(), measured)
        bound = measurements.tv_bound(reference, shots)
    else:
        reference = measurements.reference_estimate(circuit)
        bound = measurements.tv_bound(reference, shots) + measurements.tv_bound(reference, measurements.REFERENCE_SHOTS)
    for name in runnable:
        if dynamic is not None and name not in ("aer", "aer.gpu"):
            note = f"needs a unitary circuit ({dynamic}); Aer samples dynamic circuits"
            rows.append(ComparisonRow(name, n, None, None, None, False, shots=shots, note=note))
            continue
        try:
            run, how = _sampler(name, circuit, unitary, measured, shots, seed)
            timing = time_calls(run, repeats)
        except QSpectralError as exc:
            rows.append(ComparisonRow(name, n, None, None, None, False, str(exc), shots=shots))
            continue
        tv = measurements.tv_distance(timing.output, reference)
        rows.append(ComparisonRow(name, n, timing.median, None, None, tv <= bound, shots=shots,
                                  tv_distance=tv, tv_bound=bound, note=how, counts=timing.output))
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
    if any(r.shots is not None for r in rows):
        return _sampled_table(rows)
    columns = [("backend", "<15"), ("qubits", ">6"), ("median time", ">12"), ("max |delta|", ">12"),
               ("1 - fidelity", ">13"), ("pass @ " + format(tolerance, "g"), "")]
    cells = [
        [r.backend, str(r.num_qubits), "-", "-", "-", f"FAIL: {r.error}"] if r.error else
        [r.backend, str(r.num_qubits), f"{r.median_seconds * 1e3:.1f}ms", f"{r.max_abs_diff:.2e}",
         f"{1 - r.fidelity:.1e}", "pass" if r.passed else "FAIL"]
        for r in rows
    ]
    return timing_table(columns, cells)


def _sampled_table(rows: list[ComparisonRow]) -> str:
    columns = [("backend", "<15"), ("qubits", ">6"), ("shots", ">8"), ("median time", ">12"), ("TV distance", ">12"),
               ("bound", ">7"), ("result", "<6"), ("note", "")]
    cells = [
        [r.backend, str(r.num_qubits), str(r.shots), "-", "-", "-", "FAIL", r.error] if r.error else
        [r.backend, str(r.num_qubits), str(r.shots), "-", "-", "-", "-", r.note] if r.skipped else
        [r.backend, str(r.num_qubits), str(r.shots), f"{r.median_seconds * 1e3:.1f}ms", f"{r.tv_distance:.4f}",
         f"{r.tv_bound:.4f}", "pass" if r.passed else "FAIL", r.note]
        for r in rows
    ]
    return timing_table(columns, cells)


def write_json(rows: list[ComparisonRow], path: str | Path) -> None:
    """Write rows as a JSON list of objects."""
    Path(path).write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n")
