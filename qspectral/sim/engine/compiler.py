r"""Compile a Qiskit circuit into the engine's :class:`~qspectral.sim.engine.program.Program`.

Compilation, in order (no torch anywhere in it: the result is plain, immutable data):

1. **Flatten** (:func:`~qspectral.sim.engine.flatten.flatten`): gates on wires, QFT blocks whole,
   swaps turned into one final relabelling, global phases summed.
2. **Recognise** QFTs written as Hadamards and controlled phases
   (:func:`~qspectral.sim.engine.qft_recognition.find_qfts`); each becomes one FFT step.
3. **Fuse.** Gates are packed into matrix steps of at most ``max_fused`` wires, and runs of
   diagonal gates into diagonal steps (one elementwise multiply each, up to
   ``MAX_DIAGONAL_WIRES`` wires). A gate joins an earlier step when no step in between touches its
   wires, so the result is the same unitary. A ``phase`` op (a spectral gate's array) is a step
   of its own.

:meth:`Program.describe` lists the steps, so a test can check that a QFT ran as an FFT.

Example:
    >>> from qiskit import QuantumCircuit
    >>> qc = QuantumCircuit(3); _ = qc.h(0); _ = qc.rz(0.3, 0); _ = qc.cp(0.2, 1, 2)
    >>> compile_circuit(qc).describe()
    ['matrix [0] h,rz', 'diagonal [1, 2] cp']
"""

from __future__ import annotations

from collections.abc import Sequence

from qiskit.circuit import QuantumCircuit

from qspectral.sim.engine.flatten import flatten
from qspectral.sim.engine.program import DiagonalStep, FFTStep, MatrixStep, MultiplexedStep, Op, PhaseStep, Program, Step
from qspectral.sim.engine.qft_recognition import find_qfts

#: Default largest number of wires of a fused matrix step.
MAX_FUSED = 3
#: Largest number of wires of a fused diagonal step (its diagonal has 2**this entries).
MAX_DIAGONAL_WIRES = 16
#: How many steps back a gate looks for a step to join.
_WINDOW = 16


def recognise_qfts(ops: list[Op]) -> list[Op]:
    """Replace every QFT written as ``h``/``cp`` gates by one ``qft`` op (without swaps)."""
    matches = find_qfts(ops)
    if not matches:
        return ops
    replaced: dict[int, Op] = {}
    dropped: set[int] = set()
    for match in matches:
        replaced[min(match.indices)] = Op("qft", "qft", match.qubits, inverse=match.inverse, do_swaps=False)
        dropped.update(match.indices)
    return [replaced[i] if i in replaced else op for i, op in enumerate(ops) if i in replaced or i not in dropped]


class _Group:
    """A step being built: its class (a diagonal group becomes a matrix one when a gate joins),
    wires and members; :meth:`freeze` makes the immutable step."""

    def __init__(self, op: Op) -> None:
        self.op = op
        self.wires = list(op.wires)
        if op.kind == "qft":
            self.cls: type[Step] = FFTStep
        elif op.kind == "multiplexed":
            self.cls = MultiplexedStep
        elif op.kind == "phase":
            self.cls = PhaseStep
        else:
            self.cls = DiagonalStep if op.is_diagonal else MatrixStep
        self.members = [] if self.cls is FFTStep else [op]

    def join_cost(self, op: Op, max_fused: int) -> tuple | None:
        """How good it is to add ``op`` here (lower is better), or None when it may not join."""
        if self.cls in (FFTStep, MultiplexedStep, PhaseStep):
            return None
        union = len(set(self.wires) | set(op.wires))
        growth = union - len(self.wires)
        if op.is_diagonal and self.cls is DiagonalStep:
            return (growth > 0, 0, growth) if union <= MAX_DIAGONAL_WIRES else None
        if union > max_fused or (op.is_diagonal and growth):
            return None  # a diagonal only joins a matrix step that already covers its wires
        return (growth > 0, 1, growth)

    def add(self, op: Op) -> None:
        self.members.append(op)
        self.wires.extend(w for w in op.wires if w not in self.wires)
        if not op.is_diagonal:
            self.cls = MatrixStep

    def freeze(self) -> Step:
        if self.cls is FFTStep:
            return FFTStep(tuple(self.wires), inverse=self.op.inverse, do_swaps=self.op.do_swaps)
        return self.cls(tuple(self.wires), tuple(self.members))


def fuse(ops: Sequence[Op], max_fused: int = MAX_FUSED) -> tuple[Step, ...]:
    """Pack ops into FFT, matrix, diagonal, multiplexed and phase steps (see the module docstring)."""
    groups: list[_Group] = []
    last: dict[int, int] = {}
    for op in ops:
        floor = max((last.get(w, -1) for w in op.wires), default=-1)
        target = None
        if op.kind in ("gate", "matrix", "diagonal"):
            best = None
            for index in range(max(floor, len(groups) - _WINDOW, 0), len(groups)):
                cost = groups[index].join_cost(op, max_fused)
                if cost is not None and (best is None or cost < best):
                    best, target = cost, index
        if target is None:
            groups.append(_Group(op))
            target = len(groups) - 1
        else:
            groups[target].add(op)
        for w in op.wires:
            last[w] = target
    return tuple(group.freeze() for group in groups)


def compile_circuit(circuit: QuantumCircuit, *, max_fused: int = MAX_FUSED) -> Program:
    """Compile ``circuit`` (any Qiskit circuit of unitary gates, bound or not) into a :class:`Program`.

    ``max_fused`` is the largest number of wires a fused matrix step may act on (a gate on more
    qubits than that is its own step). The program is immutable: compile once, execute many times.
    """
    ops, phases, output_wires = flatten(circuit)
    steps = fuse(recognise_qfts(ops), max_fused)
    return Program(circuit.num_qubits, steps, tuple(output_wires), tuple(phases), frozenset(circuit.parameters))
