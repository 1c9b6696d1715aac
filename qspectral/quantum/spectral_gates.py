r"""Spectral gates that keep their data as a numpy array: :class:`SpectralPhaseGate`, :class:`SpectralFilterGate`
(both :class:`SpectralGate`).

A Qiskit ``DiagonalGate`` or ``UCRYGate`` stores one Python number per entry in ``params``: for a
22-qubit spectral phase that is 4M Python complex numbers, seconds to build and copied each time
Qiskit materialises ``circuit.data``. These gates hold the array instead (``params`` is empty) and
build a Qiskit gate only in their lazy :attr:`~qiskit.circuit.Instruction.definition` (the phase
gate: a ``DiagonalGate``; the filter gate: one phase gate between one-qubit gates), which is what
Aer, ``transpile`` and the cloud see; the OpenQASM exporter writes the library gate each stands for
(``DiagonalGate``, ``UCRYGate``); qspectral's engine and its PennyLane bridge read the array.

Convention (Qiskit's): entry ``k`` belongs to the basis state whose bit ``j`` is on ``qargs[j]``
(for the filter gate: on ``qargs[j + 1]``; ``qargs[0]`` is the ancilla it rotates).

**Arrays are not copied.** A 30-qubit phase array is 8 GiB; the gate keeps a read-only view of the
float array it is given, so do not change that array afterwards (pass a copy if you will).

Gates compare equal when they are of the same class on the same number of qubits with equal arrays;
like every Qiskit gate they are not hashable. They pickle and copy (the array is shared by
``copy``, carried by ``pickle``).

Example:
    >>> import numpy as np
    >>> from qiskit.quantum_info import Operator
    >>> gate = SpectralPhaseGate(np.array([0.0, 0.5, 1.0, 1.5]))
    >>> gate.params, gate.num_qubits
    ([], 2)
    >>> bool(np.allclose(Operator(gate.definition).data, np.diag(np.exp(1j * gate.phases))))
    True
"""

from __future__ import annotations

import numpy as np
from qiskit.circuit import Gate, QuantumCircuit
from qiskit.circuit.library import DiagonalGate, UCRYGate

from qspectral.errors import InvalidParameterError


def _frozen(values: np.ndarray, what: str) -> np.ndarray:
    """A read-only 1-D float view of ``values`` (no copy when it already is float32 or float64)."""
    array = np.asarray(values)
    if array.dtype not in (np.float32, np.float64):
        array = array.astype(np.float64)
    if array.ndim != 1 or array.size < 2 or array.size & (array.size - 1):
        raise InvalidParameterError(
            f"{what} must be a 1-D array of 2**k real values (k >= 1), got shape {array.shape}"
        )
    view = array.view()
    view.flags.writeable = False
    return view


class SpectralGate(Gate):
    """A gate whose data is one read-only float array instead of ``params``; its definition (built
    on first use) is, unless a subclass says otherwise, the one Qiskit library gate it stands for
    (:meth:`library_gate`)."""

    def __init__(self, name: str, num_qubits: int, values: np.ndarray, label: str | None) -> None:
        super().__init__(name, num_qubits, [], label=label)
        self._values = values

    def library_gate(self) -> Gate:
        """The Qiskit library gate with the same action (its parameters one Python number per entry)."""
        raise NotImplementedError

    def _define(self) -> None:
        circuit = QuantumCircuit(self.num_qubits, name=self.name)
        circuit.append(self.library_gate(), range(self.num_qubits))
        self.definition = circuit

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and other.num_qubits == self.num_qubits
            and (other._values is self._values or bool(np.array_equal(other._values, self._values)))
        )

    __hash__ = None  # mutable-looking like every Qiskit gate: compare, do not hash

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<{self._values.size} {self._values.dtype} values>, num_qubits={self.num_qubits})"


