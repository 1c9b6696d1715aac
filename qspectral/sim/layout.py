"""Undo Qiskit's layout: map a transpiled (physical) circuit's state back to its virtual qubits.

A transpiled circuit carries ``circuit.layout`` (a ``TranspileLayout``): virtual qubit ``v``
starts on physical qubit ``initial[v]`` and, after routing and elided final SWAPs, ends on physical
qubit ``final[v]``; the remaining physical qubits are ancillas that start in ``|0>``. qspectral
simulates the physical circuit (with idle ancillas removed) and reads the virtual state out.

Example:
    >>> from qiskit import QuantumCircuit, transpile
    >>> from qiskit.transpiler import CouplingMap
    >>> qc = QuantumCircuit(3); _ = qc.h(0); _ = qc.cx(0, 2)
    >>> t = transpile(qc, coupling_map=CouplingMap.from_line(5), optimization_level=1, seed_transpiler=3)
    >>> plan = PhysicalPlan.from_circuit(t)
    >>> plan.num_virtual, plan.circuit.num_qubits <= 5
    (3, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from qiskit.circuit import QuantumCircuit

from qspectral.conventions import permute_qubits
from qspectral.errors import UnsupportedCircuitError


@dataclass(frozen=True)
class PhysicalPlan:
    """The circuit to simulate and where each virtual qubit starts and ends in it."""

    circuit: QuantumCircuit
    num_virtual: int
    initial: tuple[int, ...]
    final: tuple[int, ...]

    @classmethod
    def from_circuit(cls, circuit: QuantumCircuit) -> "PhysicalPlan":
        """Read the layout (identity when there is none) and drop ancillas that no gate touches."""
        layout = circuit.layout
        if layout is None:
            identity = tuple(range(circuit.num_qubits))
            return cls(circuit, circuit.num_qubits, identity, identity)
        initial = list(layout.initial_index_layout(filter_ancillas=True))
        final = list(layout.final_index_layout(filter_ancillas=True))
        touched = {
            circuit.find_bit(q).index
            for inst in circuit.data
            if inst.operation.name != "barrier"
            for q in inst.qubits
        }
        keep = sorted(touched | set(initial) | set(final))
        index = {p: i for i, p in enumerate(keep)}
        reduced = QuantumCircuit(len(keep), global_phase=circuit.global_phase)
        for inst in circuit.data:
            if inst.operation.name != "barrier":
                reduced.append(inst.operation, [index[circuit.find_bit(q).index] for q in inst.qubits])
        return cls(
            reduced,
            len(initial),
            tuple(index[p] for p in initial),
            tuple(index[p] for p in final),
        )

    @property
    def is_identity(self) -> bool:
        """True when the circuit's qubits are the virtual qubits in order."""
        identity = tuple(range(self.circuit.num_qubits))
        return self.initial == identity and self.final == identity

    def _order(self, positions: tuple[int, ...]) -> list[int]:
        rest = [p for p in range(self.circuit.num_qubits) if p not in positions]
        return list(positions) + rest

    def embed(self, state: np.ndarray) -> np.ndarray:
        """Place a virtual state on the physical qubits (ancillas in |0>)."""
        total = self.circuit.num_qubits
        extended = np.zeros(2**total, dtype=state.dtype)
        extended[: state.size] = state
        # extended's qubit j is virtual j (j < n) or the j-th ancilla; physical p is order[.]^-1.
        order = self._order(self.initial)
        inverse = [0] * total
        for j, p in enumerate(order):
            inverse[p] = j
        return permute_qubits(extended, inverse)

    def extract(self, state: np.ndarray, *, atol: float = 1e-6) -> np.ndarray:
        """Read the virtual state from the physical one; ancillas must have returned to |0>."""
        virtual = permute_qubits(state, self._order(self.final))[: 2**self.num_virtual]
        leaked = 1.0 - float(np.vdot(virtual, virtual).real)
        if leaked > atol:
            raise UnsupportedCircuitError(
                f"the circuit leaves {leaked:.3g} of the probability outside |0> on its ancilla "
                "qubits, so no virtual statevector exists; simulate the circuit before transpiling"
            )
        return virtual
