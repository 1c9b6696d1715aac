r"""Compile stage 1, flatten: every instruction of a Qiskit circuit becomes a gate on *wires*.

Wires are storage qubits. QFT blocks (:class:`~qspectral.quantum.qft.QFTBlock` and Qiskit's
``QFTGate``, exact ones) stay whole; Qiskit standard gates known to
:func:`~qspectral.kernels.gates.gate_matrix` keep their name and parameters (numbers or
:class:`~qiskit.circuit.ParameterExpression`); ``mcphase`` and ``DiagonalGate`` (and ``UCRZGate``)
become diagonals; ``UCRYGate``, ``UCRXGate`` and ``UCGate`` uniformly controlled (multiplexed)
gates; qspectral's ``SpectralPhaseGate`` a ``phase`` op holding its array (never its
``DiagonalGate`` definition) and ``SpectralFilterGate`` a ``filter`` op holding its gains; other gates with a matrix (``UnitaryGate``, library gates, on at most ``MAX_MATRIX_QUBITS``
qubits) are applied through it, and the rest (custom gates, approximate QFTs, ...) are expanded
through their ``definition``. Global phases are summed. ``swap`` gates are not executed: they
exchange which wire holds which qubit, and the program ends with one relabelling of the index bits.

No torch here (see :mod:`qspectral.sim.engine.compiler`).

Example:
    >>> from qiskit import QuantumCircuit
    >>> qc = QuantumCircuit(2); _ = qc.h(0); _ = qc.swap(0, 1); _ = qc.rz(0.5, 0)
    >>> ops, phases, output_wires = flatten(qc)
    >>> [(op.name, op.wires) for op in ops], output_wires
    ([('h', (0,)), ('rz', (1,))], [1, 0])
"""

from __future__ import annotations

import functools

import numpy as np
from qiskit.circuit import Gate, ParameterExpression, QuantumCircuit
from qiskit.circuit.library import (
    DiagonalGate,
    MCPhaseGate,
    QFTGate,
    UCGate,
    UCRXGate,
    UCRYGate,
    UCRZGate,
)

from qspectral.errors import UnsupportedCircuitError
from qspectral.kernels.gate_table import GATE_PARAMS
from qspectral.quantum.qft import QFTBlock
from qspectral.quantum.spectral_gates import SpectralFilterGate, SpectralPhaseGate
from qspectral.sim.engine.program import Number, Op

#: A gate with a matrix but more qubits than this is expanded through its definition if it has one.
MAX_MATRIX_QUBITS = 6
_SKIP = frozenset({"barrier", "delay", "id"})


def _number(value) -> Number:
    if isinstance(value, ParameterExpression):
        if value.parameters:
            return value
        value = complex(value)
        if value.imag:
            raise UnsupportedCircuitError(f"a gate parameter evaluates to the complex number {value}; use real angles")
        return float(value.real)
    return float(value)


def _qft_of(op: Gate) -> tuple[bool, bool] | None:
    """``(inverse, do_swaps)`` for an exact QFT block, else None (approximate ones are expanded)."""
    if isinstance(op, QFTBlock):
        return (op.is_inverse, op.do_swaps) if op.is_exact else None
    if isinstance(op, QFTGate):
        return False, True
    return None


@functools.lru_cache(maxsize=1)
def _library() -> dict[str, type]:
    """Gate name -> the Qiskit class that name must come from for the engine's native handling
    (a custom gate that merely reuses a name is expanded through its definition instead; the
    names of :data:`GATE_PARAMS` are native when Qiskit marks the instruction a standard gate)."""
    return {
        "mcphase": MCPhaseGate, "diagonal": DiagonalGate, "ucrx": UCRXGate, "ucry": UCRYGate,
        "ucrz": UCRZGate, "multiplexer": UCGate,
    }


def _native(op: Gate) -> bool:
    cls = _library().get(op.name)
    return cls is not None and isinstance(op, cls)


