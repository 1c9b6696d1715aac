r"""The ``qspectral.engine`` PennyLane device: QNodes on qspectral's torch engine, every QFT one FFT.

``qml.device("qspectral.engine", wires=..., shots=None, seed=None, device="cpu", dtype="complex128")``
(registered through the ``pennylane.plugins`` entry point). Each tape is decomposed (in
``preprocess``) into gates the engine runs natively, converted by
:func:`~qspectral.sim.pennylane.tape.pennylane_to_circuit` (``qml.QFT`` and its adjoint become one
QFT block; QFTs written as ``Hadamard``/``ControlledPhaseShift``/``SWAP`` are recognised by the
compiler), compiled once per circuit *structure* and executed on a batch of states. Trainable
(torch) and broadcast angles stay symbolic in the compiled program, so a training loop reuses one
program; constant angles are folded in (so a QFT written as gates is still recognised).

**Wire order** is PennyLane's: the device's first wire is the most significant bit, so
``qml.state()`` equals ``default.qubit``'s. **Measurements**: ``state``, ``density_matrix``,
``probs`` (any wires, or an observable's eigenbasis), ``expval``/``var`` of Pauli sums (no dense
matrix: :func:`~qspectral.kernels.measurements.pauli_expectation`) and of ``Hermitian``/
``Projector`` observables on a few wires; with shots also ``sample`` and ``counts``, and shot
vectors. Parameter broadcasting runs the batch in one pass. Mid-circuit measurements are
deferred (``qml.defer_measurements``). When every measurement reads a subset of the wires, the
gates outside their light cone are not run (:func:`~qspectral.sim.engine.light_cone.light_cone`).

**Differentiation**: ``diff_method="backprop"`` with the torch interface (gradients flow through
the engine), or any device-independent method (``parameter-shift``, ``finite-diff``, ...).

Example:
    >>> import numpy as np, pennylane as qml
    >>> dev = qml.device("qspectral.engine", wires=3)
    >>> @qml.qnode(dev)
    ... def circuit(x):
    ...     qml.RY(x, wires=0)
    ...     qml.QFT(wires=[0, 1, 2])
    ...     return qml.expval(qml.PauliZ(2)), qml.probs(wires=[0])
    >>> ev, probs = circuit(0.3)
    >>> ref = qml.QNode(circuit.func, qml.device("default.qubit", wires=3))(0.3)
    >>> bool(np.isclose(ev, ref[0])), bool(np.allclose(probs, ref[1]))
    (True, True)
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
import pennylane as qml
import torch
from pennylane.devices import Device, ExecutionConfig
from pennylane.devices.modifiers import simulator_tracking, single_tape_support
from pennylane.devices.preprocess import (
    decompose,
    no_sampling,
    validate_device_wires,
    validate_measurements,
    validate_observables,
)
from pennylane.measurements import (
    CountsMP,
    ExpectationMP,
    ProbabilityMP,
    SampleMeasurement,
    SampleMP,
    StateMeasurement,
    VarianceMP,
)
from pennylane.ops.functions import bind_new_parameters
from pennylane.transforms.core import CompilePipeline, transform
from qiskit.circuit import Parameter

from qspectral.errors import InvalidStateError, UnsupportedCircuitError
from qspectral.kernels.measurements import (
    PauliSum,
    apply_local_matrix,
    apply_pauli_sum,
    marginal_probabilities,
    pauli_expectation,
    sample_indices,
)
from qspectral.sim.backends import check_memory
from qspectral.sim.engine import compile_circuit, execute_unordered
from qspectral.kernels.layout import permute_positions
from qspectral.kernels.threads import single_thread_if_small
from qspectral.sim.pennylane.tape import pennylane_to_circuit
from qspectral.sim.primitives import torch_device

__all__ = ["EngineDevice", "UnsupportedOperationError"]

#: Operations the engine runs without decomposing them (see ``pennylane_to_circuit``).
NATIVE_OPS = frozenset({
    "Hadamard", "PauliX", "PauliY", "PauliZ", "S", "T", "SX", "RX", "RY", "RZ", "PhaseShift", "U1", "U2",
    "U3", "Rot", "CNOT", "CY", "CZ", "CH", "SWAP", "ISWAP", "ControlledPhaseShift", "CRX", "CRY", "CRZ",
    "IsingXX", "IsingYY", "IsingZZ", "Toffoli", "CSWAP", "CCZ", "MultiRZ", "QubitUnitary",
    "DiagonalQubitUnitary", "GlobalPhase", "Identity", "QFT",
})
#: Native operations whose parameters stay symbolic in the compiled program (trainable, broadcast).
SYMBOLIC_OPS = frozenset({
    "RX", "RY", "RZ", "PhaseShift", "U1", "U2", "U3", "Rot", "ControlledPhaseShift", "CRX", "CRY", "CRZ",
    "IsingXX", "IsingYY", "IsingZZ", "GlobalPhase",
})
#: The widest observable without a Pauli representation that is applied as a dense matrix.
MAX_MATRIX_WIRES = 12
_DTYPES = {"complex128": torch.complex128, "complex64": torch.complex64}
_PROGRAM_CACHE_SIZE = 128


def _base(op):
    while isinstance(op, qml.ops.op_math.Adjoint):
        op = op.base
    return op


def _traced(value) -> bool:
    return qml.math.requires_grad(value) or qml.math.get_interface(value) == "torch"


def _accepts(op) -> bool:
    """The decomposition's stopping condition: the engine runs ``op`` as it is."""
    name = _base(op).name
    if name not in NATIVE_OPS:
        return False
    if name in SYMBOLIC_OPS or not op.data:
        return True
    return op.batch_size is None and not any(_traced(p) for p in op.data)


