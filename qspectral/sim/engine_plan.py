r"""Compile a Qiskit circuit into the engine's program: a short list of FFT, matrix and diagonal steps.

Compilation, in order:

1. **Flatten.** Every instruction becomes a gate on *wires* (storage qubits): QFT blocks
   (:class:`~qspectral.quantum.qft.QFTBlock` and Qiskit's ``QFTGate``, exact ones) stay whole;
   Qiskit standard gates known to :func:`~qspectral.sim.engine_kernels.gate_matrix` keep their
   name and parameters (numbers or :class:`~qiskit.circuit.ParameterExpression`); ``mcphase`` and
   ``DiagonalGate`` (and ``UCRZGate``) become diagonals; ``UCRYGate``, ``UCRXGate`` and ``UCGate``
   uniformly controlled (multiplexed) steps; other gates with a matrix (``UnitaryGate``, library gates,
   on at most ``MAX_MATRIX_QUBITS`` qubits) are applied through it, and the rest (custom gates,
   approximate QFTs, ...) are expanded through their ``definition``. Global phases are summed.
   ``swap`` gates are not executed: they exchange which wire holds which qubit, and the program
   ends with one relabelling of the index bits.
2. **Recognise** QFTs written as Hadamards and controlled phases
   (:func:`~qspectral.sim.qft_recognition.find_qfts`); each becomes one FFT step.
3. **Fuse.** Gates are packed into matrix steps of at most ``max_fused`` wires, and runs of
   diagonal gates into diagonal steps (one elementwise multiply each, up to
   ``MAX_DIAGONAL_WIRES`` wires). A gate joins an earlier step when no step in between touches its
   wires, so the result is the same unitary.

:meth:`Program.describe` lists the steps, so a test can check that a QFT ran as an FFT.

Example:
    >>> from qiskit import QuantumCircuit
    >>> qc = QuantumCircuit(3); _ = qc.h(0); _ = qc.rz(0.3, 0); _ = qc.cp(0.2, 1, 2)
    >>> compile_circuit(qc).describe()
    ['matrix [0] h,rz', 'diagonal [1, 2] cp']
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from qiskit.circuit import Gate, ParameterExpression, QuantumCircuit
from qiskit.circuit.library import (
    DiagonalGate,
    MCPhaseGate,
    QFTGate,
    UCGate,
    UCRXGate,
    UCRYGate,
    UCRZGate,
    get_standard_gate_name_mapping,
)

from qspectral.errors import UnsupportedCircuitError
from qspectral.quantum.qft import QFTBlock
from qspectral.sim.engine_kernels import GATE_PARAMS, apply_matrix, diagonal_at, gate_matrix
from qspectral.sim.qft_recognition import find_qfts

#: Qiskit gate names whose matrix is diagonal (for :func:`gate_matrix` names) plus the two
#: diagonal families handled separately.
DIAGONAL_NAMES = frozenset(
    {"z", "s", "sdg", "t", "tdg", "rz", "p", "u1", "cz", "ccz", "cp", "cu1", "crz", "rzz", "mcphase", "diagonal"}
)
#: Default largest number of wires of a fused matrix step.
MAX_FUSED = 3
#: Largest number of wires of a fused diagonal step (its diagonal has 2**this entries).
MAX_DIAGONAL_WIRES = 16
#: A gate with a matrix but more qubits than this is expanded through its definition if it has one.
MAX_MATRIX_QUBITS = 6
_SKIP = frozenset({"barrier", "delay", "id"})

Number = float | ParameterExpression


@dataclass(frozen=True)
class Op:
    """One flattened gate on wires: ``kind`` is ``gate`` (a :func:`gate_matrix` name), ``matrix``,
    ``diagonal`` (``mcphase`` or constant entries), ``multiplexed`` (uniformly controlled one-qubit
    gate: constant ``(2**c, 2, 2)`` blocks, target ``wires[0]``) or ``qft``; ``wires[0]`` is
    Qiskit's ``qargs[0]``."""

    kind: str
    name: str
    wires: tuple[int, ...]
    params: tuple = ()
    constant: np.ndarray | None = None
    inverse: bool = False
    do_swaps: bool = True

    @property
    def is_diagonal(self) -> bool:
        return self.kind == "diagonal" or (self.kind == "gate" and self.name in DIAGONAL_NAMES)

    @property
    def is_constant(self) -> bool:
        return not any(isinstance(p, ParameterExpression) for p in self.params)


