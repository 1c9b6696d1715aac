r"""The quantum Fourier transform family, as Qiskit circuits and as PennyLane operations.

Convention (see :mod:`qspectral.conventions`): the QFT maps
:math:`|x\rangle \mapsto N^{-1/2}\sum_k e^{+2\pi i xk/N}|k\rangle`, i.e. ``sqrt(N) * ifft(psi)``;
on a subset ``qubits``, ``qubits[0]`` is the least significant bit of ``x`` and ``k``.

The circuit (``m = 3``, ``do_swaps=True``) that Qiskit's :func:`~qiskit.synthesis.synth_qft_full`
synthesises and that :class:`QFTBlock` carries as its definition::

                                              ┌───┐
    q_0: ───────────────■─────────────■───────┤ H ├─X─
                        │       ┌───┐ │P(π/2) └───┘ │
    q_1: ──────■────────┼───────┤ H ├─■─────────────┼─
         ┌───┐ │P(π/2)  │P(π/4) └───┘               │
    q_2: ┤ H ├─■────────■───────────────────────────X─
         └───┘

``approximation_degree=d`` drops the controlled phases of the ``d`` smallest angles
(those :math:`\pi/2^r` with :math:`r > m-1-d`), as in Qiskit and in Barenco et al. (1996); any
``d >= m - 1`` drops them all (Hadamards and swaps), as Qiskit's synthesis does.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from qiskit.circuit import Gate, QuantumCircuit
from qiskit.synthesis import synth_qft_full

from qspectral.conventions import validate_qubits
from qspectral.errors import InvalidQubitsError


#: The largest register :func:`qft` builds (its circuit has ``n (n - 1) / 2`` controlled phases).
MAX_QFT_QUBITS = 1024


def _check_degree(approximation_degree: int, size: int) -> int:
    """``approximation_degree`` as an int in ``0..size-1``: any ``d >= size - 1`` drops every
    controlled phase (Hadamards and swaps only), as Qiskit's ``synth_qft_full`` does."""
    if isinstance(approximation_degree, bool) or not isinstance(approximation_degree, (int, np.integer)):
        raise InvalidQubitsError(
            f"approximation_degree must be an integer >= 0, got {approximation_degree!r}; e.g. 0 (exact) or 2"
        )
    if approximation_degree < 0:
        raise InvalidQubitsError(
            f"approximation_degree={approximation_degree} is negative; use 0 (exact) or a positive "
            "number of dropped phase sizes"
        )
    return min(int(approximation_degree), max(size - 1, 0))


class QFTBlock(Gate):
    """One QFT (or inverse QFT) as a single gate instruction, so simulators can treat it as a unit.

    Attributes ``is_inverse``, ``approximation_degree`` and ``do_swaps`` say which transform it is;
    its definition is Qiskit's :func:`~qiskit.synthesis.synth_qft_full`. ``qargs[0]`` is the least
    significant bit of the transformed index.

    Example:
        >>> from qiskit import QuantumCircuit
        >>> qc = QuantumCircuit(3); _ = qc.append(QFTBlock(3), [0, 1, 2])
        >>> qc.data[0].operation.name
        'qft'
    """

    def __init__(
        self,
        num_qubits: int,
        *,
        inverse: bool = False,
        approximation_degree: int = 0,
        do_swaps: bool = True,
    ) -> None:
        validate_qubits(num_qubits)
        self.is_inverse = bool(inverse)
        self.approximation_degree = _check_degree(approximation_degree, num_qubits)
        self.do_swaps = bool(do_swaps)
        details = []
        if self.approximation_degree:
            details.append(f"d={self.approximation_degree}")
        if not do_swaps:
            details.append("no swaps")
        name = "iqft" if inverse else "qft"
        label = f"{name.upper()}" + (f" ({', '.join(details)})" if details else "")
        super().__init__(name, num_qubits, [], label=label)

    @property
    def is_exact(self) -> bool:
        """True when no rotation is dropped."""
        return self.approximation_degree == 0

    def _define(self) -> None:
        self.definition = synth_qft_full(
            self.num_qubits,
            do_swaps=self.do_swaps,
            approximation_degree=self.approximation_degree,
            inverse=self.is_inverse,
        )

    def inverse(self, annotated: bool = False) -> "QFTBlock":  # noqa: D102 - Qiskit's signature
        return QFTBlock(
            self.num_qubits,
            inverse=not self.is_inverse,
            approximation_degree=self.approximation_degree,
            do_swaps=self.do_swaps,
        )

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, QFTBlock)
            and other.num_qubits == self.num_qubits
            and other.is_inverse == self.is_inverse
            and other.approximation_degree == self.approximation_degree
            and other.do_swaps == self.do_swaps
        )

    def __hash__(self) -> int:
        return hash((self.name, self.num_qubits, self.approximation_degree, self.do_swaps))


