r"""Compile stage 2: fuse runs of one- and two-qubit gates (numpy) and read what each run does.

:func:`fuse_runs` multiplies out, at compile time,

- every run of constant one-qubit gates on a wire (between the wire's multi-qubit gates) into one
  2 x 2 matrix, and
- every run of constant two-qubit gates on the same pair of wires into one 4 x 4 matrix, together
  with the *diagonal* one-qubit gates between them (``cx; rz; cx`` is one diagonal run); a
  non-diagonal one-qubit gate ends the run (its wire's gates before and after it are separate
  runs), so that a controlled phase is never merged with its neighbours' Hadamards.

A run that equals SWAP (up to a global phase; a swap written as three CNOTs, as transpilation
leaves it) is not executed but relabels the wires after it (:func:`relabel_swaps`).
:func:`factors` reads a run by its unitary: a one-qubit diagonal is a phase gate ``p``, a one-qubit
run with all entries of modulus ``1/sqrt(2)`` is ``p . h . p``, a two-qubit diagonal is
``p, p, cp``, each with the global phase that makes the product exact; this is what lets
:mod:`~qspectral.sim.engine.qft_recognition` find QFTs whatever gates wrote their Hadamards and
controlled phases (``cp``, ``cu1``, ``u1``/``cx``, ``rz``/``sx``/``cx`` after transpilation).
A fused run is an :class:`~qspectral.sim.engine.program.Op` of kind ``matrix`` (or ``diagonal``)
named after its gates, e.g. ``'rz,sx,rz'``; a run of one gate is that gate. No torch here.

Example:
    >>> from qiskit import QuantumCircuit
    >>> from qspectral.sim.engine.flatten import flatten
    >>> qc = QuantumCircuit(2); _ = qc.rz(0.5, 0); _ = qc.sx(0); _ = qc.cx(0, 1); _ = qc.rz(0.2, 1); _ = qc.cx(0, 1)
    >>> [(op.name, op.wires) for op in fuse_runs(flatten(qc)[0])]
    [('rz,sx', (0,)), ('cx,rz,cx', (0, 1))]
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Sequence

import numpy as np

from qspectral.sim.engine.matrices import member_diagonal
from qspectral.sim.engine.program import Op

#: Two operators are taken as equal when no entry differs by more than this.
ATOL = 1e-12
_SWAP = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]], dtype=np.complex128)
_R2 = 1 / math.sqrt(2)
_H = np.array([[_R2, _R2], [_R2, -_R2]], dtype=np.complex128)


def _fusable(op: Op) -> bool:
    return op.kind in ("gate", "matrix", "diagonal") and len(op.wires) <= 2 and op.is_constant


def _dense(op: Op) -> np.ndarray:
    if op.constant is not None and op.constant.ndim == 2:
        return op.constant
    return np.diag(member_diagonal(op))


def _embedded(op: Op, pair: tuple[int, int]) -> np.ndarray:
    """``op``'s matrix on the pair's 4-dimensional space (bit 0 = ``pair[0]``)."""
    matrix = _dense(op)
    if len(op.wires) == 1:
        return np.kron(np.eye(2), matrix) if op.wires[0] == pair[0] else np.kron(matrix, np.eye(2))
    return matrix if op.wires == pair else _SWAP @ matrix @ _SWAP


class _Run:
    """Gates being fused on one wire or one pair; ``tails``: a pair's pending one-qubit gates
    after its last two-qubit gate (absorbed only if another two-qubit gate on the pair follows)."""

    def __init__(self, wires: tuple[int, ...]) -> None:
        self.wires = wires
        self.ops: list[Op] = []
        self.last = -1
        self.tails: dict[int, list[tuple[int, Op]]] = {w: [] for w in wires} if len(wires) == 2 else {}

    def op(self) -> Op:
        if len(self.ops) == 1:
            return self.ops[0]
        name = ",".join(op.name for op in self.ops)
        if all(op.is_diagonal for op in self.ops):
            entries = np.ones(2 ** len(self.wires), dtype=np.complex128)
            for op in self.ops:
                entries = entries * np.diagonal(_embedded(op, self.wires) if len(self.wires) == 2 else _dense(op))
            return Op("diagonal", name, self.wires, constant=entries)
        matrix = np.eye(2 ** len(self.wires), dtype=np.complex128)
        for op in self.ops:
            matrix = (_embedded(op, self.wires) if len(self.wires) == 2 else _dense(op)) @ matrix
        return Op("matrix", name, self.wires, constant=matrix)


def fuse_runs(ops: Sequence[Op]) -> list[Op]:
    """Fuse runs of constant one- and two-qubit gates (see the module docstring); same unitary."""
    done: list[tuple[int, Op]] = []  # (index of the run's last gate, run): sorted, a valid order
    open_runs: dict[int, _Run] = {}

    def close_pair(run: _Run) -> None:
        """Emit a pair's run; its pending one-qubit gates become open runs on their wires."""
        for w in run.wires:
            del open_runs[w]
        done.append((run.last, run.op()))
        for w, tail in run.tails.items():
            if tail:
                single = open_runs[w] = _Run((w,))
                single.ops = [op for _, op in tail]
                single.last = tail[-1][0]

    def close(wire: int) -> None:
        run = open_runs.get(wire)
        if run is not None and len(run.wires) == 2:
            close_pair(run)
        run = open_runs.pop(wire, None)
        if run is not None:
            done.append((run.last, run.op()))

    for index, op in enumerate(ops):
        if not _fusable(op):
            for w in op.wires:
                close(w)
            done.append((index, op))
            continue
        run = open_runs.get(op.wires[0])
        if len(op.wires) == 1:
            w = op.wires[0]
            if run is not None and len(run.wires) == 2:
                if op.is_diagonal:
                    run.tails[w].append((index, op))
                    continue
                close_pair(run)
                run = open_runs.get(w)
            if run is None:
                run = open_runs[w] = _Run((w,))
            run.ops.append(op)
            run.last = index
            continue
        a, b = op.wires
        if run is not None and run is open_runs.get(b):
            for w in run.wires:
                run.ops.extend(tail_op for _, tail_op in run.tails[w])
                run.tails[w] = []
        else:
            close(a)
            close(b)
            run = _Run((a, b))
            open_runs[a] = open_runs[b] = run
        run.ops.append(op)
        run.last = index
    for w in list(open_runs):
        close(w)
    done.sort(key=lambda item: item[0])
    return [op for _, op in done]


