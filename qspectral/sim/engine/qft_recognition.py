r"""Find QFTs written as plain gates (Hadamards and controlled phases) in a flat gate list.

A QFT that reaches a simulator as gates (Qiskit's decomposed ``QFTGate``, an OpenQASM file from
another project, ``synth_qft_full``) is, without its final swaps, a set of gates on a qubit subset
``q_0..q_{m-1}`` (``q_0`` the least significant bit of the transformed index):

- forward: ``h(q_j)`` for every ``j`` and ``cp(+pi/2**(j-k), q_j, q_k)`` for every ``j > k``, where on
  each qubit ``q_j`` the phases with higher qubits come before ``h(q_j)`` and those with lower
  qubits after it (Qiskit's order, top qubit first, is one such sequence);
- inverse (the adjoint of the forward one without swaps): the same gates with angles
  ``-pi/2**(j-k)``, phases with lower qubits before ``h(q_j)`` and with higher qubits after it.

Controlled phases commute with each other, so any sequence with these per-qubit orders is the same
unitary. Gates on other qubits may be interleaved (they commute with the block), and so may
gates that commute out of it (one-qubit diagonals, gates on subset qubits the block has not
reached yet or is done with: see :class:`QFTMatch`); any other gate that
touches the subset stops the match, and an incomplete match is
dropped, so the caller falls back to plain gate execution. Swaps are not part of the pattern:
the engine turns SWAP gates into relabellings before it calls :func:`find_qfts`.

The forward pattern without swaps is ``QFT`` with its output bit-reversed (``do_swaps=False``),
the inverse one ``QFT^-1`` reading a bit-reversed input, as in :mod:`qspectral.conventions`.

Example:
    >>> from qiskit.synthesis import synth_qft_full
    >>> qc = synth_qft_full(3, do_swaps=False)
    >>> ops = [GateRef(i.operation.name, tuple(qc.find_bit(q).index for q in i.qubits),
    ...                tuple(float(p) for p in i.operation.params)) for i in qc.data]
    >>> [(m.qubits, m.inverse, len(m.indices)) for m in find_qfts(ops)]
    [((0, 1, 2), False, 6)]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

#: Absolute tolerance on a controlled-phase angle (a phase off by more is a different gate).
ANGLE_ATOL = 1e-12
_PHASE_NAMES = ("cp", "cu1")
#: One-qubit diagonal gates: inside a QFT's span they commute out of it (see :class:`QFTMatch`).
_ONE_QUBIT_DIAGONAL = frozenset({"p", "u1", "rz", "z", "s", "sdg", "t", "tdg"})


class GateLike(Protocol):
    """What :func:`find_qfts` reads from a gate: its name, the wires it acts on, its parameters."""

    name: str
    wires: tuple[int, ...]
    params: tuple


@dataclass(frozen=True)
class GateRef:
    """A minimal :class:`GateLike`: ``name``, ``wires`` (``wires[0]`` = Qiskit's ``qargs[0]``), ``params``."""

    name: str
    wires: tuple[int, ...]
    params: tuple = ()


@dataclass(frozen=True)
class QFTMatch:
    """A QFT found in a gate list: the matched gates' positions, its subset (LSB first), its direction.

    ``before`` are other gates inside the QFT's span that commute to before it: gates only on
    subset qubits the QFT has not acted on yet, and one-qubit diagonal gates on a qubit before its
    Hadamard. (Other gates in the span act on other qubits, or on qubits the QFT is done with, or
    are one-qubit diagonals after a qubit's Hadamard: they commute to after it and stay in place.)
    """

    indices: tuple[int, ...]
    qubits: tuple[int, ...]
    inverse: bool
    before: tuple[int, ...] = ()


def _is_phase(op: GateLike) -> bool:
    return op.name in _ONE_QUBIT_DIAGONAL and len(op.wires) == 1


def phase_distance(op: GateLike) -> tuple[int, int] | None:
    """Return ``(sign, r)`` when ``op`` is a constant controlled phase of angle ``sign * pi / 2**r``."""
    if op.name not in _PHASE_NAMES or len(op.wires) != 2 or not isinstance(op.params[0], float):
        return None
    angle = op.params[0]
    if angle == 0:
        return None
    r = round(math.log2(math.pi / abs(angle)))
    if r < 1 or abs(abs(angle) - math.pi / 2**r) > ANGLE_ATOL:
        return None
    return (1 if angle > 0 else -1), r


def _next_on_wire(ops: Sequence[GateLike]) -> list[dict[int, int]]:
    """For every gate and each of its wires, the index of the next gate on that wire."""
    following: list[dict[int, int]] = [{} for _ in ops]
    last: dict[int, int] = {}
    for t in range(len(ops) - 1, -1, -1):
        for w in ops[t].wires:
            if w in last:
                following[t][w] = last[w]
            last[w] = t
    return following


def _verify(
    ops: Sequence[GateLike], start: int, qubits: list[int], inverse: bool, consumed: set[int]
) -> QFTMatch | None:
    """Collect the gates of the QFT on ``qubits`` from ``start``; None unless the match is complete."""
    m = len(qubits)
    index = {w: j for j, w in enumerate(qubits)}
    sign = -1 if inverse else 1
    h_seen = [False] * m
    started = [False] * m  # the QFT has acted on the qubit (its Hadamard or a phase seen)
    above = [0] * m  # phases seen with higher qubits, per qubit
    below = [0] * m  # phases seen with lower qubits, per qubit
    pairs: set[tuple[int, int]] = set()
    taken: list[int] = []
    before: list[int] = []
    total = m + m * (m - 1) // 2

    def finished(j: int) -> bool:  # the QFT is done with qubit j
        return h_seen[j] and (above[j] == m - 1 - j if inverse else below[j] == j)

    def _fits(op: GateLike, mine: list[int]) -> bool:  # the QFT's next Hadamard or phase on the subset
        if op.name == "h" and len(op.wires) == 1:
            j = mine[0]
            return not h_seen[j] and (below[j] == j if inverse else above[j] == m - 1 - j)
        phase = phase_distance(op)
        if phase is None or len(mine) != 2:
            return False
        j, k = sorted(mine, reverse=True)
        first, second = (k, j) if inverse else (j, k)
        return phase == (sign, j - k) and (j, k) not in pairs and h_seen[first] and not h_seen[second]

    for t in range(start, len(ops)):
        op = ops[t]
        mine = [index[w] for w in op.wires if w in index]
        if not mine:
            continue
        if t in consumed:
            return None
        if not _fits(op, mine):
            if len(mine) == len(op.wires) and not any(started[j] for j in mine):
                before.append(t)  # acts on the subset before the QFT does: commutes to before it
            elif _is_phase(op) and not h_seen[mine[0]]:
                before.append(t)  # diagonal, before the qubit's Hadamard: commutes to before the QFT
            elif not (_is_phase(op) or all(finished(j) for j in mine)):
                return None
            continue  # else it commutes to after the QFT (after its qubits' Hadamards): stays in place
        if len(mine) == 1:
            h_seen[mine[0]] = started[mine[0]] = True
        else:
            j, k = sorted(mine, reverse=True)
            pairs.add((j, k))
            above[k] += 1
            below[j] += 1
            started[j] = started[k] = True
        taken.append(t)
        if len(taken) == total:
            return QFTMatch(tuple(taken), tuple(qubits), inverse, tuple(before))
    return None


def _chain(ops: Sequence[GateLike], start: int, wire: int, following, consumed: set[int]) -> list[tuple[int, int, int]]:
    """The controlled phases ``(sign, r, partner)`` that follow ``ops[start]`` on ``wire``."""
    chain = []
    t = following[start].get(wire)
    while t is not None and t not in consumed:
        if _is_phase(ops[t]):
            t = following[t].get(wire)
            continue
        phase = phase_distance(ops[t])
        if phase is None:
            break
        partner = next(w for w in ops[t].wires if w != wire)
        chain.append((phase[0], phase[1], partner))
        t = following[t].get(wire)
    return chain


def find_qfts(ops: Sequence[GateLike], *, min_qubits: int = 2) -> list[QFTMatch]:
    """Return the (non-overlapping) QFTs on ``min_qubits`` or more qubits found in ``ops``.

    Each match's gates can be replaced by one QFT placed at the position of its first gate
    (``min(match.indices)``), preceded by its ``before`` gates; every other gate between its
    first and last gate stays in place. Only
    constant angles match; Hadamards are ``h``, controlled phases ``cp`` or ``cu1``, one-qubit
    phases ``p``, ``u1``, ``rz``, ``z``, ``s``, ``sdg``, ``t`` or ``tdg``.
    """
    following = _next_on_wire(ops)
    consumed: set[int] = set()
    matches = []
    for start, op in enumerate(ops):
        if start in consumed or op.name != "h" or len(op.wires) != 1:
            continue
        wire = op.wires[0]
        chain = _chain(ops, start, wire, following, consumed)
        if not chain:
            continue
        sign = chain[0][0]
        distances: set[int] = set()
        lengths = []
        for s, r, _ in chain:
            if s != sign or r in distances:
                break
            distances.add(r)
            if len(distances) == max(distances):
                lengths.append(len(distances))
        for length in reversed(lengths):
            if length + 1 < min_qubits:
                break
            partner = {r: w for _, r, w in chain[:length]}
            if sign > 0:  # forward: ``wire`` is the top qubit, distance r below it
                qubits = [partner[r] for r in range(length, 0, -1)] + [wire]
            else:  # inverse: ``wire`` is the bottom qubit
                qubits = [wire] + [partner[r] for r in range(1, length + 1)]
            if len(set(qubits)) != len(qubits):
                continue
            match = _verify(ops, start, qubits, sign < 0, consumed)
            if match is not None:
                consumed.update(match.indices + match.before)
                matches.append(match)
                break
    return matches
