"""Matrices of Qiskit's standard gates as torch tensors, batched and differentiable in their angles.

Each equals ``qiskit.quantum_info.Operator(gate).data`` (``qubits[0]`` the least significant bit of
the index; controls on the low bits). Parameters are floats or real tensors of shape ``()`` or
``(batch,)``; the names and parameter counts are in :mod:`qspectral.kernels.gate_table`.

Example:
    >>> import numpy as np
    >>> theta = torch.tensor([0.0, np.pi], dtype=torch.float64)          # batched parameters
    >>> gate_matrix("rx", (theta,)).shape
    torch.Size([2, 2, 2])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from qspectral.errors import InvalidStateError
from qspectral.kernels.gate_table import CONTROLLED_FIXED, CONTROLLED_PARAM, FIXED, GATE_PARAMS, R2
from qspectral.kernels.states import REAL_DTYPE, check_dtype

Param = float | torch.Tensor


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


def _param_rows(name: str, a: list[torch.Tensor], dtype: torch.dtype, device) -> list[list]:
    if name in ("rx", "ry", "rz"):
        return _rot(name[1], a[0], dtype, device)
    if name in ("p", "u1"):
        return [[1, 0], [0, _phase(a[0], dtype)]]
    if name == "u2":
        return [[R2, -R2 * _phase(a[1], dtype)], [R2 * _phase(a[0], dtype), R2 * _phase(a[0] + a[1], dtype)]]
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
    angles = _as_angles(params, REAL_DTYPE[dtype], device)
    shape = torch.broadcast_shapes(*(a.shape for a in angles)) if angles else torch.Size()
    if name in FIXED:
        return _assemble(FIXED[name], dtype, device, shape)
    if name in CONTROLLED_FIXED:
        controls, base = CONTROLLED_FIXED[name]
        return _controlled(_assemble(FIXED[base], dtype, device, shape), controls)
    if name in CONTROLLED_PARAM:
        return _controlled(_assemble(_param_rows(CONTROLLED_PARAM[name], angles, dtype, device), dtype, device, shape))
    return _assemble(_param_rows(name, angles, dtype, device), dtype, device, shape)
