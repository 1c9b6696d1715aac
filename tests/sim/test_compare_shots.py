"""``compare(..., shots=N)`` and ``qspectral compare --shots``: sampled counts against independent references.

References: Qiskit's ``Statevector`` of each file's unitary part with its read-out mapped by hand
(classical bit ``j`` <- the qubit measured into it), and closed forms for the dynamic circuits
(see the header comments of ``tests/data/qasm/teleport_if.qasm`` and ``reset_reuse.qasm``). Every
sampler is seeded; the tolerance is the stated McDiarmid bound (a correct sampler exceeds it with
probability <= 1e-6), recomputed here from its formula.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from qiskit import QuantumCircuit, qasm2
from qiskit.quantum_info import Statevector

from qspectral.cli import main
from qspectral.quantum.qasm import load_qasm
from qspectral.sim.compare import compare

DATA = Path(__file__).parents[1] / "data" / "qasm"
CPU = ["aer", "lightning", "default.qubit", "engine", "qiskit"]
SHOTS = 4000


def _bound(p: np.ndarray, shots: int) -> float:
    """``1/2 sum sqrt(p(1-p)/N) + sqrt(ln(1e6)/(2N))``, written out independently."""
    return 0.5 * sum(math.sqrt(x * (1 - x) / shots) for x in p) + math.sqrt(math.log(1e6) / (2 * shots))


def _tv(counts: dict, p: np.ndarray) -> float:
    shots = sum(counts.values())
    q = np.zeros_like(p)
    for k, v in counts.items():
        q[int(k)] = v / shots
    return 0.5 * float(np.abs(q - p).sum())


def _file_reference(name: str) -> np.ndarray:
    """P(classical bits) of a file with final measurements, from Statevector and a hand mapping."""
    circuit = qasm2.load(str(DATA / name), custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    reads = {circuit.find_bit(i.clbits[0]).index: circuit.find_bit(i.qubits[0]).index
             for i in circuit.data if i.operation.name == "measure"}
    probs = Statevector(circuit.remove_final_measurements(inplace=False)).probabilities()
    ideal = np.zeros(2**circuit.num_clbits)
    for index, p in enumerate(probs):
        ideal[sum(((index >> q) & 1) << c for c, q in reads.items())] += p
    return ideal


@pytest.mark.parametrize("name", ["qft_n4.qasm", "bell_n4.qasm", "adder_n4.qasm"])
def test_suite_files_sample_within_the_bound_on_every_cpu_backend(name):
    ideal = _file_reference(name)
    rows = compare(load_qasm(DATA / name), CPU, shots=SHOTS, seed=7, repeats=1)
    assert [r.backend for r in rows] == CPU
    for row in rows:
        assert sum(row.counts.values()) == SHOTS
        assert row.tv_distance == pytest.approx(_tv(row.counts, ideal), abs=1e-12)
        assert row.tv_bound == pytest.approx(_bound(ideal, SHOTS))
        assert row.passed and row.tv_distance <= _bound(ideal, SHOTS), row


def test_classical_bits_as_written_in_qiskit_bit_order():
    # X on qubit 2, read into classical bit 0; qubit 0 (|0>) into bit 1: outcome 0b01 on every shot.
    qc = QuantumCircuit(3, 2)
    qc.x(2)
    qc.measure([2, 0], [0, 1])
    for row in compare(qc, CPU, shots=50, seed=1, repeats=1):
        assert row.counts == {1: 50}, row.backend


def test_a_wrong_sampler_fails_the_bound():
    # Counts drawn from the wrong distribution (qubit flipped) must exceed the bound: the check can fail.
    from qspectral.quantum.measurements import sample_counts, tv_bound, tv_distance

    ideal = np.array([0.75, 0.25])
    wrong = sample_counts(np.array([0.25, 0.75]), SHOTS, seed=0)
    assert tv_distance(wrong, ideal) > tv_bound(ideal, SHOTS)


def test_teleportation_with_if_runs_on_aer_and_matches_the_closed_form():
    # c0, c1 uniform; c2 = 1 with probability sin(pi/3)^2 = 3/4 (outcome bit 2 is c2).
    ideal = np.array([0.25 * (0.25 if x >> 2 == 0 else 0.75) for x in range(8)])
    rows = compare(load_qasm(DATA / "teleport_if.qasm"), CPU, shots=SHOTS, seed=3, repeats=1)
    aer = rows[0]
    assert aer.backend == "aer" and aer.passed
    assert _tv(aer.counts, ideal) <= _bound(ideal, SHOTS)
    for row in rows[1:]:
        assert row.skipped and not row.error and "needs a unitary circuit" in row.note, row


def test_reset_reuse_and_mid_circuit_measurement_on_aer():
    # reset_reuse: c0 uniform, c1 = c2 = 1 -> outcomes 0b110 and 0b111, half each.
    row = compare(load_qasm(DATA / "reset_reuse.qasm"), ["aer"], shots=SHOTS, seed=5, repeats=1)[0]
    assert set(row.counts) == {6, 7} and row.passed
    assert abs(row.counts[6] / SHOTS - 0.5) <= _bound(np.array([0.5, 0.5]), SHOTS)
    # QASMBench's semiclassical inverse QFT of the uniform superposition reads 0 on every shot.
    row = compare(load_qasm(DATA / "inverseqft_n4.qasm"), ["aer"], shots=500, seed=5, repeats=1)[0]
    assert row.counts == {0: 500} and row.passed


def test_cli_compare_shots_lists_the_unitary_only_backends_and_writes_counts(tmp_path, capsys):
    out = tmp_path / "shots.json"
    status = main(["compare", "--circuit", str(DATA / "teleport_if.qasm"), "--shots", "2000", "--repeats", "1",
                   "--backends", "aer", "engine", "--out", str(out)])
    printed = capsys.readouterr().out
    assert status == 0, printed
    assert "estimate from 20000 Aer shots" in printed.splitlines()[0]
    assert "needs a unitary circuit (instruction 7 is a classical 'if_else')" in printed
    rows = json.loads(out.read_text())
    assert rows[0]["backend"] == "aer" and sum(rows[0]["counts"].values()) == 2000
    assert rows[1]["backend"] == "engine" and rows[1]["counts"] is None and rows[1]["median_seconds"] is None


def test_cli_compare_shots_fails_when_only_unitary_backends_are_asked_for_a_dynamic_circuit(capsys):
    assert main(["compare", "--circuit", str(DATA / "reset_reuse.qasm"), "--shots", "10",
                 "--backends", "engine"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no backend could run it (engine: needs a unitary circuit" in err
