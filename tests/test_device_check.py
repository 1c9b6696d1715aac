"""scripts/device/check and fetch-wheels: the CPU smoke run, and each piece against an independent reference."""

from __future__ import annotations

import doctest
import importlib.machinery
import importlib.util
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from qiskit.quantum_info import Statevector

ROOT = Path(__file__).resolve().parents[1]
DEVICE = ROOT / "scripts" / "device"
sys.path.insert(0, str(DEVICE))

from gpucheck import commands, environment, properties, record, report, workloads  # noqa: E402
from gpucheck.report import render  # noqa: E402


def _fetch_wheels():
    loader = importlib.machinery.SourceFileLoader("fetch_wheels", str(DEVICE / "fetch-wheels"))
    spec = importlib.util.spec_from_loader("fetch_wheels", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def _state(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    psi = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)
    return psi / np.linalg.norm(psi)


@pytest.mark.slow
def test_cpu_smoke_run_writes_every_phase_and_survives_a_failing_contender(tmp_path):
    # the smoke run keeps its own 48 s deadline; the subprocess timeout only guards against a hang
    done = subprocess.run([sys.executable, str(DEVICE / "check"), "--cpu-smoke", "--out", str(tmp_path),
                           "--inject-failure", "aer (CPU)"], capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    data = json.loads((tmp_path / "gpu-check.json").read_text())
    table = (tmp_path / "gpu-check.md").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gpu-check.json", "gpu-check.md"]  # nothing else in OUT
    assert data["mode"] == "smoke" and data["finished"] and data["environment"]["device"] == "cpu"
    assert set(data["phases"]) >= {"race-targets", "pytest", "properties", "race", "train", "bench-cli", "experiments"}
    assert all(p.get("status") and p["status"] != "running" for p in data["phases"].values())
    # the injected failure is a recorded error, and the contenders after it at the same size still ran
    aer = [r for r in data["race"] if r["contender"] == "aer (CPU)" and r.get("status") == "error"]
    assert aer and all("injected failure" in r["error"] for r in aer)
    first = aer[0]
    after = [r for r in data["race"] if (r["workload"], r["dtype"], r["n"]) == (first["workload"], first["dtype"], first["n"])
             and r["contender"] == "lightning (CPU)"]
    assert after and after[0]["status"] == "ok" and after[0]["median_s"] > 0
    assert "injected failure" in table
    # the QFT reference passed the DFT-sum check, and the engine agrees with it
    qft = [r for r in data["race"] if r["workload"] == "qft" and r["dtype"] == "complex128" and r.get("median_s")]
    assert {r["contender"] for r in qft} >= {"torch.fft", "engine"}
    assert all(r["rel_err"] < 1e-10 for r in qft)
    assert table == render(data)  # the Markdown is the JSON's rendering


def test_chirp_circuit_is_the_free_particle_step():
    n = 5
    task = workloads.build("spectral-phase", n, seed=3, dtype=torch.complex128, device="cpu")
    psi = task.state.numpy()
    k = np.arange(2**n)
    expected = np.fft.ifft(np.exp(-2j * np.pi * k**2 / 2**n) * np.fft.fft(psi))
    assert np.max(np.abs(Statevector(psi).evolve(task.circuit).data - expected)) < 1e-12
    assert np.max(np.abs(task.bare_torch().numpy() - expected)) < 1e-12
    diagonal = workloads.chirp_diagonal(n, torch.complex128, "cpu").numpy()
    assert np.max(np.abs(diagonal - np.exp(-2j * np.pi * k**2 / 2**n))) < 1e-12


def test_filter_bare_program_matches_the_circuit():
    task = workloads.build("spectral-filter", 5, seed=2, dtype=torch.complex128, device="cpu")
    psi = task.state.numpy()
    assert np.max(np.abs(Statevector(psi).evolve(task.circuit).data - task.bare_torch().numpy())) < 1e-12


def test_random_state_is_normalised_and_seeded():
    a = workloads.random_state(10, 5, torch.complex64, "cpu")
    assert abs(np.linalg.norm(a.numpy().astype(np.complex128)) - 1) < 1e-6
    assert torch.equal(a, workloads.random_state(10, 5, torch.complex64, "cpu"))


def test_qibo_circuits_match_numpy():
    qibo = pytest.importorskip("qibo")
    qibo.set_backend("numpy")
    qibo.set_dtype("complex128")
    for name in ("qft", "spectral-phase", "random"):
        task = workloads.build(name, 5, seed=4, dtype=torch.complex128, device="cpu")
        psi = task.state.numpy()
        out = np.asarray(task.qibo_circuit()(initial_state=psi.copy()).state())
        assert np.max(np.abs(out - Statevector(psi).evolve(task.circuit).data)) < 1e-12, name


def test_dft_spot_check_accepts_the_dft_and_catches_a_wrong_output():
    psi = _state(12, 1)
    good = torch.from_numpy(np.sqrt(2**12) * np.fft.ifft(psi))
    assert workloads.dft_spot_check(torch.from_numpy(psi), good, count=8) < 1e-14
    wrong = torch.from_numpy(np.sqrt(2**12) * np.fft.fft(psi) / 2**12)  # the inverse transform
    assert workloads.dft_spot_check(torch.from_numpy(psi), wrong, count=8) > 1e-3


def test_deadline_stops_a_phase_and_the_record_keeps_what_was_measured(tmp_path):
    notes = record.Record(tmp_path, title="t")
    notes.add_row("race", {"workload": "qft", "dtype": "complex64", "n": 3, "contender": "engine", "median_s": 0.5})
    deadline = record.Deadline(0.2)
    try:
        with pytest.raises(record.OutOfTime):
            while True:
                sum(range(1000))
    finally:
        deadline.disarm()
    saved = json.loads((tmp_path / record.JSON_NAME).read_text())
    assert saved["race"][0]["median_s"] == 0.5
    assert not list(tmp_path.glob("*.partial"))


def test_junit_counts_and_gpu_test_discovery():
    xml = ('<testsuites><testsuite tests="4" failures="1" errors="1" skipped="1">'
           '<testcase classname="m" name="a"><failure message="bad"/></testcase>'
           '<testcase classname="m" name="b"><error message="oops"/></testcase></testsuite></testsuites>')
    counts = commands.junit_counts(xml)
    assert (counts["passed"], counts["failed"], counts["errors"], counts["skipped"]) == (1, 1, 1, 1)
    assert [f["test"] for f in counts["failures"]] == ["m::a", "m::b"]
    found = commands.gpu_test_files(ROOT)
    assert found and all("pytest.mark.gpu" in (ROOT / f).read_text() for f in found)


def test_wheel_requirements_follow_markers_and_extras(tmp_path):
    fetch = _fetch_wheels()
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    metadata = "\n".join([
        "Metadata-Version: 2.1", "Name: demo", "Version: 1.0",
        "Requires-Dist: numpy>=2", "Requires-Dist: pywin32; sys_platform == 'win32'",
        "Requires-Dist: antlr4-python3-runtime; extra == 'parser'", "Requires-Dist: old; python_version < '3.10'",
    ])
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("demo-1.0.dist-info/METADATA", metadata)
        archive.writestr("demo/big.so", b"x" * 1000)
        archive.writestr("demo/keep.py", "")
        archive.writestr("demo-1.0.dist-info/RECORD", "demo/big.so,,1000\ndemo/keep.py,,0\n")
    assert [r.name for r in fetch.requirements(wheel, set())] == ["numpy"]
    assert [r.name for r in fetch.requirements(wheel, {"parser"})] == ["numpy", "antlr4-python3-runtime"]
    assert fetch.slim(wheel, ("demo/big.so",)) > 0
    with zipfile.ZipFile(wheel) as archive:
        assert "demo/big.so" not in archive.namelist()
        assert archive.read("demo-1.0.dist-info/RECORD").decode() == "demo/keep.py,,0\n"


def test_publish_replaces_only_the_table_between_the_markers(tmp_path):
    from gpucheck.main import publish

    page = tmp_path / "GPU.md"
    page.write_text((ROOT / "benchmarks" / "GPU.md").read_text())
    table = tmp_path / "gpu-check.md"
    table.write_text("# qspectral GPU check\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    before = page.read_text()
    publish(table, page)
    after = page.read_text()
    middle = before.split("## What the check does")[1].split("<!-- gpu-table:start -->")[0]
    assert middle in after and "No GPU run has been made yet.\n<!-- gpu-table:end -->" not in after
    assert "**Status: no GPU run has been made yet**" in before and "no GPU run has been made yet" not in after
    assert "### qspectral GPU check\n\n| a | b |" in after and after.rstrip().endswith("<!-- gpu-table:end -->")


def test_gpucheck_docstring_examples_run():
    for module in (commands, environment, properties, record, report, workloads):
        assert doctest.testmod(module).failed == 0, module.__name__
