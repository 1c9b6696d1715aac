"""One rank of the sharded-engine tests: ``python distributed_worker.py SPEC.json RANK``.

The test starts one process per rank (as ``torchrun`` would) with a shared file store; each
runs the job named in the spec inside one process group, and rank 0 writes what it measured
to ``spec["out"]`` as JSON. References are independent of the sharded engine: the
single-process engine (:func:`~qspectral.sim.engine.run.run_circuit`), Qiskit's ``Statevector``
and ``numpy.fft``.
"""

from __future__ import annotations

import json
import os
import sys
import time

import numpy as np


def random_circuit(num_qubits: int, seed: int, local: int):
    """A seeded circuit that exercises every kind of step on local and global qubits.

    QFT blocks on random subsets (forward/inverse, with and without swaps, the top qubit
    included half the time), textbook QFTs as h/cp gates, one- and two-qubit gates on the top
    (global) qubits, multi-qubit diagonals across the boundary, uniformly controlled RY.
    """
    from qiskit import QuantumCircuit
    from qiskit.circuit.library import MCPhaseGate, UCRYGate, QFTGate

    from qspectral import qft

    rng = np.random.default_rng(seed)
    n = num_qubits
    qc = QuantumCircuit(n)
    top = list(range(n - 2, n))

    def pick(k: int, global_too: bool = True) -> list[int]:
        chosen = [int(q) for q in rng.choice(n, size=k, replace=False)]
        if global_too and rng.random() < 0.5 and top[-1] not in chosen:
            chosen[0] = top[-1]
        return chosen

    for q in range(n):
        qc.ry(float(rng.uniform(0, np.pi)), q)
        qc.rz(float(rng.uniform(0, np.pi)), q)
    kinds = ["qft", "qft", "one", "one", "two", "two", "diag", "textbook", "ucry", "swap"] + (["ccx"] if local >= 3 else [])
    for _ in range(int(rng.integers(6, 14))):
        kind = rng.choice(kinds)
        if kind == "qft":
            subset = pick(int(rng.integers(1, n + 1)))
            qc.compose(qft(n, subset, inverse=bool(rng.random() < 0.5), do_swaps=bool(rng.random() < 0.5)), inplace=True)
        elif kind == "textbook":
            subset = pick(int(rng.integers(2, min(n, 6) + 1)))
            gate = QFTGate(len(subset))
            block = QuantumCircuit(len(subset)); block.append(gate, range(len(subset)))
            block = block.decompose(reps=3)
            qc.compose(block.inverse() if rng.random() < 0.5 else block, subset, inplace=True)
        elif kind == "one":
            q = top[-1] if rng.random() < 0.5 else int(rng.integers(n))
            getattr(qc, str(rng.choice(["h", "sx", "x"])))(q)
            qc.u(*map(float, rng.uniform(0, np.pi, 3)), q)
        elif kind == "two":
            a, b = pick(2)
            name = str(rng.choice(["cx", "crx", "rzz", "cp", "cz"]))
            if name in ("cx", "cz"):
                getattr(qc, name)(a, b)
            else:
                getattr(qc, name)(float(rng.uniform(0, np.pi)), a, b)
        elif kind == "swap":
            qc.swap(*pick(2))
        elif kind == "diag":
            wires = pick(int(rng.integers(2, min(n, 5) + 1)))
            qc.append(MCPhaseGate(float(rng.uniform(0, np.pi)), len(wires) - 1), wires)
        elif kind == "ucry":
            wires = pick(int(rng.integers(1, min(n, 3) + 1)))
            qc.append(UCRYGate(list(map(float, rng.uniform(0, np.pi, 2 ** (len(wires) - 1))))), wires)
        else:
            qc.ccx(*pick(3))
    qc.global_phase = float(rng.uniform(0, 1))
    return qc


