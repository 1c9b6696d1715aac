r"""Qiskit V2 primitives on qspectral's torch engine: :class:`EngineSampler` and :class:`EngineEstimator`.

Used exactly as Qiskit's ``StatevectorSampler`` / ``StatevectorEstimator``: PUBs of a circuit,
(for the estimator) observables and parameter values, broadcast against each other with NumPy
rules (``BindingsArray`` x ``ObservablesArray``); ``precision`` (estimator: Gaussian noise of that
standard deviation on each exact value, 0 = exact) and ``shots`` (sampler) mean what they mean
there; ``seed`` makes the noise and the samples reproducible. Each PUB's parameter sets run as one
batch on the engine (every QFT one FFT), on ``device="cpu"`` or ``"cuda"``, in ``dtype``
``"complex128"`` or ``"complex64"``. Expectation values use
:func:`~qspectral.kernels.measurements.pauli_term_values` (no dense matrices; each Pauli word is
evaluated once per state, however many of the PUB's observables share it); samples
:func:`~qspectral.kernels.measurements.sample_indices`.

**Bit order** is Qiskit's: each classical register gets a ``BitArray`` whose integer has clbit
``k`` of the register as bit ``k``. Circuits may measure only at the end (a measurement followed
by nothing but measurements and barriers on its qubit); a mid-circuit measurement, a reset or
classical control raises :class:`~qspectral.errors.UnsupportedCircuitError` before any work.

Example:
    >>> import numpy as np
    >>> from qiskit import QuantumCircuit
    >>> from qiskit.circuit import Parameter
    >>> from qiskit.quantum_info import SparsePauliOp
    >>> theta = Parameter("theta")
    >>> qc = QuantumCircuit(2); _ = qc.ry(theta, 0); _ = qc.cx(0, 1)
    >>> observables = [[SparsePauliOp("ZZ")], [SparsePauliOp("IZ")]]      # shape (2, 1)
    >>> pub = (qc, observables, [0.0, np.pi])                              # x parameter sets (2,)
    >>> EngineEstimator().run([pub]).result()[0].data.evs.round(6).tolist()  # <ZZ>, <Z_0> at 0 and pi
    [[1.0, 1.0], [1.0, -1.0]]
    >>> qc.measure_all()
    >>> counts = EngineSampler(seed=1).run([(qc, [np.pi])], shots=100).result()[0].data.meas.get_counts()
    >>> counts
    {'11': 100}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import torch
from qiskit.circuit import QuantumCircuit
from qiskit.primitives import BaseEstimatorV2, BaseSamplerV2, BitArray, DataBin, PrimitiveResult
from qiskit.primitives import PubResult, SamplerPubResult
from qiskit.primitives.containers.bindings_array import BindingsArray
from qiskit.primitives.containers.estimator_pub import EstimatorPub
from qiskit.primitives.containers.observables_array import ObservablesArray
from qiskit.primitives.containers.sampler_pub import SamplerPub

from qspectral.errors import BackendUnavailableError, InvalidParameterError, UnsupportedCircuitError
from qspectral.kernels.measurements import PauliSum, marginal_probabilities, pauli_term_values, sample_indices
from qspectral.sim.backends import check_memory
from qspectral.sim.primitive_job import EngineJob
from qspectral.sim.engine import compile_circuit, execute_unordered
from qspectral.kernels.threads import SMALL_PASS, single_thread_if_small

__all__ = ["EngineEstimator", "EngineSampler", "torch_device"]

_DTYPES = {"complex128": torch.complex128, "complex64": torch.complex64}
_HARMLESS = {"barrier", "delay"}


def torch_device(device: str | torch.device) -> torch.device:
    """The torch device for ``device``; a clear error when CUDA is asked for but missing.

    Example:
        >>> torch_device("cpu")
        device(type='cpu')
    """
    target = torch.device(device)
    if target.type == "cuda" and not torch.cuda.is_available():
        raise BackendUnavailableError(
            f"device={str(device)!r} needs a CUDA build of torch and a visible NVIDIA GPU, but this torch "
            f"({torch.__version__}) finds none; on a machine with a GPU install one with "
            "pip install torch --index-url https://download.pytorch.org/whl/cu126, or use device='cpu'"
        )
    return target


def _torch_dtype(dtype: str) -> torch.dtype:
    if str(dtype) not in _DTYPES:
        raise TypeError(f"dtype must be 'complex128' or 'complex64', got {dtype!r}")
    return _DTYPES[str(dtype)]


def _split_final_measurements(circuit: QuantumCircuit) -> tuple[QuantumCircuit, dict[int, int]]:
    """The unitary part of ``circuit`` and ``{clbit index: qubit index}`` of its final measurements."""
    unitary = circuit.copy_empty_like()
    measured: dict[int, int] = {}
    done: set[int] = set()  # qubits already measured
    for inst in circuit.data:
        op = inst.operation
        qubits = [circuit.find_bit(q).index for q in inst.qubits]
        if op.name == "measure":
            measured[circuit.find_bit(inst.clbits[0]).index] = qubits[0]
            done.add(qubits[0])
        elif op.name in _HARMLESS:
            continue
        elif op.name == "reset" or inst.clbits or getattr(op, "condition", None) or done.intersection(qubits):
            what = "a reset" if op.name == "reset" else f"'{op.name}' on qubits {qubits}"
            raise UnsupportedCircuitError(
                f"the circuit has {what} after a measurement or acting on classical bits; the engine's "
                "primitives sample a final statevector, so measurements must come last and resets and "
                "classical control are not supported: move the measurements to the end"
            )
        else:
            unitary.append(op, inst.qubits)
    return unitary, measured


def _states(circuit: QuantumCircuit, bindings: BindingsArray, dtype, device,
            measured: set[int]) -> tuple[torch.Tensor, list[int]]:
    """The final states for every parameter set of ``bindings`` (flattened), ``(max(size, 1), 2**n)``,
    as the engine left them, and the index bit of each qubit (no final permutation: the
    measurements read the qubits where they lie). Only the ``measured`` qubits' reduced state is
    the circuit's: the gates outside their light cone are not run."""
    params = list(circuit.parameters)
    values = {}
    if params:
        flat = bindings.as_array(params).reshape(-1, len(params))
        values = {p: torch.from_numpy(np.ascontiguousarray(flat[:, j], dtype=np.float64)) for j, p in enumerate(params)}
    with torch.no_grad():
        program = compile_circuit(circuit, measured=measured)
        states, positions = execute_unordered(program, None, values, dtype=dtype, device=device)
    return states.expand(max(bindings.size, 1), -1), positions  # one row per parameter set, even without parameters


