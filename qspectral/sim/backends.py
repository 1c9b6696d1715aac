"""The backend registry and :func:`simulate`: one call, the canonical statevector, any simulator.

Every backend returns the final state in qspectral's convention (:mod:`qspectral.conventions`:
little-endian, Qiskit's order), with a transpiled circuit's ``layout`` undone. All checks (circuit
contents, initial state, backend availability, memory) happen before any simulation starts.

======================  =====================================  ===========================
name                    simulator                              install
======================  =====================================  ===========================
``aer``                 Qiskit Aer ``AerSimulator`` statevector core dependency
``aer.gpu``             the same on an NVIDIA GPU              ``qspectral[gpu]`` + GPU
``lightning``           PennyLane ``lightning.qubit``          core dependency
``lightning.gpu``       PennyLane ``lightning.gpu``            ``qspectral[gpu]`` + GPU
``default.qubit``       PennyLane ``default.qubit``            core dependency
``qiskit``              ``qiskit.quantum_info.Statevector``    core dependency (reference)
======================  =====================================  ===========================

Example:
    >>> import numpy as np
    >>> from qspectral import qft, simulate
    >>> out = simulate(qft(3), "qiskit")          # QFT of |000>: the uniform state
    >>> bool(np.allclose(out, np.full(8, 8 ** -0.5)))
    True
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import psutil
from qiskit.circuit import ControlFlowOp, Gate, QuantumCircuit

from qspectral.conventions import validate_state
from qspectral.errors import (
    BackendUnavailableError,
    InsufficientMemoryError,
    UnknownBackendError,
    UnsupportedCircuitError,
)
from qspectral.sim.layout import PhysicalPlan

GPU_EXTRA = 'pip install "qspectral[gpu]"'
_HARMLESS = {"barrier", "delay", "global_phase"}
_DTYPES = {np.dtype(np.complex64): "single", np.dtype(np.complex128): "double"}


@dataclass(frozen=True)
class Backend:
    """A registered simulator.

    ``memory_overhead`` is the peak host memory of one run in units of the statevector's size
    (input copy, working state, returned array), used by the memory guard.
    """

    name: str
    description: str
    gpu: bool
    memory_overhead: float
    install: str
    runner: Callable[[QuantumCircuit, np.ndarray | None, np.dtype], np.ndarray]
    availability: Callable[[], str | None]


@dataclass(frozen=True)
class BackendStatus:
    """Whether a backend runs here, and if not why and how to get it."""

    name: str
    description: str
    available: bool
    reason: str
    install: str
    gpu: bool


def _module_missing(module: str, install: str) -> str | None:
    if importlib.util.find_spec(module) is None:
        return f"the Python package '{module}' is not installed; run: {install}"
    return None


@functools.lru_cache(maxsize=None)
def _aer_gpu_missing() -> str | None:
    missing = _module_missing("qiskit_aer", GPU_EXTRA)
    if missing:
        return missing
    from qiskit_aer import AerSimulator

    if "GPU" not in AerSimulator().available_devices():
        return (
            "qiskit-aer reports no GPU device (no NVIDIA GPU here, or the CPU-only qiskit-aer "
            f"build is installed); on a machine with an NVIDIA GPU run: {GPU_EXTRA}"
        )
    return None


@functools.lru_cache(maxsize=None)
def _lightning_gpu_missing() -> str | None:
    missing = _module_missing("pennylane_lightning.lightning_gpu_ops", GPU_EXTRA)
    if missing:
        return (
            "pennylane-lightning-gpu is not installed (its compiled module "
            f"pennylane_lightning.lightning_gpu_ops is missing); on a machine with an NVIDIA GPU run: {GPU_EXTRA}"
        )
    import pennylane as qml

    try:
        qml.device("lightning.gpu", wires=1)
    except Exception as exc:  # the plugin raises several types when CUDA is absent
        return f"lightning.gpu cannot start ({type(exc).__name__}: {exc}); it needs an NVIDIA GPU with CUDA"
    return None


def _run_aer(device: str) -> Callable:
    def run(circuit: QuantumCircuit, initial: np.ndarray | None, dtype: np.dtype) -> np.ndarray:
        from qiskit import transpile
        from qiskit_aer import AerSimulator

        simulator = AerSimulator(method="statevector", device=device, precision=_DTYPES[dtype])
        program = QuantumCircuit(circuit.num_qubits)
        if initial is not None:
            program.set_statevector(initial.astype(np.complex128))
        program.compose(circuit, inplace=True)
        program.save_statevector()
        compiled = transpile(program, simulator, optimization_level=0)
        # Aer applies the global phase before set_statevector overwrites the state: apply it after.
        phase = compiled.global_phase
        compiled.global_phase = 0
        result = simulator.run(compiled).result()
        if not result.success:
            raise RuntimeError(f"Aer failed: {result.status}")
        return np.asarray(result.get_statevector(compiled)) * np.exp(1j * float(phase))

    return run


def _run_pennylane(device: str) -> Callable:
    def run(circuit: QuantumCircuit, initial: np.ndarray | None, dtype: np.dtype) -> np.ndarray:
        from qspectral.sim.pennylane_bridge import run_on_pennylane

        return run_on_pennylane(circuit, device, initial, dtype)

    return run


def _run_qiskit(circuit: QuantumCircuit, initial: np.ndarray | None, dtype: np.dtype) -> np.ndarray:
    from qiskit.quantum_info import Statevector

    start = Statevector(initial) if initial is not None else Statevector.from_int(0, 2**circuit.num_qubits)
    return start.evolve(circuit).data


_REGISTRY: dict[str, Backend] = {
    b.name: b
    for b in [
        Backend(
            "aer", "Qiskit Aer statevector (CPU)", False, 3.0, "pip install qiskit-aer",
            _run_aer("CPU"), lambda: _module_missing("qiskit_aer", "pip install qiskit-aer"),
        ),
        Backend(
            "aer.gpu", "Qiskit Aer statevector on an NVIDIA GPU", True, 3.0, GPU_EXTRA,
            _run_aer("GPU"), _aer_gpu_missing,
        ),
        Backend(
            "lightning", "PennyLane lightning.qubit (CPU)", False, 3.0,
            "pip install pennylane-lightning", _run_pennylane("lightning.qubit"),
            lambda: _module_missing("pennylane_lightning", "pip install pennylane-lightning"),
        ),
        Backend(
            "lightning.gpu", "PennyLane lightning.gpu (NVIDIA GPU)", True, 3.0, GPU_EXTRA,
            _run_pennylane("lightning.gpu"), _lightning_gpu_missing,
        ),
        Backend(
            "default.qubit", "PennyLane default.qubit (numpy)", False, 4.0, "pip install pennylane",
            _run_pennylane("default.qubit"),
            lambda: _module_missing("pennylane", "pip install pennylane"),
        ),
        Backend(
            "qiskit", "qiskit.quantum_info.Statevector (reference)", False, 3.0,
            "pip install qiskit", _run_qiskit, lambda: None,
        ),
    ]
}


def register_backend(backend: Backend) -> None:
    """Add (or replace) a backend in the registry; used by qspectral's own engine and by plugins."""
    _REGISTRY[backend.name] = backend


