r"""A quantum circuit Born machine (QCBM) on the torch engine, with its QFT spectrum.

**The model** on ``n`` qubits with ``depth`` entangling layers prepares

.. math:: |\psi(\theta)\rangle = R_{\text{depth}} \prod_{l<\text{depth}} E\, R_l\, |0\rangle,
          \qquad R_l = \bigotimes_q \mathrm{Rot}(\theta_{lq}), \qquad p_\theta(x) = |\psi_x|^2 ,

a distribution over the ``N = 2**n`` bins ``x`` (the integer the register encodes; qubit ``q`` is
bit ``q``, Qiskit's order). ``Rot(a, b, c) = RZ(c) RY(b) RZ(a)`` (PennyLane's ``qml.Rot``) acts
on every qubit and ``E`` is a ring of CNOTs ``(0->1, 1->2, ..., n-1->0)``; the last rotation layer
has no entangler after it.

**Its spectrum.** After a QFT (``|x> -> N^{-1/2} sum_k e^{+2 pi i x k / N} |k>``) the outcome
``k`` has probability :math:`\tilde p_k = |(\mathrm{QFT}\,\psi)_k|^2 = |\mathrm{fft}(\psi)_{-k}|^2/N`
(:func:`qft_probabilities`), the power spectrum of the amplitude function ``x -> psi_x``.
The states here are complex, so the reflection ``k -> -k`` matters for single outcomes.
:func:`qft_high_frequency_mass` is the probability of an outcome with ``|k| > cutoff``
(``|k| = min(k, N - k)``, a set symmetric under the reflection, so the mass is the same with
either DFT sign): what a second, measured circuit (:meth:`BornMachine.circuit` followed by
:func:`~qspectral.quantum.qft.qft`) estimates from shots, here computed exactly (and
differentiably) from the state. It is the spectral regulariser of the ``born-machine`` experiment.

The state is computed with the statevector kernels (:mod:`qspectral.kernels`): one
``apply_matrix`` per rotation; the CNOT ring, a permutation of the basis states, is found once by
running the engine's CNOTs on the basis states and then applied as an index gather;
``apply_qft`` gives the spectrum. Everything is differentiable with autograd.

Example:
    >>> import numpy as np, torch
    >>> _ = torch.manual_seed(0)
    >>> model = BornMachine(num_qubits=3, depth=2)
    >>> p = model().detach()                                    # p(x), x = 0..7
    >>> round(float(p.sum()), 12), tuple(p.shape)
    (1.0, (8,))
    >>> psi = model.state().detach().numpy()
    >>> spectrum = np.abs(np.fft.fft(psi)[(-np.arange(8)) % 8]) ** 2 / 8
    >>> bool(np.allclose(qft_probabilities(model.state()).detach().numpy(), spectrum))
    True
"""

from __future__ import annotations

import math

import numpy as np
import torch
from qiskit import QuantumCircuit
from torch import nn

from qspectral.errors import InvalidModelError, InvalidParameterError
from qspectral.quantum.models import rot_matrices
from qspectral.kernels.apply import apply_matrix, apply_qft
from qspectral.kernels.gates import gate_matrix
from qspectral.kernels.states import REAL_DTYPE, num_qubits_of_state, zero_state
from qspectral.validation import positive_int


def high_frequency_outcomes(num_qubits: int, cutoff: int) -> np.ndarray:
    """Boolean mask of the QFT outcomes ``k`` with ``min(k, N - k) > cutoff``, ``N = 2**num_qubits``.

    Example:
        >>> high_frequency_outcomes(3, 2).astype(int).tolist()         # |k| = 0 1 2 3 4 3 2 1
        [0, 0, 0, 1, 1, 1, 0, 0]
    """
    n = 2 ** positive_int("num_qubits", num_qubits, error=InvalidModelError)
    if isinstance(cutoff, bool) or not isinstance(cutoff, (int, np.integer)) or not 0 <= cutoff < n // 2:
        raise InvalidParameterError(
            f"cutoff must be an integer frequency in 0..{n // 2 - 1} for {num_qubits} qubits, got {cutoff!r}"
        )
    k = np.arange(n)
    return np.minimum(k, n - k) > cutoff


def qft_probabilities(state: torch.Tensor) -> torch.Tensor:
    """Outcome probabilities ``|QFT psi|**2 = |fft(psi)_{-k}|**2 / N`` of a state (1-D complex tensor).

    Example:
        >>> import torch
        >>> psi = torch.tensor([1, 1j, -1, -1j], dtype=torch.complex128) / 2     # e^{+2 pi i x/4}/2
        >>> qft_probabilities(psi).tolist()               # the QFT's + sign: all mass on k = -1 = 3
        [0.0, 0.0, 0.0, 1.0]
    """
    num_qubits = num_qubits_of_state(state[None, :])
    transformed = apply_qft(state[None, :], range(num_qubits))[0]
    return transformed.real**2 + transformed.imag**2


