"""Every subcommand against a table of bad arguments: exit status 2, one line, no traceback.

Each message is matched against the fragment a user needs (what is wrong, and how to fix it); each
case also proves that nothing ran (the commands would take seconds or write files otherwise).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qspectral.cli import main

DATA = Path(__file__).parent / "data" / "qasm"


@pytest.fixture
def env(tmp_path, monkeypatch):
    """An empty QSPECTRAL_HOME, an existing file, a folder and a job store with one finished job."""
    monkeypatch.setenv("QSPECTRAL_HOME", str(tmp_path / "home"))
    (tmp_path / "file.txt").write_text("not a folder\n")
    (tmp_path / "folder").mkdir()
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "manifest.json").write_text('{"circuits": [')
    (tmp_path / "dangling").mkdir()
    (tmp_path / "dangling" / "manifest.json").write_text(
        (Path(__file__).parents[1] / "circuits" / "manifest.json").read_text())
    store = tmp_path / "jobs.sqlite"
    assert main(["submit", "qft", "--qubits", "2", "--shots", "10", "--store", str(store)]) == 0
    return tmp_path


BAD = [
    # (argv with {tmp} for the fixture's folder, fragment of the one-line message)
    (["compare", "--qubits", "-3"], "argument --qubits: -3 is out of range; give an integer between 1 and 64"),
    (["compare", "--qubits", "three"], "argument --qubits: 'three' is not an integer"),
    (["compare", "--qubits", "4", "--seed", "-1"], "argument --seed: -1 is out of range; give an integer >= 0"),
    (["compare", "--qubits", "4", "--repeats", "0"], "argument --repeats: 0 is out of range"),
    (["compare", "--circuit", "random", "--qubits", "4", "--depth", "-1"], "argument --depth: -1 is out of range"),
    (["compare", "--circuit", "random"], "--circuit random needs --qubits N"),
    (["compare", "--qubits", "3", "--shots", "0"], "argument --shots: 0 is out of range"),
    (["compare", "--qubits", "3", "--shots", "many"], "argument --shots: 'many' is not an integer"),
    (["compare", "--qubits", "3", "--backends", "nope"], "known backends are"),
    (["compare", "--qubits", "3", "--out", "{tmp}/missing/x.json"], "does not exist"),
    (["compare", "--qubits", "3", "--out", "{tmp}/folder"], "is a folder"),
    (["compare", "--circuit", str(DATA / "qft_n4.qasm"), "--qubits", "4"], "a .qasm file sets its own size"),
    (["bench", "qft", "--budget", "nan"], "argument --budget: nan is not allowed; give a finite number > 0"),
    (["bench", "qft", "--budget", "-1"], "argument --budget"),
    (["bench", "qft", "--qubits", "10:5"], "is empty (STOP below START?)"),
    (["bench", "qft", "--qubits", "0:3"], "includes 0; each must be >= 1"),
    (["bench", "qft", "--qubits", "1:4:0"], "the step must be >= 1"),
    (["bench", "qft", "--repeats", "0"], "argument --repeats"),
    (["bench", "qft", "--qubits", "3", "--out", "{tmp}/file.txt"], "is a file, but bench writes a folder"),
    (["bench", "train", "--backends", "aer"], "drop --backends and --dtype"),
    (["bench", "coefficients", "--dtype", "complex64"], "drop --backends and --dtype"),
    (["bench", "qft", "--qubits", "3", "--device", "cuda"], "--device applies to train and coefficients"),
    (["bench", "nope"], "invalid choice: 'nope'"),
    (["bench", "qft", "--qubits", "40", "--backends", "qiskit", "--out", "{tmp}/b"], "nothing ran at any size"),
    (["plan", "--qubits", "30", "--gpu-memory", "inf"], "argument --gpu-memory: inf is not allowed"),
    (["plan", "--qubits", "0"], "argument --qubits: 0 is out of range"),
    (["plan"], "the following arguments are required: --qubits"),
    (["reproduce", "nope"], "invalid choice: 'nope' (choose from"),
    (["reproduce", "spectral-bias", "--seed", "-1"], "argument --seed: -1 is out of range"),
    (["reproduce", "spectral-bias", "--sweep", "seeds=a"], "cannot read seeds 'a'"),
    (["reproduce", "spectral-bias", "--workers", "0"], "argument --workers: 0 is out of range"),
    (["report", "--sweep", "seeds=3:2"], "seeds '3:2' is empty"),
    (["circuits", "verify", "--dir", "{tmp}/folder"], "no circuit library in"),
    (["circuits", "verify", "--dir", "{tmp}/broken"], "manifest.json is damaged (JSONDecodeError"),
    (["circuits", "verify", "--dir", "{tmp}/dangling"], "rewrite the library with `qspectral circuits export`"),
    (["submit", "qft", "--qubits", "0"], "argument --qubits: 0 is out of range"),
    (["submit", "qft", "--qubits", "2", "--shots", "0"], "argument --shots: 0 is out of range"),
    (["submit", "qft", "--qubits", "2", "--shots", "1000000000000"], "give an integer between 1 and 10000000"),
    (["submit", "qft", "--qubits", "2", "--input", "-1"], "argument --input: -1 is out of range"),
    (["submit", "qft", "--qubits", "2", "--timeout", "-1"], "argument --timeout"),
    (["submit", "{tmp}/missing.qasm"], "no circuit file"),
    (["jobs", "list", "--store", "{tmp}/typo.sqlite"], "no job store at {tmp}/typo.sqlite"),
    (["jobs", "status", "abc", "--store", "{tmp}/typo.sqlite"], "no job store at"),
    (["jobs", "sync", "--store", "{tmp}/folder"], "is a folder, not a file"),
    (["jobs", "cancel", "nope", "--store", "{tmp}/jobs.sqlite"], "no job 'nope'"),
    (["jobs", "fetch", "x", "--out", "{tmp}/folder", "--store", "{tmp}/jobs.sqlite"], "is a folder"),
    (["jobs"], "the following arguments are required: ACTION"),
    ([], "the following arguments are required: COMMAND"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
]


@pytest.mark.parametrize("argv, fragment", BAD, ids=[" ".join(a)[:60] or "(none)" for a, _ in BAD])
def test_bad_arguments_exit_2_with_one_line(env, capsys, argv, fragment):
    argv = [a.replace("{tmp}", str(env)) for a in argv]
    assert main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err
    lines = err.strip("\n").splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("qspectral: error: ") and "Traceback" not in err + captured.out
    assert fragment.replace("{tmp}", str(env)) in lines[0]
    assert not (env / "b").exists() and not (env / "typo.sqlite").exists() and not (env / "home").exists()


# -- a corpus of broken circuit files, through every command that reads files -------------------

BROKEN = {
    "not_utf8.qasm": (b"OPENQASM 2.0;\xff\xfe qreg q[2];", "is not UTF-8 text (byte 0xff at offset 13)"),
    "nan.qasm": (b'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nrx(1e400-1e400) q[0];\n',
                 "('rx') has the parameter nan; gate angles must be finite"),
    "inf.qasm": (b'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\nrz(1e400) q[0];\n', "parameter inf"),
    "zero.qasm": (b"OPENQASM 2.0;\nqreg q[0];\n", "has no qubits"),
    "syntax.qasm": (b"OPENQASM 3.0;\nqubit[2] q;\nnotagate q[0];\n", "does not parse as OpenQASM 3.0"),
    "version.qasm": (b"OPENQASM 4.0;\nqreg q[1];\n", "declares OpenQASM version '4.0'"),
    "empty.qasm": (b"", "has no qubits"),
}
REAL_BROKEN = {
    # A QASMBench file as published: it measures an undeclared register.
    "vqe_uccsd_n6.qasm": "'q' is not defined in this scope",
}
#: Dynamic circuits: statevector comparison refuses them; sampling (compare --shots, submit) runs
#: them where it can (tests/sim/test_compare_shots.py, tests/cloud/test_dynamic_submit.py).
NOT_UNITARY = {
    "reset.qasm": (b'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nh q[0];\nreset q[0];\n',
                   "instruction 1 is 'reset', not a gate or a final measurement"),
    "midcircuit.qasm": (b'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\ncreg c[1];\nmeasure q[0] -> c[0];\nh q[0];\n',
                        "acts on qubit 0 after it was measured"),
}
REAL_NOT_UNITARY = {"inverseqft_n4.qasm": "instruction 7 is 'if_else'"}  # QASMBench: classical control
SAMPLING = [["compare", "--backends", "qiskit", "--shots", "10", "--circuit"], ["submit"]]


def _write(tmp_path: Path, table: dict) -> list[tuple[Path, str]]:
    for name, (content, _) in table.items():
        (tmp_path / name).write_bytes(content)
    return [(tmp_path / name, fragment) for name, (_, fragment) in table.items()]


def _refused(capsys, argv: list[str], fragment: str) -> None:
    assert main(argv) == 2, argv
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("qspectral: error: ") and fragment in err, err


@pytest.mark.parametrize("command", [["compare", "--backends", "qiskit", "--circuit"], *SAMPLING])
def test_every_broken_file_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch, command):
    monkeypatch.setenv("QSPECTRAL_HOME", str(tmp_path / "home"))
    corpus = _write(tmp_path, BROKEN) + [(DATA / name, fragment) for name, fragment in REAL_BROKEN.items()]
    for path, fragment in corpus:
        _refused(capsys, [*command, str(path)], fragment)
    assert not (tmp_path / "home").exists()  # no half-done job: nothing was recorded


def test_statevector_compare_refuses_dynamic_files_and_points_to_shots(tmp_path, capsys):
    corpus = _write(tmp_path, NOT_UNITARY) + [(DATA / name, fragment) for name, fragment in REAL_NOT_UNITARY.items()]
    for path, fragment in corpus:
        _refused(capsys, ["compare", "--backends", "qiskit", "--circuit", str(path)], fragment)
        _refused(capsys, ["compare", "--backends", "qiskit", "--circuit", str(path)],
                 "statevector comparison (without --shots) needs a unitary circuit")


@pytest.mark.parametrize("command", SAMPLING)
def test_sampling_refuses_a_dynamic_file_that_measures_nothing(tmp_path, capsys, monkeypatch, command):
    monkeypatch.setenv("QSPECTRAL_HOME", str(tmp_path / "home"))
    (path, _), _ = _write(tmp_path, NOT_UNITARY)
    _refused(capsys, [*command, str(path)], "is dynamic (instruction 1 is a reset) but measures nothing")
    assert not (tmp_path / "home").exists()


def test_a_40_qubit_file_is_refused_before_any_allocation(tmp_path, capsys):
    path = tmp_path / "big.qasm"
    path.write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[40];\nh q[0];\ncx q[0], q[39];\n')
    assert main(["compare", "--circuit", str(path)]) == 2  # every backend: would need 16 TiB
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no backend could run it" in err


# -- real benchmark-suite files ------------------------------------------------------------------

REAL = ["qft_n4.qasm", "adder_n4.qasm", "bell_n4.qasm", "error_correctiond3_n5.qasm", "hhl_n7.qasm", "dnn_n8.qasm"]


@pytest.mark.parametrize("name", REAL)
def test_benchmark_suite_files_compare_on_every_cpu_backend(tmp_path, capsys, name):
    out = tmp_path / "compare.json"
    status = main(["compare", "--circuit", str(DATA / name), "--repeats", "1",
                   "--backends", "aer", "lightning", "engine", "qiskit", "--out", str(out)])
    printed = capsys.readouterr().out
    assert status == 0, printed
    assert "final measurement(s); comparing statevectors before them" in printed.splitlines()[0]
    rows = json.loads(out.read_text())
    # Three independent simulators agree with Qiskit's Statevector on the file's unitary part.
    assert [r["backend"] for r in rows] == ["aer", "lightning", "engine", "qiskit"]
    assert all(r["passed"] and r["max_abs_diff"] < 1e-10 for r in rows)


def test_a_file_under_a_folder_named_openqasm_loads(tmp_path, capsys):
    folder = tmp_path / "OPENQASM 2.0; files"
    folder.mkdir()
    path = folder / "qft.qasm"
    path.write_bytes((DATA / "qft_n4.qasm").read_bytes())
    assert main(["compare", "--circuit", str(path), "--backends", "qiskit", "aer", "--repeats", "1"]) == 0


def test_a_file_without_header_reads_as_openqasm_2(tmp_path, capsys):
    path = tmp_path / "noheader.qasm"
    path.write_text('include "qelib1.inc";\nqreg q[2];\nh q[0];\ncx q[0],q[1];\n')
    assert main(["compare", "--circuit", str(path), "--backends", "aer", "qiskit", "--repeats", "1"]) == 0
    assert "pass" in capsys.readouterr().out


def test_submit_samples_a_suite_file_with_final_measurements(tmp_path, capsys, monkeypatch):
    # qft_n4.qasm prepares |0101> and applies a QFT-like circuit, then measures every qubit. The
    # ideal distribution is |amplitude|^2 of Qiskit's Statevector of the unitary part.
    import numpy as np
    from qiskit import qasm2
    from qiskit.quantum_info import Statevector

    from qspectral.cloud import JobStore

    monkeypatch.setenv("QSPECTRAL_HOME", str(tmp_path / "home"))
    assert main(["submit", str(DATA / "qft_n4.qasm"), "--shots", "4000"]) == 0
    captured = capsys.readouterr()
    assert "created a new job store at" in captured.err
    job = JobStore(mode="read").get(captured.out.splitlines()[0])
    circuit = qasm2.load(str(DATA / "qft_n4.qasm"), custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    circuit.remove_final_measurements()
    ideal = np.abs(Statevector(circuit).data) ** 2
    freq = np.zeros(16)
    for outcome, count in job.counts.items():
        freq[outcome] = count / 4000
    assert job.state == "done" and sum(job.counts.values()) == 4000
    assert 0.5 * np.abs(freq - ideal).sum() < 0.08
    assert main(["submit", "qft", "--qubits", "2", "--shots", "5"]) == 0
    assert "created a new job store" not in capsys.readouterr().err  # said once, the first time


# -- interrupts and closed pipes, through the installed console script ---------------------------


def _script() -> str:
    return str(Path(sys.executable).with_name("qspectral"))


def test_ctrl_c_exits_130_with_a_line_naming_how_to_resume(tmp_path):
    proc = subprocess.Popen([_script(), "bench", "qft", "--qubits", "16:30", "--backends", "qiskit",
                             "--no-progress", "--out", str(tmp_path / "b")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(6)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and err.strip().splitlines()[-1].startswith("qspectral: interrupted — ")


def test_ctrl_c_during_submit_names_jobs_sync(tmp_path, capsys, monkeypatch):
    from qspectral.cloud.lifecycle import JobManager

    def interrupted(self, job, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(JobManager, "_send", interrupted)
    assert main(["submit", "qft", "--qubits", "2", "--store", str(tmp_path / "j.sqlite")]) == 130
    err = capsys.readouterr().err
    assert "`qspectral jobs sync`" in err and "Traceback" not in err
    assert main(["jobs", "sync", "--store", str(tmp_path / "j.sqlite")]) == 0
    # The job was recorded before sending; its submitter (this process) is still alive, so sync
    # leaves it to it (once the process ends, sync marks it needs_resubmit: tests/cloud).
    assert f"created         being submitted by process {os.getpid()}" in capsys.readouterr().out


def test_a_closed_pipe_ends_quietly(tmp_path):
    proc = subprocess.Popen([_script(), "backends"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # like `qspectral backends | head -0`
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141 and err == ""