def _random(spec: dict, comm) -> dict:
    import torch
    from qiskit.quantum_info import Statevector

    from qspectral.conventions import random_state
    from qspectral.sim.engine.distributed import compile_for, execute_sharded, gather_state, local_slice
    from qspectral.sim.engine.run import run_circuit

    rows = []
    for seed in spec["seeds"]:
        n = int(4 + seed % 9) if seed % 10 else int(16 + seed % 5)  # n = 4..12 mostly, 16..20 every tenth
        n = max(n, 2 * comm.global_bits)
        circuit = random_circuit(n, seed, n - comm.global_bits)
        psi = random_state(n, seed)
        shard = local_slice(torch.as_tensor(psi).reshape(1, -1), comm)
        out, stats = execute_sharded(compile_for(circuit, comm), shard, comm)
        full = gather_state(out, comm)
        if comm.rank == 0:
            engine = run_circuit(circuit, psi)[0].numpy()
            row = {"seed": seed, "n": n, "exchanges": stats.exchanges,
                   "error": float(np.abs(full[0].numpy() - engine).max())}
            if n <= 10:
                row["error_vs_qiskit"] = float(np.abs(full[0].numpy() - Statevector(psi).evolve(circuit).data).max())
            rows.append(row)
    return {"rows": rows}


def _qft(spec: dict, comm) -> dict:
    import torch

    from qspectral import qft
    from qspectral.conventions import random_state
    from qspectral.sim.engine.distributed import compile_for, execute_sharded, gather_state, local_slice

    n = spec["qubits"]
    psi = random_state(n, spec.get("seed", 0))
    results = {}
    for name, kwargs in spec["variants"].items():
        circuit = qft(n, **kwargs)
        start = time.perf_counter()
        out, stats = execute_sharded(compile_for(circuit, comm), local_slice(torch.as_tensor(psi).reshape(1, -1), comm), comm)
        seconds = time.perf_counter() - start
        full = gather_state(out, comm)
        if comm.rank == 0:
            index = np.arange(2**n)
            rev = sum(((index >> b) & 1) << (n - 1 - b) for b in range(n))
            swaps = kwargs.get("do_swaps", True)
            if kwargs.get("inverse"):  # without swaps the inverse reads a bit-reversed input
                expect = np.fft.fft(psi if swaps else psi[rev]) / np.sqrt(2**n)
            else:  # without swaps the forward output is bit-reversed
                expect = np.sqrt(2**n) * np.fft.ifft(psi)
                expect = expect if swaps else expect[rev]
            results[name] = {"error": float(np.abs(full[0].numpy() - expect).max()), "exchanges": stats.exchanges,
                             "bytes_sent": stats.bytes_sent, "seconds": seconds}
    return results


def _die(spec: dict, comm) -> dict:
    """Rank 1 dies before the QFT's first exchange; rank 0 reports what it saw and when."""
    import torch

    from qspectral import qft
    from qspectral.errors import RankFailureError
    from qspectral.sim.engine.distributed import compile_for, execute_sharded, local_slice

    n = spec["qubits"]
    torch.distributed.barrier()  # both ranks are connected: the death is seen by the exchange, not by the set-up
    if comm.rank == 1:
        os._exit(17)
    start = time.perf_counter()
    try:
        execute_sharded(compile_for(qft(n), comm), local_slice(torch.ones(1, 2**n, dtype=torch.complex128) / 2 ** (n / 2), comm), comm)
    except RankFailureError as exc:
        return {"error": str(exc), "seconds": time.perf_counter() - start}
    return {"error": None, "seconds": time.perf_counter() - start}


JOBS = {"random": _random, "qft": _qft, "die": _die}


def main(spec_path: str, rank: int) -> None:
    import torch

    from qspectral.sim.engine import distributed
    from qspectral.sim.engine.distributed import init_process_group

    torch.set_num_threads(1)
    with open(spec_path) as fh:
        spec = json.load(fh)
    distributed.PIECE_BITS = spec.get("piece_bits", distributed.PIECE_BITS)  # small: exchanges in many pieces
    comm = init_process_group("gloo", init_method=f"file://{spec['store']}", rank=rank, world_size=spec["world"],
                              timeout_s=spec.get("timeout", 60))
    result = JOBS[spec["job"]](spec, comm)
    if comm.rank == 0:
        with open(spec["out"], "w") as fh:
            json.dump(result, fh)
    os._exit(0)  # no teardown handshake: a peer may already be gone (the "die" job)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