def _support(observables) -> set[int]:
    """The qubits where some Pauli term of ``observables`` (an ``ObservablesArray``) is not I."""
    return {q for term in observables.ravel() for label in term for q, c in enumerate(reversed(label)) if c != "I"}


def _check_pauli_words(observables) -> None:
    """UnsupportedCircuitError for an observable term that is not a Pauli word (Qiskit's
    ``ObservablesArray`` also takes projector labels such as ``0``, ``+`` and ``r``)."""
    for term in observables.ravel():
        for label in term:
            if set(label) - set("IXYZ"):
                raise UnsupportedCircuitError(
                    f"observable term {label!r} is not a Pauli word; EngineEstimator takes Pauli sums "
                    "(SparsePauliOp, or labels of I, X, Y and Z)"
                )


def _check_memory(circuit: QuantumCircuit, dtype: torch.dtype) -> None:
    """InsufficientMemoryError (with the bytes needed) when the circuit's states would not fit."""
    check_memory(circuit.num_qubits, "engine", np.complex128 if dtype == torch.complex128 else np.complex64)


def _check_broadcast(pub) -> None:
    """Raise InvalidParameterError, naming both shapes, when a tuple PUB's arrays do not broadcast."""
    if not isinstance(pub, tuple) or len(pub) < 3 or pub[2] is None:
        return
    values = pub[2]
    if not isinstance(values, (BindingsArray, Mapping)):  # as EstimatorPub.coerce reads it
        values = {tuple(pub[0].parameters): values}
    observables = ObservablesArray.coerce(pub[1])
    bindings = BindingsArray.coerce(values)
    try:
        np.broadcast_shapes(observables.shape, bindings.shape)
    except ValueError:
        raise InvalidParameterError(
            f"the observables have shape {observables.shape} and the parameter values shape {bindings.shape}, "
            "which do not broadcast (NumPy rules); reshape one, e.g. observables[:, None] against parameter "
            "sets of shape (k,) gives (m, k)"
        ) from None


