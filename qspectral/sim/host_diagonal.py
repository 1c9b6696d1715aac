"""Wide diagonal gates applied on the host with numpy, for simulators that would build them densely.

PennyLane's devices apply ``DiagonalQubitUnitary`` as a dense ``2^k x 2^k`` matrix and
``qiskit.quantum_info.Statevector`` evolves a ``DiagonalGate`` (or a spectral gate) through its
matrix, so a diagonal on many qubits (a spectral phase on a whole register) would need
``16 * 4^k`` bytes there. The backends that run on them split the circuit at such a diagonal and
multiply the state by it here, one elementwise product. Bit convention: Qiskit's (the gate's
``qubits[0]`` is the least significant bit of the diagonal's index; qubit ``q`` is bit ``q`` of the
state's index).

Example:
    >>> import numpy as np
    >>> HostDiagonal(np.array([1, 1j]), [1]).apply(np.full(4, 0.5 + 0j)).tolist()   # phase i where qubit 1 is set
    [(0.5+0j), (0.5+0j), 0.5j, 0.5j]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qspectral.quantum.spectral_gates import SpectralPhaseGate

#: Diagonals on more qubits than this are applied on the host (a 2^10 x 2^10 dense matrix is 16 MiB).
HOST_DIAGONAL_QUBITS = 10


def diagonal_entries(operation) -> np.ndarray | None:
    """The entries of a ``DiagonalGate`` or ``SpectralPhaseGate`` (from its phase array), else None."""
    if isinstance(operation, SpectralPhaseGate):
        return np.exp(1j * operation.phases)
    if operation.name == "diagonal":
        return np.asarray(operation.params, dtype=complex)
    return None


@dataclass(frozen=True)
class HostDiagonal:
    """A diagonal gate applied on the host: ``state[i] *= diagonal[k(i)]``.

    ``k(i)`` gathers the bits ``qubits[0], qubits[1], ...`` of ``i`` (``qubits[0]`` least
    significant), Qiskit's convention for ``DiagonalGate``.
    """

    diagonal: np.ndarray
    qubits: list[int]

    def apply(self, state: np.ndarray) -> np.ndarray:
        """Return ``state`` (qspectral order) times the diagonal."""
        i = np.arange(state.size)
        k = np.zeros(state.size, dtype=np.int64)
        for j, qubit in enumerate(self.qubits):
            k |= ((i >> qubit) & 1) << j
        return state * self.diagonal[k].astype(state.dtype, copy=False)
