"""Run a Qiskit circuit on a PennyLane device: a gate-by-gate converter over a fixed basis.

``pennylane-qiskit`` would do this, but it pins older Qiskit releases, so qspectral maps gates
itself. Qiskit qubit ``q`` becomes PennyLane wire label ``q``, and the device's wires are ordered
``[n-1, ..., 0]``, so ``qml.state()`` comes back already in qspectral's little-endian convention.

Gates outside the table are expanded through their Qiskit ``definition`` (recursively); an opaque
gate with a matrix becomes ``qml.QubitUnitary`` and Qiskit's ``DiagonalGate`` (or qspectral's
``SpectralPhaseGate``, read from its phase array) becomes
``qml.DiagonalQubitUnitary`` (on more than ``HOST_DIAGONAL_QUBITS`` qubits a
:class:`~qspectral.sim.host_diagonal.HostDiagonal` between two device runs, since the devices
would build it as a dense matrix). Exact QFT blocks (:class:`QFTBlock`, Qiskit's
``QFTGate``) become one ``qml.QFT`` (wires reversed: PennyLane's first wire is the most
significant bit), approximate ones ``qml.AQFT``.

Example:
    >>> from qiskit import QuantumCircuit
    >>> qc = QuantumCircuit(2); _ = qc.x(0)
    >>> ops, phase = circuit_to_pennylane_ops(qc)
    >>> ops[0].name, list(ops[0].wires), phase
    ('PauliX', [0], 0.0)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from qiskit.circuit import QuantumCircuit

from qspectral.errors import UnsupportedCircuitError
from qspectral.sim.host_diagonal import HOST_DIAGONAL_QUBITS, HostDiagonal, diagonal_entries


def _table() -> dict[str, Callable]:
    import pennylane as qml

    def fixed(cls):
        return lambda params, wires: cls(wires=wires)

    def param(cls):
        return lambda params, wires: cls(*params, wires=wires)

    def dagger(cls):
        return lambda params, wires: qml.adjoint(cls(wires=wires))

    return {
        "id": lambda params, wires: None,
        "h": fixed(qml.Hadamard),
        "x": fixed(qml.PauliX),
        "y": fixed(qml.PauliY),
        "z": fixed(qml.PauliZ),
        "s": fixed(qml.S),
        "sdg": dagger(qml.S),
        "t": fixed(qml.T),
        "tdg": dagger(qml.T),
        "sx": fixed(qml.SX),
        "sxdg": dagger(qml.SX),
        "rx": param(qml.RX),
        "ry": param(qml.RY),
        "rz": param(qml.RZ),
        "p": param(qml.PhaseShift),
        "u1": param(qml.PhaseShift),
        "u2": param(qml.U2),
        "u": param(qml.U3),
        "u3": param(qml.U3),
        "cx": fixed(qml.CNOT),
        "cy": fixed(qml.CY),
        "cz": fixed(qml.CZ),
        "ch": fixed(qml.CH),
        "swap": fixed(qml.SWAP),
        "iswap": fixed(qml.ISWAP),
        "cp": param(qml.ControlledPhaseShift),
        "cu1": param(qml.ControlledPhaseShift),
        "crx": param(qml.CRX),
        "cry": param(qml.CRY),
        "crz": param(qml.CRZ),
        "rxx": param(qml.IsingXX),
        "ryy": param(qml.IsingYY),
        "rzz": param(qml.IsingZZ),
        "ccx": fixed(qml.Toffoli),
        "cswap": fixed(qml.CSWAP),
        "ccz": fixed(qml.CCZ),
    }


def _qft_op(operation, wires: list[int]):
    """Map an exact-or-approximate QFT block with swaps to ``[qml.QFT]``/``[qml.AQFT]`` (an inverse one
    to the adjoint gates of their decomposition), else None."""
    import pennylane as qml

    from qspectral.quantum.qft import QFTBlock

    if isinstance(operation, QFTBlock):
        if not operation.do_swaps:
            return None
        inverse, degree = operation.is_inverse, operation.approximation_degree
    elif operation.name == "qft" and type(operation).__name__ == "QFTGate":
        inverse, degree = False, 0
    else:
        return None
    msb_first = wires[::-1]
    if degree == 0:
        op = qml.QFT(wires=msb_first)
    else:
        op = qml.AQFT(order=len(wires) - 1 - degree, wires=msb_first)
    if not inverse:
        return [op]
    # The inverse as the adjoints of its gates (H, ControlledPhaseShift(-phi), SWAP): a lazy
    # ``Adjoint(QFT)`` escapes default.qubit's "decompose QFTs of 6+ wires" rule and is built as a
    # dense 2^n x 2^n matrix there (128 TiB at 22 qubits).
    return [qml.adjoint(gate, lazy=False) for gate in reversed(op.decomposition())]


def circuit_to_pennylane_ops(circuit: QuantumCircuit) -> tuple[list, float]:
    """Convert ``circuit`` to PennyLane operations on wire labels ``0..n-1`` (label = Qiskit index).

    Returns ``(ops, global_phase)``: the state the ops produce must be multiplied by
    ``exp(1j * global_phase)`` to equal Qiskit's. Raises UnsupportedCircuitError for an
    instruction that is neither a gate in the table, nor defined by one, nor has a matrix.
    """
    table = _table()
    ops: list = []
    phase = [0.0]

    def visit(circ: QuantumCircuit, qubit_map: list[int]) -> None:
        phase[0] += float(circ.global_phase)
        for instruction in circ.data:
            op = instruction.operation
            wires = [qubit_map[circ.find_bit(q).index] for q in instruction.qubits]
            if op.name in ("barrier", "delay"):
                continue
            if op.name == "global_phase":
                phase[0] += float(op.params[0])
                continue
            qft = _qft_op(op, wires)
            if qft is not None:
                ops.extend(qft)
                continue
            if op.name in table:
                mapped = table[op.name]([float(p) for p in op.params], wires)
                if mapped is not None:
                    ops.append(mapped)
                continue
            diagonal = diagonal_entries(op)
            if diagonal is not None:  # one elementwise multiply, not 2^k gates
                ops.append(HostDiagonal(diagonal, wires) if len(wires) > HOST_DIAGONAL_QUBITS else _as_diagonal(diagonal, wires))
                continue
            if op.name == "unitary" or op.definition is None:
                ops.append(_as_unitary(op, wires))
                continue
            visit(op.definition, wires)

    visit(circuit, list(range(circuit.num_qubits)))
    return ops, phase[0]


def _as_diagonal(diagonal: np.ndarray, wires: list[int]):
    import pennylane as qml

    # Qiskit's diagonal is indexed with qargs[0] least significant; PennyLane's first wire is the MSB.
    return qml.DiagonalQubitUnitary(diagonal, wires=wires[::-1])


def _as_unitary(op, wires: list[int]):
    import pennylane as qml

    try:
        matrix = op.to_matrix()
    except Exception as exc:  # Qiskit raises CircuitError for non-unitary instructions.
        raise UnsupportedCircuitError(
            f"instruction '{op.name}' has no definition and no matrix, so it cannot be run on a "
            "PennyLane device; decompose it with qiskit.transpile(circuit, basis_gates=[...]) first"
        ) from exc
    # Qiskit matrices put qargs[0] in the least significant bit; PennyLane's first wire is the MSB.
    return qml.QubitUnitary(matrix, wires=wires[::-1])


def run_on_pennylane(
    circuit: QuantumCircuit,
    device_name: str,
    initial_state: np.ndarray | None,
    dtype: np.dtype,
) -> np.ndarray:
    """Simulate ``circuit`` on the PennyLane device ``device_name``; return the qspectral-order state."""
    import pennylane as qml

    n = circuit.num_qubits
    ops, phase = circuit_to_pennylane_ops(circuit)
    wire_order = list(range(n - 1, -1, -1))
    kwargs = {"c_dtype": dtype} if device_name.startswith("lightning") else {}
    device = qml.device(device_name, wires=wire_order, **kwargs)

    @qml.qnode(device)
    def run(start, segment):
        if start is not None:
            qml.StatePrep(start.astype(dtype), wires=wire_order)
        for op in segment:
            qml.apply(op)
        return qml.state()

    # Device runs between host-applied diagonals.
    state, segment = initial_state, []
    for op in ops:
        if isinstance(op, HostDiagonal):
            state = op.apply(np.asarray(run(state, segment)))
            segment = []
        else:
            segment.append(op)
    state = np.asarray(run(state, segment))
    if phase:
        state = state * np.exp(1j * phase)
    return state