class UnsupportedOperationError(UnsupportedCircuitError, qml.exceptions.DeviceError):
    """An operation the device can neither run nor decompose (a DeviceError too, as PennyLane expects)."""


def _decomposition(op):
    if op.has_decomposition:
        return op.decomposition()
    if op.has_matrix and len(op.wires) <= MAX_MATRIX_WIRES:  # e.g. BlockEncode: run its matrix
        return [qml.QubitUnitary(qml.matrix(op), wires=op.wires)]
    raise UnsupportedOperationError(
            f"the qspectral.engine device cannot run {op.name} on wires {list(op.wires)}: it is not one of the "
            f"engine's operations and PennyLane gives it no decomposition (mid-circuit measurements and other "
            f"non-unitary operations cannot run on a statevector); supported: {', '.join(sorted(NATIVE_OPS))}, "
            "adjoints of them, StatePrep/BasisState at the start, and anything that decomposes into them"
        )


def _observable_ok(obs) -> bool:
    return obs.pauli_rep is not None or (obs.has_matrix and len(obs.wires) <= MAX_MATRIX_WIRES)


@transform
def _split_if_sampled(tape):
    """With shots, split measurements into qubit-wise commuting groups (one basis rotation each)."""
    if not tape.shots:
        return (tape,), lambda results: results[0]
    return qml.transforms.split_non_commuting(tape)


