"""Split a circuit into its unitary part and its final measurements.

Benchmark-suite files (QASMBench, MQT Bench) end in ``measure`` instructions; a statevector
simulation needs the unitary part, a sampling job needs both. Bit order: outcome bit ``j`` is the
value read into classical bit ``j`` (see :mod:`qspectral.cloud.program`).

Example:
    >>> qc = QuantumCircuit(3, 2); _ = qc.h(1); _ = qc.measure([2, 1], [0, 1])
    >>> unitary, measured = split_final_measurements(qc)
    >>> measured, unitary.num_clbits
    ((2, 1), 0)
"""

from __future__ import annotations

from qiskit import QuantumCircuit
from qiskit.circuit import ControlFlowOp, Gate

from qspectral.errors import UnsupportedCircuitError


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
