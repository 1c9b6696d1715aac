"""``qspectral submit`` with dynamic circuits: Aer and IBM's fake backends run them, Braket refuses.

References are the closed forms in the header comments of ``tests/data/qasm/teleport_if.qasm``
and ``reset_reuse.qasm``; tolerances are the McDiarmid bound written out (noiseless Aer) or a
stated noise allowance (the fake device is noisy).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from qspectral.cli import main
from qspectral.cloud import JobStore

DATA = Path(__file__).parents[1] / "data" / "qasm"


def _submit(store: Path, capsys, *argv: str):
    assert main(["submit", *argv, "--store", str(store)]) == 0
    captured = capsys.readouterr()
    job = JobStore(store, mode="read").get(captured.out.splitlines()[0])
    return job, captured.out, JobStore(store, mode="read").events(job.id)


def test_teleportation_on_the_local_provider_matches_the_closed_form(tmp_path, capsys):
    shots = 4000
    job, out, events = _submit(tmp_path / "jobs.sqlite", capsys, str(DATA / "teleport_if.qasm"), "--shots", str(shots))
    assert job.state == "done" and job.num_bits == 3 and sum(job.counts.values()) == shots
    ideal = np.array([0.25 * (0.25 if x >> 2 == 0 else 0.75) for x in range(8)])
    freq = np.array([job.counts.get(x, 0) / shots for x in range(8)])
    bound = 0.5 * sum(math.sqrt(p * (1 - p) / shots) for p in ideal) + math.sqrt(math.log(1e6) / (2 * shots))
    assert 0.5 * np.abs(freq - ideal).sum() <= bound
    # No statevector: the stored record and the output say where the ideal distribution came from.
    assert "estimated from 20000 noiseless Aer shots (dynamic circuit: no statevector)" in events[-1][2]
    assert "(ideal distribution estimated from 20000 noiseless Aer shots" in out
    assert job.tv_distance is not None and job.tv_distance < 0.05


def test_reset_reuse_on_an_ibm_fake_backend(tmp_path, capsys):
    shots = 2000
    job, _, _ = _submit(tmp_path / "jobs.sqlite", capsys, str(DATA / "reset_reuse.qasm"), "--provider", "ibm",
                        "--backend", "fake_manila", "--shots", str(shots))
    assert job.state == "done" and job.provider == "ibm" and sum(job.counts.values()) == shots
    # Ideal: 0b110 and 0b111, half each. fake_manila's noise (readout and gate errors of a few %)
    # moves at most 15% of the shots elsewhere.
    good = job.counts.get(6, 0) + job.counts.get(7, 0)
    assert good / shots > 0.85
    assert abs(job.counts.get(6, 0) - job.counts.get(7, 0)) / good < 0.15


def test_braket_refuses_a_dynamic_circuit_before_recording_a_job(tmp_path, capsys):
    store = tmp_path / "jobs.sqlite"
    assert main(["submit", str(DATA / "teleport_if.qasm"), "--provider", "braket", "--store", str(store)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[-1].startswith("qspectral: error: the circuit is dynamic") and "--provider local or --provider ibm" in err[-1]
    assert JobStore(store, mode="read").list() == []