@simulator_tracking
@single_tape_support
class EngineDevice(Device):
    """PennyLane device running circuits on qspectral's torch statevector engine (see the module doc).

    Args:
        wires: the number of wires or their labels (any hashable; the first is the most
            significant bit); None takes each tape's wires.
        shots: None (analytic, the default), an int or a shot vector.
        seed: seed (or ``numpy.random.Generator``) of the sampler; the same seed gives the same samples.
        device: torch device, ``"cpu"`` or ``"cuda"``.
        dtype: ``"complex128"`` (default) or ``"complex64"``.

    Raises:
        InsufficientMemoryError: the wires' statevector would not fit (the message gives the bytes).
        BackendUnavailableError: ``device="cuda"`` without a CUDA build of torch or a GPU.
    """

    name = "qspectral.engine"

    def __init__(self, wires=None, shots=None, *, seed=None, device: str = "cpu", dtype: str = "complex128") -> None:
        if str(dtype) not in _DTYPES:
            raise TypeError(f"dtype must be 'complex128' or 'complex64', got {dtype!r}")
        self._dtype = _DTYPES[str(dtype)]
        self._torch_device = torch_device(device)
        super().__init__(wires=wires, shots=shots)
        if self.wires is not None:
            self._check_memory(len(self.wires))
        self._rng = np.random.default_rng(seed)
        self._parameters: list[Parameter] = []
        self._programs: OrderedDict = OrderedDict()

    # ---------------------------------------------------------------- configuration

    def _check_memory(self, num_wires: int) -> None:
        itemsize = 16 if self._dtype == torch.complex128 else 8
        if self._torch_device.type == "cuda":
            free, _ = torch.cuda.mem_get_info(self._torch_device)
            needed = 3 * 2**num_wires * itemsize
            if needed > free:
                raise qml.exceptions.DeviceError(
                    f"{num_wires} wires on {self._torch_device} need about {needed:,} bytes but {free:,} are free"
                )
            return
        check_memory(num_wires, "engine", np.complex128 if itemsize == 16 else np.complex64)

    def _backprop_ok(self, config: ExecutionConfig | None) -> bool:
        """Backprop runs through torch; with numpy there is nothing to differentiate, so it is plain execution."""
        interfaces = (qml.math.Interface.TORCH, qml.math.Interface.NUMPY, qml.math.Interface.AUTO)
        return config is not None and config.interface in interfaces

    def supports_derivatives(self, execution_config=None, circuit=None) -> bool:
        """Backprop with the torch interface, analytic; other methods are device-independent."""
        if execution_config is None or execution_config.gradient_method not in ("backprop", "best"):
            return False
        return self._backprop_ok(execution_config) and (circuit is None or not circuit.shots)

    def setup_execution_config(self, config: ExecutionConfig | None = None, circuit=None) -> ExecutionConfig:
        config = config or ExecutionConfig()
        method = "backprop" if config.gradient_method == "best" else config.gradient_method
        updates = {"gradient_method": method, "use_device_jacobian_product": False, "grad_on_execution": False}
        if config.use_device_gradient is None:
            updates["use_device_gradient"] = method == "backprop"
        return dataclasses.replace(config, **updates)

    def preprocess_transforms(self, execution_config: ExecutionConfig | None = None) -> CompilePipeline:
        config = execution_config or ExecutionConfig()
        program = CompilePipeline()
        # mid-circuit measurements become controlled gates (qml.defer_measurements; a measured wire
        # that is used again needs a spare wire of the device)
        program.add_transform(qml.defer_measurements, allow_postselect=False,
                              num_wires=None if self.wires is None else len(self.wires))
        program.add_transform(validate_device_wires, self.wires, name=self.name)
        program.add_transform(decompose, stopping_condition=_accepts, decomposer=_decomposition, name=self.name)
        program.add_transform(validate_measurements, name=self.name)
        program.add_transform(validate_observables, stopping_condition=_observable_ok, name=self.name)
        program.add_transform(_split_if_sampled)
        if config.gradient_method == "backprop":
            program.add_transform(no_sampling, name="backprop + qspectral.engine")
        return program

    # ---------------------------------------------------------------- execution

    def execute(self, circuits, execution_config: ExecutionConfig | None = None):
        return tuple(self._run(tape) for tape in circuits)

    def _wire_order(self, tape) -> qml.wires.Wires:
        if self.wires is not None:
            return self.wires
        self._check_memory(len(tape.wires))
        return tape.wires

    def program(self, tape):
        """The engine's compiled program for ``tape`` (of native operations), e.g. to see its FFT steps.

        Example:
            >>> import pennylane as qml
            >>> dev = qml.device("qspectral.engine", wires=3)
            >>> ops = [qml.Hadamard(0), qml.QFT(wires=[0, 1, 2])]
            >>> dev.program(qml.tape.QuantumScript(ops)).describe()[-1]
            'fft [0, 1, 2] (forward)'
        """
        return self._compiled(tape, self._wire_order(tape))[0]

    def _symbol(self, index: int) -> Parameter:
        while len(self._parameters) <= index:
            self._parameters.append(Parameter(f"theta[{len(self._parameters)}]"))
        return self._parameters[index]

    def _compiled(self, tape, wire_order) -> tuple:
        """``(program, values, prep)``: the cached program of the structure of the tape's operations
        after a leading state preparation ``prep`` (or None), and its parameter values.

        Trainable (torch) and broadcast angles of :data:`SYMBOLIC_OPS` become Qiskit parameters
        ``theta[k]`` (``values[k]`` their values), everything else is part of the cache key. When
        the measurements read a subset of the qubits (:func:`_read_qubits`), the program leaves
        out the gates outside their light cone."""
        ops = tape.operations
        prep = ops[0] if ops and isinstance(ops[0], qml.operation.StatePrepBase) else None
        if prep is not None:
            ops = ops[1:]
        measured = _read_qubits(tape, wire_order)
        symbolic, values, key = [], [], [tuple(wire_order), measured]
        for op in ops:
            is_symbolic = _base(op).name in SYMBOLIC_OPS and (  # traced first: batch_size is slower
                any(_traced(d) for d in op.data) or op.batch_size is not None)
            symbolic.append(is_symbolic)
            if is_symbolic:
                values.extend(op.data)
                key.append((op.name, tuple(op.wires), len(op.data)))
            else:
                key.append((op.name, tuple(op.wires), tuple(np.asarray(qml.math.unwrap(d)).tobytes() for d in op.data)))
        key = tuple(key)
        program = self._programs.get(key)
        if program is None:
            circuit = pennylane_to_circuit(self._with_symbols(ops, symbolic), wire_order)
            program = compile_circuit(circuit, measured=measured)
            self._programs[key] = program
            if len(self._programs) > _PROGRAM_CACHE_SIZE:
                self._programs.popitem(last=False)
        else:
            self._programs.move_to_end(key)
        return program, values, prep

    def _with_symbols(self, ops: Sequence, symbolic: Sequence[bool]) -> list:
        """``ops`` with the parameters of the symbolic ones replaced by ``theta[0], theta[1], ...``."""
        out, count = [], 0
        for op, is_symbolic in zip(ops, symbolic):
            if is_symbolic:
                out.append(bind_new_parameters(op, [self._symbol(count + j) for j in range(len(op.data))]))
                count += len(op.data)
            else:
                out.append(op)
        return out

    def _value(self, value):
        if isinstance(value, torch.Tensor):
            return value
        array = np.asarray(qml.math.unwrap(value), dtype=float)
        return float(array) if array.ndim == 0 else torch.from_numpy(array)

    def _initial_state(self, op, n: int, wire_order):
        vector = op.state_vector(wire_order=wire_order)
        if not isinstance(vector, torch.Tensor):
            vector = torch.as_tensor(np.asarray(qml.math.unwrap(vector)))
        return vector.reshape(-1, 2**n).to(device=self._torch_device, dtype=self._dtype)

    def _final_state(self, tape, wire_order) -> tuple[torch.Tensor, list[int]]:
        """The final states as the engine left them, and the index bit holding each qubit."""
        program, values, prep = self._compiled(tape, wire_order)
        state = None if prep is None else self._initial_state(prep, len(wire_order), wire_order)
        bound = {self._symbol(j): self._value(v) for j, v in enumerate(values)}
        return execute_unordered(program, state, bound, dtype=self._dtype, device=self._torch_device)

    def _run(self, tape):
        wire_order = self._wire_order(tape)
        state, positions = self._final_state(tape, wire_order)
        if not tape.shots and any(isinstance(mp, StateMeasurement) and not isinstance(mp, _POSITIONAL)
                                  for mp in tape.measurements):  # states and density matrices: in order
            state, positions = permute_positions(state, positions), list(range(len(positions)))
        as_torch = any(qml.math.get_interface(d) == "torch" for d in tape.data)
        # the index bit of each wire (PennyLane's first wire is the most significant qubit)
        qubit_of = {w: positions[len(wire_order) - 1 - j] for j, w in enumerate(wire_order)}
        batched = tape.batch_size is not None
        if not batched and state.shape[0] > 1:
            raise InvalidStateError(f"got {state.shape[0]} states from an unbatched tape")
        if tape.shots:
            return self._sampled(tape, state, wire_order, qubit_of, batched)

        def finish(value):
            value = value if batched else value[0]
            return value if as_torch else value.detach().cpu().numpy()

        with single_thread_if_small(state.device, state.numel()):
            results = tuple(finish(self._analytic(mp, state, wire_order, qubit_of)) for mp in tape.measurements)
        return results[0] if len(results) == 1 else results

    # ---------------------------------------------------------------- measurements

    def _analytic(self, mp, state: torch.Tensor, wire_order, qubit_of) -> torch.Tensor:
        """One measurement's value for each state in the batch (leading batch dimension)."""
        if isinstance(mp, (ExpectationMP, VarianceMP)):
            return _moments(mp.obs, state, qubit_of, variance=isinstance(mp, VarianceMP))
        if isinstance(mp, ProbabilityMP):
            if mp.obs is not None:
                state = _rotate(state, mp.obs.diagonalizing_gates(), qubit_of)
            wires = mp.wires if len(mp.wires) else wire_order
            return marginal_probabilities(state, [qubit_of[w] for w in reversed(wires)])
        if isinstance(mp, StateMeasurement):
            return torch.stack([torch.as_tensor(mp.process_state(row, wire_order)) for row in state])
        raise UnsupportedCircuitError(f"the qspectral.engine device cannot compute {mp} without shots")

    def _sampled(self, tape, state, wire_order, qubit_of, batched: bool):
        state = _rotate(state.detach(), tape.diagonalizing_gates, qubit_of)
        n = len(wire_order)
        probs = marginal_probabilities(state, [qubit_of[wire_order[n - 1 - q]] for q in range(n)])
        generator = torch.Generator(device=state.device).manual_seed(int(self._rng.integers(2**62)))
        picks = sample_indices(probs, tape.shots.total_shots, generator=generator)
        shifts = torch.arange(len(wire_order) - 1, -1, -1, device=picks.device)
        samples = ((picks.unsqueeze(-1) >> shifts) & 1).cpu().numpy()  # (batch, shots, wires), wire_order
        per_bin, start = [], 0
        for shots in tape.shots:
            span = (start, start + shots)
            values = []
            for mp in tape.measurements:
                if not isinstance(mp, SampleMeasurement):
                    raise UnsupportedCircuitError(f"{mp} cannot be estimated from samples; run with shots=None")
                rows = [mp.process_samples(s, wire_order, shot_range=span) for s in samples]
                if not batched:
                    values.append(rows[0])
                else:
                    values.append(rows if isinstance(mp, CountsMP) else np.stack(rows))
            per_bin.append(values[0] if len(values) == 1 else tuple(values))
            start += shots
        return tuple(per_bin) if tape.shots.has_partitioned_shots else per_bin[0]


