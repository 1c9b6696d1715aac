"""Plan a statevector run: memory per backend, whether it fits here, and what would run it if not.

Behind ``qspectral plan --qubits N``. A statevector of ``N`` qubits holds ``2**N`` amplitudes of
``itemsize`` bytes (16 for complex128, 8 for complex64; qspectral's little-endian convention does
not change the size). Each backend needs that times its registry ``memory_overhead``
(:mod:`qspectral.sim.backends`); CPU backends are checked against this machine's available memory
(psutil), GPU backends against the memory of a CUDA GPU here, if any.

When no backend fits here, three routes are sized, each on GPUs of ``gpu_memory_gib`` (80 GiB
unless given):

- the engine on one GPU: needs ``state x`` the ``engine.gpu`` overhead on that GPU;
- Aer GPU with cache blocking (``blocking_enable=True``) over ``g`` GPUs (a power of two, one MPI
  rank each): each holds ``state / g``, kept under 3/4 of the GPU so chunk buffers fit, and
  ``blocking_qubits`` is the largest ``b`` with ``itemsize x 2**b <= gpu memory / 4`` (Aer's
  rule) and ``b <= N - log2(g)`` (a chunk is no larger than a GPU's share);
- lightning.gpu with MPI over ``r`` ranks (a power of two, one GPU each): each holds ``state / r``
  plus an MPI buffer of the same size (lightning's default ``mpi_buf_size=0``);
- qspectral's own engine sharded over ``r`` torch.distributed ranks (``qspectral run``, started
  by ``torchrun``): each holds ``state / r``, an exchange buffer and an FFT workspace of the same
  size (:func:`sharded_bytes_per_rank`).

Times are scaled from ``results/bench/bench_qft_<dtype>.json`` (``qspectral bench qft``): the
backend's largest measured size ``n`` with time ``t`` gives ``t x 2**(N-n) x (N/n)**2`` for
gate-level simulators (a QFT has ~N**2/2 gates, each touching every amplitude) and
``t x 2**(N-n) x N/n`` for the engine (one FFT), divided by the GPU count: an optimistic bound
that ignores communication.

Example:
    >>> p = plan(36, gpu_memory_gib=80, host_bytes=2**34, gpu_bytes_here=None, bench_dir=None)
    >>> statevector_bytes(36, "complex128") == 2**40
    True
    >>> [(r.name, r.gpus, r.settings.get("blocking_qubits")) for r in p.routes if r.feasible]
    [('aer.gpu', 32, 30), ('lightning.gpu', 32, None), ('engine.distributed', 64, None)]
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from qspectral.errors import InsufficientMemoryError, InvalidParameterError, InvalidQubitsError
from qspectral.sim.backends import backend_names, get_backend

DTYPES = ("complex128", "complex64")
#: Memory of one GPU assumed for the routes unless given (an 80 GiB H100/A100).
GPU_MEMORY_GIB = 80.0
#: More GPUs than this is refused as impossible (the largest systems have a few tens of thousands).
MAX_GPUS = 2**15
_GIB = 2**30


def statevector_bytes(num_qubits: int, dtype: str = "complex128") -> int:
    """Bytes of the amplitudes alone: ``2**num_qubits x itemsize``.

    Example:
        >>> statevector_bytes(30, "complex64") == 2**30 * 8
        True
    """
    return 2**num_qubits * np.dtype(dtype).itemsize


@dataclass(frozen=True)
class BackendNeed:
    """One backend's memory need for the state, and whether this machine has it."""

    backend: str
    gpu: bool
    bytes: int
    fits: bool
    against: str


@dataclass(frozen=True)
class Route:
    """A configuration that would run the state elsewhere: GPUs, settings, launch, time estimate."""

    name: str
    description: str
    feasible: bool
    gpus: int
    bytes_per_gpu: int
    settings: dict[str, Any] = field(default_factory=dict)
    launch: str = ""
    seconds: float | None = None
    note: str = ""


