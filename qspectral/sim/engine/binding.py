r"""Bind parameter values to a program's steps: the torch operator of each matrix, diagonal or
multiplexed step.

:class:`Resolver` evaluates gate parameters (numbers stay numbers; Qiskit parameters and
expressions of them become tensors, so gradients flow); :func:`step_operator` builds a step's
operator, dispatched on the step's class. Bit ``j`` of an operator's index acts on ``step.wires[j]``.

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

import functools
import math
from collections.abc import Sequence

import torch
from qiskit.circuit import ParameterExpression

from qspectral.kernels.apply import apply_matrix
from qspectral.kernels.gates import gate_matrix
from qspectral.kernels.layout import diagonal_at
from qspectral.sim.engine.program import DiagonalStep, MatrixStep, MultiplexedStep, Number, Op, Step

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


def _member_matrix(op: Op, resolve: Resolver, dtype, device) -> torch.Tensor:
    if op.kind == "gate":
        return gate_matrix(op.name, [resolve(p) for p in op.params], dtype=dtype, device=device)
    return torch.as_tensor(op.constant, device=device).to(dtype)


def _member_diagonal(op: Op, resolve: Resolver, dtype, device) -> torch.Tensor:
    if op.kind == "gate":
        return torch.diagonal(_member_matrix(op, resolve, dtype, device), dim1=-2, dim2=-1)
    if op.name == "mcphase":
        phase = gate_matrix("p", [resolve(op.params[0])], dtype=dtype, device=device)[..., 1:, 1]
        ones = torch.ones(phase.shape[:-1] + (2 ** len(op.wires) - 1,), dtype=dtype, device=device)
        return torch.cat([ones, phase], dim=-1)
    return torch.as_tensor(op.constant, device=device).to(dtype)


def _local(step: Step) -> list[list[int]]:
    """For each member, the positions of its wires among the step's wires."""
    return [[step.wires.index(w) for w in op.wires] for op in step.members]


def _whole(step: Step, local: list[list[int]]) -> bool:
    """True when the step is one member on exactly the step's wires, in order."""
    return len(step.members) == 1 and local[0] == list(range(len(step.wires)))


@functools.singledispatch
def step_operator(step: Step, resolve: Resolver, dtype: torch.dtype, device) -> torch.Tensor:
    """The operator of ``step``: a matrix (``(d, d)`` or ``(batch, d, d)``), a diagonal
    (``(d,)`` or ``(batch, d)``) or multiplexed blocks, with bit ``j`` of its index on ``step.wires[j]``."""
    raise TypeError(f"a {type(step).__name__} has no operator")


@step_operator.register
def _(step: MultiplexedStep, resolve: Resolver, dtype: torch.dtype, device) -> torch.Tensor:
    return torch.as_tensor(step.members[0].constant, device=device).to(dtype)


@step_operator.register
def _(step: DiagonalStep, resolve: Resolver, dtype: torch.dtype, device) -> torch.Tensor:
    local = _local(step)
    if _whole(step, local):
        operator = _member_diagonal(step.members[0], resolve, dtype, device)
    else:
        operator = torch.ones((1, 2 ** len(step.wires)), dtype=dtype, device=device)
        for op, positions in zip(step.members, local):
            operator = diagonal_at(operator, _member_diagonal(op, resolve, dtype, device), positions)
    if operator.dim() == 2 and operator.shape[0] == 1:
        operator = operator[0]
    return operator


@step_operator.register
def _(step: MatrixStep, resolve: Resolver, dtype: torch.dtype, device) -> torch.Tensor:
    local = _local(step)
    if _whole(step, local):
        return _member_matrix(step.members[0], resolve, dtype, device)
    parts = [
        (_member_diagonal if op.is_diagonal else _member_matrix)(op, resolve, dtype, device)
        for op in step.members
    ]
    return _product(parts, step.members, local, 2 ** len(step.wires), dtype, device)


def _product(parts, members, local, d: int, dtype, device) -> torch.Tensor:
    """Multiply member operators into one ``d x d`` matrix by applying them to the basis states."""
    batch = max((p.shape[0] for p, op in zip(parts, members) if p.dim() == (1 if op.is_diagonal else 2) + 1), default=1)
    states = torch.eye(d, dtype=dtype, device=device).repeat(batch, 1)  # row b*d + j = e_j
    for part, op, positions in zip(parts, members, local):
        batched = part.dim() == (1 if op.is_diagonal else 2) + 1
        if batched:
            part = part.repeat_interleave(d, dim=0)
        if op.is_diagonal:
            states = diagonal_at(states, part, positions)
        else:
            states = apply_matrix(states, part, positions)
    columns = states.reshape(batch, d, d).mT  # states hold U e_j as rows
    return columns[0] if batch == 1 else columns