#: Measurements computed from the state wherever its qubits lie (the others need it in order).
_POSITIONAL = (ExpectationMP, VarianceMP, ProbabilityMP)


def _read_qubits(tape, wire_order) -> frozenset[int] | None:
    """The Qiskit qubits that the tape's measurements read, or None when the full state is needed
    (no measurements, ``state``, ``density_matrix``, or ``probs``/``sample``/``counts`` of all wires)."""
    wires: set = set()
    for mp in tape.measurements:
        if not isinstance(mp, (*_POSITIONAL, SampleMP, CountsMP)) or not len(mp.wires):
            return None
        wires.update(mp.wires)
    n = len(wire_order)
    return frozenset(n - 1 - wire_order.index(w) for w in wires) if wires else None


def _rotate(state: torch.Tensor, gates: Sequence, qubit_of) -> torch.Tensor:
    """Apply basis-change gates (each on a few wires) to every state."""
    for gate in gates:
        matrix = torch.as_tensor(qml.matrix(gate, wire_order=gate.wires), device=state.device)
        state = apply_local_matrix(state, matrix, [qubit_of[w] for w in reversed(gate.wires)])
    return state


def _pauli_sum(sentence, qubit_of) -> tuple[PauliSum, list]:
    """The masks of a PennyLane ``PauliSentence`` (coefficients left aside) and its coefficients."""
    xs, zs, coeffs = [], [], []
    for word, coeff in sentence.items():
        x = z = 0
        for wire, letter in word.items():
            bit = 1 << qubit_of[wire]
            x |= bit if letter in "XY" else 0
            z |= bit if letter in "ZY" else 0
        xs.append(x)
        zs.append(z)
        coeffs.append(coeff)
    return PauliSum(tuple(xs), tuple(zs), np.ones(len(xs), dtype=np.complex128)), coeffs


