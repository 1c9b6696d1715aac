r"""``qspectral run``: one circuit on one backend, from the shell or under a scheduler.

``CIRCUIT`` is an OpenQASM 2/3 file, or ``qft`` / ``random`` with ``--qubits`` (and ``--depth``,
``--seed``). The ``engine`` backend (``engine.gpu``: CUDA) runs sharded over every rank it is
started with (:mod:`~qspectral.sim.engine.distributed`); any other registered backend runs in
one process (:func:`~qspectral.sim.backends.simulate`).

**Ranks.** ``--ranks N`` on one machine starts ``N`` local processes through ``torchrun``. Under
``torchrun`` (``RANK``/``WORLD_SIZE`` set), Open MPI (``OMPI_COMM_WORLD_*``), MPICH/Intel MPI
(``PMI_*``) or Slurm's ``srun`` (``SLURM_PROCID``/``SLURM_NTASKS``) the command uses the ranks it
is given; outside ``torchrun``, ``MASTER_ADDR`` and ``MASTER_PORT`` must name rank 0's host and a
free port. Gloo on CPUs, NCCL on GPUs.

**Checks first.** The circuit, the backend, the initial state's length and norm, and each rank's
memory (shard + exchange buffer + FFT workspace) are checked before any work; every rank refuses
together, with the same message.

**Output.** ``--out FILE.npy`` writes the final state (little-endian, qspectral's convention):
assembled by rank 0 when it fits there, else one ``FILE.rankR.npy`` per rank and ``FILE.index.json``
(rank ``r`` holds amplitudes ``r * 2**L .. (r+1) * 2**L - 1``). ``--probs K`` prints the ``K`` most
probable basis states, ``--shots S`` samples ``S`` measurements (``--seed``).

Example::

    qspectral run qft --qubits 24 --ranks 2 --out psi.npy
    torchrun --nnodes 2 --nproc-per-node 8 ... -m qspectral.cli run circuit.qasm --backend engine.gpu --shots 1000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from qspectral.errors import CircuitFileNotFoundError, InvalidParameterError, InvalidStateError, QSpectralError, UnknownBackendError

#: Environment variables of launchers: (rank, world size, local rank, local world size).
_LAUNCHERS = (
    ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE"),
    ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK", "OMPI_COMM_WORLD_LOCAL_SIZE"),
    ("PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID", "MPI_LOCALNRANKS"),
    ("SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID", "SLURM_NTASKS_PER_NODE"),
)
SHARDED_BACKENDS = {"engine": ("cpu", "gloo"), "engine.gpu": ("cuda", "nccl")}
#: Rank 0 assembles the state for --out when it takes at most this share of its available memory.
ASSEMBLE_SHARE = 0.5


def run_command(args: argparse.Namespace) -> int:
    """Run ``qspectral run`` with parsed ``args``; 0 on success."""
    _check_args(args)
    launched = _launcher_env()
    if args.ranks and args.ranks > 1 and launched is None:
        return _start_torchrun(args)
    if launched is not None and args.ranks and launched[1] != args.ranks:
        raise InvalidParameterError(
            f"--ranks {args.ranks} but the launcher started {launched[1]} ranks; drop --ranks under a launcher"
        )
    circuit = _load_circuit(args)
    if args.backend not in SHARDED_BACKENDS:
        if launched is not None and launched[1] > 1:
            raise InvalidParameterError(
                f"backend {args.backend!r} runs in one process; only {', '.join(SHARDED_BACKENDS)} run sharded over ranks"
            )
        return _run_single(circuit, args)
    return _run_sharded(circuit, args, launched)


def _check_args(args: argparse.Namespace) -> None:
    from qspectral.sim.backends import backend_names

    if args.backend not in backend_names():
        raise UnknownBackendError(f"unknown backend {args.backend!r}; choose one of {', '.join(backend_names())}")
    for name in ("probs", "shots"):
        if getattr(args, name) < 0:
            raise InvalidParameterError(f"--{name} must be >= 0, got {getattr(args, name)}")
    if args.ranks is not None and (args.ranks < 1 or args.ranks & (args.ranks - 1)):
        raise InvalidParameterError(f"--ranks must be a power of two (1, 2, 4, ...), got {args.ranks}")
    if args.out is not None and not args.out.endswith(".npy"):
        raise InvalidParameterError(f"--out must name a .npy file, got {args.out!r}")
    if args.initial_state is not None and not Path(args.initial_state).is_file():
        raise FileNotFoundError(f"--initial-state {args.initial_state}: no such file")


def _launcher_env() -> tuple[int, int, int, int] | None:
    """``(rank, world, local rank, local world)`` from the launcher's environment, or None."""
    for rank, world, local, local_world in _LAUNCHERS:
        if rank in os.environ and world in os.environ:
            size = int(os.environ[world])
            return (int(os.environ[rank]), size, int(os.environ.get(local, 0)),
                    int(os.environ.get(local_world, size)) if os.environ.get(local_world, "").isdigit() else 1)
    return None