class SpectralPhaseGate(SpectralGate):
    r"""``diag(exp(1j * phases))`` on ``log2(len(phases))`` qubits, the phases kept as an array.

    ``phases[k]`` is the angle (radians) of basis state ``k`` (``qargs[0]`` its least significant
    bit). The definition is Qiskit's ``DiagonalGate`` of the same entries, built on first use.

    Example:
        >>> import numpy as np
        >>> gate = SpectralPhaseGate(np.array([0.0, np.pi / 2]))
        >>> np.round(gate.to_matrix(), 12).tolist()
        [[(1+0j), 0j], [0j, 1j]]
        >>> bool(np.allclose(gate.inverse().phases, [0.0, -np.pi / 2]))
        True
    """

    def __init__(self, phases: np.ndarray, label: str | None = None) -> None:
        values = _frozen(phases, "phases")
        super().__init__("spectral_phase", values.size.bit_length() - 1, values, label)

    @property
    def phases(self) -> np.ndarray:
        """The angles, read-only, one per basis state of the gate's qubits."""
        return self._values

    def library_gate(self) -> DiagonalGate:
        """Qiskit's ``DiagonalGate`` of the entries ``exp(1j * phases)``."""
        return DiagonalGate(np.exp(1j * self._values.astype(np.float64)).tolist())

    def inverse(self, annotated: bool = False) -> SpectralPhaseGate:
        """The gate with negated phases."""
        return SpectralPhaseGate(-self._values)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        if copy is False:
            raise ValueError("unable to avoid a copy while building the gate's matrix")
        return np.diag(np.exp(1j * self._values.astype(np.float64))).astype(dtype or complex)


class SpectralFilterGate(SpectralGate):
    r"""The multiplexed rotation of :func:`~qspectral.quantum.spectral_ops.spectral_filter`, gains kept as an array.

    On ``qargs = [ancilla, d_0, ..., d_{m-1}]``: where the data qubits read ``k`` (``d_0`` least
    significant), ``RY(2 arccos gains[k])`` on the ancilla, so the ancilla's ``|0>`` branch is
    multiplied by ``gains[k]``; :meth:`library_gate` is Qiskit's ``UCRYGate`` of those angles (what
    OpenQASM export writes). The definition is the diagonal form: with ``V = S H`` on the ancilla,
    :math:`RY(\theta) = V \mathrm{diag}(e^{-i\theta/2}, e^{+i\theta/2}) V^\dagger`, so the gate is
    ``sdg, h`` on the ancilla, one :class:`SpectralPhaseGate` on ``(d_0, ..., d_{m-1}, ancilla)``
    with phases ``-arccos(gains)`` (ancilla 0) then ``+arccos(gains)`` (ancilla 1), and ``h, s``:
    one elementwise multiply for qspectral's engine and a native diagonal for Aer.

    Example:
        >>> import numpy as np
        >>> from qiskit.quantum_info import Operator
        >>> gate = SpectralFilterGate(np.array([1.0, 0.6]))
        >>> u = Operator(gate).data                       # index = ancilla + 2 * data bit
        >>> np.round([u[0, 0], u[2, 2], u[3, 2]], 12).real.tolist()   # data 0: g=1; data 1: g=0.6
        [1.0, 0.6, 0.8]
    """

    def __init__(self, gains: np.ndarray, label: str | None = None) -> None:
        values = _frozen(gains, "gains")
        if np.any(np.abs(values) > 1):
            raise InvalidParameterError("gains must satisfy |g_k| <= 1; build the gate with spectral_filter")
        super().__init__("spectral_filter", values.size.bit_length(), values, label)

    @property
    def gains(self) -> np.ndarray:
        """The gains, read-only, one per value ``k`` of the data qubits."""
        return self._values

    def library_gate(self) -> UCRYGate:
        """Qiskit's ``UCRYGate`` of the angles ``2 arccos(gains)`` (target ``qargs[0]``)."""
        return UCRYGate((2 * np.arccos(self._values.astype(np.float64))).tolist())

    def _define(self) -> None:
        half = np.arccos(self._values.astype(np.float64))
        ancilla, data = 0, list(range(1, self.num_qubits))
        circuit = QuantumCircuit(self.num_qubits, name=self.name)
        circuit.sdg(ancilla)
        circuit.h(ancilla)
        circuit.append(SpectralPhaseGate(np.concatenate([-half, half])), [*data, ancilla])
        circuit.h(ancilla)
        circuit.s(ancilla)
        self.definition = circuit