class EngineEstimator(BaseEstimatorV2):
    """``BaseEstimatorV2`` on the engine: exact expectation values, plus ``precision`` Gaussian noise.

    Args:
        default_precision: used when ``run`` gets no ``precision`` (0: exact values).
        seed: seed or ``numpy.random.Generator`` of the noise (as ``StatevectorEstimator``).
        device: ``"cpu"`` or ``"cuda"``.
        dtype: ``"complex128"`` or ``"complex64"``.
    """

    def __init__(self, *, default_precision: float = 0.0, seed=None, device: str = "cpu", dtype: str = "complex128"):
        self._default_precision = default_precision
        self._seed = seed
        self._device = torch_device(device)
        self._dtype = _torch_dtype(dtype)

    def run(self, pubs: Iterable, *, precision: float | None = None) -> EngineJob:
        precision = self._default_precision if precision is None else precision
        pubs = list(pubs)
        for pub in pubs:
            _check_broadcast(pub)
        coerced = [EstimatorPub.coerce(pub, precision) for pub in pubs]
        for pub in coerced:
            circuit = pub.circuit  # without classical bits only a reset can be wrong (count_ops is fast)
            if "reset" in circuit.count_ops() or (
                    circuit.num_clbits and any(inst.clbits for inst in circuit.data)):
                raise UnsupportedCircuitError(
                    "EngineEstimator needs circuits without measurements, resets or classical control; "
                    "remove them (circuit.remove_final_measurements())"
                )
            _check_pauli_words(pub.observables)
            _check_memory(pub.circuit, self._dtype)
        return EngineJob(self._run, coerced)

    def _run(self, pubs: list[EstimatorPub]) -> PrimitiveResult:
        return PrimitiveResult([self._run_pub(pub) for pub in pubs], metadata={"version": 2})

    def _run_pub(self, pub: EstimatorPub) -> PubResult:
        rng = np.random.default_rng(self._seed)
        states, positions = _states(pub.circuit, pub.parameter_values, self._dtype, self._device,
                                    _support(pub.observables))
        shape = pub.shape
        state_index = np.broadcast_to(np.arange(states.shape[0]).reshape(pub.parameter_values.shape), shape).ravel()
        obs_index = np.broadcast_to(np.arange(pub.observables.size).reshape(pub.observables.shape), shape).ravel()
        observables = pub.observables.ravel()
        evs = np.zeros(state_index.size, dtype=np.float64)
        for labels, pairs in _pairs_by_words(state_index, obs_index, observables).items():
            rows = np.unique(state_index[pairs])  # sorted
            chosen = states if len(rows) == states.shape[0] else states[torch.as_tensor(rows, device=states.device)]
            words = PauliSum.from_labels(labels, np.ones(len(labels))).moved(positions)
            with single_thread_if_small(chosen.device, chosen.numel(), limit=SMALL_PASS):
                values = pauli_term_values(chosen, words).double().cpu().numpy()  # (rows, words)
            column = {label: j for j, label in enumerate(labels)}
            coeffs = np.zeros((observables.size, len(labels)))
            for o in np.unique(obs_index[pairs]):
                for label, coeff in observables[o].items():
                    coeffs[o, column[label]] = coeff
            evs[pairs] = np.einsum("pw,pw->p", values[np.searchsorted(rows, state_index[pairs])],
                                   coeffs[obs_index[pairs]])
        evs = evs.reshape(shape)
        if pub.precision != 0:
            evs = rng.normal(evs, pub.precision)
        data = DataBin(evs=evs, stds=np.zeros_like(evs), shape=evs.shape)
        return PubResult(data, metadata={"target_precision": pub.precision, "circuit_metadata": pub.circuit.metadata})


