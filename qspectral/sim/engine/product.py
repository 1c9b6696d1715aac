r"""Start a program from ``|0...0>`` as a product of small states: its first steps cost almost nothing.

Run from ``|0...0>``, a program's first steps act on a product state: each step that touches only
wires no earlier step touched starts a new *factor* (a small state on its own wires), and a step
on wires of one or more factors (and fresh wires) acts on their merged factor, as long as that
has at most :data:`MAX_FACTOR_WIRES` wires. The full state is built once, as the Kronecker product
of the factors (one pass), when the first step that does not fit arrives; the executor goes on
from there. The factors are run by the executor's own step handlers (on ``(batch, 2**k)``
tensors with their own wire labels), so the arithmetic is the same; gradients flow through them.

Example:
    >>> import torch
    >>> from qiskit import QuantumCircuit
    >>> from qspectral.sim.engine.compiler import compile_circuit
    >>> qc = QuantumCircuit(3); _ = qc.h(0); _ = qc.x(2)
    >>> from qspectral.sim.engine.executor import execute
    >>> execute(compile_circuit(qc)).real.round(decimals=4).tolist()      # (|0> + |1>)/sqrt 2 on qubit 0, qubit 2 = 1
    [[0.0, 0.0, 0.0, 0.0, 0.7071, 0.7071, 0.0, 0.0]]
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from qspectral.kernels.states import zero_state
from qspectral.sim.engine.binding import kron
from qspectral.sim.engine.program import DiagonalStep, LayerStep, MatrixStep, PermutationStep, Step

#: The most wires a factor may hold (a ``(batch, 2**this)`` tensor); a step that would make a
#: larger one ends the product start.
MAX_FACTOR_WIRES = 10


def _zero(wires: Sequence[int], make, like: torch.Tensor) -> object:
    return make(zero_state(len(wires), dtype=like.dtype, device=like.device), list(wires))


def _merged(parts: Sequence, make):
    """The factors ``parts`` as one, lower wires on lower bits (so in order when they can be)."""
    parts = sorted(parts, key=lambda f: min(f.holder))
    return make(kron([f.state for f in parts], vectors=True), [w for f in parts for w in f.holder])


def product_start(steps: Sequence[Step], num_qubits: int, operators, make, like: torch.Tensor) -> tuple[object, int]:
    """Run the leading ``steps`` on ``|0...0>`` as factors; return the executor holding the full
    state (its ``holder`` says which wire each index bit holds) and how many steps were run.

    ``operators.apply(run, step)`` runs a step on an executor (with the executor's own handlers),
    ``operators.layer_start(step)`` gives a layer step's product state on fresh wires;
    ``make(state, holder)`` builds an executor on a ``(batch, 2**k)`` state whose bit ``p`` holds
    wire ``holder[p]``; ``like`` is a tensor of the dtype and device to build in.
    """
    factors: list = []
    owner: dict[int, int] = {}  # wire -> index into factors
    done = 0
    for step in steps:
        if type(step) not in (MatrixStep, LayerStep, DiagonalStep, PermutationStep):
            break
        touched = sorted({owner[w] for w in step.wires if w in owner})
        fresh = [w for w in step.wires if w not in owner]
        if sum(len(factors[i].holder) for i in touched) + len(fresh) > MAX_FACTOR_WIRES:
            break
        if isinstance(step, LayerStep) and not touched:  # one-qubit gates on |0>: a product of columns
            merged = make(operators.layer_start(step), list(step.wires))
        else:
            merged = _merged([factors[i] for i in touched] + ([_zero(sorted(fresh), make, like)] if fresh else []), make)
            operators.apply(merged, step)
        factors = [f for i, f in enumerate(factors) if i not in touched] + [merged]
        owner = {w: i for i, f in enumerate(factors) for w in f.holder}
        done += 1
    state = _merged(factors, make) if factors else None
    rest = [w for w in range(num_qubits) if w not in owner]
    if not rest:
        return state, done
    if state is None:
        return _zero(rest, make, like), done
    # |0> on the rest as the top bits: the product is the first 2**k amplitudes, zeros above
    full = torch.nn.functional.pad(state.state, (0, 2**num_qubits - state.state.shape[1]))
    return make(full, state.holder + rest), done
