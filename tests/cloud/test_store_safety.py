"""The job store fails safe: missing, corrupt, a folder, read-only readers, and a lock held by another process."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from qspectral.cli import main
from qspectral.cloud import JobStore
from qspectral.errors import JobStoreBusyError, JobStoreMissingError, JobStoreUnusableError


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("qspectral: error: ") and "Traceback" not in err, err
    return err


def test_read_commands_never_create_a_store(home, tmp_path, capsys):
    for argv in (["jobs", "list"], ["jobs", "sync"], ["jobs", "status", "x"], ["jobs", "fetch", "x"],
                 ["jobs", "cancel", "x"], ["jobs", "resubmit", "x"]):
        assert main(argv) == 2
        assert f"no job store at {home / 'jobs.sqlite'}" in _one_error_line(capsys)
    assert not home.exists()
    with pytest.raises(JobStoreMissingError, match="the folder .*nonexistent does not exist"):
        JobStore(tmp_path / "nonexistent" / "x.sqlite")
    assert not (tmp_path / "nonexistent").exists()


def test_a_corrupt_store_is_named_and_left_untouched(home, tmp_path, capsys):
    path = tmp_path / "jobs.sqlite"
    garbage = b"this is not an SQLite file\n" * 200
    path.write_bytes(garbage)
    for argv in (["jobs", "list"], ["jobs", "sync"], ["submit", "qft", "--qubits", "2"]):
        assert main([*argv, "--store", str(path)]) == 2
        err = _one_error_line(capsys)
        assert f"the job store {path} is not a readable SQLite database" in err
        assert f"mv {path} {path}.broken" in err
    assert path.read_bytes() == garbage


def test_a_folder_is_not_a_store(tmp_path, capsys):
    assert main(["jobs", "list", "--store", str(tmp_path)]) == 2
    assert f"give a file such as --store {tmp_path / 'jobs.sqlite'}" in _one_error_line(capsys)
    with pytest.raises(JobStoreUnusableError, match="is a folder"):
        JobStore(tmp_path)


def test_jobs_list_reads_without_writing(home, capsys):
    assert main(["submit", "qft", "--qubits", "2", "--shots", "10"]) == 0
    job_id = capsys.readouterr().out.splitlines()[0]
    path = home / "jobs.sqlite"
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    assert main(["jobs", "list"]) == 0 and job_id in capsys.readouterr().out
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    with pytest.raises(Exception, match="readonly"):  # the read-only connection really refuses writes
        JobStore(path, mode="read")._retry(lambda conn: conn.execute("DELETE FROM jobs"))
    assert JobStore(path, mode="read").get(job_id).state == "done"


HOLDER = textwrap.dedent("""
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("PRAGMA locking_mode=EXCLUSIVE")
    conn.execute("BEGIN EXCLUSIVE")
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    conn.execute("ROLLBACK")
""")


def _hold_lock(path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_store_locked_by_another_process_shows_the_wait_then_gives_up(home, capsys, monkeypatch):
    import qspectral.cloud.jobs as jobs_module

    assert main(["submit", "qft", "--qubits", "2", "--shots", "10"]) == 0
    job_id = capsys.readouterr().out.splitlines()[0]
    monkeypatch.setattr(jobs_module, "BUSY_TIMEOUT", 2.9)  # a report at 1 s and at 2 s, then the refusal
    holder = _hold_lock(home / "jobs.sqlite", 30)
    try:
        assert main(["jobs", "list"]) == 2
        err = capsys.readouterr().err.splitlines()
        assert "locked by another process; waited 1 s" in err[0] and "waited 2 s" in err[1]
        assert err[-1].startswith("qspectral: error: the job store") and "stayed locked for 3 s" in err[-1]
        with pytest.raises(JobStoreBusyError):
            JobStore(home / "jobs.sqlite", mode="write").get(job_id)
    finally:
        holder.kill()
        holder.wait()
    assert main(["jobs", "list"]) == 0 and job_id in capsys.readouterr().out


def test_a_short_lock_is_waited_out(home, capsys):
    assert main(["submit", "qft", "--qubits", "2", "--shots", "10"]) == 0
    job_id = capsys.readouterr().out.splitlines()[0]
    holder = _hold_lock(home / "jobs.sqlite", 2.0)
    try:
        assert main(["jobs", "status", job_id]) == 0
        captured = capsys.readouterr()
        assert "state      done" in captured.out and "locked by another process; waited 1 s" in captured.err
    finally:
        holder.wait(timeout=30)


def test_an_interrupted_submit_exits_130_and_sync_then_resubmit_recover_it(home, tmp_path):
    import signal
    from pathlib import Path

    script = str(Path(sys.executable).with_name("qspectral"))
    store = str(tmp_path / "jobs.sqlite")
    proc = subprocess.Popen([script, "submit", "qft", "--qubits", "20", "--shots", "10000000", "--store", store],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    job_id = proc.stdout.readline().strip()  # recorded and sent; now running in that process
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "Traceback" not in err
    assert f"job {job_id} was left unfinished in the job store; run `qspectral jobs sync`" in err

    def cli(*argv):
        return subprocess.run([script, *argv, "--store", store], capture_output=True, text=True, timeout=300)

    cancel = cli("jobs", "cancel", job_id)
    assert cancel.returncode == 2 and "`qspectral jobs sync` marks the job needs_resubmit" in cancel.stderr
    sync = cli("jobs", "sync")
    assert sync.returncode == 0 and f"{job_id}  needs_resubmit" in sync.stdout
    assert JobStore(store, mode="read").get(job_id).state == "needs_resubmit"