@dataclass(frozen=True)
class Plan:
    """The plan for an ``num_qubits`` state: needs per backend, and routes when nothing fits here."""

    num_qubits: int
    dtype: str
    needs: list[BackendNeed]
    routes: list[Route]

    @property
    def fits_here(self) -> bool:
        """Whether at least one backend can hold the state on this machine."""
        return any(n.fits for n in self.needs)


def _check(num_qubits: int, dtype: str, gpu_memory_gib: float) -> None:
    if isinstance(num_qubits, bool) or not isinstance(num_qubits, (int, np.integer)) or num_qubits < 1:
        raise InvalidQubitsError(f"--qubits must be a positive integer, got {num_qubits!r}")
    if dtype not in DTYPES:
        raise InvalidParameterError(f"unknown dtype {dtype!r}; choose one of {', '.join(DTYPES)}")
    if not gpu_memory_gib > 0:
        raise InvalidParameterError(f"GPU memory must be positive (GiB), got {gpu_memory_gib!r}")


def _gpu_bytes_here() -> int | None:
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    return int(torch.cuda.get_device_properties(0).total_memory)


def _power_of_two_at_least(x: float) -> int:
    return 1 if x <= 1 else 2 ** math.ceil(math.log2(x))


def _bench_rows(bench_dir: str | Path | None, dtype: str) -> list[dict[str, Any]] | None:
    if bench_dir is None:
        return None
    path = Path(bench_dir) / f"bench_qft_{dtype}.json"
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _estimate(rows: list[dict[str, Any]] | None, backend: str, n: int, gpus: int, fft: bool) -> tuple[float | None, str]:
    if rows is None:
        return None, "no benchmark data: run qspectral bench qft"
    measured = [r for r in rows if r.get("backend") == backend and r.get("median_seconds")]
    if not measured:
        return None, f"no benchmark data for {backend}: run qspectral bench qft --backends {backend} on a GPU machine"
    row = max(measured, key=lambda r: r["num_qubits"])
    m, t = row["num_qubits"], row["median_seconds"]
    seconds = t * 2.0 ** (n - m) * (n / m) ** (1 if fft else 2) / gpus
    return seconds, f"scaled from {backend} at {m} qubits ({t:.3g} s), ideal {gpus}-GPU speed-up"


#: A rank of the sharded engine holds its shard, one exchange buffer of the same size (the FFT
#: output reuses it) and the FFT library's workspace, up to another shard.
SHARD_COPIES = 3


def sharded_bytes_per_rank(num_qubits: int, ranks: int, dtype: str = "complex128") -> dict[str, int]:
    """Memory of one rank of the sharded engine (``qspectral run --ranks``): its ``shard`` of
    ``2**n / ranks`` amplitudes, the ``exchange`` buffer (one shard) and the FFT ``workspace`` (one
    shard), and their ``total``.

    Example:
        >>> sharded_bytes_per_rank(34, 4)["total"] == 3 * 2**32 * 16
        True
    """
    shard = statevector_bytes(num_qubits, dtype) // ranks
    return {"shard": shard, "exchange": shard, "workspace": shard, "total": SHARD_COPIES * shard}


def check_rank_memory(num_qubits: int, ranks: int, dtype: str, available: int, *, where: str) -> None:
    """Refuse (:class:`InsufficientMemoryError`) when one rank's share does not fit ``available`` bytes."""
    need = sharded_bytes_per_rank(num_qubits, ranks, dtype)
    if need["total"] > available:
        more = _power_of_two_at_least(ranks * need["total"] / max(available, 1))
        raise InsufficientMemoryError(
            f"a {num_qubits}-qubit {dtype} state on {ranks} rank(s) needs {need['total'] / _GIB:.3g} GiB per rank "
            f"(shard {need['shard'] / _GIB:.3g} GiB + exchange buffer {need['exchange'] / _GIB:.3g} GiB + FFT "
            f"workspace {need['workspace'] / _GIB:.3g} GiB) but {where} has {available / _GIB:.3g} GiB available; "
            f"use at least {more} ranks (on more machines), complex64, or fewer qubits"
        )


