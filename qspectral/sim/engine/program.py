"""The engine's compiled form: flattened gates (:class:`Op`), typed steps and the :class:`Program`.

Everything here is immutable and torch-free: a :class:`Program` can be executed many times, from
several threads, and never changes (the executor keeps its own cache of step operators). There is
one step class per kind of work, and the executor dispatches on the class:

- :class:`FFTStep`: a (inverse) QFT on ``wires`` (LSB first), one FFT;
- :class:`MatrixStep`: the product of its ``members``, one small dense matrix (bit ``j`` of its
  index on ``wires[j]``); :class:`LayerStep`: one-qubit gates around parameterised ones, their
  Kronecker product built at run time;
- :class:`PermutationStep`: gates that only permute basis states, one index gather;
- :class:`DiagonalStep`: the product of diagonal ``members``, one elementwise multiply;
- :class:`MultiplexedStep`: one uniformly controlled one-qubit gate (target ``wires[0]``);
- :class:`PhaseStep`: ``diag(exp(i * phases))`` from a real array, multiplied in place slice by
  slice (no ``2**n`` complex diagonal is built); :class:`FilterStep`: a spectral filter's gains.

Example:
    >>> step = FFTStep((0, 1, 2), inverse=True)
    >>> step.describe(), step.is_constant
    ('fft [0, 1, 2] (inverse)', True)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from qiskit.circuit import ParameterExpression

#: Qiskit gate names whose matrix is diagonal (for :func:`~qspectral.kernels.gates.gate_matrix`
#: names) plus the two diagonal families handled separately.
DIAGONAL_NAMES = frozenset(
    {"z", "s", "sdg", "t", "tdg", "rz", "p", "u1", "cz", "ccz", "cp", "cu1", "crz", "rzz", "mcphase", "diagonal"}
)

Number = float | ParameterExpression


@dataclass(frozen=True)
class Op:
    """One flattened gate on wires: ``kind`` is ``gate`` (a :func:`~qspectral.kernels.gates.gate_matrix`
    name; ``constant`` holds its matrix when its parameters are numbers), ``matrix``, ``diagonal``
    (``mcphase`` or constant entries), ``multiplexed`` (uniformly controlled one-qubit gate: constant
    ``(2**c, 2, 2)`` blocks, target ``wires[0]``), ``phase`` (``diag(exp(i * constant))``, ``constant``
    a real array) or ``qft``; ``wires[0]`` is Qiskit's ``qargs[0]``."""

    kind: str
    name: str
    wires: tuple[int, ...]
    params: tuple = ()
    constant: np.ndarray | None = None
    inverse: bool = False
    do_swaps: bool = True

    @functools.cached_property
    def is_diagonal(self) -> bool:
        return self.kind == "diagonal" or (self.kind == "gate" and self.name in DIAGONAL_NAMES)

    @functools.cached_property
    def is_constant(self) -> bool:
        return all(type(p) is float for p in self.params) or not any(
            isinstance(p, ParameterExpression) for p in self.params
        )


@dataclass(frozen=True, eq=False)
class Step:
    """One step of a program on ``wires``; ``members`` are the gates it applies, in order.

    ``operator`` is the step's operator computed at compile time (numpy, bit ``j`` of its index on
    ``wires[j]``: a matrix, a diagonal's entries or multiplexed blocks) when every member is
    constant, else None (then it is built from the parameter values at run time). Steps compare
    by identity (the executor caches the torch form of an operator per step object).
    """

    kind: ClassVar[str]
    wires: tuple[int, ...]
    members: tuple[Op, ...] = ()
    operator: np.ndarray | None = field(default=None, repr=False)

    def describe(self) -> str:
        return f"{self.kind} {list(self.wires)} " + ",".join(op.name for op in self.members)

    @property
    def is_constant(self) -> bool:
        return all(op.is_constant for op in self.members)


@dataclass(frozen=True, eq=False)
class FFTStep(Step):
    """A QFT (``inverse``: its inverse) on ``wires``, LSB first; ``do_swaps=False`` as in Qiskit."""

    kind: ClassVar[str] = "fft"
    inverse: bool = False
    do_swaps: bool = True

    def describe(self) -> str:
        flags = ("inverse" if self.inverse else "forward") + ("" if self.do_swaps else ", no swaps")
        return f"fft {list(self.wires)} ({flags})"


@dataclass(frozen=True, eq=False)
class MatrixStep(Step):
    """The product of ``members`` as one dense matrix on ``wires``."""

    kind: ClassVar[str] = "matrix"


@dataclass(frozen=True, eq=False)
class PermutationStep(Step):
    """Constant gates that only permute basis states (X, CX, SWAP, CCX, ... and their products):
    ``operator`` is the index array ``source`` (``out[i] = in[source[i]]``, bit ``j`` of ``i`` on
    ``wires[j]``), applied as a gather instead of a product with a 0/1 matrix."""

    kind: ClassVar[str] = "permutation"


@dataclass(frozen=True, eq=False)
class LayerStep(MatrixStep):
    """One-qubit gates on ``wires``, at least one of them parameterised: at run time each wire's
    gates are multiplied in order and the step applies the Kronecker product of those ``2 x 2``
    matrices (``wires[0]`` least significant) as one matrix step, so a layer of parameterised
    rotations is one pass over the state instead of one per gate."""

    kind: ClassVar[str] = "layer"


@dataclass(frozen=True, eq=False)
class DiagonalStep(Step):
    """The product of diagonal ``members`` as one diagonal on ``wires``."""

    kind: ClassVar[str] = "diagonal"


@dataclass(frozen=True, eq=False)
class MultiplexedStep(Step):
    """One uniformly controlled one-qubit gate (its single member), target ``wires[0]``."""

    kind: ClassVar[str] = "multiplexed"


@dataclass(frozen=True, eq=False)
class PhaseStep(Step):
    """``diag(exp(i * phases))`` on ``wires``: its single member's ``constant`` is the real
    ``phases`` array (bit ``j`` of its index on ``wires[j]``), never turned into a complex diagonal."""

    kind: ClassVar[str] = "phase"


@dataclass(frozen=True, eq=False)
class FilterStep(Step):
    """``RY(2 arccos g_k)`` on ``wires[0]`` where ``wires[1:]`` read ``k`` (``wires[1]`` least
    significant): its single member's ``constant`` is the real ``gains`` array, applied as
    ``x0, x1 <- g x0 - s x1, s x0 + g x1`` with ``s = sqrt(1 - g**2)`` (no angles, no blocks)."""

    kind: ClassVar[str] = "filter"


@dataclass(frozen=True)
class Program:
    """A compiled circuit: ``steps`` on wires, the circuit's global phase, and where qubits end up.

    ``output_wires[q]`` is the wire that holds circuit qubit ``q`` after the last step (swaps
    relabel wires instead of moving amplitudes); ``global_phase`` is a sum of terms.
    ``measured``: None when the steps make the circuit's full state, else the qubits it was
    compiled for: gates outside their light cone were left out
    (:func:`~qspectral.sim.engine.light_cone.light_cone`), so only the reduced state of these
    qubits is the circuit's.
    """

    num_qubits: int
    steps: tuple[Step, ...]
    output_wires: tuple[int, ...]
    global_phase: tuple[Number, ...]
    parameters: frozenset
    measured: frozenset[int] | None = None

    def describe(self) -> list[str]:
        """One line per step, e.g. ``'fft [0, 1, 2] (forward)'``, ``'matrix [3, 4] h,cx'``."""
        return [step.describe() for step in self.steps]