def qft(
    num_qubits: int,
    qubits: Sequence[int] | None = None,
    *,
    inverse: bool = False,
    approximation_degree: int = 0,
    do_swaps: bool = True,
) -> QuantumCircuit:
    """Return a ``num_qubits``-qubit circuit applying the QFT on ``qubits`` as one :class:`QFTBlock`.

    Args:
        num_qubits: size of the register (>= 1).
        qubits: the subset to transform, ``qubits[0]`` the least significant bit of the transformed
            index (default: all qubits in order).
        inverse: build the inverse QFT (the adjoint of the forward circuit with the same options).
        approximation_degree: drop the controlled phases of the ``d`` smallest angles (0 = exact;
            any ``d >= len(qubits) - 1`` leaves Hadamards and swaps only).
        do_swaps: if False, omit the final swaps: the forward output index is bit-reversed on the
            subset, and the inverse expects a bit-reversed input.

    Example:
        >>> import numpy as np
        >>> from qiskit.quantum_info import Statevector
        >>> psi = np.random.default_rng(1).normal(size=8) + 0j; psi /= np.linalg.norm(psi)
        >>> out = Statevector(psi).evolve(qft(3)).data
        >>> bool(np.allclose(out, np.sqrt(8) * np.fft.ifft(psi)))
        True
    """
    if isinstance(num_qubits, (int, np.integer)) and num_qubits > MAX_QFT_QUBITS:
        raise InvalidQubitsError(
            f"a QFT on {num_qubits} qubits has about {num_qubits ** 2 // 2} controlled phases; qspectral "
            f"builds QFTs on up to {MAX_QFT_QUBITS} qubits (no statevector simulator holds more than ~50)"
        )
    subset = validate_qubits(num_qubits, qubits)
    block = QFTBlock(
        len(subset), inverse=inverse, approximation_degree=approximation_degree, do_swaps=do_swaps
    )
    circuit = QuantumCircuit(num_qubits, name=block.name)
    circuit.append(block, subset)
    return circuit


def qft_ops(wires: Sequence, *, inverse: bool = False, approximation_degree: int = 0) -> list:
    """Return the QFT on ``wires`` as PennyLane operations, in **PennyLane wire order**.

    ``wires[0]`` is the most significant bit of the transformed index (PennyLane's convention), so
    ``qft_ops(wires)`` on a device with wires ``0..n-1`` is the same transform as
    ``qft(n, qubits=list(reversed(wires)))`` in qspectral's convention, and the two statevectors
    agree after :func:`qspectral.conventions.from_pennylane_order`. Uses ``qml.QFT`` (exact) or
    ``qml.AQFT`` with ``order = len(wires) - 1 - approximation_degree``; ``inverse`` wraps it in
    ``qml.adjoint``. Called inside a QNode, the operations queue themselves (do not ``qml.apply``
    them again); called outside, they are returned unqueued.

    Example:
        >>> import pennylane as qml
        >>> [op.name for op in qft_ops([0, 1, 2], inverse=True)]
        ['Adjoint(QFT)']
    """
    import pennylane as qml

    wires = list(wires)
    if not wires:
        raise InvalidQubitsError("qft_ops needs at least one wire")
    if len(set(wires)) != len(wires):
        raise InvalidQubitsError(f"wires {wires} contain a repeated wire; list each wire once")
    degree = _check_degree(approximation_degree, len(wires))
    if degree == 0:
        op = qml.QFT(wires=wires)
    else:
        op = qml.AQFT(order=len(wires) - 1 - degree, wires=wires)
    return [qml.adjoint(op) if inverse else op]


def aqft_error_bound(num_qubits: int, approximation_degree: int) -> float:
    r"""Operator-norm bound on ``||AQFT_d - QFT||`` (Coppersmith 1994; Barenco et al. 1996).

    The approximate QFT omits, for each distance ``r > m-1-d``, the ``m - r`` controlled phases of
    angle :math:`\pi/2^r`; each differs from the identity by :math:`2\sin(\pi/2^{r+1})` in operator
    norm, and norms of differences of unitary products add up (triangle inequality). For any state
    the fidelity then satisfies :math:`F \ge (1 - \epsilon^2/2)^2` when :math:`\epsilon\le\sqrt2`.

    Example:
        >>> aqft_error_bound(5, 0)
        0.0
    """
    m = num_qubits
    degree = _check_degree(approximation_degree, m)
    return float(
        sum((m - r) * 2 * np.sin(np.pi / 2 ** (r + 1)) for r in range(m - degree, m))
    )
