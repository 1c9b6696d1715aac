"""The model benchmarks: both sides compute the same numbers (speed is reported, not asserted)."""

from __future__ import annotations

import json

import pytest

from qspectral.cli import main
from qspectral.experiments.bench_models import benchmark_coefficients, benchmark_train, format_results


def test_train_benchmark_gradients_agree_with_pennylane():
    result = benchmark_train(num_qubits=2, num_layers=2, batch=8, depth=1, repeats=1)
    assert result.max_abs_diff < 1e-10
    assert result.seconds > 0 and result.reference_seconds > 0
    record = result.to_dict()
    assert record["speedup"] == pytest.approx(result.reference_seconds / result.seconds)
    assert record["passed"] == (record["speedup"] >= 10 and result.max_abs_diff <= 1e-10)


def test_coefficients_benchmark_agrees_with_pennylane_and_formats():
    result = benchmark_coefficients(num_qubits=2, num_layers=2, depth=1, repeats=1)
    assert result.max_abs_diff < 1e-10
    assert "9 Fourier coefficients" in result.description
    table = format_results([result])
    assert "coefficients" in table and "qml.fourier.coefficients" in table


def test_cli_bench_train_writes_json(tmp_path, capsys):
    code = main(["bench", "train", "--repeats", "1", "--out", str(tmp_path)])
    (record,) = json.loads((tmp_path / "bench_train.json").read_text())  # one record per size (default: 4)
    assert record["num_qubits"] == 4 and (tmp_path / "bench_train.csv").exists() and (tmp_path / "bench_train.png").exists()
    assert code == (0 if record["passed"] else 1)
    assert record["max_abs_diff"] < 1e-10 and "n=4, L=3, depth=3, batch=128" in record["description"]
    assert "default.qubit" in capsys.readouterr().out
