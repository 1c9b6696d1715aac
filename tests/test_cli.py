"""The `qspectral` command line, run for real (in-process and through the installed console script)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from qspectral.cli import main


def test_backends_command_lists_every_backend(capsys):
    assert main(["backends"]) == 0
    out = capsys.readouterr().out
    for name in ("aer", "aer.gpu", "lightning", "lightning.gpu", "default.qubit", "qiskit"):
        assert name in out


def test_compare_prints_a_passing_table_and_writes_json(tmp_path, capsys):
    path = tmp_path / "compare.json"
    assert main(["compare", "--qubits", "6", "--repeats", "1", "--backends", "aer", "qiskit", "--out", str(path)]) == 0
    out = capsys.readouterr().out
    assert "max |delta|" in out and "pass" in out
    rows = json.loads(path.read_text())
    assert [r["backend"] for r in rows] == ["aer", "qiskit"]
    assert all(r["passed"] and r["max_abs_diff"] < 1e-10 for r in rows)


def test_compare_with_unknown_backend_exits_2_with_the_known_ones(capsys):
    assert main(["compare", "--qubits", "3", "--backends", "nope"]) == 2
    assert "known backends are" in capsys.readouterr().err


def test_compare_refuses_a_size_no_backend_can_hold_in_one_line(capsys):
    assert main(["compare", "--qubits", "40", "--backends", "qiskit", "--repeats", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no backend could run it" in err and "2**40 amplitudes" in err


def test_console_script_is_installed():
    exe = shutil.which("qspectral")
    if exe is None:
        pytest.fail("the `qspectral` console script is not on PATH: run `pip install -e .`")
    result = subprocess.run([exe, "backends"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "qiskit" in result.stdout


def test_compare_random_circuit_and_qasm_file_agree_with_statevector(tmp_path, capsys):
    path = tmp_path / "r.json"
    assert main(["compare", "--circuit", "random", "--qubits", "5", "--depth", "6", "--repeats", "1",
                 "--backends", "aer", "lightning", "--out", str(path)]) == 0
    assert all(r["fidelity"] > 1 - 1e-12 for r in json.loads(path.read_text()))
    from pathlib import Path

    qasm = Path(__file__).resolve().parents[1] / "circuits" / "fourier_shift_5.qasm"
    assert main(["compare", "--circuit", str(qasm), "--repeats", "1", "--backends", "aer", "default.qubit"]) == 0
    assert "pass" in capsys.readouterr().out


def test_compare_qft_without_qubits_is_a_clear_error(capsys):
    assert main(["compare", "--circuit", "qft"]) == 2
    assert "needs --qubits" in capsys.readouterr().err


def test_version_and_help_show_defaults_and_experiments(capsys):
    from importlib.metadata import version

    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"qspectral {version('qspectral')}\n"
    assert main(["bench", "--help"]) == 0
    bench_help = " ".join(capsys.readouterr().out.split())
    assert "(default: 3)" in bench_help and "seed of the inputs (default: 0)" in bench_help and "(default: 120.0)" in bench_help and "(default: results/bench)" in bench_help
    assert main(["reproduce", "--help"]) == 0
    from qspectral.experiments.registry import experiment_names

    reproduce_help = capsys.readouterr().out
    assert all(name in reproduce_help for name in experiment_names())
    assert main(["--help"]) == 0
    assert "``" not in capsys.readouterr().out


def test_bench_coefficients_honours_qubits_and_writes_every_file(tmp_path, capsys):
    # Checked against PennyLane's qml.fourier.coefficients on default.qubit, at each size asked for.
    status = main(["bench", "coefficients", "--qubits", "1:2", "--repeats", "1", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "n=1" in out and "n=2" in out
    records = json.loads((tmp_path / "bench_coefficients.json").read_text())
    assert [r["num_qubits"] for r in records] == [1, 2]
    assert all(r["max_abs_diff"] < 1e-10 for r in records)
    assert status == (0 if all(r["passed"] for r in records) else 1)
    csv_lines = (tmp_path / "bench_coefficients.csv").read_text().splitlines()
    assert len(csv_lines) == 3 and csv_lines[0].startswith("name,")
    assert (tmp_path / "bench_coefficients.png").stat().st_size > 1000


def test_bench_plot_has_integer_qubit_ticks_and_nothing_is_written_without_data(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    from qspectral.sim.bench import write_result_files

    captured = {}
    original = plt.Figure.savefig

    def keep(fig, *args, **kwargs):
        captured["ticks"] = [t for t in fig.axes[0].get_xticks() if 10 <= t <= 12]
        return original(fig, *args, **kwargs)

    plt.Figure.savefig = keep
    try:
        paths = write_result_files([{"n": 10}], tmp_path, "x", {"a": [(10, 1.0), (11, 2.0), (12, 3.0)]},
                                   title="t", ylabel="s")
    finally:
        plt.Figure.savefig = original
    assert len(paths) == 3 and captured["ticks"] == [10, 11, 12]
    assert write_result_files([{"n": 10}], tmp_path / "none", "x", {"a": []}, title="t", ylabel="s") == []
    assert not (tmp_path / "none").exists()
