r"""FFT kernels: the QFT on a block of index bits as one batched ``torch.fft`` call, or as two
in-place pocketfft passes and a twiddle (:func:`split_fft`, the CPU path for long QFTs).

The QFT on ``qubits`` maps :math:`|x\rangle \mapsto 2^{-m/2}\sum_k e^{+2\pi i xk/2^m}|k\rangle`
with ``qubits[0]`` the least significant bit of ``x`` and ``k``; it is one ``torch.fft.ifft`` with
``norm="ortho"`` (the inverse one ``torch.fft.fft``). ``do_swaps=False`` bit-reverses the forward
output on the subset (the inverse then reads a bit-reversed input): see :func:`qft_orders`.

Example:
    >>> psi = torch.zeros(1, 4, dtype=torch.complex128); psi[0, 1] = 1
    >>> bool(torch.allclose(fft_low(psi, 2, inverse=False) * 2, torch.tensor([[1, 1j, -1, -1j]], dtype=torch.complex128)))
    True
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np
import torch


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


#: :func:`fft_bits_in_place` transforms blocks of at most this many amplitudes at a time.
IN_PLACE_BLOCK = 2**20


def fft_bits_in_place(state: torch.Tensor, low: int, num_bits: int, *, inverse: bool) -> torch.Tensor:
    """:func:`fft_bits` written back into ``state``: no state-sized output, no MKL workspace.

    The other bits are batch, so the transform runs block by block (each block at most
    :data:`IN_PLACE_BLOCK` amplitudes, transformed into a small new tensor and copied back); the
    bits stay where they are (``moved`` is always False). Needs ``2**num_bits <= IN_PLACE_BLOCK``.

    Example:
        >>> psi = torch.arange(8.0).to(torch.complex128).reshape(1, 8)       # bits 1, 2: the axis of a (4, 2) view
        >>> expected = torch.fft.ifft(psi.view(4, 2), dim=0, norm="ortho").reshape(1, 8)
        >>> bool(torch.allclose(fft_bits_in_place(psi, 1, 2, inverse=False), expected))
        True
    """
    batch, length = state.shape
    axis = 2**num_bits
    if axis > IN_PLACE_BLOCK:
        raise ValueError(f"an in-place FFT over {num_bits} bits needs 2**{num_bits} <= IN_PLACE_BLOCK")
    transform = torch.fft.fft if inverse else torch.fft.ifft
    view = state.view(batch * (length >> (low + num_bits)), axis, 2**low)
    outer, _, inner = view.shape
    inner_step = min(inner, IN_PLACE_BLOCK // axis)
    outer_step = max(1, IN_PLACE_BLOCK // (axis * inner_step))
    for i in range(0, outer, outer_step):
        for j in range(0, inner, inner_step):
            block = view[i : i + outer_step, :, j : j + inner_step]
            block.copy_(transform(block, dim=1, norm="ortho"))
    return state


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


def twiddle(
    state: torch.Tensor, num_bits: int, split: int, *, inverse: bool, in_place: bool, low: int = 0
) -> torch.Tensor:
    """Multiply by ``w**(u*v)``, ``w = exp(+-2 pi i / 2**num_bits)``: the twiddle of a split DFT.

    ``v`` is the index of bits ``low .. low+split-1``, ``u`` of the next ``num_bits - split`` bits
    (the sign is ``+`` for the QFT, ``-`` for its inverse); the bits below ``low`` and above are
    batch. The ``2**num_bits`` factors are applied as two small broadcast tables, so no
    state-sized table is built.
    """
    batch, length = state.shape
    top = num_bits - split
    high, small = _twiddle_factors(num_bits, split, -1 if inverse else 1, state.dtype, str(state.device))
    view = state.view(batch, length >> (num_bits + low), 2 ** (top - top // 2), 2 ** (top // 2), 2**split, 2**low)
    high, small = high[..., None], small[..., None]
    if in_place:
        view.mul_(high).mul_(small)
        return state
    return (view * high * small).view(batch, length)


def split_fft(
    state: torch.Tensor,
    low: int,
    num_bits: int,
    low_bits: int,
    *,
    x_low_first: bool,
    inverse: bool,
    workers: int,
    overwrite: bool,
) -> torch.Tensor:
    r"""The DFT of :func:`fft_bits` over a block of ``num_bits`` index bits of a contiguous CPU state.

    The block (bits ``low .. low+num_bits-1``) holds the subset index ``x = x_L + 2**low_bits x_H``
    as two runs: ``x_L`` in the lower run and ``x_H`` in the upper one (``x_low_first``), or the
    other way round. Cooley-Tukey in four steps: a pocketfft pass (``scipy.fft``, ``workers``
    threads) over ``x_H`` gives the low bits ``k_L = k mod 2**(num_bits - low_bits)`` of the output
    in ``x_H``'s run, :func:`twiddle` multiplies by ``w**(x_L k_L)``, and an in-place pass over
    ``x_L`` gives ``k_H = k >> (num_bits - low_bits)`` in ``x_L``'s run. Both passes are batched
    short FFTs (MKL's one long FFT is single-threaded and not cache-blocked). With ``x_low_first``
    the output's two runs are exchanged (``k_H`` below ``k_L``: the caller relabels its bits);
    otherwise the output is in order. ``overwrite``: the first pass too runs in place and
    ``state`` is returned; else ``state`` is only read and the output is one new tensor.

    Example:
        >>> psi = torch.randn(1, 64, dtype=torch.complex128)
        >>> out = split_fft(psi, 0, 6, 3, x_low_first=True, inverse=False, workers=1, overwrite=False)
        >>> bool(torch.allclose(out.view(8, 8).t().reshape(1, 64), torch.fft.ifft(psi, norm="ortho")))   # runs exchanged
        True
    """
    import scipy.fft

    if overwrite and not state.is_contiguous():
        raise ValueError("split_fft(overwrite=True) needs a contiguous state (a strided one would be copied)")
    batch, length = state.shape
    lower = low_bits if x_low_first else num_bits - low_bits
    shape = (batch * (length >> (low + num_bits)), 2 ** (num_bits - lower), 2**lower)
    view = state.numpy().reshape(shape + ((2**low,) if low else ()))  # no trailing 1: pocketfft's fast path
    axis_high, axis_low = (1, 2) if x_low_first else (2, 1)
    transform = scipy.fft.fft if inverse else scipy.fft.ifft

    def run(array: np.ndarray, axis: int, in_place: bool) -> np.ndarray:
        """One pass; in place returns ``array`` itself (written back if pocketfft chose to copy)."""
        out = transform(array, axis=axis, norm="ortho", overwrite_x=in_place, workers=workers)
        if not in_place:
            return out
        if not np.shares_memory(out, array):
            array[...] = out
        return array

    out = run(view, axis_high, overwrite)
    if out is not view:
        view, state = out, torch.from_numpy(out).view(batch, length)
    twiddle(state, num_bits, lower, inverse=inverse, in_place=True, low=low)
    run(view, axis_low, True)
    return state


def qft_orders(qubits: Sequence[int], *, inverse: bool, do_swaps: bool) -> tuple[list[int], list[int]]:
    """Return ``(read, write)``: the subset the FFT reads its index from and writes it to, LSB first.

    Without swaps the forward QFT writes its output bit-reversed on the subset (reversed qubit
    order); the inverse reads its input bit-reversed.
    """
    forward = list(qubits)
    if do_swaps:
        return forward, forward
    return (forward[::-1], forward) if inverse else (forward, forward[::-1])

