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

Every function is out of place (its inputs are never modified) and differentiable with autograd.
A state batch of 1 broadcasts against a batch of matrices, diagonals or parameters.
Nothing here builds a dense ``2**n x 2**n`` matrix: a gate contracts only its own axes.

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

import math
from collections.abc import Callable, Sequence

import torch

from qspectral.errors import InvalidQubitsError, InvalidStateError

Param = float | torch.Tensor
_REAL = {torch.complex64: torch.float32, torch.complex128: torch.float64}


# --------------------------------------------------------------------------------------------
# states and axes
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
    _check_dtype(dtype)
    state = torch.zeros((batch, 2**num_qubits), dtype=dtype, device=device)
    state[:, 0] = 1
    return state


def _check_dtype(dtype: torch.dtype) -> None:
    if dtype not in _REAL:
        raise TypeError(f"the engine computes in torch.complex64 or torch.complex128, got {dtype}")


def num_qubits_of_state(state: torch.Tensor) -> int:
    """Return ``n`` for a ``(batch, 2**n)`` complex state tensor, or raise InvalidStateError."""
    if not isinstance(state, torch.Tensor):
        raise TypeError(f"expected a torch.Tensor state of shape (batch, 2**n), got {type(state).__name__}")
    if state.dim() != 2:
        raise InvalidStateError(
            f"a state batch must have shape (batch, 2**n), got shape {tuple(state.shape)}; "
            "use state.reshape(1, -1) for a single state"
        )
    _check_dtype(state.dtype)
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


def _gather_order(n: int, order: Sequence[int]) -> list[int]:
    """Axes of a ``(batch, 2, ..., 2)`` view putting the other qubits (high to low), then ``order``.

    Axis ``1 + n - 1 - q`` of the view holds qubit ``q``. After the permutation the last axis is
    ``order[0]`` (least significant), so a reshape to ``(batch, rest, 2**k)`` indexes the subset
    with ``order[0]`` as bit 0.
    """
    touched = set(order)
    rest = [q for q in range(n - 1, -1, -1) if q not in touched]
    return [0] + [n - q for q in rest] + [n - q for q in reversed(order)]


def _to_subset_axis(state: torch.Tensor, n: int, order: Sequence[int]) -> torch.Tensor:
    """View/copy ``state`` as ``(batch, 2**(n-k), 2**k)`` with the subset ``order`` on the last axis."""
    k = len(order)
    batch = state.shape[0]
    if list(order) == list(range(k)):
        return state.reshape(batch, 2 ** (n - k), 2**k)
    perm = _gather_order(n, order)
    return state.reshape((batch,) + (2,) * n).permute(perm).reshape(batch, 2 ** (n - k), 2**k)


def _from_subset_axis(tensor: torch.Tensor, n: int, order: Sequence[int]) -> torch.Tensor:
    """Undo :func:`_to_subset_axis` for the subset ``order``; return a ``(batch, 2**n)`` tensor."""
    k = len(order)
    batch = tensor.shape[0]
    if list(order) == list(range(k)):
        return tensor.reshape(batch, 2**n)
    perm = _gather_order(n, order)
    inverse = [0] * len(perm)
    for i, p in enumerate(perm):
        inverse[p] = i
    return tensor.reshape((batch,) + (2,) * n).permute(inverse).reshape(batch, 2**n)


def _batch_of(state: torch.Tensor, operand: torch.Tensor, matrix_dims: int, what: str) -> torch.Tensor:
    """Broadcast a batch-1 state against a batched operand; check batch sizes agree."""
    if operand.dim() == matrix_dims:
        return state
    if operand.dim() != matrix_dims + 1:
        raise InvalidStateError(f"the {what} must have {matrix_dims} or {matrix_dims + 1} dimensions, got shape {tuple(operand.shape)}")
    if operand.shape[0] == state.shape[0]:
        return state
    if state.shape[0] == 1:
        return state.expand(operand.shape[0], -1)
    raise InvalidStateError(
        f"the {what} has batch size {operand.shape[0]} but the state batch has {state.shape[0]}; "
        "pass one per state, a single unbatched one, or a batch-1 state"
    )


def _promote(state: torch.Tensor, operand: torch.Tensor) -> torch.Tensor:
    return operand.to(dtype=state.dtype, device=state.device)


# --------------------------------------------------------------------------------------------
# gates
# --------------------------------------------------------------------------------------------