def backend_names() -> list[str]:
    """Names of every registered backend, available here or not."""
    return list(_REGISTRY)


def get_backend(name: str) -> Backend:
    """Return the registered backend ``name`` or raise UnknownBackendError listing the known ones."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownBackendError(
            f"unknown backend {name!r}; known backends are: {', '.join(_REGISTRY)} "
            "(see qspectral.backends() or `qspectral backends` for which run here)"
        ) from None


def backends() -> list[BackendStatus]:
    """List every backend with whether it runs here and, if not, why and which install brings it.

    Example:
        >>> [b.name for b in backends() if b.name == "qiskit" and b.available]
        ['qiskit']
    """
    statuses = []
    for backend in _REGISTRY.values():
        reason = backend.availability()
        statuses.append(
            BackendStatus(
                backend.name, backend.description, reason is None, reason or "",
                backend.install, backend.gpu,
            )
        )
    return statuses


def available_backends(*, include_gpu: bool = True) -> list[str]:
    """Names of the backends that run here."""
    return [s.name for s in backends() if s.available and (include_gpu or not s.gpu)]


def check_circuit(circuit: QuantumCircuit) -> None:
    """Raise UnsupportedCircuitError unless ``circuit`` is a bound, purely unitary circuit."""
    if not isinstance(circuit, QuantumCircuit):
        raise TypeError(
            f"simulate() takes a qiskit QuantumCircuit, got {type(circuit).__name__}; "
            "build one with qspectral.qft(...) or qiskit"
        )
    if circuit.parameters:
        names = ", ".join(p.name for p in list(circuit.parameters)[:5])
        raise UnsupportedCircuitError(
            f"the circuit has {len(circuit.parameters)} unbound parameter(s) ({names}); "
            "bind them first with circuit.assign_parameters({...})"
        )
    for inst in circuit.data:
        op = inst.operation
        if op.name in _HARMLESS:
            continue
        if isinstance(op, ControlFlowOp) or inst.clbits or not isinstance(op, Gate):
            raise UnsupportedCircuitError(
                f"the circuit contains '{op.name}', which is not a unitary gate (measurement, "
                "reset or classical control); a statevector is only defined for unitary circuits: "
                "remove it (e.g. circuit.remove_final_measurements()) or sample with a shot-based "
                "simulator instead"
            )


def check_memory(num_qubits: int, backend: str | Backend, dtype=np.complex128) -> int:
    """Raise InsufficientMemoryError when a ``num_qubits`` state on ``backend`` would not fit.

    The need is ``2**num_qubits`` x bytes per amplitude x the backend's memory overhead, against
    the memory available now. Returns the bytes needed.

    Example:
        >>> check_memory(10, "aer") == 2**10 * 16 * 3
        True
    """
    spec = backend if isinstance(backend, Backend) else get_backend(backend)
    itemsize = np.dtype(dtype).itemsize
    needed = int(2**num_qubits * itemsize * spec.memory_overhead)
    available = int(psutil.virtual_memory().available)
    if needed > available:
        raise InsufficientMemoryError(
            f"a {num_qubits}-qubit {np.dtype(dtype).name} statevector on '{spec.name}' needs about "
            f"{needed:,} bytes ({needed / 2**30:.1f} GiB: 2**{num_qubits} amplitudes x {itemsize} B x "
            f"overhead {spec.memory_overhead:g}) but only {available:,} bytes "
            f"({available / 2**30:.1f} GiB) are available; use fewer qubits, complex64, or a "
            "machine with more memory"
        )
    return needed


def simulate(
    circuit: QuantumCircuit,
    backend: str = "aer",
    *,
    initial_state: np.ndarray | None = None,
    dtype: type | np.dtype = np.complex128,
) -> np.ndarray:
    """Run ``circuit`` on ``backend`` and return its final statevector in qspectral's convention.

    Args:
        circuit: a bound, unitary Qiskit circuit, transpiled or not (a ``layout`` is undone).
        backend: a name from :func:`backends`.
        initial_state: the starting state of the circuit's (virtual) qubits, little-endian;
            default ``|0...0>``. Must be normalised.
        dtype: ``complex128`` (default) or ``complex64``: the precision the backend simulates in
            where it supports single precision (Aer, Lightning); others compute in double and cast.

    Returns:
        A 1-D array of ``2**n`` amplitudes, ``n`` the circuit's virtual qubit count.

    Example:
        >>> import numpy as np
        >>> from qspectral import qft
        >>> psi = np.zeros(4, complex); psi[1] = 1
        >>> out = simulate(qft(2), "aer", initial_state=psi)
        >>> bool(np.allclose(out, 2 * np.fft.ifft(psi)))
        True
    """
    dtype = np.dtype(dtype)
    if dtype not in _DTYPES:
        raise TypeError(f"dtype must be complex64 or complex128, got {dtype.name}")
    spec = get_backend(backend)
    check_circuit(circuit)
    plan = PhysicalPlan.from_circuit(circuit)
    state = None if initial_state is None else validate_state(initial_state, plan.num_virtual)
    reason = spec.availability()
    if reason is not None:
        raise BackendUnavailableError(f"backend '{spec.name}' is not available: {reason}")
    check_memory(plan.circuit.num_qubits, spec, dtype)
    if state is not None and not plan.is_identity:
        state = plan.embed(state)
    out = spec.runner(plan.circuit, state, dtype)
    if not plan.is_identity:
        out = plan.extract(out)
    return np.asarray(out, dtype=dtype)


# qspectral's own torch engine (qspectral.sim.engine); torch is imported only when it is used.
def _run_engine(device: str) -> Callable:
    def run(circuit: QuantumCircuit, initial: np.ndarray | None, dtype: np.dtype) -> np.ndarray:
        from qspectral.sim.engine import run_for_simulate

        return run_for_simulate(circuit, initial, dtype, device)

    return run


def _engine_gpu_missing() -> str | None:
    from qspectral.sim.engine import cuda_missing

    return cuda_missing()


# Peak host memory of an engine run, in states: the validated input (1), the working state and
# the FFT's output (2), and MKL's FFT workspace (1; from 2**27 amplitudes the engine splits its
# FFTs and needs none). A complex64 input adds 1: simulate() validates it as complex128.
register_backend(
    Backend(
        "engine", "qspectral torch engine (CPU): QFTs as FFTs, fused gates", False, 4.0,
        "pip install torch", _run_engine("cpu"), lambda: _module_missing("torch", "pip install torch"),
    )
)
register_backend(
    Backend(
        "engine.gpu", "qspectral torch engine on a CUDA GPU", True, 3.0,
        "pip install torch --index-url https://download.pytorch.org/whl/cu126", _run_engine("cuda"),
        _engine_gpu_missing,
    )
)
