r"""Exact spectral time evolution of linear constant-coefficient PDEs as circuits.

On ``N = 2**n`` periodic grid points a linear constant-coefficient PDE :math:`u_t = L u` is
diagonal in Fourier space, :math:`\hat u_k(t) = e^{\lambda(k) t}\hat u_k(0)`. With the
amplitudes of the state ``psi`` holding the samples ``u(x_j)`` (amplitude encoding,
``psi = u / ||u||``), the Fourier coefficients are ``c = fft(psi)/sqrt(N)`` = the inverse QFT of
``psi`` (:mod:`qspectral.conventions`), so the evolution is the circuit

    inverse QFT  ->  diag(exp(lambda(k) t))  ->  QFT        i.e.  ``ifft(exp(lambda t) * fft(psi))``

with ``k`` the Fourier index in ``numpy.fft.fftfreq`` order (index ``j >= N/2`` is the frequency
``j - N``, two's complement).

* **Dispersive (unitary)**, :math:`\lambda = -i\omega(k)`: :func:`evolution_circuit` puts
  :math:`\mathrm{diag}(e^{-i\omega(k)t})` in the middle -- one ``PhaseGate`` per qubit when the
  phase is affine in the bits of ``k`` (advection, :math:`\omega = ak` with two's-complement
  ``k``: the top qubit's bit weighs :math:`-N/2`), a ``SpectralPhaseGate`` (its phases kept as
  an array; a ``DiagonalGate`` for other simulators) otherwise.
* **Wave equation**, :math:`u_{tt} = c^2u_{xx}`, as the first-order system
  :math:`q = u_t + i c|D|u` (:math:`|D|` the multiplier :math:`|k|`):
  :math:`\hat q_t = i c|k|\hat q`, i.e. :math:`\omega = -c|k|`. :func:`wave_encode` and
  :func:`wave_decode` map ``(u, u_t)`` to ``q`` and back; :math:`\|q\|^2` is twice the wave energy,
  so the encoded norm is conserved.
* **Dissipative**, :math:`\lambda \le 0` real (heat, :math:`-\nu k^2`): the diagonal
  :math:`e^{\lambda t}` is not unitary; :func:`dissipative_evolution` block-encodes it with one
  ancilla (:func:`~qspectral.quantum.spectral_ops.spectral_filter`). Post-selection succeeds with
  probability :math:`\|u(t)\|^2/\|u(0)\|^2`, which also gives back the norm of the solution.

Nonlinear PDEs (Burgers, sine-Gordon) have no such exact unitary: the evolution of ``u`` is not a
linear map of the amplitudes, so these circuits apply only to linear problems.

Example:
    >>> import numpy as np
    >>> from qiskit.quantum_info import Statevector
    >>> k = np.fft.fftfreq(8, 1 / 8)                          # 0 1 2 3 -4 -3 -2 -1
    >>> psi = np.random.default_rng(0).normal(size=8) + 0j; psi /= np.linalg.norm(psi)
    >>> out = Statevector(psi).evolve(evolution_circuit(3, 0.7 * k, 0.5)).data
    >>> bool(np.allclose(out, np.fft.ifft(np.exp(-0.35j * k) * np.fft.fft(psi))))
    True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from qiskit.circuit import QuantumCircuit

from qspectral.conventions import validate_qubits
from qspectral.errors import InvalidParameterError, InvalidStateError
from qspectral.quantum.qft import QFTBlock
from qspectral.quantum.spectral_ops import (
    SpectralFilter,
    spectral_filter,
    spectral_phase,
)

#: Tolerance (radians) for treating a phase vector as a sum of per-bit phases.
SEPARABLE_ATOL = 1e-10


def _real_array(values: Sequence[float] | np.ndarray, size: int, what: str) -> np.ndarray:
    array = np.asarray(values)
    if np.iscomplexobj(array):
        raise InvalidParameterError(f"{what} must be real, got complex values")
    array = array.astype(np.float64)
    if array.shape != (size,):
        raise InvalidParameterError(
            f"{what} must have one value per Fourier index k = 0..{size - 1} (numpy.fft.fftfreq "
            f"order), i.e. shape ({size},), got {array.shape}"
        )
    if not np.all(np.isfinite(array)):
        raise InvalidParameterError(f"{what} must be finite; check the computation that produced it")
    return array


def _check_time(time: float) -> float:
    if isinstance(time, bool) or not isinstance(time, (int, float, np.floating)) or not np.isfinite(time):
        raise InvalidParameterError(f"time must be a finite number, got {time!r}")
    return float(time)


def separable_phases(phases: np.ndarray) -> tuple[float, np.ndarray] | None:
    """Split ``phases[k]`` into ``phi0 + sum_j bit_j(k) theta_j`` (mod 2 pi), or return None.

    ``phases`` has ``2**m`` entries; the result is ``(phi0, theta)`` with ``theta[j]`` the phase
    of bit ``j`` of ``k``, so ``diag(exp(1j * phases))`` is a global phase times one
    ``PhaseGate(theta[j])`` per qubit.

    Example:
        >>> phi0, theta = separable_phases(np.array([0.1, 0.4, 0.2, 0.5]))
        >>> round(phi0, 12), np.round(theta, 12).tolist()
        (0.1, [0.3, 0.1])
    """
    size = phases.size
    m = size.bit_length() - 1
    phi0 = float(phases[0])
    theta = np.array([phases[1 << j] - phi0 for j in range(m)])
    bits = (np.arange(size)[:, None] >> np.arange(m)) & 1
    rebuilt = phi0 + bits @ theta
    if np.max(np.abs(np.angle(np.exp(1j * (phases - rebuilt))))) > SEPARABLE_ATOL:
        return None
    return phi0, theta


def evolution_circuit(
    num_qubits: int,
    dispersion: Sequence[float] | np.ndarray,
    time: float,
    qubits: Sequence[int] | None = None,
) -> QuantumCircuit:
    r"""The unitary :math:`e^{-i\omega(D) t}`: inverse QFT, :math:`\mathrm{diag}(e^{-i\omega_k t})`, QFT.

    On all qubits the amplitude array becomes ``ifft(exp(-1j * dispersion * time) * fft(psi))``.

    Args:
        num_qubits: size of the register (>= 1).
        dispersion: the real frequencies :math:`\omega_k`, one per Fourier index ``k = 0..2**m-1``
            of the transformed subset, in ``numpy.fft.fftfreq`` order (``2 pi fftfreq(N, L/N)`` are
            the angular wavenumbers of a box of length ``L``).
        time: the evolution time (any real; negative runs backwards).
        qubits: the subset holding the grid index (default all, ``qubits[0]`` least significant).

    Returns:
        The circuit; its middle is one ``PhaseGate`` per qubit (and a global phase) when
        :math:`\omega_k t` is affine in the bits of ``k`` (:func:`separable_phases`), else a
        ``SpectralPhaseGate`` (see :func:`~qspectral.quantum.spectral_ops.spectral_phase`).

    Raises:
        InvalidParameterError: wrong length, complex or non-finite ``dispersion``; bad ``time``.
        InvalidQubitsError: bad ``num_qubits`` or ``qubits``.

    Example:
        >>> import numpy as np
        >>> k = 2 * np.pi * np.fft.fftfreq(16, 1 / 16) / 16          # advection on [0, 16)
        >>> circuit = evolution_circuit(4, 1.0 * k, 3.0)              # shift by 3 grid points
        >>> sorted(circuit.count_ops())
        ['iqft', 'p', 'qft']
    """
    subset = validate_qubits(num_qubits, qubits)
    omega = _real_array(dispersion, 2 ** len(subset), "dispersion")
    phases = -omega * _check_time(time)
    split = separable_phases(phases)
    if split is None:
        return spectral_phase(num_qubits, phases, subset)
    phi0, theta = split
    circuit = QuantumCircuit(num_qubits, name="spectral_evolution", global_phase=phi0)
    circuit.append(QFTBlock(len(subset), inverse=True), subset)
    for qubit, angle in zip(subset, np.angle(np.exp(1j * theta))):
        if abs(angle) > SEPARABLE_ATOL:
            circuit.p(float(angle), qubit)
    circuit.append(QFTBlock(len(subset)), subset)
    return circuit


def dissipative_evolution(
    num_qubits: int,
    rates: Sequence[float] | np.ndarray,
    time: float,
    qubits: Sequence[int] | None = None,
) -> SpectralFilter:
    r"""Block-encode :math:`e^{-\gamma(D) t}` (e.g. heat: :math:`\gamma_k = \nu k^2`) with one ancilla.

    The data register's amplitudes become ``ifft(exp(-rates * time) * fft(psi))``, normalised,
    after post-selecting the ancilla (the highest qubit) on ``|0>``; the success probability is
    :math:`\sum_k e^{-2\gamma_k t}|c_k|^2 = \|u(t)\|^2/\|u(0)\|^2` for ``psi = u(0)/||u(0)||``.
    See :class:`~qspectral.quantum.spectral_ops.SpectralFilter` for the layout.

    Args:
        num_qubits: number of data qubits; the circuit has one more.
        rates: the decay rates :math:`\gamma_k \ge 0`, ``numpy.fft.fftfreq`` order.
        time: the evolution time, ``>= 0``.
        qubits: the data qubits holding the grid index (default all).

    Example:
        >>> import numpy as np
        >>> k = np.fft.fftfreq(4, 1 / 4)
        >>> f = dissipative_evolution(2, 0.1 * k**2, 1.0)
        >>> np.round(f.gains, 4).tolist()
        [1.0, 0.9048, 0.6703, 0.9048]
    """
    subset = validate_qubits(num_qubits, qubits)
    gamma = _real_array(rates, 2 ** len(subset), "rates")
    t = _check_time(time)
    if np.any(gamma < 0) or t < 0:
        raise InvalidParameterError(
            "dissipative evolution needs rates >= 0 and time >= 0 (gains exp(-rate * t) <= 1); "
            "growing modes cannot be block-encoded without rescaling"
        )
    return spectral_filter(num_qubits, np.exp(-gamma * t), subset)


def wave_encode(
    u: np.ndarray, u_t: np.ndarray, wavenumbers: np.ndarray, speed: float
) -> tuple[np.ndarray, float]:
    r"""Encode wave data ``(u, u_t)`` as the normalised state of :math:`q = u_t + i c|D|u`.

    ``wavenumbers`` are the angular wavenumbers in ``numpy.fft.fftfreq`` order. Returns
    ``(state, norm)`` with ``state = q / norm``; the mean of ``u`` is not in ``q`` (:math:`|k|=0`)
    and is carried classically (see :func:`wave_decode`).

    Raises:
        InvalidStateError: ``q`` is zero (no wave to encode) or the inputs' lengths differ.

    Example:
        >>> import numpy as np
        >>> x = 2 * np.pi * np.arange(8) / 8
        >>> state, norm = wave_encode(np.cos(x), 0 * x, np.fft.fftfreq(8, 1 / 8), 1.0)
        >>> bool(np.allclose(state * norm, 1j * np.cos(x)))           # |D| cos x = cos x
        True
    """
    u, u_t, k = (np.asarray(a) for a in (u, u_t, wavenumbers))
    if not (u.shape == u_t.shape == k.shape) or u.ndim != 1:
        raise InvalidStateError(
            f"u, u_t and wavenumbers must be 1-D of the same length, got {u.shape}, {u_t.shape}, {k.shape}"
        )
    q = u_t + 1j * speed * np.fft.ifft(np.abs(k) * np.fft.fft(u))
    norm = float(np.linalg.norm(q))
    if norm == 0:
        raise InvalidStateError("u_t + i c|D|u is zero: a constant u with u_t = 0 has no wave to evolve")
    return q / norm, norm


def wave_decode(
    state: np.ndarray, norm: float, wavenumbers: np.ndarray, speed: float, mean: float
) -> tuple[np.ndarray, np.ndarray]:
    r"""Invert :func:`wave_encode`: ``(u, u_t)`` from the state of ``q`` and the mean of ``u``.

    With :math:`A = \mathrm{fft}(q)`: :math:`\hat u_k = (A_k - \overline{A_{-k}})/(2ic|k|)` for
    ``k != 0``, :math:`\hat u_t = (A_k + \overline{A_{-k}})/2`, and the ``k = 0`` entry of ``u`` is
    ``mean`` (the mean of ``u`` at that time: ``mean(u0) + t * mean(u_t0)`` for the wave equation).

    Example:
        >>> import numpy as np
        >>> x = 2 * np.pi * np.arange(8) / 8
        >>> k = np.fft.fftfreq(8, 1 / 8)
        >>> u, u_t = 1 + np.sin(2 * x), np.cos(x)
        >>> back = wave_decode(*wave_encode(u, u_t, k, 2.0), k, 2.0, mean=1.0)
        >>> bool(np.allclose(back[0], u)), bool(np.allclose(back[1], u_t))
        (True, True)
    """
    a = np.fft.fft(np.asarray(state) * norm)
    k = np.asarray(wavenumbers, dtype=np.float64)
    mirrored = np.conj(a[(-np.arange(a.size)) % a.size])
    with np.errstate(divide="ignore", invalid="ignore"):
        u_hat = np.where(k != 0, (a - mirrored) / (2j * speed * np.abs(k)), mean * a.size)
    return np.fft.ifft(u_hat).real, np.fft.ifft((a + mirrored) / 2).real
