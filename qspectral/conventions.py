r"""The statevector convention of qspectral, written once.

**Bit order.** A statevector of ``n`` qubits is a complex array of length ``N = 2**n`` indexed by the
integer the register encodes, and qubit ``q`` is bit ``q`` of that integer (little-endian, as in
Qiskit). PennyLane orders wires the other way (``wires[0]`` is the most significant bit);
:func:`to_pennylane_order` and :func:`from_pennylane_order` convert.

**QFT.** The quantum Fourier transform maps

.. math:: |x\rangle \mapsto N^{-1/2} \sum_k e^{+2\pi i x k / N} |k\rangle ,

which on the array is ``sqrt(N) * numpy.fft.ifft(psi)``; the inverse QFT is
``numpy.fft.fft(psi) / sqrt(N)``. A QFT on a qubit subset ``qubits`` acts on the axis those qubits
form, ``qubits[0]`` being the least significant bit of the transformed index.
``do_swaps=False`` leaves the transformed index bit-reversed; the inverse of that transform expects
its input bit-reversed. :func:`apply_qft` is this convention as executable numpy code.

Example:
    >>> import numpy as np
    >>> from qspectral.conventions import apply_qft
    >>> psi = np.zeros(8, complex); psi[1] = 1                      # |x=1> on 3 qubits
    >>> out = apply_qft(psi)                                        # exp(+2 pi i k/8)/sqrt(8)
    >>> bool(np.allclose(out, np.exp(2j * np.pi * np.arange(8) / 8) / np.sqrt(8)))
    True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qspectral.errors import InvalidParameterError, InvalidQubitsError, InvalidStateError

#: Default tolerance on ``| ||psi|| - 1 |`` when validating a complex128 state.
NORM_ATOL = 1e-8
#: The same for a complex64 state (single precision rounds each amplitude at ~6e-8).
NORM_ATOL_SINGLE = 1e-6


def num_qubits_of(length: int) -> int:
    """Return ``n`` for a statevector of ``length = 2**n`` entries, or raise InvalidStateError."""
    if length < 2 or length & (length - 1):
        raise InvalidStateError(
            f"a statevector needs a power-of-two length >= 2, got length {length}; "
            "pad the amplitudes to the next power of two (and renormalise) before encoding them"
        )
    return length.bit_length() - 1


def validate_state(
    state: Sequence[complex] | np.ndarray,
    num_qubits: int | None = None,
    *,
    atol: float | None = None,
) -> np.ndarray:
    """Check that ``state`` is a normalised statevector; return it as a 1-D complex array.

    A complex64 input is returned as it is (no copy); any other input as complex128.

    Raises :class:`~qspectral.errors.InvalidStateError` when the length is not ``2**num_qubits``
    (or not a power of two), when an entry is NaN or infinite, or when ``||state||`` differs from 1
    by more than ``atol`` (default :data:`NORM_ATOL`, or :data:`NORM_ATOL_SINGLE` for complex64;
    the norm is accumulated in float64 either way).

    Example:
        >>> validate_state([2 ** -0.5, 2 ** -0.5]).dtype
        dtype('complex128')
    """
    given = np.asarray(state)
    # complex64 stays complex64 (no hidden copy of a large single-precision state); anything else
    # becomes complex128.
    psi = given if given.dtype == np.complex64 else given.astype(np.complex128, copy=False)
    if psi.ndim != 1:
        raise InvalidStateError(
            f"a statevector must be one-dimensional, got shape {psi.shape}; pass one state at a time"
        )
    if num_qubits is not None and psi.size != 2**num_qubits:
        raise InvalidStateError(
            f"the state has {psi.size} amplitudes but the circuit has {num_qubits} qubits, "
            f"which need {2**num_qubits}; pass a state of length 2**{num_qubits}"
        )
    num_qubits_of(psi.size)
    # The squared norm, accumulated in float64 over the real and imaginary parts in one pass
    # without a state-sized temporary (einsum's own buffered loop: a BLAS dot would leave OpenBLAS
    # threads spinning against the simulator's); it is finite exactly when every amplitude is (or
    # when one overflows: then the check below finds none).
    parts = np.ascontiguousarray(psi).view(np.float32 if psi.dtype == np.complex64 else np.float64)
    squared = float(np.einsum("i,i->", parts, parts, dtype=np.float64))
    if not np.isfinite(squared) and not np.all(np.isfinite(psi)):
        bad = int(np.flatnonzero(~np.isfinite(psi))[0])
        raise InvalidStateError(
            f"the state has NaN or infinite amplitudes (first at index {bad}); "
            "check the computation that produced it"
        )
    norm = float(np.sqrt(squared))
    if atol is None:
        atol = NORM_ATOL_SINGLE if psi.dtype == np.complex64 else NORM_ATOL
    if abs(norm - 1.0) > atol:
        raise InvalidStateError(
            f"the state is not normalised: its norm is {norm:.12g}, not 1 (tolerance {atol:g}); "
            "divide it by numpy.linalg.norm(state)"
        )
    return psi


def validate_qubits(num_qubits: int, qubits: Sequence[int] | None = None) -> list[int]:
    """Check a register size and a qubit subset; return the subset as a list (default: all).

    Raises :class:`~qspectral.errors.InvalidQubitsError` for ``num_qubits < 1``, a non-integer
    size or index (no rounding: ``0.5`` is refused, as Qiskit refuses it), an empty subset, an index
    outside ``0..num_qubits-1`` or a repeated index.

    Example:
        >>> validate_qubits(4, [3, 0])
        [3, 0]
    """
    if isinstance(num_qubits, bool) or not isinstance(num_qubits, (int, np.integer)) or num_qubits < 1:
        raise InvalidQubitsError(
            f"num_qubits must be an integer >= 1, got {num_qubits!r}; a register needs at least one qubit"
        )
    if qubits is None:
        return list(range(int(num_qubits)))
    if isinstance(qubits, (str, bytes)) or not hasattr(qubits, "__iter__"):
        raise InvalidQubitsError(f"qubits must be a list of integer indices, got {qubits!r}; e.g. qubits=[0, 2]")
    chosen = list(qubits)
    for q in chosen:
        if isinstance(q, bool) or not isinstance(q, (int, np.integer)):
            raise InvalidQubitsError(
                f"qubit index {q!r} is not an integer; qubits are numbered 0..{num_qubits - 1}, e.g. qubits=[0, 2]"
            )
    chosen = [int(q) for q in chosen]
    if not chosen:
        raise InvalidQubitsError("the qubit subset is empty; pass at least one qubit index")
    outside = [q for q in chosen if not 0 <= q < num_qubits]
    if outside:
        raise InvalidQubitsError(
            f"qubit index {outside[0]} is out of range for a {num_qubits}-qubit register; "
            f"use indices 0..{num_qubits - 1} or enlarge the register"
        )
    seen: set[int] = set()
    for q in chosen:
        if q in seen:
            raise InvalidQubitsError(
                f"qubit {q} appears more than once in {chosen}; list each qubit once"
            )
        seen.add(q)
    return chosen


def permute_qubits(state: np.ndarray, order: Sequence[int]) -> np.ndarray:
    """Relabel qubits: qubit ``j`` of the result is qubit ``order[j]`` of ``state``.

    Leading batch dimensions are kept; the last axis is the statevector.

    Example:
        >>> psi = np.zeros(4); psi[1] = 1                # qubit 0 set
        >>> int(np.argmax(permute_qubits(psi, [1, 0])))   # now qubit 1 is set
        2
    """
    psi = np.asarray(state)
    n = num_qubits_of(psi.shape[-1])
    if sorted(order) != list(range(n)):
        raise InvalidQubitsError(f"order {list(order)} is not a permutation of 0..{n - 1}")
    batch = psi.shape[:-1]
    tensor = psi.reshape(batch + (2,) * n)
    lead = len(batch)
    # numpy axis lead + i holds qubit n - 1 - i.
    axes = list(range(lead)) + [lead + n - 1 - order[n - 1 - i] for i in range(n)]
    return np.ascontiguousarray(tensor.transpose(axes)).reshape(psi.shape)


def reverse_qubit_order(state: np.ndarray) -> np.ndarray:
    """Reverse the bit order of every index (an involution)."""
    n = num_qubits_of(np.shape(state)[-1])
    return permute_qubits(state, list(range(n - 1, -1, -1)))


def to_pennylane_order(state: np.ndarray) -> np.ndarray:
    """Convert a qspectral (Qiskit, little-endian) state to PennyLane's order for wires ``0..n-1``.

    Qubit ``q`` of qspectral becomes wire ``q`` of PennyLane, whose ``qml.state()`` puts wire 0 in
    the most significant bit.

    Example:
        >>> psi = np.zeros(4); psi[1] = 1                # qubit 0 is |1>
        >>> int(np.argmax(to_pennylane_order(psi)))       # wire 0 is the MSB in PennyLane
        2
    """
    return reverse_qubit_order(state)


def from_pennylane_order(state: np.ndarray) -> np.ndarray:
    """Convert ``qml.state()`` of a device with wires ``0..n-1`` to the qspectral convention."""
    return reverse_qubit_order(state)


def bit_reverse_indices(num_bits: int) -> np.ndarray:
    """Return the array ``r`` with ``r[k]`` = ``k`` with its ``num_bits`` bits reversed."""
    k = np.arange(2**num_bits)
    r = np.zeros_like(k)
    for b in range(num_bits):
        r |= ((k >> b) & 1) << (num_bits - 1 - b)
    return r


def apply_qft(
    state: np.ndarray,
    qubits: Sequence[int] | None = None,
    *,
    inverse: bool = False,
    do_swaps: bool = True,
) -> np.ndarray:
    """Apply the (inverse) QFT to ``state`` with numpy's FFT: the reference for every simulator.

    ``qubits[0]`` is the least significant bit of the transformed index (default: all qubits in
    order). With ``do_swaps=False`` the forward transform's output index is bit-reversed on the
    subset, and the inverse transform reads a bit-reversed input. Leading batch dimensions are
    kept. Each state must be finite and normalised (as :func:`validate_state` checks and
    :func:`qspectral.simulate` requires); :class:`~qspectral.errors.InvalidStateError` otherwise.

    Example:
        >>> psi = np.random.default_rng(0).normal(size=16) + 0j; psi /= np.linalg.norm(psi)
        >>> bool(np.allclose(apply_qft(psi), 4 * np.fft.ifft(psi)))
        True
    """
    psi = np.asarray(state, dtype=np.result_type(np.asarray(state).dtype, np.complex64))
    if psi.ndim == 0:
        raise InvalidStateError("apply_qft needs a statevector (an array of 2**n amplitudes), got a scalar")
    n = num_qubits_of(psi.shape[-1])
    sub = validate_qubits(n, qubits)
    for row in psi.reshape(-1, psi.shape[-1]):
        validate_state(row)
    m = len(sub)
    rest = [q for q in range(n) if q not in sub]
    # Move the subset to the low qubits (sub[0] -> qubit 0) so it is the fastest-varying axis.
    moved = permute_qubits(psi, sub + rest)
    shaped = moved.reshape(psi.shape[:-1] + (2 ** (n - m), 2**m))
    rev = bit_reverse_indices(m)
    scale = np.sqrt(2.0**m)
    if inverse:
        if not do_swaps:
            shaped = shaped[..., rev]
        out = np.fft.fft(shaped, axis=-1) / scale
    else:
        out = np.fft.ifft(shaped, axis=-1) * scale
        if not do_swaps:
            out = out[..., rev]
    out = out.astype(psi.dtype, copy=False).reshape(psi.shape)
    # Undo the move: qubit q of the result is qubit position_of[q] of `out`.
    position_of = {q: i for i, q in enumerate(sub + rest)}
    return permute_qubits(out, [position_of[q] for q in range(n)])


def random_state(
    num_qubits: int,
    seed: int | np.random.Generator | None = None,
    batch: tuple[int, ...] = (),
) -> np.ndarray:
    """A normalised random state (complex Gaussian amplitudes; Haar-distributed), or a batch of them.

    Example:
        >>> psi = random_state(3, seed=0)
        >>> psi.shape, bool(np.isclose(np.linalg.norm(psi), 1))
        ((8,), True)
    """
    validate_qubits(num_qubits)
    if not isinstance(seed, np.random.Generator) and seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0
    ):
        raise InvalidParameterError(f"seed must be a non-negative integer or a numpy Generator, got {seed!r}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    shape = tuple(batch) + (2**num_qubits,)
    psi = rng.normal(size=shape) + 1j * rng.normal(size=shape)
    return psi / np.linalg.norm(psi, axis=-1, keepdims=True)


def fidelity(state_a: np.ndarray, state_b: np.ndarray) -> float:
    """Return ``|<a|b>|**2 / (||a||**2 ||b||**2)``, insensitive to global phase."""
    a = np.asarray(state_a).ravel()
    b = np.asarray(state_b).ravel()
    if a.size != b.size:
        raise InvalidStateError(
            f"cannot compare states of {a.size} and {b.size} amplitudes; both must act on the same qubits"
        )
    norms = np.vdot(a, a).real * np.vdot(b, b).real
    if not np.isfinite(norms) or norms == 0:
        raise InvalidStateError("fidelity needs two non-zero, finite states; check for NaN or all-zero amplitudes")
    overlap = np.vdot(a, b)
    return float(abs(overlap) ** 2 / norms)


def align_global_phase(state: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Return ``state`` times the global phase that makes ``<reference|state>`` real and >= 0.

    Use it only where a backend documents a global-phase difference; qspectral's own backends agree
    exactly.

    Example:
        >>> ref = np.array([1, 1j]) / 2 ** 0.5
        >>> bool(np.allclose(align_global_phase(1j * ref, ref), ref))
        True
    """
    psi = np.asarray(state)
    overlap = np.vdot(np.asarray(reference).ravel(), psi.ravel())
    if overlap == 0:
        return psi
    return psi * (abs(overlap) / overlap)


def max_abs_diff(state_a: np.ndarray, state_b: np.ndarray) -> float:
    """Return ``max_i |a_i - b_i|``."""
    return float(np.max(np.abs(np.asarray(state_a) - np.asarray(state_b))))
