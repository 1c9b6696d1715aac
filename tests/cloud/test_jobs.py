"""The SQLite job store: location, state machine, compare-and-set, WAL, concurrent writers."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

import qspectral.cloud.jobs as jobs_module
from qspectral.cloud.jobs import JobStore, default_store_path
from qspectral.cloud.program import circuit_hash
from qspectral.errors import JobNotFoundError, JobStateError, JobStoreBusyError

QASM = "OPENQASM 3.0;\nqubit[1] q;\n"


@pytest.fixture
def store(tmp_path) -> JobStore:
    return JobStore(tmp_path / "jobs.sqlite")


def test_default_location(monkeypatch, tmp_path):
    monkeypatch.delenv("QSPECTRAL_HOME", raising=False)
    assert default_store_path() == Path.home() / ".qspectral" / "jobs.sqlite"
    monkeypatch.setenv("QSPECTRAL_HOME", str(tmp_path / "elsewhere"))
    assert default_store_path() == tmp_path / "elsewhere" / "jobs.sqlite"
    assert JobStore().path.parent.is_dir()


def test_row_fields_and_history(store):
    job = store.create("ibm", "fake_manila", QASM, shots=100, num_bits=1)
    assert job.state == "created" and job.remote_id is None and job.pid == os.getpid()
    assert job.circuit_hash == circuit_hash(QASM) and job.circuit_qasm3 == QASM
    store.transition(job.id, "submitted", remote_id="r-1", submitted_at=1.0)
    store.transition(job.id, "running")
    done = store.transition(job.id, "done", counts={1: 60, 0: 40}, tv_distance=0.4)
    assert (done.state, done.remote_id, done.counts, done.tv_distance) == ("done", "r-1", {0: 40, 1: 60}, 0.4)
    assert [state for _, state, _ in store.events(job.id)] == ["created", "submitted", "running", "done"]
    assert done.terminal and store.list(("done",)) == [done] and store.list(("running",)) == []


def test_illegal_transitions_are_refused(store):
    job = store.create("local", "aer", QASM, shots=1, num_bits=1)
    with pytest.raises(JobStateError, match="'created' and cannot become 'done'"):
        store.transition(job.id, "done")
    with pytest.raises(JobStateError, match="unknown job state 'finished'"):
        store.transition(job.id, "finished")
    with pytest.raises(JobStateError, match="cannot update \\['shots'\\]"):
        store.transition(job.id, "submitted", shots=5)
    store.transition(job.id, "submitted", remote_id="r")
    store.transition(job.id, "cancelled")
    with pytest.raises(JobStateError, match="'cancelled' and cannot become 'running'"):
        store.transition(job.id, "running")


def test_compare_and_set_detects_a_concurrent_change(store):
    job = store.create("local", "aer", QASM, shots=1, num_bits=1)
    store.transition(job.id, "submitted", remote_id="r")
    store.transition(job.id, "running", expect="submitted")  # process A
    with pytest.raises(JobStateError, match="expected 'submitted'; another process changed it"):
        store.transition(job.id, "done", expect="submitted", counts={0: 1})  # process B, stale view
    assert store.get(job.id).state == "running"


def test_get_by_unique_prefix(store):
    ids = [store.create("local", "aer", QASM, shots=1, num_bits=1).id for _ in range(3)]
    assert store.get(ids[0][:12]).id == ids[0]
    assert store.get(ids[1][:8]).id == ids[1]
    with pytest.raises(JobNotFoundError, match="no job 'zzz'.*qspectral jobs list"):
        store.get("zzz")
    with pytest.raises(JobNotFoundError, match="several jobs"):
        store.get("")


def test_errors_are_redacted_before_storage(store, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrSENTINELbPxRfiCY")
    job = store.create("braket", "local", QASM, shots=1, num_bits=1)
    failed = store.transition(job.id, "failed", error="signature for wJalrSENTINELbPxRfiCY does not match")
    assert "SENTINEL" not in failed.error and "***" in failed.error
    assert b"SENTINEL" not in store.path.read_bytes()


def test_wal_journal(store):
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_stores_created_at_the_same_moment_all_open(tmp_path):
    # Switching a new file to WAL takes its lock without SQLite's busy handler: without a retry,
    # about one race in six between three openers failed with "database is locked" (as in CI).
    for trial in range(60):
        path, start, errors = tmp_path / f"race{trial}.sqlite", threading.Barrier(3), []

        def open_and_write():
            start.wait()
            try:
                JobStore(path).create("local", "aer", "OPENQASM 3.0;", shots=1, num_bits=1)
            except sqlite3.OperationalError as exc:
                errors.append(exc)

        threads = [threading.Thread(target=open_and_write) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len(JobStore(path).list()) == 3


def test_a_store_locked_too_long_names_the_file_and_keeps_its_rows(store, monkeypatch):
    job = store.create("local", "aer", "OPENQASM 3.0;", shots=1, num_bits=1)
    monkeypatch.setattr(jobs_module, "BUSY_TIMEOUT", 0.2)
    holder = sqlite3.connect(store.path, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    with pytest.raises(JobStoreBusyError, match=f"{store.path.name} stayed locked for 0 s; another process"):
        JobStore(store.path)
    holder.execute("ROLLBACK")
    holder.close()
    assert [j.id for j in JobStore(store.path).list()] == [job.id]
_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from qspectral.cloud import JobManager, JobStore, SamplingProgram, qft_roundtrip
    store_path, go, n = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    manager = JobManager(JobStore(store_path))
    program = SamplingProgram.from_circuit(qft_roundtrip(2, 1))
    while not go.exists():
        time.sleep(0.01)
    for _ in range(n):
        job = manager.submit(program, "local", shots=16)
        assert manager.wait(job.id).state == "done"
    """
)


@pytest.mark.slow
def test_two_processes_submitting_at_once_are_both_recorded(tmp_path):
    path, go = tmp_path / "jobs.sqlite", tmp_path / "go"
    JobStore(path)
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(path), str(go), "6"], stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    go.touch()  # both start submitting together, once imported
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    store = JobStore(path)
    jobs = store.list()
    assert len(jobs) == 12 and len({j.id for j in jobs}) == 12
    assert {j.pid for j in jobs} == {p.pid for p in procs}
    assert all(j.state == "done" and j.counts == {1: 16} for j in jobs)
    spans = [[j.created_at for j in jobs if j.pid == p.pid] for p in procs]
    assert max(map(min, spans)) < min(map(max, spans))  # the two processes wrote at the same time
    assert store.integrity_check() == "ok"