def _child_argv(args: argparse.Namespace) -> list[str]:
    argv = ["run", args.circuit]
    for name in ("qubits", "depth", "backend", "dtype", "initial_state", "out", "probs", "shots", "seed", "ranks", "timeout"):
        value = getattr(args, name)
        if value is not None:
            argv += [f"--{name.replace('_', '-')}", str(value)]
    return argv + [flag for flag, on in (("--inverse", args.inverse), ("--split-out", args.split_out)) if on]


def _start_torchrun(args: argparse.Namespace) -> int:
    torchrun = shutil.which("torchrun")
    launcher = [torchrun] if torchrun else [sys.executable, "-m", "torch.distributed.run"]
    command = launcher + ["--standalone", f"--nproc-per-node={args.ranks}", "--no-python", sys.executable,
                          "-m", "qspectral.cli", *_child_argv(args)]
    env = {**os.environ, "OMP_NUM_THREADS": str(max(1, (os.cpu_count() or 1) // args.ranks))}
    return subprocess.run(command, env=env, check=False).returncode


def _load_circuit(args: argparse.Namespace):
    if args.circuit in ("qft", "random"):
        if args.qubits is None or args.qubits < 1:
            raise InvalidParameterError(f"the built-in circuit {args.circuit!r} needs --qubits N (N >= 1)")
        if args.circuit == "qft":
            from qspectral import qft

            return qft(args.qubits, inverse=args.inverse)
        from qspectral.sim.compare import random_circuit

        return random_circuit(args.qubits, args.depth, seed=args.seed)
    if not Path(args.circuit).is_file():
        raise CircuitFileNotFoundError(
            f"{args.circuit}: no such file — pass an OpenQASM file, or qft / random with --qubits"
        )
    from qspectral.quantum.qasm import load_qasm

    return load_qasm(args.circuit)


def _initial_array(path: str | None, num_qubits: int) -> np.ndarray | None:
    """The --initial-state file, memory-mapped (each rank reads only its slice)."""
    if path is None:
        return None
    array = np.load(path, mmap_mode="r")
    if array.shape != (2**num_qubits,):
        raise InvalidStateError(
            f"--initial-state {path} has shape {array.shape} but the circuit has {num_qubits} qubits; "
            f"save {2**num_qubits} amplitudes (numpy.save)"
        )
    return array


def _run_single(circuit, args: argparse.Namespace) -> int:
    from qspectral.sim.backends import simulate

    psi0 = _initial_array(args.initial_state, circuit.num_qubits)
    start = time.perf_counter()
    state = simulate(circuit, args.backend, initial_state=None if psi0 is None else np.asarray(psi0),
                     dtype=np.dtype(args.dtype))
    print(f"ran {circuit.num_qubits} qubits on {args.backend} in {time.perf_counter() - start:.3g} s")
    probs = np.abs(state) ** 2
    _report(probs, 0, args)
    if args.shots:
        _print_counts(np.random.default_rng(args.seed).choice(probs.size, size=args.shots, p=probs / probs.sum()),
                      circuit.num_qubits)
    if args.out:
        np.save(args.out, state)
        print(f"wrote {args.out}")
    return 0


def _run_sharded(circuit, args: argparse.Namespace, launched) -> int:
    import torch

    from qspectral.kernels.states import check_dtype
    from qspectral.sim.engine import distributed as sharded

    device, backend = SHARDED_BACKENDS[args.backend]
    if device == "cuda" and not torch.cuda.is_available():
        raise InvalidParameterError("--backend engine.gpu needs a CUDA GPU on every rank; use --backend engine on CPUs")
    if launched is None:
        comm = sharded.Comm.single()
    else:
        rank, world, local_rank, _ = launched
        os.environ.setdefault("RANK", str(rank))
        os.environ.setdefault("WORLD_SIZE", str(world))
        if "MASTER_ADDR" not in os.environ or "MASTER_PORT" not in os.environ:
            raise InvalidParameterError(
                "set MASTER_ADDR (rank 0's host) and MASTER_PORT (a free port) for the ranks to meet, or start with torchrun"
            )
        if device == "cuda":
            torch.cuda.set_device(local_rank % torch.cuda.device_count())
        comm = sharded.init_process_group(backend, timeout_s=args.timeout)
    dtype = getattr(torch, args.dtype)
    check_dtype(dtype)
    n = circuit.num_qubits
    program = sharded.compile_for(circuit, comm)
    sharded.check_shardable(program, comm)
    _check_memory(n, comm, args, launched, device)
    psi0 = _initial_array(args.initial_state, n)
    length = 2**n // comm.world
    if psi0 is None:
        shard = torch.zeros((1, length), dtype=dtype, device=device)
        if comm.rank == 0:
            shard[0, 0] = 1
    else:
        shard = torch.as_tensor(np.array(psi0[comm.rank * length : (comm.rank + 1) * length])).reshape(1, -1)
        shard = shard.to(dtype=dtype, device=device)
        norm = _sum_over_ranks(float(torch.view_as_real(shard).double().pow(2).sum()), comm)
        if abs(norm - 1) > (1e-10 if args.dtype == "complex128" else 1e-5):
            raise InvalidStateError(f"--initial-state is not normalised (norm**2 = {norm:.12g}); divide it by its norm")
    start = time.perf_counter()
    out, stats = sharded.execute_sharded(program, shard, comm, owned=True)
    if device == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    if comm.rank == 0:
        print(f"ran {n} qubits on {comm.world} rank(s) ({args.backend}, {args.dtype}) in {seconds:.3g} s; "
              f"{stats.exchanges} exchange(s), {stats.bytes_sent / 2**20:.4g} MiB sent per rank")
    probs = (out[0].abs() ** 2).double().cpu().numpy()
    _report_sharded(probs, comm, args)
    if args.out:
        _write(out, comm, args, n)
    if comm.world > 1:
        import torch.distributed as dist

        dist.destroy_process_group()
    return 0


def _check_memory(n: int, comm, args, launched, device: str) -> None:
    """Every rank checks its share; all refuse together (one all-reduce) with rank-local numbers."""
    import psutil
    import torch

    from qspectral.sim.memory import check_rank_memory

    local_world = launched[3] if launched else 1
    if device == "cuda":
        available = torch.cuda.mem_get_info()[0]
        where = f"GPU {torch.cuda.current_device()}"
    else:
        available = int(psutil.virtual_memory().available) // max(1, local_world)
        where = f"this node's share per rank ({local_world} rank(s) here)"
    message = ""
    try:
        check_rank_memory(n, comm.world, args.dtype, available, where=f"rank {comm.rank}: {where}")
    except QSpectralError as exc:
        message = str(exc)
    if comm.world > 1:
        import torch.distributed as dist

        flag = torch.tensor([1 if message else 0])
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        if flag.item() and not message:
            message = "another rank has too little memory for its share (see rank 0's message); use more ranks"
    if message:
        from qspectral.errors import InsufficientMemoryError

        raise InsufficientMemoryError(message)


def _sum_over_ranks(value: float, comm) -> float:
    if comm.world == 1:
        return value
    import torch
    import torch.distributed as dist

    total = torch.tensor([value], dtype=torch.float64)
    dist.all_reduce(total)
    return float(total.item())


def _gather_objects(item, comm) -> list | None:
    if comm.world == 1:
        return [item]
    import torch.distributed as dist

    items = [None] * comm.world if comm.rank == 0 else None
    dist.gather_object(item, items, dst=0)
    return items


def _report(probs: np.ndarray, offset: int, args) -> None:
    if args.probs:
        top = np.argsort(probs)[::-1][: args.probs]
        _print_probs([(int(i) + offset, float(probs[i])) for i in top], int(np.log2(probs.size)))


def _print_probs(rows: list[tuple[int, float]], n: int) -> None:
    print(f"{'basis state':>{max(n, 11)}}  probability")
    for index, p in rows:
        print(f"{index:0{n}b}".rjust(max(n, 11)) + f"  {p:.6g}")


def _print_counts(samples: np.ndarray, n: int) -> None:
    values, counts = np.unique(samples, return_counts=True)
    order = np.argsort(counts)[::-1][:20]
    print(f"{len(samples)} shots, {len(values)} distinct outcomes; the most frequent:")
    for i in order:
        print(f"  {int(values[i]):0{n}b}  {int(counts[i])}")


def _report_sharded(probs: np.ndarray, comm, args) -> None:
    """--probs and --shots over the shards: local top-K and local samples, merged on rank 0."""
    n = int(np.log2(probs.size * comm.world))
    offset = comm.rank * probs.size
    if args.probs:
        top = np.argsort(probs)[::-1][: args.probs]
        rows = _gather_objects([(int(i) + offset, float(probs[i])) for i in top], comm)
        if comm.rank == 0:
            merged = sorted((row for part in rows for row in part), key=lambda r: -r[1])[: args.probs]
            _print_probs(merged, n)
    if args.shots:
        masses = _gather_objects(float(probs.sum()), comm)
        masses = _broadcast(masses, comm)
        # Every rank draws the same split of the shots over the ranks, then its own share locally.
        split = np.random.default_rng(args.seed).multinomial(args.shots, np.array(masses) / sum(masses))
        rng = np.random.default_rng([args.seed, comm.rank])
        local = rng.choice(probs.size, size=split[comm.rank], p=probs / probs.sum()) + offset if split[comm.rank] else np.zeros(0, int)
        parts = _gather_objects(local, comm)
        if comm.rank == 0:
            _print_counts(np.concatenate(parts), n)


def _broadcast(item, comm):
    if comm.world == 1:
        return item
    import torch.distributed as dist

    box = [item]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def _write(out, comm, args, n: int) -> None:
    """Rank 0 assembles the state when it fits there (and --split-out is off), else one file per rank."""
    import psutil

    from qspectral.sim.engine.distributed import gather_state
    from qspectral.sim.memory import statevector_bytes

    fits = statevector_bytes(n, args.dtype) <= ASSEMBLE_SHARE * psutil.virtual_memory().available
    assemble = _broadcast(fits and not args.split_out, comm)
    if assemble:
        full = gather_state(out, comm)
        if comm.rank == 0:
            np.save(args.out, full[0].cpu().numpy())
            print(f"wrote {args.out}")
        return
    stem = args.out[: -len(".npy")]
    path = f"{stem}.rank{comm.rank}.npy"
    np.save(path, out[0].cpu().numpy())
    length = out.shape[1]
    files = _gather_objects(Path(path).name, comm)
    if comm.rank == 0:
        index = {"num_qubits": n, "dtype": args.dtype, "ranks": comm.world, "convention": "little-endian, qubit q = bit q",
                 "files": [{"rank": r, "file": f, "offset": r * length, "length": length} for r, f in enumerate(files)]}
        Path(f"{stem}.index.json").write_text(json.dumps(index, indent=2))
        print(f"wrote {comm.world} shards {stem}.rank*.npy and {stem}.index.json")