@dataclass
class Step:
    """One step of a program: ``fft``, ``matrix``, ``diagonal`` or ``multiplexed`` on ``wires``.

    A matrix or diagonal step's operator is the product of its ``members`` (in order), with bit
    ``j`` of its index on ``wires[j]``; an FFT step transforms ``wires`` (LSB first); a
    multiplexed step is one uniformly controlled gate (target ``wires[0]``).
    """

    kind: str
    wires: list[int]
    members: list[Op] = field(default_factory=list)
    inverse: bool = False
    do_swaps: bool = True
    cache: dict = field(default_factory=dict, repr=False)

    def describe(self) -> str:
        if self.kind == "fft":
            flags = ("inverse" if self.inverse else "forward") + ("" if self.do_swaps else ", no swaps")
            return f"fft {self.wires} ({flags})"
        return f"{self.kind} {self.wires} " + ",".join(op.name for op in self.members)

    @property
    def is_constant(self) -> bool:
        return all(op.is_constant for op in self.members)


@dataclass
class Program:
    """A compiled circuit: ``steps`` on wires, the circuit's global phase, and where qubits end up.

    ``output_wires[q]`` is the wire that holds circuit qubit ``q`` after the last step (swaps
    relabel wires instead of moving amplitudes).
    """

    num_qubits: int
    steps: list[Step]
    output_wires: list[int]
    global_phase: tuple[Number, ...]
    parameters: frozenset

    def describe(self) -> list[str]:
        """One line per step, e.g. ``'fft [0, 1, 2] (forward)'``, ``'matrix [3, 4] h,cx'``."""
        return [step.describe() for step in self.steps]


# --------------------------------------------------------------------------------------------
# 1. flatten
# --------------------------------------------------------------------------------------------


def _number(value) -> Number:
    if isinstance(value, ParameterExpression):
        if value.parameters:
            return value
        value = complex(value)
        if value.imag:
            raise UnsupportedCircuitError(f"a gate parameter evaluates to the complex number {value}; use real angles")
        return float(value.real)
    return float(value)


def _qft_of(op: Gate) -> tuple[bool, bool] | None:
    """``(inverse, do_swaps)`` for an exact QFT block, else None (approximate ones are expanded)."""
    if isinstance(op, QFTBlock):
        return (op.is_inverse, op.do_swaps) if op.is_exact else None
    if isinstance(op, QFTGate):
        return False, True
    return None


@functools.lru_cache(maxsize=1)
def _library() -> dict[str, type]:
    """Gate name -> the Qiskit class that name must come from for the engine's native handling
    (a custom gate that merely reuses a name is expanded through its definition instead)."""
    standard = {name: gate.base_class for name, gate in get_standard_gate_name_mapping().items()}
    return {
        **{name: standard[name] for name in GATE_PARAMS},
        "mcphase": MCPhaseGate, "diagonal": DiagonalGate, "ucrx": UCRXGate, "ucry": UCRYGate,
        "ucrz": UCRZGate, "multiplexer": UCGate,
    }


def _native(op: Gate) -> bool:
    cls = _library().get(op.name)
    return cls is not None and isinstance(op, cls)


