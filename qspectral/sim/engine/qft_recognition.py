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
unitary. Gates on other qubits may be interleaved (they commute with the block); a gate that
touches the subset but does not fit the pattern stops the match, and an incomplete match is
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

#: Relative tolerance on a controlled-phase angle.
ANGLE_RTOL = 1e-9
_PHASE_NAMES = ("cp", "cu1")


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
    """A QFT found in a gate list: the matched gates' positions, its subset (LSB first), its direction."""

    indices: tuple[int, ...]
    qubits: tuple[int, ...]
    inverse: bool


def _phase_distance(op: GateLike) -> tuple[int, int] | None:
    """Return ``(sign, r)`` when ``op`` is a constant controlled phase of angle ``sign * pi / 2**r``."""
    if op.name not in _PHASE_NAMES or len(op.wires) != 2 or not isinstance(op.params[0], float):
        return None
    angle = op.params[0]
    if angle == 0:
        return None
    r = round(math.log2(math.pi / abs(angle)))
    if r < 1 or not math.isclose(abs(angle), math.pi / 2**r, rel_tol=ANGLE_RTOL):
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
) -> tuple[int, ...] | None:
    """Collect the gates of the QFT on ``qubits`` from ``start``; None unless the match is complete."""
    m = len(qubits)
    index = {w: j for j, w in enumerate(qubits)}
    sign = -1 if inverse else 1
    h_seen = [False] * m
    above = [0] * m  # phases seen with higher qubits, per qubit
    below = [0] * m  # phases seen with lower qubits, per qubit
    pairs: set[tuple[int, int]] = set()
    taken: list[int] = []
    total = m + m * (m - 1) // 2
    for t in range(start, len(ops)):
        op = ops[t]
        if not any(w in index for w in op.wires):
            continue
        if t in consumed:
            return None
        if op.name == "h" and len(op.wires) == 1:
            j = index[op.wires[0]]
            ready = below[j] == j if inverse else above[j] == m - 1 - j
            if h_seen[j] or not ready:
                return None
            h_seen[j] = True
        else:
            phase = _phase_distance(op)
            if phase is None or not all(w in index for w in op.wires):
                return None
            j, k = sorted((index[w] for w in op.wires), reverse=True)
            first, second = (k, j) if inverse else (j, k)
            if phase != (sign, j - k) or (j, k) in pairs or not h_seen[first] or h_seen[second]:
                return None
            pairs.add((j, k))
            above[k] += 1
            below[j] += 1
        taken.append(t)
        if len(taken) == total:
            return tuple(taken)
    return None


def _chain(ops: Sequence[GateLike], start: int, wire: int, following, consumed: set[int]) -> list[tuple[int, int, int]]:
    """The controlled phases ``(sign, r, partner)`` that follow ``ops[start]`` on ``wire``."""
    chain = []
    t = following[start].get(wire)
    while t is not None and t not in consumed:
        phase = _phase_distance(ops[t])
        if phase is None:
            break
        partner = next(w for w in ops[t].wires if w != wire)
        chain.append((phase[0], phase[1], partner))
        t = following[t].get(wire)
    return chain


def find_qfts(ops: Sequence[GateLike], *, min_qubits: int = 2) -> list[QFTMatch]:
    """Return the (non-overlapping) QFTs on ``min_qubits`` or more qubits found in ``ops``.

    Each match's gates can be replaced by one QFT placed at the position of its first gate
    (``min(match.indices)``): every other gate between its first and last gate acts on other
    qubits. Only constant angles match; Hadamards are ``h``, controlled phases ``cp`` or ``cu1``.
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
            taken = _verify(ops, start, qubits, sign < 0, consumed)
            if taken is not None:
                consumed.update(taken)
                matches.append(QFTMatch(taken, tuple(qubits), sign < 0))
                break
    return matches
