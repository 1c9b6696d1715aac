"""Benchmark: the QFT of a random n-qubit state, the sharded engine on R ranks (one thread each,
Gloo) against the single-process engine on R threads, in one run. Prints a table, writes JSON.

    python benchmarks/distributed_qft.py --qubits 26 --ranks 2 --repeats 3 --out results/bench/distributed_qft.json

Each rank times ``execute_sharded`` (median and best of ``--repeats`` after a warm-up), then the
time of the exchanges alone is measured as the same number of all-to-alls of a shard. The best
times are the ones to compare on a machine shared with other work (the load average is recorded).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _rank(args: argparse.Namespace, rank: int, store: str, out: str) -> None:
    import torch
    import torch.distributed as dist

    from qspectral import qft
    from qspectral.conventions import random_state
    from qspectral.sim.engine.distributed import compile_for, execute_sharded, init_process_group, local_slice

    torch.set_num_threads(1)
    comm = init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=args.ranks)
    n = args.qubits
    full = torch.as_tensor(random_state(n, 0)).reshape(1, -1)
    shard = local_slice(full, comm).clone()
    del full
    program = compile_for(qft(n), comm)
    times, stats = [], None
    for _ in range(args.repeats + 1):
        work = shard.clone()
        dist.barrier()
        start = time.perf_counter()
        _, stats = execute_sharded(program, work, comm, owned=True)
        dist.barrier()
        times.append(time.perf_counter() - start)
        del work
    buffer, target = shard.clone(), torch.empty_like(shard)
    exchange_times = []
    for _ in range(args.repeats):
        dist.barrier()
        start = time.perf_counter()
        for _ in range(stats.exchanges):
            dist.all_to_all_single(target.view(-1), buffer.view(-1))
        exchange_times.append(time.perf_counter() - start)
    if rank == 0:
        Path(out).write_text(json.dumps({"seconds": float(np.median(times[1:])), "best_seconds": min(times[1:]),
                                         "exchanges": stats.exchanges,
                                         "bytes_sent": stats.bytes_sent,
                                         "exchange_seconds": float(np.median(exchange_times))}))
    dist.destroy_process_group()


def _single(args: argparse.Namespace) -> tuple[float, float]:
    import torch

    from qspectral import qft
    from qspectral.conventions import random_state
    from qspectral.sim.engine.compiler import compile_circuit
    from qspectral.sim.engine.executor import execute

    torch.set_num_threads(args.ranks)
    psi = torch.as_tensor(random_state(args.qubits, 0)).reshape(1, -1)
    program = compile_circuit(qft(args.qubits))
    times = []
    for _ in range(args.repeats + 1):
        start = time.perf_counter()
        execute(program, psi)
        times.append(time.perf_counter() - start)
    return float(np.median(times[1:])), min(times[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qubits", type=int, default=26)
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default="results/bench/distributed_qft.json")
    parser.add_argument("--rank", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--store", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--result", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rank is not None:
        _rank(args, args.rank, args.store, args.result)
        return
    load_before = os.getloadavg()
    single, single_best = _single(args)
    with tempfile.TemporaryDirectory() as tmp:
        store, result = os.path.join(tmp, "store"), os.path.join(tmp, "result.json")
        base = [sys.executable, __file__, "--qubits", str(args.qubits), "--ranks", str(args.ranks),
                "--repeats", str(args.repeats), "--store", store, "--result", result]
        procs = [subprocess.Popen(base + ["--rank", str(r)], env={**os.environ, "OMP_NUM_THREADS": "1"})
                 for r in range(args.ranks)]
        if any(p.wait() for p in procs):
            sys.exit("a rank failed")
        sharded = json.loads(Path(result).read_text())
    row = {"num_qubits": args.qubits, "ranks": args.ranks, "nproc": os.cpu_count(), "dtype": "complex128",
           "single_process_seconds": single, "single_process_best_seconds": single_best,
           "single_process_threads": args.ranks, **sharded, "ratio": sharded["seconds"] / single,
           "best_ratio": sharded["best_seconds"] / single_best,
           "load_average_1min": [load_before[0], os.getloadavg()[0]]}
    print(f"QFT of a random {args.qubits}-qubit state, complex128, nproc={os.cpu_count()}, median (best) of "
          f"{args.repeats}, load average {row['load_average_1min'][0]:.2f} -> {row['load_average_1min'][1]:.2f}")
    print(f"  single-process engine, {args.ranks} threads: {single:.3f} s ({single_best:.3f} s)")
    print(f"  sharded engine, {args.ranks} ranks x 1 thread (Gloo): {sharded['seconds']:.3f} s "
          f"({sharded['best_seconds']:.3f} s), ratio {row['ratio']:.2f} ({row['best_ratio']:.2f}); "
          f"{sharded['exchanges']} exchanges, "
          f"{sharded['bytes_sent'] / 2**20:.0f} MiB sent per rank, exchanges alone {sharded['exchange_seconds']:.3f} s")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(row, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
