r"""Measurements on a batch of statevectors, without dense matrices: Pauli sums, marginals, samples.

**Conventions.** States are ``(batch, 2**n)`` complex tensors (complex64 or complex128, CPU or
CUDA), qubit ``q`` = bit ``q`` of the index (little-endian, as Qiskit). A Pauli word is given by
two bit masks over the qubits, ``x`` (qubits acted on by X or Y) and ``z`` (by Z or Y); with
``Y = i X Z`` the word is ``P = i**ny X^x Z^z`` (``ny`` = number of Y), so

.. math:: (P\psi)[i \oplus x] = i^{n_Y} (-1)^{\mathrm{popcount}(i \,\&\, z)}\, \psi[i].

The X part is an index XOR (a ``flip`` of the state's ``(2,)*n`` view along the X axes), the Z part
a parity sign (a ``(2,)``-shaped ``[1, -1]`` factor broadcast along each Z axis); terms that share
an X mask share one pass over the state. Everything is differentiable with autograd.

Example:
    >>> import torch
    >>> bell = torch.tensor([[1, 0, 0, 1]], dtype=torch.complex128) / 2**0.5
    >>> obs = PauliSum.from_labels(["ZZ", "XX", "YY", "ZI"], [1.0, 1.0, 1.0, 0.5])
    >>> pauli_expectation(bell, obs).round(decimals=12).tolist()   # <ZZ> + <XX> + <YY> + 0.5 <Z_1> = 1 + 1 - 1 + 0
    [1.0]
    >>> marginal_probabilities(bell, [1]).round(decimals=12).tolist()
    [[0.5, 0.5]]
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from qspectral.errors import InvalidQubitsError, InvalidStateError

__all__ = [
    "PauliSum",
    "apply_local_matrix",
    "apply_pauli_sum",
    "marginal_probabilities",
    "pauli_expectation",
    "pauli_term_values",
    "sample_indices",
]


@dataclass(frozen=True)
class PauliSum:
    """``sum_t coeffs[t] * P_t`` with ``P_t`` given by the masks ``x[t]``, ``z[t]`` (bit q = qubit q).

    Example:
        >>> s = PauliSum.from_labels(["XZ", "YI"], [2.0, -1.0])    # label[-1] acts on qubit 0
        >>> s.x, s.z
        ((2, 2), (1, 2))
    """

    x: tuple[int, ...]
    z: tuple[int, ...]
    coeffs: np.ndarray

    @classmethod
    def from_labels(cls, labels: Sequence[str], coeffs: Sequence[complex]) -> PauliSum:
        """From Qiskit labels (``label[-1 - q]`` acts on qubit ``q``), e.g. ``["XIZ", "YYI"]``."""
        xs, zs = [], []
        for label in labels:
            x = z = 0
            for q, char in enumerate(reversed(label)):
                if char not in "IXYZ":
                    raise InvalidStateError(f"Pauli label {label!r} has {char!r}; use only I, X, Y and Z")
                x |= (char in "XY") << q
                z |= (char in "ZY") << q
            xs.append(x)
            zs.append(z)
        return cls(tuple(xs), tuple(zs), np.asarray(coeffs, dtype=np.complex128).reshape(len(xs)))

    def moved(self, positions: Sequence[int]) -> PauliSum:
        """The same sum on a state whose index bit ``positions[q]`` holds qubit ``q``.

        Example:
            >>> PauliSum.from_labels(["XZ"], [1.0]).moved([1, 0]).x     # X on qubit 1, now at bit 0
            (1,)
        """
        def move(mask: int) -> int:
            return sum(1 << p for q, p in enumerate(positions) if mask >> q & 1)

        return PauliSum(tuple(move(x) for x in self.x), tuple(move(z) for z in self.z), self.coeffs)

    @property
    def is_real(self) -> bool:
        """True when every coefficient is real (the sum is Hermitian)."""
        return not np.any(self.coeffs.imag)


def _qubits_of(state: torch.Tensor) -> int:
    if state.dim() != 2 or state.shape[1] < 2 or state.shape[1] & (state.shape[1] - 1):
        raise InvalidStateError(f"states must have shape (batch, 2**n), got {tuple(state.shape)}")
    return state.shape[1].bit_length() - 1


def _axes(mask: int, n: int) -> list[int]:
    """The axes of the ``(batch,) + (2,)*n`` view holding the qubits in ``mask`` (qubit q -> axis n - q)."""
    if mask >> n:
        raise InvalidQubitsError(f"a Pauli word acts on qubit {mask.bit_length() - 1} of a {n}-qubit state")
    return [n - q for q in range(n) if mask >> q & 1]


def _qubits(mask: int, n: int) -> list[int]:
    if mask >> n:
        raise InvalidQubitsError(f"a Pauli word acts on qubit {mask.bit_length() - 1} of a {n}-qubit state")
    return [q for q in range(n) if mask >> q & 1]


def _split_view(tensor: torch.Tensor, n: int, qubits) -> tuple[torch.Tensor, dict[int, int]]:
    """View ``(batch, 2**n)`` as ``(batch, r0, 2, r1, 2, ..., rk)`` with each of ``qubits`` a dim of
    its own and the other bits merged (few dims: fast reductions); also ``{qubit: its dim}``."""
    shape, dim_of, top = [tensor.shape[0]], {}, n
    for q in sorted(set(qubits), reverse=True):  # most significant first
        shape += [2 ** (top - 1 - q), 2]
        dim_of[q] = len(shape) - 1
        top = q
    return tensor.reshape(shape + [2**top]), dim_of


def _probabilities(state: torch.Tensor) -> torch.Tensor:
    """``|psi|^2`` elementwise (real dtype): ``re**2``, then ``im * im`` added in place (one output,
    no second temporary: 2**22 amplitudes 8 vs 19 ms for ``re**2 + im**2``); ~10x faster than a sum
    over a trailing dim of 2 of the real view. Differentiable."""
    return state.real.square().addcmul_(state.imag, state.imag)


def _parity_signs(bits: int, masks: Sequence[int], dtype: torch.dtype, device) -> torch.Tensor:
    """``(2**bits, T)``: column ``t`` is ``(-1)**popcount(j & masks[t])`` for ``j < 2**bits``."""
    j = torch.arange(2**bits, device=device)
    columns = []
    for mask in masks:
        parity = torch.zeros_like(j)
        for b in range(bits):
            if mask >> b & 1:
                parity ^= (j >> b) & 1
        columns.append(1 - 2 * parity)
    return torch.stack(columns, dim=1).to(dtype)


def _sum(values: torch.Tensor, dims: list[int]) -> torch.Tensor:
    """``values.sum(dims)`` (kept as size-1 dims), one dim at a time from the outermost: torch sums
    rows of a contiguous tensor fast, but a reduction over several dims with short kept or summed
    dims between them (the layout of a split state) can be ~10x slower."""
    for d in sorted(dims):
        values = values.sum(dim=d, keepdim=True)
    return values


def _marginal(values: torch.Tensor, bits: int, qubits: list[int]) -> torch.Tensor:
    """``(batch, 2**k)``: ``values`` (``(batch, 2**bits)``) summed over every bit but ``qubits``
    (bit ``j`` of the result is ``qubits[j]``, ascending); the outermost and the contiguous innermost
    blocks are summed first (fast reductions)."""
    view, dim_of = _split_view(values, bits, qubits)
    kept = set(dim_of.values())
    return _sum(view, [d for d in range(1, view.dim()) if d not in kept]).reshape(values.shape[0], 2 ** len(qubits))


#: Most qubits a group of terms is reduced to at once (then a ``2**this x terms`` sign GEMM): terms
#: are split into groups whose qubits fit, and a term on more qubits is summed on its own (the
#: sign matrix of 20 single-qubit Z terms over all 20 qubits took ~100 ms to build).
SIGN_QUBITS = 10


def _apply_signs(marginal: torch.Tensor, qubits: list[int], masks: Sequence[int]) -> torch.Tensor:
    """``(batch, T)``: the signed sums ``sum_u marginal[:, u] (-1)**popcount(u & mask_t)`` of a
    :func:`_marginal` over ``qubits``, for every mask (a subset of ``qubits``) at once: one small
    GEMM up to :data:`SIGN_QUBITS` qubits, else (one term) sums and differences bit by bit."""
    compressed = [sum(1 << j for j, q in enumerate(qubits) if mask >> q & 1) for mask in masks]
    if len(qubits) > SIGN_QUBITS:
        (mask,) = compressed
        view = marginal.reshape((marginal.shape[0],) + (2,) * len(qubits))  # the last dim is bit 0
        for j in range(len(qubits)):
            view = view[..., 0] - view[..., 1] if mask >> j & 1 else view.sum(-1)
        return view.reshape(-1, 1)
    real = marginal.real.dtype if marginal.is_complex() else marginal.dtype
    return marginal @ _parity_signs(len(qubits), compressed, real, marginal.device).to(marginal.dtype)


def _by_groups(masks: Sequence[int], bits: int, signed: Callable[[list[int], list[int]], torch.Tensor]) -> torch.Tensor:
    """``(batch, T)``: ``signed(qubits, group_masks)`` over groups of the masks whose qubits fit in
    :data:`SIGN_QUBITS` (masks taken in increasing order, so that neighbouring qubits group), put
    back in the order of ``masks``."""
    order = sorted(range(len(masks)), key=masks.__getitem__)
    groups: list[list[int]] = []
    union = 0
    for t in order:
        if groups and bin(union | masks[t]).count("1") <= SIGN_QUBITS:
            groups[-1].append(t)
            union |= masks[t]
        else:
            groups.append([t])
            union = masks[t]
    pieces = []
    for group in groups:
        sub = [masks[t] for t in group]
        pieces.append(signed(_qubits(functools.reduce(operator.or_, sub, 0), bits), sub))
    done = torch.cat(pieces, dim=1) if len(pieces) > 1 else pieces[0]
    where = [0] * len(masks)
    for column, t in enumerate(t for group in groups for t in group):
        where[t] = column
    return done if where == list(range(len(masks))) else done[:, where]


def _signed_sums(values: torch.Tensor, masks: Sequence[int]) -> torch.Tensor:
    """``(batch, T)``: ``sum_i values[:, i] (-1)**popcount(i & masks[t])`` for every mask: per
    group of masks (:func:`_by_groups`) one reduction to the group's bits, then a small product
    with the signs (a GEMM over the whole index is ~7x slower than the sums)."""
    bits = values.shape[1].bit_length() - 1
    return _by_groups(masks, bits, lambda qubits, sub: _apply_signs(_marginal(values, bits, qubits), qubits, sub))


def _diagonal_terms(state: torch.Tensor, n: int, z_masks: Sequence[int]) -> torch.Tensor:
    """``(batch, T)``: ``sum_i |psi_i|^2 (-1)**popcount(i & z_t)``, per group of masks
    (:func:`_by_groups`). When every qubit of a group is >= 6 the blocks between them are runs of
    >= 64 amplitudes, whose squared norms are read from the state itself (one pass, no temporary);
    otherwise from ``|psi|^2``, computed once (torch would reduce runs of a few numbers ~10x slower)."""
    probabilities: list[torch.Tensor] = []

    def signed(qubits: list[int], sub: list[int]) -> torch.Tensor:
        if min(qubits, default=n) < 6:
            if not probabilities:
                probabilities.append(_probabilities(state))
            return _apply_signs(_marginal(probabilities[0], n, qubits), qubits, sub)
        real = torch.view_as_real(state).reshape(state.shape[0], -1)  # bit 0: real or imaginary part
        view, dim_of = _split_view(real, n + 1, [q + 1 for q in qubits])
        kept = set(dim_of.values())
        others = [d for d in range(1, view.dim()) if d not in kept]
        norms = torch.linalg.vector_norm(view, dim=others, keepdim=True).square().reshape(state.shape[0], -1)
        return _apply_signs(norms, qubits, sub)

    return _by_groups(z_masks, n, signed)


def _pair_products(state: torch.Tensor, conj: torch.Tensor, n: int, x_qubits: list[int]) -> torch.Tensor:
    """``conj(psi[i ^ x]) psi[i]`` for every ``i`` whose bit ``h`` (the top X qubit) is 0, as a
    ``(batch, 2**(n-1))`` tensor indexed by ``i`` without bit ``h``: one pass over the state.

    The other X qubits' index flip is read as slices (for each value ``b`` of those bits, the low
    half's block at ``b`` meets the high half's block at ``~b``), written into one output; with
    autograd, as a flip of the high half (differentiable). ``conj`` is ``state.conj()``, resolved.
    """
    h, rest = x_qubits[-1], x_qubits[:-1]
    view, dim_of = _split_view(state, n, x_qubits)
    low = view.select(dim_of[h], 0)
    high = _split_view(conj, n, x_qubits)[0].select(dim_of[h], 1)
    dim = {q: d - (d > dim_of[h]) for q, d in dim_of.items() if q != h}  # dims after the select
    batch = max(state.shape[0], conj.shape[0])
    if torch.is_grad_enabled() and (state.requires_grad or conj.requires_grad):
        flipped = high.flip([dim[q] for q in rest]) if rest else high
        return (flipped * low).reshape(batch, -1)
    product = torch.empty((batch,) + tuple(low.shape[1:]), dtype=state.dtype, device=state.device)
    for bits in range(2 ** len(rest)):
        lo, hi, out = low, high, product
        for k, q in enumerate(rest):
            b = bits >> k & 1
            lo, hi, out = lo.narrow(dim[q], b, 1), hi.narrow(dim[q], 1 - b, 1), out.narrow(dim[q], b, 1)
        torch.mul(hi, lo, out=out)
    return product.view(batch, -1)


def _flip_terms(state: torch.Tensor, conj: torch.Tensor, n: int, x: int, x_qubits: list[int],
                z_masks: Sequence[int]) -> torch.Tensor:
    """``<psi|P_t|psi>`` (real part), ``(batch, T)``, of the terms with Z masks ``z_masks`` sharing the X mask ``x``.

    Pairs ``i`` (bit ``h`` = 0, ``h`` the top X qubit) with ``i ^ x``: ``sum_i conj(psi[i^x]) s(i)
    psi[i] = S + (-1)**ny conj(S)``, ``S`` the signed sum over that half, for every term from one
    pass of pair products (:func:`_pair_products`) and one GEMM (:func:`_signed_sums`).
    """
    h = x_qubits[-1]
    below = 2**h - 1
    reduced = [(z & below) | ((z >> (h + 1)) << h) for z in z_masks]  # the signs on i without bit h
    half = _signed_sums(_pair_products(state, conj, n, x_qubits), reduced)
    ny = torch.tensor([bin(x & z).count("1") for z in z_masks], device=state.device)
    flip = (1 - 2 * (ny % 2)).to(half.real.dtype)  # (-1)**ny
    return ((half + flip * half.conj()) * torch.pow(1j, ny).to(half.dtype)).real


def _sign(z_axes: list[int], n: int, dtype: torch.dtype, device) -> torch.Tensor:
    """The parity signs ``(-1)**popcount(i & z)`` as a broadcastable ``(1,) + (2 or 1,)*n`` tensor."""
    sign = torch.ones([1] * (n + 1), dtype=dtype, device=device)
    for axis in z_axes:
        shape = [1] * (n + 1)
        shape[axis] = 2
        sign = sign * torch.tensor([1.0, -1.0], dtype=dtype, device=device).reshape(shape)
    return sign


def pauli_term_values(state: torch.Tensor, paulis: PauliSum) -> torch.Tensor:
    """``<psi|P_t|psi>`` of every Pauli word ``P_t`` of ``paulis`` (coefficients ignored) for every
    state of the batch: real, ``(batch, T)``.

    Terms sharing an X mask share one pass that pairs ``i`` with ``i ^ x`` and reads each pair
    once (half the state, slices of it: no flipped copy) and one GEMM that applies every term's Z
    signs; the diagonal terms share one ``|psi|^2`` and one GEMM. No ``2**n x 2**n`` matrix; the
    temporaries peak at 1.5 states (one conjugated copy, one half-state product).

    Example:
        >>> import torch
        >>> plus = torch.full((1, 2), 2**-0.5, dtype=torch.complex128)
        >>> words = PauliSum.from_labels(["X", "Z", "Y"], [1.0, 1.0, 1.0])
        >>> pauli_term_values(plus, words).abs().round(decimals=12).tolist()
        [[1.0, 0.0, 0.0]]
    """
    n = _qubits_of(state)
    for x, z in zip(paulis.x, paulis.z):
        _qubits(x | z, n)  # a clear error for a qubit beyond the state
    groups: dict[int, list[int]] = {}
    for t, x in enumerate(paulis.x):
        groups.setdefault(x, []).append(t)
    conj = state.conj().resolve_conj() if any(paulis.x) else None  # one copy: products without conj copies
    values = torch.zeros((state.shape[0], len(paulis.x)), dtype=state.real.dtype, device=state.device)
    for x, terms in groups.items():
        z_masks = [paulis.z[t] for t in terms]
        if x:
            group = _flip_terms(state, conj, n, x, _qubits(x, n), z_masks)
        else:
            group = _diagonal_terms(state, n, z_masks)
        values = values.index_copy(1, torch.tensor(terms, device=state.device), group)
    return values


def pauli_expectation(state: torch.Tensor, paulis: PauliSum) -> torch.Tensor:
    """``<psi|sum_t c_t P_t|psi>`` for every state of the batch: shape ``(batch,)``.

    Real (the state's real dtype) when every coefficient is real, else complex; the terms'
    values come from :func:`pauli_term_values` (one pass per X mask).

    Example:
        >>> import torch
        >>> plus = torch.full((1, 2), 2**-0.5, dtype=torch.complex128)
        >>> pauli_expectation(plus, PauliSum.from_labels(["X", "Z"], [1.0, 1.0])).tolist()
        [1.0000000000000002]
    """
    values = pauli_term_values(state, paulis)
    coeffs = paulis.coeffs.real if paulis.is_real else paulis.coeffs
    weights = torch.as_tensor(coeffs, device=state.device).to(values.dtype if paulis.is_real else state.dtype)
    return values.to(weights.dtype) @ weights


def apply_pauli_sum(state: torch.Tensor, paulis: PauliSum) -> torch.Tensor:
    """``sum_t c_t P_t |psi>`` for every state of the batch, shape ``(batch, 2**n)``.

    Example:
        >>> import torch
        >>> zero = torch.tensor([[1, 0]], dtype=torch.complex128)
        >>> apply_pauli_sum(zero, PauliSum.from_labels(["Y"], [1.0])).tolist()     # Y|0> = i|1>
        [[0j, 1j]]
    """
    n = _qubits_of(state)
    view = state.reshape((state.shape[0],) + (2,) * n)
    out = torch.zeros_like(view)
    for x, z, coeff in zip(paulis.x, paulis.z, paulis.coeffs):
        term = view * _sign(_axes(z, n), n, state.real.dtype, state.device) if z else view
        x_axes = _axes(x, n)
        term = term.flip(x_axes) if x_axes else term
        out = out + term * (complex(coeff) * 1j ** bin(x & z).count("1"))
    return out.reshape(state.shape)


def marginal_probabilities(state: torch.Tensor, qubits: Sequence[int]) -> torch.Tensor:
    """The probabilities of the outcomes on ``qubits``, shape ``(batch, 2**k)``.

    Bit ``j`` of the outcome index is the value of ``qubits[j]`` (``qubits[0]`` least significant).

    Example:
        >>> import torch
        >>> psi = torch.tensor([[0, 0.6, 0, 0.8]], dtype=torch.complex128)     # |01> and |11>
        >>> marginal_probabilities(psi, [1]).round(decimals=12).tolist(), marginal_probabilities(psi, [0]).tolist()
        ([[0.36, 0.64]], [[0.0, 1.0]])
    """
    n = _qubits_of(state)
    qubits = [int(q) for q in qubits]
    if len(set(qubits)) != len(qubits) or any(not 0 <= q < n for q in qubits):
        raise InvalidQubitsError(f"qubits {qubits} must be distinct indices in 0..{n - 1}")
    probs = _probabilities(state).reshape((state.shape[0],) + (2,) * n)
    keep = [n - q for q in reversed(qubits)]  # most significant first
    others = [a for a in range(1, n + 1) if a not in keep]
    if others:
        probs = probs.sum(dim=others)  # the kept axes stay in increasing order
    order = sorted(keep)
    probs = probs.permute([0] + [1 + order.index(a) for a in keep])
    return probs.reshape(state.shape[0], 2 ** len(qubits))


def apply_local_matrix(state: torch.Tensor, matrix: torch.Tensor, qubits: Sequence[int]) -> torch.Tensor:
    """Apply a ``(2**k, 2**k)`` matrix to ``qubits`` of every state (``qubits[0]`` = least significant
    bit of the matrix index): a contraction of those axes only.

    Example:
        >>> import torch
        >>> x = torch.tensor([[0, 1], [1, 0]], dtype=torch.complex128)
        >>> apply_local_matrix(torch.tensor([[1, 0, 0, 0]], dtype=torch.complex128), x, [1]).tolist()
        [[0j, 0j, (1+0j), 0j]]
    """
    n = _qubits_of(state)
    k = len(qubits)
    axes = [n - q for q in reversed(qubits)]  # the matrix index's most significant bit first
    rest = [a for a in range(1, n + 1) if a not in axes]
    view = state.reshape((state.shape[0],) + (2,) * n).permute([0] + rest + axes)
    moved_shape = view.shape
    out = (view.reshape(-1, 2**k) @ matrix.to(state.dtype).T).reshape(moved_shape)
    inverse = np.argsort([0] + rest + axes).tolist()
    return out.permute(inverse).reshape(state.shape)


def sample_indices(probabilities: torch.Tensor, shots: int, *, generator: torch.Generator) -> torch.Tensor:
    """``shots`` outcome indices drawn from each row of ``probabilities`` (``(batch, d)``): ``(batch, shots)``.

    Inverse-CDF sampling in float64 (a cumulative sum and a binary search), so it works for any
    ``d`` on CPU and CUDA; the same generator state gives the same samples. Rows need not be
    exactly normalised (each is scaled by its sum).

    Example:
        >>> import torch
        >>> g = torch.Generator().manual_seed(7)
        >>> sample_indices(torch.tensor([[0.0, 1.0, 0.0]]), 4, generator=g).tolist()
        [[1, 1, 1, 1]]
    """
    cdf = probabilities.detach().to(torch.float64).cumsum(dim=1)
    u = torch.rand((cdf.shape[0], shots), generator=generator, dtype=torch.float64, device=cdf.device)
    picks = torch.searchsorted(cdf, u * cdf[:, -1:], right=True)
    return picks.clamp_(max=cdf.shape[1] - 1)
