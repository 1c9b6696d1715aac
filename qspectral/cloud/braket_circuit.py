"""Exact conversion of a Qiskit circuit to an Amazon Braket ``Circuit``, gate by gate.

The circuit is first transpiled (without optimisation) to :data:`BRAKET_GATES`, the Qiskit gates
that have a Braket gate with the same matrix (for example ``p`` is ``phaseshift``, ``sx`` is
``v``, ``cp`` is ``cphaseshift``); each gate then becomes that Braket gate on the same qubit
indices, in the same qubit order. Barriers are dropped and the global phase is dropped (neither
changes measured probabilities). The Braket SDK serialises the result to OpenQASM 3 for the
device; no text round trip through another exporter is involved.

Read-out: Braket measures every qubit a gate touches and reports bitstrings whose *leftmost*
character is ``measured_qubits[0]``: :func:`outcome_counts` turns them into qspectral outcomes.

Example (``to_braket(qc)`` needs ``amazon-braket-sdk``, the ``[cloud]`` extra):
    >>> BRAKET_GATES["cp"], BRAKET_GATES["sx"]
    ('cphaseshift', 'v')
    >>> outcome_counts({"110": 3}, measured_qubits=[0, 1, 2], measured=[0, 1, 2])   # qubits 0, 1 set
    {3: 3}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from qiskit import QuantumCircuit

from qspectral.errors import UnsupportedCircuitError

if TYPE_CHECKING:
    from braket.circuits import Circuit

#: Qiskit gate name -> name of the ``braket.circuits.Circuit`` method adding the same matrix.
BRAKET_GATES = {
    "id": "i", "x": "x", "y": "y", "z": "z", "h": "h", "s": "s", "sdg": "si", "t": "t",
    "tdg": "ti", "sx": "v", "sxdg": "vi", "rx": "rx", "ry": "ry", "rz": "rz", "p": "phaseshift",
    "u": "u", "cx": "cnot", "cy": "cy", "cz": "cz", "cp": "cphaseshift", "swap": "swap",
    "iswap": "iswap", "ecr": "ecr", "rxx": "xx", "ryy": "yy", "rzz": "zz", "ccx": "ccnot",
    "cswap": "cswap",
}


def to_braket(circuit: QuantumCircuit) -> "Circuit":
    """Return the ``braket.circuits.Circuit`` with the same gates as the unitary ``circuit``.

    Qubit ``q`` of ``circuit`` is Braket qubit ``q``. Measurements must have been removed
    (:class:`~qspectral.cloud.program.SamplingProgram` does that).
    """
    from braket.circuits import Circuit
    from qiskit import transpile

    basic = transpile(circuit, basis_gates=list(BRAKET_GATES), optimization_level=0)
    out = Circuit()
    for inst in basic.data:
        name = inst.operation.name
        if name == "barrier":
            continue
        method = BRAKET_GATES.get(name)
        if method is None:  # transpile() leaves only basis gates, barriers and non-unitary ops
            raise UnsupportedCircuitError(
                f"'{name}' cannot be sent to Braket; only unitary gates can (remove it first)"
            )
        qubits = [basic.find_bit(q).index for q in inst.qubits]
        params = [float(p) for p in inst.operation.params]
        getattr(out, method)(*qubits, *params)
    return out


def outcome_counts(
    counts: Mapping[str, int], measured_qubits: Sequence[int], measured: Sequence[int]
) -> dict[int, int]:
    """Convert Braket counts to qspectral outcomes (bit ``j`` = qubit ``measured[j]``).

    ``counts`` are Braket's bitstrings (character ``i`` = qubit ``measured_qubits[i]``). A qubit
    in ``measured`` that Braket did not measure has no gate on it and reads 0.

    Example:
        >>> outcome_counts({"11": 5}, [0, 2], [0, 1, 2, 3])   # X on qubits 0 and 2 of 4
        {5: 5}
    """
    position = {q: i for i, q in enumerate(measured_qubits)}
    out: dict[int, int] = {}
    for bits, count in counts.items():
        outcome = 0
        for j, q in enumerate(measured):
            i = position.get(q)
            if i is not None and bits[i] == "1":
                outcome |= 1 << j
        out[outcome] = out.get(outcome, 0) + int(count)
    return out
