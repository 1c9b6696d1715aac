"""The benchmark harness: every workload's outputs are checked, files are written, refusals are rows."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qspectral import QSpectralError
from qspectral.cli import main
from qspectral.sim.bench import WORKLOADS, parse_qubits, run_benchmark


@pytest.mark.parametrize("workload", WORKLOADS)
def test_each_workload_runs_and_agrees_with_its_closed_form(workload):
    rows = run_benchmark(workload, [5], backends=["aer", "qiskit"], repeats=1, progress=False)
    timed = [r for r in rows if r.median_seconds is not None and r.backend != "build"]  # build: no output
    assert {r.backend for r in timed} >= {"aer", "qiskit"}
    assert all(r.passed and r.max_abs_error < 1e-9 for r in timed)
    assert min(r.ratio for r in timed) == pytest.approx(1.0)


@pytest.mark.parametrize("workload", ["spectral-phase", "spectral-filter"])
def test_spectral_rows_time_the_build_too_and_are_split(workload, monkeypatch):
    import qspectral.sim.bench as bench

    calls = []
    original = bench.spectral_phase if workload == "spectral-phase" else bench.spectral_filter
    monkeypatch.setattr(bench, original.__name__, lambda *a: calls.append(1) or original(*a))
    rows = run_benchmark(workload, [5], backends=["engine", "aer"], repeats=2, progress=False)
    by_name = {r.backend: r for r in rows}
    assert set(by_name) == {"engine", "aer", "build", "engine, prebuilt"}
    assert by_name["engine"].note == by_name["aer"].note == "build + simulate"
    assert by_name["engine, prebuilt"].passed and by_name["engine, prebuilt"].max_abs_error < 1e-9
    # one build up front, then one per call on each backend (warm-up + 2 repeats), then 3 for the build row
    assert len(calls) == 1 + 2 * 3 + 3


def test_a_broken_check_would_fail(monkeypatch):
    import qspectral.sim.bench as bench

    monkeypatch.setattr(bench, "apply_qft", lambda psi: np.fft.fft(psi))  # the wrong sign
    rows = run_benchmark("qft", [4], backends=["qiskit"], repeats=1, progress=False)
    assert not [r for r in rows if r.backend == "qiskit"][0].passed


def test_memory_refusal_is_a_row_not_a_crash():
    rows = run_benchmark("qft", [40], backends=["qiskit"], repeats=1, progress=False)
    assert len(rows) == 1 and rows[0].median_seconds is None and "refused" in rows[0].note


def test_parse_qubits():
    assert parse_qubits("10:26:2") == [10, 12, 14, 16, 18, 20, 22, 24, 26]
    assert parse_qubits("12,18,22") == [12, 18, 22]
    with pytest.raises(QSpectralError, match=r"write START:STOP\[:STEP\] \(both ends included\)"):
        parse_qubits("ten")


def test_cli_writes_json_csv_png(tmp_path, capsys):
    assert main(["bench", "qft", "--qubits", "4:6:2", "--backends", "aer", "--repeats", "1",
                 "--no-progress", "--out", str(tmp_path)]) == 0
    records = json.loads((tmp_path / "bench_qft_complex128.json").read_text())
    assert {(r["num_qubits"], r["backend"]) for r in records} >= {(4, "aer"), (6, "aer"), (6, "torch.fft")}
    assert (tmp_path / "bench_qft_complex128.csv").read_text().startswith("workload,")
    assert (tmp_path / "bench_qft_complex128.png").read_bytes()[:4] == b"\x89PNG"
    assert "ratio" in capsys.readouterr().out
