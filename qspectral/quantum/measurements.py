"""Measurements: a circuit's unitary part and read-out, and the statistics of sampled outcomes.

Benchmark-suite files (QASMBench, MQT Bench) end in ``measure`` instructions; a statevector
simulation needs the unitary part, a sampling job needs both. A *dynamic* circuit (reset,
mid-circuit measurement, classical ``if``) has no statevector and can only be sampled
(:func:`dynamic_instruction` says why a circuit is one). Bit order: outcome bit ``j`` is the
value read into classical bit ``j`` (see :mod:`qspectral.cloud.program`); as a bitstring the
rightmost character is bit 0 (Qiskit's order).

Example:
    >>> qc = QuantumCircuit(3, 2); _ = qc.h(1); _ = qc.measure([2, 1], [0, 1])
    >>> unitary, measured = split_final_measurements(qc)
    >>> measured, unitary.num_clbits
    ((2, 1), 0)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import ControlFlowOp, Gate

from qspectral.errors import InvalidJobError, UnsupportedCircuitError

#: Probability that :func:`tv_bound` is exceeded by a correct sampler (McDiarmid's inequality).
FALSE_ALARM = 1e-6
#: Noiseless Aer shots behind the estimated distribution of a dynamic circuit (:func:`reference_estimate`), and their seed.
REFERENCE_SHOTS = 20_000
REFERENCE_SEED = 12345


def split_final_measurements(
    circuit: QuantumCircuit, *, strict: bool = True
) -> tuple[QuantumCircuit, tuple[int, ...]]:
    """``(unitary, measured)``: the gates of ``circuit`` and the qubit read into each classical bit.

    A circuit without measurements reads out every qubit, qubit ``q`` into bit ``q``. Otherwise
    every classical bit must be measured exactly once, after the last gate on its qubit
    (``strict=False``, for a statevector that ignores the read-out, allows classical bits that are
    never written and then returns the measured qubits in classical-bit order). Resets,
    mid-circuit measurements, classical control (``if``) and unbound parameters raise
    :class:`~qspectral.errors.UnsupportedCircuitError`.
    """
    if not isinstance(circuit, QuantumCircuit):
        raise TypeError(
            f"expected a qiskit QuantumCircuit, got {type(circuit).__name__}; load a .qasm "
            "file with qspectral.quantum.qasm.load_qasm or build one with qiskit"
        )
    if circuit.parameters:
        names = ", ".join(sorted(p.name for p in circuit.parameters)[:5])
        raise UnsupportedCircuitError(
            f"the circuit has unbound parameters ({names}); bind them with "
            "circuit.assign_parameters({...}) first"
        )
    unitary = QuantumCircuit(circuit.num_qubits, global_phase=circuit.global_phase)
    clbit_of_qubit: dict[int, int] = {}
    qubit_of_clbit: dict[int, int] = {}
    for index, inst in enumerate(circuit.data):
        op = inst.operation
        qubits = [circuit.find_bit(q).index for q in inst.qubits]
        if op.name == "measure":
            q, c = qubits[0], circuit.find_bit(inst.clbits[0]).index
            if q in clbit_of_qubit:
                raise UnsupportedCircuitError(
                    f"qubit {q} is measured twice; measure each qubit once, at the end"
                )
            if c in qubit_of_clbit:
                raise UnsupportedCircuitError(
                    f"classical bit {c} is written by two measurements; give each one its own bit"
                )
            clbit_of_qubit[q], qubit_of_clbit[c] = c, q
            continue
        if op.name == "barrier":
            unitary.append(op, [unitary.qubits[q] for q in qubits])
            continue
        if isinstance(op, ControlFlowOp) or inst.clbits or not isinstance(op, Gate):
            raise UnsupportedCircuitError(
                f"instruction {index} is '{op.name}', not a gate or a final measurement: only unitary "
                "gates followed by final measurements are supported (no reset, 'if' or mid-circuit measurement)"
            )
        late = [q for q in qubits if q in clbit_of_qubit]
        if late:
            raise UnsupportedCircuitError(
                f"gate '{op.name}' acts on qubit {late[0]} after it was measured; mid-circuit "
                "measurements are not supported: move every measurement to the end"
            )
        unitary.append(op, [unitary.qubits[q] for q in qubits])
    if not strict:
        return unitary, tuple(qubit_of_clbit[c] for c in sorted(qubit_of_clbit))
    if not qubit_of_clbit:
        if circuit.num_clbits:
            raise UnsupportedCircuitError(
                f"the circuit has {circuit.num_clbits} classical bits but no measurement; "
                "add measurements or remove the classical register"
            )
        return unitary, tuple(range(circuit.num_qubits))
    unread = [c for c in range(circuit.num_clbits) if c not in qubit_of_clbit]
    if unread:
        raise UnsupportedCircuitError(
            f"classical bit {unread[0]} is never measured; measure into every classical bit or "
            "remove the unused ones"
        )
    return unitary, tuple(qubit_of_clbit[c] for c in range(circuit.num_clbits))


def dynamic_instruction(circuit: QuantumCircuit) -> str | None:
    """Why ``circuit`` is dynamic (its first reset, mid-circuit measurement or classical ``if``), or None.

    A measurement is mid-circuit when a later instruction acts on its qubit (a gate, a reset or
    a second measurement).

    Example:
        >>> qc = QuantumCircuit(2, 1); _ = qc.measure(0, 0); _ = qc.reset(0)
        >>> dynamic_instruction(qc)
        'instruction 1 is a reset'
        >>> dynamic_instruction(QuantumCircuit(1)) is None
        True
    """
    measured: set[int] = set()
    for index, inst in enumerate(circuit.data):
        op = inst.operation
        qubits = {circuit.find_bit(q).index for q in inst.qubits}
        if isinstance(op, ControlFlowOp):
            return f"instruction {index} is a classical '{op.name}'"
        if op.name == "reset":
            return f"instruction {index} is a reset"
        if op.name != "barrier" and qubits & measured:
            return f"instruction {index} ('{op.name}') follows a measurement of qubit {min(qubits & measured)}"
        if op.name == "measure":
            measured |= qubits
    return None


def outcome_distribution(probabilities: np.ndarray, measured: Sequence[int]) -> np.ndarray:
    """``P(outcome)`` from statevector probabilities: bit ``j`` of an outcome is qubit ``measured[j]``.

    ``probabilities[i]`` is the probability of statevector index ``i`` (qubit ``q`` = bit ``q``).

    Example:
        >>> outcome_distribution(np.array([0.0, 0.25, 0.0, 0.75]), [1]).tolist()   # qubit 1 set: 0.75
        [0.25, 0.75]
    """
    probabilities = np.asarray(probabilities, dtype=float)
    index = np.arange(probabilities.size)
    outcome = np.zeros(probabilities.size, dtype=np.int64)
    for j, q in enumerate(measured):
        outcome |= ((index >> q) & 1) << j
    return np.bincount(outcome, weights=probabilities, minlength=2 ** len(measured))


def sample_counts(distribution: np.ndarray, shots: int, seed: int | None) -> dict[int, int]:
    """``shots`` outcomes drawn from ``distribution`` with numpy's seeded generator: ``{outcome: count}``.

    Example:
        >>> sample_counts(np.array([0.0, 1.0]), 5, seed=0)
        {1: 5}
    """
    p = np.clip(np.asarray(distribution, dtype=float), 0.0, None)
    drawn = np.random.default_rng(seed).multinomial(shots, p / p.sum())
    return {int(x): int(drawn[x]) for x in np.flatnonzero(drawn)}


def tv_distance(counts: Mapping[int, int], ideal: np.ndarray) -> float:
    """Total-variation distance ``1/2 sum_x |counts[x]/shots - ideal[x]|`` (0 = ideal, 1 = disjoint).

    Raises InvalidJobError for empty counts or an outcome outside ``ideal``'s range.

    Example:
        >>> tv_distance({0: 90, 3: 10}, np.array([1.0, 0.0, 0.0, 0.0]))
        0.1
    """
    p = np.asarray(ideal, dtype=float)
    shots = sum(counts.values())
    if shots <= 0:
        raise InvalidJobError("the counts are empty; a finished job has at least one shot")
    empirical = np.zeros_like(p)
    for outcome, count in counts.items():
        if not 0 <= outcome < p.size:
            raise InvalidJobError(
                f"outcome {outcome} is outside the {p.size} outcomes of the ideal distribution; "
                "the counts and the circuit do not belong together"
            )
        empirical[outcome] = count / shots
    return round(float(0.5 * np.abs(empirical - p).sum()), 12)


def tv_bound(distribution: np.ndarray, shots: int, false_alarm: float = FALSE_ALARM) -> float:
    """The TV distance that ``shots`` samples of ``distribution`` exceed with probability <= ``false_alarm``.

    ``E[TV] <= 1/2 sum_x sqrt(p_x (1 - p_x) / N)`` (Jensen), and TV changes by at most ``1/N``
    when one shot changes, so McDiarmid's inequality gives
    ``P(TV >= E[TV] + sqrt(ln(1/false_alarm) / (2N))) <= false_alarm``. The bound is that sum.

    Example:
        >>> round(tv_bound(np.array([0.5, 0.5]), 10_000), 4)   # 0.005 + sqrt(ln(1e6) / 20000)
        0.0313
    """
    p = np.clip(np.asarray(distribution, dtype=float), 0.0, 1.0)
    expected = 0.5 * float(np.sqrt(p * (1 - p) / shots).sum())
    return expected + float(np.sqrt(np.log(1 / false_alarm) / (2 * shots)))


def int_counts(pub_result) -> dict[int, int]:
    """``{outcome: count}`` of a ``SamplerV2`` pub result, every classical register joined
    (bit ``j`` = the circuit's classical bit ``j`` when registers are declared in order)."""
    return {int(k): int(v) for k, v in pub_result.join_data().get_int_counts().items()}


def aer_counts(circuit: QuantumCircuit, shots: int, *, seed: int | None, device: str = "CPU") -> dict[int, int]:
    """Noiseless Aer ``SamplerV2`` counts of a measured (possibly dynamic) circuit, seeded.

    Example:
        >>> qc = QuantumCircuit(1, 1); _ = qc.x(0); _ = qc.measure(0, 0)
        >>> aer_counts(qc, 10, seed=1)
        {1: 10}
    """
    from qiskit import transpile
    from qiskit_aer import AerSimulator
    from qiskit_aer.primitives import SamplerV2

    sampler = SamplerV2(seed=seed, options={"backend_options": {"device": device}})
    compiled = transpile(circuit, AerSimulator(device=device), optimization_level=0)
    return int_counts(sampler.run([compiled], shots=shots).result()[0])


def reference_estimate(
    circuit: QuantumCircuit, shots: int = REFERENCE_SHOTS, seed: int = REFERENCE_SEED
) -> np.ndarray:
    """Outcome frequencies of a dynamic circuit over ``shots`` seeded noiseless Aer shots.

    The stand-in for an exact distribution where there is no statevector; its own sampling
    error is at most :func:`tv_bound` ``(estimate, shots)`` (with probability ``1 - FALSE_ALARM``).

    Example:
        >>> qc = QuantumCircuit(1, 1); _ = qc.x(0); _ = qc.measure(0, 0); _ = qc.reset(0)
        >>> reference_estimate(qc, shots=100).tolist()
        [0.0, 1.0]
    """
    estimate = np.zeros(2**circuit.num_clbits)
    for outcome, count in aer_counts(circuit, shots, seed=seed).items():
        estimate[outcome] = count / shots
    return estimate