def _multiplexer_blocks(op: Gate) -> np.ndarray | None:
    """The ``(2**controls, 2, 2)`` blocks of a uniformly controlled gate (``qargs[0]`` the target),
    or None when its parameters are not all numbers."""
    if op.name == "multiplexer":
        return np.asarray(op.params, dtype=np.complex128)
    if any(isinstance(p, ParameterExpression) and p.parameters for p in op.params):
        return None
    theta = np.asarray([float(p) for p in op.params]) / 2
    c, s = np.cos(theta), np.sin(theta)
    if op.name == "ucry":
        return np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], -2).astype(np.complex128)
    if op.name == "ucrx":
        return np.stack([np.stack([c, -1j * s], -1), np.stack([-1j * s, c], -1)], -2)
    zero = np.zeros_like(theta)
    return np.stack([np.stack([np.exp(-1j * theta), zero], -1), np.stack([zero, np.exp(1j * theta)], -1)], -2)


def _as_matrix(op: Gate) -> np.ndarray | None:
    """The gate's matrix when it has one and is small (or has no definition to expand instead)."""
    if any(isinstance(p, ParameterExpression) and p.parameters for p in op.params):
        return None
    if op.name == "unitary" or op.num_qubits <= MAX_MATRIX_QUBITS or op.definition is None:
        try:
            return np.array(op.to_matrix(), dtype=np.complex128)
        except Exception:  # Qiskit raises CircuitError when a gate has no matrix
            return None
    return None


def flatten(circuit: QuantumCircuit) -> tuple[list[Op], list[Number], list[int]]:
    """Return ``(ops, phases, output_wires)``: gates on wires, global-phase terms, final wire of each qubit."""
    ops: list[Op] = []
    phases: list[Number] = []
    holder = list(range(circuit.num_qubits))  # holder[q] = wire holding circuit qubit q

    def visit(circ: QuantumCircuit, qubits: list[int]) -> None:
        if circ.global_phase:
            phases.append(_number(circ.global_phase))
        position = {q: i for i, q in enumerate(circ.qubits)}
        for inst in circ.data:
            local = [qubits[position[q]] for q in inst.qubits]
            name = inst.name
            if name in _SKIP:
                continue
            if name == "global_phase":
                phases.append(_number(inst.params[0]))
                continue
            if name == "swap":
                a, b = local
                holder[a], holder[b] = holder[b], holder[a]
                continue
            wires = tuple(holder[q] for q in local)
            if name in GATE_PARAMS and inst.is_standard_gate():  # without building the gate object
                params = tuple(_number(p) for p in inst.params)
                matrix = inst.matrix if all(isinstance(p, float) for p in params) else None
                ops.append(Op("gate", name, wires, params, constant=matrix))
                continue
            op = inst.operation
            qft = _qft_of(op)
            if qft is not None:
                ops.append(Op("qft", name, wires, inverse=qft[0], do_swaps=qft[1]))
            elif isinstance(op, SpectralPhaseGate):  # its phase array, never its DiagonalGate definition
                ops.append(Op("phase", name, wires, constant=op.phases))
            elif isinstance(op, SpectralFilterGate):  # its gains, never its definition
                ops.append(Op("filter", name, wires, constant=op.gains))
            elif not _native(op):
                expand(op, local, wires)
            elif name == "mcphase":
                ops.append(Op("diagonal", name, wires, (_number(op.params[0]),)))
            elif name == "diagonal":
                ops.append(Op("diagonal", name, wires, constant=np.asarray(op.params, dtype=np.complex128)))
            elif (blocks := _multiplexer_blocks(op)) is not None:
                kind = "diagonal" if name == "ucrz" else "multiplexed"
                entries = blocks[:, [0, 1], [0, 1]].reshape(-1) if kind == "diagonal" else blocks
                ops.append(Op(kind, name, wires, constant=entries))
            else:
                expand(op, local, wires)

    def expand(op: Gate, local: list[int], wires: tuple[int, ...]) -> None:
        if (matrix := _as_matrix(op)) is not None:
            ops.append(Op("matrix", op.name, wires, constant=matrix))
        elif op.definition is not None:
            visit(op.definition, local)
        else:
            raise UnsupportedCircuitError(
                f"gate '{op.name}' has neither a definition nor a matrix, so the engine cannot "
                "apply it; give it a definition or decompose it with qiskit.transpile first"
            )

    visit(circuit, list(range(circuit.num_qubits)))
    return ops, phases, holder
