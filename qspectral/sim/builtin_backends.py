"""qspectral's built-in backends other than its engine: Qiskit Aer, PennyLane devices, Statevector.

Each constant is a :class:`~qspectral.sim.backends.Backend`, declared as an entry point of the
``qspectral.backends`` group in qspectral's ``pyproject.toml`` (the engine's are in
:mod:`qspectral.sim.engine.backend`). Nothing heavy is imported until a backend runs or is probed.

Example:
    >>> QISKIT.name, AER_GPU.gpu, AER_GPU.probe_packages
    ('qiskit', True, ('qiskit-aer', 'qiskit-aer-gpu'))
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable

import numpy as np
from qiskit.circuit import QuantumCircuit

from qspectral.sim.backends import PRECISION, Backend

GPU_EXTRA = 'pip install "qspectral[gpu]"'


def _module_missing(module: str, install: str) -> str | None:
    if importlib.util.find_spec(module) is None:
        return f"the Python package '{module}' is not installed; run: {install}"
    return None


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


@functools.cache
def _aer_simulator(device: str, precision: str) -> tuple[object, object]:
    """An Aer statevector simulator and its level-0 pass manager, built once (building Aer's target is slow)."""
    from qiskit.transpiler import generate_preset_pass_manager
    from qiskit_aer import AerSimulator

    simulator = AerSimulator(method="statevector", device=device, precision=precision)
    return simulator, generate_preset_pass_manager(optimization_level=0, backend=simulator)


def _run_aer(device: str) -> Callable:
    def run(circuit: QuantumCircuit, initial: np.ndarray | None, dtype: np.dtype) -> np.ndarray:
        simulator, passes = _aer_simulator(device, PRECISION[dtype])
        program = QuantumCircuit(circuit.num_qubits)
        if initial is not None:
            program.set_statevector(initial.astype(np.complex128))
        program.compose(circuit, inplace=True)
        program.save_statevector()
        compiled = passes.run(program)
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
        from qspectral.sim.pennylane.bridge import run_on_pennylane

        return run_on_pennylane(circuit, device, initial, dtype)

    return run


def _run_qiskit(circuit: QuantumCircuit, initial: np.ndarray | None, dtype: np.dtype) -> np.ndarray:
    """``Statevector.evolve``, with diagonals on more than ``HOST_DIAGONAL_QUBITS`` qubits (spectral
    gates among them) multiplied on the host: Statevector would build them as dense matrices."""
    from qiskit.quantum_info import Statevector

    from qspectral.quantum.spectral_gates import SpectralGate
    from qspectral.sim.host_diagonal import HOST_DIAGONAL_QUBITS, HostDiagonal, diagonal_entries

    n = circuit.num_qubits
    state = np.asarray(initial, dtype=complex) if initial is not None else Statevector.from_int(0, 2**n).data
    segment = QuantumCircuit(n)

    def flush() -> None:
        nonlocal state, segment
        if segment.data or segment.global_phase:
            state = Statevector(state).evolve(segment).data
        segment = QuantumCircuit(n)

    def visit(circ: QuantumCircuit, qubit_map: list[int]) -> None:
        nonlocal state
        segment.global_phase += circ.global_phase
        for instruction in circ.data:
            op = instruction.operation
            qubits = [qubit_map[circ.find_bit(q).index] for q in instruction.qubits]
            diagonal = diagonal_entries(op) if len(qubits) > HOST_DIAGONAL_QUBITS else None
            if diagonal is not None:
                flush()
                state = HostDiagonal(diagonal, qubits).apply(state)
            elif isinstance(op, SpectralGate):  # a filter: its definition holds a wide diagonal
                visit(op.definition, qubits)
            else:
                segment.append(op, qubits)

    visit(circuit, list(range(n)))
    flush()
    return state


AER = Backend(
    name="aer", description="Qiskit Aer statevector (CPU)", runner=_run_aer("CPU"),
    availability=lambda: _module_missing("qiskit_aer", "pip install qiskit-aer"), install="pip install qiskit-aer",
)
AER_GPU = Backend(
    name="aer.gpu", description="Qiskit Aer statevector on an NVIDIA GPU", runner=_run_aer("GPU"),
    availability=_aer_gpu_missing, install=GPU_EXTRA, gpu=True, probe_packages=("qiskit-aer", "qiskit-aer-gpu"),
)
LIGHTNING = Backend(
    name="lightning", description="PennyLane lightning.qubit (CPU)", runner=_run_pennylane("lightning.qubit"),
    availability=lambda: _module_missing("pennylane_lightning", "pip install pennylane-lightning"),
    install="pip install pennylane-lightning",
)
LIGHTNING_GPU = Backend(
    name="lightning.gpu", description="PennyLane lightning.gpu (NVIDIA GPU)", runner=_run_pennylane("lightning.gpu"),
    availability=_lightning_gpu_missing, install=GPU_EXTRA, gpu=True,
    probe_packages=("pennylane", "pennylane-lightning", "pennylane-lightning-gpu"),
)
DEFAULT_QUBIT = Backend(
    name="default.qubit", description="PennyLane default.qubit (numpy)", runner=_run_pennylane("default.qubit"),
    availability=lambda: _module_missing("pennylane", "pip install pennylane"), install="pip install pennylane",
    memory_overhead=4.0,
)
QISKIT = Backend(
    name="qiskit", description="qiskit.quantum_info.Statevector (reference)", runner=_run_qiskit,
    install="pip install qiskit",
)