def _routes(n: int, dtype: str, gpu_bytes: int, max_gpus: int, rows: list[dict[str, Any]] | None) -> list[Route]:
    state = statevector_bytes(n, dtype)
    itemsize = np.dtype(dtype).itemsize
    routes = []

    need = int(state * get_backend("engine.gpu").memory_overhead)
    seconds, note = _estimate(rows, "engine.gpu", n, 1, fft=True)
    fits = need <= gpu_bytes
    routes.append(Route(
        "engine.gpu", "qspectral's torch engine on one GPU", fits, 1, need,
        {"backend": "engine.gpu", "dtype": dtype}, f"qspectral.simulate(circuit, 'engine.gpu', dtype='{dtype}')",
        seconds if fits else None,
        note if fits else f"needs {need / _GIB:.1f} GiB, more than one {gpu_bytes / _GIB:g} GiB GPU",
    ))

    gpus = _power_of_two_at_least(state / (0.75 * gpu_bytes))
    blocking = min(n - int(math.log2(gpus)), int(math.floor(math.log2(gpu_bytes / 4 / itemsize))))
    seconds, note = _estimate(rows, "aer.gpu", n, gpus, fft=False)
    fits = gpus <= max_gpus and blocking >= 1
    routes.append(Route(
        "aer.gpu", "Qiskit Aer statevector on GPUs with cache blocking, one MPI rank per GPU", fits, gpus,
        state // gpus,
        {"method": "statevector", "device": "GPU", "precision": "single" if dtype == "complex64" else "double",
         "blocking_enable": True, "blocking_qubits": blocking},
        f"mpirun -np {gpus} python run.py  (AerSimulator(**settings); qiskit-aer-gpu built with MPI)",
        seconds if fits else None, note if fits else f"needs {gpus} GPUs, more than {max_gpus}",
    ))

    ranks = _power_of_two_at_least(2 * state / gpu_bytes)
    seconds, note = _estimate(rows, "lightning.gpu", n, ranks, fft=False)
    fits = ranks <= max_gpus
    routes.append(Route(
        "lightning.gpu", "PennyLane lightning.gpu with MPI, one rank per GPU (state share + equal MPI buffer)",
        fits, ranks, 2 * state // ranks,
        {"device": "lightning.gpu", "wires": n, "mpi": True, "c_dtype": f"numpy.{dtype}"},
        f"mpirun -np {ranks} python run.py  (qml.device('lightning.gpu', wires={n}, mpi=True); mpi4py + CUDA-aware MPI)",
        seconds if fits else None, note if fits else f"needs {ranks} GPUs, more than {max_gpus}",
    ))
    ranks = _power_of_two_at_least(SHARD_COPIES * state / gpu_bytes)
    per_node = min(ranks, 8)
    seconds, note = _estimate(rows, "engine.gpu", n, ranks, fft=True)
    fits = ranks <= max_gpus and n - int(math.log2(ranks)) >= int(math.log2(ranks))
    routes.append(Route(
        "engine.distributed", "qspectral's engine sharded over torch.distributed ranks, one GPU each (NCCL; "
        "Gloo on CPU nodes); a full QFT is 2-3 all-to-all exchanges", fits, ranks,
        sharded_bytes_per_rank(n, ranks, dtype)["total"],
        {"backend": "engine.gpu", "dtype": dtype, "ranks": ranks},
        f"torchrun --nnodes {max(1, ranks // per_node)} --nproc-per-node {per_node} --rdzv-backend c10d "
        f"--rdzv-endpoint HOST:29500 -m qspectral.cli run CIRCUIT --backend engine.gpu --dtype {dtype} --out state.npy",
        seconds if fits else None, (note + (", exchanges not included" if seconds else "")) if fits else f"needs {ranks} GPUs, more than {max_gpus}",
    ))
    return routes