def _multiplexer_blocks(op: Gate) -> np.ndarray | None:
    """The ``(2**controls, 2, 2)`` blocks of a uniformly controlled gate (``qargs[0]`` the target),
    or None when its parameters are not all numbers."""
    if op.name == "multiplexer":
        return np.asarray(op.params, dtype=np.complex128)
    if any(isinstance(p, ParameterExpression) and p.parameters for p in op.params):
        return None
    theta = np.asarray([float(p) for p in op.params]) / 2
    c, s = np.cos(theta), np.sin(theta)
    if op.name == "ucry":
        return np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], -2).astype(np.complex128)
    if op.name == "ucrx":
        return np.stack([np.stack([c, -1j * s], -1), np.stack([-1j * s, c], -1)], -2)
    zero = np.zeros_like(theta)
    return np.stack([np.stack([np.exp(-1j * theta), zero], -1), np.stack([zero, np.exp(1j * theta)], -1)], -2)


def _as_matrix(op: Gate) -> np.ndarray | None:
    """The gate's matrix when it has one and is small (or has no definition to expand instead)."""
    if any(isinstance(p, ParameterExpression) and p.parameters for p in op.params):
        return None
    if op.name == "unitary" or op.num_qubits <= MAX_MATRIX_QUBITS or op.definition is None:
        try:
            return np.array(op.to_matrix(), dtype=np.complex128)
        except Exception:  # Qiskit raises CircuitError when a gate has no matrix
            return None
    return None


def flatten(circuit: QuantumCircuit) -> tuple[list[Op], list[Number], list[int]]:
    """Return ``(ops, phases, output_wires)``: gates on wires, global-phase terms, final wire of each qubit."""
    ops: list[Op] = []
    phases: list[Number] = []
    holder = list(range(circuit.num_qubits))  # holder[q] = wire holding circuit qubit q

    def visit(circ: QuantumCircuit, qubits: list[int]) -> None:
        if circ.global_phase:
            phases.append(_number(circ.global_phase))
        for inst in circ.data:
            op = inst.operation
            local = [qubits[circ.find_bit(q).index] for q in inst.qubits]
            name = op.name
            if name in _SKIP:
                continue
            if name == "global_phase":
                phases.append(_number(op.params[0]))
                continue
            if name == "swap":
                a, b = local
                holder[a], holder[b] = holder[b], holder[a]
                continue
            wires = tuple(holder[q] for q in local)
            qft = _qft_of(op)
            if qft is not None:
                ops.append(Op("qft", name, wires, inverse=qft[0], do_swaps=qft[1]))
            elif not _native(op):
                expand(op, local, wires)
            elif name in GATE_PARAMS:
                ops.append(Op("gate", name, wires, tuple(_number(p) for p in op.params)))
            elif name == "mcphase":
                ops.append(Op("diagonal", name, wires, (_number(op.params[0]),)))
            elif name == "diagonal":
                ops.append(Op("diagonal", name, wires, constant=np.asarray(op.params, dtype=np.complex128)))
            elif (blocks := _multiplexer_blocks(op)) is not None:
                kind = "diagonal" if name == "ucrz" else "multiplexed"
                entries = blocks[:, [0, 1], [0, 1]].reshape(-1) if kind == "diagonal" else blocks
                ops.append(Op(kind, name, wires, constant=entries))
            else:
                expand(op, local, wires)

    def expand(op: Gate, local: list[int], wires: tuple[int, ...]) -> None:
        if (matrix := _as_matrix(op)) is not None:
            ops.append(Op("matrix", op.name, wires, constant=matrix))
        elif op.definition is not None:
            visit(op.definition, local)
        else:
            raise UnsupportedCircuitError(
                f"gate '{op.name}' has neither a definition nor a matrix, so the engine cannot "
                "apply it; give it a definition or decompose it with qiskit.transpile first"
            )

    visit(circuit, list(range(circuit.num_qubits)))
    return ops, phases, holder


# --------------------------------------------------------------------------------------------
# 2. recognise QFTs written as gates, 3. fuse
# --------------------------------------------------------------------------------------------


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


_WINDOW = 16


