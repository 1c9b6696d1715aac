r"""Compile a Qiskit circuit into the engine's :class:`~qspectral.sim.engine.program.Program`.

Compilation, in order (no torch anywhere in it: the result is plain, immutable data):

1. **Flatten** (:func:`~qspectral.sim.engine.flatten.flatten`): gates on wires, QFT blocks whole,
   swaps turned into one final relabelling, global phases summed.
2. **Runs** (:mod:`~qspectral.sim.engine.runs`): runs of constant one- and two-qubit gates
   multiplied out in numpy; a run equal to SWAP (three CNOTs) becomes a relabelling.
3. **Recognise** QFTs by what the runs do (:func:`recognise_qfts`: Hadamards and controlled
   phases read from the runs' unitaries, matched by
   :func:`~qspectral.sim.engine.qft_recognition.find_qfts`); each becomes one FFT step.
4. **Light cone** (only when the caller measures some qubits: ``measured``): the ops that cannot
   reach them are left out (:func:`~qspectral.sim.engine.light_cone.light_cone`).
5. **Fuse.** Gates are packed into matrix steps of at most ``max_fused`` wires (gates that only
   permute basis states into permutation steps of up to ``max_permuted`` wires), and runs of
   diagonal gates into diagonal steps (one elementwise multiply each, up to
   ``MAX_DIAGONAL_WIRES`` wires). A gate joins an earlier step when no step in between touches its
   wires, so the result is the same unitary. One-qubit gates next to a parameterised one form a ``layer``
   step (up to ``max_fused`` wires; its matrix is built at run time from the parameter values); a
   parameterised multi-qubit gate, and a ``phase`` or ``filter`` op (a spectral gate's array),
   are steps of their own; every other step's operator is multiplied out here, in
   numpy (:mod:`~qspectral.sim.engine.matrices`), so running a program builds no per-gate matrix.

:meth:`Program.describe` lists the steps, so a test can check that a QFT ran as an FFT. Compiled
programs are cached (see :func:`compile_circuit`).

Example:
    >>> from qiskit import QuantumCircuit
    >>> qc = QuantumCircuit(3); _ = qc.h(0); _ = qc.rz(0.3, 0); _ = qc.cp(0.2, 1, 2)
    >>> compile_circuit(qc).describe()
    ['matrix [0] h,rz', 'diagonal [1, 2] cp']
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Sequence

import numpy as np
from qiskit.circuit import ParameterExpression, QuantumCircuit

from qspectral.sim.engine.flatten import flatten
from qspectral.sim.engine.light_cone import light_cone
from qspectral.sim.engine.matrices import fused_diagonal, fused_matrix, fused_permutation, permutation_of
from qspectral.sim.engine.program import (
    DiagonalStep,
    FFTStep,
    MatrixStep,
    FilterStep,
    LayerStep,
    MultiplexedStep,
    Op,
    PermutationStep,
    PhaseStep,
    Program,
    Step,
)
from qspectral.sim.engine.qft_recognition import find_qfts, phase_distance
from qspectral.sim.engine.runs import factors, fuse_runs, relabel_swaps

#: Default largest number of wires of a fused matrix step (as Aer's fusion; on 2 CPU cores 5 ran
#: gate-heavy circuits of 8 to 20 qubits fastest or within noise of the fastest among 3, 4, 5).
MAX_FUSED = 5
#: Default largest number of wires of a fused permutation step (X, CX, SWAP, CCX, ... only): it
#: is one gather whatever its width, with an index of 2**this entries (a CNOT ring on 10 wires is
#: one pass over the state instead of three).
MAX_PERMUTED = 12
#: Largest number of wires of a fused diagonal step (its diagonal has 2**this entries).
MAX_DIAGONAL_WIRES = 16
#: How many steps back a gate looks for a step to join.
_WINDOW = 16


def _hadamard_sides(ops: Sequence[Op], reads: list) -> dict[int, str]:
    """For each unread one-qubit op next to a controlled phase on its wire, where a QFT's
    Hadamard may sit in it: ``"last"`` when a controlled phase follows, else ``"first"``."""
    cp_like = [read is not None and any(g.name == "cp" for g in read[0]) for read in reads]
    previous: dict[int, int] = {}
    pending: dict[int, int] = {}  # wire -> unread one-qubit op waiting for its next neighbour
    sides: dict[int, str] = {}
    for i, op in enumerate(ops):
        for w in op.wires:
            if w in pending and cp_like[i]:
                sides[pending[w]] = "last"
            pending.pop(w, None)
        if reads[i] is None and len(op.wires) == 1 and op.is_constant and op.kind in ("gate", "matrix"):
            w = op.wires[0]
            pending[w] = i
            if w in previous and cp_like[previous[w]]:
                sides[i] = "first"
        for w in op.wires:
            previous[w] = i
    return sides


def recognise_qfts(ops: list[Op]) -> tuple[list[Op], list[float]]:
    """Replace every QFT written as gates by one ``qft`` op (without swaps); return the new op list
    and the global phases of the fused runs it read as Hadamards and phases.

    Each op is read by what it does (:func:`~qspectral.sim.engine.runs.factors`); an op whose
    factors take part in a QFT is replaced by them (its phase gates moved out of the QFT's span),
    every other op stays as it is.
    """
    view: list[Op] = []
    owner: list[int] = []
    phase_of: dict[int, float] = {}
    reads = [factors(op) if len(op.wires) == 2 else None for op in ops]
    if not any(read and any(phase_distance(g) for g in read[0]) for read in reads):
        return ops, []  # no controlled phase of angle +-pi/2**r: no QFT
    reads = [read if len(op.wires) == 2 else factors(op) for op, read in zip(ops, reads)]
    for i, hadamard in _hadamard_sides(ops, reads).items():
        reads[i] = factors(ops[i], hadamard)
    for i, op in enumerate(ops):
        read = reads[i]
        if read is None or not read[0]:  # not read, or read as a global phase alone: the op stays whole
            view.append(op)
            owner.append(i)
            continue
        gates, phase_of[i] = read
        view.extend(gates)
        owner.extend([i] * len(gates))
    matches = find_qfts(view)
    if not matches:
        return ops, []
    involved = {owner[t] for m in matches for t in m.indices + m.before}
    at = {min(m.indices): m for m in matches}
    moved = {t for m in matches for t in m.indices + m.before}
    out: list[Op] = []
    for t, gate in enumerate(view):
        match = at.get(t)
        if match is not None:
            out.extend(view[b] for b in match.before)
            out.append(Op("qft", "qft", match.qubits, inverse=match.inverse, do_swaps=False))
        item = owner[t]
        if item in involved:
            if t not in moved:
                out.append(gate)
        elif t == 0 or owner[t - 1] != item:
            out.append(ops[item])
    return out, [phase_of[i] for i in sorted(involved) if phase_of.get(i)]


def _one_qubit_gate(op: Op) -> bool:
    """A one-qubit standard gate (parameterised or not): it may join a :class:`LayerStep`."""
    return op.kind == "gate" and len(op.wires) == 1


class _Group:
    """A step being built: its class (a diagonal group becomes a matrix one when a gate joins),
    wires and members; :meth:`freeze` makes the immutable step."""

    def __init__(self, op: Op, permutes: bool) -> None:
        self.op = op
        self.wires = list(op.wires)
        self.permutes = permutes  # every member only permutes basis states
        if op.kind == "qft":
            self.cls: type[Step] = FFTStep
        elif op.kind == "multiplexed":
            self.cls = MultiplexedStep
        elif op.kind == "phase":
            self.cls = PhaseStep
        elif op.kind == "filter":
            self.cls = FilterStep
        elif _one_qubit_gate(op) and not op.is_constant:
            self.cls = LayerStep
        else:
            self.cls = DiagonalStep if op.is_diagonal else MatrixStep
        self.members = [] if self.cls is FFTStep else [op]

    def join_cost(self, op: Op, permutes: bool, max_fused: int, max_permuted: int) -> tuple | None:
        """How good it is to add ``op`` here (lower is better), or None when it may not join
        (a parameterised gate is a step of its own, so constant steps multiply out at compile time;
        permutations join permutations up to ``max_permuted`` wires)."""
        if self.cls is LayerStep:  # one-qubit gates, parameterised or not, up to max_fused wires
            union = len(set(self.wires) | set(op.wires))
            if not _one_qubit_gate(op) or union > max_fused:
                return None
            return (union > len(self.wires), 1, union - len(self.wires))
        if self.cls in (FFTStep, MultiplexedStep, PhaseStep, FilterStep) or not (op.is_constant and self.op.is_constant):
            return None
        union = len(set(self.wires) | set(op.wires))
        growth = union - len(self.wires)
        if op.is_diagonal and self.cls is DiagonalStep:
            return (growth > 0, 0, growth) if union <= MAX_DIAGONAL_WIRES else None
        if union > (max_permuted if self.permutes and permutes else max_fused) or (op.is_diagonal and growth):
            return None  # a diagonal only joins a matrix step that already covers its wires
        return (growth > 0, 1, growth)

    def add(self, op: Op, permutes: bool) -> None:
        self.permutes = self.permutes and permutes
        self.members.append(op)
        self.wires.extend(w for w in op.wires if w not in self.wires)
        if not op.is_diagonal and self.cls is not LayerStep:
            self.cls = MatrixStep

    def freeze(self) -> Step:
        wires = tuple(self.wires)
        if self.cls is FFTStep:
            return FFTStep(wires, inverse=self.op.inverse, do_swaps=self.op.do_swaps)
        if self.cls is LayerStep:  # built from the parameter values at run time; wires in order, so
            return LayerStep(tuple(sorted(wires)), tuple(self.members))  # a product start is in order too
        operator = None
        if self.op.is_constant:
            if self.permutes:  # X, CX, SWAP, CCX, ...: a gather, not a GEMM
                return PermutationStep(wires, tuple(self.members), fused_permutation(wires, self.members))
            if self.cls in (MultiplexedStep, PhaseStep, FilterStep):  # the op's own array
                operator = self.op.constant
            elif self.cls is DiagonalStep:
                operator = fused_diagonal(wires, self.members)
            else:
                operator = fused_matrix(wires, self.members)
                source = permutation_of(operator) if self.cls is MatrixStep else None
                if source is not None:  # a product that permutes, such as H X H Z
                    return PermutationStep(wires, tuple(self.members), source)
        return self.cls(wires, tuple(self.members), operator)


def _permutes(op: Op) -> bool:
    """A constant gate or matrix that only permutes basis states (X, CX, SWAP, CCX, ...)."""
    return (op.kind in ("gate", "matrix") and op.constant is not None and op.constant.ndim == 2
            and permutation_of(op.constant) is not None)


def fuse(ops: Sequence[Op], max_fused: int = MAX_FUSED, max_permuted: int = MAX_PERMUTED) -> tuple[Step, ...]:
    """Pack ops into FFT, matrix, permutation, diagonal, multiplexed and phase steps (see the module docstring)."""
    groups: list[_Group] = []
    last: dict[int, int] = {}
    for op in ops:
        floor = max((last.get(w, -1) for w in op.wires), default=-1)
        target = None
        permutes = _permutes(op)
        if op.kind in ("gate", "matrix", "diagonal"):
            best = None
            for index in range(max(floor, len(groups) - _WINDOW, 0), len(groups)):
                cost = groups[index].join_cost(op, permutes, max_fused, max_permuted)
                if cost is not None and (best is None or cost < best):
                    best, target = cost, index
        if target is None:
            groups.append(_Group(op, permutes))
            target = len(groups) - 1
        else:
            groups[target].add(op, permutes)
        for w in op.wires:
            last[w] = target
    return tuple(group.freeze() for group in groups)


#: How many compiled programs :func:`compile_circuit` keeps (the least recently used goes first),
#: and how many bytes of step operators at most (the executor keeps a torch copy of each too).
CACHE_SIZE = 32
CACHE_BYTES = 2**28
_CACHE: OrderedDict[tuple, Program] = OrderedDict()
_SIZES: dict[tuple, int] = {}  # key -> bytes of the program's operators
_CACHE_LOCK = threading.Lock()


class _Same:
    """Wraps an object so that it compares by identity (and holds it, so its ``id`` is not reused)."""

    __slots__ = ("obj",)

    def __init__(self, obj: object) -> None:
        self.obj = obj

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.obj is self.obj

    def __hash__(self) -> int:
        return id(self.obj)


def _param_key(value: object) -> Hashable:
    if isinstance(value, np.ndarray):
        return value.shape, value.dtype.str, value.tobytes()
    if isinstance(value, (int, float, complex, str, ParameterExpression)):
        return value
    return _Same(value)


def clear_cache() -> None:
    """Forget every compiled program (the next :func:`compile_circuit` of any circuit compiles)."""
    with _CACHE_LOCK:
        _CACHE.clear()
        _SIZES.clear()


def circuit_key(circuit: QuantumCircuit) -> tuple:
    """The cache key of ``circuit``: what :func:`compile_circuit` reads from it, cheap to compute.

    Its qubits (in order) and global phase, and per instruction its name, qubits and parameters
    (numbers and Qiskit parameter expressions; arrays by their bytes); a gate that is not a
    Qiskit standard gate is also keyed by its identity (its definition is not hashed).
    """
    instructions = tuple(
        (inst.name, inst.qubits, tuple(inst.params))
        if inst.is_standard_gate()
        else (inst.name, inst.qubits, tuple(_param_key(p) for p in inst.params), _Same(inst.operation))
        for inst in circuit.data
    )
    return tuple(circuit.qubits), _param_key(circuit.global_phase), instructions


def compile_circuit(
    circuit: QuantumCircuit,
    *,
    max_fused: int = MAX_FUSED,
    max_permuted: int = MAX_PERMUTED,
    measured: Iterable[int] | None = None,
) -> Program:
    """Compile ``circuit`` (any Qiskit circuit of unitary gates, bound or not) into a :class:`Program`.

    ``max_fused`` is the largest number of wires a fused matrix step may act on (a gate on more
    qubits than that is its own step), ``max_permuted`` the largest a step of gates that only
    permute basis states may act on (it runs as one gather). ``measured``: the qubits whose reduced state the caller
    reads (expectation values, probabilities or samples on them); the gates outside their light
    cone are left out (:func:`~qspectral.sim.engine.light_cone.light_cone`, after QFTs are
    recognised), so the program's state is right on those qubits only. None (the default) keeps
    every gate. The program is immutable: compile once, execute many times.

    **Cache.** The last ``CACHE_SIZE`` programs (with at most ``CACHE_BYTES`` of operators in
    all, unless one program alone has more) are kept, keyed by :func:`circuit_key` (the
    instruction list: names, qubits, parameters), the widths and ``measured``, so compiling the same circuit
    again, or an equal copy of it, costs one pass over its instructions; a circuit with unbound
    parameters compiles once for all their values. Invalidation: any change to the instruction
    list, a parameter or the global phase gives a new key. Not seen: a change made *in place* to
    the definition of a non-standard gate object after it was compiled (build a new gate instead).
    """
    measured = None if measured is None else frozenset(measured)
    key = (circuit_key(circuit), max_fused, max_permuted, measured)
    with _CACHE_LOCK:
        program = _CACHE.get(key)
        if program is not None:
            _CACHE.move_to_end(key)
            return program
    ops, phases, output_wires = flatten(circuit)
    ops, swap_phases, output_wires = relabel_swaps(fuse_runs(ops), output_wires, circuit.num_qubits)
    ops, qft_phases = recognise_qfts(ops)
    if measured is not None:
        ops = light_cone(ops, {output_wires[q] for q in measured})
    steps = fuse(ops, max_fused, max_permuted)
    phases = tuple(phases) + tuple(swap_phases) + tuple(qft_phases)
    program = Program(circuit.num_qubits, steps, tuple(output_wires), phases, frozenset(circuit.parameters), measured)
    with _CACHE_LOCK:
        _CACHE[key] = program
        _SIZES[key] = sum(step.operator.nbytes for step in steps if step.operator is not None)
        while len(_CACHE) > CACHE_SIZE or (len(_CACHE) > 1 and sum(_SIZES.values()) > CACHE_BYTES):
            del _SIZES[_CACHE.popitem(last=False)[0]]
    return program