def apply_matrix(state: torch.Tensor, matrix: torch.Tensor, qubits: Sequence[int]) -> torch.Tensor:
    """Apply a ``k``-qubit gate ``matrix`` to ``qubits`` of every state in the batch.

    ``matrix`` is ``(2**k, 2**k)`` or ``(batch, 2**k, 2**k)``, ``qubits[0]`` the least significant
    bit of its index (Qiskit). Cost: one GEMM over the ``2**(n-k)`` untouched indices, plus an
    axis permutation when ``qubits`` are not ``0..k-1``.

    Example:
        >>> apply_matrix(zero_state(2), gate_matrix("x"), [1]).abs().tolist()
        [[0.0, 0.0, 1.0, 0.0]]
    """
    n = num_qubits_of_state(state)
    order = _check_qubits(n, qubits)
    k = len(order)
    matrix = _promote(state, torch.as_tensor(matrix))
    if matrix.shape[-2:] != (2**k, 2**k):
        raise InvalidStateError(
            f"a gate on {k} qubit(s) needs a ({2**k}, {2**k}) matrix, got shape {tuple(matrix.shape)}"
        )
    state = _batch_of(state, matrix, 2, "gate matrix")
    sub = _to_subset_axis(state, n, order)
    out = torch.matmul(sub, matrix.mT)
    return _from_subset_axis(out, n, order)


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
    k = len(order)
    diagonal = _promote(state, torch.as_tensor(diagonal))
    if diagonal.shape[-1] != 2**k:
        raise InvalidStateError(
            f"a diagonal gate on {k} qubit(s) needs {2**k} entries, got shape {tuple(diagonal.shape)}"
        )
    state = _batch_of(state, diagonal, 1, "diagonal")
    return _diagonal_product(state, diagonal, n, order)


def _broadcast_diagonal(diagonal: torch.Tensor, n: int, order: Sequence[int]) -> torch.Tensor:
    """Reshape a ``(..., 2**k)`` diagonal to broadcast against a ``(batch, 2, ..., 2)`` view."""
    k = len(order)
    lead = diagonal.shape[:-1]
    # Axis j of the reshaped diagonal holds qubit order[k-1-j]; sort those axes by falling qubit.
    shaped = diagonal.reshape(lead + (2,) * k)
    by_qubit = sorted(range(k), key=lambda j: -order[k - 1 - j])
    shaped = shaped.permute(list(range(len(lead))) + [len(lead) + j for j in by_qubit])
    touched = set(order)
    sizes = [2 if q in touched else 1 for q in range(n - 1, -1, -1)]
    return shaped.reshape(lead + tuple(sizes))


def _diagonal_product(state: torch.Tensor, diagonal: torch.Tensor, n: int, order: Sequence[int]) -> torch.Tensor:
    batch = state.shape[0]
    factor = _broadcast_diagonal(diagonal, n, order)
    if diagonal.dim() == 1:
        factor = factor.unsqueeze(0)
    return (state.reshape((batch,) + (2,) * n) * factor).reshape(batch, 2**n)


# --------------------------------------------------------------------------------------------
# QFT
# --------------------------------------------------------------------------------------------


def qft_orders(qubits: Sequence[int], *, inverse: bool, do_swaps: bool) -> tuple[list[int], list[int]]:
    """Return ``(input_order, output_order)``: the subset read and written by the FFT, LSB first.

    Without swaps the forward QFT's output is bit-reversed on the subset (written in reversed
    qubit order); the inverse reads its input bit-reversed.
    """
    forward = list(qubits)
    backward = forward[::-1]
    if do_swaps:
        return forward, forward
    return (backward, forward) if inverse else (forward, backward)


def apply_qft(
    state: torch.Tensor, qubits: Sequence[int], *, inverse: bool = False, do_swaps: bool = True
) -> torch.Tensor:
    """Apply the (inverse) QFT on ``qubits`` as one FFT of length ``2**len(qubits)``.

    Same semantics as :func:`qspectral.conventions.apply_qft` (``sqrt(N) * ifft``; inverse
    ``fft / sqrt(N)``; ``qubits[0]`` the least significant bit). When ``qubits`` are ``0..m-1`` in
    order, the FFT runs on the state's memory as is (the result is the only new tensor);
    otherwise the subset is gathered into the last axis by a permuted copy and scattered back.

    Example:
        >>> psi = torch.zeros(1, 8, dtype=torch.complex128); psi[0, 1] = 1
        >>> out = apply_qft(psi, [0, 1, 2])
        >>> bool(torch.allclose(out * 8 ** 0.5, torch.exp(2j * torch.pi * torch.arange(8.0, dtype=torch.float64) / 8)))
        True
    """
    n = num_qubits_of_state(state)
    order = _check_qubits(n, qubits)
    read, write = qft_orders(order, inverse=inverse, do_swaps=do_swaps)
    sub = _to_subset_axis(state, n, read)
    transform = torch.fft.fft if inverse else torch.fft.ifft
    return _from_subset_axis(transform(sub, dim=-1, norm="ortho"), n, write)


# --------------------------------------------------------------------------------------------
# gate matrices
# --------------------------------------------------------------------------------------------


def _as_angles(params: Sequence[Param], real: torch.dtype, device) -> list[torch.Tensor]:
    out = []
    for p in params:
        t = torch.as_tensor(p, device=device)
        if t.is_complex():
            raise TypeError(f"gate parameters must be real, got a complex value {p!r}")
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
_CONTROLLED_FIXED = {"cx": (1, "x"), "cy": (1, "y"), "cz": (1, "z"), "ch": (1, "h"), "ccx": (2, "x"), "ccz": (2, "z"), "cswap": (1, "swap")}
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
    _check_dtype(dtype)
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
