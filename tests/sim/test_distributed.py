"""The sharded engine (:mod:`qspectral.sim.engine.distributed`) on Gloo, 2 and 4 ranks on this machine.

Each test starts its ranks once, as separate processes sharing a file store (what ``torchrun``
does), and runs many circuits inside that one process group (see ``distributed_worker.py``).
References are independent of the sharded code: the single-process engine, Qiskit's
``Statevector`` and ``numpy.fft``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from qspectral import qft
from qspectral.errors import InvalidParameterError
from qspectral.sim.engine.distributed import Comm, check_shardable, compile_for, execute_sharded

WORKER = Path(__file__).with_name("distributed_worker.py")


def launch(tmp_path: Path, world: int, job: str, wait: float = 240, **spec) -> tuple[dict, list[int]]:
    """Run ``job`` on ``world`` rank processes; rank 0's JSON result and every exit code."""
    spec = {"job": job, "world": world, "store": str(tmp_path / f"store-{job}-{world}"),
            "out": str(tmp_path / f"out-{job}-{world}.json"), **spec}
    spec_path = tmp_path / f"spec-{job}-{world}.json"
    spec_path.write_text(json.dumps(spec))
    procs = [subprocess.Popen([sys.executable, str(WORKER), str(spec_path), str(rank)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for rank in range(world)]
    codes, logs = [], []
    for proc in procs:
        out, _ = proc.communicate(timeout=wait)
        codes.append(proc.returncode)
        logs.append(out)
    result_path = Path(spec["out"])
    assert result_path.exists(), "rank 0 wrote no result:\n" + "\n".join(logs)[-3000:]
    return json.loads(result_path.read_text()), codes


@pytest.mark.slow
@pytest.mark.parametrize("world", [2, 4])
def test_random_circuits_agree_with_the_single_process_engine(tmp_path, world):
    """60 seeded circuits per rank count (120 in all), n = 4..20: QFT blocks on random subsets
    with global qubits, inverse and no-swap ones, gates on global qubits, diagonals across the
    boundary, multiplexed RY; complex128, to 1e-12 (and to Qiskit's Statevector for n <= 10).
    On 2 ranks the exchanges send in pieces of 2**3 amplitudes (many pieces, double-buffered),
    on 4 in one piece per partner."""
    pieces = {"piece_bits": 3} if world == 2 else {}
    result, codes = launch(tmp_path, world, "random", seeds=list(range(60 * world, 60 * world + 60)), **pieces)
    rows = result["rows"]
    assert codes == [0] * world and len(rows) == 60
    assert {r["n"] for r in rows} >= {2 * (world // 2) + 2, 8, 12} and max(r["n"] for r in rows) >= 16
    worst = max(rows, key=lambda r: r["error"])
    assert worst["error"] < 1e-12, worst
    checked = [r for r in rows if "error_vs_qiskit" in r]
    assert len(checked) > 30 and max(r["error_vs_qiskit"] for r in checked) < 1e-12
    assert sum(r["exchanges"] for r in rows) > 60  # the global qubits were really exchanged


@pytest.mark.slow
def test_qft_of_a_random_24_qubit_state_over_4_ranks_is_sqrt_n_ifft(tmp_path):
    result, codes = launch(tmp_path, 4, "qft", qubits=24, variants={"forward": {}})
    assert codes == [0] * 4
    assert result["forward"]["error"] < 1e-12


@pytest.mark.slow
@pytest.mark.parametrize("world", [2, 4])
def test_a_full_qft_needs_the_minimum_number_of_exchanges(tmp_path, world):
    """Block-distributed input, plain-order output (see the module docstring of distributed.py):
    2 exchanges for the transform itself; Qiskit's QFT with swaps leaves its top output bits local,
    so one more restores the plain order (the six-step FFT's three transposes); without swaps 2;
    an inverse without swaps reads its global bits last. Each exchange sends (1 - 1/world) of a shard."""
    n = 12
    variants = {"forward": {}, "inverse": {"inverse": True}, "forward_no_swaps": {"do_swaps": False},
                "inverse_no_swaps": {"inverse": True, "do_swaps": False}}
    result, codes = launch(tmp_path, world, "qft", qubits=n, variants=variants)
    assert codes == [0] * world
    assert {name: r["exchanges"] for name, r in result.items()} == {
        "forward": 3, "inverse": 3, "forward_no_swaps": 2, "inverse_no_swaps": 2}
    shard_bytes = 2**n // world * 16
    for r in result.values():
        assert r["error"] < 1e-12
        assert r["bytes_sent"] == r["exchanges"] * shard_bytes * (world - 1) // world


@pytest.mark.slow
def test_a_rank_that_dies_makes_the_others_fail_clearly_not_hang(tmp_path):
    start = time.perf_counter()
    result, codes = launch(tmp_path, 2, "die", qubits=16, wait=120, timeout=30)
    assert codes[1] == 17 and codes[0] == 0
    assert result["error"] is not None and "another rank died" in result["error"]
    assert result["seconds"] < 30 and time.perf_counter() - start < 120


def test_one_rank_runs_the_program_with_every_qubit_local():
    """World size 1 needs no process group: the same code path, no exchange, numpy's FFT as reference."""
    from qspectral.conventions import apply_qft, random_state

    psi = random_state(6, 3)
    for kwargs in ({}, {"inverse": True}, {"do_swaps": False}, {"inverse": True, "do_swaps": False}):
        out, stats = execute_sharded(compile_for(qft(6, [4, 0, 2], **kwargs), Comm.single()),
                                     torch.as_tensor(psi).reshape(1, -1), Comm.single())
        assert stats.exchanges == 0
        assert np.abs(out[0].numpy() - apply_qft(psi, [4, 0, 2], **kwargs)).max() < 1e-12


def test_too_many_ranks_for_the_circuit_are_refused_before_any_work():
    program = compile_for(qft(5), Comm(0, 8))
    with pytest.raises(InvalidParameterError, match="use at most 4 ranks"):
        check_shardable(program, Comm(0, 8))


def _cli(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qspectral.cli", *argv], capture_output=True, text=True,
                          cwd=cwd, timeout=240)


@pytest.mark.slow
def test_qspectral_run_on_two_ranks_writes_the_qft_assembled_and_per_rank(tmp_path):
    """``--ranks 2`` starts two processes through torchrun; both outputs equal sqrt(N) ifft."""
    from qspectral.conventions import random_state

    psi = random_state(12, 5)
    np.save(tmp_path / "psi.npy", psi)
    expect = np.sqrt(2**12) * np.fft.ifft(psi)
    done = _cli("run", "qft", "--qubits", "12", "--ranks", "2", "--initial-state", "psi.npy", "--out", "out.npy",
                "--probs", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "on 2 rank(s)" in done.stdout and "3 exchange(s)" in done.stdout
    assert np.abs(np.load(tmp_path / "out.npy") - expect).max() < 1e-12
    top = np.argsort(np.abs(expect) ** 2)[::-1][:2]
    assert all(f"{i:012b}" in done.stdout for i in top)

    done = _cli("run", "qft", "--qubits", "12", "--ranks", "2", "--initial-state", "psi.npy", "--out", "split.npy",
                "--split-out", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    index = json.loads((tmp_path / "split.index.json").read_text())
    parts = [np.load(tmp_path / f["file"]) for f in index["files"]]
    assert [f["offset"] for f in index["files"]] == [0, 2**11]
    assert np.abs(np.concatenate(parts) - expect).max() < 1e-12


def test_qspectral_run_on_a_single_process_backend(tmp_path):
    from qiskit import QuantumCircuit, qasm2

    from qspectral.cli import main

    qc = QuantumCircuit(3)
    qc.h(0)
    qc.cx(0, 2)
    (tmp_path / "bell.qasm").write_text(qasm2.dumps(qc))
    assert main(["run", str(tmp_path / "bell.qasm"), "--backend", "aer", "--out", str(tmp_path / "o.npy")]) == 0
    expect = np.zeros(8)
    expect[[0, 5]] = 2**-0.5
    assert np.abs(np.load(tmp_path / "o.npy") - expect).max() < 1e-12


def test_a_state_too_big_for_a_rank_is_refused_before_any_work(tmp_path, capsys):
    from qspectral.cli import main
    from qspectral.errors import InsufficientMemoryError
    from qspectral.sim.memory import check_rank_memory

    with pytest.raises(InsufficientMemoryError, match=r"needs 48 GiB per rank .* use at least 1024 ranks"):
        check_rank_memory(34, 16, "complex128", 2**30, where="rank 0")
    assert main(["run", "qft", "--qubits", "44", "--out", str(tmp_path / "o.npy")]) == 2
    assert "per rank" in capsys.readouterr().err
    assert not (tmp_path / "o.npy").exists()


@pytest.mark.parametrize("argv, message", [
    (["--ranks", "3"], "power of two"),
    (["--backend", "nope"], "unknown backend"),
    (["--shots", "-1"], "--shots: -1 is out of range; give an integer >= 0"),
    (["--out", "state.txt"], ".npy"),
])
def test_bad_run_options_are_refused_with_the_fix(argv, message, capsys):
    from qspectral.cli import main

    assert main(["run", "qft", "--qubits", "4", *argv]) == 2
    assert message in capsys.readouterr().err