def plan(
    num_qubits: int,
    *,
    dtype: str = "complex128",
    backends: list[str] | None = None,
    gpu_memory_gib: float = GPU_MEMORY_GIB,
    max_gpus: int = MAX_GPUS,
    host_bytes: int | None = None,
    gpu_bytes_here: int | None | str = "detect",
    bench_dir: str | Path | None = "results/bench",
) -> Plan:
    """Plan an ``num_qubits``-qubit ``dtype`` statevector on ``backends`` (default: every registered one).

    ``host_bytes`` defaults to the memory available now (psutil), ``gpu_bytes_here`` to the
    memory of CUDA GPU 0 (``None``: no GPU). Raises :class:`InsufficientMemoryError` when no
    route could hold the state even on ``max_gpus`` GPUs.
    """
    _check(num_qubits, dtype, gpu_memory_gib)
    names = backend_names() if backends is None else list(backends)
    specs = [get_backend(name) for name in names]
    host = int(psutil.virtual_memory().available) if host_bytes is None else int(host_bytes)
    gpu_here = _gpu_bytes_here() if gpu_bytes_here == "detect" else gpu_bytes_here
    state = statevector_bytes(num_qubits, dtype)
    needs = []
    for spec in specs:
        need = int(state * spec.memory_overhead)
        if spec.gpu:
            fits = gpu_here is not None and need <= gpu_here
            against = "no CUDA GPU here" if gpu_here is None else f"GPU here: {gpu_here / _GIB:.1f} GiB"
        else:
            fits = need <= host
            against = f"host available: {host / _GIB:.1f} GiB"
        needs.append(BackendNeed(spec.name, spec.gpu, need, fits, against))
    routes: list[Route] = []
    if not any(n.fits for n in needs):
        gpu_bytes = int(gpu_memory_gib * _GIB)
        routes = _routes(num_qubits, dtype, gpu_bytes, max_gpus, _bench_rows(bench_dir, dtype))
        if not any(r.feasible for r in routes):
            raise InsufficientMemoryError(
                f"a {num_qubits}-qubit {dtype} statevector is {state:,} bytes ({state / 2**40:,.0f} TiB); "
                f"even split over {max_gpus} GPUs of {gpu_memory_gib:g} GiB it does not fit. No statevector "
                "simulator can hold it: use fewer qubits, or a method that does not store the full state "
                "(tensor networks, MPS, or sampling on hardware)"
            )
    return Plan(num_qubits, dtype, needs, routes)


def format_plan(p: Plan) -> str:
    """The plan as text: a table of needs, then the routes when nothing fits here."""
    state = statevector_bytes(p.num_qubits, p.dtype)
    lines = [f"{p.num_qubits} qubits, {p.dtype}: 2**{p.num_qubits} amplitudes x "
             f"{np.dtype(p.dtype).itemsize} B = {state:,} bytes ({state / _GIB:.3g} GiB) before overheads",
             "", f"{'backend':<15} {'bytes':>22} {'GiB':>10}  fits  against"]
    for n in p.needs:
        lines.append(f"{n.backend:<15} {n.bytes:>22,} {n.bytes / _GIB:>10.3g}  {'yes' if n.fits else 'no ':<4}  {n.against}")
    if p.fits_here:
        lines += ["", "fits this machine on: " + ", ".join(n.backend for n in p.needs if n.fits)]
        return "\n".join(lines)
    lines += ["", "does not fit this machine; configurations that would run it:"]
    for r in p.routes:
        head = f"- {r.name}: {r.description}"
        if not r.feasible:
            lines.append(f"{head}: not possible ({r.note})")
            continue
        lines.append(f"{head}\n    GPUs: {r.gpus}, {r.bytes_per_gpu / _GIB:.3g} GiB per GPU; settings: {r.settings}"
                     f"\n    run: {r.launch}")
        lines.append(f"    time (QFT): ~{r.seconds:.3g} s, {r.note}" if r.seconds is not None else f"    time: {r.note}")
    return "\n".join(lines)
