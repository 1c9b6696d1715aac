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
``engine``              qspectral's torch engine (CPU)         core dependency
``engine.gpu``          the same on a CUDA GPU                 a CUDA build of torch + GPU
======================  =====================================  ===========================

**Extending it.** A backend is a :class:`Backend` (keyword-only fields). Add one at run time with
:func:`register_backend`, or ship it in a package that declares it as an entry point of the
``qspectral.backends`` group (the object it names is a :class:`Backend`; the entry point's name is
the backend's name). qspectral declares its own backends the same way, in its ``pyproject.toml``.
Entry points are read on the first use of the registry; one that cannot be loaded gives a
``RuntimeWarning`` naming it and is skipped.

**Probes.** Whether a backend runs here (``Backend.availability``) is asked once per process; a
backend with ``probe_packages`` (the GPU ones, whose probes import CUDA libraries) also has its
answer cached on disk, keyed by those packages' versions and the GPU driver
(:mod:`qspectral.sim.probe_cache`), so ``qspectral backends`` need not import them.

Example:
    >>> import numpy as np
    >>> from qspectral import qft, simulate
    >>> out = simulate(qft(3), "qiskit")          # QFT of |000>: the uniform state
    >>> bool(np.allclose(out, np.full(8, 8 ** -0.5)))
    True
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points

import numpy as np
import psutil
from qiskit.circuit import ControlFlowOp, Gate, QuantumCircuit

from qspectral.conventions import validate_state
from qspectral.errors import (
    BackendUnavailableError,
    InsufficientMemoryError,
    InvalidParameterError,
    UnknownBackendError,
    UnsupportedCircuitError,
)
from qspectral.sim import probe_cache
from qspectral.sim.layout import PhysicalPlan

#: The entry-point group through which packages (qspectral included) declare backends.
ENTRY_POINT_GROUP = "qspectral.backends"
_HARMLESS = {"barrier", "delay", "global_phase"}
#: The dtypes simulate() accepts, and their precision names (as Aer spells them).
PRECISION = {np.dtype(np.complex64): "single", np.dtype(np.complex128): "double"}

Runner = Callable[[QuantumCircuit, "np.ndarray | None", np.dtype], np.ndarray]


def _always_available() -> str | None:
    return None


@dataclass(frozen=True, kw_only=True)
class Backend:
    """A simulator that :func:`simulate` can run.

    Fields:
        name: the name users pass to ``simulate(circuit, name)``.
        description: one line for ``qspectral backends``.
        runner: ``runner(circuit, initial, dtype) -> amplitudes``. ``circuit`` is a bound, purely
            unitary Qiskit circuit on its physical qubits (a layout is undone by :func:`simulate`);
            ``initial`` is None (start from ``|0...0>``) or a validated, normalised complex128
            array; ``dtype`` is ``np.complex64`` or ``np.complex128``. Returns the ``2**n``
            final amplitudes, little-endian (qubit ``q`` = bit ``q``).
        availability: ``() -> None`` when the backend runs here, else the reason (say how to fix it).
        install: what to install to get it.
        gpu: whether it needs a GPU (``--gpu-only`` test runs, ``include_gpu=False`` listings).
        memory_overhead: peak host memory of one run in units of the statevector's size (input
            copy, working state, returned array), used by the memory guard.
        probe_packages: distributions whose versions key an on-disk cache of ``availability``'s
            answer; leave empty when the probe is cheap.
    """

    name: str
    description: str
    runner: Runner
    availability: Callable[[], str | None] = _always_available
    install: str = ""
    gpu: bool = False
    memory_overhead: float = 3.0
    probe_packages: tuple[str, ...] = ()


@dataclass(frozen=True)
class BackendStatus:
    """Whether a backend runs here, and if not why and how to get it."""

    name: str
    description: str
    available: bool
    reason: str
    install: str
    gpu: bool


_REGISTRY: dict[str, Backend] = {}
_PROBED: dict[str, str | None] = {}
_LOCK = threading.RLock()
_loaded = False
_loading = False


def _registry() -> dict[str, Backend]:
    """The registry, with the entry points of ``qspectral.backends`` loaded on first use.

    Other threads wait for the loading to finish; a plugin module that itself calls
    :func:`register_backend` while it is being loaded sees the registry as loaded so far.
    """
    global _loaded, _loading
    if not _loaded:
        with _LOCK:
            if not _loaded and not _loading:
                _loading = True
                try:
                    _load_entry_points()
                finally:
                    _loaded, _loading = True, False
    return _REGISTRY


def _load_entry_points() -> None:
    found = list(entry_points(group=ENTRY_POINT_GROUP))
    # qspectral's own backends first, then the others; each by name.
    for ep in sorted(found, key=lambda ep: (getattr(ep.dist, "name", None) != "qspectral", ep.name)):
        where = f"entry point '{ep.name} = {ep.value}' of group {ENTRY_POINT_GROUP}"
        if ep.dist is not None:
            where += f" (package {ep.dist.name} {ep.dist.version})"
        try:
            backend = ep.load()
        except Exception as exc:  # a broken plugin must not break qspectral
            warnings.warn(
                f"skipping the backend {where}: it failed to load ({type(exc).__name__}: {exc}); "
                "fix or uninstall that package",
                RuntimeWarning,
                stacklevel=3,
            )
            continue
        if not isinstance(backend, Backend) or backend.name != ep.name or backend.name in _REGISTRY:
            problem = (
                f"it names a {type(backend).__name__}, not a qspectral.sim.backends.Backend"
                if not isinstance(backend, Backend)
                else f"its backend is named {backend.name!r}; the entry point must carry the backend's name"
                if backend.name != ep.name
                else f"a backend named {backend.name!r} is already registered"
            )
            warnings.warn(f"skipping the backend {where}: {problem}", RuntimeWarning, stacklevel=3)
            continue
        _REGISTRY[backend.name] = backend


def register_backend(backend: Backend, *, replace: bool = False) -> None:
    """Add ``backend`` to the registry, so that ``simulate(circuit, backend.name)`` runs it.

    Raises InvalidParameterError when a backend of that name exists, unless ``replace=True``. To
    make a backend available to every user of an installed package, declare it as an entry
    point of the ``qspectral.backends`` group instead (see the module docstring).

    Example (a backend that runs circuits with ``qiskit.quantum_info.Statevector``):
        >>> import numpy as np
        >>> from qspectral import qft, simulate
        >>> def run(circuit, initial, dtype):
        ...     from qiskit.quantum_info import Statevector
        ...     start = Statevector.from_int(0, 2**circuit.num_qubits) if initial is None else Statevector(initial)
        ...     return start.evolve(circuit).data
        >>> register_backend(Backend(name="doc-statevector", description="Statevector, as an example", runner=run))
        >>> psi = np.zeros(8, complex); psi[3] = 1
        >>> out = simulate(qft(3), "doc-statevector", initial_state=psi)
        >>> bool(np.allclose(out, np.sqrt(8) * np.fft.ifft(psi)))
        True
    """
    if not isinstance(backend, Backend):
        raise TypeError(
            f"register_backend takes a qspectral.sim.backends.Backend, got {type(backend).__name__}; "
            "build one with Backend(name=..., description=..., runner=...)"
        )
    if not isinstance(backend.name, str) or not backend.name:
        raise InvalidParameterError(f"a backend needs a non-empty string name, got {backend.name!r}")
    with _LOCK:
        registry = _registry()
        if backend.name in registry and not replace:
            raise InvalidParameterError(
                f"a backend named {backend.name!r} is already registered ({registry[backend.name].description}); "
                "choose another name, or pass replace=True to replace it"
            )
        registry[backend.name] = backend
        _PROBED.pop(backend.name, None)


def backend_names() -> list[str]:
    """Names of every registered backend, available here or not."""
    return list(_registry())


def get_backend(name: str) -> Backend:
    """Return the registered backend ``name`` or raise UnknownBackendError listing the known ones."""
    registry = _registry()
    try:
        return registry[name]
    except KeyError:
        raise UnknownBackendError(
            f"unknown backend {name!r}; known backends are: {', '.join(registry)} "
            "(see qspectral.backends() or `qspectral backends` for which run here)"
        ) from None


def _unavailable(backend: Backend) -> str | None:
    """Why ``backend`` cannot run here (None when it can), probed once per process."""
    if backend.name not in _PROBED:
        if backend.probe_packages:
            reason = probe_cache.cached_probe(backend.name, backend.probe_packages, backend.availability)
        else:
            reason = backend.availability()
        _PROBED[backend.name] = reason
    return _PROBED[backend.name]


def backends() -> list[BackendStatus]:
    """List every backend with whether it runs here and, if not, why and which install brings it.

    Example:
        >>> [b.name for b in backends() if b.name == "qiskit" and b.available]
        ['qiskit']
    """
    statuses = []
    for backend in list(_registry().values()):
        reason = _unavailable(backend)
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
    if dtype not in PRECISION:
        raise TypeError(f"dtype must be complex64 or complex128, got {dtype.name}")
    spec = get_backend(backend)
    check_circuit(circuit)
    plan = PhysicalPlan.from_circuit(circuit)
    state = None if initial_state is None else validate_state(initial_state, plan.num_virtual)
    reason = _unavailable(spec)
    if reason is not None:
        raise BackendUnavailableError(f"backend '{spec.name}' is not available: {reason}")
    check_memory(plan.circuit.num_qubits, spec, dtype)
    if state is not None and not plan.is_identity:
        state = plan.embed(state)
    out = spec.runner(plan.circuit, state, dtype)
    if not plan.is_identity:
        out = plan.extract(out)
    return np.asarray(out, dtype=dtype)
