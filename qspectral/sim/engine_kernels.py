r"""Functional torch kernels of the statevector engine: states, gates, diagonals and QFTs.

**Conventions** (those of :mod:`qspectral.conventions`):

- A batch of states is a tensor of shape ``(batch, 2**n)``, ``complex64`` or ``complex128``,
  on any device; entry ``[b, i]`` is the amplitude of basis state ``i`` in state ``b``, and qubit
  ``q`` is bit ``q`` of ``i`` (little-endian, as in Qiskit).
- A gate on ``qubits`` (a list of ``k`` distinct indices) is a ``(2**k, 2**k)`` matrix, or a batch
  ``(batch, 2**k, 2**k)`` of them (one per state), in Qiskit's convention: ``qubits[0]`` is the
  least significant bit of the matrix index, so ``gate_matrix("cx")`` on ``[c, t]`` is a CNOT
  with control ``c``. A diagonal gate is its diagonal, ``(2**k,)`` or ``(batch, 2**k)``.
- The QFT on ``qubits`` maps :math:`|x\rangle \mapsto 2^{-m/2}\sum_k e^{+2\pi i xk/2^m}|k\rangle`
  with ``qubits[0]`` the least significant bit of ``x`` and ``k``; it is one ``torch.fft.ifft``
  with ``norm="ortho"`` (the inverse one ``torch.fft.fft``). ``do_swaps=False`` bit-reverses the
  forward output on the subset (the inverse then reads a bit-reversed input); the reversal is an
  axis permutation, folded into the reshapes around the FFT.

The public kernels (:func:`zero_state`, :func:`apply_matrix`, :func:`apply_diagonal`,
:func:`apply_qft`, :func:`gate_matrix`) are out of place (their inputs are never modified) and
differentiable with autograd. A state batch of 1 broadcasts against a batch of matrices,
diagonals or parameters. Nothing here builds a dense ``2**n x 2**n`` matrix: a gate contracts
only its own axes.

The layout primitives below them (:func:`permute_positions`, :func:`matrix_at`,
:func:`diagonal_at`, :func:`multiplexed_at`, :func:`fft_bits`, :func:`twiddle`) act on index *bit
positions* rather than qubits, take ``out=`` / ``in_place=`` buffers, and serve the executor
(:mod:`qspectral.sim.engine_executor`), which keeps the wires in whatever bit order is cheapest.

Example:
    >>> import numpy as np, torch
    >>> psi = apply_matrix(zero_state(3), gate_matrix("h"), [0])          # (|000> + |001>)/sqrt 2
    >>> psi = apply_matrix(psi, gate_matrix("cx"), [0, 2])                # Bell pair on qubits 0, 2
    >>> np.round(psi.abs().numpy() ** 2, 3).tolist()
    [[0.5, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0]]
    >>> out = apply_qft(psi, [0, 1, 2])
    >>> bool(torch.allclose(out, torch.fft.ifft(psi, norm="ortho")))
    True
    >>> theta = torch.tensor([0.0, np.pi], dtype=torch.float64)          # batched parameters
    >>> gate_matrix("rx", (theta,)).shape
    torch.Size([2, 2, 2])
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np
import torch

from qspectral.errors import InvalidQubitsError, InvalidStateError

Param = float | torch.Tensor
_REAL = {torch.complex64: torch.float32, torch.complex128: torch.float64}
#: Below this many multiply-adds a gate is applied by broadcasting instead of a BLAS product.
SMALL_PRODUCT = 2**16


# --------------------------------------------------------------------------------------------
# states and validation
# --------------------------------------------------------------------------------------------


def zero_state(
    num_qubits: int,
    batch: int = 1,
    *,
    dtype: torch.dtype = torch.complex128,
    device: str | torch.device = "cpu",
) -> torch.Tensor:
    """Return ``batch`` copies of ``|0...0>`` on ``num_qubits`` qubits, shape ``(batch, 2**n)``.

    Example:
        >>> zero_state(2).tolist()
        [[(1+0j), 0j, 0j, 0j]]
    """
    if isinstance(num_qubits, bool) or not isinstance(num_qubits, int) or num_qubits < 1:
        raise InvalidQubitsError(
            f"num_qubits must be an integer >= 1, got {num_qubits!r}; a register needs at least one qubit"
        )
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise InvalidStateError(f"batch must be an integer >= 1, got {batch!r}")
    check_dtype(dtype)
    state = torch.zeros((batch, 2**num_qubits), dtype=dtype, device=device)
    state[:, 0] = 1
    return state


def check_dtype(dtype: torch.dtype) -> None:
    """Raise TypeError unless ``dtype`` is ``torch.complex64`` or ``torch.complex128``."""
    if dtype not in _REAL:
        raise TypeError(
            f"the engine computes in torch.complex64 or torch.complex128, got {dtype}; "
            "pass dtype=torch.complex128 (or complex64 for half the memory)"
        )


def num_qubits_of_state(state: torch.Tensor) -> int:
    """Return ``n`` for a ``(batch, 2**n)`` complex state tensor, or raise InvalidStateError."""
    if not isinstance(state, torch.Tensor):
        raise TypeError(f"expected a torch.Tensor state of shape (batch, 2**n), got {type(state).__name__}")
    if state.dim() != 2:
        raise InvalidStateError(
            f"a state batch must have shape (batch, 2**n), got shape {tuple(state.shape)}; "
            "use state.reshape(1, -1) for a single state"
        )
    check_dtype(state.dtype)
    length = state.shape[1]
    if length < 2 or length & (length - 1):
        raise InvalidStateError(f"a statevector needs a power-of-two length >= 2, got {length}")
    return length.bit_length() - 1


def _check_qubits(n: int, qubits: Sequence[int]) -> list[int]:
    chosen = [int(q) for q in qubits]
    if not chosen:
        raise InvalidQubitsError("the qubit list is empty; pass at least one qubit index")
    if any(not 0 <= q < n for q in chosen):
        bad = next(q for q in chosen if not 0 <= q < n)
        raise InvalidQubitsError(f"qubit {bad} is out of range for a {n}-qubit state; use 0..{n - 1}")
    if len(set(chosen)) != len(chosen):
        raise InvalidQubitsError(f"qubits {chosen} repeat an index; list each qubit once")
    return chosen


def _operand(state: torch.Tensor, operand, matrix_dims: int, what: str) -> torch.Tensor:
    """Cast ``operand`` to the state's dtype/device and check its batch against the state's."""
    if not isinstance(operand, torch.Tensor):
        operand = torch.from_numpy(np.asarray(operand, dtype=np.complex128))
    operand = operand.to(dtype=state.dtype, device=state.device)
    if operand.dim() not in (matrix_dims, matrix_dims + 1):
        raise InvalidStateError(
            f"the {what} must have {matrix_dims} or {matrix_dims + 1} dimensions (unbatched or batched), "
            f"got shape {tuple(operand.shape)}"
        )
    if operand.dim() > matrix_dims and state.shape[0] not in (1, operand.shape[0]):
        raise InvalidStateError(
            f"the {what} has batch size {operand.shape[0]} but the state batch has {state.shape[0]}; "
            "pass one per state, a single unbatched one, or a batch-1 state"
        )
    return operand


# --------------------------------------------------------------------------------------------
# layout primitives: a tensor whose index bit p holds some wire; the engine moves wires lazily
# --------------------------------------------------------------------------------------------


def permute_positions(state: torch.Tensor, source: Sequence[int], *, out: torch.Tensor | None = None) -> torch.Tensor:
    """Rearrange index bits: bit ``p`` of the result's index is bit ``source[p]`` of the input's.

    Returns ``state`` itself when ``source`` is the identity; writes into ``out`` when given.
    """
    n = len(source)
    if list(source) == list(range(n)):
        return state
    batch = state.shape[0]
    swap = _block_swap(source)
    if swap is not None and not (state.requires_grad and torch.is_grad_enabled()):
        return _swap_blocks(state, *swap, out=out)
    # Axis 1 + t of the (batch, 2, ..., 2) view holds bit position n - 1 - t.
    perm = [0] + [n - source[n - 1 - t] for t in range(n)]
    moved = state.reshape((batch,) + (2,) * n).permute(perm)
    if out is None:
        return moved.reshape(batch, 2**n)
    out.view((batch,) + (2,) * n).copy_(moved)
    return out


#: A bit permutation that exchanges two blocks of at least this many bits each, under few enough
#: outer indices, is copied as 2D transposes (torch's cache-blocked transpose copy).
_BLOCK_BITS = 6
_MAX_OUTER = 256


def _block_swap(source: Sequence[int]) -> tuple[int, int] | None:
    """``(low, high)`` when ``source`` moves bits ``low .. low+high-1`` to the bottom and bits
    ``0 .. low-1`` just above them (the other bits fixed): a batch of ``2**high x 2**low``
    transposes."""
    n = len(source)
    low = source[0]
    high = next((r for r in range(n) if source[r] != low + r), n)
    span = low + high
    if (
        low < _BLOCK_BITS
        or high < _BLOCK_BITS
        or list(source[high:span]) != list(range(low))
        or list(source[span:]) != list(range(span, n))
        or 2 ** (n - span) > _MAX_OUTER
    ):
        return None
    return low, high


def _swap_blocks(state: torch.Tensor, low: int, high: int, *, out: torch.Tensor | None) -> torch.Tensor:
    batch, length = state.shape
    outer = batch * (length >> (low + high))
    src = state.reshape(outer, 2**high, 2**low)
    dst = torch.empty_like(state) if out is None else out
    target = dst.view(outer, 2**low, 2**high)
    for o in range(outer):
        target[o].copy_(src[o].t())
    return dst


def inverse_source(source: Sequence[int]) -> list[int]:
    """The ``source`` list that undoes :func:`permute_positions` with ``source``."""
    inverse = [0] * len(source)
    for p, s in enumerate(source):
        inverse[s] = p
    return inverse


def bring_low(holder: Sequence[int], wires: Sequence[int]) -> tuple[list[int], list[int]]:
    """Plan moving ``wires`` to bit positions ``0..k-1`` (in that order), the others keeping their order.

    ``holder[p]`` is the wire at position ``p``. Returns ``(source, new_holder)`` for
    :func:`permute_positions`.
    """
    moving = set(wires)
    new_holder = list(wires) + [w for w in holder if w not in moving]
    position = {w: p for p, w in enumerate(holder)}
    return [position[w] for w in new_holder], new_holder


def bring_high(holder: Sequence[int], wires: Sequence[int]) -> tuple[list[int], list[int]]:
    """Plan moving ``wires`` to the top bit positions (``wires[0]`` lowest of them), others in order.

    Cheaper than :func:`bring_low` as a copy: the untouched low bits stay contiguous in memory.
    """
    moving = set(wires)
    new_holder = [w for w in holder if w not in moving] + list(wires)
    position = {w: p for p, w in enumerate(holder)}
    return [position[w] for w in new_holder], new_holder


def _reindex(matrix: torch.Tensor, bits: Sequence[int], square: bool) -> torch.Tensor:
    """Reorder index bits of a (batched) matrix or vector: new bit ``i`` is old bit ``bits[i]``."""
    k = len(bits)
    if list(bits) == list(range(k)):
        return matrix
    lead = matrix.shape[: matrix.dim() - (2 if square else 1)]
    axes = [k - 1 - bits[k - 1 - t] for t in range(k)]
    nl = len(lead)
    if square:
        shaped = matrix.reshape(lead + (2,) * (2 * k))
        perm = list(range(nl)) + [nl + a for a in axes] + [nl + k + a for a in axes]
        return shaped.permute(perm).reshape(lead + (2**k, 2**k))
    shaped = matrix.reshape(lead + (2,) * k)
    return shaped.permute(list(range(nl)) + [nl + a for a in axes]).reshape(lead + (2**k,))


def is_contiguous_block(positions: Sequence[int]) -> bool:
    """True when ``positions`` are ``a, a+1, ..., a+k-1`` in some order."""
    low = min(positions)
    return sorted(positions) == list(range(low, low + len(positions)))


def matrix_at(
    state: torch.Tensor, matrix: torch.Tensor, positions: Sequence[int], *, out: torch.Tensor | None = None
) -> torch.Tensor:
    """Apply ``matrix`` (bit ``j`` acting on index bit ``positions[j]``) to a contiguous block of bits.

    One (batched) GEMM on a view of the state, no copy of the state. ``matrix`` is ``(d, d)`` or
    ``(batch, d, d)`` and already in the state's dtype and device.
    """
    k = len(positions)
    low = min(positions)
    matrix = _reindex(matrix, [positions.index(low + i) for i in range(k)], square=True)
    batch = max(state.shape[0], matrix.shape[0] if matrix.dim() == 3 else 1)
    length = state.shape[1]
    d = 2**k
    hi = length // (d * 2**low)
    view = state.view(state.shape[0], hi, d, 2**low)
    m = matrix.unsqueeze(-3) if matrix.dim() == 3 else matrix
    target = None if out is None else out.view(batch, hi, d, 2**low)
    if batch * length * d <= SMALL_PRODUCT:
        # Small: broadcast-multiply and sum, which never starts BLAS threads (whose start-up
        # dominates a tiny product, badly so on a busy machine).
        y = torch.sum(m.unsqueeze(-1) * view.unsqueeze(-3), dim=-2, out=target)
    elif low == 0:
        y = torch.matmul(view.squeeze(-1), matrix.mT, out=None if out is None else target.squeeze(-1))
    else:
        y = torch.matmul(m, view, out=target)
    return y.reshape(batch, length)


def diagonal_factor(diagonal: torch.Tensor, num_qubits: int, positions: Sequence[int]) -> torch.Tensor:
    """Reshape a ``(2**k,)`` or ``(batch, 2**k)`` diagonal to broadcast against ``(batch, 2, ..., 2)``."""
    k = len(positions)
    if diagonal.dim() == 1:
        diagonal = diagonal.unsqueeze(0)
    order = sorted(range(k), key=lambda j: -positions[j])          # diagonal bits, highest position first
    diagonal = _reindex(diagonal, order[::-1], square=False)
    touched = set(positions)
    sizes = [2 if p in touched else 1 for p in range(num_qubits - 1, -1, -1)]
    return diagonal.reshape((diagonal.shape[0],) + tuple(sizes))


def diagonal_at(
    state: torch.Tensor, diagonal: torch.Tensor, positions: Sequence[int], *, in_place: bool = False
) -> torch.Tensor:
    """Multiply by ``diag(diagonal)`` with diagonal bit ``j`` on index bit ``positions[j]``: one pass."""
    batch, length = state.shape
    n = length.bit_length() - 1
    factor = diagonal_factor(diagonal, n, positions)
    view = state.view((batch,) + (2,) * n)
    if in_place and factor.shape[0] <= batch:
        view.mul_(factor)
        return state
    out = view * factor
    return out.reshape(out.shape[0], length)


def multiplexed_at(
    state: torch.Tensor, blocks: torch.Tensor, target: int, controls: Sequence[int], *, out: torch.Tensor | None = None
) -> torch.Tensor:
    """A uniformly controlled one-qubit gate: ``blocks[k]`` (2 x 2) acts on bit ``target`` where the
    bits ``controls`` (``controls[0]`` least significant) read ``k``.

    Four broadcast multiply-adds over the two halves of the state (no ``2**n`` matrix); ``blocks``
    is ``(2**len(controls), 2, 2)`` in the state's dtype and device. Qiskit's ``UCRYGate`` and
    ``UCGate`` on ``[target, *controls]`` are such gates.
    """
    batch, length = state.shape
    n = length.bit_length() - 1
    reduced = [p - (p > target) for p in controls]  # control bits once the target bit is removed
    halves = state.view(batch, length >> (target + 1), 2, 2**target)
    x0, x1 = (halves[:, :, a, :].reshape((batch,) + (2,) * (n - 1)) for a in (0, 1))
    factor = [[diagonal_factor(blocks[:, a, b], n - 1, reduced) for b in (0, 1)] for a in (0, 1)]
    if out is None:
        rows = [(x0 * factor[a][0] + x1 * factor[a][1]).reshape(batch, -1, 2**target) for a in (0, 1)]
        return torch.stack(rows, dim=2).view(batch, length)
    target_halves = out.view(batch, length >> (target + 1), 2, 2**target)
    for a in (0, 1):
        row = target_halves[:, :, a, :].view((batch,) + (2,) * (n - 1))
        torch.mul(x0, factor[a][0], out=row)
        row.addcmul_(x1, factor[a][1])
    return out


def fft_bits(state: torch.Tensor, low: int, num_bits: int, *, inverse: bool) -> tuple[torch.Tensor, bool]:
    """DFT (``ifft`` with ``norm="ortho"``; inverse: ``fft``) over index bits ``low .. low+num_bits-1``.

    Those bits form one axis of a view of the state (bit ``low`` least significant); the other
    bits are batch. One batched ``torch.fft`` call; its output is the only new tensor. Returns
    ``(out, moved)``: torch may lay the transformed axis out innermost (MKL does); then
    ``moved`` is True and in ``out`` the transformed bits are bits ``0 .. num_bits-1`` and the
    former bits ``0 .. low-1`` sit just above them (no copy is made to undo that).
    """
    if low == 0:
        return fft_low(state, num_bits, inverse=inverse), False
    batch, length = state.shape
    transform = torch.fft.fft if inverse else torch.fft.ifft
    out = transform(state.view(batch, length >> (low + num_bits), 2**num_bits, 2**low), dim=-2, norm="ortho")
    if out.is_contiguous():
        return out.view(batch, length), False
    innermost = out.transpose(-1, -2)
    if innermost.is_contiguous():
        return innermost.reshape(batch, length), True
    return out.contiguous().view(batch, length), False


def fft_low(state: torch.Tensor, num_bits: int, *, inverse: bool) -> torch.Tensor:
    """QFT (``ifft``, ortho) or inverse QFT (``fft``) over the lowest ``num_bits`` index bits."""
    batch, length = state.shape
    transform = torch.fft.fft if inverse else torch.fft.ifft
    return transform(state.view(batch, length >> num_bits, 2**num_bits), dim=-1, norm="ortho").view(batch, length)


@functools.lru_cache(maxsize=8)
def _twiddle_factors(
    num_bits: int, split: int, sign: int, dtype: torch.dtype, device: str
) -> tuple[torch.Tensor, torch.Tensor]:
    top = num_bits - split
    half = top // 2
    modulus = 2**num_bits
    v = torch.arange(2**split, dtype=torch.int64, device=device)

    def factor(u: torch.Tensor) -> torch.Tensor:
        turns = (u[:, None] * v[None, :]) % modulus  # exact integer phase, then one rounding
        angle = turns.double() * (sign * 2 * math.pi / modulus)
        return torch.polar(torch.ones((), dtype=torch.float64, device=device), angle).to(dtype)

    high = factor(torch.arange(2 ** (top - half), dtype=torch.int64, device=device) * 2**half)
    low = factor(torch.arange(2**half, dtype=torch.int64, device=device))
    return high[:, None, :], low[None, :, :]


def twiddle(state: torch.Tensor, num_bits: int, split: int, *, inverse: bool, in_place: bool) -> torch.Tensor:
    """Multiply by ``w**(u*v)``, ``w = exp(+-2 pi i / 2**num_bits)``: the twiddle of a split DFT.

    ``v`` is the index of the lowest ``split`` bits, ``u`` of the next ``num_bits - split`` bits
    (the sign is ``+`` for the QFT, ``-`` for its inverse). The ``2**num_bits`` factors are applied
    as two small broadcast tables, so no state-sized table is built.
    """
    batch, length = state.shape
    top = num_bits - split
    high, low = _twiddle_factors(num_bits, split, -1 if inverse else 1, state.dtype, str(state.device))
    view = state.view(batch, length >> num_bits, 2 ** (top - top // 2), 2 ** (top // 2), 2**split)
    if in_place:
        view.mul_(high).mul_(low)
        return state
    return (view * high * low).view(batch, length)


def qft_orders(qubits: Sequence[int], *, inverse: bool, do_swaps: bool) -> tuple[list[int], list[int]]:
    """Return ``(read, write)``: the subset the FFT reads its index from and writes it to, LSB first.

    Without swaps the forward QFT writes its output bit-reversed on the subset (reversed qubit
    order); the inverse reads its input bit-reversed.
    """
    forward = list(qubits)
    if do_swaps:
        return forward, forward
    return (forward[::-1], forward) if inverse else (forward, forward[::-1])


# --------------------------------------------------------------------------------------------
# public kernels on the plain layout (qubit q = index bit q)
# --------------------------------------------------------------------------------------------


def apply_matrix(state: torch.Tensor, matrix: torch.Tensor, qubits: Sequence[int]) -> torch.Tensor:
    """Apply a ``k``-qubit gate ``matrix`` to ``qubits`` of every state in the batch.

    ``matrix`` is ``(2**k, 2**k)`` or ``(batch, 2**k, 2**k)``, ``qubits[0]`` the least significant
    bit of its index (Qiskit). Cost: one GEMM over a view of the state when ``qubits`` are
    adjacent (in any order); otherwise the qubits are first moved next to each other and back
    (two permuted copies).

    Example:
        >>> apply_matrix(zero_state(2), gate_matrix("x"), [1]).abs().tolist()
        [[0.0, 0.0, 1.0, 0.0]]
    """
    n = num_qubits_of_state(state)
    order = _check_qubits(n, qubits)
    k = len(order)
    matrix = _operand(state, matrix, 2, "gate matrix")
    if matrix.shape[-2:] != (2**k, 2**k):
        raise InvalidStateError(
            f"a gate on {k} qubit(s) needs a ({2**k}, {2**k}) matrix, got shape {tuple(matrix.shape)}"
        )
    if is_contiguous_block(order):
        return matrix_at(state, matrix, order)
    source, _ = bring_low(list(range(n)), order)
    moved = matrix_at(permute_positions(state, source), matrix, list(range(k)))
    return permute_positions(moved, inverse_source(source))


def apply_diagonal(state: torch.Tensor, diagonal: torch.Tensor, qubits: Sequence[int]) -> torch.Tensor:
    """Multiply every state by the diagonal gate ``diag(diagonal)`` on ``qubits``: one elementwise pass.

    ``diagonal`` is ``(2**k,)`` or ``(batch, 2**k)``, ``qubits[0]`` the least significant bit of its
    index. It is broadcast over the untouched qubits, never expanded to ``2**n`` entries.

    Example:
        >>> plus = torch.full((1, 4), 0.5, dtype=torch.complex128)
        >>> apply_diagonal(plus, torch.tensor([1, 1, 1, -1]), [0, 1]).real.tolist()    # CZ
        [[0.5, 0.5, 0.5, -0.5]]
    """
    n = num_qubits_of_state(state)
    order = _check_qubits(n, qubits)
    diagonal = _operand(state, diagonal, 1, "diagonal")
    if diagonal.shape[-1] != 2 ** len(order):
        raise InvalidStateError(
            f"a diagonal gate on {len(order)} qubit(s) needs {2 ** len(order)} entries, "
            f"got shape {tuple(diagonal.shape)}"
        )
    return diagonal_at(state, diagonal, order)


def apply_qft(
    state: torch.Tensor, qubits: Sequence[int], *, inverse: bool = False, do_swaps: bool = True
) -> torch.Tensor:
    """Apply the (inverse) QFT on ``qubits`` as one FFT of length ``2**len(qubits)``.

    Same semantics as :func:`qspectral.conventions.apply_qft` (``sqrt(N) * ifft``; inverse
    ``fft / sqrt(N)``; ``qubits[0]`` the least significant bit). When the FFT reads ``0..m-1`` in
    order and writes them back in place (the whole register, ``do_swaps=True``), the result is
    the only new tensor; otherwise the subset is gathered by a permuted copy and scattered back.

    Example:
        >>> psi = torch.zeros(1, 8, dtype=torch.complex128); psi[0, 1] = 1
        >>> out = apply_qft(psi, [0, 1, 2])
        >>> bool(torch.allclose(out * 8 ** 0.5, torch.exp(2j * torch.pi * torch.arange(8.0, dtype=torch.float64) / 8)))
        True
    """
    n = num_qubits_of_state(state)
    order = _check_qubits(n, qubits)
    read, write = qft_orders(order, inverse=inverse, do_swaps=do_swaps)
    source, holder = bring_low(list(range(n)), read)
    out = fft_low(permute_positions(state, source), len(order), inverse=inverse)
    holder[: len(write)] = write
    return permute_positions(out, inverse_source(holder))


# --------------------------------------------------------------------------------------------
# gate matrices
# --------------------------------------------------------------------------------------------


def _as_angles(params: Sequence[Param], real: torch.dtype, device) -> list[torch.Tensor]:
    out = []
    for p in params:
        if (p.is_complex() if isinstance(p, torch.Tensor) else np.iscomplexobj(p)):
            raise TypeError(f"gate parameters must be real, got a complex value {p!r}")
        # Python and numpy numbers go straight to the real dtype (torch would make float32 first).
        t = p if isinstance(p, torch.Tensor) else torch.as_tensor(np.asarray(p, dtype=np.float64), device=device)
        if t.dim() > 1:
            raise InvalidStateError(
                f"a gate parameter must be a scalar or a 1-D batch, got shape {tuple(t.shape)}"
            )
        out.append(t.to(real))
    return out


def _assemble(rows: list[list], dtype: torch.dtype, device, shape: torch.Size) -> torch.Tensor:
    """Stack a nested list of scalars / tensors (all of batch ``shape``) into a ``(*shape, d, d)`` matrix."""
    flat = []
    for row in rows:
        for entry in row:
            t = entry.to(dtype) if isinstance(entry, torch.Tensor) else torch.tensor(entry, dtype=dtype, device=device)
            flat.append(t.expand(shape))
    d = len(rows)
    return torch.stack(flat, dim=-1).reshape(tuple(shape) + (d, d))


def _controlled(u: torch.Tensor, num_controls: int = 1) -> torch.Tensor:
    """Qiskit's controlled gate: controls on the low qubits (index bits), target(s) above them."""
    c = 2**num_controls
    d = u.shape[-1]
    full = torch.eye(c * d, dtype=u.dtype, device=u.device).expand(u.shape[:-2] + (c * d, c * d)).clone()
    idx = torch.arange(d, device=u.device) * c + (c - 1)
    full[..., idx[:, None], idx[None, :]] = u
    return full


