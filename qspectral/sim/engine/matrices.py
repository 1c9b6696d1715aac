r"""Compile-time operators in numpy: the matrix of a constant gate, and the product of a step's members.

The compiler multiplies every constant step out here, once (:func:`fused_matrix`,
:func:`fused_diagonal`), so that running a program builds no per-gate matrix. Convention: bit ``j``
of an operator's index acts on ``wires[j]`` (Qiskit's: ``qargs[0]`` is the least significant bit);
a member's ``positions`` are the indices of its wires among the step's wires. No torch here.

Example:
    >>> import numpy as np
    >>> from qspectral.sim.engine.program import Op
    >>> x = Op("matrix", "x", (1,), constant=np.array([[0, 1], [1, 0]], dtype=complex))
    >>> fused_matrix((0, 1), [x]).real.astype(int).tolist()          # X on bit 1 of two
    [[0, 0, 1, 0], [0, 0, 0, 1], [1, 0, 0, 0], [0, 1, 0, 0]]
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from qspectral.sim.engine.program import Op


def member_diagonal(op: Op) -> np.ndarray:
    """The ``2**k`` diagonal entries of a constant diagonal op (``op.is_diagonal``)."""
    if op.kind == "diagonal" and op.name == "mcphase":
        entries = np.ones(2 ** len(op.wires), dtype=np.complex128)
        entries[-1] = np.exp(1j * op.params[0])
        return entries
    if op.constant.ndim == 1:
        return op.constant
    return np.diagonal(op.constant)


def local_index(size: int, positions: Sequence[int]) -> np.ndarray:
    """For every index of a ``size``-entry operator, the index its bits ``positions`` form (bit ``j``
    of the result = bit ``positions[j]`` of the index)."""
    index = np.arange(size)
    local = np.zeros(size, dtype=np.int64)
    for j, p in enumerate(positions):
        local |= ((index >> p) & 1) << j
    return local


def _positions(wires: Sequence[int], op: Op) -> list[int]:
    return [wires.index(w) for w in op.wires]


def fused_diagonal(wires: Sequence[int], members: Sequence[Op]) -> np.ndarray:
    """The product of constant diagonal ``members`` as ``2**len(wires)`` entries."""
    size = 2 ** len(wires)
    out = np.ones(size, dtype=np.complex128)
    for op in members:
        out *= member_diagonal(op)[local_index(size, _positions(wires, op))]
    return out


@functools.lru_cache(maxsize=4096)
def _moves(w: int, positions: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Axis orders that bring the row bits ``positions`` (highest member bit first) to the front of
    a ``(2,) * w + (columns,)`` array, and back."""
    front = [w - 1 - positions[j] for j in range(len(positions) - 1, -1, -1)]
    order = tuple(front + [a for a in range(w + 1) if a not in front])
    return order, tuple(int(i) for i in np.argsort(order))


def fused_matrix(wires: Sequence[int], members: Sequence[Op]) -> np.ndarray:
    """The product ``members[-1] ... members[0]`` of constant ops as one ``2**w x 2**w`` matrix."""
    w = len(wires)
    size = 2**w
    if len(members) == 1 and list(members[0].wires) == list(wires) and not members[0].is_diagonal:
        return members[0].constant
    acc = np.eye(size, dtype=np.complex128)  # row index bit b = wires[b]
    for op in members:
        positions = _positions(wires, op)
        if op.is_diagonal:
            acc = acc * member_diagonal(op)[local_index(size, positions)][:, None]
            continue
        k = len(positions)
        order, back = _moves(w, tuple(positions))
        moved = acc.reshape((2,) * w + (size,)).transpose(order)
        shape = moved.shape
        acc = (op.constant @ moved.reshape(2**k, -1)).reshape(shape).transpose(back).reshape(size, size)
    return acc


def fused_permutation(wires: Sequence[int], members: Sequence[Op]) -> np.ndarray:
    """The product ``members[-1] ... members[0]`` of constant ops that only permute basis states,
    as its index array ``source`` (``out[i] = in[source[i]]``, bit ``j`` of ``i`` on ``wires[j]``),
    composed from the members' own index arrays (no ``2**w x 2**w`` matrix).

    Example:
        >>> from qiskit.circuit.library import CXGate
        >>> cx = Op("gate", "cx", (0, 1), constant=CXGate().to_matrix())
        >>> fused_permutation((0, 1, 2), [cx, Op("gate", "cx", (1, 2), constant=CXGate().to_matrix())]).tolist()
        [0, 3, 6, 5, 4, 7, 2, 1]
    """
    size = 2 ** len(wires)
    index = np.arange(size)
    source = index
    for op in members:
        positions = _positions(wires, op)
        moved = permutation_of(op.constant)[local_index(size, positions)]
        kept = index & ~sum(1 << p for p in positions)
        for j, p in enumerate(positions):
            kept |= ((moved >> j) & 1) << p
        source = source[kept]
    return source


def permutation_of(matrix: np.ndarray) -> np.ndarray | None:
    """``source`` with ``matrix[i, source[i]] == 1`` and every other entry exactly 0, or None.

    Example:
        >>> permutation_of(np.array([[0, 1], [1, 0]], dtype=complex)).tolist(), permutation_of(np.eye(2) * 1j)
        ([1, 0], None)
    """
    source = np.argmax(np.abs(matrix), axis=1)
    rows = np.arange(matrix.shape[0])
    if np.any(matrix[rows, source] != 1) or np.count_nonzero(matrix) != matrix.shape[0]:
        return None
    return source
