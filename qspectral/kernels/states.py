r"""Statevector batches in torch: the complex dtypes, ``|0...0>``, and input checks.

A batch of states is a tensor of shape ``(batch, 2**n)``, ``complex64`` or ``complex128``, on any
device; entry ``[b, i]`` is the amplitude of basis state ``i`` in state ``b``, and qubit ``q`` is
bit ``q`` of ``i`` (little-endian, as in Qiskit).

Example:
    >>> zero_state(2, dtype=torch.complex64).dtype, REAL_DTYPE[torch.complex64]
    (torch.complex64, torch.float32)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from qspectral.errors import InvalidQubitsError, InvalidStateError

#: The complex dtypes the kernels compute in, and the real dtype of each (angles, norms, weights).
REAL_DTYPE = {torch.complex64: torch.float32, torch.complex128: torch.float64}


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
    if dtype not in REAL_DTYPE:
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


def check_qubits(n: int, qubits: Sequence[int]) -> list[int]:
    chosen = [int(q) for q in qubits]
    if not chosen:
        raise InvalidQubitsError("the qubit list is empty; pass at least one qubit index")
    if any(not 0 <= q < n for q in chosen):
        bad = next(q for q in chosen if not 0 <= q < n)
        raise InvalidQubitsError(f"qubit {bad} is out of range for a {n}-qubit state; use 0..{n - 1}")
    if len(set(chosen)) != len(chosen):
        raise InvalidQubitsError(f"qubits {chosen} repeat an index; list each qubit once")
    return chosen


def operand(state: torch.Tensor, operand, matrix_dims: int, what: str) -> torch.Tensor:
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

