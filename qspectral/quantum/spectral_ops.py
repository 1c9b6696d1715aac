r"""Circuits that act on a spectrum: Fourier shift, spectral phase, block-encoded spectral filter.

Convention (:mod:`qspectral.conventions`): on a subset ``qubits`` of ``m`` qubits, ``M = 2**m``,
``qubits[0]`` is the least significant bit of the index. The inverse QFT maps a state ``psi`` to
its Fourier coefficients ``c = numpy.fft.fft(psi) / sqrt(M)`` indexed by ``k = 0..M-1``; the QFT
maps them back (``sqrt(M) * ifft``). Every circuit here is the sandwich

    inverse QFT  ->  an operation on the Fourier index ``k``  ->  QFT

(left to right in time), built from :class:`~qspectral.quantum.qft.QFTBlock`, Qiskit library
gates and the array-holding gates of :mod:`qspectral.quantum.spectral_gates`, so a simulator that
knows these blocks (qspectral's engine) runs the transforms as FFTs and the middle as one
elementwise multiply; every other consumer (Aer, OpenQASM, the cloud) sees their definitions
(``DiagonalGate``, ``UCRYGate``).
On the amplitude array, with ``D`` the operation in the middle, the circuit computes
``ifft(D * fft(psi))``: an ordinary numpy spectral operation.

- :func:`fourier_shift`: one ``PhaseGate`` per qubit in the middle; ``numpy.roll(psi, shift)``.
- :func:`spectral_phase`: one :class:`SpectralPhaseGate`; ``ifft(exp(1j * phases) * fft(psi))``.
- :func:`spectral_filter`: a :class:`SpectralFilterGate` (a multiplexed ``RY``) on one ancilla;
  after post-selecting the ancilla on
  ``|0>``, ``ifft(gains * fft(psi))`` normalised.

``fourier_shift(3, 1)`` (``P(-2 pi s 2^j / M)`` on subset qubit ``j``)::

         ┌───────┐┌─────────┐┌──────┐
    q_0: ┤0      ├┤ P(-π/4) ├┤0     ├
         │       │├─────────┤│      │
    q_1: ┤1 IQFT ├┤ P(-π/2) ├┤1 QFT ├
         │       │└┬───────┬┘│      │
    q_2: ┤2      ├─┤ P(-π) ├─┤2     ├
         └───────┘ └───────┘ └──────┘

``spectral_filter(2, gains).circuit`` (ancilla = qubit 2, the highest; success = ancilla ``|0>``)::

         ┌───────┐┌──────────────────┐┌──────┐
    q_0: ┤0      ├┤1                 ├┤0     ├
         │  IQFT ││                  ││  QFT │
    q_1: ┤1      ├┤2 Spectral_filter ├┤1     ├
         └───────┘│                  │└──────┘
    q_2: ─────────┤0                 ├────────
                  └──────────────────┘
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from qiskit.circuit import QuantumCircuit

from qspectral.conventions import apply_qft, validate_qubits, validate_state
from qspectral.errors import InvalidParameterError, InvalidStateError
from qspectral.quantum.qft import QFTBlock
from qspectral.quantum.spectral_gates import SpectralFilterGate, SpectralPhaseGate

#: How far a gain may exceed 1 in magnitude (rounding) before it is rejected; it is then clipped.
GAIN_ATOL = 1e-12


def _real_vector(values: Any, size: int, what: str, qubits: list[int]) -> np.ndarray:
    """Return ``values`` as a finite 1-D float array of length ``size`` or raise a clear error.

    float32 and float64 arrays are returned as they are (no copy: a 30-qubit array is 8 GiB),
    anything else is converted to float64.
    """
    try:
        raw = np.asarray(values)
        is_complex = np.iscomplexobj(raw)
        real = raw.real if is_complex else raw
        array = real if real.dtype in (np.float32, np.float64) else np.asarray(real, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(
            f"{what} must be a sequence of real numbers, got {type(values).__name__} ({exc})"
        ) from None
    if is_complex and np.any(raw.imag != 0):
        hint = (
            "for complex gains g = |g| e^{i phi} apply spectral_phase(phi) and then the filter "
            "with gains |g|"
            if what == "gains"
            else "pass the real angles phi_k, not e^{i phi_k}"
        )
        raise InvalidParameterError(f"{what} must be real, got complex values; {hint}")
    if array.ndim != 1 or array.size != size:
        raise InvalidParameterError(
            f"{what} must be a 1-D sequence of {size} values (one per Fourier index k = 0..{size - 1} "
            f"of the {len(qubits)} qubit(s) {qubits}), got shape {array.shape}; "
            f"pass 2**{len(qubits)} = {size} values"
        )
    if not np.all(np.isfinite(array)):
        bad = int(np.flatnonzero(~np.isfinite(array))[0])
        raise InvalidParameterError(
            f"{what} must be finite, but entry {bad} is {array[bad]}; check the computation that produced it"
        )
    return array


def _sandwich(num_qubits: int, subset: list[int], name: str) -> QuantumCircuit:
    """A ``num_qubits``-qubit circuit holding the inverse QFT on ``subset`` (the middle comes next)."""
    circuit = QuantumCircuit(num_qubits, name=name)
    circuit.append(QFTBlock(len(subset), inverse=True), subset)
    return circuit


def fourier_shift(num_qubits: int, shift: int, qubits: Sequence[int] | None = None) -> QuantumCircuit:
    r"""Return a circuit mapping :math:`|x\rangle \mapsto |x + s \bmod M\rangle` on ``qubits``.

    On all qubits the amplitude array becomes ``numpy.roll(psi, shift)``; on a subset the shift acts
    on the index those qubits form (``qubits[0]`` its least significant bit), the others are left
    alone. The circuit is the inverse QFT, then :math:`\mathrm{diag}(e^{-2\pi i k s/M})` on the
    Fourier index, then the QFT, since ``roll(psi, s) = ifft(fft(psi) * exp(-2j*pi*k*s/M))``. The
    diagonal factorises over the bits ``k_j`` of ``k``: one ``PhaseGate`` of angle
    :math:`-2\pi (s 2^j \bmod M)/M` on ``qubits[j]``, omitted where that angle is 0.

    Args:
        num_qubits: size of the register (>= 1).
        shift: the integer to add, modulo ``M = 2**len(qubits)``; negative shifts subtract.
        qubits: the subset holding the shifted index (default: all, ``qubits[0]`` least significant).

    Raises:
        InvalidParameterError: ``shift`` is not an integer.
        InvalidQubitsError: bad ``num_qubits`` or ``qubits``.

    Example:
        >>> import numpy as np
        >>> from qiskit.quantum_info import Statevector
        >>> psi = np.random.default_rng(0).normal(size=8) + 0j; psi /= np.linalg.norm(psi)
        >>> out = Statevector(psi).evolve(fourier_shift(3, 3)).data
        >>> bool(np.allclose(out, np.roll(psi, 3)))
        True
    """
    subset = validate_qubits(num_qubits, qubits)
    if isinstance(shift, bool) or not isinstance(shift, (int, np.integer)):
        raise InvalidParameterError(
            f"shift must be an integer (the amount added to the index modulo 2**m), got {shift!r} "
            f"({type(shift).__name__}); pass int(round(shift)) if you mean a whole number"
        )
    size = 2 ** len(subset)
    circuit = _sandwich(num_qubits, subset, f"fourier_shift({int(shift)})")
    for j, qubit in enumerate(subset):
        residue = (int(shift) * 2**j) % size
        if residue:
            angle = -2 * math.pi * residue / size
            circuit.p(angle + 2 * math.pi if 2 * residue > size else angle, qubit)
    circuit.append(QFTBlock(len(subset)), subset)
    return circuit


def spectral_phase(
    num_qubits: int, phases: Sequence[float] | np.ndarray, qubits: Sequence[int] | None = None
) -> QuantumCircuit:
    r"""Return a circuit multiplying each Fourier coefficient ``c_k`` by :math:`e^{i\phi_k}`.

    On all qubits the amplitude array becomes ``ifft(exp(1j * phases) * fft(psi))``; ``phases[k]``
    belongs to the Fourier index ``k`` of ``c = fft(psi) / sqrt(M)`` on ``qubits`` (``qubits[0]``
    its least significant bit, other qubits untouched). The circuit is the inverse QFT, one
    :class:`SpectralPhaseGate` :math:`\mathrm{diag}(e^{i\phi_k})` (the phases kept as an array,
    not copied: do not change ``phases`` afterwards; its definition is a ``DiagonalGate``), then
    the QFT. ``phases[k] = -2 pi k s / M``
    is :func:`fourier_shift` by ``s`` (which needs only ``m`` phase gates).

    Args:
        num_qubits: size of the register (>= 1).
        phases: ``2**len(qubits)`` finite real angles in radians.
        qubits: the transformed subset (default: all qubits in order).

    Raises:
        InvalidParameterError: wrong number of phases, complex or non-finite values.
        InvalidQubitsError: bad ``num_qubits`` or ``qubits``.

    Example:
        >>> import numpy as np
        >>> from qiskit.quantum_info import Statevector
        >>> psi = np.random.default_rng(1).normal(size=4) + 0j; psi /= np.linalg.norm(psi)
        >>> phi = np.array([0.0, 0.5, -1.0, 2.0])
        >>> out = Statevector(psi).evolve(spectral_phase(2, phi)).data
        >>> bool(np.allclose(out, np.fft.ifft(np.exp(1j * phi) * np.fft.fft(psi))))
        True
    """
    subset = validate_qubits(num_qubits, qubits)
    angles = _real_vector(phases, 2 ** len(subset), "phases", subset)
    circuit = _sandwich(num_qubits, subset, "spectral_phase")
    circuit.append(SpectralPhaseGate(angles), subset)
    circuit.append(QFTBlock(len(subset)), subset)
    return circuit


@dataclass(frozen=True, eq=False)
class SpectralFilter:
    r"""A block encoding of the spectral filter ``psi -> ifft(gains * fft(psi))``, and how to read it.

    **Layout.** ``circuit`` has ``num_data_qubits + 1`` qubits: the data register is qubits
    ``0..num_data_qubits-1`` (the filter acts on the Fourier index of ``qubits``), and the ancilla
    is the highest qubit, ``ancilla == num_data_qubits``; it must start in ``|0>``. **Success** is
    measuring the ancilla in ``|0>`` (:attr:`SUCCESS`), which happens with probability
    :math:`\sum_k |g_k c_k|^2` (``c = fft(psi)/sqrt(M)`` on the subset, summed over the other
    qubits too) and leaves the data register in ``ifft(gains * fft(psi))`` normalised. In the
    amplitude array of the circuit's output, the success branch is the first half, the data state
    times the ancilla's ``|0>``. The rotation angles are :math:`\theta_k = 2\arccos g_k`, so
    negative gains need no extra gate.

    Build it with :func:`spectral_filter`; use :meth:`postselect` on any simulator's output and
    :meth:`success_probability` to predict the success rate from an input state.
    """

    #: The ancilla outcome that means success.
    SUCCESS = 0

    circuit: QuantumCircuit = field(repr=False)
    gains: np.ndarray = field(repr=False)
    qubits: tuple[int, ...]

    @property
    def num_data_qubits(self) -> int:
        """Number of data qubits (the circuit has one more: the ancilla)."""
        return self.circuit.num_qubits - 1

    @property
    def ancilla(self) -> int:
        """Index of the ancilla qubit in :attr:`circuit`: the highest one."""
        return self.num_data_qubits

    def success_probability(self, initial_state: Sequence[complex] | np.ndarray) -> float:
        r"""Return :math:`\sum_k |g_k c_k|^2`, the chance of success for the data state ``initial_state``.

        ``initial_state`` is the normalised state of the ``num_data_qubits`` data qubits (without
        the ancilla); ``c`` is its inverse QFT on :attr:`qubits`. Computed with numpy's FFT.

        Example:
            >>> import numpy as np
            >>> f = spectral_filter(2, [1.0, 0.0, 0.0, 0.0])            # keep only k = 0
            >>> f.success_probability(np.full(4, 0.5))                    # a pure k = 0 state
            1.0
        """
        psi = validate_state(initial_state, self.num_data_qubits)
        coefficients = apply_qft(psi, list(self.qubits), inverse=True)
        k = np.zeros(psi.size, dtype=np.int64)
        for j, qubit in enumerate(self.qubits):
            k |= ((np.arange(psi.size) >> qubit) & 1) << j
        return float(np.sum(np.abs(self.gains[k] * coefficients) ** 2))

    def postselect(self, final_state: Any, *, min_probability: float = 1e-12) -> tuple[Any, Any]:
        """Post-select the ancilla on :attr:`SUCCESS`: return ``(data_state, probability)``.

        ``final_state`` is the circuit's output statevector (``2**(num_data_qubits + 1)``
        amplitudes, qspectral's little-endian order), from any simulator; leading batch dimensions
        are kept. ``data_state`` is the normalised data-register state after success and
        ``probability`` the chance of success (a float for one state, an array per batch entry).
        numpy input gives numpy output; a torch tensor stays a torch tensor on its device, so
        gradients flow through.

        Raises:
            InvalidStateError: the last axis does not have ``2**(num_data_qubits + 1)`` entries,
                or the success probability is at most ``min_probability`` (nothing to normalise).

        Example:
            >>> import numpy as np
            >>> from qiskit.quantum_info import Statevector
            >>> f = spectral_filter(1, [1.0, 0.0])                  # keep k = 0: project on |+>
            >>> out = Statevector.from_label("00").evolve(f.circuit).data
            >>> state, p = f.postselect(out)
            >>> bool(np.allclose(state, [2 ** -0.5, 2 ** -0.5])), round(p, 12)
            (True, 0.5)
        """
        array = final_state if hasattr(final_state, "shape") else np.asarray(final_state)
        expected = 2 ** (self.num_data_qubits + 1)
        if array.ndim == 0 or array.shape[-1] != expected:
            raise InvalidStateError(
                f"postselect expects the filter circuit's output of {expected} amplitudes "
                f"({self.num_data_qubits} data qubits + 1 ancilla) on the last axis, got shape "
                f"{tuple(array.shape)}; simulate SpectralFilter.circuit, not the data register alone"
            )
        branch = array[..., : expected // 2]
        probability = (abs(branch) ** 2).sum(-1)
        if bool((probability <= min_probability).any()):
            raise InvalidStateError(
                f"the success probability is {float(probability.min()):.3g} (<= min_probability="
                f"{min_probability:g}): the gains remove every Fourier component of this input, so "
                "there is no post-selected state; check the gains against the input's spectrum"
            )
        state = branch / (probability**0.5)[..., None]
        if isinstance(array, np.ndarray) and array.ndim == 1:
            return state, float(probability)
        return state, probability


def spectral_filter(
    num_qubits: int, gains: Sequence[float] | np.ndarray, qubits: Sequence[int] | None = None
) -> SpectralFilter:
    r"""Block-encode the real spectral filter ``psi -> ifft(gains * fft(psi))`` with one ancilla.

    The circuit (``num_qubits + 1`` qubits; the ancilla is qubit ``num_qubits``, the highest, and
    starts in ``|0>``) applies the inverse QFT on ``qubits``, a multiplexed ``RY(theta_k)`` on the
    ancilla controlled by the Fourier index ``k`` (:class:`SpectralFilterGate`, defined as a
    ``UCRYGate``, :math:`\cos(\theta_k/2) = g_k`),
    and the QFT on ``qubits``. The ancilla-``|0>`` branch holds ``ifft(gains * fft(psi))`` (on
    the subset's axis), so post-selecting the ancilla on ``|0>`` succeeds with probability
    :math:`\sum_k |g_k c_k|^2` and leaves that state normalised; see :class:`SpectralFilter`.

    Args:
        num_qubits: number of data qubits (>= 1); the circuit has one more.
        gains: ``2**len(qubits)`` real gains with ``|g_k| <= 1`` (up to :data:`GAIN_ATOL`, then
            clipped), one per Fourier index ``k`` of ``c = fft(psi)/sqrt(M)``; negative gains allowed.
            Scale larger gains by ``1/max|g|``: the output state is the same, the success
            probability drops by ``max|g|**2``.
        qubits: the data qubits whose Fourier index is filtered (default: all data qubits,
            ``qubits[0]`` least significant); must not include the ancilla.

    Raises:
        InvalidParameterError: wrong number of gains, complex, non-finite or ``|g_k| > 1``.
        InvalidQubitsError: bad ``num_qubits`` or ``qubits``.

    Example:
        >>> import numpy as np
        >>> from qiskit.quantum_info import Statevector
        >>> psi = np.random.default_rng(2).normal(size=8) + 0j; psi /= np.linalg.norm(psi)
        >>> g = np.array([1, 0.8, 0.3, 0, 0, 0, 0.3, 0.8])                 # a low-pass filter
        >>> f = spectral_filter(3, g)
        >>> f.ancilla, f.circuit.num_qubits
        (3, 4)
        >>> start = np.kron([1, 0], psi)                                     # ancilla |0> on top
        >>> state, p = f.postselect(Statevector(start).evolve(f.circuit).data)
        >>> ref = np.fft.ifft(g * np.fft.fft(psi))
        >>> bool(np.allclose(state, ref / np.linalg.norm(ref))), bool(np.isclose(p, np.linalg.norm(ref) ** 2))
        (True, True)
    """
    subset = validate_qubits(num_qubits, qubits)
    values = _real_vector(gains, 2 ** len(subset), "gains", subset)
    too_big = np.flatnonzero(np.abs(values) > 1 + GAIN_ATOL)
    if too_big.size:
        k = int(too_big[0])
        raise InvalidParameterError(
            f"gains must satisfy |g_k| <= 1 for a block encoding, but gains[{k}] = {values[k]:g} "
            f"(max |g| = {np.max(np.abs(values)):g}); divide the gains by max|g|: the filtered "
            "state is the same, the success probability scales by 1/max|g|**2"
        )
    values = np.clip(values, -1.0, 1.0)
    values.setflags(write=False)
    ancilla = int(num_qubits)
    circuit = _sandwich(num_qubits + 1, subset, "spectral_filter")
    circuit.append(SpectralFilterGate(values), [ancilla, *subset])
    circuit.append(QFTBlock(len(subset)), subset)
    return SpectralFilter(circuit=circuit, gains=values, qubits=tuple(subset))
