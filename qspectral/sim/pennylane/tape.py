"""Convert PennyLane operations (a tape or a list) to a Qiskit circuit, so the engine can run them.

**Wire convention.** ``wire_order`` lists the PennyLane wires that make up the register,
``wire_order[0]`` the most significant bit, exactly as ``qml.state()`` orders a device built with
``qml.device(..., wires=wire_order)``. PennyLane wire ``wire_order[j]`` becomes Qiskit qubit
``n - 1 - j``, so the circuit's little-endian statevector (qspectral's convention) is the same
array as that device's ``qml.state()``.

``qml.QFT`` (its first wire the most significant bit) becomes one :class:`QFTBlock` on the
reversed qubit list, and ``qml.adjoint(qml.QFT)`` the inverse block, which the engine runs as one
FFT. Common gates map one to one; ``QubitUnitary`` and ``DiagonalQubitUnitary`` (first wire = most
significant bit of the matrix index) become Qiskit's ``UnitaryGate``/``DiagonalGate`` on the
reversed qubits (``qargs[0]`` = least significant bit). Other adjoints are converted and inverted;
any other operation is expanded with ``op.decomposition()``. Measurements on a tape are ignored.
State preparations (``StatePrep``, ``BasisState``) are expanded too, which is only right when the
circuit starts from ``|0...0>``.

Example:
    >>> import numpy as np, pennylane as qml
    >>> ops = [qml.PauliX("a"), qml.Hadamard(3)]
    >>> qc = pennylane_to_circuit(ops, wire_order=["a", 3])   # "a" is the MSB: Qiskit qubit 1
    >>> [(i.operation.name, qc.find_bit(i.qubits[0]).index) for i in qc.data]
    [('x', 1), ('h', 0)]
    >>> from qiskit.quantum_info import Statevector
    >>> dev = qml.device("default.qubit", wires=["a", 3])
    >>> ref = qml.execute([qml.tape.QuantumScript(ops, [qml.state()])], dev)[0]
    >>> bool(np.allclose(Statevector(qc).data, ref))
    True
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence

import numpy as np
from qiskit.circuit import ParameterExpression, QuantumCircuit
from qiskit.circuit.library import DiagonalGate, UnitaryGate

from qspectral.errors import InvalidQubitsError, UnsupportedCircuitError
from qspectral.quantum.qft import QFTBlock

__all__ = ["pennylane_to_circuit"]

#: PennyLane operation name -> the QuantumCircuit method that appends the same gate. Parameters
#: and wires keep PennyLane's order (controls first), which is Qiskit's argument order too.
_GATES: dict[str, str] = {
    "Hadamard": "h",
    "PauliX": "x",
    "PauliY": "y",
    "PauliZ": "z",
    "S": "s",
    "T": "t",
    "SX": "sx",
    "RX": "rx",
    "RY": "ry",
    "RZ": "rz",
    "PhaseShift": "p",
    "U1": "p",
    "U3": "u",
    "CNOT": "cx",
    "CY": "cy",
    "CZ": "cz",
    "CH": "ch",
    "SWAP": "swap",
    "ISWAP": "iswap",
    "ControlledPhaseShift": "cp",
    "CRX": "crx",
    "CRY": "cry",
    "CRZ": "crz",
    "IsingXX": "rxx",
    "IsingYY": "ryy",
    "IsingZZ": "rzz",
    "Toffoli": "ccx",
    "CSWAP": "cswap",
    "CCZ": "ccz",
}


def _number(value, op) -> float | np.ndarray:
    """A plain float (or numpy array for matrices) from a PennyLane parameter; refuse trainable ones.
    A Qiskit parameter (put in place of a number by the engine's PennyLane device) stays symbolic."""
    if isinstance(value, ParameterExpression):
        return value
    if type(value).__module__.split(".")[0] == "torch":
        if value.requires_grad:
            raise UnsupportedCircuitError(
                f"{op.name} on wires {list(op.wires)} has a trainable torch parameter; gradients through "
                "PennyLane tapes are not supported by the engine: pass plain numbers (tensor.detach()), "
                "or build a Qiskit circuit with Parameters and give run_circuit(parameters=...) the tensors"
            )
        value = value.detach().cpu().numpy()
    try:
        array = np.asarray(value, dtype=complex if np.iscomplexobj(value) else float)
    except (TypeError, ValueError) as exc:
        raise UnsupportedCircuitError(
            f"{op.name} on wires {list(op.wires)} has a parameter of type {type(value).__name__} that is "
            "not a number (a traced or trainable value?); gradients through PennyLane tapes are not "
            "supported: pass plain numbers"
        ) from exc
    return float(array) if array.ndim == 0 else array


def _convert(op, qubit_of: Callable, circuit: QuantumCircuit) -> None:
    """Append ``op`` (any PennyLane operator) to ``circuit``, mapping wires with ``qubit_of``."""
    import pennylane as qml

    qubits = [qubit_of(w) for w in op.wires]
    if getattr(op, "batch_size", None) is not None:
        raise UnsupportedCircuitError(
            f"{op.name} on wires {list(op.wires)} has broadcast (batched) parameters; convert one tape "
            "per parameter value, or batch with Qiskit Parameters and run_circuit(parameters=...)"
        )
    params = [_number(p, op) for p in op.data]
    if isinstance(op, qml.QFT):
        circuit.append(QFTBlock(len(qubits)), qubits[::-1])  # PennyLane's first wire is the MSB
    elif isinstance(op, qml.ops.op_math.Adjoint):
        inner = QuantumCircuit(circuit.num_qubits)
        _convert(op.base, qubit_of, inner)
        circuit.compose(inner.inverse(), inplace=True)  # QFTBlock.inverse() is the inverse block
    elif op.name in _GATES:
        getattr(circuit, _GATES[op.name])(*params, *qubits)
    elif op.name == "U2":  # U2(phi, delta) = U3(pi/2, phi, delta)
        circuit.u(np.pi / 2, *params, qubits[0])
    elif op.name == "Rot":  # Rot(phi, theta, omega) = RZ(omega) RY(theta) RZ(phi)
        phi, theta, omega = params
        circuit.rz(phi, qubits[0])
        circuit.ry(theta, qubits[0])
        circuit.rz(omega, qubits[0])
    elif op.name == "MultiRZ":  # exp(-i theta/2 Z...Z): e^{-+i theta/2} by the parity of the bits
        parity = np.array([bin(k).count("1") % 2 for k in range(2 ** len(qubits))])
        circuit.append(DiagonalGate(list(np.exp(-0.5j * params[0] * (1 - 2 * parity)))), qubits)
    elif op.name == "QubitUnitary":
        circuit.append(UnitaryGate(params[0]), qubits[::-1])
    elif op.name == "DiagonalQubitUnitary":
        circuit.append(DiagonalGate(list(params[0])), qubits[::-1])
    elif op.name == "GlobalPhase":  # exp(-i phi) times the identity
        circuit.global_phase -= params[0]
    elif op.name == "Identity":
        pass
    elif op.has_decomposition:
        for part in op.decomposition():
            _convert(part, qubit_of, circuit)
    else:
        raise UnsupportedCircuitError(
            f"PennyLane operation {op.name} on wires {list(op.wires)} has no Qiskit equivalent here and no "
            "decomposition (mid-circuit measurements and other non-unitary operations cannot be run as a "
            "statevector); replace it with unitary gates, e.g. qml.QubitUnitary(qml.matrix(op), wires)"
        )


def pennylane_to_circuit(tape_or_ops, wire_order: Sequence[Hashable] | None = None) -> QuantumCircuit:
    """Return the Qiskit circuit equal to the PennyLane operations ``tape_or_ops``.

    Args:
        tape_or_ops: a ``qml.tape.QuantumScript`` (its measurements are ignored; for a QNode use
            ``qml.workflow.construct_tape(qnode)(*args)``) or an iterable of PennyLane operations.
        wire_order: the register's PennyLane wires, ``wire_order[0]`` the most significant bit as in
            ``qml.state()`` of ``qml.device(..., wires=wire_order)``; wire ``wire_order[j]`` becomes
            Qiskit qubit ``n - 1 - j``. It must hold every wire the operations act on (it may hold
            more) and no wire twice. Default for a tape: ``tape.wires`` in the tape's order (the
            order in which its operations and measurements first use them, not sorted); a list of
            operations needs it.

    Raises:
        InvalidQubitsError: ``wire_order`` is missing (for a list of operations), empty, repeats a
            wire or misses a wire of an operation.
        UnsupportedCircuitError: an operation with no mapping and no decomposition (e.g. a
            mid-circuit measurement), a trainable torch parameter, or broadcast parameters.
        TypeError: ``tape_or_ops`` is neither a tape nor an iterable of operations.

    Example:
        >>> import numpy as np, pennylane as qml
        >>> from qspectral.conventions import apply_qft
        >>> from qiskit.quantum_info import Statevector
        >>> qc = pennylane_to_circuit([qml.PauliX(1), qml.QFT(wires=[0, 1])], wire_order=[0, 1])
        >>> [i.operation.name for i in qc.data]                   # one QFT block, MSB wire 0 -> qubit 1
        ['x', 'qft']
        >>> bool(np.allclose(Statevector(qc).data, apply_qft(np.eye(4)[1])))
        True
    """
    import pennylane as qml

    if isinstance(tape_or_ops, qml.tape.QuantumScript):
        ops = list(tape_or_ops.operations)
        wire_order = tape_or_ops.wires if wire_order is None else wire_order
    elif isinstance(tape_or_ops, Iterable) and not isinstance(tape_or_ops, (str, bytes)):
        ops = list(tape_or_ops)
        bad = [o for o in ops if not isinstance(o, qml.operation.Operator)]
        if bad:
            raise TypeError(
                f"pennylane_to_circuit needs PennyLane operations, got {type(bad[0]).__name__}; pass a "
                "qml.tape.QuantumScript or a list of operations such as [qml.Hadamard(0), qml.QFT([0, 1])]"
            )
    else:
        raise TypeError(
            f"pennylane_to_circuit needs a qml.tape.QuantumScript or a list of PennyLane operations, "
            f"got {type(tape_or_ops).__name__}"
        )
    if wire_order is None:
        raise InvalidQubitsError(
            "a list of operations needs wire_order, the register's wires with the most significant first"
        )
    order = list(wire_order)
    if not order:
        raise InvalidQubitsError("wire_order is empty; list the register's wires, the most significant first")
    if len(set(order)) != len(order):
        raise InvalidQubitsError(f"wire_order {order} repeats a wire; list each wire once")
    n = len(order)
    index = {w: n - 1 - j for j, w in enumerate(order)}

    def qubit_of(wire) -> int:
        if wire not in index:
            raise InvalidQubitsError(
                f"an operation acts on wire {wire!r}, which is not in wire_order {order}; add it"
            )
        return index[wire]

    for wire in (w for o in ops for w in o.wires):  # before any conversion work
        qubit_of(wire)
    circuit = QuantumCircuit(n)
    for op in ops:
        _convert(op, qubit_of, circuit)
    return circuit
