r"""Layout primitives: kernels on index *bit positions* of a ``(batch, 2**n)`` state.

The engine's executor (:mod:`qspectral.sim.engine.executor`) keeps the wires in whatever bit order
is cheapest; these kernels move bits (:func:`permute_positions`, planned by :func:`bring_low` /
:func:`bring_high`) and apply matrices, diagonals and multiplexed gates where the bits lie. They
take ``out=`` / ``in_place=`` buffers. A matrix or diagonal is in Qiskit's convention: its bit
``j`` acts on index bit ``positions[j]``.

Example:
    >>> state = torch.arange(8.0).to(torch.complex128).reshape(1, 8)
    >>> permute_positions(state, [2, 0, 1]).real.int().tolist()     # new bit 0 = old bit 2
    [[0, 4, 1, 5, 2, 6, 3, 7]]
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch

#: Below this many multiply-adds a gate is applied by broadcasting instead of a BLAS product.
SMALL_PRODUCT = 2**16


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


#: :func:`transpose_in_place` swaps tiles of ``2**TILE_BITS x 2**TILE_BITS`` amplitudes.
TILE_BITS = 9


def transpose_in_place(state: torch.Tensor, source: Sequence[int]) -> bool:
    """:func:`permute_positions` in place, for a ``source`` that exchanges two equal blocks of bits.

    Such a permutation is a batch of square transposes; they are done tile by tile (each pair of
    tiles swapped through one tile-sized copy), so no second state is needed. Returns False, and
    does nothing, for any other permutation.

    Example:
        >>> state = torch.arange(16.0).to(torch.complex128).reshape(1, 16)
        >>> expected = permute_positions(state, [2, 3, 0, 1])
        >>> transpose_in_place(state, [2, 3, 0, 1]) and bool(torch.equal(state, expected))
        True
    """
    n = len(source)
    bits = source[0]
    if 2 * bits > n or list(source[: 2 * bits]) != [*range(bits, 2 * bits), *range(bits)] or (
        list(source[2 * bits :]) != list(range(2 * bits, n)) or bits == 0
    ):
        return False
    size = 2**bits
    view = state.view(-1, size, size)  # view[o, high, low]: the result is view[o, low, high]
    tile = min(size, 2**TILE_BITS)
    for i in range(0, size, tile):
        diagonal = view[:, i : i + tile, i : i + tile]
        diagonal.copy_(diagonal.transpose(-1, -2).clone())
        for j in range(i + tile, size, tile):
            upper, lower = view[:, i : i + tile, j : j + tile], view[:, j : j + tile, i : i + tile]
            kept = upper.clone()
            upper.copy_(lower.transpose(-1, -2))
            lower.copy_(kept.transpose(-1, -2))
    return True


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


#: :func:`one_qubit_in_place` works on blocks of at most this many amplitudes per half.
ONE_QUBIT_BLOCK = 2**16


def one_qubit_in_place(state: torch.Tensor, matrix: torch.Tensor, position: int) -> torch.Tensor:
    """Apply a ``(2, 2)`` matrix to index bit ``position`` of ``state`` in place; return ``state``.

    Block by block (:data:`ONE_QUBIT_BLOCK` amplitudes of each half at a time, so the only
    temporary is one small block): ``x0, x1 <- a x0 + b x1, c x0 + d x1``, scaled adds instead of
    a GEMM with a 2 x 2 operand (2**22 amplitudes, top bit: 2.3 vs 5.8 ms) and no new state.
    Not for autograd.

    Example:
        >>> psi = torch.tensor([[1, 0, 0, 0]], dtype=torch.complex128)
        >>> h = torch.tensor([[1, 1], [1, -1]], dtype=torch.complex128) / 2**0.5
        >>> one_qubit_in_place(psi, h, 1).real.round(decimals=4).tolist()
        [[0.7071, 0.0, 0.7071, 0.0]]
    """
    (a, b), (c, d) = matrix.tolist()
    batch, length = state.shape
    halves = state.view(batch * (length >> (position + 1)), 2, 2**position)
    rows, width = halves.shape[0], halves.shape[2]
    row_step = max(1, ONE_QUBIT_BLOCK // width)
    col_step = min(width, ONE_QUBIT_BLOCK)
    for i in range(0, rows, row_step):
        for j in range(0, width, col_step):
            x0 = halves[i : i + row_step, 0, j : j + col_step]
            x1 = halves[i : i + row_step, 1, j : j + col_step]
            kept = x0.clone()
            x0.mul_(a).add_(x1, alpha=b)
            x1.mul_(d).add_(kept, alpha=c)
    return state


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
    else:  # the matrix expanded to the view's batch dims: one batched GEMM, no transposed copies of the state
        y = torch.matmul(m.expand(batch, hi, d, d), view, out=target)
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


#: :func:`phase_at` makes its complex factors for at most this many amplitudes at a time.
PHASE_SLICE = 2**20


def _phase_view(phases: torch.Tensor, num_qubits: int, positions: Sequence[int]) -> torch.Tensor:
    """``phases`` (``(2**k,)``) as a view that broadcasts against ``(1, 2, ..., 2)`` (no copy)."""
    k = len(positions)
    by_height = sorted(range(k), key=lambda j: -positions[j])  # phase bits, highest position first
    view = phases.reshape((2,) * k).permute([k - 1 - j for j in by_height])
    touched = set(positions)
    for dim, p in enumerate(range(num_qubits - 1, -1, -1)):
        if p not in touched:
            view = view.unsqueeze(dim)
    return view.unsqueeze(0)


def _slices(dims: int, factor: torch.Tensor) -> Iterator[tuple[tuple, tuple]]:
    """Slices of a ``(batch, 2, ..., 2)`` view with ``dims`` binary dims, its leading ones fixed so that
    each slice has at most :data:`PHASE_SLICE` amplitudes: ``(index into the view, index into
    factor)``, ``factor`` being a view that broadcasts against it (size-1 dims stay at 0)."""
    lead = max(0, dims - (PHASE_SLICE.bit_length() - 1))
    for high in range(2**lead):
        bits = [(high >> (lead - 1 - t)) & 1 for t in range(lead)]
        yield (slice(None), *bits), (slice(None), *(b if factor.shape[1 + t] == 2 else 0 for t, b in enumerate(bits)))


def phase_at(
    state: torch.Tensor, phases: torch.Tensor, positions: Sequence[int], *, in_place: bool = False
) -> torch.Tensor:
    """Multiply by ``diag(exp(1j * phases))``, bit ``j`` of the phases' index on index bit ``positions[j]``.

    ``phases`` is a real ``(2**k,)`` tensor on the state's device. The complex factors are made
    in the state's precision for one slice of the state (its highest bits fixed, at most
    :data:`PHASE_SLICE` amplitudes) at a time, so no ``2**n`` complex diagonal is ever held:
    the extra memory is a slice, whatever the size of the state.

    Example:
        >>> state = torch.full((1, 4), 0.5, dtype=torch.complex128)
        >>> phases = torch.tensor([0.0, torch.pi, 0.0, torch.pi], dtype=torch.float64)
        >>> phase_at(state, phases, [1, 0]).real.tolist()   # phase bit 0 on index bit 1: e^{i pi} where set
        [[0.5, 0.5, -0.5, -0.5]]
    """
    batch, length = state.shape
    n = length.bit_length() - 1
    real = torch.empty((), dtype=state.dtype).real.dtype
    factor = _phase_view(phases, n, positions)
    out = state if in_place else state.clone()
    view = out.view((batch,) + (2,) * n)
    buffer = None
    for index, factor_index in _slices(n, factor):
        angle = factor[factor_index]
        if buffer is None:  # every slice's factor has the same shape: two buffers, reused
            buffer = torch.empty(angle.shape, dtype=state.dtype, device=state.device)
            parts = torch.view_as_real(buffer)
            angles = torch.empty(angle.shape, dtype=real, device=state.device)
        angle = angles.copy_(angle)  # sin and cos are fast only on contiguous input (one copy of a slice)
        torch.cos(angle, out=parts[..., 0])  # cos and sin straight into the complex buffer (torch.polar is 2x slower)
        torch.sin(angle, out=parts[..., 1])
        view[index].mul_(buffer)
    return out


def permute_at(
    state: torch.Tensor, source: torch.Tensor, positions: Sequence[int], *, out: torch.Tensor | None = None
) -> torch.Tensor:
    """Permute the basis states of a contiguous block of bits: ``out[i] = state[source[i]]`` on the
    block's index, bit ``j`` of which is on index bit ``positions[j]``. One gather, no matrix
    product; differentiable.

    Example:
        >>> psi = torch.arange(4.0).to(torch.complex128).reshape(1, 4)
        >>> permute_at(psi, torch.tensor([0, 3, 2, 1]), [0, 1]).real.tolist()   # CX, control bit 0
        [[0.0, 3.0, 2.0, 1.0]]
    """
    low = min(positions)
    d = 2 ** len(positions)
    # the block's own index of each block offset (bit low + p of the state is block bit positions.index(low + p)),
    # and the offset of each source index: out[offset] = in[offset of source[own index]]
    offset = torch.arange(d)
    own = torch.zeros(d, dtype=torch.int64)
    for j, p in enumerate(positions):
        own |= ((offset >> (p - low)) & 1) << j
    picked = source.cpu()[own]
    order = torch.zeros(d, dtype=torch.int64)
    for j, p in enumerate(positions):
        order |= ((picked >> j) & 1) << (p - low)
    batch, length = state.shape
    view = state.view(batch * (length // (d * 2**low)), d, 2**low)
    order = order.to(state.device)
    if out is not None:
        return torch.index_select(view, 1, order, out=out.view(view.shape)).reshape(batch, length)
    if torch.is_grad_enabled() and state.requires_grad:
        return _Gather.apply(view, order).reshape(batch, length)
    return view[:, order].reshape(batch, length)


class _Gather(torch.autograd.Function):
    """``view[:, order]`` for a permutation ``order``, whose gradient is the gather by the inverse
    permutation (autograd's own would scatter-add, ~10x slower)."""

    @staticmethod
    def forward(ctx, view: torch.Tensor, order: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(order)
        return view[:, order]

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (order,) = ctx.saved_tensors
        return grad[:, torch.argsort(order)], None


def filter_at(
    state: torch.Tensor, gains: torch.Tensor, target: int, controls: Sequence[int], *, in_place: bool = False
) -> torch.Tensor:
    """``RY(2 arccos g_k)`` on index bit ``target`` where the bits ``controls`` (``controls[0]``
    least significant) read ``k``: ``x0, x1 <- g x0 - s x1, s x0 + g x1``, ``s = sqrt(1 - g**2)``.

    ``gains`` is a real ``(2**len(controls),)`` tensor on the state's device, ``|g| <= 1`` (the
    :class:`~qspectral.quantum.spectral_gates.SpectralFilterGate` convention: the ``|0>`` branch of
    the target is multiplied by ``g``). Real coefficients only: no angles, no complex blocks. In
    place (no autograd) it works slice by slice (:data:`PHASE_SLICE` amplitudes of each half), so
    its temporaries are a few slices whatever the size of the state.

    Example:
        >>> state = torch.tensor([[0.6, 0.8, 0, 0]], dtype=torch.complex128)   # target bit 1, control bit 0
        >>> filter_at(state, torch.tensor([1.0, 0.0], dtype=torch.float64), 1, [0]).real.tolist()
        [[0.6, 0.0, 0.0, 0.8]]
    """
    batch, length = state.shape
    n = length.bit_length() - 1
    real = state.real.dtype
    axis = n - target  # the target's axis of the (batch, 2, ..., 2) view
    g = _phase_view(gains.to(real), n, controls).select(axis, 0)  # broadcasts against one half
    out = state if in_place else state.clone()
    view = out.view((batch,) + (2,) * n)
    x0, x1 = view.select(axis, 0), view.select(axis, 1)
    if not in_place or state.requires_grad:
        s = (1 - g.square()).clamp_(min=0).sqrt()
        return torch.stack([g * x0 - s * x1, s * x0 + g * x1], dim=axis).reshape(batch, length)
    for index, gain_index in _slices(n - 1, g):
        gain = g[gain_index]
        sine = (1 - gain.square()).clamp_(min=0).sqrt_()
        a, b = x0[index], x1[index]
        kept = a * sine
        a.mul_(gain).sub_(b * sine)
        b.mul_(gain).add_(kept)
    return out


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

