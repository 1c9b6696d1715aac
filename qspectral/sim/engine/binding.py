r"""Bind parameter values to a program's steps: the torch operator of each matrix, diagonal or
multiplexed step.

:class:`Resolver` evaluates gate parameters (numbers stay numbers; Qiskit parameters and
expressions of them become tensors, so gradients flow); :func:`step_operator` gives a step's
operator: the compiler's numpy product for a constant step, the gate's matrix (or diagonal) at
the bound values for a parameterised one. Bit ``j`` of an operator's index acts on ``step.wires[j]``.

Example:
    >>> from qiskit import QuantumCircuit
    >>> from qspectral.sim.engine.compiler import compile_circuit
    >>> qc = QuantumCircuit(2); _ = qc.h(0); _ = qc.cx(0, 1)
    >>> (step,) = compile_circuit(qc).steps
    >>> m = step_operator(step, Resolver({}, torch.float64, "cpu"), torch.complex128, "cpu")
    >>> (m * 2 ** 0.5).real.round().int().tolist()            # CNOT . (H on bit 0)
    [[1, 1, 0, 0], [0, 0, 1, -1], [0, 0, 1, 1], [1, -1, 0, 0]]
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from qiskit.circuit import ParameterExpression

from qspectral.kernels.gates import gate_matrix
from qspectral.kernels.states import REAL_DTYPE
from qspectral.sim.engine.program import DiagonalStep, LayerStep, Number, PermutationStep, Step

_TORCH_FUNCTIONS = {
    "sin": torch.sin, "cos": torch.cos, "tan": torch.tan, "asin": torch.asin, "acos": torch.acos,
    "atan": torch.atan, "exp": torch.exp, "log": torch.log, "sqrt": torch.sqrt, "Abs": torch.abs,
    "sign": torch.sign, "pi": math.pi, "E": math.e,
}


class Resolver:
    """Evaluate gate parameters: numbers stay numbers, Qiskit parameters and expressions become tensors.

    ``values`` maps each :class:`~qiskit.circuit.Parameter` to a float or a real tensor of shape
    ``()`` or ``(batch,)``; expressions are evaluated with torch (via sympy), so gradients flow.
    """

    def __init__(self, values: dict, real_dtype: torch.dtype, device) -> None:
        self.values = {
            p: v.to(device=device, dtype=real_dtype) if isinstance(v, torch.Tensor) else float(v)
            for p, v in values.items()
        }
        self._compiled: dict = {}

    def __call__(self, value: Number):
        if not isinstance(value, ParameterExpression):
            return value
        if value in self.values:
            return self.values[value]
        params = sorted(value.parameters, key=lambda p: p.name)
        key = (str(value), tuple(params))
        if key not in self._compiled:
            import sympy

            expr = value.sympify()
            by_name = {s.name: s for s in expr.free_symbols}
            symbols = [by_name.get(p.name, sympy.Symbol(p.name)) for p in params]
            self._compiled[key] = sympy.lambdify(symbols, expr, modules=[_TORCH_FUNCTIONS], dummify=True)
        return self._compiled[key](*(self.values[p] for p in params))

    def phase(self, terms: Sequence[Number]):
        """``exp(i * sum(terms))`` as a complex number or tensor, or None when the sum is 0."""
        if not terms:
            return None
        total = sum(self(t) for t in terms)
        if not isinstance(total, torch.Tensor):
            return None if total == 0 else complex(math.cos(total), math.sin(total))
        return torch.exp(1j * total)


def step_operator(step: Step, resolve: Resolver, dtype: torch.dtype, device) -> torch.Tensor:
    """The operator of ``step``: a matrix (``(d, d)`` or ``(batch, d, d)``), a diagonal
    (``(d,)`` or ``(batch, d)``), multiplexed blocks or a permutation's index array, with bit ``j``
    of its index on ``step.wires[j]``.

    A constant step's operator was computed by the compiler (``step.operator``) and is only
    converted here; a parameterised gate is a step of its own, built from the parameter values.
    """
    if isinstance(step, PermutationStep):  # the index array
        return torch.as_tensor(step.operator, device=device)
    if step.operator is not None:
        return torch.as_tensor(step.operator, device=device).to(dtype)
    if isinstance(step, LayerStep):
        return _layer_matrix(step, resolve, dtype, device)
    (op,) = step.members
    params = [resolve(p) for p in op.params]
    if op.name == "mcphase":
        phase = gate_matrix("p", params, dtype=dtype, device=device)[..., 1:, 1]
        ones = torch.ones(phase.shape[:-1] + (2 ** len(op.wires) - 1,), dtype=dtype, device=device)
        return torch.cat([ones, phase], dim=-1)
    matrix = gate_matrix(op.name, params, dtype=dtype, device=device)
    return torch.diagonal(matrix, dim1=-2, dim2=-1) if isinstance(step, DiagonalStep) else matrix


def layer_matrices(step: LayerStep, resolve: Resolver, dtype: torch.dtype, device) -> torch.Tensor:
    """Each wire's ``2 x 2`` matrix in a layer step (its gates on that wire multiplied in order),
    stacked in the order of ``step.wires``: ``(len(wires), *batch, 2, 2)``, ``batch`` ``(b,)`` when
    a parameter is batched, else empty.

    Built by depth (the ``d``-th gate on each wire): the gates of one name and parameter shape at
    one depth are one :func:`gate_matrix` call on stacked angles, and each depth multiplies the
    stack so far in one batched product, so a layer costs a few torch ops whatever its width.
    """
    real = REAL_DTYPE[dtype]
    width = len(step.wires)
    row_of = {w: j for j, w in enumerate(step.wires)}
    depth_of = dict.fromkeys(step.wires, 0)
    levels: list[dict[tuple, list]] = []  # per depth: (name, parameter shape) -> [(row, params or constant matrix)]
    for op in step.members:
        (wire,) = op.wires
        if depth_of[wire] == len(levels):
            levels.append({})
        groups = levels[depth_of[wire]]
        depth_of[wire] += 1
        if op.constant is not None:
            groups.setdefault((None, ()), []).append((row_of[wire], op.constant))
            continue
        params = [resolve(p) for p in op.params]
        shape = next((tuple(p.shape) for p in params if isinstance(p, torch.Tensor) and p.dim()), ())  # () or (b,)
        groups.setdefault((op.name, shape), []).append((row_of[wire], params))
    product = None
    for groups in levels:
        pieces, rows = [], []
        for (name, shape), members in groups.items():
            rows += [row for row, _ in members]
            pieces.append(_group_matrices(name, shape, [m for _, m in members], real, dtype, device))
        missing = [j for j in range(width) if j not in rows]
        if missing:
            pieces.append(torch.eye(2, dtype=dtype, device=device).expand(len(missing), 2, 2))
            rows += missing
        stack = _stacked(pieces)
        if rows != list(range(width)):
            stack = stack[torch.as_tensor(sorted(range(width), key=rows.__getitem__), device=device)]
        if product is not None:
            while stack.dim() < product.dim():
                stack = stack.unsqueeze(1)
            while product.dim() < stack.dim():
                product = product.unsqueeze(1)
        product = stack if product is None else stack @ product
    return product


def _group_matrices(name: str | None, shape: tuple, members: list, real, dtype, device) -> torch.Tensor:
    """``(len(members), *shape, 2, 2)``: one gate's matrices at stacked angles (``name`` None:
    the members are constant matrices)."""
    if name is None:
        return torch.as_tensor(np.stack(members), device=device).to(dtype)
    angles = [torch.stack([torch.as_tensor(a, dtype=real, device=device).expand(shape) for a in column])
              for column in zip(*members)]
    built = gate_matrix(name, [a.reshape(-1) for a in angles], dtype=dtype, device=device)
    return built.reshape((len(members),) + shape + (2, 2))


def _stacked(pieces: list[torch.Tensor]) -> torch.Tensor:
    """The pieces (``(k_i, *batch_i, 2, 2)``) concatenated along the first dim, batches broadcast."""
    if len(pieces) == 1:
        return pieces[0]
    batch = tuple(torch.broadcast_shapes(*(p.shape[1:-2] for p in pieces)))
    return torch.cat([p.reshape(p.shape[:1] + (1,) * (len(batch) + 3 - p.dim()) + p.shape[1:]).expand(
        p.shape[:1] + batch + (2, 2)) for p in pieces])


def kron(factors: Sequence[torch.Tensor], *, vectors: bool = False) -> torch.Tensor:
    """The Kronecker product of (batched) matrices, or of vectors, ``factors[0]`` least
    significant: ``kron([a, b])`` is ``numpy.kron(b, a)``; batch dimensions broadcast.

    Example:
        >>> a, b = torch.tensor([1.0, 2.0]), torch.tensor([1.0, 10.0])
        >>> kron([a, b], vectors=True).tolist()
        [1.0, 2.0, 10.0, 20.0]
    """
    product = factors[0]
    for high in factors[1:]:
        if vectors:
            product = (high[..., :, None] * product[..., None, :]).flatten(-2, -1)
        else:
            product = (high[..., :, None, :, None] * product[..., None, :, None, :]).flatten(-4, -3).flatten(-2, -1)
    return product


def _layer_matrix(step: LayerStep, resolve: Resolver, dtype: torch.dtype, device) -> torch.Tensor:
    """The Kronecker product over ``step.wires`` (``wires[0]`` least significant) of each wire's
    one-qubit gates multiplied in order."""
    return kron(layer_matrices(step, resolve, dtype, device).unbind(0))
