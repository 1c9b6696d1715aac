"""The engine's entries in the backend registry: ``engine`` (CPU) and ``engine.gpu`` (CUDA).

Declared as entry points of the ``qspectral.backends`` group in qspectral's ``pyproject.toml``,
like every built-in backend. torch is imported only when a run or the GPU probe needs it.

Example:
    >>> import numpy as np
    >>> from qspectral import qft, simulate
    >>> ENGINE.name, ENGINE.gpu
    ('engine', False)
    >>> bool(np.allclose(simulate(qft(3), "engine"), np.full(8, 8 ** -0.5)))
    True
"""

from __future__ import annotations

import importlib.util

import numpy as np
from qiskit.circuit import QuantumCircuit

from qspectral.errors import InsufficientMemoryError
from qspectral.sim.backends import Backend

#: How to get a CUDA build of torch (see https://pytorch.org/get-started/locally/).
CUDA_TORCH = "pip install torch --index-url https://download.pytorch.org/whl/cu126"


def cuda_missing() -> str | None:
    """Why ``engine.gpu`` cannot run here, or None when torch sees a CUDA device."""
    import torch

    if torch.version.cuda is None and getattr(torch.version, "hip", None) is None:
        return (
            f"this torch build ({torch.__version__}) is CPU-only; on a machine with an NVIDIA GPU "
            f"install a CUDA build: {CUDA_TORCH}"
        )
    if not torch.cuda.is_available():
        return (
            "torch was built with CUDA but finds no CUDA device here (no GPU, or no driver); "
            f"on a machine with an NVIDIA GPU: {CUDA_TORCH}"
        )
    return None


def _torch_missing() -> str | None:
    if importlib.util.find_spec("torch") is None:
        return "the Python package 'torch' is not installed; run: pip install torch"
    return None


def _check_gpu_memory(num_qubits: int, dtype, device) -> None:
    import torch

    free, _ = torch.cuda.mem_get_info(device)
    needed = 3 * 2**num_qubits * (8 if dtype == torch.complex64 else 16)
    if needed > free:
        raise InsufficientMemoryError(
            f"a {num_qubits}-qubit {dtype} run on the GPU needs about {needed / 2**30:.1f} GiB "
            f"(three states: working pair and the FFT's workspace) but {free / 2**30:.1f} GiB are free on "
            f"{device}; use fewer qubits or complex64"
        )


def run_for_simulate(circuit: QuantumCircuit, initial: np.ndarray | None, dtype: np.dtype, device: str) -> np.ndarray:
    """The ``simulate()`` runner: ``circuit`` is already checked, ``initial`` validated (or None)."""
    import torch

    from qspectral.sim.engine.compiler import compile_circuit
    from qspectral.sim.engine.executor import execute, execute_owned

    torch_dtype = torch.complex64 if np.dtype(dtype) == np.complex64 else torch.complex128
    target = torch.device(device)
    if target.type == "cuda":
        _check_gpu_memory(circuit.num_qubits, torch_dtype, target)
    program = compile_circuit(circuit)
    with torch.no_grad():
        if initial is None:
            out = execute(program, dtype=torch_dtype, device=target)
        else:
            given = torch.from_numpy(initial).reshape(1, -1)
            box = [given.to(device=target, dtype=torch_dtype)]
            out = execute_owned(program, box, None, owned=box[0].data_ptr() != given.data_ptr())
    return out[0].cpu().numpy()


def _runner(device: str):
    def run(circuit: QuantumCircuit, initial: np.ndarray | None, dtype: np.dtype) -> np.ndarray:
        return run_for_simulate(circuit, initial, dtype, device)

    return run


#: Peak host memory of one engine ``simulate()`` run beyond what the caller already holds (its input
#: state and the circuit), in units of the state in the run's dtype. Measured with
#: ``scripts/measure-memory`` (a fresh process per case; the kernel's peak-RSS mark is reset after
#: the workload is built, ``(VmHWM - VmRSS before) / state``; QFT . diag . inverse QFT from a
#: given state; 2 CPU cores):
#:
#: ==========  =======================  =============================================
#: dtype       qubits: overhead          why
#: ==========  =======================  =============================================
#: complex128  24: 1.08, 26: 1.02        the output state; the QFTs run in place
#: complex64   24: 1.02, 26: 1.00,       (two pocketfft passes), the phases are
#:             27: 1.00                  multiplied in place
#: ==========  =======================  =============================================
#:
#: Circuits of gates keep a second buffer (a GEMM writes into a spare state), so the factor stays
#: at 2.2 to cover them; an even-sized lean run needs about one state: 30 qubits in complex64 from
#: ``|0...0>`` (``run_circuit``) peaked 8.4 GiB (1.05 states) above the 4 GiB of float32 phases
#: the caller held, 12.7 GiB (1.59 states) in all.
ENGINE_MEMORY_OVERHEAD = 2.2

ENGINE = Backend(
    name="engine",
    description="qspectral torch engine (CPU): QFTs as FFTs, fused gates",
    runner=_runner("cpu"),
    availability=_torch_missing,
    install="pip install torch",
    memory_overhead=ENGINE_MEMORY_OVERHEAD,
)
ENGINE_GPU = Backend(
    name="engine.gpu",
    description="qspectral torch engine on a CUDA GPU",
    runner=_runner("cuda"),
    availability=cuda_missing,
    install=CUDA_TORCH,
    gpu=True,
    memory_overhead=3.0,
    probe_packages=("torch",),
)
