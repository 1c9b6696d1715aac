r"""Out-of-place, differentiable statevector kernels on the plain layout (qubit ``q`` = index bit ``q``).

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

The kernels (:func:`~qspectral.kernels.states.zero_state`, :func:`apply_matrix`,
:func:`apply_diagonal`, :func:`apply_qft`, :func:`~qspectral.kernels.gates.gate_matrix`) never modify
their inputs and are differentiable with autograd. A state batch of 1 broadcasts against a batch
of matrices, diagonals or parameters. Nothing here builds a dense ``2**n x 2**n`` matrix: a gate
contracts only its own axes.

Example:
    >>> import numpy as np, torch
    >>> psi = apply_matrix(zero_state(3), gate_matrix("h"), [0])          # (|000> + |001>)/sqrt 2
    >>> psi = apply_matrix(psi, gate_matrix("cx"), [0, 2])                # Bell pair on qubits 0, 2
    >>> np.round(psi.abs().numpy() ** 2, 3).tolist()
    [[0.5, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0]]
    >>> out = apply_qft(psi, [0, 1, 2])
    >>> bool(torch.allclose(out, torch.fft.ifft(psi, norm="ortho")))
    True
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from qspectral.errors import InvalidStateError
from qspectral.kernels.fft import fft_low, qft_orders
from qspectral.kernels.gates import gate_matrix  # noqa: F401  (used by the examples)
from qspectral.kernels.layout import (
    bring_low,
    diagonal_at,
    inverse_source,
    is_contiguous_block,
    matrix_at,
    permute_positions,
)
from qspectral.kernels.states import check_qubits, num_qubits_of_state, operand, zero_state  # noqa: F401  (examples)


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
    order = check_qubits(n, qubits)
    k = len(order)
    matrix = operand(state, matrix, 2, "gate matrix")
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
    order = check_qubits(n, qubits)
    diagonal = operand(state, diagonal, 1, "diagonal")
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
    order = check_qubits(n, qubits)
    read, write = qft_orders(order, inverse=inverse, do_swaps=do_swaps)
    source, holder = bring_low(list(range(n)), read)
    out = fft_low(permute_positions(state, source), len(order), inverse=inverse)
    holder[: len(write)] = write
    return permute_positions(out, inverse_source(holder))