def _moments(obs, state: torch.Tensor, qubit_of, *, variance: bool) -> torch.Tensor:
    """``<O>`` (or ``Var O``) per state: Pauli sums by index XOR and signs, other observables as a
    dense matrix on their own wires."""
    real = state.real.dtype
    if obs.pauli_rep is not None:
        masks, coeffs = _pauli_sum(obs.pauli_rep, qubit_of)
        if not any(_traced(c) for c in coeffs):
            numbers = np.asarray([complex(c) for c in coeffs])
            paulis = dataclasses.replace(masks, coeffs=numbers)
            if not variance:
                return pauli_expectation(state, paulis).real
            image = apply_pauli_sum(state, paulis)
        elif not variance:  # trainable coefficients: one term at a time, so gradients reach them
            total = torch.zeros(state.shape[0], dtype=real, device=state.device)
            for t, coeff in enumerate(coeffs):
                term = PauliSum((masks.x[t],), (masks.z[t],), np.ones(1, dtype=np.complex128))
                total = total + torch.as_tensor(coeff, device=state.device).real * pauli_expectation(state, term)
            return total
        else:
            raise UnsupportedCircuitError(
                "qml.var of an observable with trainable coefficients is not supported on qspectral.engine; "
                "detach the coefficients or use qml.expval"
            )
    else:
        matrix = torch.as_tensor(qml.matrix(obs, wire_order=obs.wires), device=state.device)
        image = apply_local_matrix(state, matrix, [qubit_of[w] for w in reversed(obs.wires)])
    mean = torch.linalg.vecdot(state, image).real
    if not variance:
        return mean
    return torch.linalg.vecdot(image, image).real - mean**2