def _join_cost(step: Step, op: Op, max_fused: int) -> tuple | None:
    """How good it is to add ``op`` to ``step`` (lower is better), or None when it may not join."""
    if step.kind in ("fft", "multiplexed"):
        return None
    union = len(set(step.wires) | set(op.wires))
    growth = union - len(step.wires)
    if op.is_diagonal and step.kind == "diagonal":
        return (growth > 0, 0, growth) if union <= MAX_DIAGONAL_WIRES else None
    if union > max_fused or (op.is_diagonal and growth):
        return None  # a diagonal only joins a matrix step that already covers its wires
    return (growth > 0, 1, growth)


def fuse(ops: Sequence[Op], max_fused: int = MAX_FUSED) -> list[Step]:
    """Pack ops into FFT, matrix and diagonal steps (see the module docstring)."""
    steps: list[Step] = []
    last: dict[int, int] = {}
    for op in ops:
        floor = max((last.get(w, -1) for w in op.wires), default=-1)
        target = None
        if op.kind in ("gate", "matrix", "diagonal"):
            best = None
            for index in range(max(floor, len(steps) - _WINDOW, 0), len(steps)):
                cost = _join_cost(steps[index], op, max_fused)
                if cost is not None and (best is None or cost < best):
                    best, target = cost, index
        if target is None:
            if op.kind == "qft":
                step = Step("fft", list(op.wires), inverse=op.inverse, do_swaps=op.do_swaps)
            elif op.kind == "multiplexed":
                step = Step("multiplexed", list(op.wires), [op])
            else:
                step = Step("diagonal" if op.is_diagonal else "matrix", list(op.wires), [op])
            steps.append(step)
            target = len(steps) - 1
        else:
            step = steps[target]
            step.members.append(op)
            step.wires.extend(w for w in op.wires if w not in step.wires)
            if not op.is_diagonal:
                step.kind = "matrix"
        for w in op.wires:
            last[w] = target
    return steps


def compile_circuit(circuit: QuantumCircuit, *, max_fused: int = MAX_FUSED) -> Program:
    """Compile ``circuit`` (any Qiskit circuit of unitary gates, bound or not) into a :class:`Program`.

    ``max_fused`` is the largest number of wires a fused matrix step may act on (a gate on more
    qubits than that is its own step).
    """
    ops, phases, output_wires = flatten(circuit)
    steps = fuse(recognise_qfts(ops), max_fused)
    return Program(circuit.num_qubits, steps, output_wires, tuple(phases), frozenset(circuit.parameters))


# --------------------------------------------------------------------------------------------
# operators of steps, from parameter values
# --------------------------------------------------------------------------------------------

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


def step_operator(step: Step, resolve: Resolver, dtype: torch.dtype, device) -> torch.Tensor:
    """The matrix (``(d, d)`` or ``(batch, d, d)``) or diagonal of a matrix/diagonal step.

    Bit ``j`` of its index acts on ``step.wires[j]``. Constant steps are computed once per dtype
    and device.
    """
    key = (dtype, str(device))
    if key in step.cache:
        return step.cache[key]
    k = len(step.wires)
    local = [[step.wires.index(w) for w in op.wires] for op in step.members]
    if step.kind == "multiplexed":
        operator = torch.as_tensor(step.members[0].constant, device=device).to(dtype)
    elif step.kind == "diagonal" and len(step.members) == 1 and local[0] == list(range(k)):
        operator = _member_diagonal(step.members[0], resolve, dtype, device)
    elif step.kind == "diagonal":
        operator = torch.ones((1, 2**k), dtype=dtype, device=device)
        for op, positions in zip(step.members, local):
            operator = diagonal_at(operator, _member_diagonal(op, resolve, dtype, device), positions)
    elif len(step.members) == 1 and local[0] == list(range(k)):
        operator = _member_matrix(step.members[0], resolve, dtype, device)
    else:
        parts = [
            (_member_diagonal if op.is_diagonal else _member_matrix)(op, resolve, dtype, device)
            for op in step.members
        ]
        operator = _product(parts, step.members, local, 2**k, dtype, device)
    if operator.dim() == 2 and step.kind == "diagonal":
        operator = operator if operator.shape[0] > 1 else operator[0]
    if step.is_constant:
        step.cache[key] = operator
    return operator


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
