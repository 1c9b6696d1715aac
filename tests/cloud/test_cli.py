"""`qspectral submit` and `qspectral jobs`: output, result files, store location, error messages."""

from __future__ import annotations

import json

import pytest
from qiskit import QuantumCircuit, qasm2, qasm3

from qspectral.cli import main
from qspectral.cloud import JobStore


def _basis_file(tmp_path, version: int):
    """X on qubits 0 and 2 of 4, all measured: outcome 5, bitstring '0101'."""
    qc = QuantumCircuit(4, 4)
    qc.x([0, 2])
    qc.measure(range(4), range(4))
    path = tmp_path / f"basis{version}.qasm"
    path.write_text(qasm2.dumps(qc) if version == 2 else qasm3.dumps(qc))
    return path


def test_submit_qft_locally(home, capsys):
    assert main(["submit", "qft", "--qubits", "3", "--input", "6", "--shots", "100"]) == 0
    out = capsys.readouterr().out.splitlines()
    job = JobStore().get(out[0])
    assert (job.state, job.counts, job.tv_distance) == ("done", {6: 100}, 0.0)
    assert (job.provider, job.backend) == ("local", "aer")
    assert out[2].split() == ["110", "6", "100", "1.000", "1.000"]
    assert out[-1] == "total-variation distance to ideal: 0.0000 (100 shots)"


@pytest.mark.parametrize("version", [2, 3])
def test_qasm_file_on_braket_local_and_result_file(home, tmp_path, capsys, version):
    pytest.importorskip("braket", reason="the [cloud] extra is not installed")
    path = _basis_file(tmp_path, version)
    assert main(["submit", str(path), "--provider", "braket", "--shots", "30", "--wait"]) == 0
    job_id = capsys.readouterr().out.splitlines()[0]
    out_file = tmp_path / "counts.json"
    assert main(["jobs", "fetch", job_id[:6], "--out", str(out_file)]) == 0
    data = json.loads(out_file.read_text())
    assert data["counts"] == {"5": 30} and data["counts_by_bitstring"] == {"0101": 30} and data["tv_distance"] == 0.0 and data["backend"] == "local"
    assert "rightmost character = classical bit 0" in data["bit_order"]


def test_fake_ibm_backend_with_wait(home, capsys):
    pytest.importorskip("qiskit_ibm_runtime", reason="the [cloud] extra is not installed")
    assert main(["submit", "qft", "--qubits", "3", "--input", "3", "--provider", "ibm", "--backend", "fake_manila",
                 "--shots", "500", "--wait"]) == 0
    captured = capsys.readouterr()
    job = JobStore().get(captured.out.splitlines()[0])
    assert job.state == "done" and max(job.counts, key=job.counts.get) == 3 and 0 < job.tv_distance < 0.6
    assert "on ibm/fake_manila: done" in captured.err


def test_list_status_and_store_flag(home, tmp_path, capsys):
    store = tmp_path / "elsewhere.sqlite"
    assert main(["submit", "qft", "--qubits", "2", "--store", str(store)]) == 0
    job_id = capsys.readouterr().out.splitlines()[0]
    assert store.exists() and not (home / "jobs.sqlite").exists()
    assert main(["jobs", "list", "--store", str(store)]) == 0
    listing = capsys.readouterr().out
    assert job_id in listing and "local/aer" in listing and "done" in listing
    assert main(["jobs", "status", job_id, "--store", str(store)]) == 0
    status = capsys.readouterr().out
    assert "state      done" in status and "history" in status and "submitted" in status
    assert main(["jobs", "sync", "--store", str(store)]) == 0
    assert "nothing to sync" in capsys.readouterr().out


def test_remote_job_without_wait_then_fetch(ibm_net, server, home, capsys):
    assert main(["submit", "qft", "--qubits", "3", "--provider", "ibm", "--backend", "ibm_brisbane"]) == 0
    captured = capsys.readouterr()
    job_id = captured.out.strip()
    assert "follow it with `qspectral jobs status" in captured.err
    (remote,) = server.jobs()
    server.set_status(remote, "RUNNING")
    assert main(["jobs", "fetch", job_id]) == 1
    assert "is 'running', not done" in capsys.readouterr().err
    server.set_status(remote, "DONE")
    assert main(["jobs", "fetch", job_id, "--compare"]) == 0
    assert "total-variation distance to ideal: 0.0000" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["submit", "qft"], "needs --qubits N"),
        (["submit", "qft", "--qubits", "2", "--shots", "0"], "argument --shots: 0 is out of range"),
        (["submit", "qft", "--qubits", "2", "--backend", "ibm_brisbane"], "one backend, 'aer'"),
        (["submit", "missing.qasm"], "no circuit file 'missing.qasm'; check the path"),
        (["jobs", "fetch", "nope"], "no job store at"),  # the jobs commands never create a store
        (["jobs", "cancel", "nope"], "no job store at"),
    ],
)
def test_errors(home, capsys, argv, message):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_qasm_file_with_qubits_flag_and_cancel_done_job(home, tmp_path, capsys):
    path = _basis_file(tmp_path, 3)
    assert main(["submit", str(path), "--qubits", "4"]) == 2
    assert "apply to the keyword 'qft' only" in capsys.readouterr().err
    assert main(["submit", str(path), "--shots", "10"]) == 0
    job_id = capsys.readouterr().out.splitlines()[0]
    assert main(["jobs", "cancel", job_id]) == 2
    assert "already 'done'" in capsys.readouterr().err


def test_a_locked_store_is_a_clear_error_and_keeps_the_jobs(home, capsys, monkeypatch):
    import sqlite3

    import qspectral.cloud.jobs as jobs_module

    assert main(["submit", "qft", "--qubits", "2", "--input", "1", "--shots", "10"]) == 0
    job_id = capsys.readouterr().out.splitlines()[0]
    monkeypatch.setattr(jobs_module, "BUSY_TIMEOUT", 0.2)
    holder = sqlite3.connect(JobStore().path, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    assert main(["jobs", "list"]) == 2
    assert "stayed locked for 0 s; another process holds it" in capsys.readouterr().err
    holder.execute("ROLLBACK")
    holder.close()
    assert main(["jobs", "list"]) == 0 and job_id in capsys.readouterr().out