def _global_phase_of(matrix: np.ndarray, reference: np.ndarray) -> float | None:
    """``g`` when ``matrix == exp(i g) * reference`` (to ``ATOL``), else None."""
    k = int(np.argmax(np.abs(reference)))
    factor = matrix.flat[k] / reference.flat[k]
    if abs(abs(factor) - 1) > ATOL or np.max(np.abs(matrix - factor * reference)) > ATOL:
        return None
    return cmath.phase(factor)


def relabel_swaps(ops: Sequence[Op], output_wires: Sequence[int], num_wires: int) -> tuple[list[Op], list[float], list[int]]:
    """Drop fused runs that equal SWAP (times a phase) and relabel the wires after them.

    Returns ``(ops, phases, output_wires)``: the remaining ops on relabelled wires, the global
    phases of the dropped runs, and where each circuit qubit ends up.
    """
    rename = list(range(num_wires))  # rename[w] = the wire now holding what the ops call w
    kept: list[Op] = []
    phases: list[float] = []
    for op in ops:
        if op.kind == "matrix" and len(op.wires) == 2 and "," in op.name:
            phase = _global_phase_of(op.constant, _SWAP)
            if phase is not None:
                a, b = op.wires
                rename[a], rename[b] = rename[b], rename[a]
                if phase:
                    phases.append(phase)
                continue
        wires = tuple(rename[w] for w in op.wires)
        kept.append(op if wires == op.wires else Op(op.kind, op.name, wires, op.params, op.constant, op.inverse, op.do_swaps))
    return kept, phases, [rename[w] for w in output_wires]


def _phase_gate(angle: float, wire: int) -> Op:
    return Op("gate", "p", (wire,), (angle,), constant=np.array([[1, 0], [0, cmath.exp(1j * angle)]]))


def factors(op: Op, hadamard: str | None = None) -> tuple[list[Op], float] | None:
    """``(gates, phase)`` with ``op = exp(i phase) * gates[-1] ... gates[0]`` when ``op`` is a
    constant one-qubit diagonal (``p``), a one-qubit gate with all entries of modulus ``1/sqrt 2``
    (``p, h, p``) or a two-qubit diagonal (``p, p, cp``); zero-angle ``p`` gates are left out.
    Any other constant one-qubit gate ``U`` is read as ``(H U), h`` when ``hadamard="last"``
    and as ``h, (U H)`` when ``hadamard="first"``. None for anything else."""
    if not _fusable(op):
        return None
    wires = op.wires
    if op.constant is not None and op.constant.ndim == 2:
        rows = op.constant.tolist()
        d = [rows[i][i] for i in range(len(rows))]
        diagonal = all(abs(x) <= ATOL for i, row in enumerate(rows) for j, x in enumerate(row) if i != j)
    else:
        d = member_diagonal(op).tolist()
        rows, diagonal = None, True
    if diagonal:
        if any(abs(abs(x) - 1) > ATOL for x in d):
            return None
        phase = cmath.phase(d[0])
        gates = [_phase_gate(cmath.phase(d[1] / d[0]), wires[0])]
        if len(wires) == 2:
            gates.append(_phase_gate(cmath.phase(d[2] / d[0]), wires[1]))
            theta = cmath.phase(d[3] * d[0] / (d[1] * d[2]))
            if theta:
                matrix = np.diag([1, 1, 1, cmath.exp(1j * theta)])
                gates.append(Op("gate", "cp", wires, (theta,), constant=matrix))
        return [g for g in gates if g.params[0]], phase
    if len(wires) != 1:
        return None
    (a, b), (c, e) = rows
    if any(abs(abs(x) - _R2) > ATOL for x in (a, b, c, e)) or abs(e + b * c / a) > ATOL:
        if hadamard is None:
            return None
        h = Op("gate", "h", wires, constant=_H)
        if hadamard == "last":
            return [Op("matrix", op.name, wires, constant=_H @ op.constant), h], 0.0
        return [h, Op("matrix", op.name, wires, constant=op.constant @ _H)], 0.0
    phase, before, after = cmath.phase(a), cmath.phase(b / a), cmath.phase(c / a)
    h = Op("gate", "h", wires, constant=_H)
    gates = [_phase_gate(before, wires[0]), h, _phase_gate(after, wires[0])]
    return [g for g in gates if g.name == "h" or g.params[0]], phase