def _phase(angle: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    return torch.exp(1j * angle).to(dtype)


def _rot(axis: str, theta: torch.Tensor, dtype: torch.dtype, device) -> list[list]:
    c = torch.cos(theta / 2).to(dtype)
    s = torch.sin(theta / 2).to(dtype)
    if axis == "x":
        return [[c, -1j * s], [-1j * s, c]]
    if axis == "y":
        return [[c, -s], [s, c]]
    return [[_phase(-theta / 2, dtype), 0], [0, _phase(theta / 2, dtype)]]


def _u3(theta, phi, lam, dtype) -> list[list]:
    c = torch.cos(theta / 2).to(dtype)
    s = torch.sin(theta / 2).to(dtype)
    return [[c, -_phase(lam, dtype) * s], [_phase(phi, dtype) * s, _phase(phi + lam, dtype) * c]]


_R2 = 1 / math.sqrt(2)
_FIXED: dict[str, list[list]] = {
    "id": [[1, 0], [0, 1]],
    "h": [[_R2, _R2], [_R2, -_R2]],
    "x": [[0, 1], [1, 0]],
    "y": [[0, -1j], [1j, 0]],
    "z": [[1, 0], [0, -1]],
    "s": [[1, 0], [0, 1j]],
    "sdg": [[1, 0], [0, -1j]],
    "t": [[1, 0], [0, complex(_R2, _R2)]],
    "tdg": [[1, 0], [0, complex(_R2, -_R2)]],
    "sx": [[0.5 + 0.5j, 0.5 - 0.5j], [0.5 - 0.5j, 0.5 + 0.5j]],
    "sxdg": [[0.5 - 0.5j, 0.5 + 0.5j], [0.5 + 0.5j, 0.5 - 0.5j]],
    "swap": [[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]],
    "iswap": [[1, 0, 0, 0], [0, 0, 1j, 0], [0, 1j, 0, 0], [0, 0, 0, 1]],
}
#: controlled gate name -> (number of controls, base gate name)
_CONTROLLED_FIXED = {
    "cx": (1, "x"), "cy": (1, "y"), "cz": (1, "z"), "ch": (1, "h"),
    "ccx": (2, "x"), "ccz": (2, "z"), "cswap": (1, "swap"),
}
_CONTROLLED_PARAM = {"cp": "p", "cu1": "p", "crx": "rx", "cry": "ry", "crz": "rz"}


def _param_rows(name: str, a: list[torch.Tensor], dtype: torch.dtype, device) -> list[list]:
    if name in ("rx", "ry", "rz"):
        return _rot(name[1], a[0], dtype, device)
    if name in ("p", "u1"):
        return [[1, 0], [0, _phase(a[0], dtype)]]
    if name == "u2":
        return [[_R2, -_R2 * _phase(a[1], dtype)], [_R2 * _phase(a[0], dtype), _R2 * _phase(a[0] + a[1], dtype)]]
    if name in ("u", "u3"):
        return _u3(a[0], a[1], a[2], dtype)
    c = torch.cos(a[0] / 2).to(dtype)
    s = -1j * torch.sin(a[0] / 2).to(dtype)
    if name == "rxx":
        return [[c, 0, 0, s], [0, c, s, 0], [0, s, c, 0], [s, 0, 0, c]]
    if name == "ryy":
        return [[c, 0, 0, -s], [0, c, s, 0], [0, s, c, 0], [-s, 0, 0, c]]
    # rzz
    m, p = _phase(-a[0] / 2, dtype), _phase(a[0] / 2, dtype)
    return [[m, 0, 0, 0], [0, p, 0, 0], [0, 0, p, 0], [0, 0, 0, m]]


#: Qiskit gate name -> number of parameters, for every gate :func:`gate_matrix` knows.
GATE_PARAMS: dict[str, int] = {
    **{name: 0 for name in _FIXED},
    **{name: 0 for name in _CONTROLLED_FIXED},
    **{name: 1 for name in ("rx", "ry", "rz", "p", "u1", "rxx", "ryy", "rzz")},
    **{name: 1 for name in _CONTROLLED_PARAM},
    "u2": 2,
    "u": 3,
    "u3": 3,
}


def gate_matrix(
    name: str,
    params: Sequence[Param] = (),
    *,
    dtype: torch.dtype = torch.complex128,
    device: str | torch.device = "cpu",
) -> torch.Tensor:
    """Return the matrix of the Qiskit standard gate ``name``, equal to ``Operator(gate).data``.

    ``params`` are python floats or real tensors of shape ``()`` or ``(batch,)``; with a batched
    parameter the result is ``(batch, d, d)``. Gradients flow through tensor parameters.
    Known names: ``sorted(GATE_PARAMS)``.

    Example:
        >>> gate_matrix("cx").real.int().tolist()      # control = qubits[0] = index bit 0
        [[1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0]]
    """
    if name not in GATE_PARAMS:
        raise ValueError(
            f"unknown gate {name!r}; gate_matrix knows {', '.join(sorted(GATE_PARAMS))} "
            "(apply other gates through their matrix with apply_matrix)"
        )
    params = list(params)
    if len(params) != GATE_PARAMS[name]:
        raise ValueError(f"gate {name!r} takes {GATE_PARAMS[name]} parameter(s), got {len(params)}")
    check_dtype(dtype)
    angles = _as_angles(params, _REAL[dtype], device)
    shape = torch.broadcast_shapes(*(a.shape for a in angles)) if angles else torch.Size()
    if name in _FIXED:
        return _assemble(_FIXED[name], dtype, device, shape)
    if name in _CONTROLLED_FIXED:
        controls, base = _CONTROLLED_FIXED[name]
        return _controlled(_assemble(_FIXED[base], dtype, device, shape), controls)
    if name in _CONTROLLED_PARAM:
        return _controlled(_assemble(_param_rows(_CONTROLLED_PARAM[name], angles, dtype, device), dtype, device, shape))
    return _assemble(_param_rows(name, angles, dtype, device), dtype, device, shape)