def _pairs_by_words(state_index: np.ndarray, obs_index: np.ndarray, observables) -> dict[tuple[str, ...], np.ndarray]:
    """The PUB's (state, observable) pairs (flat indices) grouped by the Pauli words their state is
    measured on: every word of every observable paired with that state. Each group's words are
    evaluated once on its states (one pass per X mask), however many observables share them."""
    words_of_state: dict[int, set[str]] = {}
    for state, obs in zip(state_index.tolist(), obs_index.tolist()):
        words_of_state.setdefault(state, set()).update(observables[obs])
    key = {state: tuple(sorted(words)) for state, words in words_of_state.items()}
    groups: dict[tuple[str, ...], list[int]] = {}
    for pair, state in enumerate(state_index.tolist()):
        if key[state]:
            groups.setdefault(key[state], []).append(pair)
    return {words: np.asarray(pairs) for words, pairs in groups.items()}


class EngineSampler(BaseSamplerV2):
    """``BaseSamplerV2`` on the engine: ``shots`` samples of the final measurements, per register.

    Args:
        default_shots: used when neither ``run`` nor the PUB gives shots.
        seed: seed or ``numpy.random.Generator``; the same seed gives the same samples.
        device: ``"cpu"`` or ``"cuda"``.
        dtype: ``"complex128"`` or ``"complex64"``.
    """

    def __init__(self, *, default_shots: int = 1024, seed=None, device: str = "cpu", dtype: str = "complex128"):
        self._default_shots = default_shots
        self._seed = seed
        self._device = torch_device(device)
        self._dtype = _torch_dtype(dtype)

    def run(self, pubs: Iterable, *, shots: int | None = None) -> EngineJob:
        shots = self._default_shots if shots is None else shots
        coerced = [SamplerPub.coerce(pub, shots) for pub in pubs]
        split = [_split_final_measurements(pub.circuit) for pub in coerced]  # errors before any work
        for pub in coerced:
            _check_memory(pub.circuit, self._dtype)
        return EngineJob(self._run, list(zip(coerced, split)))

    def _run(self, work) -> PrimitiveResult:
        rng = np.random.default_rng(self._seed)
        return PrimitiveResult([self._run_pub(pub, *split, rng) for pub, split in work], metadata={"version": 2})

    def _run_pub(self, pub: SamplerPub, unitary: QuantumCircuit, measured: dict[int, int], rng) -> SamplerPubResult:
        circuit = pub.circuit
        qubits = sorted(set(measured.values()))
        shape = pub.parameter_values.shape
        data = {}
        if qubits:
            states, positions = _states(unitary, pub.parameter_values, self._dtype, self._device, set(qubits))
            probs = marginal_probabilities(states, [positions[q] for q in qubits])
            generator = torch.Generator(device=states.device).manual_seed(int(rng.integers(2**62)))
            picks = sample_indices(probs, pub.shots, generator=generator).cpu().numpy()  # bit j = qubits[j]
        for creg in circuit.cregs:
            bits = np.zeros(shape + (pub.shots, creg.size), dtype=bool)
            for k, clbit in enumerate(creg):
                index = circuit.find_bit(clbit).index
                if index in measured:
                    j = qubits.index(measured[index])
                    bits[..., k] = ((picks >> j) & 1).reshape(shape + (pub.shots,)).astype(bool)
            data[creg.name] = BitArray.from_bool_array(bits, order="little")
        return SamplerPubResult(
            DataBin(**data, shape=shape), metadata={"shots": pub.shots, "circuit_metadata": circuit.metadata}
        )