def qft_high_frequency_mass(state: torch.Tensor, cutoff: int) -> torch.Tensor:
    """Probability of a QFT outcome with ``|k| > cutoff`` for a state: the spectral regulariser.

    Example:
        >>> import torch
        >>> psi = torch.zeros(8, dtype=torch.complex128); psi[0] = 1          # flat spectrum
        >>> round(float(qft_high_frequency_mass(psi, 1)), 12)                  # |k| = 2, 3, 4, 3, 2
        0.625
    """
    num_qubits = num_qubits_of_state(state[None, :])
    mask = torch.as_tensor(high_frequency_outcomes(num_qubits, cutoff), device=state.device)
    return qft_probabilities(state)[mask].sum()


class BornMachine(nn.Module):
    """A quantum circuit Born machine ``p(x) = |<x|psi(theta)>|**2`` (module docstring).

    The trainable ``weights`` have shape ``(depth + 1, num_qubits, 3)`` (the ``Rot`` angles of each
    layer and qubit), drawn uniformly from ``[0, init_scale)`` with torch's generator.
    ``forward()`` returns the ``2**num_qubits`` probabilities (real dtype of ``dtype``).

    Example:
        >>> import torch
        >>> _ = torch.manual_seed(1)
        >>> model = BornMachine(2, 1)
        >>> psi = model.state()
        >>> mass = qft_high_frequency_mass(psi, 0)                     # outcomes k = 1, 2, 3
        >>> bool(torch.isclose(mass, 1 - qft_probabilities(psi)[0]))
        True
    """

    def __init__(
        self,
        num_qubits: int,
        depth: int,
        *,
        init_scale: float = 2 * math.pi,
        dtype: torch.dtype = torch.complex128,
    ) -> None:
        super().__init__()
        positive_int("num_qubits", num_qubits, error=InvalidModelError)
        positive_int("depth", depth, error=InvalidModelError)
        if num_qubits > 16:
            raise InvalidModelError(
                f"num_qubits={num_qubits}: a Born machine over 2**{num_qubits} bins is beyond this "
                "dense statevector model; use at most 16 qubits"
            )
        if dtype not in REAL_DTYPE:
            raise InvalidModelError(f"dtype must be torch.complex64 or torch.complex128, got {dtype}")
        if not (math.isfinite(init_scale) and init_scale > 0):
            raise InvalidModelError(f"init_scale must be a positive angle range, got {init_scale!r}")
        self.num_qubits = num_qubits
        self.depth = depth
        self.dtype = dtype
        self.weights = nn.Parameter(init_scale * torch.rand(depth + 1, num_qubits, 3, dtype=REAL_DTYPE[dtype]))
        self.register_buffer("ring_gather", self._ring_gather(), persistent=False)

    def _ring(self) -> list[tuple[int, int]]:
        n = self.num_qubits
        if n == 1:
            return []
        return [(0, 1)] if n == 2 else [(q, (q + 1) % n) for q in range(n)]

    def _ring_gather(self) -> torch.Tensor:
        """Indices ``g`` with ``(E psi)[i] = psi[g[i]]``, from the engine's CNOTs on the basis states."""
        rows = torch.eye(2**self.num_qubits, dtype=self.dtype)  # row j is |j>
        cx = gate_matrix("cx", dtype=self.dtype)
        for control, target in self._ring():
            rows = apply_matrix(rows, cx, [control, target])
        image = rows.abs().argmax(dim=1)  # E|j> = |image[j]>
        return torch.argsort(image)

    def state(self) -> torch.Tensor:
        """The model state ``psi(theta)``, a complex tensor of ``2**num_qubits`` amplitudes."""
        rotations = rot_matrices(self.weights)  # (depth + 1, n, 2, 2)
        state = zero_state(self.num_qubits, dtype=self.dtype, device=self.weights.device)
        for layer in range(self.depth + 1):
            for qubit in range(self.num_qubits):
                state = apply_matrix(state, rotations[layer, qubit], [qubit])
            if layer < self.depth:
                state = state[:, self.ring_gather]
        return state[0]

    def forward(self) -> torch.Tensor:
        amplitudes = self.state()
        return amplitudes.real**2 + amplitudes.imag**2

    def circuit(self, *, qft_readout: bool = False) -> QuantumCircuit:
        """The same circuit in Qiskit, angles bound to the current weights.

        With ``qft_readout=True`` a :func:`~qspectral.quantum.qft.qft` on all qubits follows: the
        circuit whose measurement estimates :func:`qft_high_frequency_mass` of :meth:`state`.

        Example:
            >>> import numpy as np, torch
            >>> from qiskit.quantum_info import Statevector
            >>> _ = torch.manual_seed(2)
            >>> model = BornMachine(3, 2)
            >>> bool(np.allclose(Statevector(model.circuit()).data, model.state().detach().numpy()))
            True
        """
        from qspectral.quantum.qft import qft

        angles = self.weights.detach().cpu().double().numpy()
        qc = QuantumCircuit(self.num_qubits, name="born_machine")
        for layer in range(self.depth + 1):
            for qubit in range(self.num_qubits):
                a, b, c = (float(v) for v in angles[layer, qubit])
                qc.rz(a, qubit)
                qc.ry(b, qubit)
                qc.rz(c, qubit)
            if layer < self.depth:
                for control, target in self._ring():
                    qc.cx(control, target)
        if qft_readout:
            qc.compose(qft(self.num_qubits), inplace=True)
        return qc
